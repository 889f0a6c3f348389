"""/api/v1/notices/: a hospital reads its recall notices (cursor-paged; another hospital's answer
404), answers them (`notice_reply`) and ships units back (`hospital_return_ship`)."""

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from inspections import services
from inspections.models import HospitalReturn, NoticeReply, NoticeReplyVersion
from tests import factories
from tests.api_helpers import error_of, token_client
from tests.inspections.recall_notices import answer, held, issue_recall

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(officer, hospital):
    """Two lots recalled; the hospital got 200 and 100 units of them."""
    return issue_recall(officer, {hospital: (200, 100)})


@pytest.fixture
def notice(issued, hospital):
    return issued.notice(hospital)


@pytest.fixture
def staff(hospital):
    return token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])


def reply_body(issued, figures=((200, 0, 0), (100, 0, 0)), **fields) -> dict:
    return {
        "acknowledged": True,
        "respondent_name": "A. Pharmacist",
        "respondent_role": "Head of pharmacy",
        "lines": [
            {"lot": lot.pk, "on_hand": on_hand, "used": used, "destroyed": destroyed}
            for lot, (on_hand, used, destroyed) in zip(issued.lots, figures, strict=True)
        ],
        **fields,
    }


def post(client, url, body):
    return client.post(url, body, format="json")


# ---------------------------------------------------------------------------------------------
# Reading


def test_hospital_reads_its_notice_with_what_it_must_do(notice, issued, staff):
    response = staff.get(f"/api/v1/notices/{notice.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["reference"] == notice.reference
    assert data["recall_reference"] == issued.recall.reference
    assert data["received"] == {issued.lots[0].lot_number: 200, issued.lots[1].lot_number: 100}
    assert data["units_received"] == 300 and data["units_held"] == 300
    assert data["answered"] is False and data["reply"] is None
    assert data["action"] == "return" and data["coordinator_email"]
    assert [d["channel"] for d in data["deliveries"]] == ["email"]


def test_another_hospitals_notice_is_a_404(notice):
    other = token_client(Role.HOSPITAL_STAFF, hospitals=[factories.HospitalFactory()])
    assert other.get("/api/v1/notices/").json()["results"] == []
    assert other.get(f"/api/v1/notices/{notice.pk}/").status_code == 404
    assert other.get(f"/api/v1/notices/{notice.pk}/lots/").status_code == 404
    response = post(other, f"/api/v1/notices/{notice.pk}/reply/", {})
    assert response.status_code == 404


def test_clerks_may_not_read_notices_and_visitors_must_sign_in():
    assert token_client(Role.WAREHOUSE_CLERK).get("/api/v1/notices/").status_code == 403
    assert APIClient().get("/api/v1/notices/").status_code == 401


def test_notice_lots_give_the_ledgers_figures_for_the_reply(notice, issued, staff):
    rows = staff.get(f"/api/v1/notices/{notice.pk}/lots/").json()
    assert [(r["lot"], r["received"], r["held"], r["used"]) for r in rows] == [
        (issued.lots[0].pk, 200, 200, 0),
        (issued.lots[1].pk, 100, 100, 0),
    ]


def test_notices_are_cursor_paged_and_filtered(officer, hospital, staff):
    for index in range(3):
        issue_recall(officer, {hospital: (10,)}, reference=f"RC-{index}")
    first = staff.get("/api/v1/notices/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"] and "count" not in first
    second = staff.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert staff.get("/api/v1/notices/", {"answered": "true"}).json()["results"] == []
    assert len(staff.get("/api/v1/notices/", {"answered": "false"}).json()["results"]) == 3


def test_notice_list_runs_a_flat_number_of_queries(
    officer, hospital, hospital_user, staff, django_assert_max_num_queries
):
    def make(count, start):
        for index in range(start, start + count):
            issued = issue_recall(officer, {hospital: (10,)}, reference=f"RC-{index}")
            answer(issued.notice(hospital), hospital_user, {issued.lot: (10, 0, 0)})

    make(3, 0)
    with django_assert_max_num_queries(12) as few:
        assert len(staff.get("/api/v1/notices/").json()["results"]) == 3
    make(27, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(staff.get("/api/v1/notices/").json()["results"]) == 30


# ---------------------------------------------------------------------------------------------
# Replying


def test_hospital_answers_its_notice_and_use_is_booked(notice, issued, staff, hospital):
    body = reply_body(issued, figures=((150, 50, 0), (100, 0, 0)))
    response = post(staff, f"/api/v1/notices/{notice.pk}/reply/", body)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["answered"] is True and data["units_held"] == 250
    assert data["reply"]["respondent_name"] == "A. Pharmacist"
    assert [line["quantity_used"] for line in data["reply"]["lines"]] == [50, 0]
    assert held(issued.lots[0], hospital) == 150
    versions = staff.get(f"/api/v1/notices/{notice.pk}/versions/").json()
    assert len(versions) == 1 and versions[0]["data"]["booked"] == {
        issued.lots[0].lot_number: {"used": 50, "destroyed": 0}
    }


def test_a_reply_with_missing_fields_or_negative_figures_is_a_400(notice, issued, staff):
    response = post(staff, f"/api/v1/notices/{notice.pk}/reply/", {"lines": []})
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert {"acknowledged", "respondent_name", "respondent_role", "lines"} <= set(fields)
    body = reply_body(issued, figures=((-1, 0, 0), (100, 0, 0)))
    response = post(staff, f"/api/v1/notices/{notice.pk}/reply/", body)
    assert response.status_code == 400
    assert "lines.0.on_hand" in error_of(response)["fields"]
    assert not NoticeReply.objects.exists()


def test_a_reply_naming_a_lot_twice_or_an_unknown_lot_is_a_400(notice, issued, staff):
    body = reply_body(issued)
    body["lines"][1]["lot"] = issued.lots[0].pk
    response = post(staff, f"/api/v1/notices/{notice.pk}/reply/", body)
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"lines": ["Give each lot once."]}
    body = reply_body(issued)
    body["lines"][1]["lot"] = 999_999
    response = post(staff, f"/api/v1/notices/{notice.pk}/reply/", body)
    assert response.status_code == 400
    assert "999999" in error_of(response)["fields"]["lines"][0]


def test_a_reply_must_cover_every_lot_of_the_notice(notice, issued, staff):
    body = reply_body(issued)
    body["lines"] = body["lines"][:1]
    response = post(staff, f"/api/v1/notices/{notice.pk}/reply/", body)
    assert response.status_code == 400
    assert issued.lots[1].lot_number in error_of(response)["message"]


def test_figures_beyond_what_was_received_need_an_explanation(notice, issued, staff):
    body = reply_body(issued, figures=((250, 0, 0), (100, 0, 0)))
    response = post(staff, f"/api/v1/notices/{notice.pk}/reply/", body)
    assert response.status_code == 400
    assert "explain the difference" in error_of(response)["fields"]["explanation"][0]
    body["explanation"] = "50 units borrowed from the hospital next door."
    assert post(staff, f"/api/v1/notices/{notice.pk}/reply/", body).status_code == 200


def test_used_units_cannot_be_taken_back(notice, issued, staff):
    url = f"/api/v1/notices/{notice.pk}/reply/"
    assert post(staff, url, reply_body(issued, ((150, 50, 0), (100, 0, 0)))).status_code == 200
    response = post(staff, url, reply_body(issued, ((200, 0, 0), (100, 0, 0))))
    assert response.status_code == 400
    assert "cannot be taken back" in error_of(response)["message"]
    assert NoticeReplyVersion.objects.count() == 1


def test_only_hospital_staff_answer_notices(notice, issued):
    response = post(token_client(Role.MINISTRY_OFFICER), f"/api/v1/notices/{notice.pk}/reply/",
                    reply_body(issued))  # fmt: skip
    assert response.status_code == 403
    assert not NoticeReply.objects.exists()


def test_a_closed_recalls_notice_is_not_answered_any_more(notice, issued, staff, officer):
    services.recall_close(recall=issued.recall, actor=officer, reason="Closed with a gap.")
    response = post(staff, f"/api/v1/notices/{notice.pk}/reply/", reply_body(issued))
    assert response.status_code == 409
    assert "can no longer be answered" in error_of(response)["message"]


# ---------------------------------------------------------------------------------------------
# Shipping units back


def test_hospital_ships_units_back_under_its_notice(notice, issued, staff, hospital):
    response = post(
        staff,
        f"/api/v1/notices/{notice.pk}/return/",
        {"lot": issued.lots[0].pk, "quantity": 120, "reference": "TRACK-1"},
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "shipped" and data["quantity_shipped"] == 120
    assert data["notice"] == notice.pk and data["reference"] == "TRACK-1"
    assert data["quantity_received"] is None and data["discrepancy"] is None
    assert held(issued.lots[0], hospital) == 80


def test_a_return_needs_a_lot_and_a_quantity(notice, staff):
    response = post(staff, f"/api/v1/notices/{notice.pk}/return/", {})
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"lot", "quantity"}


def test_a_lot_that_is_not_the_notices_cannot_be_shipped_back(notice, staff, officer):
    stranger = factories.released_lot(actor=officer)
    response = post(
        staff, f"/api/v1/notices/{notice.pk}/return/", {"lot": stranger.pk, "quantity": 1}
    )
    assert response.status_code == 400
    assert "not one of this notice's lots" in error_of(response)["message"]


def test_more_than_the_hospital_holds_is_a_409(notice, issued, staff):
    response = post(
        staff, f"/api/v1/notices/{notice.pk}/return/", {"lot": issued.lots[1].pk, "quantity": 101}
    )
    assert response.status_code == 409
    assert not HospitalReturn.objects.exists()


def test_other_roles_and_hospitals_may_not_ship_back(notice, issued):
    body = {"lot": issued.lots[0].pk, "quantity": 1}
    clerk = token_client(Role.WAREHOUSE_CLERK)
    assert post(clerk, f"/api/v1/notices/{notice.pk}/return/", body).status_code == 403
    other = token_client(Role.HOSPITAL_STAFF, hospitals=[factories.HospitalFactory()])
    assert post(other, f"/api/v1/notices/{notice.pk}/return/", body).status_code == 404
    assert not HospitalReturn.objects.exists()
