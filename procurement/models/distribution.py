"""Distributions: units of a lot dispatched to a hospital, and the hospital's receipt of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .lots import Lot
from .reference import Hospital
from .stock import StockMovement


class Distribution(models.Model):
    """A dispatch of units of one lot to one hospital (a delivery, from the hospital's side)."""

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", _("Dispatched")
        CONFIRMED = "confirmed", _("Receipt confirmed")

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="distributions")
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="distributions")
    quantity = models.PositiveIntegerField(editable=False)
    movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, related_name="distribution", editable=False
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DISPATCHED, editable=False
    )
    dispatched_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    # Filled once, by the hospital, through `distribution_confirm_receipt`.
    quantity_received = models.PositiveIntegerField(null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    receipt_remark = models.TextField(blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-dispatched_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="distribution_quantity_positive"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        status="dispatched",
                        confirmed_at__isnull=True,
                        quantity_received__isnull=True,
                    )
                    | Q(
                        status="confirmed",
                        confirmed_at__isnull=False,
                        quantity_received__isnull=False,
                    )
                ),
                name="distribution_confirmed_iff_received_quantity",
            ),
        ]
        indexes = [models.Index(fields=["hospital", "status"])]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.lot} to {self.hospital.code}"

    @property
    def discrepancy(self) -> int | None:
        """Units received minus units dispatched (negative: fewer arrived); None until confirmed."""
        if self.quantity_received is None:
            return None
        return self.quantity_received - self.quantity

    @staticmethod
    def discrepancy_q() -> Q:
        """Confirmed deliveries where the hospital counted a different quantity."""
        return Q(status="confirmed") & ~Q(quantity_received=F("quantity"))
