"""The services of an import job; the only code that changes a job's status or counts.

    import_job_create   (the upload page)   -> queued      -> import_job_validate_task
    import_job_validate (worker)            -> validating  -> preview_ready (or failed)
    import_job_confirm  (the Apply button)  -> importing   -> import_job_apply_task
    import_job_apply    (worker)            -> done (or failed)
    import_jobs_sweep   (beat)              queues again a job whose worker went silent

Every move is a conditional UPDATE from the status it leaves (two workers never both move a
job) with an `ImportJobEvent` row in the same transaction; tasks are queued after commit.

Progress. The dry run reports the rows read every CHUNK_ROWS rows, each report its own short
autocommit UPDATE of the job row, so the status page of another connection sees the bar move.
The write cannot be watched that way: it is one transaction (all rows or none), and its
progress written through the same connection stays invisible until it commits. A second
connection would do on PostgreSQL but deadlock SQLite's single writer, and a cache key would
need a shared cache (the default local-memory cache is per process; the site configures none).
So the apply reports phases: it first checks the file again against the database of now, with
a moving bar, then shows "writing N rows" (an indeterminate bar) until the job is done.

A step may run twice (a task delivered again after its worker died, or queued again by the
sweeper): the dry run writes nothing but the job's own fields, and the write claims the job
with the first UPDATE of its transaction, so a second run waits for the first and then finds
the job done. All messages are English: the panel's texts are, and they are stored as written.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation

from core.errors import DomainError, IllegalTransition
from core.roles import require_role

from ...models import IMPORT_TRANSITIONS, ImportJob, ImportJobEvent, ImportStatus
from ...planning import RowError
from .base import Checked, Importer, Progress
from .files import ImportRefused, job_lines, upload_check
from .kinds import importer_for

log = logging.getLogger(__name__)

# Errors kept on the job (all are counted): enough to correct a file, bounded for 200,000 rows.
ERRORS_KEPT = 1_000
RUNNING = (ImportStatus.QUEUED, ImportStatus.VALIDATING, ImportStatus.IMPORTING)
UNEXPECTED = (
    "The import stopped on an unexpected error and nothing was imported; the error is in the "
    "server log. Try again, or ask an administrator."
)


def import_job_create(*, kind: str, upload: UploadedFile, actor) -> ImportJob:
    """Accept an uploaded CSV file for an import of `kind` and queue its dry run.

    Refuses a user without the kind's role (NotPermitted) and, with ImportRefused, a file that
    is not .csv, larger than IMPORT_MAX_UPLOAD_BYTES, not UTF-8 text (a BOM is fine) or whose
    first row is not the kind's header; nothing is stored then. An accepted file is stored
    under MEDIA_ROOT under a name of our own.
    """
    importer = importer_for(kind)
    require_role(actor, *importer.roles, action=importer.action)
    with translation.override("en"):
        facts = upload_check(upload, header_errors=importer.header_errors)
    now = timezone.now()
    job = ImportJob(
        kind=kind,
        original_name=PurePath(upload.name).name[:255],
        size=upload.size,
        total_rows=facts.lines,
        created_by=actor,
        progress_at=now,
    )
    job.file.save(job.original_name, upload, save=False)
    try:
        with transaction.atomic():
            job.save()
            note = f"{job.original_name}: {job.size:,} bytes, {facts.lines:,} lines of rows"
            _event(job.pk, "", ImportStatus.QUEUED, actor=actor, note=note)
            _queue("import_job_validate_task", job.pk)
    except BaseException:
        job.file.delete(save=False)  # no job, no file
        raise
    return job


def import_job_validate(*, job_id: int) -> ImportJob | None:
    """The dry run: read every row, look up what it names, record each error at its row and
    column, count what would be created and updated; write nothing but the job's own fields.
    Ends in preview_ready, with or without errors (a file with errors cannot be applied)."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in (ImportStatus.QUEUED, ImportStatus.VALIDATING):
        return job  # gone, or checked already: a repeated task does nothing
    # Already validating: a worker died mid-check and the sweeper queued the job again; the dry
    # run writes nothing but the job's own fields, so it simply runs again.
    queued = job.status == ImportStatus.QUEUED
    if queued and not _move(job.pk, job.status, ImportStatus.VALIDATING, rows_processed=0):
        return _fresh(job)  # another worker took it a moment ago
    importer = importer_for(job.kind)
    progress = _reporter(job.pk, ImportStatus.VALIDATING)
    try:
        checked = _check(job, importer, progress)
    except Exception:
        log.exception("import job %s: the dry run failed", job.pk)
        _fail(job.pk, [RowError(None, None, UNEXPECTED)])
        return _fresh(job)
    _move(
        job.pk,
        ImportStatus.VALIDATING,
        ImportStatus.PREVIEW_READY,
        note=f"{checked.rows:,} rows read, {len(checked.errors):,} errors",
        total_rows=checked.rows,
        rows_processed=checked.rows,
        preview=checked.preview,
        **_error_fields(checked.errors),
    )
    return _fresh(job)


def import_job_confirm(*, job: ImportJob, actor) -> ImportJob:
    """A person's "Apply": refuse a job that is not previewed, has errors, or was applied
    already (IllegalTransition); otherwise move it to importing and queue the write."""
    importer = importer_for(job.kind)
    require_role(actor, *importer.roles, action=importer.action)
    job = _fresh(job)
    _check_may_apply(job)
    with transaction.atomic():
        moved = _move(
            job.pk,
            ImportStatus.PREVIEW_READY,
            ImportStatus.IMPORTING,
            actor=actor,
            note=f"applied by {actor}",
            applied_by=actor,
            rows_processed=0,
        )
        if not moved:  # another request applied it a moment ago
            raise IllegalTransition(_ALREADY[ImportStatus.IMPORTING])
        _queue("import_job_apply_task", job.pk)
    return _fresh(job)


def import_job_apply(*, job_id: int) -> ImportJob | None:
    """Write a confirmed job: every row or none, in one transaction that also marks it done.

    The file is first checked again against the database of now (hospitals, lots and stock
    may have changed since the preview); any error then, or a refusal by the write (a lot put
    on hold meanwhile, stock taken by another plan), fails the job with its errors and writes
    nothing. The writes go through the kind's services (`distribution_plan_dispatch` for plans).
    """
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.IMPORTING:
        return job  # gone, not confirmed, or finished: a repeated task does nothing
    importer = importer_for(job.kind)
    try:
        _apply(job, importer)
    except DomainError as exc:
        refused = isinstance(exc, ImportRefused)
        errors = exc.errors if refused else [RowError(None, None, exc.message)]
        _fail(job.pk, errors, note="refused at the write; nothing was imported")
    except Exception:
        log.exception("import job %s: the write failed", job.pk)
        _fail(job.pk, [RowError(None, None, UNEXPECTED)])
    return _fresh(job)


def import_jobs_sweep() -> int:
    """Queue again every unfinished job whose worker has shown no sign of life (no progress, no
    status change) for IMPORT_STALLED_AFTER_SECONDS: its task never ran (broker down) or its
    worker died. Each step is safe to run twice. Returns how many were queued."""
    now = timezone.now()
    stalled = now - dt.timedelta(seconds=settings.IMPORT_STALLED_AFTER_SECONDS)
    queued = 0
    candidates = ImportJob.objects.filter(status__in=RUNNING, progress_at__lt=stalled)
    for job_id, status in candidates.values_list("pk", "status"):
        # Touch it first, so that the next sweep leaves it alone while this one is on its way.
        touched = ImportJob.objects.filter(pk=job_id, status=status, progress_at__lt=stalled)
        if touched.update(progress_at=now):
            importing = status == ImportStatus.IMPORTING
            _queue("import_job_apply_task" if importing else "import_job_validate_task", job_id)
            queued += 1
    return queued


# ---------------------------------------------------------------------------------------------
# Steps and helpers


def _check(job: ImportJob, importer: Importer, progress: Progress) -> Checked:
    with translation.override("en"), job_lines(job) as lines:
        return importer.check(lines, max_rows=settings.IMPORT_MAX_ROWS, progress=progress)


def _apply(job: ImportJob, importer: Importer) -> None:
    checked = _check(job, importer, _reporter(job.pk, ImportStatus.IMPORTING))
    if checked.errors:
        raise ImportRefused(checked.errors)
    # Checked: the bar now stands for the write, which no other connection can watch.
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.IMPORTING).update(
        rows_processed=checked.rows, total_rows=checked.rows, progress_at=timezone.now()
    )
    importer.before_write(checked)
    with transaction.atomic(), translation.override("en"):
        # The claim is the transaction's first write: a second run of this step waits here (the
        # row lock; SQLite's one writer) until the first commits, and then finds the job done.
        now = timezone.now()
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.IMPORTING).update(
            status=ImportStatus.DONE, finished_at=now, progress_at=now
        )
        if not claimed:
            return
        with job_lines(job) as lines:
            result = importer.write(
                lines, checked, job=job, actor=job.applied_by, max_rows=settings.IMPORT_MAX_ROWS
            )
        ImportJob.objects.filter(pk=job.pk).update(result=result)
        _event(job.pk, ImportStatus.IMPORTING, ImportStatus.DONE, note=_summary(result))


# What a refused Apply says, by the job's status.
_ALREADY = {
    ImportStatus.QUEUED: "This file is still being checked; it can be applied once its preview "
    "is ready.",
    ImportStatus.VALIDATING: "This file is still being checked; it can be applied once its "
    "preview is ready.",
    ImportStatus.IMPORTING: "This import is being applied already; an import is never applied "
    "twice.",
    ImportStatus.DONE: "This import has been applied already; an import is never applied twice.",
    ImportStatus.FAILED: "This import failed and cannot be applied; correct the file and upload "
    "it again.",
}


def _check_may_apply(job: ImportJob) -> None:
    if job.status != ImportStatus.PREVIEW_READY:
        raise IllegalTransition(_ALREADY[job.status])
    if job.error_count:
        raise IllegalTransition(
            f"This file has {job.error_count:,} error{'s' if job.error_count != 1 else ''}; "
            "correct the file and upload it again. Nothing was imported."
        )


def _move(job_id: int, from_status: str, to_status: str, *, actor=None, note: str = "", **fields):
    """Move a job from one status to the next, if it is still in the first: a conditional
    UPDATE and its event row in one transaction. True when this call moved it."""
    if to_status not in IMPORT_TRANSITIONS[from_status]:
        raise IllegalTransition(f"An import job cannot go from {from_status} to {to_status}.")
    now = timezone.now()
    if to_status in (ImportStatus.DONE, ImportStatus.FAILED):
        fields["finished_at"] = now
    with transaction.atomic():
        moved = ImportJob.objects.filter(pk=job_id, status=from_status).update(
            status=to_status, progress_at=now, **fields
        )
        if moved:
            _event(job_id, from_status, to_status, actor=actor, note=note)
    return bool(moved)


def _fail(job_id: int, errors: list[RowError], *, note: str = "") -> None:
    """Record a job as failed with its errors, from whichever running status it is in."""
    for status in RUNNING:
        note = note or f"{len(errors):,} error{'s' if len(errors) != 1 else ''}"
        if _move(job_id, status, ImportStatus.FAILED, note=note, **_error_fields(errors)):
            return


def _event(job_id: int, from_status: str, to_status: str, *, actor=None, note: str = "") -> None:
    ImportJobEvent.objects.create(
        job_id=job_id, from_status=from_status, to_status=to_status, actor=actor, note=note
    )


def _error_fields(errors: list[RowError]) -> dict:
    return {
        "errors": [
            {"row": error.row, "column": error.column, "message": error.message}
            for error in errors[:ERRORS_KEPT]
        ],
        "error_count": len(errors),
    }


def _reporter(job_id: int, status: str) -> Progress:
    """Progress as its own autocommit UPDATE (outside any transaction, so others see it)."""

    def report(rows: int) -> None:
        ImportJob.objects.filter(pk=job_id, status=status).update(
            rows_processed=rows, progress_at=timezone.now()
        )

    return report


def _queue(task_name: str, job_id: int) -> None:
    from ... import tasks  # the tasks module imports this one

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(job_id))


def _summary(result: dict) -> str:
    return ", ".join(f"{value:,} {name}" for name, value in result.items())


def _fresh(job: ImportJob) -> ImportJob:
    return ImportJob.objects.get(pk=job.pk)
