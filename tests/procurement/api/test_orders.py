"""Purchase orders over the API: created as drafts with their lines (officer), placed, cancelled,
with their events; read by the ministry's roles only."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from procurement import services
from procurement.models import IntendedUse, OrderEvent, OrderStatus, PurchaseOrder
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client():
    return token_client(Role.MINISTRY_OFFICER)


def order_body(**overrides) -> dict:
    product = overrides.pop("product", None) or factories.ProductFactory()
    body = {
        "supplier": factories.SupplierFactory().pk,
        "reference": "PO-2020-0042",
        "notes": "Critical care, first wave",
        "lines": [
            {
                "product": product.pk,
                "quantity": 1_300_000,
                "unit_price": "1.2000",
                "required_standard": product.claimed_standard_id,
            }
        ],
    }
    body.update(overrides)
    return body


def draft(officer, **kwargs):
    product = factories.ProductFactory()
    return services.order_create(
        supplier=factories.SupplierFactory(),
        reference=kwargs.get("reference", f"PO-{PurchaseOrder.objects.count() + 1}"),
        lines=[
            services.OrderLineInput(
                product=product,
                quantity=100,
                unit_price=Decimal("2.50"),
                required_standard=product.claimed_standard,
            )
        ],
        actor=officer,
    )


def test_officer_creates_a_draft_order_with_its_lines(officer_client):
    response = officer_client.post("/api/v1/orders/", order_body())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == OrderStatus.DRAFT and body["reference"] == "PO-2020-0042"
    [line] = body["lines"]
    assert line["quantity"] == 1_300_000 and line["intended_use"] == IntendedUse.MEDICAL
    assert line["intended_use_mismatch"] is False
    order = PurchaseOrder.objects.get(pk=body["id"])
    assert order.created_by == officer_client.user
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.DRAFT).exists()


def test_order_for_a_non_medical_product_says_its_lines_mismatch(officer_client):
    kn95 = factories.StandardFactory(code="GB 2626 KN95", is_medical=False)
    product = factories.ProductFactory(claimed_standard=kn95)
    required = factories.StandardFactory(code="EN 149 FFP2")
    body = order_body(product=product)
    body["lines"][0]["required_standard"] = required.pk
    response = officer_client.post("/api/v1/orders/", body)
    assert response.status_code == 201
    assert response.json()["lines"][0]["intended_use_mismatch"] is True


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.WAREHOUSE_CLERK])
def test_only_an_officer_creates_orders(role):
    response = token_client(role).post("/api/v1/orders/", order_body())
    assert response.status_code == 403
    assert error_of(response)["message"] == "Only a ministry officer may create purchase orders."
    assert not PurchaseOrder.objects.exists()


def test_order_without_lines_or_with_unknown_ids_is_a_400_naming_the_fields(officer_client):
    response = officer_client.post("/api/v1/orders/", order_body(lines=[]))
    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "lines.non_field_errors": ["This list may not be empty."]
    }
    body = order_body(supplier=999_999)
    body["lines"][0]["product"] = 999_999
    body["lines"][0]["quantity"] = 0
    error = error_of(officer_client.post("/api/v1/orders/", body))
    assert {"supplier", "lines.0.product", "lines.0.quantity"} <= set(error["fields"])
    assert not PurchaseOrder.objects.exists()


def test_a_reference_already_used_is_refused_by_the_service(officer_client, officer):
    draft(officer, reference="PO-1")
    response = officer_client.post("/api/v1/orders/", order_body(reference="PO-1"))
    assert response.status_code == 400
    assert "already exists" in error_of(response)["message"]


def test_officer_places_a_draft(officer_client, officer):
    order = draft(officer)
    response = officer_client.post(f"/api/v1/orders/{order.pk}/place/")
    assert response.status_code == 200
    assert response.json()["status"] == OrderStatus.PLACED
    assert response.json()["placed_at"] is not None


def test_placing_records_the_reason_given(officer_client, officer):
    order = draft(officer)
    response = officer_client.post(
        f"/api/v1/orders/{order.pk}/place/", {"reason": "Tender awarded"}, format="json"
    )
    assert response.status_code == 200
    assert order.events.last().reason == "Tender awarded"


def test_cancelled_order_cannot_be_placed(officer_client, officer):
    order = draft(officer)
    services.order_cancel(order=order, actor=officer, reason="Supplier withdrew")
    response = officer_client.post(f"/api/v1/orders/{order.pk}/place/")
    assert response.status_code == 409
    assert error_of(response)["code"] == "illegal_transition"


def test_cancel_needs_a_reason_and_is_an_officers_act(officer_client, officer):
    order = draft(officer)
    assert officer_client.post(f"/api/v1/orders/{order.pk}/cancel/", {}).status_code == 400
    clerk = token_client(Role.WAREHOUSE_CLERK)
    refused = clerk.post(f"/api/v1/orders/{order.pk}/cancel/", {"reason": "x"})
    assert refused.status_code == 403
    response = officer_client.post(f"/api/v1/orders/{order.pk}/cancel/", {"reason": "Too dear"})
    assert response.status_code == 200 and response.json()["status"] == OrderStatus.CANCELLED


def test_received_order_cannot_be_cancelled(officer_client):
    lot = factories.received_lot(quantity=10_000)
    order = lot.shipment.order
    response = officer_client.post(f"/api/v1/orders/{order.pk}/cancel/", {"reason": "late"})
    assert response.status_code == 409


def test_order_events_are_listed_newest_first_with_who(officer_client, officer):
    order = draft(officer)
    services.order_place(order=order, actor=officer)
    response = officer_client.get(f"/api/v1/orders/{order.pk}/events/")
    assert response.status_code == 200
    events = response.json()["results"]
    assert [e["to_status"] for e in events] == [OrderStatus.PLACED, OrderStatus.DRAFT]
    assert events[0]["actor"] == "officer"


def test_orders_are_refused_to_hospital_staff_and_to_visitors(hospital, officer):
    order = draft(officer)
    staff = token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])
    assert staff.get("/api/v1/orders/").status_code == 403
    assert staff.get(f"/api/v1/orders/{order.pk}/").status_code == 403
    assert APIClient().get("/api/v1/orders/").status_code == 401
    assert APIClient().post(f"/api/v1/orders/{order.pk}/place/").status_code == 401


def test_unknown_order_is_a_404(officer_client):
    assert officer_client.post("/api/v1/orders/999999/place/").status_code == 404


def test_orders_filter_by_status_and_supplier(officer_client, officer):
    placed = services.order_place(order=draft(officer), actor=officer)
    draft(officer)
    response = officer_client.get(f"/api/v1/orders/?status=placed&supplier={placed.supplier_id}")
    assert [row["id"] for row in response.json()["results"]] == [placed.pk]
    assert officer_client.get("/api/v1/orders/?created_after=2999-01-01").json()["count"] == 0
    assert officer_client.get("/api/v1/orders/?created_before=2999-01-01").json()["count"] == 2


def test_orders_list_runs_the_same_queries_for_more_orders(
    officer_client, officer, assert_flat_queries
):
    for _ in range(3):
        draft(officer)

    def more():
        for _ in range(27):
            draft(officer)

    assert_flat_queries(
        officer_client, "/api/v1/orders/?page_size=100", more, lambda b: len(b["results"])
    )
