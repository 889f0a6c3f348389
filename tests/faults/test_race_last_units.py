"""Twenty clerks dispatching a lot's last units at the same moment (each in its own thread and
PostgreSQL connection): exactly the units the warehouse holds go out, every other dispatch is
refused with InsufficientStock, no balance is ever negative (watched from another connection
while they race) and nothing is counted twice. PostgreSQL only: SQLite serialises all writers,
so it would prove nothing about row locks."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.models import Min, Sum

from core.errors import InsufficientStock
from procurement import services
from procurement.models import Distribution, StockBalance
from procurement.services.ledger import balance_of, warehouse_location
from tests import factories
from tests.concurrency import all_at_once, sent_and_refused
from tests.faults.checks import assert_nothing_half_written

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLERKS = 20
LOT_SIZE = 1_000


class BalanceWatch:
    """Reads the lowest stock balance over and over on a connection of its own until stopped."""

    def __init__(self):
        self.lowest: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch)

    def _watch(self) -> None:
        try:
            while not self._stop.is_set():
                lowest = StockBalance.objects.aggregate(lowest=Min("quantity"))["lowest"]
                self.lowest.append(lowest)
        finally:
            connection.close()

    def __enter__(self) -> BalanceWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _lot_with_last_units(clerk, left: int):
    """A released lot of which all but `left` units are already at a hospital."""
    lot = factories.released_lot(quantity=LOT_SIZE)
    services.distribution_dispatch(
        lot=lot, hospital=factories.HospitalFactory(), quantity=LOT_SIZE - left, actor=clerk
    )
    return lot


def _race(calls) -> tuple[int, int, BalanceWatch]:
    with BalanceWatch() as watch:
        results, unexpected = all_at_once(calls)
    assert unexpected == []
    return (*sent_and_refused(results, InsufficientStock), watch)


def test_twenty_clerks_racing_for_the_last_ten_units_send_exactly_ten(postgres_only, clerk):
    lot = _lot_with_last_units(clerk, left=10)
    hospitals = [factories.HospitalFactory() for _ in range(CLERKS)]

    sent, refused, watch = _race(
        [
            lambda hospital=hospital: services.distribution_dispatch(
                lot=lot, hospital=hospital, quantity=1, actor=clerk
            )
            for hospital in hospitals
        ]
    )

    assert (sent, refused) == (10, 10)
    assert balance_of(lot, warehouse_location()) == 0
    race = Distribution.objects.filter(lot=lot, hospital__in=hospitals)
    assert race.count() == 10
    assert race.aggregate(units=Sum("quantity"))["units"] == 10
    assert watch.lowest and min(watch.lowest) >= 0
    assert_nothing_half_written()


def test_single_and_planned_dispatches_racing_share_the_last_units_exactly(postgres_only, clerk):
    # given 30 units left, and twenty clerks each wanting 3: ten one hospital at a time, ten
    # through a distribution plan of three hospitals with one unit each
    lot = _lot_with_last_units(clerk, left=30)
    hospitals = [factories.HospitalFactory() for _ in range(40)]
    singles = [
        lambda hospital=hospital: services.distribution_dispatch(
            lot=lot, hospital=hospital, quantity=3, actor=clerk
        )
        for hospital in hospitals[:10]
    ]
    plans = [
        lambda rows=[(hospital, 1) for hospital in hospitals[start : start + 3]]: (
            services.distribution_dispatch_many(lot=lot, rows=rows, actor=clerk)
        )
        for start in range(10, 40, 3)
    ]

    sent, refused, watch = _race(singles + plans)

    # then ten of the twenty went through, whichever they were, and took exactly the 30 units
    assert (sent, refused) == (10, 10)
    assert balance_of(lot, warehouse_location()) == 0
    race = Distribution.objects.filter(lot=lot, hospital__in=hospitals)
    assert race.aggregate(units=Sum("quantity"))["units"] == 30
    assert watch.lowest and min(watch.lowest) >= 0
    assert_nothing_half_written()


def test_twenty_clerks_asking_more_than_is_left_all_get_refused(postgres_only, clerk):
    lot = _lot_with_last_units(clerk, left=4)
    hospital = factories.HospitalFactory()

    def dispatch():
        return services.distribution_dispatch(lot=lot, hospital=hospital, quantity=5, actor=clerk)

    sent, refused, _watch = _race([dispatch] * CLERKS)

    assert (sent, refused) == (0, CLERKS)
    assert balance_of(lot, warehouse_location()) == 4
    assert_nothing_half_written()
