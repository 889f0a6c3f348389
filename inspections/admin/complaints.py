"""The complaint queue: what hospitals reported, open ones first. From a complaint an officer puts
the lot on hold and asks the inspectors for an inspection (it then waits in their queue until one
is recorded), and closes the complaint with a resolution the hospital reads. Every step calls
`services.complaint_escalate` or `services.complaint_close`; the complaint itself is read-only."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest

from core.admin.common import ViewOnlyAdmin, ViewOnlyInline, asks_first, run_each
from core.admin.export import CsvExportMixin
from core.admin.forms import ReasonForm
from core.admin.history import EventSource, HistoryAdminMixin, record_events

from .. import admin_forms, services
from ..models import Complaint, ComplaintEvent, ComplaintStatus
from .common import ActionsByRole, RoleAccess, stored_file_link, stored_file_path

record_events(
    Complaint, EventSource(ComplaintEvent, "complaint", kind_field="kind", reason_field="note")
)

# Open complaints first, then those being investigated, closed ones last.
QUEUE_ORDER = Case(
    When(status=ComplaintStatus.OPEN, then=Value(0)),
    When(status=ComplaintStatus.INVESTIGATING, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


class ComplaintEventInline(RoleAccess, ViewOnlyInline):
    model = ComplaintEvent
    fields = ["at", "kind", "from_status", "to_status", "actor", "note"]
    verbose_name_plural = "history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


def _escalation(*, hold_lot: bool, request_inspection: bool, description: str, warning: str):
    """An action calling `complaint_escalate` for each selected complaint with a reason."""

    def action(model_admin, request, queryset, *, reason: str) -> int:
        def escalate(complaint: Complaint) -> None:
            services.complaint_escalate(
                complaint=complaint,
                actor=request.user,
                reason=reason,
                hold_lot=hold_lot,
                request_inspection=request_inspection,
            )

        return run_each(model_admin, request, queryset, escalate, description)

    action.__name__ = action.__qualname__ = (
        "hold_lot_and_request_inspection" if hold_lot else "request_inspection"
    )
    page = asks_first(ReasonForm, title=description, submit=description, warning=warning)
    return admin.action(description=description)(page(action))


@admin.register(Complaint)
class ComplaintAdmin(HistoryAdminMixin, CsvExportMixin, RoleAccess, ActionsByRole, ViewOnlyAdmin):
    csv_columns = [
        "number",
        "reported_at",
        "hospital",
        "lot",
        "lot_status",
        "category",
        "quantity_affected",
        "description",
        "status",
        "inspection_requested_at",
        "resolution",
        "reported_by",
    ]
    list_display = [
        "number",
        "reported_at",
        "hospital",
        "lot",
        "lot_status",
        "category",
        "quantity_affected",
        "status",
        "inspection_requested_at",
        "has_photo",
    ]
    list_filter = ["status", "category", "lot__status"]
    list_select_related = ["hospital", "lot"]
    search_fields = ["lot__lot_number", "hospital__code", "hospital__name", "description"]
    date_hierarchy = "reported_at"
    fields = [
        "hospital",
        "distribution",
        "lot",
        "lot_status",
        "category",
        "quantity_affected",
        "description",
        "photo_link",
        "reported_by",
        "reported_at",
        "status",
        "inspection_requested_at",
        "resolution",
    ]
    readonly_fields = fields
    inlines = [ComplaintEventInline]
    actions = ["hold_lot_and_request_inspection", "request_inspection", "close"]

    hold_lot_and_request_inspection = _escalation(
        hold_lot=True,
        request_inspection=True,
        description="Put the lot on hold and ask for an inspection",
        warning=(
            "The lot goes on hold: nothing more of it is dispatched until an officer decides. "
            "The inspectors see it in their queue until an inspection is recorded. Hospitals "
            "holding the lot see it as on hold."
        ),
    )
    request_inspection = _escalation(
        hold_lot=False,
        request_inspection=True,
        description="Ask for an inspection (lot status unchanged)",
        warning="The lot stays as it is; the inspectors see it in their queue.",
    )

    @admin.action(description="Close with a resolution")
    @asks_first(
        admin_forms.ResolutionForm,
        title="Close complaints",
        submit="Close",
        warning=(
            "Closing does not release a lot put on hold: release it from the lot's page when "
            "the inspection allows."
        ),
    )
    def close(self, request: HttpRequest, queryset: QuerySet, *, resolution: str) -> int:
        def close_one(complaint: Complaint) -> None:
            services.complaint_close(complaint=complaint, actor=request.user, resolution=resolution)

        return run_each(self, request, queryset, close_one, "Closed")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("hospital", "lot", "distribution", "reported_by")
            .annotate(queue_order=QUEUE_ORDER)
            .order_by("queue_order", "reported_at")
        )

    @admin.display(description="complaint", ordering="pk")
    def number(self, complaint: Complaint) -> str:
        return f"#{complaint.pk}"

    @admin.display(description="lot status", ordering="lot__status")
    def lot_status(self, complaint: Complaint) -> str:
        return complaint.lot.get_status_display()

    @admin.display(description="photo", boolean=True)
    def has_photo(self, complaint: Complaint) -> bool:
        return bool(complaint.photo)

    @admin.display(description="photo")
    def photo_link(self, complaint: Complaint) -> str:
        return stored_file_link(complaint, "photo", complaint.photo)

    def get_urls(self):
        # The photo, to people who may view the complaint (there is no public media URL).
        return [stored_file_path(self, "photo", "photo"), *super().get_urls()]
