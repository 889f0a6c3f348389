"""Reads that are more than one filter(): who sees which hospital's records, stock on hand,
and the ledger check. Hospital scoping lives here and nowhere else."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, Min, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from .models import (
    TERMINAL_LOCATION_KINDS,
    CreditClaimEvent,
    Distribution,
    Hospital,
    LocationKind,
    Lot,
    LotStatus,
    MovementKind,
    OrderEvent,
    PurchaseOrder,
    PurchaseOrderLine,
    Shipment,
    StockBalance,
    StockMovement,
    SupplierReturn,
    UserPreference,
)
from .roles import Role, has_role

# ---------------------------------------------------------------------------------------------
# Who sees what


def hospitals_for_user(user) -> QuerySet[Hospital]:
    """Hospitals whose records the user may see: all for ministry roles, their own for hospital
    staff. A membership alone, without the hospital staff role, grants nothing."""
    if has_role(user, Role.MINISTRY_OFFICER, Role.INSPECTOR, Role.WAREHOUSE_CLERK):
        return Hospital.objects.all()
    if not has_role(user, Role.HOSPITAL_STAFF):
        return Hospital.objects.none()
    return Hospital.objects.filter(memberships__user=user).distinct()


def user_may_act_for_hospital(user, hospital: Hospital) -> bool:
    """Whether the user is hospital staff and belongs to this hospital."""
    return (
        user is not None
        and has_role(user, Role.HOSPITAL_STAFF)
        and hospital.memberships.filter(user=user).exists()
    )


def hospitals_holding(lot: Lot) -> QuerySet[Hospital]:
    """Hospitals that hold units of a lot now, with `units_held`, largest holding first."""
    return (
        Hospital.objects.filter(location__balances__lot=lot, location__balances__quantity__gt=0)
        .annotate(units_held=Sum("location__balances__quantity"))
        .order_by("-units_held", "name")
    )


def distributions_for_user(user) -> QuerySet[Distribution]:
    """Deliveries the user may see, newest first, with what a list needs joined in."""
    return Distribution.objects.filter(hospital__in=hospitals_for_user(user)).select_related(
        "lot__order_line__product", "hospital"
    )


# ---------------------------------------------------------------------------------------------
# Stock


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


# ---------------------------------------------------------------------------------------------
# The ledger check


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


def lot_count() -> int:
    return Lot.objects.count()


def lots_needing_test() -> QuerySet[Lot]:
    """Lots in use after an emergency release on documents alone: they still need a test."""
    return lots_awaiting_inspection().filter(Lot.needs_test_q())


def hospitals_stock_on_hand(hospitals) -> QuerySet[StockBalance]:
    """What several hospitals hold now, per lot, in one query (only lots they still hold): by
    hospital name, then first-expiring first (lots without an expiry date last), then lot number.
    Each balance has its lot's product and its location's hospital joined in."""
    return (
        StockBalance.objects.filter(location__hospital__in=hospitals, quantity__gt=0)
        .select_related("lot__order_line__product", "location__hospital")
        .order_by(
            "location__hospital__name",
            "location__hospital__pk",
            F("lot__expires_on").asc(nulls_last=True),
            "lot__lot_number",
        )
    )


# ---------------------------------------------------------------------------------------------
# Language


def user_language(user) -> str | None:
    """The language a user reads pages and e-mails in: their own choice, else (hospital staff)
    their first hospital's language, else None (the browser's or the site default decides)."""
    if user is None or not user.is_authenticated:
        return None
    chosen = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    if chosen:
        return chosen
    return (
        hospitals_for_user(user)
        .filter(memberships__user=user)
        .order_by("name")
        .values_list("language", flat=True)
        .first()
    )


# ---------------------------------------------------------------------------------------------
# The API's lists: each with what its serializer reads joined in, so a page of any size runs the
# same few queries.


def orders_with_lines() -> QuerySet[PurchaseOrder]:
    """Purchase orders with their supplier and creator, and their lines (product, its claimed
    standard for the intended-use check, the required standard) in one more query."""
    lines = PurchaseOrderLine.objects.select_related(
        "product__claimed_standard", "required_standard"
    ).order_by("pk")
    return PurchaseOrder.objects.select_related("supplier", "created_by").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def order_events(order: PurchaseOrder) -> QuerySet[OrderEvent]:
    """An order's status changes with who made them."""
    return order.events.select_related("actor")


def shipments_with_lots() -> QuerySet[Shipment]:
    """Shipments with their order and receiver, and their lots in one more query."""
    return Shipment.objects.select_related("order", "received_by").prefetch_related(
        Prefetch("lots", queryset=lots_for_list().order_by("lot_number"))
    )


def lots_for_list() -> QuerySet[Lot]:
    """Lots as their rows show them: one query per page, whatever its size, and one object per
    row. The two values a row borrows from its order (the product's code and the supplier) are
    annotated (`product_sku`, `supplier_pk`) rather than joined in as whole objects: building
    five model instances a row is most of a page's cost."""
    return Lot.objects.annotate(
        product_sku=F("order_line__product__sku"),
        supplier_pk=F("shipment__order__supplier_id"),
    )


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


def movements_for_list() -> QuerySet[StockMovement]:
    """Ledger lines with their lot, both locations and the actor."""
    return StockMovement.objects.select_related(
        "lot", "from_location", "to_location", "actor"
    ).order_by("-id")


def supplier_returns_for_list() -> QuerySet[SupplierReturn]:
    """Returns to suppliers with their lot, its supplier, the creator and the claim's events."""
    events = CreditClaimEvent.objects.select_related("actor").order_by("at", "pk")
    return SupplierReturn.objects.select_related(
        "lot__shipment__order", "created_by"
    ).prefetch_related(Prefetch("claim_events", queryset=events))
