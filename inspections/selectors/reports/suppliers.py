"""A supplier's scorecard (`supplier_scorecard`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch

from procurement.models import (
    CreditClaimStatus,
    Lot,
    LotEvent,
    LotStatus,
    ProductCategory,
    ReleaseBasis,
    Supplier,
    SupplierReturn,
)

from ...models import (
    Complaint,
    Inspection,
    InspectionStage,
    LevelState,
    Recall,
    SupplierLevel,
    SupplierLevelEvent,
    Verdict,
)
from .common import actor_name

# A lot that reached one of these was found bad: rejected in the warehouse, or recalled from
# hospitals (and a disposed lot was always one of the two first).
FAILED_STATUSES = frozenset({LotStatus.REJECTED, LotStatus.RECALLED, LotStatus.DISPOSED})


@dataclass(frozen=True)
class LotFate:
    """One of the supplier's lots and how it ended (so far)."""

    lot_number: str
    product: str
    category: str
    received_at: dt.datetime
    quantity: int
    status: str
    fate: str  # "accepted", "rejected", "pending"
    recalled: bool

    @property
    def status_label(self) -> str:
        return str(LotStatus(self.status).label)


@dataclass(frozen=True)
class LevelChange:
    at: dt.datetime
    from_state: str
    to_state: str
    actor: str
    reason: str
    lot_number: str  # of the inspection that triggered it; empty for an officer's decision

    @property
    def from_label(self) -> str:
        return str(LevelState(self.from_state).label) if self.from_state else ""

    @property
    def to_label(self) -> str:
        return str(LevelState(self.to_state).label)


@dataclass(frozen=True)
class CategoryLevel:
    """The inspection level in force for one product category, and how it got there."""

    category: str
    state: str
    reduced_proposed: bool
    history: tuple[LevelChange, ...]  # oldest first

    @property
    def category_label(self) -> str:
        return str(ProductCategory(self.category).label)

    @property
    def state_label(self) -> str:
        return str(LevelState(self.state).label)


@dataclass(frozen=True)
class SupplierScorecard:
    """How a supplier's deliveries fared."""

    supplier: Supplier
    lots: tuple[LotFate, ...]  # oldest receipt first
    first_inspections_accepted: int
    first_inspections_rejected: int
    levels: tuple[CategoryLevel, ...]
    recalls: tuple[Recall, ...]  # with `lot_numbers` (of this supplier's lots) set
    open_claims: tuple[SupplierReturn, ...]
    complaints: int

    def _count(self, fate: str) -> int:
        return sum(lot.fate == fate for lot in self.lots)

    @property
    def lots_received(self) -> int:
        return len(self.lots)

    @property
    def units_received(self) -> int:
        return sum(lot.quantity for lot in self.lots)

    @property
    def lots_accepted(self) -> int:
        return self._count("accepted")

    @property
    def lots_rejected(self) -> int:
        return self._count("rejected")

    @property
    def lots_pending(self) -> int:
        return self._count("pending")

    @property
    def lots_recalled(self) -> int:
        return sum(lot.recalled for lot in self.lots)

    @property
    def rejection_rate(self) -> Decimal | None:
        """Rejected lots in percent of the lots decided (accepted or rejected); None while no
        lot is decided."""
        decided = self.lots_accepted + self.lots_rejected
        if not decided:
            return None
        return (Decimal(self.lots_rejected) * 100 / decided).quantize(Decimal("0.1"))

    def open_claim_totals(self) -> dict[str, Decimal]:
        """The credit claimed and not yet paid or refused, per currency."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for claim in self.open_claims:
            totals[claim.currency] += claim.credit_amount
        return dict(sorted(totals.items()))


OPEN_CLAIM_STATUSES = (CreditClaimStatus.CLAIMED, CreditClaimStatus.ACCEPTED)


def supplier_scorecard(supplier: Supplier) -> SupplierScorecard:
    """The supplier's scorecard in a fixed number of queries, whatever the number of lots."""
    supplier_lots = Lot.objects.filter(order_line__order__supplier=supplier)
    lots = tuple(
        _fate(lot)
        for lot in supplier_lots.select_related("order_line__product")
        .annotate(
            was_recalled=Exists(
                LotEvent.objects.filter(lot=OuterRef("pk"), to_status=LotStatus.RECALLED)
            )
        )
        .order_by("received_at", "lot_number")
    )
    firsts = Inspection.objects.filter(lot__in=supplier_lots, stage=InspectionStage.FIRST)
    return SupplierScorecard(
        supplier=supplier,
        lots=lots,
        first_inspections_accepted=firsts.filter(verdict=Verdict.ACCEPTED).count(),
        first_inspections_rejected=firsts.filter(verdict=Verdict.REJECTED).count(),
        levels=_levels_of(supplier, {lot.category for lot in lots}),
        recalls=_recalls_of_supplier(supplier),
        open_claims=tuple(
            SupplierReturn.objects.filter(
                lot__order_line__order__supplier=supplier, claim_status__in=OPEN_CLAIM_STATUSES
            )
            .select_related("lot")
            .order_by("created_at", "pk")
        ),
        complaints=Complaint.objects.filter(lot__in=supplier_lots).count(),
    )


def _fate(lot: Lot) -> LotFate:
    if lot.status in FAILED_STATUSES or lot.was_recalled:
        fate = "rejected"
    elif lot.release_basis == ReleaseBasis.INSPECTION:
        fate = "accepted"  # released on an accepted inspection (perhaps on hold again since)
    else:
        fate = "pending"  # quarantined, on hold undecided, or in use on documents alone
    return LotFate(
        lot_number=lot.lot_number,
        product=lot.order_line.product.name,
        category=lot.order_line.product.category,
        received_at=lot.received_at,
        quantity=lot.quantity_received,
        status=lot.status,
        fate=fate,
        recalled=lot.status == LotStatus.RECALLED or lot.was_recalled,
    )


def _levels_of(supplier: Supplier, categories: set[str]) -> tuple[CategoryLevel, ...]:
    """The level of every category the supplier delivered or has a level for; a category with
    no level row is on normal inspection, with no history."""
    levels = {
        level.category: level
        for level in SupplierLevel.objects.filter(supplier=supplier).prefetch_related(
            Prefetch(
                "events",
                SupplierLevelEvent.objects.select_related("actor", "inspection__lot").order_by(
                    "at", "pk"
                ),
            )
        )
    }
    rows = []
    for category in sorted(categories | levels.keys()):
        level = levels.get(category)
        if level is None:
            rows.append(CategoryLevel(category, LevelState.NORMAL, False, ()))
            continue
        history = tuple(
            LevelChange(
                at=e.at,
                from_state=e.from_state,
                to_state=e.to_state,
                actor=actor_name(e.actor),
                reason=e.reason,
                lot_number=e.inspection.lot.lot_number if e.inspection else "",
            )
            for e in level.events.all()
        )
        rows.append(CategoryLevel(category, level.state, level.reduced_proposed, history))
    return tuple(rows)


def _recalls_of_supplier(supplier: Supplier) -> tuple[Recall, ...]:
    own_lots = Lot.objects.filter(order_line__order__supplier=supplier).order_by("lot_number")
    recalls = list(
        Recall.objects.filter(lots__order_line__order__supplier=supplier)
        .distinct()
        .prefetch_related(Prefetch("lots", own_lots, to_attr="supplier_lots"))
        .order_by("created_at", "pk")
    )
    for recall in recalls:
        recall.lot_numbers = [lot.lot_number for lot in recall.supplier_lots]
    return tuple(recalls)
