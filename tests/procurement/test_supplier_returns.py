"""Returns to the supplier with a credit claim: `supplier_return_create` and
`credit_claim_set_status`."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from procurement import services
from procurement.models import (
    CreditClaimEvent,
    CreditClaimStatus,
    IntendedUse,
    LocationKind,
    Lot,
    LotEvent,
    LotStatus,
    MovementKind,
    SupplierReturn,
)
from procurement.selectors import ledger_violations
from procurement.services import ledger
from tests import factories

pytestmark = pytest.mark.django_db

RA = "RA-2020-0417"
WHY = "Lot failed inspection IR-2020-031; supplier agreed to take it back."


def _rejected_lot(officer, quantity=500) -> Lot:
    lot = factories.received_lot(quantity=quantity, actor=officer)
    return services.lot_reject(lot=lot, actor=officer, reason="Fake certificate")


def _recalled_lot(officer, hospital, quantity=100, sent=40) -> Lot:
    lot = factories.released_lot(quantity=quantity, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=sent, actor=officer)
    return services.lot_recall(lot=lot, actor=officer, reason="Filter efficiency 82%")


def _lot_bought_at(officer, unit_price: str, currency: str = "EUR", quantity: int = 7) -> Lot:
    product = factories.ProductFactory()
    order = services.order_create(
        supplier=factories.SupplierFactory(),
        reference=f"PO-{product.sku}",
        lines=[
            services.OrderLineInput(
                product=product,
                quantity=quantity,
                unit_price=Decimal(unit_price),
                currency=currency,
                required_standard=product.claimed_standard,
                intended_use=IntendedUse.MEDICAL,
            )
        ],
        actor=officer,
    )
    services.order_place(order=order, actor=officer)
    lot = factories.received_lot(quantity=quantity, order=order, actor=officer)
    return services.lot_reject(lot=lot, actor=officer, reason="Failed")


def _return(lot, actor, **overrides) -> SupplierReturn:
    return services.supplier_return_create(
        **{"lot": lot, "actor": actor, "authorisation_reference": RA, "reason": WHY, **overrides}
    )


def _ship_back(lot, hospital, quantity, actor) -> None:
    """A hospital sends units back: they leave it and are in transit to the warehouse (the
    hospitals' return service is written elsewhere; the ledger movement is what matters)."""
    with transaction.atomic():
        ledger.movement_record(
            lot=lot,
            quantity=quantity,
            from_location=ledger.hospital_location(hospital),
            to_location=ledger.location_of_kind(LocationKind.IN_TRANSIT),
            kind=MovementKind.RETURN_SHIPPED,
            actor=actor,
        )


def _claim_events(supplier_return):
    return list(
        supplier_return.claim_events.values_list(
            "from_status", "to_status", "actor__username", "reason"
        )
    )


def _where(lot) -> dict[str, int]:
    return {
        kind: ledger.balance_of(lot, ledger.location_of_kind(kind))
        for kind in (LocationKind.WAREHOUSE, LocationKind.SUPPLIER)
    }


# ---------------------------------------------------------------------------------------------
# Creating a return


def test_a_rejected_lot_goes_back_to_the_supplier_with_a_credit_claim(officer):
    lot = _rejected_lot(officer, quantity=500)

    supplier_return = _return(lot, officer)

    lot.refresh_from_db()
    assert lot.status == LotStatus.DISPOSED
    assert _where(lot) == {LocationKind.WAREHOUSE: 0, LocationKind.SUPPLIER: 500}
    movement = supplier_return.movement
    assert (movement.kind, movement.quantity, movement.reference, movement.actor) == (
        MovementKind.RETURN_TO_SUPPLIER,
        500,
        RA,
        officer,
    )
    assert movement.from_location == ledger.warehouse_location()
    assert movement.to_location == ledger.location_of_kind(LocationKind.SUPPLIER)
    assert supplier_return.lot == lot
    assert supplier_return.quantity == 500
    assert supplier_return.authorisation_reference == RA
    assert supplier_return.claim_status == CreditClaimStatus.CLAIMED
    assert supplier_return.created_by == officer
    assert _claim_events(supplier_return) == [("", "claimed", "officer", WHY)]
    disposed = lot.events.get(to_status=LotStatus.DISPOSED)
    assert (disposed.kind, disposed.from_status, disposed.reason) == (
        LotEvent.Kind.STATUS_CHANGED,
        LotStatus.REJECTED,
        WHY,
    )
    assert disposed.data == {"method": "supplier", "quantity": 500, "reference": RA}
    assert ledger_violations() == []


def test_a_recalled_lot_goes_back_once_every_hospital_returned_everything(officer):
    first, second = factories.HospitalFactory(), factories.HospitalFactory()
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=first, quantity=40, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=second, quantity=20, actor=officer)
    services.stock_consume(lot=lot, hospital=second, quantity=5, actor=officer)
    services.lot_recall(lot=lot, actor=officer, reason="Filter efficiency 82%")
    services.stock_return_from_hospital(lot=lot, hospital=first, quantity=40, actor=officer)
    _ship_back(lot, second, 15, officer)
    with transaction.atomic():
        ledger.movement_record(
            lot=lot,
            quantity=15,
            from_location=ledger.location_of_kind(LocationKind.IN_TRANSIT),
            to_location=ledger.warehouse_location(),
            kind=MovementKind.RETURN_RECEIVED,
            actor=officer,
        )

    supplier_return = _return(lot, officer)

    lot.refresh_from_db()
    assert lot.status == LotStatus.DISPOSED
    assert supplier_return.quantity == 95  # 5 were used at the second hospital
    assert _where(lot) == {LocationKind.WAREHOUSE: 0, LocationKind.SUPPLIER: 95}
    assert supplier_return.credit_amount == Decimal("114.00")  # 95 x 1.20
    assert ledger_violations() == []


def test_the_default_credit_is_the_units_at_the_order_lines_price_in_its_currency(officer):
    lot = _lot_bought_at(officer, unit_price="0.1250", currency="USD", quantity=7)

    supplier_return = _return(lot, officer)

    # 7 x 0.125 = 0.875, rounded half up to the cent
    assert (supplier_return.credit_amount, supplier_return.currency) == (Decimal("0.88"), "USD")
    assert services.credit_claim_default(order_line=lot.order_line, quantity=7) == Decimal("0.88")


def test_an_explicit_credit_amount_is_claimed_as_given(officer):
    lot = _rejected_lot(officer, quantity=500)

    supplier_return = _return(lot, officer, credit_amount=Decimal("450.50"))

    supplier_return.refresh_from_db()
    assert (supplier_return.credit_amount, supplier_return.currency) == (Decimal("450.50"), "EUR")


def test_a_credit_of_zero_is_allowed(officer):
    lot = _rejected_lot(officer, quantity=10)

    supplier_return = _return(lot, officer, credit_amount="0")

    assert supplier_return.credit_amount == Decimal("0")


def test_a_credit_in_another_currency_needs_its_amount(officer):
    lot = _rejected_lot(officer, quantity=10)

    with pytest.raises(InvalidInput, match="bought in EUR: give the credit amount"):
        _return(lot, officer, currency="USD")
    supplier_return = _return(lot, officer, credit_amount=Decimal("13.10"), currency="usd")

    assert (supplier_return.credit_amount, supplier_return.currency) == (Decimal("13.10"), "USD")


# ---------------------------------------------------------------------------------------------
# Refusals: each changes nothing


def _assert_unchanged(lot, status, warehouse) -> None:
    lot.refresh_from_db()
    assert lot.status == status
    assert ledger.balance_of(lot, ledger.warehouse_location()) == warehouse
    assert not SupplierReturn.objects.exists()
    assert not CreditClaimEvent.objects.exists()
    assert not lot.movements.filter(kind=MovementKind.RETURN_TO_SUPPLIER).exists()


@pytest.mark.parametrize("role_user", ["inspector", "clerk"])
def test_only_a_ministry_officer_returns_a_lot_to_its_supplier(request, officer, role_user):
    lot = _rejected_lot(officer, quantity=50)

    with pytest.raises(NotPermitted, match="Only a ministry officer may return a lot"):
        _return(lot, request.getfixturevalue(role_user))

    _assert_unchanged(lot, LotStatus.REJECTED, 50)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"authorisation_reference": "  "}, "needs the supplier's return authorisation"),
        ({"authorisation_reference": "R" * 101}, "at most 100 characters"),
        ({"reason": ""}, "A written reason is required for returning a lot to its supplier"),
        ({"credit_amount": Decimal("-0.01")}, "The credit amount must be zero or more"),
        ({"credit_amount": "-5"}, "The credit amount must be zero or more"),
        ({"credit_amount": "12.345"}, "at most two decimals"),
        ({"credit_amount": Decimal("1e12")}, "at most two decimals"),
        ({"credit_amount": "NaN"}, "is not a number"),
        ({"credit_amount": "Infinity"}, "is not a number"),
        ({"credit_amount": "twelve"}, "is not a number"),
        ({"credit_amount": 10, "currency": "EURO"}, "three-letter code"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(officer, overrides, message):
    lot = _rejected_lot(officer, quantity=50)

    with pytest.raises(InvalidInput, match=message):
        _return(lot, officer, **overrides)

    _assert_unchanged(lot, LotStatus.REJECTED, 50)


@pytest.mark.parametrize("make", ["quarantined", "released", "on_hold"])
def test_only_a_rejected_or_recalled_lot_goes_back(officer, make):
    lot = {
        "quarantined": lambda: factories.received_lot(quantity=50, actor=officer),
        "released": lambda: factories.released_lot(quantity=50, actor=officer),
        "on_hold": lambda: services.lot_hold(
            lot=factories.released_lot(quantity=50, actor=officer), actor=officer, reason="Odd"
        ),
    }[make]()

    with pytest.raises(
        IllegalTransition, match=f"is {LotStatus(make).label.lower()}; only a rejected or recalled"
    ):
        _return(lot, officer)

    _assert_unchanged(lot, make, 50)


def test_a_disposed_lot_cannot_go_back_again(officer):
    lot = _rejected_lot(officer, quantity=50)
    services.lot_dispose(lot=lot, actor=officer, method="destroyed", reason="Burnt")

    with pytest.raises(IllegalTransition, match="is disposed; only a rejected or recalled"):
        _return(lot, officer)

    assert not SupplierReturn.objects.exists()


def test_a_second_return_of_the_same_lot_is_refused(officer):
    lot = _rejected_lot(officer, quantity=50)
    _return(lot, officer)

    with pytest.raises(IllegalTransition, match="is disposed"):
        _return(lot, officer, authorisation_reference="RA-2")

    assert SupplierReturn.objects.count() == 1


def test_refused_while_a_hospital_still_holds_units(officer, hospital):
    lot = _recalled_lot(officer, hospital, quantity=100, sent=40)

    with pytest.raises(
        IllegalTransition,
        match=(
            r"^40 units of lot .* are still at hospitals; record their return before returning "
            r"the lot to its supplier\.$"
        ),
    ):
        _return(lot, officer)

    _assert_unchanged(lot, LotStatus.RECALLED, 60)


def test_refused_while_units_are_in_transit_back(officer, hospital):
    lot = _recalled_lot(officer, hospital, quantity=100, sent=40)
    services.stock_return_from_hospital(lot=lot, hospital=hospital, quantity=10, actor=officer)
    _ship_back(lot, hospital, 30, officer)

    with pytest.raises(
        IllegalTransition,
        match=r"^30 units of lot .* are in transit back from hospitals; record their arrival",
    ):
        _return(lot, officer)

    _assert_unchanged(lot, LotStatus.RECALLED, 70)
    assert ledger_violations() == []


def test_a_return_that_arrived_short_does_not_block_the_supplier_return(officer, hospital):
    lot = _recalled_lot(officer, hospital, quantity=100, sent=40)
    services.stock_return_from_hospital(lot=lot, hospital=hospital, quantity=10, actor=officer)
    nurse = factories.HospitalMembershipFactory(hospital=hospital).user
    services.return_ship(lot=lot, hospital=hospital, quantity=30, actor=nurse)
    services.return_receive(
        lot=lot,
        hospital=hospital,
        quantity_shipped=30,
        quantity_received=25,
        actor=officer,
        remark="One box of 5 never arrived.",
    )

    supplier_return = _return(lot, officer)

    # The 5 that never arrived are "lost in return", not in transit: the other 95 go back.
    assert supplier_return.quantity == 95
    assert ledger.balance_of(lot, ledger.location_of_kind(LocationKind.LOST)) == 5
    assert ledger_violations() == []


def test_refused_when_the_warehouse_holds_nothing_to_return(officer, hospital):
    used_up = factories.released_lot(quantity=30, actor=officer)
    services.distribution_dispatch(lot=used_up, hospital=hospital, quantity=30, actor=officer)
    services.stock_consume(lot=used_up, hospital=hospital, quantity=30, actor=officer)
    services.lot_recall(lot=used_up, actor=officer, reason="Failed")

    with pytest.raises(IllegalTransition, match=r"warehouse holds no unit of lot .* nothing to"):
        _return(used_up, officer)

    _assert_unchanged(used_up, LotStatus.RECALLED, 0)


# ---------------------------------------------------------------------------------------------
# The credit claim's status


@pytest.fixture
def claim(officer) -> SupplierReturn:
    return _return(_rejected_lot(officer, quantity=100), officer)


def test_a_claim_is_accepted_then_paid_with_an_event_each(officer, claim):
    services.credit_claim_set_status(
        supplier_return=claim, status="accepted", actor=officer, reason="Letter of 3 May"
    )
    paid = services.credit_claim_set_status(
        supplier_return=claim, status=CreditClaimStatus.PAID, actor=officer, reason="CN-88"
    )

    claim.refresh_from_db()
    assert claim.claim_status == paid.claim_status == CreditClaimStatus.PAID
    assert _claim_events(claim) == [
        ("", "claimed", "officer", WHY),
        ("claimed", "accepted", "officer", "Letter of 3 May"),
        ("accepted", "paid", "officer", "CN-88"),
    ]


@pytest.mark.parametrize("path", [["refused"], ["accepted", "refused"]])
def test_a_claim_can_be_refused_before_it_is_paid(officer, claim, path):
    for status in path:
        services.credit_claim_set_status(
            supplier_return=claim, status=status, actor=officer, reason=f"to {status}"
        )

    claim.refresh_from_db()
    assert claim.claim_status == CreditClaimStatus.REFUSED
    assert [event[1] for event in _claim_events(claim)] == ["claimed", *path]


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        ([], "paid", "is claimed; it cannot become paid"),
        (["accepted"], "claimed", "is accepted by the supplier; it cannot become claimed"),
        (["accepted", "paid"], "refused", "is paid; it cannot become refused by the supplier"),
        (["refused"], "accepted", "is refused by the supplier; it cannot become accepted"),
    ],
)
def test_illegal_claim_moves_are_refused_and_change_nothing(officer, claim, path, target, message):
    for status in path:
        services.credit_claim_set_status(
            supplier_return=claim, status=status, actor=officer, reason="ok"
        )
    events = claim.claim_events.count()

    with pytest.raises(IllegalTransition, match=f"The credit claim of return {RA} {message}"):
        services.credit_claim_set_status(
            supplier_return=claim, status=target, actor=officer, reason="try"
        )

    claim.refresh_from_db()
    assert claim.claim_status == (path[-1] if path else "claimed")
    assert claim.claim_events.count() == events


def test_asking_for_the_status_a_claim_is_in_is_a_no_op(officer, claim):
    services.credit_claim_set_status(
        supplier_return=claim, status="claimed", actor=officer, reason="again"
    )

    assert claim.claim_events.count() == 1


def test_changing_a_claim_needs_an_officer_a_reason_and_a_known_status(officer, inspector, claim):
    def change(**kwargs):
        services.credit_claim_set_status(
            **{"supplier_return": claim, "status": "accepted", "actor": officer, **kwargs}
        )

    with pytest.raises(NotPermitted, match="Only a ministry officer"):
        change(actor=inspector, reason="ok")
    with pytest.raises(InvalidInput, match="A written reason is required"):
        change(reason="  ")
    with pytest.raises(InvalidInput, match="Unknown credit claim status 'settled'"):
        change(status="settled", reason="ok")

    claim.refresh_from_db()
    assert claim.claim_status == CreditClaimStatus.CLAIMED
    assert claim.claim_events.count() == 1


# ---------------------------------------------------------------------------------------------
# Who may see and change returns in the ministry panel (the data migration's permissions)


def test_officers_may_see_returns_and_change_claims_other_roles_may_not(officer, inspector, clerk):
    assert officer.has_perm("procurement.view_supplierreturn")
    assert officer.has_perm("procurement.change_supplierreturn")
    assert officer.has_perm("procurement.view_creditclaimevent")
    assert not officer.has_perm("procurement.add_supplierreturn")
    assert not officer.has_perm("procurement.delete_supplierreturn")
    for user in (inspector, clerk):
        assert not user.has_perm("procurement.view_supplierreturn")
        assert not user.has_perm("procurement.change_supplierreturn")


# ---------------------------------------------------------------------------------------------
# Two officers at once (PostgreSQL: SQLite serialises all writers, so it would prove nothing)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_returning_one_lot_at_once_make_one_return(postgres_only, officer):
    lot = _rejected_lot(officer, quantity=50)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def give_back(reference: str) -> None:
        try:
            barrier.wait(timeout=10)
            _return(lot, officer, authorisation_reference=reference)
            outcomes.append("returned")
        except IllegalTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=give_back, args=(f"RA-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["refused", "returned"]
    assert SupplierReturn.objects.get().quantity == 50
    assert ledger.balance_of(lot, ledger.location_of_kind(LocationKind.SUPPLIER)) == 50
    assert ledger_violations() == []
