"""Tables both wings use and neither owns: the e-mail outbox, webhook subscriptions and their
deliveries, and the Idempotency-Keys of API requests.

Statuses here are written only by the services in `core.outbox` and `core.api.idempotency`.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundEmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed for good")


class OutboundEmail(models.Model):
    """An e-mail on its way out (the outbox rule): written in the same transaction as the change
    that causes it, already rendered in the recipient's language, and sent by a Celery task after
    commit. `key` is stable, so a retry never makes a second message with a new identity: the
    Message-ID is derived from it."""

    key = models.CharField(max_length=200, unique=True)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(
        max_length=10,
        choices=OutboundEmailStatus.choices,
        default=OutboundEmailStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject} -> {', '.join(self.to)} ({self.status})"

    @property
    def key_digest(self) -> str:
        """A short, header-safe fingerprint of the key, for the Message-ID."""
        return hashlib.sha256(self.key.encode()).hexdigest()[:20]


class OutboundEmailAttempt(models.Model):
    """One try at handing an outbound e-mail to the mail server, and what came of it."""

    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    succeeded = models.BooleanField()
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return (
            f"{self.email_id} at {self.at:%Y-%m-%d %H:%M}: {'ok' if self.succeeded else 'failed'}"
        )


class IdempotencyStatus(models.TextChoices):
    IN_PROGRESS = "in progress", _("In progress")
    DONE = "done", _("Done")


class IdempotencyKey(models.Model):
    """The first response to a POST carrying an `Idempotency-Key` header, kept so that a client
    retrying after a timeout gets the same answer instead of a second dispatch or recall. Keys are
    per user; a key reused with a different request body is refused; rows expire."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=IdempotencyStatus.choices)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.method} {self.path})"


class WebhookEvent(models.TextChoices):
    """What a ministry-level integration can subscribe to."""

    LOT_STATUS_CHANGED = "lot.status_changed", _("Lot status changed")
    INSPECTION_RECORDED = "inspection.recorded", _("Inspection recorded")
    RECALL_ISSUED = "recall.issued", _("Recall issued")
    NOTICE_ANSWERED = "notice.answered", _("Notice answered")
    RETURN_RECEIVED = "return.received", _("Return received")


class WebhookSubscription(models.Model):
    """An endpoint of another system that wants to hear of some events. Every delivery is signed
    with HMAC-SHA256 over the body using `secret`."""

    name = models.CharField(max_length=100)
    url = models.URLField()
    secret = models.CharField(max_length=128)
    events = models.JSONField(default=list, help_text="Event names from WebhookEvent.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} -> {self.url}"


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed for good")


class WebhookDelivery(models.Model):
    """One event on its way to one subscription (the outbox rule): written in the transaction of
    the change, sent after commit, claimed with a conditional update, retried with backoff. The
    `event_id` goes out as the `Idempotency-Key` header, so a receiver can drop a repeat."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    event_id = models.CharField(max_length=64, unique=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} -> {self.subscription.name} ({self.status})"


class WebhookAttempt(models.Model):
    """One try at posting a webhook delivery, and what the receiver answered."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    succeeded = models.BooleanField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        return f"{self.delivery_id} at {self.at:%Y-%m-%d %H:%M}: {outcome}"
