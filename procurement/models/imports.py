"""CSV import jobs: an uploaded file checked row by row, then written all rows or none."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class ImportKind(models.TextChoices):
    """What a CSV import job brings in: reference data, or a distribution plan to dispatch.

    Import jobs live in the ministry panel only, whose texts are English: plain labels here."""

    HOSPITALS = "hospitals", "Hospitals"
    PRODUCTS = "products", "Products"
    DISTRIBUTION_PLAN = "distribution_plan", "Distribution plan"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    VALIDATING = "validating", "Checking the rows"
    PREVIEW_READY = "preview_ready", "Preview ready"
    IMPORTING = "importing", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


# The allowed moves of an import job, one table (the services in `procurement.imports` check it).
IMPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    ImportStatus.QUEUED: frozenset({ImportStatus.VALIDATING, ImportStatus.FAILED}),
    ImportStatus.VALIDATING: frozenset({ImportStatus.PREVIEW_READY, ImportStatus.FAILED}),
    ImportStatus.PREVIEW_READY: frozenset({ImportStatus.IMPORTING}),
    ImportStatus.IMPORTING: frozenset({ImportStatus.DONE, ImportStatus.FAILED}),
    ImportStatus.DONE: frozenset(),
    ImportStatus.FAILED: frozenset(),
}


def import_job_upload_to(job: ImportJob, filename: str) -> str:
    """A name of our own under MEDIA_ROOT (the person's file name is kept in `original_name`)."""
    return f"imports/{job.kind}/{uuid.uuid4().hex}.csv"


class ImportJob(models.Model):
    """One uploaded CSV file on its way in: checked row by row in a dry run (the preview), then,
    once a person confirms, written all rows or none. Status and counts are written only by
    `procurement.imports`; `errors` holds the dry run's findings as {row, column, message}."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file = models.FileField(upload_to=import_job_upload_to, max_length=255)
    original_name = models.CharField("file name", max_length=255)
    size = models.PositiveBigIntegerField("size in bytes", default=0)
    status = models.CharField(
        max_length=20,
        choices=ImportStatus.choices,
        default=ImportStatus.QUEUED,
        editable=False,
        db_index=True,
    )
    total_rows = models.PositiveIntegerField(default=0, editable=False)
    rows_processed = models.PositiveIntegerField(default=0, editable=False)
    # Kept up to `procurement.imports.ERRORS_KEPT`; `error_count` counts them all.
    errors = models.JSONField(default=list, blank=True, editable=False)
    error_count = models.PositiveIntegerField(default=0, editable=False)
    preview = models.JSONField(default=dict, blank=True, editable=False)
    result = models.JSONField("result summary", default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The last sign of life of the step under way (a progress update, a status change): the
    # sweeper queues a job again when this is old and the job is not finished.
    progress_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True)
                | Q(status__in=[ImportStatus.DONE, ImportStatus.FAILED]),
                name="import_job_finished_only_when_done_or_failed",
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk}: {self.get_kind_display()} from {self.original_name}"


class ImportJobEvent(models.Model):
    """A status change of an import job: who (none for the worker's own steps), when, from, to,
    and a word on why (rows read, errors found, what was written)."""

    job = models.ForeignKey(ImportJob, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=20, choices=ImportStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ImportStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.from_status} -> {self.to_status}"
