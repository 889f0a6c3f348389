"""Recalls: class, depth, action asked of hospitals, effectiveness check level, and their status
changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procurement.models import (
    Lot,
)

from .inspections import Inspection


class RecallClass(models.TextChoices):
    # E741: "I" is the class's name in 21 CFR 7.3.
    I = "I", _("Class I: serious harm or death is reasonably probable")  # noqa: E741
    II = "II", _("Class II: temporary or medically reversible consequences")
    III = "III", _("Class III: adverse health consequences are not likely")


# Notices of these classes are marked URGENT.
URGENT_CLASSES = frozenset({RecallClass.I, RecallClass.II})


class RecallDepth(models.TextChoices):
    WAREHOUSE = "warehouse", _("Central warehouse (wholesale level)")
    HOSPITAL = "hospital", _("Hospital stores (retail level)")
    WARD = "ward", _("Wards (user level)")


class RecallAction(models.TextChoices):
    RETURN = "return", _("Stop use and return to the central warehouse")
    QUARANTINE = "quarantine", _("Stop use and quarantine on site")
    DESTROY = "destroy", _("Stop use and destroy on site")


class EffectivenessLevel(models.TextChoices):
    # "percent" in words: gettext would read "100 % of" as a format placeholder ("% o").
    A = "A", _("A: every consignee (100 percent)")
    B = "B", _("B: between 10 and 100 percent of consignees")
    C = "C", _("C: 10 percent of consignees")
    D = "D", _("D: 2 percent of consignees")
    E = "E", _("E: no effectiveness checks")


class RecallStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    CLOSING = "closing", _("Closing")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


RECALL_TRANSITIONS: dict[str, frozenset[str]] = {
    RecallStatus.DRAFT: frozenset({RecallStatus.ISSUED, RecallStatus.CANCELLED}),
    RecallStatus.ISSUED: frozenset({RecallStatus.CLOSING, RecallStatus.CLOSED}),
    RecallStatus.CLOSING: frozenset({RecallStatus.ISSUED, RecallStatus.CLOSED}),
    RecallStatus.CLOSED: frozenset(),
    RecallStatus.CANCELLED: frozenset(),
}


class Recall(models.Model):
    """A recall of one or more lots: why, how dangerous, how deep, what hospitals must do and by
    when, who coordinates. Issued, it recalls its lots and sends every hospital that received
    units of them a notice."""

    reference = models.CharField(max_length=30, unique=True)
    lots = models.ManyToManyField(Lot, related_name="recalls")
    reason = models.TextField(help_text="The problem found, as the notice states it.")
    hazard = models.TextField(
        help_text="The risk to patients and staff, including from units used."
    )
    recall_class = models.CharField("class", max_length=3, choices=RecallClass.choices)
    depth = models.CharField(max_length=10, choices=RecallDepth.choices, default=RecallDepth.WARD)
    action = models.CharField(
        "action asked of hospitals",
        max_length=12,
        choices=RecallAction.choices,
        default=RecallAction.RETURN,
    )
    effectiveness_level = models.CharField(
        "effectiveness check level",
        max_length=1,
        choices=EffectivenessLevel.choices,
        default=EffectivenessLevel.A,
    )
    response_deadline = models.DateField(help_text="Hospitals answer the notice by this date.")
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    source_inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="recalls"
    )
    status = models.CharField(
        max_length=10, choices=RecallStatus.choices, default=RecallStatus.DRAFT, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_urgent(self) -> bool:
        return self.recall_class in URGENT_CLASSES


class RecallEvent(models.Model):
    """A status change of a recall: who, when, from, to, why."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=10, choices=RecallStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=RecallStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.recall}: {self.from_status} -> {self.to_status}"
