"""Inspections of a lot: the sample, each criterion's result, the verdict per class of defect and
the outcome it led to."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procurement.models import (
    Lot,
    Standard,
)

from ..validators import validate_report_file_size
from .standards import Comparison, Criterion, DefectClass, Severity


class InspectionStage(models.TextChoices):
    FIRST = "first", _("First inspection")
    SECOND = "second", _("Second inspection")
    FURTHER = "further", _("Further inspection")


class Verdict(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Outcome(models.TextChoices):
    """What the inspection decided for its lot (set by the decision services)."""

    RELEASED = "released", _("Lot released")
    AWAITING_OVERRIDE = "awaiting_override", _("Accepted; release needs an officer's override")
    KEPT = "kept", _("Accepted; lot status kept (an officer's hold stands)")
    ON_HOLD = "on_hold", _("Lot put on hold; a second inspection is required")
    REJECTED = "rejected", _("Lot rejected")
    RECALL_REQUIRED = "recall_required", _("Units at hospitals: a recall is required")
    CONFLICT = "conflict", _("Conflicting results: an officer decides")
    RECORDED = "recorded", _("Recorded")


class Inspection(models.Model):
    """One inspection of a lot: the plan used (snapshot), what was found, the computed verdict."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="inspections")
    stage = models.CharField(max_length=10, choices=InspectionStage.choices)
    standard = models.ForeignKey(
        Standard, on_delete=models.PROTECT, related_name="+",
        help_text="Judged against the standard the order required, not the one claimed.",
    )  # fmt: skip
    laboratory = models.CharField(max_length=200)
    performed_by = models.CharField(max_length=200, help_text="Who tested the samples.")
    performed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # The sampling plan used, snapshotted.
    severity = models.CharField(max_length=10, choices=Severity.choices)
    level = models.CharField(max_length=4)
    code_letter = models.CharField(max_length=1)
    sample_size = models.PositiveIntegerField()
    hundred_percent = models.BooleanField(default=False)
    verdict = models.CharField(max_length=10, choices=Verdict.choices, editable=False)
    accepted_in_gap = models.BooleanField(default=False, editable=False)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, editable=False)
    report_file = models.FileField(
        upload_to="inspections/reports/%Y/%m/",
        blank=True,
        validators=[
            FileExtensionValidator(["pdf", "png", "jpg", "jpeg"]),
            validate_report_file_size,
        ],
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} of {self.lot}: {self.get_verdict_display()}"

    @property
    def is_original(self) -> bool:
        """The switching rules count only original (first) inspections, not resubmissions."""
        return self.stage == InspectionStage.FIRST


class ClassResult(models.Model):
    """Per defect class: the plan snapshot (AQL, n, Ac, Re) and the nonconforming count."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="classes")
    defect_class = models.CharField(max_length=10, choices=DefectClass.choices)
    aql = models.DecimalField(max_digits=6, decimal_places=3)
    plan_letter = models.CharField(max_length=1)
    sample_size = models.PositiveIntegerField()
    accept = models.PositiveIntegerField()
    reject = models.PositiveIntegerField()
    nonconforming = models.PositiveIntegerField()
    verdict = models.CharField(max_length=10, choices=Verdict.choices)

    class Meta:
        ordering = ["inspection", "defect_class"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "defect_class"], name="one_result_per_defect_class"
            )
        ]

    def __str__(self) -> str:
        found = self.nonconforming
        return f"{self.get_defect_class_display()}: {found} vs {self.accept}/{self.reject}"


class CriterionResult(models.Model):
    """What was found for one criterion: per-unit measurements, a count, or a panel figure."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    units_tested = models.PositiveIntegerField()
    nonconforming = models.PositiveIntegerField()
    measurements = models.JSONField(
        default=list, blank=True, help_text="One value per sampled unit, in sample order."
    )
    panel_value = models.DecimalField(
        max_digits=7, decimal_places=3, null=True, blank=True,
        help_text="Sensitivity or specificity in %, computed from the panel.",
    )  # fmt: skip
    # The limit judged against, as it stood: a later edit of the criterion rewrites nothing.
    comparison = models.CharField(max_length=10, choices=Comparison.choices, blank=True)
    limit = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    unit = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["inspection", "criterion"]

    def __str__(self) -> str:
        return f"{self.criterion.characteristic}: {self.nonconforming}/{self.units_tested}"


class PanelResult(models.Model):
    """A rapid test's reference panel against RT-PCR; sensitivity and specificity follow."""

    inspection = models.OneToOneField(Inspection, on_delete=models.CASCADE, related_name="panel")
    true_positives = models.PositiveIntegerField()
    false_negatives = models.PositiveIntegerField()
    true_negatives = models.PositiveIntegerField()
    false_positives = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"sensitivity {self.sensitivity:.1f} %, specificity {self.specificity:.1f} %"

    @property
    def sensitivity(self) -> Decimal:
        return _percent(self.true_positives, self.true_positives + self.false_negatives)

    @property
    def specificity(self) -> Decimal:
        return _percent(self.true_negatives, self.true_negatives + self.false_positives)


def _percent(part: int, whole: int) -> Decimal:
    return (
        (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.001")) if whole else Decimal(0)
    )


class InspectionEvent(models.Model):
    """A decision taken on an inspection's result (who, when, what, why)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="events")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.inspection}: {self.get_outcome_display()}"
