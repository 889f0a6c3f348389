"""Lot status services: release, hold, reject, recall, dispose, and the transition table."""

import pytest

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from procurement import services
from procurement.models import (
    LOT_TRANSITIONS,
    LocationKind,
    LotEvent,
    LotStatus,
    ReleaseBasis,
    lot_may_move,
)
from procurement.services.ledger import balance_of, location_of_kind, warehouse_location
from tests import factories
from tests.factories import INSPECTION_EVIDENCE

pytestmark = pytest.mark.django_db


def _dispatched_lot(officer, hospital, quantity=100, sent=40):
    lot = factories.released_lot(quantity=quantity, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=sent, actor=officer)
    return lot


def _status_events(lot):
    return list(
        lot.events.filter(kind=LotEvent.Kind.STATUS_CHANGED).values_list(
            "from_status", "to_status", "actor__username", "reason"
        )
    )


def test_transition_table_knows_every_status_and_disposed_is_final():
    assert set(LOT_TRANSITIONS) == set(LotStatus.values)
    assert LOT_TRANSITIONS[LotStatus.DISPOSED] == frozenset()
    assert lot_may_move(LotStatus.QUARANTINED, LotStatus.RELEASED)
    assert not lot_may_move(LotStatus.REJECTED, LotStatus.RELEASED)
    assert not lot_may_move(LotStatus.QUARANTINED, LotStatus.RECALLED)


def test_emergency_release_on_documents_records_who_and_why(officer):
    lot = factories.received_lot(actor=officer)

    services.lot_release(
        lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="ICU stock runs out Friday"
    )

    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED
    assert lot.release_basis == ReleaseBasis.DOCUMENTS
    assert lot.needs_test is True
    assert _status_events(lot) == [
        ("quarantined", "released", "officer", "ICU stock runs out Friday")
    ]


def test_release_on_documents_requires_a_written_reason(officer):
    lot = factories.received_lot(actor=officer)
    with pytest.raises(InvalidInput, match="written reason"):
        services.lot_release(lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="")
    lot.refresh_from_db()
    assert lot.status == LotStatus.QUARANTINED


def test_only_a_ministry_officer_releases_on_documents(inspector, officer):
    lot = factories.received_lot(actor=officer)
    with pytest.raises(NotPermitted):
        services.lot_release(lot=lot, actor=inspector, basis=ReleaseBasis.DOCUMENTS, reason="x")


def test_release_on_documents_is_refused_for_a_lot_on_hold(officer):
    lot = factories.received_lot(actor=officer)
    services.lot_hold(lot=lot, actor=officer, reason="complaint from a ward")
    with pytest.raises(IllegalTransition, match="only a quarantined lot"):
        services.lot_release(lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="x")


def test_an_inspection_release_after_documents_records_the_new_basis(officer, inspector):
    lot = factories.received_lot(actor=officer)
    services.lot_release(lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="urgent")

    services.lot_release(
        lot=lot, actor=inspector, basis=ReleaseBasis.INSPECTION, reason="inspection 7 accepted"
    )

    lot.refresh_from_db()
    assert lot.release_basis == ReleaseBasis.INSPECTION
    assert lot.needs_test is False
    assert _status_events(lot)[-1] == ("released", "released", "inspector", "inspection 7 accepted")


def test_releasing_a_released_lot_again_is_a_no_op(officer):
    lot = factories.released_lot(actor=officer)
    before = lot.events.count()
    services.lot_release(
        lot=lot, actor=officer, basis=ReleaseBasis.INSPECTION, reason=INSPECTION_EVIDENCE
    )
    assert lot.events.count() == before


def test_an_unknown_release_basis_is_refused(officer):
    lot = factories.received_lot(actor=officer)
    with pytest.raises(InvalidInput, match="Unknown release basis"):
        services.lot_release(lot=lot, actor=officer, basis="gut feeling")


def test_hold_stops_a_released_lot_and_needs_a_reason(officer, inspector):
    lot = factories.released_lot(actor=officer)
    with pytest.raises(InvalidInput):
        services.lot_hold(lot=lot, actor=inspector, reason="")

    services.lot_hold(lot=lot, actor=inspector, reason="filtration 91 % in first test")

    lot.refresh_from_db()
    assert lot.status == LotStatus.ON_HOLD
    assert _status_events(lot)[-1][1:] == ("on_hold", "inspector", "filtration 91 % in first test")


def test_holding_a_lot_on_hold_is_a_no_op(officer):
    lot = factories.received_lot(actor=officer)
    services.lot_hold(lot=lot, actor=officer, reason="first")
    services.lot_hold(lot=lot, actor=officer, reason="second")
    assert len(_status_events(lot)) == 1


def test_warehouse_clerk_cannot_hold_a_lot(officer, clerk):
    lot = factories.received_lot(actor=officer)
    with pytest.raises(NotPermitted, match="put a lot on hold"):
        services.lot_hold(lot=lot, actor=clerk, reason="looks odd")


def test_reject_a_lot_that_never_left_the_warehouse(officer):
    lot = factories.received_lot(actor=officer)
    services.lot_hold(lot=lot, actor=officer, reason="first test failed")

    services.lot_reject(lot=lot, actor=officer, reason="second test failed")

    lot.refresh_from_db()
    assert lot.status == LotStatus.REJECTED


def test_reject_is_refused_for_a_lot_with_units_at_hospitals(officer, hospital):
    lot = _dispatched_lot(officer, hospital)
    services.lot_hold(lot=lot, actor=officer, reason="first test failed")
    with pytest.raises(IllegalTransition, match="must be recalled"):
        services.lot_reject(lot=lot, actor=officer, reason="second test failed")


def test_recall_a_lot_with_units_at_hospitals(officer, hospital):
    lot = _dispatched_lot(officer, hospital)

    services.lot_recall(lot=lot, actor=officer, reason="filter membrane fails")

    lot.refresh_from_db()
    assert lot.status == LotStatus.RECALLED


def test_recall_is_refused_for_a_lot_that_never_left_the_warehouse(officer):
    lot = factories.released_lot(actor=officer)
    with pytest.raises(IllegalTransition, match="reject it instead"):
        services.lot_recall(lot=lot, actor=officer, reason="bad")


def test_an_inspector_cannot_recall(officer, inspector, hospital):
    lot = _dispatched_lot(officer, hospital)
    with pytest.raises(NotPermitted, match="recall a lot"):
        services.lot_recall(lot=lot, actor=inspector, reason="bad")


@pytest.mark.parametrize(
    ("status_path", "target"),
    [
        ([], "recall"),  # quarantined -> recalled
        (["reject"], "hold"),  # rejected -> on hold
        (["reject"], "release"),  # rejected -> released
    ],
)
def test_illegal_transitions_raise_one_clear_error(officer, status_path, target):
    lot = factories.received_lot(actor=officer)
    for step in status_path:
        getattr(services, f"lot_{step}")(lot=lot, actor=officer, reason="step")
    action = {
        "recall": lambda: services.lot_recall(lot=lot, actor=officer, reason="x"),
        "hold": lambda: services.lot_hold(lot=lot, actor=officer, reason="x"),
        "release": lambda: services.lot_release(
            lot=lot, actor=officer, basis=ReleaseBasis.INSPECTION, reason=INSPECTION_EVIDENCE
        ),
    }[target]
    with pytest.raises(IllegalTransition):
        action()


def test_dispose_returns_warehouse_stock_of_a_rejected_lot_to_the_supplier(officer):
    lot = factories.received_lot(quantity=500, actor=officer)
    services.lot_reject(lot=lot, actor=officer, reason="failed")

    services.lot_dispose(
        lot=lot, actor=officer, method="supplier", reason="credit claim", reference="RMA-1"
    )

    lot.refresh_from_db()
    assert lot.status == LotStatus.DISPOSED
    assert balance_of(lot, warehouse_location()) == 0
    assert balance_of(lot, location_of_kind(LocationKind.SUPPLIER)) == 500
    assert lot.movements.get(kind="return_to_supplier").reference == "RMA-1"


def test_dispose_by_destruction(officer):
    lot = factories.received_lot(quantity=50, actor=officer)
    services.lot_reject(lot=lot, actor=officer, reason="failed")
    services.lot_dispose(lot=lot, actor=officer, method="destroyed", reason="counterfeit")
    assert balance_of(lot, location_of_kind(LocationKind.DESTROYED)) == 50


def test_dispose_is_refused_while_hospitals_still_hold_units(officer, hospital):
    lot = _dispatched_lot(officer, hospital, quantity=100, sent=40)
    services.lot_recall(lot=lot, actor=officer, reason="failed")

    with pytest.raises(IllegalTransition, match=r"40 units of lot .* are still at hospitals"):
        services.lot_dispose(lot=lot, actor=officer, method="supplier", reason="return")

    lot.refresh_from_db()
    assert lot.status == LotStatus.RECALLED
    assert balance_of(lot, warehouse_location()) == 60


def test_dispose_is_refused_for_a_released_lot(officer):
    lot = factories.released_lot(actor=officer)
    with pytest.raises(IllegalTransition, match="cannot become disposed"):
        services.lot_dispose(lot=lot, actor=officer, method="destroyed", reason="x")


def test_dispose_refuses_an_unknown_method(officer):
    lot = factories.received_lot(actor=officer)
    services.lot_reject(lot=lot, actor=officer, reason="failed")
    with pytest.raises(InvalidInput, match="returning to the supplier or by destruction"):
        services.lot_dispose(lot=lot, actor=officer, method="warehouse", reason="x")


def test_correcting_a_lots_dates_keeps_the_old_ones_in_an_event(officer):
    import datetime as dt

    lot = factories.received_lot(actor=officer, expires_on=dt.date(2030, 1, 1))

    services.lot_correct_dates(
        lot=lot,
        actor=officer,
        manufactured_on=dt.date(2020, 2, 1),
        expires_on=dt.date(2022, 2, 1),
        reason="expiry as printed on the cartons",
    )

    lot.refresh_from_db()
    assert lot.expires_on == dt.date(2022, 2, 1)
    event = lot.events.get(kind="dates_corrected")
    assert event.data["before"]["expires_on"] == "2030-01-01"
    assert event.data["after"]["expires_on"] == "2022-02-01"
    assert (event.actor, event.reason) == (officer, "expiry as printed on the cartons")


def test_correcting_dates_needs_an_officer_and_a_reason(officer, inspector):
    lot = factories.received_lot(actor=officer)
    dates = {"manufactured_on": lot.manufactured_on, "expires_on": None}
    with pytest.raises(NotPermitted):
        services.lot_correct_dates(lot=lot, actor=inspector, reason="typo", **dates)
    with pytest.raises(InvalidInput, match="written reason"):
        services.lot_correct_dates(lot=lot, actor=officer, reason="", **dates)


def test_correcting_dates_refuses_expiry_before_manufacture(officer):
    import datetime as dt

    lot = factories.received_lot(actor=officer)
    with pytest.raises(InvalidInput, match="after the manufacturing date"):
        services.lot_correct_dates(
            lot=lot,
            actor=officer,
            manufactured_on=dt.date(2020, 2, 1),
            expires_on=dt.date(2020, 1, 1),
            reason="typo",
        )


def test_a_release_on_inspection_must_name_its_evidence(officer, inspector):
    lot = factories.received_lot(actor=officer)
    services.lot_release(lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="urgent")

    with pytest.raises(InvalidInput, match="name the inspection or lab report"):
        services.lot_release(lot=lot, actor=inspector, basis=ReleaseBasis.INSPECTION, reason=" ")

    lot.refresh_from_db()
    assert lot.needs_test is True


def test_a_release_event_records_the_basis_it_replaces(officer, inspector):
    lot = factories.received_lot(actor=officer)
    services.lot_release(lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="urgent")
    services.lot_release(
        lot=lot, actor=inspector, basis=ReleaseBasis.INSPECTION, reason=INSPECTION_EVIDENCE
    )

    first, second = lot.events.filter(kind=LotEvent.Kind.STATUS_CHANGED)
    assert first.data == {"basis": "documents", "previous_basis": ""}
    assert second.data == {"basis": "inspection", "previous_basis": "documents"}
