"""Dispatching stock to hospitals and recording use there."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import IllegalTransition, InsufficientStock, InvalidInput, NotPermitted
from procurement import services
from procurement.models import Distribution, LotStatus, ReleaseBasis, StockMovement
from procurement.services.ledger import balance_of, hospital_location, warehouse_location
from tests import factories
from tests.factories import INSPECTION_EVIDENCE

pytestmark = pytest.mark.django_db


def test_dispatch_moves_units_from_the_warehouse_to_the_hospital(clerk, officer, hospital):
    lot = factories.released_lot(quantity=1_000, actor=officer)

    distribution = services.distribution_dispatch(
        lot=lot, hospital=hospital, quantity=240, actor=clerk
    )

    assert distribution.quantity == 240
    assert distribution.movement.kind == "dispatch"
    assert balance_of(lot, warehouse_location()) == 760
    assert balance_of(lot, hospital_location(hospital)) == 240
    assert lot.events.filter(kind="dispatched", data__hospital=hospital.code).exists()


def test_dispatch_refuses_a_quarantined_lot(officer, hospital):
    lot = factories.received_lot(actor=officer)
    with pytest.raises(IllegalTransition, match="only released stock can be dispatched"):
        services.distribution_dispatch(lot=lot, hospital=hospital, quantity=1, actor=officer)


def test_dispatch_refuses_lot_on_hold(officer, hospital):
    lot = factories.released_lot(actor=officer)
    services.lot_hold(lot=lot, actor=officer, reason="complaint")
    with pytest.raises(IllegalTransition, match="on hold"):
        services.distribution_dispatch(lot=lot, hospital=hospital, quantity=1, actor=officer)
    assert not Distribution.objects.exists()


@pytest.mark.parametrize("status_step", ["reject", "recall"])
def test_dispatch_refuses_rejected_and_recalled_lots(officer, hospital, status_step):
    lot = factories.released_lot(quantity=100, actor=officer)
    if status_step == "recall":
        services.distribution_dispatch(lot=lot, hospital=hospital, quantity=1, actor=officer)
    getattr(services, f"lot_{status_step}")(lot=lot, actor=officer, reason="failed")
    with pytest.raises(IllegalTransition):
        services.distribution_dispatch(lot=lot, hospital=hospital, quantity=1, actor=officer)


def test_dispatch_refuses_more_than_the_warehouse_holds(officer, hospital):
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=70, actor=officer)

    with pytest.raises(InsufficientStock, match="Central warehouse holds 30 units"):
        services.distribution_dispatch(lot=lot, hospital=hospital, quantity=31, actor=officer)

    assert balance_of(lot, warehouse_location()) == 30
    assert StockMovement.objects.filter(kind="dispatch").count() == 1


@pytest.mark.parametrize("quantity", [0, -5])
def test_dispatch_refuses_a_quantity_that_is_not_positive(officer, hospital, quantity):
    lot = factories.released_lot(actor=officer)
    with pytest.raises(InvalidInput, match="above zero"):
        services.distribution_dispatch(lot=lot, hospital=hospital, quantity=quantity, actor=officer)


def test_dispatch_refuses_an_expired_lot(officer, hospital):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    lot = factories.received_lot(actor=officer, expires_on=yesterday)
    services.lot_release(
        lot=lot, actor=officer, basis=ReleaseBasis.INSPECTION, reason=INSPECTION_EVIDENCE
    )
    with pytest.raises(IllegalTransition, match="expired"):
        services.distribution_dispatch(lot=lot, hospital=hospital, quantity=1, actor=officer)


def test_inspector_cannot_dispatch(officer, inspector, hospital):
    lot = factories.released_lot(actor=officer)
    with pytest.raises(NotPermitted, match="dispatch stock"):
        services.distribution_dispatch(lot=lot, hospital=hospital, quantity=1, actor=inspector)


def test_a_lot_released_on_documents_can_be_dispatched(officer, hospital):
    lot = factories.received_lot(quantity=100, actor=officer)
    services.lot_release(lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="urgent")
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=100, actor=officer)
    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED
    assert lot.needs_test is True


def test_hospital_staff_record_use_of_units_they_hold(officer, hospital, hospital_user):
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=40, actor=officer)

    services.stock_consume(lot=lot, hospital=hospital, quantity=15, actor=hospital_user)

    assert balance_of(lot, hospital_location(hospital)) == 25
    assert lot.movements.get(kind="consumption").quantity == 15


def test_use_beyond_what_the_hospital_holds_is_refused(officer, hospital, hospital_user):
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=10, actor=officer)
    with pytest.raises(InsufficientStock):
        services.stock_consume(lot=lot, hospital=hospital, quantity=11, actor=hospital_user)


def test_staff_of_another_hospital_cannot_record_use(officer, hospital, hospital_user):
    other = factories.HospitalFactory()
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=other, quantity=10, actor=officer)
    with pytest.raises(NotPermitted):
        services.stock_consume(lot=lot, hospital=other, quantity=1, actor=hospital_user)


@pytest.mark.parametrize("step", ["recall", "dispose"])
def test_use_of_a_recalled_lot_is_refused_so_units_out_there_stay_counted(
    officer, hospital, hospital_user, step
):
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=40, actor=officer)
    services.lot_recall(lot=lot, actor=officer, reason="filter membrane fails")
    if step == "dispose":
        services.stock_return_from_hospital(lot=lot, hospital=hospital, quantity=40, actor=officer)
        services.lot_dispose(lot=lot, actor=officer, method="supplier", reason="credit claim")

    with pytest.raises(IllegalTransition, match="stop using it"):
        services.stock_consume(lot=lot, hospital=hospital, quantity=1, actor=hospital_user)


def test_a_lot_on_hold_may_still_record_use_that_happened(officer, hospital, hospital_user):
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=40, actor=officer)
    services.lot_hold(lot=lot, actor=officer, reason="complaint")

    services.stock_consume(lot=lot, hospital=hospital, quantity=5, actor=hospital_user)

    assert balance_of(lot, hospital_location(hospital)) == 35


def test_a_membership_without_the_hospital_staff_role_grants_nothing(officer, hospital):
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=40, actor=officer)
    roleless = factories.UserFactory(username="roleless")
    factories.HospitalMembershipFactory(user=roleless, hospital=hospital)

    with pytest.raises(NotPermitted):
        services.stock_consume(lot=lot, hospital=hospital, quantity=1, actor=roleless)


def test_units_returned_by_a_hospital_come_back_to_the_warehouse_segregated(
    clerk, officer, hospital
):
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=40, actor=officer)
    services.lot_recall(lot=lot, actor=officer, reason="filter membrane fails")

    movement = services.stock_return_from_hospital(
        lot=lot, hospital=hospital, quantity=30, actor=clerk, reference="RET-1"
    )

    assert (movement.kind, movement.reference) == ("return_from_hospital", "RET-1")
    assert balance_of(lot, hospital_location(hospital)) == 10
    assert balance_of(lot, warehouse_location()) == 90
    assert lot.events.get(kind="returned").data["quantity"] == 30
    with pytest.raises(IllegalTransition, match="only released stock"):
        services.distribution_dispatch(lot=lot, hospital=hospital, quantity=1, actor=clerk)


def test_a_hospital_cannot_return_more_than_it_holds(officer, hospital):
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=10, actor=officer)
    with pytest.raises(InsufficientStock, match="holds 10 units"):
        services.stock_return_from_hospital(lot=lot, hospital=hospital, quantity=11, actor=officer)


def test_hospital_staff_cannot_book_returns_into_the_warehouse(officer, hospital, hospital_user):
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=10, actor=officer)
    with pytest.raises(NotPermitted, match="record returns from hospitals"):
        services.stock_return_from_hospital(
            lot=lot, hospital=hospital, quantity=1, actor=hospital_user
        )
