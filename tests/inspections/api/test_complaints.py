"""/api/v1/complaints/: hospitals report problems with their deliveries (`complaint_report`) and
see only their own; officers escalate (`complaint_escalate`) and close (`complaint_close`)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from core.roles import Role
from inspections import services
from inspections.models import Complaint, ComplaintStatus
from procurement import services as procurement
from procurement.models import LotStatus
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(officer, hospital):
    lot = factories.released_lot(actor=officer)
    return procurement.distribution_dispatch(
        lot=lot, hospital=hospital, quantity=200, actor=officer
    )


@pytest.fixture
def staff(hospital):
    return token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])


def report(delivery, actor, **fields) -> Complaint:
    values = {"category": "fit", "description": "The masks do not close.", "quantity_affected": 50}
    return services.complaint_report(distribution=delivery, actor=actor, **{**values, **fields})


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("IMG_0001.PNG", buffer.getvalue(), content_type="image/png")


# ---------------------------------------------------------------------------------------------
# Reporting


def test_hospital_staff_report_a_problem_with_their_delivery(delivery, staff):
    response = staff.post(
        "/api/v1/complaints/",
        {"distribution": delivery.pk, "category": "fit", "description": "They do not close.",
         "quantity_affected": 50},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == ComplaintStatus.OPEN and data["lot"] == delivery.lot_id
    assert data["hospital"] == delivery.hospital_id and data["has_photo"] is False
    assert [e["kind"] for e in data["events"]] == ["reported"]


def test_a_report_sent_twice_with_the_same_idempotency_key_is_recorded_once(delivery, staff):
    body = {"distribution": delivery.pk, "category": "fit", "description": "Loose straps.",
            "quantity_affected": 5}  # fmt: skip
    first = staff.post("/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    again = staff.post("/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Complaint.objects.count() == 1


def test_a_report_may_carry_a_photo_as_multipart(delivery, staff):
    response = staff.post(
        "/api/v1/complaints/",
        {"distribution": delivery.pk, "category": "fit", "description": "Loose straps.",
         "quantity_affected": 5, "photo": png()},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["has_photo"] is True
    assert Complaint.objects.get().photo.name.endswith(".png")


def test_a_report_with_missing_fields_or_an_unknown_category_is_a_400(delivery, staff):
    response = staff.post("/api/v1/complaints/", {"category": "smell"}, format="json")
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert {"distribution", "category", "description", "quantity_affected"} <= set(fields)


def test_more_units_affected_than_delivered_is_refused_by_the_service(delivery, staff):
    response = staff.post(
        "/api/v1/complaints/",
        {"distribution": delivery.pk, "category": "fit", "description": "x",
         "quantity_affected": 201},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "between 1 and the 200 units delivered" in error_of(response)["message"]
    assert not Complaint.objects.exists()


def test_another_hospitals_delivery_cannot_be_reported_on(delivery):
    other = token_client(Role.HOSPITAL_STAFF, hospitals=[factories.HospitalFactory()])
    response = other.post(
        "/api/v1/complaints/",
        {"distribution": delivery.pk, "category": "fit", "description": "x",
         "quantity_affected": 1},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "distribution" in error_of(response)["fields"]
    assert not Complaint.objects.exists()


def test_only_hospital_staff_report(delivery):
    body = {"distribution": delivery.pk, "category": "fit", "description": "x",
            "quantity_affected": 1}  # fmt: skip
    officer = token_client(Role.MINISTRY_OFFICER)
    assert officer.post("/api/v1/complaints/", body, format="json").status_code == 403
    assert APIClient().post("/api/v1/complaints/", body, format="json").status_code == 401


# ---------------------------------------------------------------------------------------------
# Reading


def test_hospital_staff_see_only_their_hospitals_complaints(delivery, hospital_user, officer):
    mine = report(delivery, hospital_user)
    other_hospital = factories.HospitalFactory()
    other_user = factories.HospitalMembershipFactory(hospital=other_hospital).user
    other_delivery = procurement.distribution_dispatch(
        lot=factories.released_lot(actor=officer), hospital=other_hospital, quantity=10,
        actor=officer,
    )  # fmt: skip
    theirs = report(other_delivery, other_user, quantity_affected=1)
    staff = token_client(Role.HOSPITAL_STAFF, hospitals=[delivery.hospital])
    rows = staff.get("/api/v1/complaints/").json()["results"]
    assert [r["id"] for r in rows] == [mine.pk]
    assert staff.get(f"/api/v1/complaints/{theirs.pk}/").status_code == 404
    assert (
        staff.post(
            f"/api/v1/complaints/{theirs.pk}/close/", {"resolution": "x"}, format="json"
        ).status_code
        == 403
    )  # the role may not close at all
    ministry = token_client(Role.INSPECTOR).get("/api/v1/complaints/").json()
    assert ministry["count"] == 2


def test_complaints_filter_by_status_hospital_and_date(delivery, hospital_user, officer):
    complaint = report(delivery, hospital_user)
    services.complaint_close(complaint=complaint, actor=officer, resolution="Checked: fine.")
    client = token_client(Role.MINISTRY_OFFICER)
    assert client.get("/api/v1/complaints/", {"status": "closed"}).json()["count"] == 1
    assert client.get("/api/v1/complaints/", {"status": "open"}).json()["count"] == 0
    other = factories.HospitalFactory()
    assert client.get("/api/v1/complaints/", {"hospital": other.pk}).json()["count"] == 0
    assert client.get("/api/v1/complaints/", {"reported_before": "2019-01-01"}).json()[
        "count"
    ] == 0  # fmt: skip
    assert client.get("/api/v1/complaints/", {"status": "lost"}).status_code == 400


def test_warehouse_clerks_may_not_read_complaints():
    assert token_client(Role.WAREHOUSE_CLERK).get("/api/v1/complaints/").status_code == 403


def test_complaint_list_runs_a_flat_number_of_queries(
    delivery, hospital_user, django_assert_max_num_queries
):
    client = token_client(Role.MINISTRY_OFFICER)
    for _ in range(3):
        report(delivery, hospital_user, quantity_affected=1)
    with django_assert_max_num_queries(10) as few:
        assert len(client.get("/api/v1/complaints/").json()["results"]) == 3
    for _ in range(27):
        report(delivery, hospital_user, quantity_affected=1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/complaints/").json()["results"]) == 30


# ---------------------------------------------------------------------------------------------
# Escalating and closing


def test_officer_escalates_a_complaint_the_lot_goes_on_hold(delivery, hospital_user):
    complaint = report(delivery, hospital_user)
    response = token_client(Role.MINISTRY_OFFICER).post(
        f"/api/v1/complaints/{complaint.pk}/escalate/",
        {"reason": "Several wards report it."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == ComplaintStatus.INVESTIGATING
    assert data["inspection_requested_at"] is not None
    delivery.lot.refresh_from_db()
    assert delivery.lot.status == LotStatus.ON_HOLD


def test_escalation_needs_a_reason_and_something_to_do(delivery, hospital_user):
    complaint = report(delivery, hospital_user)
    client = token_client(Role.MINISTRY_OFFICER)
    url = f"/api/v1/complaints/{complaint.pk}/escalate/"
    response = client.post(url, {}, format="json")
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"reason": ["This field is required."]}
    response = client.post(
        url, {"reason": "x", "hold_lot": False, "request_inspection": False}, format="json"
    )
    assert response.status_code == 400
    assert "Choose at least one" in error_of(response)["message"]


def test_officer_closes_a_complaint_once(delivery, hospital_user):
    complaint = report(delivery, hospital_user)
    client = token_client(Role.MINISTRY_OFFICER)
    url = f"/api/v1/complaints/{complaint.pk}/close/"
    assert client.post(url, {}, format="json").status_code == 400
    response = client.post(url, {"resolution": "Wrong size used."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == ComplaintStatus.CLOSED
    assert response.json()["resolution"] == "Wrong size used."
    response = client.post(url, {"resolution": "Again."}, format="json")
    assert response.status_code == 409
    escalate = client.post(
        f"/api/v1/complaints/{complaint.pk}/escalate/", {"reason": "late"}, format="json"
    )
    assert escalate.status_code == 409


def test_inspectors_and_hospital_staff_may_not_escalate_or_close(delivery, hospital_user, staff):
    complaint = report(delivery, hospital_user)
    for client in (token_client(Role.INSPECTOR), staff):
        url = f"/api/v1/complaints/{complaint.pk}/"
        assert client.post(url + "escalate/", {"reason": "x"}, format="json").status_code == 403
        assert client.post(url + "close/", {"resolution": "x"}, format="json").status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN
