"""Random sequences of releases, dispatches, use, returns, status changes and disposals keep the
ledger invariant: every lot's received quantity is exactly where the balances say, no balance is
ever negative, and both what moves and what is refused agree with a plain model of the rules
kept beside the run (the oracle), written without the services' code."""

from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from procurement import services
from procurement.models import (
    LocationKind,
    Lot,
    LotStatus,
    ReleaseBasis,
    StockBalance,
    lot_may_move,
)
from procurement.selectors import ledger_violations
from tests import factories
from tests.factories import INSPECTION_EVIDENCE

LOTS = 2
HOSPITALS = 2

lot_index = st.integers(min_value=0, max_value=LOTS - 1)
hospital_index = st.integers(min_value=0, max_value=HOSPITALS - 1)
lot_size = st.integers(min_value=50, max_value=500)
quantity = st.integers(min_value=1, max_value=200)
dispatch = st.tuples(st.just("dispatch"), lot_index, hospital_index, quantity)
# Use and returns are recorded against one of the deliveries made so far (picked by index).
consume = st.tuples(st.just("consume"), st.integers(0, 20), st.integers(1, 60))
give_back = st.tuples(st.just("return"), st.integers(0, 20), st.integers(1, 60))

# Dispatch and use are weighted up (listed twice): they are what moves stock.
operations = st.lists(
    st.one_of(
        st.tuples(st.just("release"), lot_index),
        dispatch,
        dispatch,
        consume,
        consume,
        give_back,
        st.tuples(st.just("hold"), lot_index),
        st.tuples(st.just("reject"), lot_index),
        st.tuples(st.just("recall"), lot_index),
        st.tuples(st.just("dispose"), lot_index, st.sampled_from(["supplier", "destroyed"])),
    ),
    min_size=6,
    max_size=30,
)


class _Rollback(Exception):
    """Raised to undo one example's writes so examples do not pile up in the test database."""


@pytest.mark.django_db
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sizes=st.lists(lot_size, min_size=LOTS, max_size=LOTS),
    # Mostly released at the start, so that most runs move stock rather than get refused.
    released=st.lists(st.sampled_from([True, True, True, False]), min_size=LOTS, max_size=LOTS),
    steps=operations,
)
def test_random_operations_keep_the_ledger_invariant(officer, sizes, released, steps):
    try:
        with transaction.atomic():
            _run(officer, sizes, released, steps)
            raise _Rollback
    except _Rollback:
        pass


def _run(officer, sizes, released, steps):
    lots = [factories.received_lot(quantity=size, actor=officer) for size in sizes]
    for lot, release in zip(lots, released, strict=True):
        if release:
            services.lot_release(
                lot=lot, actor=officer, basis=ReleaseBasis.INSPECTION, reason=INSPECTION_EVIDENCE
            )
    world = _World(
        lots=lots,
        hospitals=[factories.HospitalFactory() for _ in range(HOSPITALS)],
        stock=Counter({(lot.pk, "warehouse"): lot.quantity_received for lot in lots}),
    )
    for step in steps:
        kind, lot, target = world.resolve(step)
        expected = world.predict(kind, lot, target)
        accepted = _apply(officer, kind, lot, target)
        event(f"{kind} {'accepted' if accepted else 'refused'}")
        assert accepted == (expected is not None), f"{step}: expected {expected}"
        if isinstance(expected, tuple):
            world.move(*expected)
            if kind == "dispatch":
                world.deliveries.append((lot, target[0]))
        assert ledger_violations() == []
        assert _actual_balances() == +world.stock


@dataclass
class _World:
    """What the rules say should happen, kept apart from the services: the test's oracle."""

    lots: list
    hospitals: list
    stock: Counter
    deliveries: list = field(default_factory=list)
    dispatched: set = field(default_factory=set)

    def resolve(self, step):
        kind, index, *args = step
        if kind in ("consume", "return"):  # against one of the deliveries made so far
            lot, hospital = self.deliveries[index % len(self.deliveries)] if self.deliveries else (
                self.lots[0], self.hospitals[0])  # fmt: skip
            return kind, lot, (hospital, args[0])
        lot = self.lots[index]
        if kind == "dispatch":
            return kind, lot, (self.hospitals[args[0]], args[1])
        return kind, lot, tuple(args)

    def predict(self, kind, lot, target):
        """The movement the rules allow (lot, from, to, units), True for an allowed status
        change, or None when the service must refuse."""
        status = Lot.objects.get(pk=lot.pk).status
        here = self.stock[(lot.pk, "warehouse")]
        if kind == "dispatch":
            hospital, units = target
            ok = status == LotStatus.RELEASED and units <= here
            return (lot.pk, "warehouse", f"hospital:{hospital.pk}", units) if ok else None
        if kind in ("consume", "return"):
            hospital, units = target
            there = f"hospital:{hospital.pk}"
            blocked = (
                services.NO_CONSUMPTION_STATUSES if kind == "consume" else {LotStatus.DISPOSED}
            )
            ok = status not in blocked and units <= self.stock[(lot.pk, there)]
            sink = "consumed" if kind == "consume" else "warehouse"
            return (lot.pk, there, sink, units) if ok else None
        if kind == "dispose":
            if status == LotStatus.DISPOSED:
                return True  # already disposed: a no-op
            at_hospitals = sum(q for (pk, where), q in self.stock.items()
                               if pk == lot.pk and where.startswith("hospital:"))  # fmt: skip
            ok = lot_may_move(status, LotStatus.DISPOSED) and not at_hospitals
            if not ok:
                return None
            return (lot.pk, "warehouse", target[0], here) if here else True
        goal = {"release": LotStatus.RELEASED, "hold": LotStatus.ON_HOLD,
                "reject": LotStatus.REJECTED, "recall": LotStatus.RECALLED}[kind]  # fmt: skip
        if status == goal:
            return True  # asking for the status a lot is in is a no-op, not an error
        ok = lot_may_move(status, goal)
        if kind == "reject":
            ok = ok and lot.pk not in self.dispatched
        if kind == "recall":
            ok = ok and lot.pk in self.dispatched
        return True if ok else None

    def move(self, lot_pk: int, source: str, target: str, units: int) -> None:
        self.stock[(lot_pk, source)] -= units
        self.stock[(lot_pk, target)] += units
        if target.startswith("hospital:"):
            self.dispatched.add(lot_pk)


def _apply(officer, kind, lot, target) -> bool:
    """Apply one step through the services; True if accepted, False if refused."""
    try:
        if kind == "release":
            services.lot_release(
                lot=lot, actor=officer, basis=ReleaseBasis.INSPECTION, reason=INSPECTION_EVIDENCE
            )
        elif kind in ("hold", "reject", "recall"):
            getattr(services, f"lot_{kind}")(lot=lot, actor=officer, reason=kind)
        elif kind == "dispatch":
            services.distribution_dispatch(
                lot=lot, hospital=target[0], quantity=target[1], actor=officer
            )
        elif kind == "consume":
            services.stock_consume(lot=lot, hospital=target[0], quantity=target[1], actor=officer)
        elif kind == "return":
            services.stock_return_from_hospital(
                lot=lot, hospital=target[0], quantity=target[1], actor=officer
            )
        elif kind == "dispose":
            services.lot_dispose(lot=lot, actor=officer, method=target[0], reason="dispose")
    except DomainError as exc:
        event(f"refused {kind}: {type(exc).__name__}")
        return False
    return True


def _warehouse_units(lot) -> int:
    row = StockBalance.objects.filter(lot=lot, location__kind=LocationKind.WAREHOUSE).first()
    return row.quantity if row else 0


def _actual_balances() -> Counter:
    actual: Counter = Counter()
    for lot_id, kind, hospital_id, units in StockBalance.objects.values_list(
        "lot", "location__kind", "location__hospital", "quantity"
    ):
        assert units >= 0
        key = f"hospital:{hospital_id}" if kind == LocationKind.HOSPITAL else kind
        actual[(lot_id, key)] += units
    return +actual
