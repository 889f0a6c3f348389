"""The stock ledger: locations, the append-only movements between them, and a balance per lot and
location kept beside them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .lots import Lot
from .reference import Hospital


class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("Central warehouse")
    HOSPITAL = "hospital", _("Hospital")
    SUPPLIER = "supplier", _("Returned to supplier")
    DESTROYED = "destroyed", _("Destroyed")
    CONSUMED = "consumed", _("Consumed")
    IN_TRANSIT = "in_transit", _("Returns in transit")
    LOST = "lost", _("Lost in return")


# Units at these locations have left the ministry's hands for good.
TERMINAL_LOCATION_KINDS = frozenset(
    {LocationKind.SUPPLIER, LocationKind.DESTROYED, LocationKind.CONSUMED, LocationKind.LOST}
)


class Location(models.Model):
    """A place stock can be: the central warehouse, a hospital, or a terminal sink."""

    kind = models.CharField(max_length=20, choices=LocationKind.choices)
    name = models.CharField(max_length=200)
    hospital = models.OneToOneField(
        Hospital, on_delete=models.PROTECT, null=True, blank=True, related_name="location"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            # A hospital location names its hospital; no other kind does.
            models.CheckConstraint(
                condition=(Q(kind=LocationKind.HOSPITAL) & Q(hospital__isnull=False))
                | (~Q(kind=LocationKind.HOSPITAL) & Q(hospital__isnull=True)),
                name="location_hospital_iff_hospital_kind",
            ),
            # One warehouse and one of each sink: the ledger's arithmetic depends on it.
            models.UniqueConstraint(
                fields=["kind"],
                condition=~Q(kind=LocationKind.HOSPITAL),
                name="one_location_per_non_hospital_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt from supplier")
    DISPATCH = "dispatch", _("Dispatch to hospital")
    RETURN_FROM_HOSPITAL = "return_from_hospital", _("Return from hospital")
    RETURN_TO_SUPPLIER = "return_to_supplier", _("Return to supplier")
    DESTRUCTION = "destruction", _("Destruction")
    CONSUMPTION = "consumption", _("Consumption")
    RETURN_SHIPPED = "return_shipped", _("Return shipped by hospital")
    RETURN_RECEIVED = "return_received", _("Return received at warehouse")
    RETURN_LOST = "return_lost", _("Return lost: shipped, never arrived")


class StockMovement(models.Model):
    """One append-only ledger line: a quantity of a lot moved from one location to another.

    A receipt has no `from_location` (the units enter the ledger). Rows are never changed or
    deleted; a correction is a new movement.
    """

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    quantity = models.PositiveIntegerField()
    from_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="movements_out"
    )
    to_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements_in")
    kind = models.CharField(max_length=30, choices=MovementKind.choices)
    reference = models.CharField(max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_positive"),
            models.CheckConstraint(
                condition=Q(kind=MovementKind.RECEIPT, from_location__isnull=True)
                | (~Q(kind=MovementKind.RECEIPT) & Q(from_location__isnull=False)),
                name="movement_only_receipt_has_no_source",
            ),
        ]
        indexes = [models.Index(fields=["lot", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} x {self.lot}"


class StockBalance(models.Model):
    """What a location holds of a lot now; kept by the ledger service with every movement."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="balances")
    quantity = models.IntegerField(default=0)

    class Meta:
        ordering = ["lot", "location"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "location"], name="one_balance_per_lot_location"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="balance_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.lot} @ {self.location}: {self.quantity}"
