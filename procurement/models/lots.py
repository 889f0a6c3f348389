"""Shipments and their lots: the unit that is inspected, released, dispatched and recalled."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .orders import PurchaseOrder, PurchaseOrderLine
from .reference import Product


class Shipment(models.Model):
    """One delivery from the supplier against an order, received in one or more lots."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="shipments")
    reference = models.CharField(
        max_length=60, help_text="Airway bill, container or delivery note."
    )
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "reference"], name="shipment_reference_per_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.order.reference})"


class LotStatus(models.TextChoices):
    QUARANTINED = "quarantined", _("Quarantined")
    RELEASED = "released", _("Released")
    ON_HOLD = "on_hold", _("On hold")
    REJECTED = "rejected", _("Rejected")
    RECALLED = "recalled", _("Recalled")
    DISPOSED = "disposed", _("Disposed")


# The allowed moves, one table. `rejected` is for lots of which no unit ever left the warehouse,
# `recalled` for lots with units at hospitals; the services check that part.
LOT_TRANSITIONS: dict[str, frozenset[str]] = {
    LotStatus.QUARANTINED: frozenset({LotStatus.RELEASED, LotStatus.ON_HOLD, LotStatus.REJECTED}),
    LotStatus.RELEASED: frozenset({LotStatus.ON_HOLD, LotStatus.REJECTED, LotStatus.RECALLED}),
    LotStatus.ON_HOLD: frozenset({LotStatus.RELEASED, LotStatus.REJECTED, LotStatus.RECALLED}),
    LotStatus.REJECTED: frozenset({LotStatus.DISPOSED}),
    LotStatus.RECALLED: frozenset({LotStatus.DISPOSED}),
    LotStatus.DISPOSED: frozenset(),
}


def lot_may_move(from_status: str, to_status: str) -> bool:
    """Whether the transition table allows a lot to go from one status to another."""
    return to_status in LOT_TRANSITIONS.get(from_status, frozenset())


class ReleaseBasis(models.TextChoices):
    INSPECTION = "inspection", _("Accepted inspection")
    DOCUMENTS = "documents", _("Emergency release on documents")


class Lot(models.Model):
    """A shipment lot: the unit that is inspected, released, dispatched and recalled."""

    lot_number = models.CharField(max_length=60, unique=True)
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="lots")
    order_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="lots")
    quantity_received = models.PositiveIntegerField(editable=False)
    manufactured_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20,
        choices=LotStatus.choices,
        default=LotStatus.QUARANTINED,
        editable=False,
        db_index=True,
    )
    release_basis = models.CharField(
        max_length=20, choices=ReleaseBasis.choices, blank=True, editable=False
    )
    released_at = models.DateTimeField(null=True, blank=True, editable=False)
    received_at = models.DateTimeField(editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["lot_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_received__gt=0), name="lot_quantity_received_positive"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(manufactured_on__isnull=True)
                | Q(expires_on__gt=models.F("manufactured_on")),
                name="lot_expiry_after_manufacture",
            ),
        ]

    def __str__(self) -> str:
        return self.lot_number

    @property
    def product(self) -> Product:
        return self.order_line.product

    @property
    def needs_test(self) -> bool:
        """Released on documents alone: the lot is in use but still has to be inspected."""
        return self.release_basis == ReleaseBasis.DOCUMENTS and self.status == LotStatus.RELEASED

    @staticmethod
    def needs_test_q() -> Q:
        """The same rule as `needs_test`, for querysets."""
        return Q(release_basis=ReleaseBasis.DOCUMENTS, status=LotStatus.RELEASED)


class LotEvent(models.Model):
    """One thing that happened to a lot: who, when, from which status to which, and why."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        STATUS_CHANGED = "status_changed", _("Status changed")
        DISPATCHED = "dispatched", _("Dispatched")
        CONSUMED = "consumed", _("Consumed")
        DATES_CORRECTED = "dates_corrected", _("Dates corrected")
        RETURNED = "returned", _("Returned from hospital")
        RECEIPT_CONFIRMED = "receipt_confirmed", _("Receipt confirmed by hospital")
        RETURN_SHIPPED = "return_shipped", _("Return shipped by hospital")
        RETURN_RECEIVED = "return_received", _("Return received at warehouse")
        DESTROYED_ON_SITE = "destroyed_on_site", _("Destroyed at hospital")

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, choices=LotStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=LotStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.lot}: {self.get_kind_display()} {self.from_status}->{self.to_status}"
