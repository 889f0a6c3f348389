"""How hard each supplier's next lots of a product category are inspected (the switching rules'
state)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procurement.models import (
    ProductCategory,
    Supplier,
)

from .inspections import Inspection


class LevelState(models.TextChoices):
    NORMAL = "normal", _("Normal")
    TIGHTENED = "tightened", _("Tightened")
    REDUCED = "reduced", _("Reduced")
    DISCONTINUED = "discontinued", _("Discontinued")


class SupplierLevel(models.Model):
    """The inspection severity in force for one supplier and product category (switching rules of
    MIL-STD-105E section 4.7), with the counters the rules need."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="levels")
    category = models.CharField(max_length=20, choices=ProductCategory.choices)
    state = models.CharField(
        max_length=12, choices=LevelState.choices, default=LevelState.NORMAL, editable=False
    )
    recent_original = models.CharField(
        max_length=10, blank=True, editable=False,
        help_text="The last original inspections, newest last: A accepted, R not accepted.",
    )  # fmt: skip
    consecutive_accepted = models.PositiveIntegerField(default=0, editable=False)
    rejected_while_tightened = models.PositiveIntegerField(default=0, editable=False)
    reduced_proposed = models.BooleanField(
        default=False, editable=False,
        help_text="10 lots in a row accepted on normal: an officer may approve reduced inspection.",
    )  # fmt: skip

    history = HistoricalRecords()

    class Meta:
        ordering = ["supplier", "category"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "category"], name="one_level_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.supplier} / {self.get_category_display()}: {self.get_state_display()}"


class SupplierLevelEvent(models.Model):
    """A change of a supplier's inspection level."""

    level = models.ForeignKey(SupplierLevel, on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(max_length=12, choices=LevelState.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=LevelState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.level}: {self.from_state} -> {self.to_state}"
