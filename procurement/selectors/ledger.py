"""The ledger check: every lot's units add up, every balance matches its movements."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum

from ..models import (
    TERMINAL_LOCATION_KINDS,
    LocationKind,
    Lot,
    StockBalance,
    StockMovement,
)


@dataclass
class LotLedger:
    """The ledger's figures for one lot and what is wrong with them."""

    lot_number: str
    received: int
    balances: dict[str, int] = field(default_factory=dict)  # location kind -> units
    problems: list[str] = field(default_factory=list)

    @property
    def held(self) -> int:
        """Units still in the ministry's hands (warehouse, hospitals, returns in transit)."""
        return sum(q for k, q in self.balances.items() if k not in TERMINAL_LOCATION_KINDS)

    def accounted(self) -> int:
        return sum(self.balances.values())


def ledger_violations() -> list[LotLedger]:
    """Every lot whose ledger does not add up, with the reasons.

    For every lot: received = held (warehouse, hospitals, returns in transit) + returned to
    supplier + destroyed + consumed + lost in return; receipts in the movement table equal the
    lot's received quantity; every balance equals the sum of the movements into its location
    minus those out; no balance is negative.
    Runs as a handful of grouped queries, not one query per lot.
    """
    movement_net = _movement_net_per_balance()
    receipts = dict(
        StockMovement.objects.filter(kind="receipt")
        .values("lot")
        .annotate(total=Sum("quantity"))
        .values_list("lot", "total")
    )
    ledgers: dict[int, LotLedger] = {
        pk: LotLedger(lot_number=number, received=received)
        for pk, number, received in Lot.objects.values_list("pk", "lot_number", "quantity_received")
    }
    seen_pairs = set()
    for lot_id, location_id, kind, name, quantity in StockBalance.objects.values_list(
        "lot", "location", "location__kind", "location__name", "quantity"
    ):
        entry = ledgers[lot_id]
        entry.balances[kind] = entry.balances.get(kind, 0) + quantity
        seen_pairs.add((lot_id, location_id))
        if quantity < 0:
            entry.problems.append(f"negative balance at {name}: {quantity}")
        expected = movement_net.get((lot_id, location_id), 0)
        if quantity != expected:
            entry.problems.append(f"balance at {name} is {quantity} but movements give {expected}")
    for (lot_id, location_id), expected in movement_net.items():
        if (lot_id, location_id) not in seen_pairs and expected != 0:
            ledgers[lot_id].problems.append(
                f"movements give {expected} at location #{location_id} but no balance row exists"
            )
    for lot_id, entry in ledgers.items():
        if receipts.get(lot_id, 0) != entry.received:
            entry.problems.append(
                f"received {entry.received} but receipt movements total {receipts.get(lot_id, 0)}"
            )
        if entry.accounted() != entry.received:
            entry.problems.append(_imbalance(entry))
    return [entry for entry in ledgers.values() if entry.problems]


def _movement_net_per_balance() -> dict[tuple[int, int], int]:
    net: dict[tuple[int, int], int] = defaultdict(int)
    incoming = StockMovement.objects.values("lot", "to_location").annotate(total=Sum("quantity"))
    for row in incoming:
        net[(row["lot"], row["to_location"])] += row["total"]
    outgoing = (
        StockMovement.objects.filter(from_location__isnull=False)
        .values("lot", "from_location")
        .annotate(total=Sum("quantity"))
    )
    for row in outgoing:
        net[(row["lot"], row["from_location"])] -= row["total"]
    return net


def _imbalance(entry: LotLedger) -> str:
    b = entry.balances
    return (
        f"received {entry.received} != held {entry.held} + returned to supplier "
        f"{b.get(LocationKind.SUPPLIER, 0)} + destroyed {b.get(LocationKind.DESTROYED, 0)} + "
        f"consumed {b.get(LocationKind.CONSUMED, 0)} = {entry.accounted()}"
    )
