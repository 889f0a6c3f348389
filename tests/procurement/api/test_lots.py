"""Lots over the API: the lean list with its filters, and the actions (release, hold, reject,
recall, dispose, correct-dates), each calling its service: roles, bad input, illegal moves."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from procurement import selectors, services
from procurement.api.serializers import LotSerializer
from procurement.models import LocationKind, Lot, LotEvent, LotStatus, ReleaseBasis
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client():
    return token_client(Role.MINISTRY_OFFICER)


def lots_of_one_shipment(count: int, *, officer) -> list[Lot]:
    """`count` quarantined lots received in one shipment (quicker than an order each)."""
    order = factories.placed_order(quantity=count * 10, actor=officer)
    line = order.lines.get()
    shipment = services.shipment_receive(
        order=order,
        reference=f"AWB-{order.pk}",
        lots=[
            services.LotInput(order_line=line, lot_number=f"B{order.pk}-{n:03d}", quantity=10)
            for n in range(count)
        ],
        actor=officer,
    )
    return list(shipment.lots.all())


def dispatched_lot(officer, hospital, *, quantity=1_000, sent=400) -> Lot:
    lot = factories.released_lot(quantity=quantity, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=sent, actor=officer)
    return lot


# ---------------------------------------------------------------------------------------------
# Reading


def test_lot_detail_shows_status_product_and_supplier(officer_client):
    lot = factories.received_lot()
    body = officer_client.get(f"/api/v1/lots/{lot.pk}/").json()
    assert body["status"] == LotStatus.QUARANTINED and body["release_basis"] == ""
    assert body["product"] == lot.order_line.product.sku
    assert body["supplier"] == lot.shipment.order.supplier_id


def test_lots_are_refused_to_hospital_staff_and_visitors(hospital):
    lot = factories.received_lot()
    staff = token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])
    assert staff.get("/api/v1/lots/").status_code == 403
    assert staff.get(f"/api/v1/lots/{lot.pk}/traceability/").status_code == 403
    assert APIClient().get("/api/v1/lots/").status_code == 401


def test_lots_filter_by_several_statuses_supplier_and_dates(officer_client, officer):
    held = factories.received_lot(actor=officer)
    services.lot_hold(lot=held, actor=officer, reason="Complaint")
    released = factories.released_lot(actor=officer)
    factories.received_lot(actor=officer)
    response = officer_client.get("/api/v1/lots/?status=on_hold&status=released")
    assert {row["id"] for row in response.json()["results"]} == {held.pk, released.pk}
    supplier = held.shipment.order.supplier_id
    response = officer_client.get(f"/api/v1/lots/?supplier={supplier}")
    assert [row["id"] for row in response.json()["results"]] == [held.pk]
    today = dt.date.today().isoformat()
    assert officer_client.get(f"/api/v1/lots/?received_after={today}").json()["count"] == 3
    assert officer_client.get("/api/v1/lots/?received_before=2000-01-01").json()["count"] == 0
    bad = officer_client.get("/api/v1/lots/?received_after=yesterday")
    assert bad.status_code == 400 and "received" in str(error_of(bad)["fields"])


def test_lots_are_ordered_as_asked(officer_client, officer):
    lots = lots_of_one_shipment(3, officer=officer)
    response = officer_client.get("/api/v1/lots/?ordering=-lot_number")
    assert [row["lot_number"] for row in response.json()["results"]] == sorted(
        (lot.lot_number for lot in lots), reverse=True
    )


def test_lots_list_runs_one_query_for_the_page_whatever_its_size(
    officer_client, officer, assert_flat_queries
):
    lots_of_one_shipment(3, officer=officer)
    assert_flat_queries(
        officer_client,
        "/api/v1/lots/?page_size=100",
        lambda: [
            lots_of_one_shipment(50, officer=officer),
            lots_of_one_shipment(47, officer=officer),
        ],
        lambda body: len(body["results"]),
    )


# ---------------------------------------------------------------------------------------------
# Release


def test_inspector_releases_on_an_accepted_inspection():
    lot = factories.received_lot()
    response = token_client(Role.INSPECTOR).post(
        f"/api/v1/lots/{lot.pk}/release/",
        {"basis": "inspection", "reason": "Inspection IR-7 accepted"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == LotStatus.RELEASED
    assert response.json()["release_basis"] == ReleaseBasis.INSPECTION


def test_release_on_documents_is_an_officers_act_with_a_reason(officer_client):
    lot = factories.received_lot()
    url = f"/api/v1/lots/{lot.pk}/release/"
    refused = token_client(Role.INSPECTOR).post(url, {"basis": "documents", "reason": "urgent"})
    assert refused.status_code == 403
    assert "release a lot on documents" in error_of(refused)["message"]
    blank = officer_client.post(url, {"basis": "documents", "reason": " "})
    assert blank.status_code == 400
    response = officer_client.post(url, {"basis": "documents", "reason": "ICU shortage"})
    assert response.status_code == 200
    assert response.json()["release_basis"] == ReleaseBasis.DOCUMENTS


def test_release_of_a_mismatched_lot_needs_the_officers_override(officer_client, officer):
    kn95 = factories.StandardFactory(code="GB 2626 KN95", is_medical=False)
    product = factories.ProductFactory(claimed_standard=kn95)
    order = factories.placed_order(product=product, actor=officer)
    lot = factories.received_lot(order=order, actor=officer)
    url = f"/api/v1/lots/{lot.pk}/release/"
    body = {"basis": "documents", "reason": "Emergency"}
    refused = officer_client.post(url, body)
    assert refused.status_code == 409
    assert "intended-use mismatch" in error_of(refused)["message"]
    response = officer_client.post(url, {**body, "mismatch_override": "Only non-ICU wards"})
    assert response.status_code == 200 and response.json()["status"] == LotStatus.RELEASED


def test_release_with_an_unknown_basis_is_a_400_naming_it(officer_client):
    lot = factories.received_lot()
    response = officer_client.post(
        f"/api/v1/lots/{lot.pk}/release/", {"basis": "hope", "reason": "x"}
    )
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["basis"]


def test_held_lot_cannot_be_released_on_documents(officer_client, officer):
    lot = factories.received_lot(actor=officer)
    services.lot_hold(lot=lot, actor=officer, reason="Complaint")
    response = officer_client.post(
        f"/api/v1/lots/{lot.pk}/release/", {"basis": "documents", "reason": "Urgent"}
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "illegal_transition"


def test_clerk_may_not_release_and_hears_who_may():
    lot = factories.received_lot()
    response = token_client(Role.WAREHOUSE_CLERK).post(
        f"/api/v1/lots/{lot.pk}/release/", {"basis": "inspection", "reason": "x"}
    )
    assert response.status_code == 403
    assert error_of(response)["message"] == (
        "Only a ministry officer or an inspector may release a lot."
    )


# ---------------------------------------------------------------------------------------------
# Reject, recall, dispose


def test_inspector_rejects_a_lot_that_never_left_the_warehouse():
    lot = factories.received_lot()
    response = token_client(Role.INSPECTOR).post(
        f"/api/v1/lots/{lot.pk}/reject/", {"reason": "Filtration 62 %"}
    )
    assert response.status_code == 200 and response.json()["status"] == LotStatus.REJECTED


def test_dispatched_lot_cannot_be_rejected_but_is_recalled(officer_client, officer, hospital):
    lot = dispatched_lot(officer, hospital)
    reject = officer_client.post(f"/api/v1/lots/{lot.pk}/reject/", {"reason": "Failed"})
    assert reject.status_code == 409
    assert "must be recalled" in error_of(reject)["message"]
    recall = officer_client.post(f"/api/v1/lots/{lot.pk}/recall/", {"reason": "Failed twice"})
    assert recall.status_code == 200 and recall.json()["status"] == LotStatus.RECALLED


def test_lot_never_dispatched_cannot_be_recalled(officer_client):
    lot = factories.released_lot()
    response = officer_client.post(f"/api/v1/lots/{lot.pk}/recall/", {"reason": "Failed"})
    assert response.status_code == 409


def test_only_an_officer_recalls():
    lot = factories.released_lot()
    response = token_client(Role.INSPECTOR).post(
        f"/api/v1/lots/{lot.pk}/recall/", {"reason": "Failed"}
    )
    assert response.status_code == 403
    assert error_of(response)["message"] == "Only a ministry officer may recall a lot."


def test_officer_destroys_a_rejected_lots_stock(officer_client, officer):
    lot = factories.received_lot(quantity=300, actor=officer)
    services.lot_reject(lot=lot, actor=officer, reason="Failed")
    response = officer_client.post(
        f"/api/v1/lots/{lot.pk}/dispose/",
        {"method": "destroyed", "reason": "Unsafe", "reference": "DC-1"},
    )
    assert response.status_code == 200 and response.json()["status"] == LotStatus.DISPOSED
    assert lot.balances.get(location__kind=LocationKind.DESTROYED).quantity == 300


def test_dispose_needs_a_known_method_and_a_decided_lot(officer_client):
    lot = factories.received_lot()
    url = f"/api/v1/lots/{lot.pk}/dispose/"
    bad = officer_client.post(url, {"method": "burn", "reason": "x"})
    assert bad.status_code == 400 and "method" in error_of(bad)["fields"]
    early = officer_client.post(url, {"method": "supplier", "reason": "x"})
    assert early.status_code == 409


# ---------------------------------------------------------------------------------------------
# Dates


def test_correct_dates_keeps_a_date_left_out_and_clears_a_null(officer_client, officer):
    lot = factories.received_lot(actor=officer, manufactured_on=dt.date(2020, 2, 1))
    url = f"/api/v1/lots/{lot.pk}/correct-dates/"
    response = officer_client.post(
        url, {"expires_on": "2022-02-01", "reason": "As printed on the cartons"}
    )
    assert response.status_code == 200
    assert response.json()["manufactured_on"] == "2020-02-01"
    assert response.json()["expires_on"] == "2022-02-01"
    response = officer_client.post(url, {"manufactured_on": None, "reason": "Unknown"})
    assert response.json()["manufactured_on"] is None
    assert response.json()["expires_on"] == "2022-02-01"
    assert lot.events.filter(kind=LotEvent.Kind.DATES_CORRECTED).count() == 2


def test_correct_dates_refuses_an_expiry_before_manufacture_and_other_roles(officer_client):
    lot = factories.received_lot(manufactured_on=dt.date(2020, 2, 1))
    url = f"/api/v1/lots/{lot.pk}/correct-dates/"
    body = {"expires_on": "2019-01-01", "reason": "typo"}
    assert officer_client.post(url, body).status_code == 400
    assert token_client(Role.INSPECTOR).post(url, body).status_code == 403
    assert officer_client.post(url, {"expires_on": "soon", "reason": "x"}).status_code == 400
    lot.refresh_from_db()
    assert lot.expires_on != dt.date(2019, 1, 1)


def test_unknown_lot_is_a_404_for_actions(officer_client):
    response = officer_client.post("/api/v1/lots/999999/reject/", {"reason": "x"})
    assert response.status_code == 404


def test_lot_events_list_the_actions_newest_first(officer_client):
    lot = factories.received_lot()
    officer_client.post(f"/api/v1/lots/{lot.pk}/hold/", {"reason": "Complaint"})
    events = officer_client.get(f"/api/v1/lots/{lot.pk}/events/").json()["results"]
    assert [e["to_status"] for e in events] == [LotStatus.ON_HOLD, LotStatus.QUARANTINED]
    assert events[0]["reason"] == "Complaint"


@pytest.mark.parametrize("released", [False, True])
def test_lot_row_built_directly_equals_what_its_declared_fields_give(released, officer):
    made = factories.released_lot(actor=officer) if released else factories.received_lot()
    if not released:
        services.lot_correct_dates(
            lot=made, actor=officer, manufactured_on=None, expires_on=None, reason="Unknown"
        )
    lot = selectors.lots_for_list().get(pk=made.pk)
    serializer = LotSerializer()
    generic = super(LotSerializer, serializer).to_representation(lot)
    assert serializer.to_representation(lot) == generic
    assert list(serializer.to_representation(lot)) == LotSerializer.Meta.fields


def test_lots_are_found_by_their_number_in_any_case(officer_client, officer):
    wanted = factories.received_lot(lot_number="KN95-A")
    factories.received_lot(lot_number="KN95-AB")
    rows = officer_client.get("/api/v1/lots/", {"lot_number": "kn95-a"}).json()["results"]
    assert [row["id"] for row in rows] == [wanted.pk]
