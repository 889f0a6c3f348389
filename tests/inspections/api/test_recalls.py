"""/api/v1/recalls/: officers prepare, issue, follow and close recalls through the recall
services; inspectors read them; the effectiveness and the notices of a recall are sub-lists."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.roles import Role
from inspections import services
from inspections.models import Notice, Recall, RecallStatus
from procurement import services as procurement
from procurement.models import LotStatus
from tests import factories
from tests.api_helpers import error_of, token_client
from tests.inspections.recall_notices import answer, issue_recall

pytestmark = pytest.mark.django_db

DEADLINE = (timezone.localdate() + dt.timedelta(days=7)).isoformat()


@pytest.fixture
def dispatched(officer, hospital):
    """A released lot with 200 units at a hospital: recallable."""
    lot = factories.released_lot(actor=officer)
    procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=200, actor=officer)
    return lot


def draft_body(lots, coordinator, **fields) -> dict:
    return {
        "reference": "RC-2020-001",
        "lots": [lot.pk for lot in lots],
        "reason": "Filter membrane fails.",
        "hazard": "Staff are not protected.",
        "recall_class": "I",
        "response_deadline": DEADLINE,
        "coordinator": coordinator.pk,
        **fields,
    }


def draft(officer, lots, reference="RC-2020-001") -> Recall:
    return services.recall_create(
        reference=reference, lots=lots, reason="Filter membrane fails.",
        hazard="Staff are not protected.", recall_class="I",
        response_deadline=timezone.localdate() + dt.timedelta(days=7),
        coordinator=officer, actor=officer,
    )  # fmt: skip


def post(client, url, body=None):
    return client.post(url, body or {}, format="json")


# ---------------------------------------------------------------------------------------------
# Preparing and issuing


def test_officer_prepares_a_draft_recall(dispatched, officer):
    response = post(token_client(Role.MINISTRY_OFFICER), "/api/v1/recalls/",
                    draft_body([dispatched], officer))  # fmt: skip
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == RecallStatus.DRAFT and data["lots"] == [dispatched.pk]
    assert data["coordinator"] == officer.pk and data["coordinator_email"] == officer.email
    assert data["depth"] == "ward" and data["action"] == "return"
    dispatched.refresh_from_db()
    assert dispatched.status == LotStatus.RELEASED  # nothing happens until it is issued


def test_draft_with_missing_fields_or_unknown_choices_is_a_400(dispatched, officer):
    client = token_client(Role.MINISTRY_OFFICER)
    response = post(client, "/api/v1/recalls/", {"recall_class": "IV", "lots": []})
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert {"reference", "lots", "reason", "hazard", "recall_class", "response_deadline"} <= set(
        fields
    )
    beyond = {**draft_body([dispatched], officer), "lots": [2**80]}
    response = post(client, "/api/v1/recalls/", beyond)
    assert response.status_code == 400
    assert "lots" in error_of(response)["fields"]


def test_service_refusals_of_a_draft_are_400s_and_create_nothing(dispatched, officer):
    client = token_client(Role.MINISTRY_OFFICER)
    past = draft_body([dispatched], officer, response_deadline="2020-01-01")
    response = post(client, "/api/v1/recalls/", past)
    assert response.status_code == 400
    assert "cannot be in the past" in error_of(response)["message"]
    # The token's own user has no e-mail address: it cannot coordinate.
    body = draft_body([dispatched], officer)
    del body["coordinator"]
    response = post(client, "/api/v1/recalls/", body)
    assert response.status_code == 400
    assert "coordinator needs an e-mail address" in error_of(response)["message"]
    assert not Recall.objects.exists()


def test_a_quarantined_lot_cannot_be_recalled(officer):
    lot = factories.received_lot(actor=officer)
    response = post(token_client(Role.MINISTRY_OFFICER), "/api/v1/recalls/",
                    draft_body([lot], officer))  # fmt: skip
    assert response.status_code == 409
    assert "only released, on-hold or recalled lots" in error_of(response)["message"]


def test_issuing_recalls_the_lots_and_notifies_every_hospital(dispatched, officer, hospital):
    recall = draft(officer, [dispatched])
    client = token_client(Role.MINISTRY_OFFICER)
    response = post(client, f"/api/v1/recalls/{recall.pk}/issue/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == RecallStatus.ISSUED
    assert response.json()["issued_at"] is not None
    dispatched.refresh_from_db()
    assert dispatched.status == LotStatus.RECALLED
    assert Notice.objects.get().hospital == hospital
    again = post(client, f"/api/v1/recalls/{recall.pk}/issue/")
    assert again.status_code == 409
    assert "issued; it cannot become issued" in error_of(again)["message"]


def test_inspectors_read_recalls_but_may_not_prepare_or_issue_them(dispatched, officer):
    recall = draft(officer, [dispatched])
    inspector = token_client(Role.INSPECTOR)
    assert inspector.get(f"/api/v1/recalls/{recall.pk}/").status_code == 200
    assert post(inspector, "/api/v1/recalls/", draft_body([dispatched], officer)).status_code == (
        403
    )
    assert post(inspector, f"/api/v1/recalls/{recall.pk}/issue/").status_code == 403
    recall.refresh_from_db()
    assert recall.status == RecallStatus.DRAFT


def test_hospitals_and_clerks_may_not_read_recalls(hospital):
    for client in (
        token_client(Role.HOSPITAL_STAFF, hospitals=[hospital]),
        token_client(Role.WAREHOUSE_CLERK),
    ):
        assert client.get("/api/v1/recalls/").status_code == 403
    assert APIClient().get("/api/v1/recalls/").status_code == 401


def test_cancel_needs_a_reason_and_only_drafts_are_cancelled(dispatched, officer, hospital):
    recall = draft(officer, [dispatched])
    client = token_client(Role.MINISTRY_OFFICER)
    url = f"/api/v1/recalls/{recall.pk}/cancel/"
    assert post(client, url).status_code == 400
    response = post(client, url, {"reason": "Prepared by mistake."})
    assert response.status_code == 200 and response.json()["status"] == RecallStatus.CANCELLED
    issued = issue_recall(officer, {hospital: (10,)}, reference="RC-2020-002").recall
    response = post(client, f"/api/v1/recalls/{issued.pk}/cancel/", {"reason": "x"})
    assert response.status_code == 409


# ---------------------------------------------------------------------------------------------
# Following and closing


def test_closing_moves_and_reopening(officer, hospital):
    recall = issue_recall(officer, {hospital: (200,)}).recall
    client = token_client(Role.MINISTRY_OFFICER)
    base = f"/api/v1/recalls/{recall.pk}"
    response = post(client, f"{base}/start-closing/")
    assert response.status_code == 200 and response.json()["status"] == RecallStatus.CLOSING
    assert post(client, f"{base}/reopen/").status_code == 400  # a reason is required
    response = post(client, f"{base}/reopen/", {"reason": "A ward found more boxes."})
    assert response.status_code == 200 and response.json()["status"] == RecallStatus.ISSUED
    assert post(client, f"{base}/reopen/", {"reason": "x"}).status_code == 409
    events = client.get(f"{base}/events/").json()
    assert [e["to_status"] for e in events] == ["draft", "issued", "closing", "issued"]


def test_closing_with_a_gap_needs_a_reason(officer, hospital):
    recall = issue_recall(officer, {hospital: (200,)}).recall
    client = token_client(Role.MINISTRY_OFFICER)
    url = f"/api/v1/recalls/{recall.pk}/close/"
    response = post(client, url)
    assert response.status_code == 400
    assert "1 of 1 hospital has not answered" in error_of(response)["message"]
    response = post(client, url, {"reason": "The hospital closed; stock destroyed by the city."})
    assert response.status_code == 200
    assert response.json()["status"] == RecallStatus.CLOSED
    assert post(client, url, {"reason": "again"}).status_code == 409


def test_effectiveness_shows_who_answered_and_where_the_units_are(officer, hospital, hospital_user):
    issued = issue_recall(officer, {hospital: (200,)})
    notice = issued.notice(hospital)
    answer(notice, hospital_user, {issued.lot: (150, 50, 0)})
    response = token_client(Role.INSPECTOR).get(
        f"/api/v1/recalls/{issued.recall.pk}/effectiveness/"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["hospitals_notified"] == 1 and data["hospitals_answered"] == 1
    assert data["all_answered"] is True
    assert data["units"]["delivered"] == 200 and data["units"]["used"] == 50
    assert data["units"]["held"] == 150 and data["units"]["reported_on_hand"] == 150
    [row] = data["hospitals"]
    assert row["notice_id"] == notice.pk and row["answered"] is True
    assert data["gaps"] == ["150 units are still at hospitals (asked: stop use and return to the "
                            "central warehouse)"]  # fmt: skip


def test_a_recalls_notices_are_cursor_paged(officer):
    hospitals = [factories.HospitalFactory() for _ in range(3)]
    recall = issue_recall(officer, dict.fromkeys(hospitals, (10,))).recall
    client = token_client(Role.MINISTRY_OFFICER)
    first = client.get(f"/api/v1/recalls/{recall.pk}/notices/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    seen = {n["hospital"] for n in first["results"] + second["results"]}
    assert seen == {h.pk for h in hospitals}


def test_recalls_filter_by_status_and_lot(dispatched, officer, hospital):
    recall = draft(officer, [dispatched])
    other = issue_recall(officer, {hospital: (10,)}, reference="RC-2020-002").recall
    client = token_client(Role.MINISTRY_OFFICER)
    rows = client.get("/api/v1/recalls/", {"status": "draft"}).json()["results"]
    assert [r["id"] for r in rows] == [recall.pk]
    rows = client.get("/api/v1/recalls/", {"lot": dispatched.pk}).json()["results"]
    assert [r["id"] for r in rows] == [recall.pk]
    rows = client.get("/api/v1/recalls/", {"ordering": "reference"}).json()["results"]
    assert [r["id"] for r in rows] == [recall.pk, other.pk]


def test_recall_list_runs_a_flat_number_of_queries(officer, django_assert_max_num_queries):
    def make(count, start):
        for index in range(start, start + count):
            lot = factories.released_lot(actor=officer)
            procurement.distribution_dispatch(
                lot=lot, hospital=factories.HospitalFactory(), quantity=5, actor=officer
            )
            draft(officer, [lot], reference=f"RC-{index:03d}")

    client = token_client(Role.MINISTRY_OFFICER)
    make(3, 0)
    with django_assert_max_num_queries(10) as few:
        assert len(client.get("/api/v1/recalls/").json()["results"]) == 3
    make(27, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/recalls/").json()["results"]) == 30
