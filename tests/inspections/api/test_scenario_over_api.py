"""SCENARIO.md driven end to end through the API alone, as integrators would: the ministry's
system orders and releases KN95 masks on documents, the warehouse system receives and dispatches
them, the laboratory records two failed tests, the ministry recalls the lot and holds the rest,
the hospitals' systems answer their notices and ship returns back, the warehouse receives them,
and the recall is closed. Only reference data (a supplier, a product, its standard, hospitals)
and the API tokens exist beforehand. The ledger check is clean at the end.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from core.roles import Role
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db

API = "/api/v1"


def ok(response, status=200) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:2000])
    return response.json()


def measurements(plan: dict, *, filtration_failures: int) -> dict[str, list[str]]:
    """Every criterion's values for the plan's sample, with some filtration failures."""
    values = {"filtration": "97.5", "leakage": "4", "resistance": "1.1"}
    result = {}
    for criterion in plan["criteria"]:
        n = criterion["units"]
        result[criterion["code"]] = [values[criterion["code"]]] * n
    result["filtration"][:filtration_failures] = ["91.0"] * filtration_failures
    return result


def inspect(lab, lot_id: int, *, failures: int) -> dict:
    plan = ok(lab.get(f"{API}/inspection-plans/{lot_id}/"))
    body = {
        "lot": lot_id,
        "stage": plan["next_stage"],
        "laboratory": "National reference laboratory",
        "performed_by": "Dr. A. Janssen",
        "performed_on": "2020-03-30",
        "measurements": measurements(plan, filtration_failures=failures),
    }
    return ok(lab.post(f"{API}/inspections/", body, format="json"), 201)


def test_the_kn95_recall_runs_end_to_end_over_the_api(respirator_standard, capsys):
    supplier = factories.SupplierFactory(name="Guangzhou mask maker")
    product = factories.ProductFactory(name="KN95 respirator", claimed_standard=respirator_standard)
    hospitals = [factories.HospitalFactory(code=f"HOSP-{n}") for n in (1, 2, 3)]
    ministry = token_client(
        Role.MINISTRY_OFFICER, name="Ministry system", contact_email="quality@ministry.example"
    )
    lab = token_client(Role.INSPECTOR, name="Laboratory")
    warehouse = token_client(Role.WAREHOUSE_CLERK, name="Logistics platform")
    wards = {
        h.code: token_client(Role.HOSPITAL_STAFF, hospitals=[h], name=h.code) for h in hospitals
    }

    # The order, placed.
    order = ok(
        ministry.post(
            f"{API}/orders/",
            {
                "supplier": supplier.pk,
                "reference": "PO-2020-KN95",
                "lines": [
                    {
                        "product": product.pk,
                        "quantity": 13_000,
                        "unit_price": "1.20",
                        "required_standard": respirator_standard.pk,
                    }
                ],
            },
            format="json",
        ),
        201,
    )
    ok(ministry.post(f"{API}/orders/{order['id']}/place/"))
    line = order["lines"][0]["id"]

    # The shipment arrives in two lots, quarantined.
    shipment = ok(
        warehouse.post(
            f"{API}/shipments/",
            {
                "order": order["id"],
                "reference": "AWB-176-2020",
                "lots": [
                    {"order_line": line, "lot_number": "KN95-A", "quantity": 6_000},
                    {"order_line": line, "lot_number": "KN95-B", "quantity": 7_000},
                ],
            },
            format="json",
        ),
        201,
    )
    lots = {lot["lot_number"]: lot["id"] for lot in shipment["lots"]}
    a, b = lots["KN95-A"], lots["KN95-B"]

    # Emergency: lot A released on documents and dispatched to three hospitals.
    ok(
        ministry.post(
            f"{API}/lots/{a}/release/",
            {"basis": "documents", "reason": "Emergency release: pandemic shortage"},
        )
    )
    dispatch = {"lot": a, "hospital": hospitals[0].pk, "quantity": 2_000}
    first = ok(warehouse.post(f"{API}/distributions/", dispatch, HTTP_IDEMPOTENCY_KEY="d-1"), 201)
    retry = warehouse.post(f"{API}/distributions/", dispatch, HTTP_IDEMPOTENCY_KEY="d-1")
    assert retry.json() == first and retry["Idempotent-Replayed"] == "true"
    for hospital, quantity in ((hospitals[1], 2_500), (hospitals[2], 1_500)):
        ok(
            warehouse.post(
                f"{API}/distributions/",
                {"lot": a, "hospital": hospital.pk, "quantity": quantity},
            ),
            201,
        )
    for ward in wards.values():
        [delivery] = ok(ward.get(f"{API}/distributions/"))["results"]
        ok(
            ward.post(
                f"{API}/distributions/{delivery['id']}/confirm-receipt/",
                {"quantity_received": delivery["quantity"]},
            )
        )

    # Two failed tests: the lot is held for the ministry's decision; so is the rest (lot B).
    first_test = inspect(lab, a, failures=4)
    assert first_test["verdict"] == "rejected"
    second_test = inspect(lab, a, failures=5)
    assert second_test["verdict"] == "rejected"
    assert ok(ministry.get(f"{API}/lots/{a}/"))["status"] == "on_hold"
    ok(ministry.post(f"{API}/lots/{b}/hold/", {"reason": "Same maker and line as KN95-A"}))
    refused = warehouse.post(f"{API}/distributions/", {**dispatch, "lot": b})
    assert refused.status_code == 409, error_of(refused)

    # The recall, issued: one notice per hospital that got units.
    refused = warehouse.post(f"{API}/recalls/", {})
    assert refused.status_code == 403
    recall = ok(
        ministry.post(
            f"{API}/recalls/",
            {
                "reference": "RC-2020-001",
                "lots": [a],
                "reason": "Filtration below 95% in two tests",
                "hazard": "Masks do not protect the wearer against airborne infection",
                "recall_class": "I",
                "response_deadline": "2030-01-31",
                "source_inspection": second_test["id"],
            },
            format="json",
        ),
        201,
    )
    assert ok(ministry.post(f"{API}/recalls/{recall['id']}/issue/"))["status"] == "issued"
    assert ok(ministry.get(f"{API}/lots/{a}/"))["status"] == "recalled"
    notices = ok(ministry.get(f"{API}/recalls/{recall['id']}/notices/"))["results"]
    assert sorted(n["hospital_code"] for n in notices) == sorted(wards)

    # Each hospital's system answers its notice and ships back what it holds.
    used = {"HOSP-1": 300, "HOSP-2": 0, "HOSP-3": 100}
    for code, ward in wards.items():
        [notice] = ok(ward.get(f"{API}/notices/"))["results"]
        other = next(n for n in notices if n["hospital_code"] != code)
        assert ward.get(f"{API}/notices/{other['id']}/").status_code == 404
        received = notice["units_received"]
        on_hand = received - used[code]
        reply = {
            "acknowledged": True,
            "respondent_name": "Head of pharmacy",
            "respondent_role": "Pharmacist",
            "lines": [{"lot": a, "on_hand": on_hand, "used": used[code], "destroyed": 0}],
        }
        ok(ward.post(f"{API}/notices/{notice['id']}/reply/", reply, format="json"))
        ok(
            ward.post(
                f"{API}/notices/{notice['id']}/return/",
                {"lot": a, "quantity": on_hand, "reference": f"RET-{code}"},
            ),
            201,
        )

    # The warehouse receives every return in full.
    returns = ok(warehouse.get(f"{API}/returns/"))["results"]
    assert len(returns) == 3
    for hospital_return in returns:
        ok(
            warehouse.post(
                f"{API}/returns/{hospital_return['id']}/receive/",
                {"quantity_received": hospital_return["quantity_shipped"]},
            )
        )

    # Every unit accounted for: the recall closes without a reason.
    figures = ok(ministry.get(f"{API}/recalls/{recall['id']}/effectiveness/"))
    assert figures["units"]["delivered"] == 6_000
    assert figures["units"]["used"] == 400
    assert figures["units"]["returned"] == 5_600
    assert figures["units"]["unaccounted"] == 0 and figures["all_answered"]
    closed = ok(ministry.post(f"{API}/recalls/{recall['id']}/close/", {}))
    assert closed["status"] == "closed"

    trace = ok(ministry.get(f"{API}/lots/{a}/traceability/"))
    assert trace["accounted"] == trace["quantity_received"] == 6_000

    call_command("check_ledger")
    assert "Ledger clean" in capsys.readouterr().out
