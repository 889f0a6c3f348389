"""The stock ledger: every quantity change is one movement row plus two balance updates.

Callers (services) run inside `transaction.atomic()` and have already locked the lot. Here the
balance being drawn from is locked too (`select_for_update`), checked, and moved with F()
expressions, so concurrent writers can never take the same units twice; the database CHECK on
StockBalance.quantity is the last line of defence.
"""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext

from .errors import InsufficientStock, InvalidInput
from .models import (
    Hospital,
    Location,
    LocationKind,
    Lot,
    MovementKind,
    StockBalance,
    StockMovement,
)

_SINK_NAMES = {
    LocationKind.WAREHOUSE: "Central warehouse",
    LocationKind.SUPPLIER: "Returned to supplier",
    LocationKind.DESTROYED: "Destroyed",
    LocationKind.CONSUMED: "Consumed",
}


def location_of_kind(kind: LocationKind) -> Location:
    """The single warehouse or sink location of a kind, created on first use."""
    if kind == LocationKind.HOSPITAL:
        raise ValueError("hospital locations belong to a hospital: use hospital_location()")
    location, _ = Location.objects.get_or_create(kind=kind, defaults={"name": _SINK_NAMES[kind]})
    return location


def warehouse_location() -> Location:
    return location_of_kind(LocationKind.WAREHOUSE)


def hospital_location(hospital: Hospital) -> Location:
    """The stock location of a hospital, created on its first delivery."""
    location, _ = Location.objects.get_or_create(
        hospital=hospital, defaults={"kind": LocationKind.HOSPITAL, "name": hospital.name}
    )
    return location


def balance_of(lot: Lot, location: Location) -> int:
    """What a location holds of a lot (0 when it never held any)."""
    row = StockBalance.objects.filter(lot=lot, location=location).values_list("quantity", flat=True)
    return next(iter(row), 0)


def movement_record(
    *,
    lot: Lot,
    quantity: int,
    from_location: Location | None,
    to_location: Location,
    kind: MovementKind,
    actor,
    reference: str = "",
) -> StockMovement:
    """Append one movement and update both balances. Must run inside a transaction."""
    if quantity <= 0:
        raise InvalidInput(gettext("The quantity must be a whole number above zero."))
    if from_location is not None:
        _draw(lot=lot, location=from_location, quantity=quantity)
    _add(lot=lot, location=to_location, quantity=quantity)
    return StockMovement.objects.create(
        lot=lot,
        quantity=quantity,
        from_location=from_location,
        to_location=to_location,
        kind=kind,
        actor=actor,
        reference=reference,
    )


def _draw(*, lot: Lot, location: Location, quantity: int) -> None:
    balance = StockBalance.objects.select_for_update().filter(lot=lot, location=location).first()
    available = balance.quantity if balance else 0
    if quantity > available:
        raise InsufficientStock(
            gettext("%(place)s holds %(available)s units of lot %(lot)s; %(asked)s were asked for.")
            % {
                "place": location.name,
                "available": f"{available:,}",
                "lot": lot.lot_number,
                "asked": f"{quantity:,}",
            }
        )
    StockBalance.objects.filter(pk=balance.pk).update(quantity=F("quantity") - quantity)


def _add(*, lot: Lot, location: Location, quantity: int) -> None:
    balance, _ = StockBalance.objects.get_or_create(lot=lot, location=location)
    StockBalance.objects.filter(pk=balance.pk).update(quantity=F("quantity") + quantity)
