"""Units of a recalled lot a hospital sends back to the warehouse."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from procurement.models import (
    Hospital,
    Lot,
    StockMovement,
)

from .notices import Notice


class ReturnStatus(models.TextChoices):
    SHIPPED = "shipped", _("Shipped by the hospital")
    RECEIVED = "received", _("Received at the warehouse")


class HospitalReturn(models.Model):
    """Units of a recalled lot a hospital sends back: shipped (hospital -> returns in transit)
    and then received by the warehouse (in transit -> warehouse), both ledger movements. A
    different count on arrival is a discrepancy; the units keep their lot's recalled status, so
    they stay out of dispatch."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="returns")
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="returns")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="hospital_returns")
    quantity_shipped = models.PositiveIntegerField()
    reference = models.CharField("shipment reference", max_length=100, blank=True)
    shipped_movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, related_name="+", editable=False
    )
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shipped_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.SHIPPED, editable=False
    )
    quantity_received = models.PositiveIntegerField(null=True, blank=True, editable=False)
    received_movement = models.OneToOneField(
        StockMovement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    received_at = models.DateTimeField(null=True, blank=True, editable=False)
    receipt_remark = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-shipped_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_shipped__gt=0), name="hospital_return_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity_shipped} x {self.lot} from {self.hospital.code}"

    @property
    def discrepancy(self) -> int | None:
        """Units received minus units shipped; None until received."""
        if self.quantity_received is None:
            return None
        return self.quantity_received - self.quantity_shipped
