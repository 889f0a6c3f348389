"""/api/v1/inspections/: read by inspectors and officers, recorded through `inspection_record`
(the verdict computed, the lot decided), and conflicting results settled by an officer."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from inspections.models import Inspection, Outcome
from procurement.models import LotStatus
from tests import factories
from tests.api_helpers import error_of, token_client
from tests.inspections.conftest import good, record, with_failures

pytestmark = pytest.mark.django_db

N = 80  # units per class for a lot of 1,000 on normal inspection (code letter J)


def body(lot, stage="first", **results) -> dict:
    return {
        "lot": lot.pk,
        "stage": stage,
        "laboratory": "RIVM test lab",
        "performed_by": "J. de Vries",
        "performed_on": "2020-03-30",
        **(results or {"measurements": good(N)}),
    }


# ---------------------------------------------------------------------------------------------
# Reading


def test_inspector_lists_inspections_with_plan_results_and_verdict(make_lot, officer):
    lot = make_lot()
    record(lot, officer, measurements=with_failures(N, filtration_failures=3))
    response = token_client(Role.INSPECTOR).get("/api/v1/inspections/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["lot"] == lot.pk and row["lot_number"] == lot.lot_number
    assert row["verdict"] == "rejected" and row["outcome"] == Outcome.ON_HOLD
    assert row["plan"] == {
        "severity": "normal",
        "level": "II",
        "code_letter": "J",
        "sample_size": N,
        "hundred_percent": False,
    }
    critical = next(c for c in row["classes"] if c["defect_class"] == "critical")
    assert critical["nonconforming"] == 3 and critical["verdict"] == "rejected"
    filtration = next(r for r in row["results"] if r["code"] == "filtration")
    assert filtration["nonconforming"] == 3 and len(filtration["measurements"]) == N
    assert row["panel"] is None
    assert [e["outcome"] for e in row["events"]] == [Outcome.ON_HOLD]


def test_rapid_test_inspection_shows_its_panel(officer, rapid_test_standard, make_lot):
    product = factories.ProductFactory(category="rapid_test", claimed_standard=rapid_test_standard)
    lot = make_lot(product=product, required_standard=rapid_test_standard)
    panel = {"true_positives": 30, "false_negatives": 70, "true_negatives": 99,
             "false_positives": 1}  # fmt: skip
    response = token_client(Role.INSPECTOR).post(
        "/api/v1/inspections/", body(lot, panel=panel), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["panel"]["sensitivity"] == "30.000"
    assert response.json()["verdict"] == "rejected"


def test_inspections_filter_by_lot_verdict_and_dates(make_lot, officer):
    failed, passed = make_lot(), make_lot()
    record(failed, officer, measurements=with_failures(N, filtration_failures=3))
    record(passed, officer, measurements=good(N))
    client = token_client(Role.MINISTRY_OFFICER)
    rows = client.get("/api/v1/inspections/", {"verdict": "accepted"}).json()["results"]
    assert [r["lot"] for r in rows] == [passed.pk]
    rows = client.get("/api/v1/inspections/", {"lot": failed.pk}).json()["results"]
    assert [r["lot"] for r in rows] == [failed.pk]
    dates = {"performed_after": "2020-03-31"}
    assert client.get("/api/v1/inspections/", dates).json()["count"] == 0


def test_unknown_filter_values_are_a_400():
    response = token_client(Role.INSPECTOR).get("/api/v1/inspections/", {"lot": 2**80})
    assert response.status_code == 400
    assert "lot" in error_of(response)["fields"]


def test_inspection_list_is_refused_to_other_roles_and_to_visitors(hospital):
    assert APIClient().get("/api/v1/inspections/").status_code == 401
    assert token_client(Role.WAREHOUSE_CLERK).get("/api/v1/inspections/").status_code == 403
    staff = token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])
    assert staff.get("/api/v1/inspections/").status_code == 403


def test_unknown_inspection_is_a_json_404_whatever_the_id_looks_like():
    client = token_client(Role.INSPECTOR)
    for key in ("999", str(2**80), "1.5", "abc"):
        response = client.get(f"/api/v1/inspections/{key}/")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_inspection_list_runs_a_flat_number_of_queries(
    make_lot, officer, django_assert_max_num_queries
):
    def rows(count):
        for _ in range(count):
            record(make_lot(), officer, measurements=with_failures(N, filtration_failures=3))

    client = token_client(Role.INSPECTOR)
    rows(3)
    with django_assert_max_num_queries(12) as few:
        assert len(client.get("/api/v1/inspections/").json()["results"]) == 3
    rows(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/inspections/").json()["results"]) == 30


# ---------------------------------------------------------------------------------------------
# Recording


def test_inspector_records_a_passing_first_inspection_and_the_lot_is_released(make_lot):
    lot = make_lot()
    response = token_client(Role.INSPECTOR).post("/api/v1/inspections/", body(lot), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["verdict"] == "accepted" and data["outcome"] == Outcome.RELEASED
    assert data["recorded_by"].startswith("api:")
    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED


def test_counts_may_stand_in_for_measurements(make_lot):
    lot = make_lot()
    counts = {"filtration": 3, "leakage": 0, "resistance": 0}
    response = token_client(Role.INSPECTOR).post(
        "/api/v1/inspections/", body(lot, counts=counts), format="json"
    )
    assert response.status_code == 201
    assert response.json()["outcome"] == Outcome.ON_HOLD
    lot.refresh_from_db()
    assert lot.status == LotStatus.ON_HOLD


def test_missing_fields_are_a_400_naming_them(make_lot):
    response = token_client(Role.INSPECTOR).post("/api/v1/inspections/", {}, format="json")
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert {"lot", "stage", "laboratory", "performed_by", "performed_on"} <= set(fields)


def test_a_criterion_given_both_ways_is_a_400(make_lot):
    lot = make_lot()
    response = token_client(Role.INSPECTOR).post(
        "/api/v1/inspections/", body(lot, measurements=good(N), counts={"leakage": 0}),
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "leakage" in error_of(response)["fields"]["counts"][0]


def test_results_that_do_not_fit_the_plan_are_refused_by_the_service_and_nothing_is_saved(
    make_lot,
):
    lot = make_lot()
    response = token_client(Role.INSPECTOR).post(
        "/api/v1/inspections/", body(lot, measurements=good(5)), format="json"
    )
    assert response.status_code == 400
    assert "the sampling plan calls for 80" in error_of(response)["message"]
    future = body(lot, measurements=good(N))
    future["performed_on"] = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    response = token_client(Role.INSPECTOR).post("/api/v1/inspections/", future, format="json")
    assert response.status_code == 400
    assert not Inspection.objects.exists()


def test_a_second_inspection_before_the_first_is_a_409(make_lot):
    lot = make_lot()
    response = token_client(Role.INSPECTOR).post(
        "/api/v1/inspections/", body(lot, stage="second"), format="json"
    )
    assert response.status_code == 409
    assert "has no first inspection yet" in error_of(response)["message"]


def test_clerks_and_hospitals_may_not_record_inspections(make_lot, hospital):
    lot = make_lot()
    clerk = token_client(Role.WAREHOUSE_CLERK)
    assert clerk.post("/api/v1/inspections/", body(lot), format="json").status_code == 403
    staff = token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])
    assert staff.post("/api/v1/inspections/", body(lot), format="json").status_code == 403
    assert APIClient().post("/api/v1/inspections/", body(lot), format="json").status_code == 401
    assert not Inspection.objects.exists()


# ---------------------------------------------------------------------------------------------
# Conflicting results


@pytest.fixture
def conflict(make_lot, officer):
    """A lot that failed its first inspection and passed its second: an officer decides."""
    lot = make_lot()
    record(lot, officer, measurements=with_failures(N, filtration_failures=3))
    inspection = record(lot, officer, stage="second", measurements=good(N))
    assert inspection.outcome == Outcome.CONFLICT
    return inspection


def test_officer_settles_a_conflict_by_rejecting_the_lot(conflict):
    response = token_client(Role.MINISTRY_OFFICER).post(
        f"/api/v1/inspections/{conflict.pk}/decide-conflict/",
        {"decision": "reject", "reason": "The failure is the more credible result."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["outcome"] == Outcome.REJECTED
    conflict.lot.refresh_from_db()
    assert conflict.lot.status == LotStatus.REJECTED


def test_conflict_decision_needs_a_known_decision_and_a_reason(conflict):
    response = token_client(Role.MINISTRY_OFFICER).post(
        f"/api/v1/inspections/{conflict.pk}/decide-conflict/", {"decision": "shrug"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"decision", "reason"}


def test_a_conflict_is_decided_once(conflict):
    client = token_client(Role.MINISTRY_OFFICER)
    url = f"/api/v1/inspections/{conflict.pk}/decide-conflict/"
    decision = {"decision": "reject", "reason": "Failed is failed."}
    assert client.post(url, decision, format="json").status_code == 200
    response = client.post(url, decision, format="json")
    assert response.status_code == 409
    assert "not awaiting a decision" in error_of(response)["message"]


def test_only_an_officer_decides_a_conflict(conflict):
    response = token_client(Role.INSPECTOR).post(
        f"/api/v1/inspections/{conflict.pk}/decide-conflict/",
        {"decision": "reject", "reason": "x"},
        format="json",
    )
    assert response.status_code == 403
    conflict.refresh_from_db()
    assert conflict.outcome == Outcome.CONFLICT


# ---------------------------------------------------------------------------------------------
# A lot's plan, read before recording


def test_a_lots_plan_says_what_an_inspection_must_give(make_lot, officer):
    lot = make_lot()
    response = token_client(Role.INSPECTOR).get(f"/api/v1/inspection-plans/{lot.pk}/")
    assert response.status_code == 200
    plan = response.json()
    assert plan["lot"] == lot.pk and plan["next_stage"] == "first"
    assert (plan["severity"], plan["code_letter"], plan["sample_size"]) == ("normal", "J", N)
    critical = next(c for c in plan["classes"] if c["defect_class"] == "critical")
    assert (critical["accept"], critical["reject"]) == (1, 2)
    assert {c["code"]: c["units"] for c in plan["criteria"]} == {
        "filtration": N, "leakage": N, "resistance": N,
    }  # fmt: skip
    # What the plan says is what the recording accepts.
    measurements = {c["code"]: ["97.5"] * c["units"] for c in plan["criteria"]}
    measurements["leakage"] = ["4"] * N
    measurements["resistance"] = ["1.1"] * N
    recorded = token_client(Role.INSPECTOR).post(
        "/api/v1/inspections/",
        body(lot, stage=plan["next_stage"], measurements=measurements),
        format="json",
    )
    assert recorded.status_code == 201
    assert token_client(Role.INSPECTOR).get(f"/api/v1/inspection-plans/{lot.pk}/").json()[
        "next_stage"
    ] == "second"  # fmt: skip


def test_a_lots_plan_is_for_quality_roles_and_known_lots(make_lot):
    lot = make_lot()
    assert token_client(Role.WAREHOUSE_CLERK).get(
        f"/api/v1/inspection-plans/{lot.pk}/"
    ).status_code == 403  # fmt: skip
    assert APIClient().get(f"/api/v1/inspection-plans/{lot.pk}/").status_code == 401
    assert token_client(Role.INSPECTOR).get("/api/v1/inspection-plans/999/").status_code == 404
