"""The stock ledger: every quantity change is one movement row plus two balance updates.

Many movements of one lot out of one location (a distribution plan's dispatch) are written
together by `movements_record_many`: the source balance is drawn down once by their total, and
rows and balances are inserted and raised in bulk, so the queries do not grow with the rows.

Callers (services) run inside `transaction.atomic()` and have already locked the lot. Here the
balance being drawn from is locked too (`select_for_update`), checked, and moved with F()
expressions, so concurrent writers can never take the same units twice; the database CHECK on
StockBalance.quantity is the last line of defence.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import F
from django.utils.formats import number_format
from django.utils.translation import gettext

from core import bulk
from core.errors import InsufficientStock, InvalidInput

from ..models import (
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
    LocationKind.IN_TRANSIT: "Returns in transit",
    LocationKind.LOST: "Lost in return",
}
# Rows per INSERT or UPDATE of the bulk writes: far below PostgreSQL's 65,535 parameters and
# SQLite's 32,766, whatever the number of columns.
BULK_BATCH = 500


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


def hospital_locations(hospitals: Iterable[Hospital]) -> dict[int, Location]:
    """The stock locations of many hospitals, by hospital id, created for those that have none.

    The missing ones are inserted together in ascending hospital id order, skipping any that
    another transaction inserted meanwhile: two transactions creating the same locations then
    wait for each other (if at all) in the same order, never in a circle.
    """
    by_pk = {hospital.pk: hospital for hospital in hospitals}
    locations = _hospital_locations_of(by_pk)
    missing = sorted(by_pk.keys() - locations.keys())
    if missing:
        Location.objects.bulk_create(
            [
                Location(kind=LocationKind.HOSPITAL, hospital=by_pk[pk], name=by_pk[pk].name)
                for pk in missing
            ],
            batch_size=BULK_BATCH,
            ignore_conflicts=True,
        )
        locations.update(_hospital_locations_of(missing))
    return locations


def _hospital_locations_of(hospital_ids: Iterable[int]) -> dict[int, Location]:
    return {
        location.hospital_id: location
        for location in Location.objects.filter(hospital_id__in=hospital_ids)
    }


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


@dataclass(frozen=True)
class Outgoing:
    """One movement of `movements_record_many`: units to a location, with its reference."""

    to_location: Location
    quantity: int
    reference: str = ""


def movements_record_many(
    *,
    lot: Lot,
    from_location: Location,
    moves: Sequence[Outgoing],
    kind: MovementKind,
    actor,
    at: dt.datetime,
) -> list[int]:
    """Append many movements of one lot out of one location, in a few queries whatever their
    number (one statement per table and batch of rows).

    The source balance is locked once and checked against the total; it is drawn down once,
    every destination balance is created or raised by one upsert per batch, and the movements
    are inserted as plain rows (`bulk.insert_rows`: no model instance per row), all stamped
    `at`. Returns the movements' ids in the order of `moves`. Must run inside a transaction,
    with the lot locked (as `movement_record`).
    """
    if any(move.quantity <= 0 for move in moves):
        raise InvalidInput(gettext("The quantity must be a whole number above zero."))
    if not moves:
        return []
    _draw(lot=lot, location=from_location, quantity=sum(move.quantity for move in moves))
    arriving: dict[int, int] = defaultdict(int)
    for move in moves:
        arriving[move.to_location.pk] += move.quantity
    _add_many(lot=lot, quantities=arriving)
    stamp, actor_id, source = bulk.now_for_db(at), getattr(actor, "pk", None), from_location.pk
    return bulk.insert_rows(
        StockMovement,
        [
            "lot_id",
            "quantity",
            "from_location_id",
            "to_location_id",
            "kind",
            "actor_id",
            "reference",
            "at",
        ],
        [
            (
                lot.pk,
                move.quantity,
                source,
                move.to_location.pk,
                kind,
                actor_id,
                move.reference,
                stamp,
            )
            for move in moves
        ],
        returning=True,
    )


def _draw(*, lot: Lot, location: Location, quantity: int) -> None:
    balance = StockBalance.objects.select_for_update().filter(lot=lot, location=location).first()
    available = balance.quantity if balance else 0
    if quantity > available:
        raise InsufficientStock(
            gettext("%(place)s holds %(available)s units of lot %(lot)s; %(asked)s were asked for.")
            % {
                "place": location.name,
                "available": number_format(available, force_grouping=True),
                "lot": lot.lot_number,
                "asked": number_format(quantity, force_grouping=True),
            }
        )
    StockBalance.objects.filter(pk=balance.pk).update(quantity=F("quantity") - quantity)


def _add(*, lot: Lot, location: Location, quantity: int) -> None:
    _add_many(lot=lot, quantities={location.pk: quantity})


def _add_many(*, lot: Lot, quantities: dict[int, int]) -> None:
    """Raise the lot's balances at many locations (location id -> units): one upsert per batch
    inserts the missing rows with their units and raises the existing ones (ON CONFLICT on the
    one-balance-per-lot-and-location constraint, which PostgreSQL and SQLite both understand).
    No other writer adds a balance row of this lot meanwhile: they all lock the lot first."""
    table = connection.ops.quote_name(StockBalance._meta.db_table)
    upsert = (
        "ON CONFLICT (lot_id, location_id) "
        f"DO UPDATE SET quantity = {table}.quantity + excluded.quantity"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two array parameters rather than three values a row: binding is the cost here.
            cursor.execute(
                # The table's name comes from the model, quoted; every value is a parameter.
                f"INSERT INTO {table} (lot_id, location_id, quantity) SELECT %s, location, units "  # noqa: S608
                f"FROM unnest(%s::bigint[], %s::integer[]) AS arriving(location, units) {upsert}",
                [lot.pk, list(quantities), list(quantities.values())],
            )
            return
        rows = list(quantities.items())
        size = bulk.rows_per_statement(3)
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            values = ", ".join(["(%s, %s, %s)"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} (lot_id, location_id, quantity) VALUES {values} {upsert}",  # noqa: S608
                [value for location_id, units in batch for value in (lot.pk, location_id, units)],
            )
