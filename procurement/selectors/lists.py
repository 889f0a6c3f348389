"""The API's and the panel's lists: each with what its serializer reads joined in, so a page of any
size runs the same number of queries."""

from __future__ import annotations

from django.db.models import F, Prefetch, QuerySet

from ..models import (
    CreditClaimEvent,
    Lot,
    OrderEvent,
    PurchaseOrder,
    PurchaseOrderLine,
    Shipment,
    StockMovement,
    SupplierReturn,
)


def orders_with_lines() -> QuerySet[PurchaseOrder]:
    """Purchase orders with their supplier and creator, and their lines (product, its claimed
    standard for the intended-use check, the required standard) in one more query."""
    lines = PurchaseOrderLine.objects.select_related(
        "product__claimed_standard", "required_standard"
    ).order_by("pk")
    return PurchaseOrder.objects.select_related("supplier", "created_by").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def order_events(order: PurchaseOrder) -> QuerySet[OrderEvent]:
    """An order's status changes with who made them."""
    return order.events.select_related("actor")


def shipments_with_lots() -> QuerySet[Shipment]:
    """Shipments with their order and receiver, and their lots in one more query."""
    return Shipment.objects.select_related("order", "received_by").prefetch_related(
        Prefetch("lots", queryset=lots_for_list().order_by("lot_number"))
    )


def lots_for_list() -> QuerySet[Lot]:
    """Lots as their rows show them: one query per page, whatever its size, and one object per
    row. The two values a row borrows from its order (the product's code and the supplier) are
    annotated (`product_sku`, `supplier_pk`) rather than joined in as whole objects: building
    five model instances a row is most of a page's cost."""
    return Lot.objects.annotate(
        product_sku=F("order_line__product__sku"),
        supplier_pk=F("shipment__order__supplier_id"),
    )


def movements_for_list() -> QuerySet[StockMovement]:
    """Ledger lines with their lot, both locations and the actor."""
    return StockMovement.objects.select_related(
        "lot", "from_location", "to_location", "actor"
    ).order_by("-id")


def supplier_returns_for_list() -> QuerySet[SupplierReturn]:
    """Returns to suppliers with their lot, its supplier, the creator and the claim's events."""
    events = CreditClaimEvent.objects.select_related("actor").order_by("at", "pk")
    return SupplierReturn.objects.select_related(
        "lot__shipment__order", "created_by"
    ).prefetch_related(Prefetch("claim_events", queryset=events))
