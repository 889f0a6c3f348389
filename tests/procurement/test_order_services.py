"""Placing, cancelling and receiving against purchase orders."""

from decimal import Decimal

import pytest

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from procurement import services
from procurement.models import (
    IntendedUse,
    LocationKind,
    Lot,
    LotEvent,
    LotStatus,
    OrderEvent,
    OrderStatus,
    PurchaseOrder,
    Shipment,
    StockBalance,
    StockMovement,
)
from procurement.services import receiving
from tests import factories

pytestmark = pytest.mark.django_db


def _line(product, quantity=1_000, **kwargs):
    return services.OrderLineInput(
        product=product,
        quantity=quantity,
        unit_price=Decimal("0.95"),
        required_standard=product.claimed_standard,
        **kwargs,
    )


def _lot(order, number, quantity):
    return services.LotInput(order_line=order.lines.get(), lot_number=number, quantity=quantity)


def test_order_create_makes_a_draft_with_lines_and_an_event(officer):
    product = factories.ProductFactory()

    order = services.order_create(
        supplier=factories.SupplierFactory(),
        reference="PO-1",
        lines=[_line(product, 1_300_000)],
        actor=officer,
    )

    assert order.status == OrderStatus.DRAFT
    assert order.lines.get().quantity == 1_300_000
    assert OrderEvent.objects.get(order=order).to_status == OrderStatus.DRAFT


def test_order_create_refuses_a_line_of_zero_units(officer):
    with pytest.raises(InvalidInput, match="Line 1: the quantity must be above zero"):
        services.order_create(
            supplier=factories.SupplierFactory(),
            reference="PO-1",
            lines=[_line(factories.ProductFactory(), 0)],
            actor=officer,
        )


def test_order_create_refuses_an_order_without_lines(officer):
    with pytest.raises(InvalidInput, match="at least one line"):
        services.order_create(
            supplier=factories.SupplierFactory(), reference="PO-1", lines=[], actor=officer
        )


def test_order_create_refuses_a_duplicate_reference(officer):
    factories.placed_order(actor=officer)
    reference = PurchaseOrder.objects.get().reference
    with pytest.raises(InvalidInput, match="already exists"):
        services.order_create(
            supplier=factories.SupplierFactory(),
            reference=reference,
            lines=[_line(factories.ProductFactory())],
            actor=officer,
        )


def test_only_a_ministry_officer_creates_orders(clerk):
    with pytest.raises(NotPermitted, match="Only a ministry officer may create purchase orders"):
        services.order_create(
            supplier=factories.SupplierFactory(),
            reference="PO-1",
            lines=[_line(factories.ProductFactory())],
            actor=clerk,
        )


def test_order_place_moves_draft_to_placed_once(officer):
    order = services.order_create(
        supplier=factories.SupplierFactory(),
        reference="PO-1",
        lines=[_line(factories.ProductFactory())],
        actor=officer,
    )

    services.order_place(order=order, actor=officer)
    services.order_place(order=order, actor=officer)  # asking again is a no-op

    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert order.placed_at is not None
    assert list(order.events.values_list("to_status", flat=True)) == ["draft", "placed"]


def test_order_cancel_needs_a_reason(officer):
    order = factories.placed_order(actor=officer)
    with pytest.raises(InvalidInput, match="written reason"):
        services.order_cancel(order=order, actor=officer, reason="  ")


def test_order_cancel_is_refused_once_goods_arrived(officer):
    lot = factories.received_lot(quantity=10, actor=officer)
    order = lot.shipment.order
    with pytest.raises(IllegalTransition, match="cannot become cancelled"):
        services.order_cancel(order=order, actor=officer, reason="supplier failed")


def test_intended_use_mismatch_is_flagged_for_medical_use_of_a_non_medical_standard(officer):
    kn95 = factories.StandardFactory(code="GB 2626 KN95", is_medical=False)
    ffp2 = factories.StandardFactory(code="EN 149 FFP2", is_medical=True)
    product = factories.ProductFactory(claimed_standard=kn95)

    order = factories.placed_order(actor=officer, product=product, required_standard=ffp2)
    assert order.lines.get().intended_use_mismatch is True

    other = factories.placed_order(
        actor=officer, product=product, intended_use=IntendedUse.NON_MEDICAL
    )
    assert other.lines.get().intended_use_mismatch is False


def test_shipment_receive_creates_quarantined_lots_with_one_receipt_each(clerk, officer):
    order = factories.placed_order(actor=officer, quantity=1_300_000)

    shipment = services.shipment_receive(
        order=order,
        reference="AWB-1",
        lots=[_lot(order, "KN95-A", 260_000), _lot(order, "KN95-B", 260_000)],
        actor=clerk,
    )

    lots = list(shipment.lots.order_by("lot_number"))
    assert [lot.status for lot in lots] == [LotStatus.QUARANTINED] * 2
    assert StockMovement.objects.filter(kind="receipt").count() == 2
    warehouse = StockBalance.objects.filter(location__kind=LocationKind.WAREHOUSE)
    assert sorted(b.quantity for b in warehouse) == [260_000, 260_000]
    assert LotEvent.objects.filter(kind="received").count() == 2
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_RECEIVED


def test_shipment_receive_completes_the_order_when_everything_arrived(officer):
    order = factories.placed_order(actor=officer, quantity=500)
    services.shipment_receive(
        order=order, reference="AWB-1", lots=[_lot(order, "L-1", 500)], actor=officer
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED


def test_shipment_receive_records_the_intended_use_mismatch_on_the_lot(officer):
    kn95 = factories.StandardFactory(code="GB 2626 KN95", is_medical=False)
    ffp2 = factories.StandardFactory(code="EN 149 FFP2", is_medical=True)
    order = factories.placed_order(
        actor=officer,
        product=factories.ProductFactory(claimed_standard=kn95),
        required_standard=ffp2,
    )

    shipment = services.shipment_receive(
        order=order, reference="AWB-1", lots=[_lot(order, "L-1", 10)], actor=officer
    )

    event = shipment.lots.get().events.get(kind="received")
    assert event.data["intended_use_mismatch"] is True
    assert "mismatch" in event.reason


def test_shipment_receive_refuses_more_than_was_ordered_and_writes_nothing(officer):
    order = factories.placed_order(actor=officer, quantity=100)

    with pytest.raises(InvalidInput, match="only 100 of the 100 ordered are still open"):
        services.shipment_receive(
            order=order,
            reference="AWB-1",
            lots=[_lot(order, "L-1", 60), _lot(order, "L-2", 41)],
            actor=officer,
        )

    assert not Shipment.objects.exists()
    assert not Lot.objects.exists()
    assert not StockMovement.objects.exists()


def test_shipment_receive_refuses_a_lot_number_already_received(officer):
    order = factories.placed_order(actor=officer, quantity=100)
    services.shipment_receive(
        order=order, reference="AWB-1", lots=[_lot(order, "L-1", 10)], actor=officer
    )
    with pytest.raises(InvalidInput, match="L-1 was already received"):
        services.shipment_receive(
            order=order, reference="AWB-2", lots=[_lot(order, "L-1", 10)], actor=officer
        )


def test_shipment_receive_refuses_a_lot_number_twice_in_one_shipment(officer):
    order = factories.placed_order(actor=officer, quantity=100)
    with pytest.raises(InvalidInput, match="appears twice"):
        services.shipment_receive(
            order=order,
            reference="AWB-1",
            lots=[_lot(order, "L-1", 10), _lot(order, "L-1", 10)],
            actor=officer,
        )


def test_shipment_receive_refuses_expiry_before_manufacture(officer):
    import datetime as dt

    order = factories.placed_order(actor=officer, quantity=100)
    bad = services.LotInput(
        order_line=order.lines.get(),
        lot_number="L-1",
        quantity=10,
        manufactured_on=dt.date(2020, 3, 1),
        expires_on=dt.date(2020, 2, 1),
    )
    with pytest.raises(InvalidInput, match="expiry date must be after"):
        services.shipment_receive(order=order, reference="AWB-1", lots=[bad], actor=officer)


def test_shipment_receive_refuses_a_line_of_another_order(officer):
    order = factories.placed_order(actor=officer, quantity=100)
    other = factories.placed_order(actor=officer, quantity=100)
    stray = services.LotInput(order_line=other.lines.get(), lot_number="L-1", quantity=10)
    with pytest.raises(InvalidInput, match="not on order"):
        services.shipment_receive(order=order, reference="AWB-1", lots=[stray], actor=officer)


def test_shipment_receive_refuses_a_draft_order(officer):
    order = services.order_create(
        supplier=factories.SupplierFactory(),
        reference="PO-1",
        lines=[_line(factories.ProductFactory())],
        actor=officer,
    )
    with pytest.raises(IllegalTransition, match="only against a placed order"):
        services.shipment_receive(
            order=order, reference="AWB-1", lots=[_lot(order, "L-1", 10)], actor=officer
        )


def test_shipment_receive_refuses_the_same_shipment_reference_twice(officer):
    order = factories.placed_order(actor=officer, quantity=100)
    services.shipment_receive(
        order=order, reference="AWB-1", lots=[_lot(order, "L-1", 10)], actor=officer
    )
    with pytest.raises(InvalidInput, match="AWB-1 was already received"):
        services.shipment_receive(
            order=order, reference="AWB-1", lots=[_lot(order, "L-2", 10)], actor=officer
        )


def test_hospital_staff_cannot_receive_shipments(officer, hospital_user):
    order = factories.placed_order(actor=officer, quantity=100)
    with pytest.raises(NotPermitted):
        services.shipment_receive(
            order=order, reference="AWB-1", lots=[_lot(order, "L-1", 10)], actor=hospital_user
        )


def test_a_lot_number_taken_by_a_concurrent_receipt_gives_a_clear_error(officer, monkeypatch):
    # given the pre-check passed, but another receipt wrote the same number before our insert
    order = factories.placed_order(actor=officer, quantity=100)
    other = factories.received_lot(quantity=5, actor=officer)
    monkeypatch.setattr(receiving, "_check_lots_fit_order", lambda order, lots: None)

    with pytest.raises(InvalidInput, match=f"Lot number {other.lot_number} was already received"):
        services.shipment_receive(
            order=order, reference="AWB-9", lots=[_lot(order, other.lot_number, 5)], actor=officer
        )

    assert not Shipment.objects.filter(reference="AWB-9").exists()


def test_the_mismatch_rule_for_querysets_agrees_with_the_property(officer):
    from procurement.models import PurchaseOrderLine

    kn95 = factories.StandardFactory(code="GB 2626 KN95", is_medical=False)
    ffp2 = factories.StandardFactory(code="EN 149 FFP2", is_medical=True)
    mismatched = factories.placed_order(
        actor=officer, product=factories.ProductFactory(claimed_standard=kn95),
        required_standard=ffp2,
    ).lines.get()  # fmt: skip
    fine = factories.placed_order(actor=officer).lines.get()
    unclaimed = factories.placed_order(
        actor=officer, product=factories.ProductFactory(claimed_standard=None),
        required_standard=ffp2,
    ).lines.get()  # fmt: skip

    flagged = set(PurchaseOrderLine.objects.filter(PurchaseOrderLine.intended_use_mismatch_q()))

    assert flagged == {mismatched, unclaimed}
    assert all(line.intended_use_mismatch for line in flagged)
    assert not fine.intended_use_mismatch
