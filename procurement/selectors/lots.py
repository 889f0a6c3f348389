"""Lots: where they stand, what waits for whom, and their units by location."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.utils import timezone

from ..models import (
    TERMINAL_LOCATION_KINDS,
    Hospital,
    LocationKind,
    Lot,
    LotStatus,
    MovementKind,
    StockBalance,
)


def lot_was_dispatched(lot: Lot) -> bool:
    """Whether any unit of the lot ever left the warehouse for a hospital: what separates a
    rejection (never) from a recall (some did)."""
    return lot.movements.filter(kind=MovementKind.DISPATCH).exists()


def lots_awaiting_inspection() -> QuerySet[Lot]:
    """Quarantined lots and lots released on documents alone, oldest receipt first."""
    return (
        Lot.objects.filter(Q(status=LotStatus.QUARANTINED) | Lot.needs_test_q())
        .select_related("order_line__product__claimed_standard", "shipment__order__supplier")
        .order_by("received_at", "lot_number")
    )


def lots_dispatchable() -> QuerySet[Lot]:
    """Released, unexpired lots with units in the warehouse, first-expired-first-out (lots
    without an expiry date last, on every database)."""
    return (
        Lot.objects.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate()),
            status=LotStatus.RELEASED,
            balances__location__kind=LocationKind.WAREHOUSE,
            balances__quantity__gt=0,
        )
        .annotate(in_warehouse=Sum("balances__quantity"))
        .select_related("order_line__product")
        .order_by(F("expires_on").asc(nulls_last=True), "received_at")
    )


def lot_status_counts() -> dict[str, dict[str, int]]:
    """Number of lots and units received per status, for the ministry home page."""
    rows = Lot.objects.values("status").annotate(lots=Count("pk"), units=Sum("quantity_received"))
    counts = {s.value: {"lots": 0, "units": 0} for s in LotStatus}
    for row in rows:
        counts[row["status"]] = {"lots": row["lots"], "units": row["units"] or 0}
    return counts


def oldest_quarantined_receipt() -> datetime | None:
    """When the lot that has waited longest in quarantine arrived (None when none waits)."""
    return Lot.objects.filter(status=LotStatus.QUARANTINED).aggregate(at=Min("received_at"))["at"]


def lot_count() -> int:
    return Lot.objects.count()


def lots_needing_test() -> QuerySet[Lot]:
    """Lots in use after an emergency release on documents alone: they still need a test."""
    return lots_awaiting_inspection().filter(Lot.needs_test_q())


@dataclass(frozen=True)
class LocationUnits:
    """Units of a lot at one location (a hospital's, or the warehouse or a sink)."""

    kind: str
    location: int
    hospital: int | None
    hospital_code: str
    hospital_name: str
    quantity: int


@dataclass(frozen=True)
class LotUnits:
    """Where every unit of a lot is now, from the ledger's balances."""

    lot: Lot
    locations: list[LocationUnits]
    by_kind: dict[str, int]

    @property
    def accounted(self) -> int:
        """All units the balances hold: equals the quantity received when the ledger is right."""
        return sum(self.by_kind.values())

    @property
    def held(self) -> int:
        """Units still in the ministry's hands (warehouse, hospitals, returns in transit)."""
        return sum(q for k, q in self.by_kind.items() if k not in TERMINAL_LOCATION_KINDS)


def lot_units_by_location(lot: Lot) -> LotUnits:
    """Where every unit of a lot is now: the units per location with a non-zero balance (each
    hospital apart, the warehouse, returns in transit, and the sinks: returned to the supplier,
    consumed, destroyed, lost) and the totals per location kind, every kind present.

    One query on the balance table by lot (the (lot, location) unique index serves it), with the
    location and its hospital joined in: its cost follows the number of places holding the lot,
    never the number of movements or distributions behind them.
    """
    rows = (
        StockBalance.objects.filter(lot_id=lot.pk)
        .exclude(quantity=0)
        .order_by("location_id")
        .values_list(
            "location__kind",
            "location_id",
            "location__hospital_id",
            "location__hospital__code",
            "location__hospital__name",
            "quantity",
        )
    )
    by_kind = dict.fromkeys(LocationKind.values, 0)
    locations = []
    for kind, location, hospital, code, name, quantity in rows:
        by_kind[kind] += quantity
        locations.append(LocationUnits(kind, location, hospital, code or "", name or "", quantity))
    return LotUnits(lot=lot, locations=locations, by_kind=by_kind)


def lot_units_at_hospital(lot: Lot, hospital: Hospital) -> int:
    """What a hospital holds of a lot now."""
    quantity = (
        StockBalance.objects.filter(lot_id=lot.pk, location__hospital_id=hospital.pk)
        .values_list("quantity", flat=True)
        .first()
    )
    return quantity or 0
