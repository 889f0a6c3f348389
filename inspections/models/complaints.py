"""Complaints from hospitals about a lot."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procurement.models import (
    Distribution,
    Hospital,
    Lot,
)

from ..validators import validate_photo


class ComplaintCategory(models.TextChoices):
    FIT = "fit", _("Fit (does not seal or close)")
    FILTRATION = "filtration", _("Filtration")
    PACKAGING = "packaging", _("Packaging")
    LABELLING = "labelling", _("Labelling")
    COUNTERFEIT = "counterfeit", _("Suspected counterfeit")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Under investigation")
    CLOSED = "closed", _("Closed")


class Complaint(models.Model):
    """A problem a hospital reports with units of a lot it received (one of its deliveries).

    The ministry triages it from the admin's complaint queue: it may put the lot on hold and ask
    the inspectors for an inspection, which then waits in their queue until one is recorded.
    """

    distribution = models.ForeignKey(
        Distribution, on_delete=models.PROTECT, related_name="complaints"
    )
    # Copies of the delivery's hospital and lot, so queues and scoping need no join.
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="complaints")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="complaints")
    category = models.CharField(max_length=20, choices=ComplaintCategory.choices)
    description = models.TextField()
    quantity_affected = models.PositiveIntegerField()
    photo = models.FileField(
        upload_to="complaints/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"]), validate_photo],
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(
        max_length=15,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.OPEN,
        editable=False,
    )
    inspection_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution = models.TextField(blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_affected__gt=0), name="complaint_quantity_positive"
            )
        ]
        indexes = [models.Index(fields=["status", "reported_at"])]

    def __str__(self) -> str:
        return f"Complaint #{self.pk}: {self.get_category_display()} ({self.lot})"


class ComplaintEvent(models.Model):
    """Something that happened to a complaint: reported, lot put on hold, inspection asked for,
    closed."""

    class Kind(models.TextChoices):
        REPORTED = "reported", _("Reported")
        LOT_HELD = "lot_held", _("Lot put on hold")
        INSPECTION_REQUESTED = "inspection_requested", _("Inspection requested")
        CLOSED = "closed", _("Closed")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=25, choices=Kind.choices)
    from_status = models.CharField(max_length=15, choices=ComplaintStatus.choices, blank=True)
    to_status = models.CharField(max_length=15, choices=ComplaintStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint}: {self.get_kind_display()}"
