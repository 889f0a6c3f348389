"""Random sequences of receipts, releases, dispatches, use, status changes and disposals keep the
ledger invariant: every lot's received quantity is exactly where the balances say, no balance is
ever negative, and the balances agree with a plain model kept beside the run."""

from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from procurement import services
from procurement.errors import DomainError
from procurement.models import LocationKind, ReleaseBasis, StockBalance
from procurement.selectors import ledger_violations
from tests import factories

LOTS = 2
HOSPITALS = 2

lot_index = st.integers(min_value=0, max_value=LOTS - 1)
hospital_index = st.integers(min_value=0, max_value=HOSPITALS - 1)
lot_size = st.integers(min_value=50, max_value=500)
quantity = st.integers(min_value=1, max_value=200)
dispatch = st.tuples(st.just("dispatch"), lot_index, hospital_index, quantity)
# Use is recorded against one of the deliveries made so far (picked by index), or refused.
consume = st.tuples(st.just("consume"), st.integers(0, 20), st.integers(1, 60))

# Dispatch and use are weighted up (listed twice): they are what moves stock.
operations = st.lists(
    st.one_of(
        st.tuples(st.just("release"), lot_index),
        dispatch,
        dispatch,
        consume,
        consume,
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
            services.lot_release(lot=lot, actor=officer, basis=ReleaseBasis.INSPECTION)
    hospitals = [factories.HospitalFactory() for _ in range(HOSPITALS)]
    expected: Counter = Counter({(lot.pk, "warehouse"): lot.quantity_received for lot in lots})
    deliveries: list[tuple[int, int]] = []
    for step in steps:
        moved = _apply(officer, lots, hospitals, deliveries, step)
        event(f"{step[0]} {'moved stock' if moved else 'changed no stock'}")
        if moved:
            lot_pk, source, target, units = moved
            expected[(lot_pk, source)] -= units
            expected[(lot_pk, target)] += units
        assert ledger_violations() == []
        assert _actual_balances() == +expected


def _apply(officer, lots, hospitals, deliveries, step):
    """Apply one step through the services; return the expected movement, or None if refused."""
    kind, index, *args = step
    if kind == "consume":
        lot_at, hospital_at = deliveries[index % len(deliveries)] if deliveries else (0, 0)
        lot, args = lots[lot_at], [hospital_at, args[0]]
    else:
        lot = lots[index]
    try:
        if kind == "release":
            services.lot_release(lot=lot, actor=officer, basis=ReleaseBasis.INSPECTION)
        elif kind in ("hold", "reject", "recall"):
            getattr(services, f"lot_{kind}")(lot=lot, actor=officer, reason=kind)
        elif kind == "dispatch":
            hospital, units = hospitals[args[0]], args[1]
            services.distribution_dispatch(
                lot=lot, hospital=hospital, quantity=units, actor=officer
            )
            deliveries.append((lots.index(lot), args[0]))
            return lot.pk, "warehouse", f"hospital:{hospital.pk}", units
        elif kind == "consume":
            hospital, units = hospitals[args[0]], args[1]
            services.stock_consume(lot=lot, hospital=hospital, quantity=units, actor=officer)
            return lot.pk, f"hospital:{hospital.pk}", "consumed", units
        elif kind == "dispose":
            held = _warehouse_units(lot)
            services.lot_dispose(lot=lot, actor=officer, method=args[0], reason="dispose")
            return (lot.pk, "warehouse", args[0], held) if held else None
    except DomainError as exc:
        event(f"refused {kind}: {type(exc).__name__}")
        return None
    return None


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
