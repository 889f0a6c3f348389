"""Dispatching one lot to many hospitals at once (`services.distribution_dispatch_many`, the bulk
ledger write under a distribution plan): the same rows and checks as one dispatch at a time, in a
number of queries set by the lots, not the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from core.errors import IllegalTransition, InsufficientStock, InvalidInput, NotPermitted
from procurement import services
from procurement.models import (
    Distribution,
    Location,
    LotEvent,
    LotStatus,
    MovementKind,
    StockBalance,
    StockMovement,
)
from procurement.planning import Allocation
from procurement.selectors import ledger_violations
from procurement.services.ledger import (
    balance_of,
    hospital_location,
    hospital_locations,
    warehouse_location,
)
from procurement.services.planning import distribution_plan_dispatch
from tests import factories

pytestmark = pytest.mark.django_db


def _nothing_dispatched() -> None:
    assert not Distribution.objects.exists()
    assert not StockMovement.objects.filter(kind=MovementKind.DISPATCH).exists()
    assert not LotEvent.objects.filter(kind=LotEvent.Kind.DISPATCHED).exists()


def _expire(lot, officer) -> None:
    services.lot_correct_dates(
        lot=lot,
        actor=officer,
        manufactured_on=dt.date(2019, 1, 1),
        expires_on=timezone.localdate() - dt.timedelta(days=1),
        reason="misprint on the label",
    )


@pytest.fixture
def hospitals(db):
    return [factories.HospitalFactory() for _ in range(12)]


# ---------------------------------------------------------------------------------------------
# What a bulk dispatch writes


def test_every_row_gets_its_own_movement_distribution_and_event(clerk, officer, hospitals):
    lot = factories.released_lot(quantity=1_000, actor=officer)
    rows = [(hospital, 10 + index) for index, hospital in enumerate(hospitals)]

    distributions = services.distribution_dispatch_many(
        lot=lot, rows=rows, actor=clerk, note="Week 12"
    )

    assert [(d.hospital, d.quantity) for d in distributions] == rows
    assert len({d.movement_id for d in distributions}) == len(rows)
    events = {e.data["distribution"]: e for e in lot.events.filter(kind=LotEvent.Kind.DISPATCHED)}
    assert len(events) == len(rows)
    warehouse = warehouse_location()
    for distribution in Distribution.objects.select_related("movement", "hospital__location"):
        hospital, movement = distribution.hospital, distribution.movement
        assert (distribution.dispatched_by, distribution.note) == (clerk, "Week 12")
        assert distribution.status == Distribution.Status.DISPATCHED
        assert (movement.lot_id, movement.quantity, movement.kind) == (
            lot.pk,
            distribution.quantity,
            MovementKind.DISPATCH,
        )
        assert (movement.from_location, movement.to_location) == (warehouse, hospital.location)
        assert (movement.reference, movement.actor) == (hospital.code, clerk)
        event = events[distribution.pk]
        assert event.data == {
            "hospital": hospital.code,
            "quantity": distribution.quantity,
            "distribution": distribution.pk,
        }
        assert (event.from_status, event.to_status, event.actor) == (
            LotStatus.RELEASED,
            LotStatus.RELEASED,
            clerk,
        )
    assert ledger_violations() == []


def test_a_bulk_dispatch_writes_what_single_dispatches_write(clerk, officer, hospitals):
    # given two lots alike, one dispatched row by row and one at once
    one_by_one = factories.released_lot(quantity=500, actor=officer)
    at_once = factories.released_lot(quantity=500, actor=officer)
    rows = [(hospitals[0], 40), (hospitals[1], 25)]

    singles = [
        services.distribution_dispatch(lot=one_by_one, hospital=h, quantity=q, actor=clerk)
        for h, q in rows
    ]
    many = services.distribution_dispatch_many(lot=at_once, rows=rows, actor=clerk)

    # then nothing downstream can tell them apart
    def shape(distribution: Distribution) -> tuple:
        distribution = Distribution.objects.select_related("movement").get(pk=distribution.pk)
        movement = distribution.movement
        event = LotEvent.objects.get(data__distribution=distribution.pk)
        return (
            distribution.hospital_id,
            distribution.quantity,
            distribution.status,
            distribution.dispatched_by_id,
            distribution.note,
            movement.quantity,
            movement.kind,
            movement.from_location_id,
            movement.to_location_id,
            movement.reference,
            movement.actor_id,
            event.kind,
            event.from_status,
            event.to_status,
            event.actor_id,
            event.reason,
            sorted(event.data),
            event.data["hospital"],
            event.data["quantity"],
        )

    assert [shape(d) for d in many] == [shape(d) for d in singles]
    for distribution in many:
        assert distribution.dispatched_at is not None
        assert LotEvent.objects.get(data__distribution=distribution.pk).at is not None


def test_balances_are_exact_for_first_and_repeat_deliveries(clerk, officer, hospitals):
    # given a lot some hospitals already had a delivery of (their balance rows exist)
    lot = factories.released_lot(quantity=5_000, actor=officer)
    earlier = {h.pk: 7 * (i + 1) for i, h in enumerate(hospitals[:6])}
    services.distribution_dispatch_many(
        lot=lot, rows=[(h, earlier[h.pk]) for h in hospitals[:6]], actor=clerk
    )

    # when a plan sends to those and to hospitals receiving their first delivery, in amounts
    # some of which repeat (rows sharing a WHEN) and some not
    amounts = [3, 3, 3, 50, 61, 99, 3, 3, 12, 12, 77, 100]
    services.distribution_dispatch_many(
        lot=lot, rows=list(zip(hospitals, amounts, strict=True)), actor=clerk
    )

    # then every balance is what it was plus what was sent, and the warehouse gave it all
    for hospital, amount in zip(hospitals, amounts, strict=True):
        assert balance_of(lot, hospital_location(hospital)) == earlier.get(hospital.pk, 0) + amount
    assert balance_of(lot, warehouse_location()) == 5_000 - sum(earlier.values()) - sum(amounts)
    assert StockBalance.objects.filter(lot=lot).count() == 1 + len(hospitals)
    assert ledger_violations() == []


def test_the_same_hospital_twice_gets_two_deliveries_on_one_balance(clerk, officer, hospitals):
    lot = factories.released_lot(quantity=100, actor=officer)

    distributions = services.distribution_dispatch_many(
        lot=lot, rows=[(hospitals[0], 30), (hospitals[0], 20)], actor=clerk
    )

    assert [d.quantity for d in distributions] == [30, 20]
    assert balance_of(lot, hospital_location(hospitals[0])) == 50
    assert ledger_violations() == []


def test_hospital_locations_are_looked_up_together_and_the_missing_ones_created(hospitals):
    known = [hospital_location(h) for h in hospitals[:3]]

    locations = hospital_locations(hospitals)

    assert [locations[h.pk] for h in hospitals[:3]] == known
    assert set(locations) == {h.pk for h in hospitals}
    assert all(locations[h.pk].hospital_id == h.pk for h in hospitals)
    assert all(locations[h.pk].name == h.name for h in hospitals)
    assert Location.objects.filter(hospital__in=hospitals).count() == len(hospitals)


def test_a_bulk_plan_across_lots_keeps_the_ledger_invariant(clerk, officer, hospitals):
    lots = [factories.released_lot(quantity=1_000, actor=officer) for _ in range(3)]
    services.distribution_dispatch(lot=lots[1], hospital=hospitals[4], quantity=5, actor=clerk)
    allocations = [
        Allocation(hospital, lot, 1 + (index * 7) % 40, row=index + 2)
        for index, (hospital, lot) in enumerate(
            (hospital, lot) for lot in lots for hospital in hospitals
        )
    ]
    allocations.reverse()  # the plan's order is not the lots' order

    distributions = distribution_plan_dispatch(allocations=allocations, actor=clerk)

    assert [(d.hospital, d.lot, d.quantity) for d in distributions] == [
        (a.hospital, a.lot, a.quantity) for a in allocations
    ]
    for lot in lots:
        sent = sum(a.quantity for a in allocations if a.lot == lot)
        earlier = 5 if lot == lots[1] else 0
        assert balance_of(lot, warehouse_location()) == 1_000 - sent - earlier
    assert Distribution.objects.count() == len(allocations) + 1
    assert StockMovement.objects.filter(kind=MovementKind.DISPATCH).count() == len(allocations) + 1
    assert LotEvent.objects.filter(kind=LotEvent.Kind.DISPATCHED).count() == len(allocations) + 1
    assert ledger_violations() == []


# ---------------------------------------------------------------------------------------------
# Refusals: nothing moves


def test_a_lot_on_hold_mid_plan_refuses_the_whole_plan(officer, clerk, hospitals):
    # given a plan of two lots, many rows each, the second on hold
    good = factories.released_lot(quantity=1_000, actor=officer, lot_number="LOT-GOOD")
    held = factories.released_lot(quantity=1_000, actor=officer, lot_number="LOT-HELD")
    services.lot_hold(lot=held, actor=officer, reason="complaint: straps snap")
    allocations = [Allocation(h, good, 10, row=i) for i, h in enumerate(hospitals, start=2)]
    allocations += [Allocation(h, held, 10, row=i) for i, h in enumerate(hospitals, start=20)]

    # when it is dispatched (the first lot's rows are written before the second is refused)
    with pytest.raises(IllegalTransition) as refused:
        distribution_plan_dispatch(allocations=allocations, actor=clerk)

    # then the refusal names the held lot's first row, and nothing of the first lot moved either
    assert refused.value.message == (
        f"Row 20 (hospital {hospitals[0].code}, lot LOT-HELD): Lot LOT-HELD is on hold; only "
        "released stock can be dispatched."
    )
    _nothing_dispatched()
    assert balance_of(good, warehouse_location()) == 1_000
    assert not StockBalance.objects.filter(location__kind="hospital").exists()
    assert ledger_violations() == []


@pytest.mark.parametrize("role_fixture", ["inspector", "hospital_user"])
def test_only_warehouse_clerks_and_officers_dispatch_in_bulk(
    request, officer, hospitals, role_fixture
):
    lot = factories.released_lot(quantity=100, actor=officer)

    with pytest.raises(NotPermitted, match="warehouse clerk"):
        services.distribution_dispatch_many(
            lot=lot, rows=[(hospitals[0], 1)], actor=request.getfixturevalue(role_fixture)
        )

    _nothing_dispatched()


def test_an_expired_lot_is_refused_with_the_single_dispatch_message(officer, clerk, hospitals):
    lot = factories.released_lot(quantity=100, actor=officer)
    _expire(lot, officer)

    with pytest.raises(IllegalTransition) as many:
        services.distribution_dispatch_many(lot=lot, rows=[(hospitals[0], 1)], actor=clerk)
    with pytest.raises(IllegalTransition) as single:
        services.distribution_dispatch(lot=lot, hospital=hospitals[0], quantity=1, actor=clerk)

    assert "expired on" in many.value.message
    assert many.value.message == single.value.message
    _nothing_dispatched()


def test_a_lot_not_released_is_refused(officer, clerk, hospitals):
    lot = factories.received_lot(actor=officer, lot_number="LOT-Q")

    with pytest.raises(IllegalTransition, match="Lot LOT-Q is quarantined; only released stock"):
        services.distribution_dispatch_many(lot=lot, rows=[(hospitals[0], 1)], actor=clerk)
    _nothing_dispatched()


@pytest.mark.parametrize("quantity", [0, -4, None])
def test_a_row_without_a_quantity_above_zero_refuses_them_all(officer, clerk, hospitals, quantity):
    lot = factories.released_lot(quantity=100, actor=officer)

    with pytest.raises(InvalidInput, match="whole number above zero"):
        services.distribution_dispatch_many(
            lot=lot, rows=[(hospitals[0], 5), (hospitals[1], quantity)], actor=clerk
        )
    _nothing_dispatched()


def test_rows_beyond_the_warehouse_stock_are_refused_together(officer, clerk, hospitals):
    lot = factories.released_lot(quantity=100, actor=officer)

    with pytest.raises(InsufficientStock) as refused:
        services.distribution_dispatch_many(
            lot=lot, rows=[(h, 30) for h in hospitals[:4]], actor=clerk
        )

    assert refused.value.message == (
        f"Central warehouse holds 100 units of lot {lot.lot_number}; 120 were asked for."
    )
    _nothing_dispatched()
    assert balance_of(lot, warehouse_location()) == 100


def test_the_shortfall_is_written_with_the_readers_digit_grouping(officer, clerk, hospitals):
    lot = factories.released_lot(quantity=1_500, actor=officer)

    with translation.override("nl"), pytest.raises(InsufficientStock) as refused:
        services.distribution_dispatch_many(
            lot=lot, rows=[(hospitals[0], 1_000), (hospitals[1], 1_000)], actor=clerk
        )

    assert "1.500" in refused.value.message
    assert "2.000" in refused.value.message


def test_no_rows_dispatch_nothing(officer, clerk):
    lot = factories.released_lot(quantity=100, actor=officer)

    assert services.distribution_dispatch_many(lot=lot, rows=[], actor=clerk) == []
    _nothing_dispatched()


# ---------------------------------------------------------------------------------------------
# Queries


LOTS = 2


def _plan(lots, hospitals, per_lot: int) -> list[Allocation]:
    return [Allocation(h, lot, 1) for lot in lots for h in hospitals[:per_lot]]


def test_a_plan_runs_a_number_of_queries_set_by_its_lots_not_its_rows(
    officer, clerk, django_assert_max_num_queries
):
    # given two plans over two lots each, one of 2 rows and one of 200, to first-time hospitals
    small_lots = [factories.released_lot(quantity=1_000, actor=officer) for _ in range(LOTS)]
    large_lots = [factories.released_lot(quantity=1_000, actor=officer) for _ in range(LOTS)]
    many = factories.HospitalFactory.create_batch(100)
    # (a first plan caches the role check on the user, as it is for the later ones)
    distribution_plan_dispatch(allocations=_plan(small_lots, many[:1], 1), actor=clerk)
    small = _plan(small_lots, many[1:], 1)

    with CaptureQueriesContext(connection) as few:
        distribution_plan_dispatch(allocations=small, actor=clerk)

    # then the large one runs as many queries, but for the bulk INSERTs SQLite splits in two (it
    # binds at most 999 parameters: 100 distributions of 12 columns are two statements)
    slack = 0 if connection.vendor == "postgresql" else 4 * LOTS
    with django_assert_max_num_queries(len(few) + slack):
        distribution_plan_dispatch(allocations=_plan(large_lots, many, 100), actor=clerk)

    assert len(few) <= 20 * LOTS
    assert ledger_violations() == []
