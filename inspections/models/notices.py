"""Recall notices: one per hospital, delivered per channel, answered with a reply card."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from procurement.models import (
    Hospital,
    Lot,
)

from .recalls import Recall


class Notice(models.Model):
    """The recall notice one hospital gets: what it received of each recalled lot (from the
    ledger, when the recall was issued) and, per channel, its delivery."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="notices")
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="notices")
    # {lot number: units received}, fixed when the recall was issued.
    received = models.JSONField(default=dict)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept by the reminder service (beat): how many reminders went out, and when the recall's
    # coordinator was alerted that this hospital does not answer.
    reminders_sent = models.PositiveSmallIntegerField(default=0, editable=False)
    last_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    coordinator_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["recall", "hospital__code"]
        constraints = [
            models.UniqueConstraint(fields=["recall", "hospital"], name="one_notice_per_hospital")
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The notice's own reference, printed on it and used as the idempotency key."""
        return f"{self.recall.reference}/{self.hospital.code}"

    @property
    def units_received(self) -> int:
        return sum(self.received.values())


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed for good")


class NoticeDelivery(models.Model):
    """One channel of a notice (the outbox row): claimed by a task, sent outside any
    transaction, retried with backoff on transient failures; never deleted."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempt_count = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["notice", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "channel"], name="one_delivery_per_notice_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notice} by {self.channel}: {self.status}"


class NoticeAttempt(models.Model):
    """One try at delivering a notice on a channel, and what came of it."""

    delivery = models.ForeignKey(NoticeDelivery, on_delete=models.PROTECT, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    succeeded = models.BooleanField()
    permanent = models.BooleanField(default=False, help_text="A failure no retry can mend.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery} at {self.at:%Y-%m-%d %H:%M}"


class NoticeReply(models.Model):
    """A hospital's answer to a notice (the response card): acknowledged, and per lot the units
    on hand, used and destroyed on site. Answering again updates this row; every answer is kept
    as a `NoticeReplyVersion`."""

    notice = models.OneToOneField(Notice, on_delete=models.PROTECT, related_name="reply")
    acknowledged = models.BooleanField(default=False)
    respondent_name = models.CharField(max_length=200)
    respondent_role = models.CharField(max_length=200)
    explanation = models.TextField(
        blank=True, help_text="Required when the quantities add up to more than was received."
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    first_answered_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Reply to {self.notice}"


class NoticeReplyLine(models.Model):
    """What a reply says of one lot."""

    reply = models.ForeignKey(NoticeReply, on_delete=models.CASCADE, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    quantity_on_hand = models.PositiveIntegerField(default=0)
    quantity_used = models.PositiveIntegerField(default=0)
    quantity_destroyed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["lot__lot_number"]
        constraints = [
            models.UniqueConstraint(fields=["reply", "lot"], name="one_reply_line_per_lot")
        ]

    def __str__(self) -> str:
        return f"{self.reply}: {self.lot}"


class NoticeReplyVersion(models.Model):
    """One answer as it was given (the reply's history): its fields and lines as data."""

    reply = models.ForeignKey(NoticeReply, on_delete=models.PROTECT, related_name="versions")
    data = models.JSONField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.reply} at {self.at:%Y-%m-%d %H:%M}"
