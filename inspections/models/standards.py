"""What a standard demands (its criteria) and how a lot of a product category is sampled (the
inspection plan: level and AQL per class of defect)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procurement.models import (
    ProductCategory,
    Standard,
)


class DefectClass(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")


class Comparison(models.TextChoices):
    AT_LEAST = "at_least", _("at least")
    AT_MOST = "at_most", _("at most")
    BELOW = "below", _("below")  # strictly less: EN 14683 and ASTM F2100 write "< 40 Pa/cm2"


class CriterionBasis(models.TextChoices):
    """What a limit is checked on: each sampled unit, or the lot's reference panel (rapid tests)."""

    PER_UNIT = "per_unit", _("Each sampled unit")
    SENSITIVITY = "sensitivity", _("Panel sensitivity")
    SPECIFICITY = "specificity", _("Panel specificity")


class Criterion(models.Model):
    """One pass limit of a standard: characteristic, unit, comparison, limit, method, class."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(max_length=40, help_text="Short key, e.g. filtration.")
    characteristic = models.CharField(max_length=200)
    unit = models.CharField(max_length=30, help_text="e.g. %, Pa, mbar, mm H2O/cm2")
    comparison = models.CharField(max_length=10, choices=Comparison.choices)
    limit = models.DecimalField(max_digits=12, decimal_places=4)
    test_method = models.CharField(max_length=300, blank=True)
    defect_class = models.CharField(max_length=10, choices=DefectClass.choices)
    basis = models.CharField(
        max_length=12, choices=CriterionBasis.choices, default=CriterionBasis.PER_UNIT
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["standard", "pk"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="criterion_code_per_standard")
        ]

    def __str__(self) -> str:
        return f"{self.standard.code}: {self.characteristic} {self.get_comparison_display()} " \
            f"{self.limit.normalize():f} {self.unit}"  # fmt: skip

    def passes(self, value: Decimal) -> bool:
        """Whether a measured value meets this limit."""
        if self.comparison == Comparison.AT_LEAST:
            return value >= self.limit
        if self.comparison == Comparison.BELOW:
            return value < self.limit
        return value <= self.limit


class Severity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    TIGHTENED = "tightened", _("Tightened")
    REDUCED = "reduced", _("Reduced")


class InspectionPlan(models.Model):
    """How lots of a product category are sampled: inspection level and AQL per defect class."""

    category = models.CharField(max_length=20, choices=ProductCategory.choices, unique=True)
    sampling_standard = models.CharField(
        max_length=60,
        default="MIL-STD-105E (1989)",
        help_text="The edition of the sampling tables the plan follows.",
    )
    level = models.CharField(max_length=4, default="II")
    aql_critical = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("0.65"))
    aql_major = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("2.5"))
    aql_minor = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("4.0"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["category"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: level {self.level}"

    def aql_for(self, defect_class: str) -> Decimal:
        return getattr(self, f"aql_{defect_class}")
