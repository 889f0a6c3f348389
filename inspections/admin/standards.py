"""Reference data of the quality side: each standard's criteria, and the inspection plans."""

from __future__ import annotations

from django.contrib import admin

from core.admin.history import HistoryAdminMixin
from procurement.admin.reference import StandardAdmin as ProcurementStandardAdmin
from procurement.models import Standard

from .. import admin_forms
from ..models import Criterion, InspectionPlan
from .common import OFFICERS, RoleAccess

CRITERION_FIELDS = [
    "code",
    "characteristic",
    "unit",
    "comparison",
    "limit",
    "test_method",
    "defect_class",
    "basis",
]


class CriterionInline(RoleAccess, admin.TabularInline):
    """A standard's pass limits; one that an inspection was judged on cannot be deleted."""

    model = Criterion
    fields = CRITERION_FIELDS
    extra = 0
    edit_roles = OFFICERS
    delete_roles = OFFICERS


# procurement registers Standard without its criteria (it never imports this app): replace it.
if admin.site.is_registered(Standard):
    admin.site.unregister(Standard)


@admin.register(Standard)
class StandardAdmin(ProcurementStandardAdmin):
    """procurement's standard admin, with the criteria the quality side judges lots against."""

    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(HistoryAdminMixin, RoleAccess, admin.ModelAdmin):
    list_display = [
        "standard",
        "code",
        "characteristic",
        "comparison",
        "limit",
        "unit",
        "defect_class",
        "basis",
    ]
    list_filter = ["standard", "defect_class", "basis"]
    list_select_related = ["standard"]
    search_fields = ["code", "characteristic", "test_method", "standard__code", "standard__title"]
    autocomplete_fields = ["standard"]
    fields = ["standard", *CRITERION_FIELDS]
    edit_roles = OFFICERS
    delete_roles = OFFICERS


@admin.register(InspectionPlan)
class InspectionPlanAdmin(HistoryAdminMixin, RoleAccess, admin.ModelAdmin):
    """How each category's lots are sampled. A change applies to inspections recorded from then
    on: each inspection keeps a snapshot of the plan it used."""

    form = admin_forms.InspectionPlanForm
    list_display = ["category", "sampling_standard", "level", *admin_forms.AQL_FIELDS]
    list_filter = ["level"]
    edit_roles = OFFICERS
