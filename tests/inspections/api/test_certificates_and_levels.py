"""/api/v1/certificates/ (verified by `certificate_set_verification`) and
/api/v1/supplier-levels/ (moved by the officer's supplier level services): quality roles read,
the services decide."""

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from inspections.models import Certificate, LevelState, SupplierLevel, VerificationStatus
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(make_lot):
    lot = make_lot()
    return Certificate.objects.create(
        lot=lot, standard=lot.order_line.required_standard, issuer="Notified body",
        notified_body_number="2163", certificate_number="CE-2163-001",
    )  # fmt: skip


def verify(client, certificate, body):
    return client.post(f"/api/v1/certificates/{certificate.pk}/verify/", body, format="json")


def test_inspector_reads_and_verifies_a_certificate(certificate):
    client = token_client(Role.INSPECTOR)
    [row] = client.get("/api/v1/certificates/").json()["results"]
    assert row["certificate_number"] == "CE-2163-001" and row["lot"] == certificate.lot_id
    assert row["verification_status"] == VerificationStatus.UNVERIFIED
    response = verify(client, certificate, {"status": "invalid", "reason": "Number unknown."})
    assert response.status_code == 200
    assert response.json()["verification_status"] == VerificationStatus.INVALID
    assert certificate.events.get().reason == "Number unknown."
    rows = client.get("/api/v1/certificates/", {"verification_status": "invalid"}).json()
    assert rows["count"] == 1


def test_verification_needs_a_known_status_and_a_reason(certificate):
    response = verify(token_client(Role.INSPECTOR), certificate, {"status": "fake"})
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"status", "reason"}
    response = verify(token_client(Role.INSPECTOR), certificate, {"status": "valid", "reason": " "})
    assert response.status_code == 400


def test_clerks_and_hospitals_may_not_read_or_verify_certificates(certificate, hospital):
    for client in (
        token_client(Role.WAREHOUSE_CLERK),
        token_client(Role.HOSPITAL_STAFF, hospitals=[hospital]),
    ):
        assert client.get("/api/v1/certificates/").status_code == 403
        assert verify(client, certificate, {"status": "verified", "reason": "x"}).status_code == 403
    assert APIClient().get(f"/api/v1/certificates/{certificate.pk}/").status_code == 401
    certificate.refresh_from_db()
    assert certificate.verification_status == VerificationStatus.UNVERIFIED


@pytest.fixture
def discontinued():
    return SupplierLevel.objects.create(
        supplier=factories.SupplierFactory(), category="respirator", state=LevelState.DISCONTINUED
    )


def level_action(client, level, name, body):
    return client.post(f"/api/v1/supplier-levels/{level.pk}/{name}/", body, format="json")


def test_officer_reinstates_a_discontinued_supplier_on_tightened(discontinued):
    client = token_client(Role.MINISTRY_OFFICER)
    response = level_action(client, discontinued, "reinstate", {"reason": "New filter supplier."})
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["state"] == LevelState.TIGHTENED
    assert [(e["from_state"], e["to_state"]) for e in data["events"]] == [
        ("discontinued", "tightened")
    ]


def test_level_moves_that_do_not_apply_are_409s(discontinued):
    client = token_client(Role.MINISTRY_OFFICER)
    body = {"reason": "steady"}
    assert level_action(client, discontinued, "approve-reduced", body).status_code == 409
    assert level_action(client, discontinued, "return-to-normal", body).status_code == 409
    assert level_action(client, discontinued, "reinstate", {}).status_code == 400


def test_inspectors_read_levels_but_only_officers_move_them(discontinued):
    inspector = token_client(Role.INSPECTOR)
    rows = inspector.get("/api/v1/supplier-levels/", {"state": "discontinued"}).json()["results"]
    assert [r["id"] for r in rows] == [discontinued.pk]
    response = level_action(inspector, discontinued, "reinstate", {"reason": "fixed"})
    assert response.status_code == 403
    assert token_client(Role.WAREHOUSE_CLERK).get("/api/v1/supplier-levels/").status_code == 403
    discontinued.refresh_from_db()
    assert discontinued.state == LevelState.DISCONTINUED


def test_certificate_and_level_lists_run_a_flat_number_of_queries(
    make_lot, django_assert_max_num_queries
):
    def make(count):
        for _ in range(count):
            lot = make_lot()
            Certificate.objects.create(
                lot=lot, standard=lot.order_line.required_standard, issuer="NB",
                certificate_number=f"CE-{lot.pk}",
            )  # fmt: skip
            SupplierLevel.objects.create(supplier=factories.SupplierFactory(), category="gown")

    client = token_client(Role.INSPECTOR)
    make(3)
    with django_assert_max_num_queries(8) as few_certificates:
        assert len(client.get("/api/v1/certificates/").json()["results"]) == 3
    with django_assert_max_num_queries(8) as few_levels:
        assert len(client.get("/api/v1/supplier-levels/").json()["results"]) == 3
    make(27)
    with django_assert_max_num_queries(len(few_certificates.captured_queries)):
        assert len(client.get("/api/v1/certificates/").json()["results"]) == 30
    with django_assert_max_num_queries(len(few_levels.captured_queries)):
        assert len(client.get("/api/v1/supplier-levels/").json()["results"]) == 30
