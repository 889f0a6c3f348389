"""Reads of import jobs: which a user may see, and what the progress bar shows."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import ImportJob, ImportStatus
from ..services.imports.kinds import kinds_for_user

RUNNING = frozenset({ImportStatus.QUEUED, ImportStatus.VALIDATING, ImportStatus.IMPORTING})


def import_jobs_for_user(user) -> QuerySet[ImportJob]:
    """The jobs of the kinds the user may import: all of them for ministry officers, distribution
    plans for warehouse clerks, none for anyone else."""
    return ImportJob.objects.filter(kind__in=kinds_for_user(user)).select_related(
        "created_by", "applied_by"
    )


def import_job_progress(job: ImportJob) -> dict:
    """What the job page and its status endpoint show while a job runs: the phase, rows done
    of rows in all, a percentage (None while the write runs: an indeterminate bar) and a line
    of text. `running` turns false once there is a preview or a result to show."""
    total, done = job.total_rows, min(job.rows_processed, job.total_rows)
    phase = _phase(job)
    percent = None if phase in ("queued", "writing") or not total else round(100 * done / total)
    if phase == "" and job.status != ImportStatus.FAILED:
        percent = 100
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "running": job.status in RUNNING,
        "phase": phase,
        "processed": done,
        "total": total,
        "percent": percent,
        "message": _message(job, phase, done, total),
    }


def _phase(job: ImportJob) -> str:
    if job.status == ImportStatus.QUEUED:
        return "queued"
    if job.status == ImportStatus.VALIDATING:
        return "checking"
    if job.status == ImportStatus.IMPORTING:
        done = job.rows_processed >= job.total_rows and job.rows_processed > 0
        return "writing" if done else "rechecking"
    return ""


def _message(job: ImportJob, phase: str, done: int, total: int) -> str:
    if phase == "queued":
        return "Waiting for a worker to start checking the file."
    if phase == "checking":
        return f"Checked {done:,} of {total:,} rows."
    if phase == "rechecking":
        return f"Checking {done:,} of {total:,} rows again against the data of now."
    if phase == "writing":
        return (
            f"Writing {total:,} rows in one transaction: all of them or none. This page moves "
            "on when it is done."
        )
    if job.status == ImportStatus.PREVIEW_READY:
        if job.error_count:
            return f"Checked {total:,} rows: {job.error_count:,} errors. Nothing can be imported."
        return f"Checked {total:,} rows: no errors. Review the preview, then apply it."
    if job.status == ImportStatus.DONE:
        return f"Imported {total:,} rows."
    return "The import failed; nothing was imported."
