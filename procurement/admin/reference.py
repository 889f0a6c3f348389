"""Reference data edited directly: standards, suppliers, products, hospitals, locations."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models

from ..models import (
    Hospital,
    HospitalMembership,
    Location,
    Product,
    Role,
    Standard,
    Supplier,
)

# ---------------------------------------------------------------------------------------------
# Reference data


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["code", "edition", "title", "category", "is_medical"]
    list_filter = ["category", "is_medical"]
    search_fields = ["code", "title", "edition"]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "contact_email", "contact_phone"]
    list_filter = ["country"]
    search_fields = ["name", "country", "contact_email"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "sku", "category", "claimed_standard", "medical_standard"]
    list_filter = ["category", "claimed_standard__is_medical"]
    list_select_related = ["claimed_standard"]
    search_fields = ["name", "sku", "manufacturer", "claimed_standard__code"]
    autocomplete_fields = ["claimed_standard"]

    @admin.display(boolean=True, description="medical standard")
    def medical_standard(self, product: Product) -> bool:
        return bool(product.claimed_standard and product.claimed_standard.is_medical)


class MembershipUserMixin:
    """Memberships are for hospital staff users.

    The user autocomplete asks the user admin, which answers only people allowed to view users;
    the role groups do not grant that, so without it the field is a plain list of hospital staff.
    """

    def get_autocomplete_fields(self, request):
        fields = super().get_autocomplete_fields(request)
        if request.user.has_perm("auth.view_user"):
            return fields
        return [name for name in fields if name != "user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(groups__name=Role.HOSPITAL_STAFF.value)
                .order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(MembershipUserMixin, admin.TabularInline):
    model = HospitalMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "region", "language", "has_webhook"]
    list_filter = ["region", "language"]
    search_fields = ["code", "name", "city", "region"]
    inlines = [MembershipInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(boolean=True, description="webhook")
    def has_webhook(self, hospital: Hospital) -> bool:
        return bool(hospital.webhook_url)


@admin.register(HospitalMembership)
class HospitalMembershipAdmin(MembershipUserMixin, admin.ModelAdmin):
    list_display = ["user", "hospital", "job_title"]
    list_filter = ["hospital"]
    list_select_related = ["user", "hospital"]
    search_fields = ["user__username", "user__email", "hospital__name", "hospital__code"]
    autocomplete_fields = ["user", "hospital"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    """Made by the data migration and by the ledger; only the name may be corrected."""

    list_display = ["name", "kind", "hospital"]
    list_filter = ["kind"]
    list_select_related = ["hospital"]
    search_fields = ["name", "hospital__code", "hospital__name"]
    readonly_fields = ["kind", "hospital"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
