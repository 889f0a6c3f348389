"""/api/v1/returns/: units hospitals shipped back, read by the warehouse, the ministry and the
shipping hospital; their arrival recorded by `hospital_return_receive`."""

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from inspections import services
from inspections.models import ReturnStatus
from tests import factories
from tests.api_helpers import error_of, token_client
from tests.inspections.recall_notices import issue_recall

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(officer, hospital):
    return issue_recall(officer, {hospital: (100,)})


def ship(issued, hospital, actor, quantity=80):
    return services.hospital_return_ship(
        notice=issued.notice(hospital), lot=issued.lot, quantity=quantity, actor=actor,
        reference="DHL 123",
    )  # fmt: skip


@pytest.fixture
def shipped(issued, hospital, hospital_user):
    return ship(issued, hospital, hospital_user)


def receive(client, hospital_return, body):
    return client.post(f"/api/v1/returns/{hospital_return.pk}/receive/", body, format="json")


def test_clerk_records_a_full_arrival(shipped):
    response = receive(token_client(Role.WAREHOUSE_CLERK), shipped, {"quantity_received": 80})
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == ReturnStatus.RECEIVED and data["quantity_received"] == 80
    assert data["discrepancy"] == 0 and data["received_by"].startswith("api:")


def test_a_short_arrival_needs_a_remark_and_shows_the_discrepancy(shipped):
    client = token_client(Role.WAREHOUSE_CLERK)
    response = receive(client, shipped, {"quantity_received": 75})
    assert response.status_code == 400
    shipped.refresh_from_db()
    assert shipped.status == ReturnStatus.SHIPPED
    response = receive(client, shipped, {"quantity_received": 75, "remark": "One box crushed."})
    assert response.status_code == 200
    assert response.json()["discrepancy"] == -5
    assert response.json()["receipt_remark"] == "One box crushed."


def test_a_receipt_needs_a_whole_number(shipped):
    client = token_client(Role.WAREHOUSE_CLERK)
    response = receive(client, shipped, {})
    assert error_of(response)["fields"] == {"quantity_received": ["This field is required."]}
    response = receive(client, shipped, {"quantity_received": -1})
    assert response.status_code == 400 and "quantity_received" in error_of(response)["fields"]


def test_a_return_is_received_once(shipped):
    client = token_client(Role.MINISTRY_OFFICER)
    assert receive(client, shipped, {"quantity_received": 80}).status_code == 200
    response = receive(client, shipped, {"quantity_received": 80})
    assert response.status_code == 409
    assert "already received" in error_of(response)["message"]


def test_hospitals_and_inspectors_may_not_record_arrivals(shipped, hospital):
    staff = token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])
    assert receive(staff, shipped, {"quantity_received": 80}).status_code == 403
    inspector = token_client(Role.INSPECTOR)
    assert receive(inspector, shipped, {"quantity_received": 80}).status_code == 403
    assert inspector.get("/api/v1/returns/").status_code == 403
    assert APIClient().get("/api/v1/returns/").status_code == 401
    shipped.refresh_from_db()
    assert shipped.status == ReturnStatus.SHIPPED


def test_hospital_staff_see_only_their_hospitals_returns(officer, shipped, hospital):
    other_hospital = factories.HospitalFactory()
    other_user = factories.HospitalMembershipFactory(hospital=other_hospital).user
    other = issue_recall(officer, {other_hospital: (50,)}, reference="RC-2020-002")
    theirs = ship(other, other_hospital, other_user, quantity=10)
    staff = token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])
    assert [r["id"] for r in staff.get("/api/v1/returns/").json()["results"]] == [shipped.pk]
    assert staff.get(f"/api/v1/returns/{theirs.pk}/").status_code == 404
    assert token_client(Role.WAREHOUSE_CLERK).get("/api/v1/returns/").json()["count"] == 2


def test_returns_filter_by_status_and_recall(shipped, issued):
    client = token_client(Role.WAREHOUSE_CLERK)
    assert client.get("/api/v1/returns/", {"status": "shipped"}).json()["count"] == 1
    assert client.get("/api/v1/returns/", {"status": "received"}).json()["count"] == 0
    assert client.get("/api/v1/returns/", {"recall": issued.recall.pk}).json()["count"] == 1
    assert client.get("/api/v1/returns/", {"shipped_before": "2019-12-31"}).json()["count"] == 0


def test_return_list_runs_a_flat_number_of_queries(
    issued, hospital, hospital_user, django_assert_max_num_queries
):
    client = token_client(Role.WAREHOUSE_CLERK)
    for _ in range(3):
        ship(issued, hospital, hospital_user, quantity=1)
    with django_assert_max_num_queries(8) as few:
        assert len(client.get("/api/v1/returns/").json()["results"]) == 3
    for _ in range(27):
        ship(issued, hospital, hospital_user, quantity=1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/returns/").json()["results"]) == 30
