"""Celery tasks of the shared machinery: thin, take ids or nothing, call one service."""

from celery import shared_task

from .api.idempotency import idempotency_keys_purge
from .outbox import emails, webhooks


@shared_task(ignore_result=True)
def email_deliver_task(email_id: int) -> str:
    """Send one queued e-mail (the outbox row decides whether it is still due)."""
    return emails.email_deliver(email_id=email_id)


@shared_task(ignore_result=True)
def outbox_sweep_task() -> int:
    """Every few minutes: re-queue e-mails that were never picked up."""
    return emails.emails_sweep()


@shared_task(ignore_result=True)
def webhook_deliver_task(delivery_id: int) -> str | None:
    """POST one webhook delivery (the outbox row decides whether it is still due)."""
    return webhooks.webhook_deliver(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def webhooks_sweep_task() -> int:
    """Every minute or so: re-queue webhook deliveries that were never picked up."""
    return webhooks.webhooks_sweep()


@shared_task(ignore_result=True)
def idempotency_keys_purge_task() -> int:
    """Hourly: forget Idempotency-Keys past their time."""
    return idempotency_keys_purge()
