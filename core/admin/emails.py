"""The e-mail outbox in the ministry panel: view only (a failed e-mail is visible here; the sweeper
retries it)."""

from __future__ import annotations

from django.contrib import admin

from ..models import OutboundEmail, OutboundEmailAttempt
from .common import ViewOnlyAdmin, ViewOnlyInline


class OutboundEmailAttemptInline(ViewOnlyInline):
    model = OutboundEmailAttempt
    fields = ["at", "succeeded", "error"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ViewOnlyAdmin):
    list_display = ["created_at", "subject", "recipients", "language", "status", "attempt_count"]
    list_filter = ["status", "language"]
    search_fields = ["subject", "key", "to"]
    date_hierarchy = "created_at"
    fields = [
        "key",
        "to",
        "subject",
        "body",
        "language",
        "status",
        "created_at",
        "claimed_at",
        "next_attempt_at",
        "sent_at",
        "attempt_count",
    ]
    inlines = [OutboundEmailAttemptInline]

    @admin.display(description="to")
    def recipients(self, email: OutboundEmail) -> str:
        return ", ".join(email.to)
