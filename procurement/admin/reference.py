"""Reference data edited directly: standards, suppliers, products, hospitals, locations."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from core.admin.export import CsvExportMixin
from core.admin.history import HistoryAdminMixin
from core.roles import Role, has_role

from .. import admin_forms
from ..models import Hospital, HospitalMembership, ImportKind, Location, Product, Standard, Supplier
from ..validators import normalize_gtin
from .imports import ImportFromCsvMixin

# ---------------------------------------------------------------------------------------------
# Reference data


@admin.register(Standard)
class StandardAdmin(HistoryAdminMixin, admin.ModelAdmin):
    list_display = ["code", "edition", "title", "category", "is_medical"]
    list_filter = ["category", "is_medical"]
    search_fields = ["code", "title", "edition"]


# Who may read a supplier's scorecard (inspections/reports/views.py, REPORT_ROLES); only they
# are offered the link to it.
SCORECARD_ROLES = (Role.MINISTRY_OFFICER,)


@admin.register(Supplier)
class SupplierAdmin(HistoryAdminMixin, CsvExportMixin, admin.ModelAdmin):
    csv_columns = [
        "name",
        "country",
        "contact_email",
        "contact_phone",
    ]
    list_display = ["name", "country", "contact_email", "contact_phone"]
    list_filter = ["country"]
    search_fields = ["name", "country", "contact_email"]

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if has_role(request.user, *SCORECARD_ROLES):
            columns.append("scorecard_link")
        return columns

    @admin.display(description="scorecard")
    def scorecard_link(self, supplier: Supplier) -> str:
        url = reverse("reports:supplier_scorecard", args=[supplier.pk])
        return format_html('<a href="{}">Scorecard</a>', url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_read_scorecard": has_role(request.user, *SCORECARD_ROLES),
        }
        return super().change_view(request, object_id, form_url, extra_context)


class ProductForm(forms.ModelForm):
    """Takes a GTIN as printed (8, 12, 13 or 14 digits) and keeps its 14-digit form."""

    class Meta:
        model = Product
        fields = ["name", "sku", "gtin", "category", "claimed_standard", "manufacturer", "unit"]

    def clean_gtin(self) -> str:
        gtin = self.cleaned_data.get("gtin") or ""
        return normalize_gtin(gtin) if gtin.strip() else ""


@admin.register(Product)
class ProductAdmin(ImportFromCsvMixin, HistoryAdminMixin, CsvExportMixin, admin.ModelAdmin):
    form = ProductForm
    csv_columns = [
        "name",
        "sku",
        "gtin",
        "category",
        "manufacturer",
        "unit",
        "claimed_standard",
        "medical_standard",
    ]
    import_kind = ImportKind.PRODUCTS
    list_display = ["name", "sku", "gtin", "category", "claimed_standard", "medical_standard"]
    list_filter = ["category", "claimed_standard__is_medical"]
    list_select_related = ["claimed_standard"]
    search_fields = ["name", "sku", "gtin", "manufacturer", "claimed_standard__code"]
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
class HospitalAdmin(ImportFromCsvMixin, HistoryAdminMixin, CsvExportMixin, admin.ModelAdmin):
    """The webhook secret signs every recall notice sent to the hospital: only ministry officers
    (and superusers) know it is there at all, and even they can only replace it, never read it."""

    csv_columns = [
        "code",
        "name",
        "city",
        "region",
        "contact_email",
        "language",
        "webhook_url",
    ]
    import_kind = ImportKind.HOSPITALS
    list_display = ["code", "name", "city", "region", "language", "has_webhook"]
    list_filter = ["region", "language"]
    search_fields = ["code", "name", "city", "region"]
    inlines = [MembershipInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def _may_set_secret(self, request, obj) -> bool:
        if not has_role(request.user, Role.MINISTRY_OFFICER):
            return False
        return self.has_change_permission(request, obj) if obj else self.has_add_permission(request)

    def get_exclude(self, request, obj=None):
        # Anyone else does not get the field at all: not in the form, not as a read-only value.
        exclude = list(super().get_exclude(request, obj) or [])
        if not self._may_set_secret(request, obj):
            exclude.append("webhook_secret")
        return exclude

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self._may_set_secret(request, obj):
            kwargs["form"] = admin_forms.HospitalAdminForm  # the secret as a write-only field
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(boolean=True, description="webhook")
    def has_webhook(self, hospital: Hospital) -> bool:
        return bool(hospital.webhook_url)


@admin.register(HospitalMembership)
class HospitalMembershipAdmin(HistoryAdminMixin, MembershipUserMixin, admin.ModelAdmin):
    list_display = ["user", "hospital", "job_title"]
    list_filter = ["hospital"]
    list_select_related = ["user", "hospital"]
    search_fields = ["user__username", "user__email", "hospital__name", "hospital__code"]
    autocomplete_fields = ["user", "hospital"]


@admin.register(Location)
class LocationAdmin(HistoryAdminMixin, admin.ModelAdmin):
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
