"""Supplier returns over the API: an officer sends a rejected or recalled lot back with a credit
claim (`supplier_return_create`) and records the supplier's answer (`credit_claim_set_status`)."""

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from procurement import services
from procurement.models import CreditClaimStatus, LotStatus, SupplierReturn
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client():
    return token_client(Role.MINISTRY_OFFICER)


@pytest.fixture
def rejected_lot(officer):
    lot = factories.received_lot(quantity=500, actor=officer)
    return services.lot_reject(lot=lot, actor=officer, reason="Filtration 62 %")


def return_body(lot, **overrides) -> dict:
    return {
        "lot": lot.pk,
        "authorisation_reference": "RMA-2020-17",
        "reason": "Failed the second inspection",
        **overrides,
    }


@pytest.fixture
def supplier_return(rejected_lot, officer):
    return services.supplier_return_create(
        lot=rejected_lot, actor=officer, authorisation_reference="RMA-1", reason="Failed"
    )


def test_officer_returns_a_rejected_lot_and_claims_its_price(officer_client, rejected_lot):
    response = officer_client.post("/api/v1/supplier-returns/", return_body(rejected_lot))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["quantity"] == 500 and body["credit_amount"] == "600.00"  # 500 x 1.20
    assert body["claim_status"] == CreditClaimStatus.CLAIMED
    assert [e["to_status"] for e in body["claim_events"]] == [CreditClaimStatus.CLAIMED]
    rejected_lot.refresh_from_db()
    assert rejected_lot.status == LotStatus.DISPOSED


def test_return_with_a_given_credit_and_currency(officer_client, rejected_lot):
    response = officer_client.post(
        "/api/v1/supplier-returns/",
        return_body(rejected_lot, credit_amount="550.50", currency="usd"),
    )
    assert response.status_code == 201
    assert (response.json()["credit_amount"], response.json()["currency"]) == ("550.50", "USD")


def test_return_of_a_released_lot_is_an_illegal_transition(officer_client):
    lot = factories.released_lot()
    response = officer_client.post("/api/v1/supplier-returns/", return_body(lot))
    assert response.status_code == 409
    assert not SupplierReturn.objects.exists()


def test_return_with_bad_shapes_is_a_400_naming_the_fields(officer_client, rejected_lot):
    response = officer_client.post(
        "/api/v1/supplier-returns/",
        return_body(rejected_lot, credit_amount="-3", authorisation_reference="", reason=""),
    )
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {
        "credit_amount",
        "authorisation_reference",
        "reason",
    }
    too_precise = officer_client.post(
        "/api/v1/supplier-returns/", return_body(rejected_lot, credit_amount="1.005")
    )
    assert "credit_amount" in error_of(too_precise)["fields"]


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.WAREHOUSE_CLERK])
def test_only_an_officer_returns_lots(role, rejected_lot):
    response = token_client(role).post("/api/v1/supplier-returns/", return_body(rejected_lot))
    assert response.status_code == 403
    assert error_of(response)["message"] == (
        "Only a ministry officer may return a lot to its supplier."
    )


def test_supplier_accepts_then_pays_the_claim(officer_client, supplier_return):
    url = f"/api/v1/supplier-returns/{supplier_return.pk}/credit-claim/"
    accepted = officer_client.post(url, {"status": "accepted", "reason": "Letter of 3 May"})
    assert accepted.status_code == 200
    paid = officer_client.post(url, {"status": "paid", "reason": "Credit note CN-9"})
    assert paid.json()["claim_status"] == CreditClaimStatus.PAID
    assert [e["to_status"] for e in paid.json()["claim_events"]] == [
        CreditClaimStatus.CLAIMED,
        CreditClaimStatus.ACCEPTED,
        CreditClaimStatus.PAID,
    ]


def test_a_paid_claim_cannot_be_refused(officer_client, supplier_return, officer):
    for status in (CreditClaimStatus.ACCEPTED, CreditClaimStatus.PAID):
        services.credit_claim_set_status(
            supplier_return=supplier_return, status=status, actor=officer, reason="x"
        )
    response = officer_client.post(
        f"/api/v1/supplier-returns/{supplier_return.pk}/credit-claim/",
        {"status": "refused", "reason": "Changed their mind"},
    )
    assert response.status_code == 409


def test_credit_claim_checks_shape_and_role(officer_client, supplier_return):
    url = f"/api/v1/supplier-returns/{supplier_return.pk}/credit-claim/"
    bad = officer_client.post(url, {"status": "maybe"})
    assert set(error_of(bad)["fields"]) == {"status", "reason"}
    refused = token_client(Role.INSPECTOR).post(url, {"status": "accepted", "reason": "x"})
    assert refused.status_code == 403
    assert (
        officer_client.post(
            "/api/v1/supplier-returns/999999/credit-claim/", {"status": "accepted", "reason": "x"}
        ).status_code
        == 404
    )


def test_supplier_returns_are_read_by_ministry_roles_and_filtered(supplier_return, hospital):
    client = token_client(Role.INSPECTOR)
    rows = client.get("/api/v1/supplier-returns/?claim_status=claimed").json()["results"]
    assert [row["id"] for row in rows] == [supplier_return.pk]
    assert client.get("/api/v1/supplier-returns/?claim_status=paid").json()["results"] == []
    assert client.get(f"/api/v1/supplier-returns/{supplier_return.pk}/").json()["quantity"] == 500
    staff = token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])
    assert staff.get("/api/v1/supplier-returns/").status_code == 403
    assert APIClient().get("/api/v1/supplier-returns/").status_code == 401


def test_supplier_returns_list_runs_the_same_queries_for_more_rows(officer, assert_flat_queries):
    def returns(count):
        for _ in range(count):
            lot = factories.received_lot(quantity=10, actor=officer)
            services.lot_reject(lot=lot, actor=officer, reason="Failed")
            services.supplier_return_create(
                lot=lot, actor=officer, authorisation_reference=f"RMA-{lot.pk}", reason="x"
            )

    returns(3)
    assert_flat_queries(
        token_client(Role.MINISTRY_OFFICER),
        "/api/v1/supplier-returns/?page_size=100",
        lambda: returns(12),
        lambda body: len(body["results"]),
    )
