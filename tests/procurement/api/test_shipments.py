"""Receiving a shipment over the API: POST /shipments/ calls `shipment_receive` and answers with
the shipment and its quarantined lots; all lots or none."""

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from procurement import services
from procurement.models import Lot, LotStatus, OrderStatus, Shipment
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db


def receive_body(order, *lots, reference="AWB-176-2020") -> dict:
    line = order.lines.get()
    return {
        "order": order.pk,
        "reference": reference,
        "lots": [
            {"order_line": line.pk, "lot_number": number, "quantity": quantity}
            for number, quantity in lots
        ],
    }


@pytest.mark.parametrize("role", [Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER])
def test_clerk_or_officer_receives_a_shipment_into_quarantined_lots(role):
    order = factories.placed_order(quantity=1_000)
    client = token_client(role)
    response = client.post(
        "/api/v1/shipments/", receive_body(order, ("KN-001", 600), ("KN-002", 400))
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == "AWB-176-2020" and body["received_by"] == client.user.username
    assert [(lot["lot_number"], lot["status"]) for lot in body["lots"]] == [
        ("KN-001", LotStatus.QUARANTINED),
        ("KN-002", LotStatus.QUARANTINED),
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED


def test_inspector_may_not_receive_shipments():
    order = factories.placed_order(quantity=1_000)
    response = token_client(Role.INSPECTOR).post(
        "/api/v1/shipments/", receive_body(order, ("KN-001", 10))
    )
    assert response.status_code == 403
    assert "receive shipments" in error_of(response)["message"]
    assert not Shipment.objects.exists()


def test_shipment_over_the_ordered_quantity_is_refused_whole():
    order = factories.placed_order(quantity=1_000)
    response = token_client(Role.WAREHOUSE_CLERK).post(
        "/api/v1/shipments/", receive_body(order, ("KN-001", 600), ("KN-002", 600))
    )
    assert response.status_code == 400
    assert "still open" in error_of(response)["message"]
    assert not Lot.objects.exists()


def test_shipment_with_a_bad_lot_shape_is_a_400_naming_the_field():
    order = factories.placed_order(quantity=1_000)
    body = receive_body(order, ("KN-001", -5))
    body["lots"][0]["expires_on"] = "not a date"
    error = error_of(token_client(Role.WAREHOUSE_CLERK).post("/api/v1/shipments/", body))
    assert {"lots.0.quantity", "lots.0.expires_on"} <= set(error["fields"])
    no_lots = token_client(Role.WAREHOUSE_CLERK).post("/api/v1/shipments/", receive_body(order))
    assert error_of(no_lots)["fields"] == {"lots.non_field_errors": ["This list may not be empty."]}


def test_shipment_against_a_draft_order_is_an_illegal_transition(officer):
    product = factories.ProductFactory()
    order = services.order_create(
        supplier=factories.SupplierFactory(),
        reference="PO-DRAFT",
        lines=[
            services.OrderLineInput(
                product=product,
                quantity=10,
                unit_price=1,
                required_standard=product.claimed_standard,
            )
        ],
        actor=officer,
    )
    response = token_client(Role.WAREHOUSE_CLERK).post(
        "/api/v1/shipments/", receive_body(order, ("KN-001", 5))
    )
    assert response.status_code == 409


def test_shipments_are_read_by_ministry_roles_only(hospital):
    lot = factories.received_lot()
    response = token_client(Role.INSPECTOR).get(f"/api/v1/shipments/{lot.shipment_id}/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["lots"]] == [lot.pk]
    staff = token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])
    assert staff.get("/api/v1/shipments/").status_code == 403
    assert APIClient().get("/api/v1/shipments/").status_code == 401
    assert token_client(Role.INSPECTOR).get("/api/v1/shipments/99999/").status_code == 404


def test_shipments_filter_by_supplier():
    lot = factories.received_lot()
    factories.received_lot()
    supplier = lot.shipment.order.supplier_id
    response = token_client(Role.INSPECTOR).get(f"/api/v1/shipments/?supplier={supplier}")
    assert [row["id"] for row in response.json()["results"]] == [lot.shipment_id]


def test_shipments_list_runs_the_same_queries_for_more_shipments(assert_flat_queries):
    for _ in range(3):
        factories.received_lot(quantity=10)

    def more():
        for _ in range(12):
            factories.received_lot(quantity=10)

    assert_flat_queries(
        token_client(Role.MINISTRY_OFFICER),
        "/api/v1/shipments/?page_size=100",
        more,
        lambda b: len(b["results"]),
    )
