"""Inspections: recorded only through the inspector pages (`services.inspection_record`), so the
panel shows them and their results read-only. The one thing done here is an officer's decision on
conflicting results, through `services.inspection_conflict_decide`; releasing a lot with an
intended-use mismatch that way takes the officer's written override, as on the lot's page."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote

from core.admin.common import ViewOnlyAdmin, ViewOnlyInline, asks_first, run_each
from core.admin.history import EventSource, HistoryAdminMixin, record_events
from procurement.admin.lot_actions import warns_of_mismatch
from procurement.models import Lot

from .. import admin_forms, services
from ..models import (
    ClassResult,
    CriterionResult,
    Inspection,
    InspectionEvent,
    Outcome,
    PanelResult,
    Recall,
)
from .common import ActionsByRole, RoleAccess, stored_file_link, stored_file_path
from .recalls import recall_from_inspection_url

# A decision on an inspection records the outcome it chose, not a move from one to another.
record_events(
    Inspection, EventSource(InspectionEvent, "inspection", from_field="", to_field="outcome")
)


class ClassResultInline(RoleAccess, ViewOnlyInline):
    model = ClassResult
    fields = [
        "defect_class",
        "aql",
        "plan_letter",
        "sample_size",
        "accept",
        "reject",
        "nonconforming",
        "verdict",
    ]
    verbose_name_plural = "per defect class (AQL, code letter, n, Ac, Re)"


class CriterionResultInline(RoleAccess, ViewOnlyInline):
    model = CriterionResult
    fields = ["criterion", "units_tested", "nonconforming", "panel_value"]
    verbose_name_plural = "per criterion"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion__standard")


class PanelResultInline(RoleAccess, ViewOnlyInline):
    model = PanelResult
    fields = [
        "true_positives",
        "false_negatives",
        "true_negatives",
        "false_positives",
        "sensitivity",
        "specificity",
    ]
    verbose_name_plural = "reference panel against RT-PCR"


class InspectionEventInline(RoleAccess, ViewOnlyInline):
    model = InspectionEvent
    fields = ["at", "outcome", "actor", "reason"]
    verbose_name_plural = "decisions"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Inspection)
class InspectionAdmin(HistoryAdminMixin, RoleAccess, ActionsByRole, ViewOnlyAdmin):
    list_display = [
        "lot",
        "stage",
        "verdict",
        "outcome",
        "severity",
        "code_letter",
        "n",
        "recorded_at",
    ]
    list_filter = ["verdict", "outcome", "stage", "severity"]
    list_select_related = ["lot"]
    search_fields = ["lot__lot_number"]
    fieldsets = [
        (
            "Result",
            {"fields": ["lot", "stage", "verdict", "accepted_in_gap", "outcome", "standard"]},
        ),
        (
            "Sampling plan used",
            {"fields": ["severity", "level", "code_letter", "sample_size", "hundred_percent"]},
        ),
        (
            "Who and where",
            {
                "fields": [
                    "laboratory",
                    "performed_by",
                    "performed_on",
                    "recorded_by",
                    "recorded_at",
                    "report",
                    "notes",
                ]
            },
        ),
    ]
    readonly_fields = flatten_fieldsets(fieldsets)
    inlines = [ClassResultInline, CriterionResultInline, PanelResultInline, InspectionEventInline]
    actions = ["decide_conflict"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lot", "standard", "recorded_by")

    @admin.display(description="n", ordering="sample_size")
    def n(self, inspection: Inspection) -> int:
        return inspection.sample_size

    @admin.display(description="report")
    def report(self, inspection: Inspection) -> str:
        return stored_file_link(inspection, "report", inspection.report_file)

    def get_urls(self):
        # The lab report, to people who may view the inspection (there is no public URL).
        return [stored_file_path(self, "report", "report_file"), *super().get_urls()]

    @admin.action(description="Decide on conflicting results")
    @asks_first(
        admin_forms.ConflictDecisionForm,
        title="Decide on conflicting inspection results",
        submit="Record the decision",
        warning=warns_of_mismatch(
            "The lot's inspections disagree: one passed and another failed. Decide what happens "
            "to the lot and say why: the decision and your reason are recorded with the "
            "inspection and the lot.",
            lots=lambda inspections: Lot.objects.filter(pk__in=inspections.values("lot")),
        ),
    )
    def decide_conflict(
        self, request, queryset, *, decision: str, reason: str, mismatch_override: str = ""
    ) -> int:
        def decide(inspection: Inspection) -> None:
            services.inspection_conflict_decide(
                inspection=inspection,
                actor=request.user,
                decision=decision,
                reason=reason,
                mismatch_override=mismatch_override,
            )

        return run_each(self, request, queryset, decide, "Decided")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_decide": "decide_conflict" in self.get_actions(request),
            "may_prepare_recall": self.admin_site.get_model_admin(Recall).has_add_permission(
                request
            ),
            "recall_add_url": recall_from_inspection_url(unquote(object_id)),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        # The outcome that needs someone: say how many are waiting.
        waiting = Inspection.objects.filter(outcome=Outcome.CONFLICT).count()
        extra_context = {**(extra_context or {}), "conflicts_waiting": waiting}
        return super().changelist_view(request, extra_context)
