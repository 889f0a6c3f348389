"""Distributions over the API: cursor-paged and scoped (hospital staff see their hospitals'
deliveries; another hospital's answers 404), dispatch by the warehouse, receipt confirmed and use
recorded by the receiving hospital."""

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from procurement import services
from procurement.models import Distribution, LotStatus
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def lot(officer):
    return factories.released_lot(quantity=1_000, actor=officer)


@pytest.fixture
def delivery(lot, hospital, officer) -> Distribution:
    return services.distribution_dispatch(lot=lot, hospital=hospital, quantity=300, actor=officer)


@pytest.fixture
def staff(hospital):
    return token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])


# ---------------------------------------------------------------------------------------------
# Dispatch


@pytest.mark.parametrize("role", [Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER])
def test_warehouse_dispatches_released_stock(role, lot, hospital):
    response = token_client(role).post(
        "/api/v1/distributions/",
        {"lot": lot.pk, "hospital": hospital.pk, "quantity": 250, "note": "Truck 7"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["lot"], body["hospital"], body["quantity"]) == (lot.pk, hospital.pk, 250)
    assert body["status"] == Distribution.Status.DISPATCHED and body["discrepancy"] is None
    assert body["hospital_code"] == hospital.code and body["lot_number"] == lot.lot_number


def test_dispatch_of_more_than_the_warehouse_holds_is_a_409_and_moves_nothing(lot, hospital):
    response = token_client(Role.WAREHOUSE_CLERK).post(
        "/api/v1/distributions/", {"lot": lot.pk, "hospital": hospital.pk, "quantity": 1_001}
    )
    assert response.status_code == 409
    assert not Distribution.objects.exists()


def test_dispatch_of_a_held_lot_is_an_illegal_transition(lot, hospital, officer):
    services.lot_hold(lot=lot, actor=officer, reason="Complaint")
    response = token_client(Role.WAREHOUSE_CLERK).post(
        "/api/v1/distributions/", {"lot": lot.pk, "hospital": hospital.pk, "quantity": 10}
    )
    assert response.status_code == 409
    assert "only released stock" in error_of(response)["message"]


def test_dispatch_with_bad_input_is_a_400_naming_the_fields(lot):
    response = token_client(Role.WAREHOUSE_CLERK).post(
        "/api/v1/distributions/", {"lot": lot.pk, "hospital": 999_999, "quantity": 0}
    )
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"hospital", "quantity"}


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.HOSPITAL_STAFF])
def test_dispatch_is_refused_to_other_roles(role, lot, hospital):
    client = token_client(role, hospitals=[hospital] if role == Role.HOSPITAL_STAFF else [])
    response = client.post(
        "/api/v1/distributions/", {"lot": lot.pk, "hospital": hospital.pk, "quantity": 10}
    )
    assert response.status_code == 403
    assert error_of(response)["message"] == (
        "Only a warehouse clerk or a ministry officer may dispatch stock."
    )


# ---------------------------------------------------------------------------------------------
# Reading, scoped


def test_hospital_staff_see_only_their_hospitals_deliveries(delivery, staff, lot, officer):
    other = services.distribution_dispatch(
        lot=lot, hospital=factories.HospitalFactory(), quantity=10, actor=officer
    )
    response = staff.get("/api/v1/distributions/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [delivery.pk]
    assert staff.get(f"/api/v1/distributions/{delivery.pk}/").status_code == 200
    refused = staff.get(f"/api/v1/distributions/{other.pk}/")
    assert refused.status_code == 404 and error_of(refused)["code"] == "not_found"


def test_ministry_roles_see_all_deliveries_and_filter_them(delivery, lot, officer):
    second = services.distribution_dispatch(
        lot=lot, hospital=factories.HospitalFactory(), quantity=10, actor=officer
    )
    client = token_client(Role.INSPECTOR)
    everything = client.get("/api/v1/distributions/").json()["results"]
    assert [row["id"] for row in everything] == [second.pk, delivery.pk]  # newest first
    only = client.get(f"/api/v1/distributions/?hospital={second.hospital_id}").json()
    assert [row["id"] for row in only["results"]] == [second.pk]
    by_lot = client.get(f"/api/v1/distributions/?lot={lot.pk}&status=dispatched").json()
    assert len(by_lot["results"]) == 2
    none = client.get("/api/v1/distributions/?dispatched_before=2000-01-01").json()
    assert none["results"] == []


def test_distributions_are_cursor_paged(lot, officer):
    services.distribution_dispatch_many(
        lot=lot, rows=[(factories.HospitalFactory(), 1) for _ in range(5)], actor=officer
    )
    client = token_client(Role.MINISTRY_OFFICER)
    first = client.get("/api/v1/distributions/?page_size=3").json()
    assert len(first["results"]) == 3 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True)


def test_distributions_need_sign_in():
    assert APIClient().get("/api/v1/distributions/").status_code == 401


def test_distributions_list_runs_the_same_queries_for_more_rows(lot, officer, assert_flat_queries):
    hospitals = factories.HospitalFactory.create_batch(3)
    services.distribution_dispatch_many(lot=lot, rows=[(h, 1) for h in hospitals], actor=officer)
    more = factories.HospitalFactory.create_batch(27)
    assert_flat_queries(
        token_client(Role.MINISTRY_OFFICER),
        "/api/v1/distributions/?page_size=100",
        lambda: services.distribution_dispatch_many(
            lot=lot, rows=[(h, 1) for h in more], actor=officer
        ),
        lambda body: len(body["results"]),
    )


# ---------------------------------------------------------------------------------------------
# Receipt and use, by the receiving hospital


def test_receiving_hospital_confirms_the_count(delivery, staff):
    response = staff.post(
        f"/api/v1/distributions/{delivery.pk}/confirm-receipt/", {"quantity_received": 300}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Distribution.Status.CONFIRMED
    assert body["quantity_received"] == 300 and body["discrepancy"] == 0


def test_a_different_count_needs_a_remark_and_is_kept(delivery, staff):
    url = f"/api/v1/distributions/{delivery.pk}/confirm-receipt/"
    refused = staff.post(url, {"quantity_received": 280})
    assert refused.status_code == 400
    delivery.refresh_from_db()
    assert delivery.status == Distribution.Status.DISPATCHED
    response = staff.post(url, {"quantity_received": 280, "remark": "Two cartons missing"})
    assert response.json()["discrepancy"] == -20
    assert response.json()["receipt_remark"] == "Two cartons missing"


def test_a_delivery_is_confirmed_once(delivery, staff):
    url = f"/api/v1/distributions/{delivery.pk}/confirm-receipt/"
    staff.post(url, {"quantity_received": 300})
    again = staff.post(url, {"quantity_received": 300})
    assert again.status_code == 409
    assert "already confirmed" in error_of(again)["message"]


def test_confirm_receipt_with_a_negative_count_is_a_400(delivery, staff):
    response = staff.post(
        f"/api/v1/distributions/{delivery.pk}/confirm-receipt/", {"quantity_received": -1}
    )
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["quantity_received"]


def test_another_hospitals_staff_cannot_confirm_and_the_warehouse_may_not(delivery):
    stranger = token_client(Role.HOSPITAL_STAFF, hospitals=[factories.HospitalFactory()])
    url = f"/api/v1/distributions/{delivery.pk}/confirm-receipt/"
    assert stranger.post(url, {"quantity_received": 300}).status_code == 404
    clerk = token_client(Role.WAREHOUSE_CLERK).post(url, {"quantity_received": 300})
    assert clerk.status_code == 403


def test_hospital_records_use_of_its_delivery(delivery, staff):
    response = staff.post(f"/api/v1/distributions/{delivery.pk}/record-use/", {"quantity": 40})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "distribution": delivery.pk,
        "lot": delivery.lot_id,
        "hospital": delivery.hospital_id,
        "quantity": 40,
        "on_hand": 260,
    }


def test_use_beyond_what_the_hospital_holds_is_a_409(delivery, staff):
    response = staff.post(f"/api/v1/distributions/{delivery.pk}/record-use/", {"quantity": 301})
    assert response.status_code == 409


def test_use_of_a_recalled_lot_is_refused(delivery, staff, officer):
    services.lot_recall(lot=delivery.lot, actor=officer, reason="Failed")
    assert delivery.lot.__class__.objects.get(pk=delivery.lot_id).status == LotStatus.RECALLED
    response = staff.post(f"/api/v1/distributions/{delivery.pk}/record-use/", {"quantity": 1})
    assert response.status_code == 409
    assert "stop using it" in error_of(response)["message"]


def test_record_use_checks_shape_and_roles(delivery, staff):
    url = f"/api/v1/distributions/{delivery.pk}/record-use/"
    assert staff.post(url, {"quantity": "many"}).status_code == 400
    assert token_client(Role.WAREHOUSE_CLERK).post(url, {"quantity": 1}).status_code == 403
    officer_answer = token_client(Role.MINISTRY_OFFICER).post(url, {"quantity": 1})
    assert officer_answer.status_code == 200


def test_a_retried_dispatch_with_the_same_idempotency_key_dispatches_once(lot, hospital):
    client = token_client(Role.WAREHOUSE_CLERK)
    body = {"lot": lot.pk, "hospital": hospital.pk, "quantity": 100}
    first = client.post("/api/v1/distributions/", body, HTTP_IDEMPOTENCY_KEY="truck-7")
    again = client.post("/api/v1/distributions/", body, HTTP_IDEMPOTENCY_KEY="truck-7")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Distribution.objects.count() == 1
