"""Recall notices across recalls, to find and export them: which hospital got which notice, how
each channel fared, whether it answered, reminders and alerts. View only: notices are written by
`recall_issue`, the delivery tasks and the reminder service; a recall's own page shows its
notices too."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from core.admin.common import ViewOnlyAdmin
from core.admin.export import CsvExportMixin

from ..models import Channel, DeliveryStatus, Notice, NoticeReply
from .common import RoleAccess


class AnsweredFilter(admin.SimpleListFilter):
    title = "answer"
    parameter_name = "answered"

    def lookups(self, request, model_admin):
        return [
            ("yes", "Acknowledged"),
            ("unacknowledged", "Replied, not acknowledged"),
            ("no", "No reply"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(reply__acknowledged=True)
        if self.value() == "unacknowledged":
            return queryset.filter(reply__acknowledged=False)
        if self.value() == "no":
            return queryset.filter(reply__isnull=True)
        return queryset


@admin.register(Notice)
class NoticeAdmin(CsvExportMixin, RoleAccess, ViewOnlyAdmin):
    list_display = [
        "reference",
        "recall",
        "hospital",
        "units",
        "deliveries_status",
        "answered",
        "reminders_sent",
        "coordinator_alerted_at",
        "created_at",
    ]
    list_filter = [
        "recall__status",
        AnsweredFilter,
        ("recall", admin.RelatedOnlyFieldListFilter),
        ("hospital", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["recall__reference", "hospital__code", "hospital__name"]
    date_hierarchy = "created_at"
    fields = [
        "recall",
        "hospital",
        "language",
        "units",
        "received",
        "created_at",
        "deliveries_status",
        "answered",
        "reminders_sent",
        "last_reminded_at",
        "coordinator_alerted_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("recall", "hospital", "reply")
            .prefetch_related("deliveries")
        )

    @admin.display(description="notice", ordering="recall__reference")
    def reference(self, notice: Notice) -> str:
        return notice.reference

    @admin.display(description="units received")
    def units(self, notice: Notice) -> int:
        return notice.units_received

    @admin.display(description="deliveries")
    def deliveries_status(self, notice: Notice) -> str:
        return "; ".join(
            f"{Channel(d.channel).label}: {DeliveryStatus(d.status).label.lower()} "
            f"({d.attempt_count} attempt{'s' if d.attempt_count != 1 else ''})"
            for d in notice.deliveries.all()
        )

    @admin.display(description="answered")
    def answered(self, notice: Notice) -> str:
        try:
            reply = notice.reply
        except NoticeReply.DoesNotExist:
            return "no reply"
        if not reply.acknowledged:
            return "replied, not acknowledged"
        return f"yes, {timezone.localtime(reply.answered_at):%Y-%m-%d %H:%M}"
