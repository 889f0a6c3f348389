"""Several clerks dispatching from the same lot at the same moment never take more than it holds,
and work on one lot never waits for another lot of the same order line.

Needs PostgreSQL: SQLite serialises all writers, so it would prove nothing about row locks.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from core.errors import InsufficientStock
from procurement import services
from procurement.models import Distribution, Hospital, Lot
from procurement.selectors import ledger_violations
from procurement.services.ledger import balance_of, warehouse_location
from tests import factories
from tests.concurrency import all_at_once, sent_and_refused

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12
UNITS_PER_DISPATCH = 15
LOT_SIZE = 100  # room for 6 of the 12 dispatches


def _dispatch_all_at_once(lot: Lot, hospitals: list[Hospital], actor) -> tuple[int, int, list]:
    def dispatch(hospital: Hospital):
        return lambda: services.distribution_dispatch(
            lot=lot, hospital=hospital, quantity=UNITS_PER_DISPATCH, actor=actor
        )

    results, unexpected = all_at_once([dispatch(hospital) for hospital in hospitals])
    return (*sent_and_refused(results, InsufficientStock), unexpected)


def test_simultaneous_dispatches_never_exceed_the_lot(postgres_only, officer):
    lot = factories.released_lot(quantity=LOT_SIZE, actor=officer)
    hospitals = [factories.HospitalFactory() for _ in range(THREADS)]

    sent, refused, unexpected = _dispatch_all_at_once(lot, hospitals, officer)

    assert unexpected == []
    assert sent == LOT_SIZE // UNITS_PER_DISPATCH
    assert refused == THREADS - sent
    assert Distribution.objects.filter(lot=lot).count() == sent
    assert balance_of(lot, warehouse_location()) == LOT_SIZE - sent * UNITS_PER_DISPATCH
    assert ledger_violations() == []


def test_simultaneous_dispatches_to_one_hospital_share_one_balance_row(postgres_only, officer):
    lot = factories.released_lot(quantity=LOT_SIZE, actor=officer)
    hospital = factories.HospitalFactory()

    sent, refused, unexpected = _dispatch_all_at_once(lot, [hospital] * THREADS, officer)
    assert refused == THREADS - sent

    assert unexpected == []
    assert sent == LOT_SIZE // UNITS_PER_DISPATCH
    assert lot.balances.filter(location__hospital=hospital).count() == 1
    assert ledger_violations() == []


def test_a_locked_lot_does_not_hold_up_another_lot_of_the_same_order_line(postgres_only, officer):
    # given two lots of one order line, and a transaction holding the first lot's lock
    order = factories.placed_order(actor=officer, quantity=200)
    first = factories.received_lot(quantity=100, order=order, actor=officer)
    second = factories.received_lot(quantity=100, order=order, actor=officer)
    for lot in (first, second):
        services.lot_release(
            lot=lot, actor=officer, basis="inspection", reason=factories.INSPECTION_EVIDENCE
        )
    hospital = factories.HospitalFactory()
    holding, release = threading.Event(), threading.Event()

    def hold_first_lot() -> None:
        try:
            with transaction.atomic():
                services.lot_hold(lot=first, actor=officer, reason="held while we dispatch")
                holding.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_first_lot)
    holder.start()
    assert holding.wait(timeout=10)

    # when the other lot is dispatched meanwhile
    started = time.monotonic()
    try:
        services.distribution_dispatch(lot=second, hospital=hospital, quantity=10, actor=officer)
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join(timeout=30)

    # then it did not queue behind the first lot's lock (it held it for up to 20 s)
    assert waited < 5
    assert Distribution.objects.filter(lot=second).count() == 1
