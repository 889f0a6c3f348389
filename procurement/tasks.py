"""Celery tasks of the supply side: thin, take ids or nothing, call one service."""

from celery import shared_task

from . import services
from .services import imports


@shared_task
def ledger_check_task() -> int:
    """Nightly: check the stock ledger and alert the ministry on violations."""
    return services.ledger_check_report()


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
