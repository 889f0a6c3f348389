"""The ministry panel: lists render with flat query counts, ledger tables are view-only, and every
state change goes through an admin action (or the receive and dispatch views) into a service,
whose refusals are shown as messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from procurement import services
from procurement.models import (
    Distribution,
    Hospital,
    HospitalMembership,
    IntendedUse,
    Location,
    LocationKind,
    Lot,
    LotEvent,
    LotStatus,
    OrderEvent,
    OrderStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReleaseBasis,
    Shipment,
    Standard,
    StockBalance,
    StockMovement,
    Supplier,
)
from procurement.services.ledger import (
    balance_of,
    hospital_location,
    location_of_kind,
    warehouse_location,
)
from tests import factories
from tests.admin_helpers import act as _act
from tests.admin_helpers import admin_url as _url
from tests.admin_helpers import messages_of as _messages

pytestmark = pytest.mark.django_db

ALL_MODELS = [
    Standard,
    Supplier,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    OrderEvent,
    Shipment,
    Lot,
    LotEvent,
    Hospital,
    HospitalMembership,
    Location,
    StockMovement,
    StockBalance,
    Distribution,
]
LEDGER_MODELS = [StockMovement, StockBalance, LotEvent, OrderEvent, Distribution]


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def _dispatched_lot(officer, hospital, quantity=100, sent=40) -> Lot:
    lot = factories.released_lot(quantity=quantity, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=sent, actor=officer)
    return lot


# ---------------------------------------------------------------------------------------------
# Lists, pages and who gets in


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_every_changelist_renders_for_an_officer(officer_client, officer, hospital, model):
    _dispatched_lot(officer, hospital)
    factories.HospitalMembershipFactory(hospital=hospital)

    response = officer_client.get(_url(model))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


def test_every_change_page_of_a_dispatched_lot_renders_for_an_officer(
    officer_client, officer, hospital
):
    lot = _dispatched_lot(officer, hospital)
    pages = [
        _url(Lot, "change", lot.pk),
        _url(Shipment, "change", lot.shipment.pk),
        _url(PurchaseOrder, "change", lot.shipment.order.pk),
        _url(Hospital, "change", hospital.pk),
        _url(Hospital, "add"),
        _url(Distribution, "change", lot.distributions.get().pk),
        _url(StockMovement, "change", lot.movements.first().pk),
        _url(PurchaseOrder, "add"),
        reverse("admin:procurement_shipment_receive"),
        reverse("admin:procurement_lot_dispatch", args=[lot.pk]),
        reverse("admin:procurement_lot_return", args=[lot.pk]),
    ]

    for page in pages:
        assert officer_client.get(page).status_code == 200, page


def _changelist_queries(client, model, django_assert_max_num_queries, limit: int) -> None:
    with django_assert_max_num_queries(limit):
        response = client.get(_url(model))
    assert response.status_code == 200


def test_lot_list_runs_the_same_number_of_queries_for_one_lot_or_many(
    officer_client, officer, django_assert_max_num_queries
):
    factories.received_lot(actor=officer)
    with CaptureQueriesContext(connection) as one_lot:
        officer_client.get(_url(Lot))
    for _ in range(6):
        factories.released_lot(actor=officer)

    _changelist_queries(officer_client, Lot, django_assert_max_num_queries, len(one_lot))


def test_distribution_list_runs_the_same_number_of_queries_for_one_or_many(
    officer_client, officer, hospital, django_assert_max_num_queries
):
    _dispatched_lot(officer, hospital)
    with CaptureQueriesContext(connection) as one_row:
        officer_client.get(_url(Distribution))
    for _ in range(6):
        _dispatched_lot(officer, factories.HospitalFactory(), sent=10)

    _changelist_queries(officer_client, Distribution, django_assert_max_num_queries, len(one_row))


def test_hospital_staff_cannot_open_the_admin(client, hospital_user):
    client.force_login(hospital_user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", LEDGER_MODELS, ids=lambda m: m.__name__)
def test_ledger_and_event_tables_are_view_only(officer_client, officer, hospital, model):
    _dispatched_lot(officer, hospital)
    row = model.objects.first()

    assert officer_client.get(_url(model, "add")).status_code == 403
    assert officer_client.post(_url(model, "change", row.pk), {}).status_code == 403
    assert officer_client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_lots_cannot_be_added_or_deleted_and_their_status_is_read_only(officer_client, officer):
    lot = factories.received_lot(actor=officer)

    assert officer_client.get(_url(Lot, "add")).status_code == 403
    assert officer_client.post(_url(Lot, "delete", lot.pk), {"post": "yes"}).status_code == 403
    form = officer_client.get(_url(Lot, "change", lot.pk)).context["adminform"].form
    assert "status" not in form.fields
    assert "quantity_received" not in form.fields
    assert "release_basis" not in form.fields


def test_a_placed_order_cannot_be_deleted_even_by_a_superuser(client, officer, admin_user):
    order = factories.placed_order(actor=officer)
    client.force_login(admin_user)

    response = client.post(_url(PurchaseOrder, "delete", order.pk), {"post": "yes"})

    assert response.status_code == 403
    assert PurchaseOrder.objects.filter(pk=order.pk).exists()


def test_lot_page_says_a_lot_released_on_documents_still_needs_a_test(officer_client, officer):
    lot = factories.received_lot(actor=officer)
    services.lot_release(
        lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="ICU runs out Friday"
    )

    page = officer_client.get(_url(Lot, "change", lot.pk)).content.decode()
    needing = officer_client.get(_url(Lot), {"needs_test": "yes"}).context["cl"].result_count

    events = officer_client.get(_url(LotEvent), {"lot__id__exact": lot.pk}).context["cl"]

    assert "still needs a test" in page
    assert f"?lot__id__exact={lot.pk}" in page
    assert needing == 1
    assert [e.to_status for e in events.result_list] == [LotStatus.QUARANTINED, LotStatus.RELEASED]


def test_lot_page_shows_the_intended_use_mismatch_of_its_order_line(officer_client, officer):
    non_medical = factories.StandardFactory(code="GB 2626 KN95", is_medical=False)
    product = factories.ProductFactory(claimed_standard=non_medical)
    order = factories.placed_order(actor=officer, product=product, intended_use=IntendedUse.MEDICAL)
    lot = factories.received_lot(actor=officer, order=order)

    page = officer_client.get(_url(Lot, "change", lot.pk)).content.decode()
    mismatched = officer_client.get(_url(Lot), {"mismatch": "yes"}).context["cl"].result_count
    order_page = officer_client.get(_url(PurchaseOrder, "change", order.pk)).content.decode()

    assert "Intended-use mismatch" in page
    assert mismatched == 1
    assert "MISMATCH" in order_page


# ---------------------------------------------------------------------------------------------
# Lot actions


def test_release_on_documents_first_asks_for_a_reason_and_warns_a_test_is_still_needed(
    officer_client, officer
):
    lot = factories.received_lot(actor=officer)

    response = _act(officer_client, Lot, "release_on_documents", [lot])

    assert response.status_code == 200
    assert "still needs a test" in response.content.decode()
    assert 'name="apply"' in response.content.decode()
    lot.refresh_from_db()
    assert lot.status == LotStatus.QUARANTINED


def test_release_on_documents_with_a_reason_releases_the_lot_and_records_why(
    officer_client, officer
):
    lot = factories.received_lot(actor=officer)

    response = _act(
        officer_client, Lot, "release_on_documents", [lot], reason="ICU stock runs out Friday"
    )

    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED
    assert lot.release_basis == ReleaseBasis.DOCUMENTS
    assert lot.needs_test
    event = lot.events.get(kind=LotEvent.Kind.STATUS_CHANGED)
    assert (event.to_status, event.reason, event.actor) == (
        LotStatus.RELEASED,
        "ICU stock runs out Friday",
        officer,
    )
    assert any("Released on documents" in m for m in _messages(response))


def test_release_on_documents_requires_a_reason(officer_client, officer):
    lot = factories.received_lot(actor=officer)

    response = _act(officer_client, Lot, "release_on_documents", [lot], reason="   ")

    lot.refresh_from_db()
    assert lot.status == LotStatus.QUARANTINED
    assert not lot.events.filter(kind=LotEvent.Kind.STATUS_CHANGED).exists()
    assert _messages(response) == [
        "A written reason is required for an emergency release on documents."
    ]


def test_an_inspector_posting_release_on_documents_changes_nothing(client, inspector, officer):
    lot = factories.received_lot(actor=officer)
    client.force_login(inspector)

    response = _act(client, Lot, "release_on_documents", [lot], reason="urgent")

    assert response.status_code == 200
    lot.refresh_from_db()
    assert lot.status == LotStatus.QUARANTINED
    assert _messages(response) == ["No action selected."]


def test_release_on_inspection_asks_for_the_evidence_in_a_required_field(
    client, inspector, officer
):
    lot = factories.received_lot(actor=officer)
    client.force_login(inspector)

    response = _act(client, Lot, "release_on_inspection", [lot])

    assert response.status_code == 200
    field = response.context["form"]["reason"]
    assert field.label == "Evidence: inspection or laboratory report reference"
    assert "required" in str(field)
    lot.refresh_from_db()
    assert lot.status == LotStatus.QUARANTINED


def test_an_inspector_releases_on_an_accepted_inspection_naming_the_evidence(
    client, inspector, officer
):
    lot = factories.received_lot(actor=officer)
    client.force_login(inspector)

    response = _act(client, Lot, "release_on_inspection", [lot], reason="Report LAB-17 accepted")

    assert response.status_code == 200
    assert response.wsgi_request.path == _url(Lot)
    lot.refresh_from_db()
    assert (lot.status, lot.release_basis) == (LotStatus.RELEASED, ReleaseBasis.INSPECTION)
    assert lot.events.last().reason == "Report LAB-17 accepted"


def test_release_on_inspection_without_evidence_shows_the_services_error_and_changes_nothing(
    client, inspector, officer
):
    lot = factories.received_lot(actor=officer)
    client.force_login(inspector)

    response = _act(client, Lot, "release_on_inspection", [lot], reason="  ")

    assert response.status_code == 200
    assert response.template_name == "admin/core/action_form.html"
    assert _messages(response) == [
        "A written reason is required for a release on an accepted inspection "
        "(name the inspection or lab report)."
    ]
    lot.refresh_from_db()
    assert lot.status == LotStatus.QUARANTINED
    assert not lot.events.filter(kind=LotEvent.Kind.STATUS_CHANGED).exists()


def _mismatched_lot(officer) -> Lot:
    """A lot ordered for medical use of a product certified only to a non-medical standard."""
    non_medical = factories.StandardFactory(code="GB 2626 KN95", is_medical=False)
    product = factories.ProductFactory(claimed_standard=non_medical)
    order = factories.placed_order(actor=officer, product=product, intended_use=IntendedUse.MEDICAL)
    return factories.received_lot(actor=officer, order=order)


RELEASE_ACTIONS = ["release_on_documents", "release_on_inspection"]


@pytest.mark.parametrize("action", RELEASE_ACTIONS)
def test_release_page_warns_of_a_selected_lots_mismatch_and_offers_the_override(
    officer_client, officer, action
):
    mismatched, plain = _mismatched_lot(officer), factories.received_lot(actor=officer)

    warned = _act(officer_client, Lot, action, [mismatched, plain])
    unwarned = _act(officer_client, Lot, action, [plain])

    assert warned.status_code == 200
    assert "Intended-use mismatch" in warned.context["warning"]
    assert mismatched.lot_number in warned.context["warning"]
    assert plain.lot_number not in warned.context["warning"]
    field = warned.context["form"]["mismatch_override"]
    assert field.label == "Override of the intended-use mismatch (ministry officer)"
    assert "required" not in str(field)
    assert "Intended-use mismatch" not in unwarned.context["warning"]
    assert "mismatch_override" in unwarned.context["form"].fields


@pytest.mark.parametrize("action", RELEASE_ACTIONS)
def test_releasing_a_mismatched_lot_without_an_override_shows_why_and_changes_nothing(
    officer_client, officer, action
):
    lot = _mismatched_lot(officer)

    response = _act(
        officer_client, Lot, action, [lot], reason="Report LAB-17", mismatch_override=""
    )

    assert response.status_code == 200
    assert response.template_name == "admin/core/action_form.html"
    assert _messages(response) == [
        f"Lot {lot.lot_number} has an intended-use mismatch: ordered for medical use, certified "
        "only to a non-medical standard. A ministry officer's written override is needed to "
        "release it."
    ]
    assert response.context["form"]["reason"].value() == "Report LAB-17"
    lot.refresh_from_db()
    assert lot.status == LotStatus.QUARANTINED
    assert not lot.events.filter(kind=LotEvent.Kind.STATUS_CHANGED).exists()


@pytest.mark.parametrize("action", RELEASE_ACTIONS)
def test_an_officer_releases_a_mismatched_lot_with_a_written_override(
    officer_client, officer, action
):
    lot = _mismatched_lot(officer)
    override = "KN95 accepted by the crisis team for ICU use until EN 149 stock arrives"

    response = _act(
        officer_client, Lot, action, [lot], reason="Report LAB-17", mismatch_override=override
    )

    assert response.wsgi_request.path == _url(Lot)
    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED
    event = lot.events.get(kind=LotEvent.Kind.STATUS_CHANGED)
    assert (event.actor, event.reason) == (officer, "Report LAB-17")
    assert event.data["mismatch_override"] == override


def test_an_inspectors_override_of_a_mismatch_is_refused_and_changes_nothing(
    client, inspector, officer
):
    lot = _mismatched_lot(officer)
    client.force_login(inspector)

    response = _act(
        client, Lot, "release_on_inspection", [lot], reason="LAB-17", mismatch_override="Fine"
    )

    assert _messages(response) == ["Only a ministry officer may override an intended-use mismatch."]
    lot.refresh_from_db()
    assert lot.status == LotStatus.QUARANTINED


def test_put_on_hold_then_reject_records_each_reason(officer_client, officer):
    lot = factories.received_lot(actor=officer)

    _act(officer_client, Lot, "put_on_hold", [lot], reason="Filter efficiency 78% in lab")
    _act(officer_client, Lot, "reject", [lot], reason="Second sample failed too")

    lot.refresh_from_db()
    assert lot.status == LotStatus.REJECTED
    assert list(
        lot.events.filter(kind=LotEvent.Kind.STATUS_CHANGED).values_list("to_status", "reason")
    ) == [
        (LotStatus.ON_HOLD, "Filter efficiency 78% in lab"),
        (LotStatus.REJECTED, "Second sample failed too"),
    ]


def test_recall_of_a_dispatched_lot(officer_client, officer, hospital):
    lot = _dispatched_lot(officer, hospital)

    response = _act(officer_client, Lot, "recall", [lot], reason="Failed EN 149 after use")

    lot.refresh_from_db()
    assert lot.status == LotStatus.RECALLED
    assert _messages(response) == [f"Recalled: {lot.lot_number}."]


def test_rejecting_a_dispatched_lot_says_it_must_be_recalled(officer_client, officer, hospital):
    lot = _dispatched_lot(officer, hospital)

    response = _act(officer_client, Lot, "reject", [lot], reason="Failed")

    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED
    assert _messages(response) == [
        f"Units of lot {lot.lot_number} have reached hospitals; it must be recalled, not rejected."
    ]


def test_dispose_returns_a_rejected_lots_warehouse_stock_to_the_supplier(officer_client, officer):
    lot = factories.received_lot(quantity=500, actor=officer)
    services.lot_reject(lot=lot, actor=officer, reason="Fake certificate")

    _act(
        officer_client,
        Lot,
        "dispose",
        [lot],
        method=LocationKind.SUPPLIER,
        reason="Supplier takes them back",
        reference="RMA-88",
    )

    lot.refresh_from_db()
    assert lot.status == LotStatus.DISPOSED
    assert balance_of(lot, warehouse_location()) == 0
    assert balance_of(lot, location_of_kind(LocationKind.SUPPLIER)) == 500
    assert lot.events.last().data["reference"] == "RMA-88"


def test_a_refused_lot_does_not_stop_the_other_selected_lots(officer_client, officer, hospital):
    dispatched = _dispatched_lot(officer, hospital)
    in_quarantine = factories.received_lot(actor=officer)

    response = _act(officer_client, Lot, "reject", [dispatched, in_quarantine], reason="Failed")

    in_quarantine.refresh_from_db()
    dispatched.refresh_from_db()
    assert in_quarantine.status == LotStatus.REJECTED
    assert dispatched.status == LotStatus.RELEASED
    messages = _messages(response)
    assert len(messages) == 2
    assert "must be recalled" in messages[0]
    assert messages[1] == f"Rejected: {in_quarantine.lot_number}."


def test_an_action_refused_for_every_selected_lot_stays_on_its_page_with_the_typed_reason(
    officer_client, officer, hospital
):
    lot = _dispatched_lot(officer, hospital)
    reason = "Second sample failed: filter efficiency 81%"

    response = _act(officer_client, Lot, "reject", [lot], reason=reason)

    assert response.status_code == 200
    assert response.template_name == "admin/core/action_form.html"
    assert response.wsgi_request.path == _url(Lot)  # not redirected to the list
    assert response.context["form"]["reason"].value() == reason
    page = response.content.decode()
    assert "it must be recalled, not rejected" in page
    assert 'value="reject"' in page
    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED


def test_lot_page_action_form_posts_to_the_changelist(officer_client, officer):
    lot = factories.received_lot(actor=officer)

    page = officer_client.get(_url(Lot, "change", lot.pk)).content.decode()
    response = officer_client.post(
        _url(Lot), {"action": "put_on_hold", ACTION_CHECKBOX_NAME: [lot.pk]}
    )

    assert 'value="put_on_hold"' in page
    assert response.status_code == 200
    assert response.template_name == "admin/core/action_form.html"


ALL_LOT_ACTIONS = {
    "release_on_documents",
    "release_on_inspection",
    "put_on_hold",
    "reject",
    "recall",
    "dispose",
    "return_to_supplier",
    "dispatch_to_hospital",
    "record_return",
    "correct_dates",
}


@pytest.mark.parametrize(
    ("user", "offered"),
    [
        ("inspector", {"release_on_inspection", "put_on_hold", "reject"}),
        ("clerk", {"dispatch_to_hospital", "record_return"}),
        ("officer", ALL_LOT_ACTIONS),
        ("admin_user", ALL_LOT_ACTIONS),
    ],
)
def test_lot_actions_are_offered_by_role(client, request, user, offered):
    client.force_login(request.getfixturevalue(user))

    response = client.get(_url(Lot))

    assert response.status_code == 200
    choices = {name for name, _ in response.context["action_form"].fields["action"].choices}
    assert choices - {""} == offered


def test_an_inspector_cannot_open_the_dispatch_or_return_page(client, inspector, officer, hospital):
    lot = _dispatched_lot(officer, hospital)
    client.force_login(inspector)

    dispatch = client.get(reverse("admin:procurement_lot_dispatch", args=[lot.pk]))
    posted = client.post(
        reverse("admin:procurement_lot_dispatch", args=[lot.pk]),
        {"hospital": hospital.pk, "quantity": 10},
    )
    returned = client.get(reverse("admin:procurement_lot_return", args=[lot.pk]))

    assert (dispatch.status_code, posted.status_code, returned.status_code) == (403, 403, 403)
    assert balance_of(lot, hospital_location(hospital)) == 40


def test_a_clerk_sees_no_status_actions_on_a_lot_page_but_may_dispatch(client, clerk, officer):
    lot = factories.released_lot(actor=officer)
    client.force_login(clerk)

    response = client.get(_url(Lot, "change", lot.pk))

    assert response.status_code == 200
    names = {name for name, _ in response.context["lot_actions"]}
    assert names == {"dispatch_to_hospital", "record_return"}
    assert reverse("admin:procurement_lot_dispatch", args=[lot.pk]) in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Dispatch


def test_dispatch_action_moves_stock_to_the_hospital(officer_client, officer, hospital):
    lot = factories.released_lot(quantity=1_000, actor=officer)

    chosen = _act(officer_client, Lot, "dispatch_to_hospital", [lot])
    response = officer_client.post(
        chosen.wsgi_request.path, {"hospital": hospital.pk, "quantity": 300}, follow=True
    )

    assert chosen.wsgi_request.path == reverse("admin:procurement_lot_dispatch", args=[lot.pk])
    assert balance_of(lot, warehouse_location()) == 700
    assert balance_of(lot, hospital_location(hospital)) == 300
    distribution = Distribution.objects.get(lot=lot)
    assert (distribution.hospital, distribution.quantity) == (hospital, 300)
    assert response.wsgi_request.path == _url(Lot, "change", lot.pk)
    assert _messages(response) == [f"Dispatched {distribution}."]


def test_dispatch_action_takes_exactly_one_lot(officer_client, officer):
    lots = [factories.released_lot(actor=officer) for _ in range(2)]

    response = _act(officer_client, Lot, "dispatch_to_hospital", lots)

    assert _messages(response) == ["Select exactly one lot to dispatch."]


def test_dispatching_more_than_the_warehouse_holds_shows_why_and_keeps_the_input(
    officer_client, officer, hospital
):
    lot = factories.released_lot(quantity=100, actor=officer)

    response = officer_client.post(
        reverse("admin:procurement_lot_dispatch", args=[lot.pk]),
        {"hospital": hospital.pk, "quantity": 101},
    )

    assert response.status_code == 200
    assert _messages(response) == [
        f"Central warehouse holds 100 units of lot {lot.lot_number}; 101 were asked for."
    ]
    assert response.context["form"]["quantity"].value() == "101"
    assert not Distribution.objects.exists()


def test_a_quarantined_lot_cannot_be_dispatched(client, clerk, officer, hospital):
    lot = factories.received_lot(actor=officer)
    client.force_login(clerk)

    response = client.post(
        reverse("admin:procurement_lot_dispatch", args=[lot.pk]),
        {"hospital": hospital.pk, "quantity": 1},
    )

    assert "only released stock can be dispatched" in _messages(response)[0]
    assert balance_of(lot, warehouse_location()) == lot.quantity_received


# ---------------------------------------------------------------------------------------------
# Returns from hospitals


def test_record_return_action_moves_units_back_to_the_warehouse(client, clerk, officer, hospital):
    lot = _dispatched_lot(officer, hospital, quantity=100, sent=40)
    client.force_login(clerk)

    chosen = _act(client, Lot, "record_return", [lot])
    response = client.post(
        chosen.wsgi_request.path,
        {"hospital": hospital.pk, "quantity": 15, "reference": "RN-7"},
        follow=True,
    )

    assert chosen.status_code == 200
    assert chosen.wsgi_request.path == reverse("admin:procurement_lot_return", args=[lot.pk])
    assert response.status_code == 200
    assert response.wsgi_request.path == _url(Lot, "change", lot.pk)
    assert balance_of(lot, hospital_location(hospital)) == 25
    assert balance_of(lot, warehouse_location()) == 75
    movement = lot.movements.get(kind="return_from_hospital")
    assert (movement.quantity, movement.reference, movement.actor) == (15, "RN-7", clerk)
    assert _messages(response) == [
        f"Recorded the return of 15 units of lot {lot} from {hospital} to the central warehouse."
    ]


def test_the_return_page_lists_only_the_hospitals_holding_the_lot(
    officer_client, officer, hospital
):
    lot = _dispatched_lot(officer, hospital, sent=40)
    factories.HospitalFactory()  # holds nothing of this lot

    response = officer_client.get(reverse("admin:procurement_lot_return", args=[lot.pk]))

    assert response.status_code == 200
    assert list(response.context["form"].fields["hospital"].queryset) == [hospital]
    assert f"{hospital}: holds 40 units" in response.content.decode()


def test_returning_more_than_the_hospital_holds_shows_why_and_keeps_the_input(
    officer_client, officer, hospital
):
    lot = _dispatched_lot(officer, hospital, quantity=100, sent=40)

    response = officer_client.post(
        reverse("admin:procurement_lot_return", args=[lot.pk]),
        {"hospital": hospital.pk, "quantity": 41, "reference": "RN-8"},
    )

    assert response.status_code == 200
    assert _messages(response) == [
        f"{hospital.name} holds 40 units of lot {lot.lot_number}; 41 were asked for."
    ]
    assert response.context["form"]["quantity"].value() == "41"
    assert response.context["form"]["reference"].value() == "RN-8"
    assert balance_of(lot, hospital_location(hospital)) == 40
    assert not lot.movements.filter(kind="return_from_hospital").exists()


# ---------------------------------------------------------------------------------------------
# Receiving shipments


def _receive_data(order, *lots, reference="AWB-778"):
    data = {
        "order": order.pk,
        "reference": reference,
        "received_at_0": "2024-03-01",
        "received_at_1": "10:30:00",
        "notes": "Two pallets",
        "lots-TOTAL_FORMS": str(len(lots)),
        "lots-INITIAL_FORMS": "0",
        "lots-MIN_NUM_FORMS": "0",
        "lots-MAX_NUM_FORMS": "1000",
    }
    for index, lot in enumerate(lots):
        data.update({f"lots-{index}-{key}": value for key, value in lot.items()})
    return data


def _lot_row(line, number: str, quantity: int) -> dict:
    return {
        "order_line": line.pk,
        "lot_number": number,
        "quantity": quantity,
        "manufactured_on": "2024-01-10",
        "expires_on": (timezone.localdate() + dt.timedelta(days=700)).isoformat(),
    }


def test_adding_a_shipment_goes_to_the_receive_page(officer_client):
    response = officer_client.get(_url(Shipment, "add"), {"order": "7"})

    assert response.status_code == 302
    assert response.url == reverse("admin:procurement_shipment_receive") + "?order=7"


def test_receiving_a_shipment_creates_quarantined_lots_in_the_warehouse(client, clerk, officer):
    order = factories.placed_order(actor=officer, quantity=1_000)
    line = order.lines.get()
    client.force_login(clerk)

    response = client.post(
        reverse("admin:procurement_shipment_receive") + f"?order={order.pk}",
        _receive_data(order, _lot_row(line, "L-1", 600), _lot_row(line, "L-2", 400)),
        follow=True,
    )

    shipment = Shipment.objects.get(order=order)
    assert response.wsgi_request.path == _url(Shipment, "change", shipment.pk)
    assert _messages(response) == ["Shipment AWB-778 received: 2 lot(s) in quarantine."]
    assert shipment.received_by == clerk
    lots = {lot.lot_number: lot for lot in shipment.lots.all()}
    assert {n: lot.status for n, lot in lots.items()} == {
        "L-1": LotStatus.QUARANTINED,
        "L-2": LotStatus.QUARANTINED,
    }
    assert balance_of(lots["L-1"], warehouse_location()) == 600
    assert balance_of(lots["L-2"], warehouse_location()) == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED


def test_receiving_more_than_ordered_shows_the_error_and_creates_nothing(officer_client, officer):
    order = factories.placed_order(actor=officer, quantity=1_000)
    line = order.lines.get()

    response = officer_client.post(
        reverse("admin:procurement_shipment_receive"),
        _receive_data(order, _lot_row(line, "L-1", 600), _lot_row(line, "L-2", 500)),
    )

    assert response.status_code == 200
    assert _messages(response) == [
        f"{line.product.name}: 1,100 units arriving but only 1,000 of the 1,000 ordered are "
        f"still open on {order.reference}."
    ]
    assert response.context["lots"].forms[1]["lot_number"].value() == "L-2"
    assert not Shipment.objects.exists()
    assert not Lot.objects.exists()
    assert not StockMovement.objects.exists()


def test_an_inspector_cannot_receive_shipments(client, inspector):
    client.force_login(inspector)

    response = client.get(reverse("admin:procurement_shipment_receive"))

    assert response.status_code == 403


# ---------------------------------------------------------------------------------------------
# Purchase orders


def _order_add_data(supplier, product, **line) -> dict:
    return {
        "reference": "PO-2024-001",
        "supplier": supplier.pk,
        "notes": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": product.pk,
        "lines-0-quantity": "5000",
        "lines-0-unit_price": "1.20",
        "lines-0-currency": line.get("currency", "EUR"),
        "lines-0-required_standard": product.claimed_standard.pk,
        "lines-0-intended_use": IntendedUse.MEDICAL,
        "lines-0-needed_by": "",
        "_save": "Save",
    }


def test_an_officer_creates_a_draft_order_through_the_service(officer_client, officer):
    supplier, product = factories.SupplierFactory(), factories.ProductFactory()

    response = officer_client.post(
        _url(PurchaseOrder, "add"), _order_add_data(supplier, product), follow=True
    )

    order = PurchaseOrder.objects.get(reference="PO-2024-001")
    assert response.wsgi_request.path == _url(PurchaseOrder, "changelist")
    assert (order.status, order.created_by) == (OrderStatus.DRAFT, officer)
    assert order.lines.get().quantity == 5000
    assert list(order.events.values_list("to_status", flat=True)) == [OrderStatus.DRAFT]


def test_an_order_the_service_refuses_is_shown_again_with_its_reason(officer_client):
    supplier, product = factories.SupplierFactory(), factories.ProductFactory()

    response = officer_client.post(
        _url(PurchaseOrder, "add"), _order_add_data(supplier, product, currency="EU")
    )

    assert response.status_code == 200
    assert "Line 1: the currency must be a three-letter code (EUR)." in str(
        response.context["adminform"].form.non_field_errors()
    )
    assert response.context["adminform"].form["reference"].value() == "PO-2024-001"
    assert not PurchaseOrder.objects.exists()
    assert not PurchaseOrderLine.objects.exists()


def _draft_order(officer, reference="PO-9"):
    supplier, product = factories.SupplierFactory(), factories.ProductFactory()
    line = services.OrderLineInput(
        product=product, quantity=10, unit_price=1, required_standard=product.claimed_standard
    )
    return services.order_create(
        supplier=supplier, reference=reference, lines=[line], actor=officer
    )


def test_place_selected_orders_records_the_reason(officer_client, officer):
    order = _draft_order(officer)

    response = _act(
        officer_client, PurchaseOrder, "place_orders", [order], reason="Tender 2020/14 awarded"
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert order.events.last().reason == "Tender 2020/14 awarded"
    assert _messages(response) == ["Placed: PO-9."]


def test_placing_orders_asks_for_a_reason_first_and_changes_nothing_without_one(
    officer_client, officer
):
    order = _draft_order(officer)

    asked = _act(officer_client, PurchaseOrder, "place_orders", [order])
    blank = _act(officer_client, PurchaseOrder, "place_orders", [order], reason="   ")

    assert asked.context["title"] == "Place purchase orders"
    assert "Say why" in blank.context["form"].errors["reason"][0]
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert not order.events.filter(to_status=OrderStatus.PLACED).exists()


def test_cancel_selected_orders_records_the_reason(officer_client, officer):
    order = factories.placed_order(actor=officer)

    _act(officer_client, PurchaseOrder, "cancel_orders", [order], reason="Supplier cannot deliver")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.events.last().reason == "Supplier cannot deliver"


def test_a_received_order_cannot_be_cancelled(officer_client, officer):
    lot = factories.received_lot(actor=officer)
    order = lot.shipment.order

    response = _act(officer_client, PurchaseOrder, "cancel_orders", [order], reason="Too late")

    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    assert _messages(response) == [
        f"Order {order.reference} is received; it cannot become cancelled."
    ]


def test_lines_of_a_placed_order_are_read_only(officer_client, officer):
    order = factories.placed_order(actor=officer)

    response = officer_client.get(_url(PurchaseOrder, "change", order.pk))

    line_formset = response.context["inline_admin_formsets"][0]
    assert not line_formset.has_change_permission
    assert not line_formset.has_add_permission
    assert "reference" not in response.context["adminform"].form.fields


def test_posting_a_changed_line_quantity_on_an_existing_draft_changes_nothing(
    officer_client, officer
):
    supplier, product = factories.SupplierFactory(), factories.ProductFactory()
    line_input = services.OrderLineInput(
        product=product, quantity=10, unit_price=1, required_standard=product.claimed_standard
    )
    order = services.order_create(
        supplier=supplier, reference="PO-7", lines=[line_input], actor=officer
    )
    line = order.lines.get()

    page = officer_client.get(_url(PurchaseOrder, "change", order.pk))
    response = officer_client.post(
        _url(PurchaseOrder, "change", order.pk),
        {
            "reference": "PO-7",
            "supplier": supplier.pk,
            "notes": "",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "1",
            "lines-0-id": line.pk,
            "lines-0-order": order.pk,
            "lines-0-product": product.pk,
            "lines-0-quantity": "99999",
            "lines-0-unit_price": "1.00",
            "lines-0-currency": "EU",
            "lines-0-required_standard": product.claimed_standard.pk,
            "lines-0-intended_use": IntendedUse.MEDICAL,
            **_empty_inlines("events"),
            "_save": "Save",
        },
    )

    line_formset = page.context["inline_admin_formsets"][0]
    assert page.status_code == 200
    assert not line_formset.has_add_permission
    assert not line_formset.has_change_permission
    assert not line_formset.has_delete_permission
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.quantity, line.currency) == (10, "EUR")


def test_a_clerk_does_not_see_order_actions(client, clerk):
    client.force_login(clerk)

    response = client.get(_url(PurchaseOrder))

    assert response.status_code == 200
    assert response.context["action_form"] is None


def test_searching_orders_by_product_lists_each_order_once_with_its_line_count(
    officer_client, officer
):
    order = factories.placed_order(actor=officer, product=factories.ProductFactory(name="Gown"))

    response = officer_client.get(_url(PurchaseOrder), {"q": "Gown"})

    assert [(o.pk, o.lines_count) for o in response.context["cl"].result_list] == [(order.pk, 1)]


def test_the_dispatch_page_finds_hospitals_by_name_for_a_clerk(client, clerk, hospital):
    client.force_login(clerk)

    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "procurement",
            "model_name": "distribution",
            "field_name": "hospital",
            "term": hospital.name[:8],
        },
    )

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(hospital.pk)]


def test_an_officer_adds_a_hospital_staff_member_to_a_hospital(
    officer_client, officer, hospital, inspector
):
    nurse = factories.UserFactory(username="nurse2", role=Role.HOSPITAL_STAFF)

    page = officer_client.get(_url(HospitalMembership, "add"))
    response = officer_client.post(
        _url(HospitalMembership, "add"),
        {"user": nurse.pk, "hospital": hospital.pk, "job_title": "Pharmacist", "_save": "Save"},
    )

    choices = list(page.context["adminform"].form.fields["user"].queryset)
    assert choices == [nurse]  # only hospital staff, not the officer or the inspector
    assert response.status_code == 302
    assert HospitalMembership.objects.get(user=nurse).hospital == hospital


def _empty_inlines(*prefixes: str) -> dict:
    return {
        f"{prefix}-{key}": value
        for prefix in prefixes
        for key, value in {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0"}.items()
    }


def test_correcting_a_lots_expiry_date_goes_through_the_action_with_a_reason(
    officer_client, officer
):
    lot = factories.released_lot(actor=officer)

    response = officer_client.post(
        _url(Lot, "changelist"),
        {
            "action": "correct_dates",
            "_selected_action": [lot.pk],
            "apply": "1",
            "manufactured_on": "2020-02-01",
            "expires_on": "2031-12-31",
            "reason": "expiry as printed on the cartons",
        },
    )

    assert response.status_code == 302
    lot.refresh_from_db()
    assert (lot.expires_on, lot.status) == (dt.date(2031, 12, 31), LotStatus.RELEASED)
    assert lot.events.get(kind="dates_corrected").reason == "expiry as printed on the cartons"


def _correct_dates(client, lot, **form):
    return client.post(
        _url(Lot),
        {"action": "correct_dates", ACTION_CHECKBOX_NAME: [lot.pk], "apply": "1", **form},
    )


def test_correcting_only_the_expiry_date_keeps_the_manufacturing_date(officer_client, officer):
    lot = factories.released_lot(actor=officer, manufactured_on=dt.date(2020, 2, 1))

    page = _act(officer_client, Lot, "correct_dates", [lot])
    response = _correct_dates(
        officer_client, lot, manufactured_on="", expires_on="2031-12-31", reason="As printed"
    )

    assert page.status_code == 200
    help_texts = {f.name: f.help_text for f in page.context["form"]}
    assert help_texts["manufactured_on"] == help_texts["expires_on"]
    assert help_texts["expires_on"] == "Leave blank to keep each lot's current date."
    assert response.status_code == 302
    lot.refresh_from_db()
    assert (lot.manufactured_on, lot.expires_on) == (dt.date(2020, 2, 1), dt.date(2031, 12, 31))
    event = lot.events.get(kind="dates_corrected")
    assert event.data["after"] == {"manufactured_on": "2020-02-01", "expires_on": "2031-12-31"}


def test_correcting_dates_with_both_dates_blank_asks_for_one_and_keeps_the_reason(
    officer_client, officer
):
    lot = factories.released_lot(actor=officer)
    before = (lot.manufactured_on, lot.expires_on)

    response = _correct_dates(
        officer_client, lot, manufactured_on="", expires_on="", reason="As printed"
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == ["Give the manufacturing date, the expiry date or both."]
    assert form["reason"].value() == "As printed"
    lot.refresh_from_db()
    assert (lot.manufactured_on, lot.expires_on) == before
    assert not lot.events.filter(kind="dates_corrected").exists()


def test_lot_dates_cannot_be_edited_on_the_change_form(officer_client, officer):
    lot = factories.released_lot(actor=officer)
    before = lot.expires_on

    response = officer_client.post(
        _url(Lot, "change", lot.pk),
        {
            "expires_on": "2031-12-31",
            "_save": "Save",
            **_empty_inlines("balances", "distributions", "movements", "events"),
        },
    )

    assert response.status_code == 302  # saved, with nothing to save: every field is read-only
    assert response.url == _url(Lot)
    lot.refresh_from_db()
    assert lot.expires_on == before


def test_an_officer_can_search_users_when_linking_staff_to_a_hospital(
    officer_client, hospital_user
):
    response = officer_client.get(
        "/admin/autocomplete/",
        {
            "term": "nur",
            "app_label": "procurement",
            "model_name": "hospitalmembership",
            "field_name": "user",
        },
    )

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["nurse"]


# ---------------------------------------------------------------------------------------------
# Hospital webhook secret


SECRET = "s3cret-hmac-key-of-the-hospital"


def _hospital_data(hospital, **changes) -> dict:
    return {
        "code": hospital.code,
        "name": hospital.name,
        "city": hospital.city,
        "region": hospital.region,
        "contact_email": hospital.contact_email,
        "language": hospital.language,
        "webhook_url": "https://hospital.example/hooks/recall",
        "webhook_secret": "",
        **_empty_inlines("memberships"),
        "_save": "Save",
        **changes,
    }


def test_an_inspector_never_sees_a_hospitals_webhook_secret(client, inspector):
    hospital = factories.HospitalFactory(webhook_secret=SECRET)
    client.force_login(inspector)

    page = client.get(_url(Hospital, "change", hospital.pk))
    listing = client.get(_url(Hospital))

    assert (page.status_code, listing.status_code) == (200, 200)
    for response in (page, listing):
        html = response.content.decode()
        assert SECRET not in html
        assert "webhook_secret" not in html
        assert "webhook secret" not in html.lower()


def test_an_officer_sees_the_webhook_secret_only_as_an_empty_password_field(officer_client):
    hospital = factories.HospitalFactory(webhook_secret=SECRET)

    response = officer_client.get(_url(Hospital, "change", hospital.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert SECRET not in html
    assert 'type="password" name="webhook_secret"' in html
    assert "A secret is set." in html
    form = response.context["adminform"].form
    assert {"code", "name", "contact_email", "webhook_url"} <= set(form.fields)


def test_an_officer_leaving_the_webhook_secret_blank_keeps_it(officer_client):
    hospital = factories.HospitalFactory(webhook_secret=SECRET)

    response = officer_client.post(
        _url(Hospital, "change", hospital.pk), _hospital_data(hospital, city="Zwolle")
    )

    assert response.status_code == 302
    hospital.refresh_from_db()
    assert (hospital.city, hospital.webhook_secret) == ("Zwolle", SECRET)


def test_an_officer_typing_a_new_webhook_secret_replaces_it(officer_client):
    hospital = factories.HospitalFactory(webhook_secret=SECRET)

    response = officer_client.post(
        _url(Hospital, "change", hospital.pk), _hospital_data(hospital, webhook_secret="rotated-2")
    )

    assert response.status_code == 302
    hospital.refresh_from_db()
    assert hospital.webhook_secret == "rotated-2"
