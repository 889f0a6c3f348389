"""Celery tasks of the supply side: thin, take ids or nothing, call one service."""

from celery import shared_task

from . import imports, outbox, services


@shared_task
def ledger_check_task() -> int:
    """Nightly: check the stock ledger and alert the ministry on violations."""
    return services.ledger_check_report()


@shared_task(ignore_result=True)
def email_deliver_task(email_id: int) -> str:
    """Send one queued e-mail (the outbox row decides whether it is still due)."""
    return outbox.email_deliver(email_id=email_id)


@shared_task(ignore_result=True)
def outbox_sweep_task() -> int:
    """Every few minutes: re-queue e-mails that were never picked up."""
    return outbox.emails_sweep()


@shared_task(ignore_result=True)
def idempotency_keys_purge_task() -> int:
    """Hourly: forget Idempotency-Keys past their time."""
    from .api.idempotency import idempotency_keys_purge

    return idempotency_keys_purge()


@shared_task(ignore_result=True)
def webhook_deliver_task(delivery_id: int) -> str | None:
    """POST one webhook delivery (the outbox row decides whether it is still due)."""
    return services.webhook_deliver(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def webhooks_sweep_task() -> int:
    """Every minute or so: re-queue webhook deliveries that were never picked up."""
    return services.webhooks_sweep()


# CSV import jobs (`procurement.imports`): each step claims the job itself and may run twice.


@shared_task(ignore_result=True)
def import_job_validate_task(job_id: int) -> None:
    """The dry run of an uploaded CSV file: every row checked, nothing written."""
    imports.import_job_validate(job_id=job_id)


@shared_task(ignore_result=True)
def import_job_apply_task(job_id: int) -> None:
    """Write a confirmed import: all rows or none."""
    imports.import_job_apply(job_id=job_id)


@shared_task(ignore_result=True)
def import_jobs_sweep_task() -> int:
    """Every few minutes: queue again import jobs whose worker went silent."""
    return imports.import_jobs_sweep()
