"""Suppliers, products and standards (ministry roles), and hospitals (hospital staff: their
own only)."""

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db

MINISTRY = [Role.MINISTRY_OFFICER, Role.INSPECTOR, Role.WAREHOUSE_CLERK]


@pytest.mark.parametrize("role", MINISTRY)
def test_ministry_roles_list_products_with_their_claimed_standard(role):
    product = factories.ProductFactory(name="KN95 respirator")
    response = token_client(role).get("/api/v1/products/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["sku"] == product.sku
    assert row["claimed_standard"] == product.claimed_standard_id


@pytest.mark.parametrize("resource", ["suppliers", "products", "standards"])
def test_reference_data_is_refused_to_hospital_staff(resource, hospital):
    client = token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])
    response = client.get(f"/api/v1/{resource}/")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


@pytest.mark.parametrize("resource", ["suppliers", "products", "standards", "hospitals"])
def test_reference_data_needs_sign_in(resource):
    response = APIClient().get(f"/api/v1/{resource}/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_standards_filter_by_medical_use():
    factories.StandardFactory(code="EN 149 FFP2", is_medical=True)
    factories.StandardFactory(code="GB 2626 KN95", is_medical=False)
    response = token_client(Role.INSPECTOR).get("/api/v1/standards/?is_medical=false")
    codes = {row["code"] for row in response.json()["results"]}
    assert "GB 2626 KN95" in codes and "EN 149 FFP2" not in codes
    assert all(not row["is_medical"] for row in response.json()["results"])


def test_suppliers_filter_by_country_and_order_by_name():
    factories.SupplierFactory(name="B Ltd", country="China")
    factories.SupplierFactory(name="A Ltd", country="China")
    factories.SupplierFactory(name="C GmbH", country="Germany")
    response = token_client(Role.MINISTRY_OFFICER).get(
        "/api/v1/suppliers/?country=china&ordering=-name"
    )
    assert [row["name"] for row in response.json()["results"]] == ["B Ltd", "A Ltd"]


def test_unknown_filter_value_is_a_400_naming_the_filter():
    response = token_client(Role.MINISTRY_OFFICER).get("/api/v1/products/?category=spaceship")
    assert response.status_code == 400
    assert "category" in error_of(response)["fields"]


def test_hospital_staff_see_only_their_own_hospitals(hospital):
    other = factories.HospitalFactory()
    client = token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])
    response = client.get("/api/v1/hospitals/")
    assert [row["code"] for row in response.json()["results"]] == [hospital.code]
    assert client.get(f"/api/v1/hospitals/{hospital.pk}/").status_code == 200
    refused = client.get(f"/api/v1/hospitals/{other.pk}/")
    assert refused.status_code == 404
    assert error_of(refused)["code"] == "not_found"


def test_ministry_roles_see_every_hospital_but_not_its_webhook_secret():
    factories.HospitalFactory(webhook_url="https://h.example/hook", webhook_secret="s3cret")
    factories.HospitalFactory()
    response = token_client(Role.WAREHOUSE_CLERK).get("/api/v1/hospitals/")
    rows = response.json()["results"]
    assert len(rows) == 2
    assert "s3cret" not in response.content.decode()
    assert not {"webhook_url", "webhook_secret"} & set(rows[0])


def test_hospitals_list_runs_the_same_queries_for_more_rows(assert_flat_queries):
    factories.HospitalFactory.create_batch(3)
    assert_flat_queries(
        token_client(Role.MINISTRY_OFFICER),
        "/api/v1/hospitals/?page_size=100",
        lambda: factories.HospitalFactory.create_batch(27),
        lambda body: len(body["results"]),
    )
