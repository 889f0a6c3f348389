"""The ministry panel's side of returns to suppliers: the lot action that makes a return with its
credit claim, the read-only list of returns and the actions that record the claim's fate."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from procurement import services
from procurement.models import (
    CreditClaimEvent,
    CreditClaimStatus,
    LocationKind,
    Lot,
    LotStatus,
    SupplierReturn,
)
from procurement.selectors import ledger_violations
from procurement.services.ledger import balance_of, location_of_kind, warehouse_location
from tests import factories
from tests.admin_helpers import act as _act
from tests.admin_helpers import admin_url as _url
from tests.admin_helpers import messages_of as _messages

pytestmark = pytest.mark.django_db

RA = "RA-2020-0417"
WHY = "Lot failed inspection IR-2020-031; the supplier takes it back."


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def _rejected_lot(officer, quantity=500) -> Lot:
    lot = factories.received_lot(quantity=quantity, actor=officer)
    return services.lot_reject(lot=lot, actor=officer, reason="Fake certificate")


def _returned(officer, quantity=500) -> SupplierReturn:
    return services.supplier_return_create(
        lot=_rejected_lot(officer, quantity),
        actor=officer,
        authorisation_reference=f"RA-{quantity}",
        reason=WHY,
    )


def _form(**overrides) -> dict:
    return {"authorisation_reference": RA, "credit_amount": "", "reason": WHY, **overrides}


# ---------------------------------------------------------------------------------------------
# The lot action


def test_the_return_action_asks_for_the_authorisation_credit_and_reason_and_shows_the_default(
    officer_client, officer
):
    lot = _rejected_lot(officer, quantity=500)

    response = _act(officer_client, Lot, "return_to_supplier", [lot])

    assert response.status_code == 200
    assert response.template_name == "admin/core/action_form.html"
    form = response.context["form"]
    assert list(form.fields) == ["authorisation_reference", "credit_amount", "reason"]
    warning = response.context["warning"]
    assert "the lot becomes disposed" in warning
    assert f"{lot}: 500 units at 1.2000 EUR = 600.00 EUR" in warning
    assert not SupplierReturn.objects.exists()


def test_an_officer_returns_a_rejected_lot_claiming_the_default_credit(officer_client, officer):
    lot = _rejected_lot(officer, quantity=500)

    response = _act(officer_client, Lot, "return_to_supplier", [lot], **_form())

    assert response.wsgi_request.path == _url(Lot)
    assert _messages(response) == [f"Returned to the supplier: {lot}."]
    lot.refresh_from_db()
    assert lot.status == LotStatus.DISPOSED
    assert balance_of(lot, warehouse_location()) == 0
    assert balance_of(lot, location_of_kind(LocationKind.SUPPLIER)) == 500
    supplier_return = lot.supplier_returns.get()
    assert (
        supplier_return.authorisation_reference,
        supplier_return.quantity,
        supplier_return.credit_amount,
        supplier_return.currency,
        supplier_return.claim_status,
    ) == (RA, 500, Decimal("600.00"), "EUR", CreditClaimStatus.CLAIMED)
    assert supplier_return.claim_events.get().reason == WHY
    assert ledger_violations() == []


def test_an_officer_claims_the_credit_amount_the_supplier_agreed(officer_client, officer):
    lot = _rejected_lot(officer, quantity=500)

    _act(officer_client, Lot, "return_to_supplier", [lot], **_form(credit_amount="550.25"))

    assert lot.supplier_returns.get().credit_amount == Decimal("550.25")


def test_several_lots_go_back_each_with_its_default_credit(officer_client, officer):
    lots = [_rejected_lot(officer, quantity=100), _rejected_lot(officer, quantity=300)]

    _act(officer_client, Lot, "return_to_supplier", lots, **_form())

    credits = dict(SupplierReturn.objects.values_list("lot__lot_number", "credit_amount"))
    assert credits == {lots[0].lot_number: Decimal("120.00"), lots[1].lot_number: Decimal("360")}


def test_a_typed_credit_amount_for_several_lots_is_refused_and_keeps_the_input(
    officer_client, officer
):
    lots = [_rejected_lot(officer, quantity=100), _rejected_lot(officer, quantity=300)]

    response = _act(
        officer_client, Lot, "return_to_supplier", lots, **_form(credit_amount="100.00")
    )

    assert response.template_name == "admin/core/action_form.html"
    assert "A credit amount is for one lot" in response.content.decode()
    assert response.context["form"]["credit_amount"].value() == "100.00"
    assert not SupplierReturn.objects.exists()


def test_a_refused_return_stays_on_its_page_with_the_input_as_typed(
    officer_client, officer, hospital
):
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=40, actor=officer)
    services.lot_recall(lot=lot, actor=officer, reason="Filter efficiency 82%")

    response = _act(
        officer_client, Lot, "return_to_supplier", [lot], **_form(credit_amount="99.99")
    )

    assert response.status_code == 200
    assert response.template_name == "admin/core/action_form.html"
    assert response.wsgi_request.path == _url(Lot)
    form = response.context["form"]
    assert form["authorisation_reference"].value() == RA
    assert form["credit_amount"].value() == "99.99"
    assert form["reason"].value() == WHY
    assert _messages(response) == [
        f"40 units of lot {lot} are still at hospitals; record their return before returning "
        "the lot to its supplier."
    ]
    lot.refresh_from_db()
    assert lot.status == LotStatus.RECALLED
    assert not SupplierReturn.objects.exists()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"credit_amount": "-10"}, "The credit amount must be zero or more."),
        ({"authorisation_reference": ""}, "needs the supplier's return authorisation"),
        ({"reason": " "}, "A written reason is required for returning a lot to its supplier."),
    ],
)
def test_bad_input_shows_the_services_message_and_changes_nothing(
    officer_client, officer, form, message
):
    lot = _rejected_lot(officer, quantity=50)

    response = _act(officer_client, Lot, "return_to_supplier", [lot], **_form(**form))

    assert response.template_name == "admin/core/action_form.html"
    assert message in " ".join(_messages(response))
    lot.refresh_from_db()
    assert lot.status == LotStatus.REJECTED
    assert not SupplierReturn.objects.exists()


@pytest.mark.parametrize("role_user", ["inspector", "clerk"])
def test_inspectors_and_clerks_are_not_offered_the_return_and_cannot_post_it(
    client, request, officer, role_user
):
    lot = _rejected_lot(officer, quantity=50)
    client.force_login(request.getfixturevalue(role_user))

    listed = client.get(_url(Lot))
    posted = _act(client, Lot, "return_to_supplier", [lot], **_form())

    choices = {name for name, _ in listed.context["action_form"].fields["action"].choices}
    assert "return_to_supplier" not in choices
    assert posted.status_code == 200
    lot.refresh_from_db()
    assert lot.status == LotStatus.REJECTED
    assert not SupplierReturn.objects.exists()


# ---------------------------------------------------------------------------------------------
# The list of returns and their claims


def test_the_returns_list_shows_each_return_with_its_supplier_and_claim(officer_client, officer):
    supplier_return = _returned(officer, quantity=500)

    response = officer_client.get(_url(SupplierReturn))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    page = response.content.decode()
    for text in [
        supplier_return.lot.lot_number,
        supplier_return.lot.shipment.order.supplier.name,
        "RA-500",
        "600.00",
        "EUR",
        "Claimed",
    ]:
        assert text in page


def test_the_returns_list_runs_the_same_number_of_queries_for_one_return_or_many(
    officer_client, officer, django_assert_max_num_queries
):
    _returned(officer, quantity=10)
    with django_assert_max_num_queries(20) as one:
        officer_client.get(_url(SupplierReturn))
    for quantity in (20, 30, 40):
        _returned(officer, quantity=quantity)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = officer_client.get(_url(SupplierReturn))

    assert response.context["cl"].result_count == 4


def test_returns_are_searched_by_authorisation_or_lot_and_filtered_by_claim(
    officer_client, officer
):
    first, second = _returned(officer, quantity=10), _returned(officer, quantity=20)
    services.credit_claim_set_status(
        supplier_return=second, status="accepted", actor=officer, reason="ok"
    )

    def found(**query) -> set[int]:
        response = officer_client.get(_url(SupplierReturn), query)
        return {row.pk for row in response.context["cl"].result_list}

    assert found(q="RA-10") == {first.pk}
    assert found(q=second.lot.lot_number) == {second.pk}
    assert found(claim_status__exact="accepted") == {second.pk}
    assert found(claim_status__exact="claimed") == {first.pk}


def test_a_returns_page_is_view_only_and_shows_its_claim_events(officer_client, officer):
    supplier_return = _returned(officer, quantity=10)

    page = officer_client.get(_url(SupplierReturn, "change", supplier_return.pk))
    posted = officer_client.post(
        _url(SupplierReturn, "change", supplier_return.pk), {"credit_amount": "1"}
    )

    assert page.status_code == 200
    assert WHY in page.content.decode()  # the first claim event's reason
    assert 'name="_save"' not in page.content.decode()
    assert posted.status_code == 403
    assert officer_client.get(_url(SupplierReturn, "add")).status_code == 403
    deleted = officer_client.post(_url(SupplierReturn, "delete", supplier_return.pk), {"post": 1})
    assert deleted.status_code == 403
    supplier_return.refresh_from_db()
    assert supplier_return.credit_amount == Decimal("12.00")


def test_marking_a_claim_accepted_asks_why_and_records_an_event(officer_client, officer):
    supplier_return = _returned(officer, quantity=10)

    asked = _act(officer_client, SupplierReturn, "mark_accepted", [supplier_return])
    done = _act(
        officer_client,
        SupplierReturn,
        "mark_accepted",
        [supplier_return],
        reason="Supplier's letter of 3 May",
    )

    assert asked.template_name == "admin/core/action_form.html"
    assert list(asked.context["form"].fields) == ["reason"]
    assert _messages(done) == [f"Claim accepted: {supplier_return}."]
    supplier_return.refresh_from_db()
    assert supplier_return.claim_status == CreditClaimStatus.ACCEPTED
    event = supplier_return.claim_events.last()
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        "claimed",
        "accepted",
        officer,
        "Supplier's letter of 3 May",
    )


def test_a_claim_is_marked_paid_after_it_was_accepted(officer_client, officer):
    supplier_return = _returned(officer, quantity=10)

    _act(officer_client, SupplierReturn, "mark_accepted", [supplier_return], reason="Letter")
    _act(officer_client, SupplierReturn, "mark_paid", [supplier_return], reason="CN-88")

    supplier_return.refresh_from_db()
    assert supplier_return.claim_status == CreditClaimStatus.PAID
    assert list(supplier_return.claim_events.values_list("to_status", flat=True)) == [
        "claimed",
        "accepted",
        "paid",
    ]


def test_marking_a_claimed_claim_paid_is_refused_and_keeps_the_reason(officer_client, officer):
    supplier_return = _returned(officer, quantity=10)

    response = _act(officer_client, SupplierReturn, "mark_paid", [supplier_return], reason="CN-1")

    assert response.template_name == "admin/core/action_form.html"
    assert response.context["form"]["reason"].value() == "CN-1"
    assert _messages(response) == [
        "The credit claim of return RA-10 is claimed; it cannot become paid."
    ]
    supplier_return.refresh_from_db()
    assert supplier_return.claim_status == CreditClaimStatus.CLAIMED


def test_a_refusal_needs_a_reason(officer_client, officer):
    supplier_return = _returned(officer, quantity=10)

    response = _act(officer_client, SupplierReturn, "mark_refused", [supplier_return], reason="")

    assert response.template_name == "admin/core/action_form.html"
    assert "A written reason is required" in " ".join(_messages(response))
    supplier_return.refresh_from_db()
    assert supplier_return.claim_status == CreditClaimStatus.CLAIMED


def test_an_officer_marks_a_claim_refused(officer_client, officer):
    supplier_return = _returned(officer, quantity=10)

    _act(
        officer_client,
        SupplierReturn,
        "mark_refused",
        [supplier_return],
        reason="Supplier says the lot was damaged in our warehouse",
    )

    supplier_return.refresh_from_db()
    assert supplier_return.claim_status == CreditClaimStatus.REFUSED


@pytest.mark.parametrize("role_user", ["inspector", "clerk"])
def test_inspectors_and_clerks_cannot_see_returns_or_change_claims(
    client, request, officer, role_user
):
    supplier_return = _returned(officer, quantity=10)
    client.force_login(request.getfixturevalue(role_user))

    listed = client.get(_url(SupplierReturn))
    page = client.get(_url(SupplierReturn, "change", supplier_return.pk))
    posted = client.post(
        _url(SupplierReturn),
        {
            "action": "mark_accepted",
            ACTION_CHECKBOX_NAME: [supplier_return.pk],
            "reason": "try",
            "apply": "yes",
        },
    )

    assert (listed.status_code, page.status_code, posted.status_code) == (403, 403, 403)
    supplier_return.refresh_from_db()
    assert supplier_return.claim_status == CreditClaimStatus.CLAIMED
    assert CreditClaimEvent.objects.count() == 1


def test_a_superuser_may_act_on_claims(client, officer, admin_user):
    supplier_return = _returned(officer, quantity=10)
    client.force_login(admin_user)

    _act(client, SupplierReturn, "mark_refused", [supplier_return], reason="Refused by letter")

    supplier_return.refresh_from_db()
    assert supplier_return.claim_status == CreditClaimStatus.REFUSED
