"""Distribution plans submitted at the same moment never take more than a lot holds, and plans
over the same lots (in any order, to hospitals receiving their first delivery) never deadlock.

Needs PostgreSQL: SQLite serialises all writers, so it would prove nothing about row locks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from core.errors import InsufficientStock
from procurement import services
from procurement.models import Distribution, Location, StockBalance
from procurement.planning import Allocation
from procurement.selectors import ledger_violations
from procurement.services.ledger import balance_of, warehouse_location
from procurement.services.planning import distribution_plan_dispatch
from tests import factories
from tests.concurrency import all_at_once, sent_and_refused

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_together(plans: Sequence[Callable[[], object]]) -> tuple[int, int, list]:
    """Start every plan at the same moment, each in its own thread and connection."""
    results, unexpected = all_at_once(plans)
    return (*sent_and_refused(results, InsufficientStock), unexpected)


def _plan(allocations: list[Allocation], actor) -> Callable[[], object]:
    return lambda: distribution_plan_dispatch(allocations=allocations, actor=actor)


def _assert_ledger_clean() -> None:
    assert not StockBalance.objects.filter(quantity__lt=0).exists()
    assert ledger_violations() == []


def test_of_two_plans_that_together_exceed_the_lot_exactly_one_is_dispatched(
    postgres_only, officer, clerk
):
    lot = factories.released_lot(quantity=100, actor=officer)
    h = [factories.HospitalFactory() for _ in range(4)]
    first = [Allocation(h[0], lot, 40), Allocation(h[1], lot, 30)]  # 70
    second = [Allocation(h[2], lot, 30), Allocation(h[3], lot, 30)]  # 60: 130 together

    sent, refused, unexpected = _run_together([_plan(first, clerk), _plan(second, officer)])

    assert unexpected == []
    assert (sent, refused) == (1, 1)
    dispatched = sorted(Distribution.objects.filter(lot=lot).values_list("quantity", flat=True))
    assert dispatched in ([30, 40], [30, 30])  # one plan whole, nothing of the other
    assert balance_of(lot, warehouse_location()) == 100 - sum(dispatched)
    _assert_ledger_clean()


def test_many_simultaneous_plans_never_exceed_the_lot(postgres_only, officer):
    lot = factories.released_lot(quantity=100, actor=officer)
    plans = []
    for _ in range(8):  # 8 plans of 2 x 15 = 30 units: room for 3 of them
        pair = [factories.HospitalFactory() for _ in range(2)]
        plans.append(_plan([Allocation(p, lot, 15) for p in pair], officer))

    sent, refused, unexpected = _run_together(plans)

    assert unexpected == []
    assert (sent, refused) == (3, 5)
    assert Distribution.objects.filter(lot=lot).count() == 6
    assert balance_of(lot, warehouse_location()) == 10
    _assert_ledger_clean()


def test_plans_naming_the_same_lots_in_opposite_orders_do_not_deadlock(postgres_only, officer):
    lots = [factories.released_lot(quantity=1_000, actor=officer) for _ in range(3)]
    hospital = factories.HospitalFactory()
    plans = []
    for index in range(8):
        order = lots if index % 2 else list(reversed(lots))
        plans.append(_plan([Allocation(hospital, lot, 5) for lot in order], officer))

    sent, refused, unexpected = _run_together(plans)

    assert unexpected == []
    assert (sent, refused) == (8, 0)
    for lot in lots:
        assert balance_of(lot, warehouse_location()) == 1_000 - 8 * 5
    _assert_ledger_clean()


def test_plans_of_different_lots_to_first_time_hospitals_do_not_deadlock(postgres_only, officer):
    # given hospitals that never had a delivery (their stock locations are created on the way)
    # and plans of different lots, which do not wait for each other's lot locks, naming those
    # hospitals in opposite orders
    hospitals = [factories.HospitalFactory() for _ in range(6)]
    plans = []
    for index in range(8):
        lot = factories.released_lot(quantity=100, actor=officer)
        order = hospitals if index % 2 else list(reversed(hospitals))
        plans.append(_plan([Allocation(hospital, lot, 5) for hospital in order], officer))

    sent, refused, unexpected = _run_together(plans)

    assert unexpected == []
    assert (sent, refused) == (8, 0)
    assert Location.objects.filter(hospital__in=hospitals).count() == 6
    assert Distribution.objects.count() == 8 * 6
    _assert_ledger_clean()


def test_plans_and_single_dispatches_of_one_lot_at_once_never_exceed_it(postgres_only, officer):
    # given one lot, first-time hospitals, and plans (bulk writes) and single dispatches (row by
    # row) that together ask for far more than the lot holds, naming the same hospitals
    lot = factories.released_lot(quantity=100, actor=officer)
    hospitals = [factories.HospitalFactory() for _ in range(4)]
    work: list[Callable[[], object]] = []
    for index in range(4):  # 4 plans of 2 x 15 units
        pair = [hospitals[index % 4], hospitals[(index + 1) % 4]]
        work.append(_plan([Allocation(h, lot, 15) for h in pair], officer))
    for index in range(4):  # 4 single dispatches of 15 units
        work.append(
            lambda hospital=hospitals[index]: services.distribution_dispatch(
                lot=lot, hospital=hospital, quantity=15, actor=officer
            )
        )

    sent, refused, unexpected = _run_together(work)

    assert unexpected == []
    assert sent + refused == len(work)
    dispatched = sum(Distribution.objects.filter(lot=lot).values_list("quantity", flat=True))
    assert 0 < dispatched <= 100
    assert balance_of(lot, warehouse_location()) == 100 - dispatched
    assert Location.objects.filter(hospital__in=hospitals).count() == 4
    _assert_ledger_clean()
