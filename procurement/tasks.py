"""Celery tasks of the supply side: thin, take ids or nothing, call one service."""

from celery import shared_task

from . import services


@shared_task
def ledger_check_task() -> int:
    """Nightly: check the stock ledger and alert the ministry on violations."""
    return services.ledger_check_report()
