"""A hospital ships units of a recalled lot back: they leave its stock for returns in transit
(a ledger movement and a HospitalReturn), and stay segregated: the lot stays recalled and
nothing of it becomes dispatchable."""

from __future__ import annotations

import pytest

from core.errors import IllegalTransition, InsufficientStock, InvalidInput, NotPermitted
from inspections import services
from inspections.models import HospitalReturn, ReturnStatus
from inspections.selectors import recall_effectiveness
from procurement import services as procurement
from procurement.models import LocationKind, LotEvent, LotStatus, MovementKind
from procurement.selectors import ledger_violations, lots_dispatchable
from procurement.services import ledger
from tests import factories
from tests.inspections.recall_notices import held, issue_recall

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(officer, hospital):
    return issue_recall(officer, {hospital: (100,)})


@pytest.fixture
def notice(issued, hospital):
    return issued.notice(hospital)


def _in_transit(lot) -> int:
    return ledger.balance_of(lot, ledger.location_of_kind(LocationKind.IN_TRANSIT))


def test_shipping_moves_the_units_into_transit_and_records_the_return(
    issued, notice, hospital, hospital_user
):
    hospital_return = services.hospital_return_ship(
        notice=notice, lot=issued.lot, quantity=60, actor=hospital_user, reference="DHL 123"
    )

    assert hospital_return.status == ReturnStatus.SHIPPED
    assert (hospital_return.quantity_shipped, hospital_return.reference) == (60, "DHL 123")
    movement = hospital_return.shipped_movement
    assert (movement.kind, movement.quantity, movement.reference) == (
        MovementKind.RETURN_SHIPPED,
        60,
        "DHL 123",
    )
    assert held(issued.lot, hospital) == 40
    assert _in_transit(issued.lot) == 60
    event = issued.lot.events.get(kind=LotEvent.Kind.RETURN_SHIPPED)
    assert event.actor == hospital_user and event.data["quantity"] == 60
    figures = recall_effectiveness(issued.recall).units
    assert (figures.in_transit, figures.held) == (60, 40)
    assert ledger_violations() == []


def test_a_return_without_reference_carries_the_notices_on_its_movement(
    issued, notice, hospital_user
):
    hospital_return = services.hospital_return_ship(
        notice=notice, lot=issued.lot, quantity=5, actor=hospital_user
    )

    assert hospital_return.reference == ""
    assert hospital_return.shipped_movement.reference == notice.reference


def test_more_than_the_hospital_holds_is_refused(issued, notice, hospital, hospital_user):
    with pytest.raises(InsufficientStock, match="holds 100 units of lot"):
        services.hospital_return_ship(
            notice=notice, lot=issued.lot, quantity=101, actor=hospital_user
        )

    assert not HospitalReturn.objects.exists()
    assert held(issued.lot, hospital) == 100


@pytest.mark.parametrize("quantity", [0, -5, None])
def test_a_quantity_below_one_is_refused(issued, notice, hospital_user, quantity):
    with pytest.raises(InvalidInput, match="above zero"):
        services.hospital_return_ship(
            notice=notice, lot=issued.lot, quantity=quantity, actor=hospital_user
        )

    assert not HospitalReturn.objects.exists()


def test_only_staff_of_the_notices_hospital_may_ship(issued, notice, officer, clerk):
    stranger = factories.HospitalMembershipFactory(user__username="elsewhere").user
    for actor in (stranger, officer, clerk):
        with pytest.raises(NotPermitted):
            services.hospital_return_ship(notice=notice, lot=issued.lot, quantity=5, actor=actor)

    assert not HospitalReturn.objects.exists()


def test_a_lot_that_is_not_the_notices_is_refused(notice, hospital, hospital_user, officer):
    other = factories.released_lot(actor=officer)
    procurement.distribution_dispatch(lot=other, hospital=hospital, quantity=10, actor=officer)

    with pytest.raises(InvalidInput, match="not one of this notice"):
        services.hospital_return_ship(notice=notice, lot=other, quantity=5, actor=hospital_user)


def test_only_recalled_or_on_hold_lots_are_shipped_back(hospital, hospital_user, officer):
    lot = factories.released_lot(actor=officer)
    procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=10, actor=officer)

    with pytest.raises(IllegalTransition, match="only units of recalled or on-hold lots"):
        procurement.return_ship(lot=lot, hospital=hospital, quantity=5, actor=hospital_user)

    procurement.lot_hold(lot=lot, actor=officer, reason="Complaint about straps")
    procurement.return_ship(lot=lot, hospital=hospital, quantity=5, actor=hospital_user)
    assert held(lot, hospital) == 5
    assert ledger_violations() == []


def test_returned_stock_stays_segregated(issued, notice, hospital, hospital_user, clerk):
    hospital_return = services.hospital_return_ship(
        notice=notice, lot=issued.lot, quantity=100, actor=hospital_user
    )

    services.hospital_return_receive(
        hospital_return=hospital_return, quantity_received=100, actor=clerk
    )

    issued.lot.refresh_from_db()
    assert issued.lot.status == LotStatus.RECALLED
    # 900 never left, 100 came back: all in the warehouse, none of it dispatchable.
    assert ledger.balance_of(issued.lot, ledger.warehouse_location()) == 1_000
    assert issued.lot not in lots_dispatchable()
    with pytest.raises(IllegalTransition, match="only released stock can be dispatched"):
        procurement.distribution_dispatch(
            lot=issued.lot, hospital=hospital, quantity=1, actor=clerk
        )
    assert ledger_violations() == []
