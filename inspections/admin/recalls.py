"""Recalls: prepared as drafts (from scratch, or from an inspection that found units at
hospitals), issued after a page listing every hospital that will get a notice and what it
received, followed through their effectiveness figures (the same selector as `recall_report`),
closed. The recall itself is read-only here: every step calls a service of
`inspections.services`, and a refusal is shown as a message with the input kept. Ministry
officers act; inspectors look.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from core.admin.common import ViewOnlyInline
from core.admin.export import CsvExportMixin
from core.admin.history import EventSource, HistoryAdminMixin, record_events

from .. import selectors
from ..models import (
    Channel,
    DeliveryStatus,
    Notice,
    NoticeReply,
    Recall,
    RecallEvent,
)
from .common import OFFICERS, ActionsByRole, RoleAccess
from .recall_pages import RecallPages

record_events(Recall, EventSource(RecallEvent, "recall"))


# ---------------------------------------------------------------------------------------------
# Inlines


class RecallEventInline(RoleAccess, ViewOnlyInline):
    model = RecallEvent
    fields = ["at", "from_status", "to_status", "actor", "reason"]
    verbose_name_plural = "history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class NoticeInline(RoleAccess, ViewOnlyInline):
    """Each notified hospital: what it received, how each channel fared, whether it answered."""

    model = Notice
    fields = [
        "hospital",
        "units",
        "deliveries_status",
        "answered",
        "reminders_sent",
        "coordinator_alerted_at",
    ]
    verbose_name_plural = "notices (permanent delivery failures in red: reach them another way)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("recall", "hospital", "reply")
            .prefetch_related(
                Prefetch("deliveries", queryset=selectors.notice_deliveries_with_last_attempt())
            )
        )

    @admin.display(description="units received")
    def units(self, notice: Notice) -> str:
        return f"{notice.units_received:,}"

    @admin.display(description="deliveries")
    def deliveries_status(self, notice: Notice) -> str:
        return format_html_join(
            "", "<div>{}</div>", ((_delivery_line(d),) for d in notice.deliveries.all())
        )

    @admin.display(description="answered")
    def answered(self, notice: Notice) -> str:
        reply = _reply_of(notice)
        if reply is None:
            return "no reply"
        if not reply.acknowledged:
            return "replied, not acknowledged"
        return f"yes, {timezone.localtime(reply.answered_at):%Y-%m-%d %H:%M}"


def _reply_of(notice: Notice) -> NoticeReply | None:
    try:
        return notice.reply
    except NoticeReply.DoesNotExist:
        return None


def _delivery_line(delivery) -> str:
    channel = Channel(delivery.channel).label
    attempts = f"{delivery.attempt_count} attempt{'s' if delivery.attempt_count != 1 else ''}"
    if delivery.status == DeliveryStatus.FAILED:
        return format_html(
            '<strong class="admin-alert">{}: FAILED for good after {}: {}</strong>',
            channel,
            attempts,
            delivery.last_error or "no error recorded",
        )
    text = f"{channel}: {DeliveryStatus(delivery.status).label.lower()} ({attempts})"
    if delivery.status != DeliveryStatus.DELIVERED and delivery.last_error:
        return format_html("{}; last error: {}", text, delivery.last_error)
    return text


# ---------------------------------------------------------------------------------------------
# The list: figures of a whole page in a fixed number of queries


class RecallChangeList(ChangeList):
    def get_results(self, request) -> None:
        super().get_results(request)
        figures = selectors.recalls_effectiveness(self.result_list)
        for recall in self.result_list:
            recall.figures = figures[recall.pk]


@admin.register(Recall)
class RecallAdmin(
    RecallPages, HistoryAdminMixin, CsvExportMixin, RoleAccess, ActionsByRole, admin.ModelAdmin
):
    """Read-only for everyone: recalls change only through the services, by the actions and the
    issue and close pages."""

    edit_roles = OFFICERS
    csv_columns = [
        "reference",
        "status",
        "recall_class",
        "depth",
        "action",
        "lot_numbers",
        "issued_at",
        "response_deadline",
        "notified",
        "answered",
        "overdue",
        "unaccounted",
        "coordinator",
        "closed_at",
    ]
    list_display = [
        "reference",
        "class_code",
        "status",
        "lot_numbers",
        "issued_at",
        "response_deadline",
        "notified",
        "answered",
        "overdue",
        "unaccounted",
    ]
    list_filter = ["status", "recall_class"]
    search_fields = ["reference", "lots__lot_number"]
    date_hierarchy = "created_at"
    fieldsets = [
        (
            "Recall",
            {
                "fields": [
                    "reference",
                    "status",
                    "lot_numbers",
                    "recall_class",
                    "depth",
                    "action",
                    "effectiveness_level",
                    "response_deadline",
                    "coordinator",
                    "source_inspection_link",
                ]
            },
        ),
        ("What the notice says", {"fields": ["reason", "hazard"]}),
        (
            "Who and when",
            {"fields": ["created_by", "created_at", "issued_at", "closed_at"]},
        ),
    ]
    readonly_fields = [name for _, options in fieldsets for name in options["fields"]]
    inlines = [NoticeInline, RecallEventInline]
    actions = ["issue_recall", "cancel_drafts", "mark_closing", "reopen", "close_recall"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("coordinator", "created_by", "source_inspection__lot")
            .prefetch_related("lots")
        )

    def get_changelist(self, request, **kwargs):
        return RecallChangeList

    def csv_prepare(self, objects: list[Recall]) -> None:
        # The export's figures, as the list computes them for each page (`RecallChangeList`).
        figures = selectors.recalls_effectiveness(objects)
        for recall in objects:
            recall.figures = figures[recall.pk]

    # Read-only: a draft is added through `recall_create`, nothing is edited or deleted.

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # Columns and fields

    @admin.display(description="class", ordering="recall_class")
    def class_code(self, recall: Recall) -> str:
        return recall.recall_class

    @admin.display(description="lots")
    def lot_numbers(self, recall: Recall) -> str:
        return ", ".join(lot.lot_number for lot in recall.lots.all())

    @admin.display(description="notified")
    def notified(self, recall: Recall) -> int:
        return recall.figures.hospitals_notified

    @admin.display(description="answered")
    def answered(self, recall: Recall) -> int:
        return recall.figures.hospitals_answered

    @admin.display(description="overdue")
    def overdue(self, recall: Recall) -> str:
        count = recall.figures.hospitals_overdue
        if count:
            return format_html('<strong class="admin-alert">{}</strong>', count)
        return "0"

    @admin.display(description="unaccounted")
    def unaccounted(self, recall: Recall) -> str:
        count = recall.figures.units.unaccounted
        if count:
            return format_html('<strong class="admin-alert">{}</strong>', f"{count:,}")
        return "0"

    @admin.display(description="prepared from")
    def source_inspection_link(self, recall: Recall) -> str:
        inspection = recall.source_inspection
        if inspection is None:
            return "-"
        url = reverse("admin:inspections_inspection_change", args=[inspection.pk])
        return format_html('<a href="{}">{}</a>', url, inspection)

    # Pages

    # Actions (offered to officers only: see `common.ACTIONS_BY_ROLE`)

    # Helpers


# ---------------------------------------------------------------------------------------------
# From an inspection that found units at hospitals (a link on the inspection's page)


def recall_from_inspection_url(inspection_id: int | str) -> str:
    """The recall's add page, prefilled from an inspection (`recall_defaults_from_inspection`)."""
    url = reverse("admin:inspections_recall_add")
    return f"{url}?{urlencode({'inspection': inspection_id})}"
