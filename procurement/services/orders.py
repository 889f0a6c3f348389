"""Purchase orders: create a draft with its lines, place it, cancel it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import IllegalTransition, InvalidInput
from core.roles import Role, require_role
from core.validation import require_reason

from ..models import (
    ORDER_TRANSITIONS,
    IntendedUse,
    OrderEvent,
    OrderStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Standard,
    Supplier,
)


@dataclass(frozen=True)
class OrderLineInput:
    product: Product
    quantity: int
    unit_price: Decimal
    required_standard: Standard
    intended_use: str = IntendedUse.MEDICAL
    currency: str = "EUR"
    needed_by: dt.date | None = None


def order_create(
    *,
    supplier: Supplier,
    reference: str,
    lines: Sequence[OrderLineInput],
    actor,
    notes: str = "",
) -> PurchaseOrder:
    """Create a draft order with its lines. It is binding only once placed (`order_place`)."""
    require_role(actor, Role.MINISTRY_OFFICER, action="create purchase orders")
    if not reference.strip():
        raise InvalidInput("An order needs a reference.")
    if not lines:
        raise InvalidInput("An order needs at least one line.")
    for number, line in enumerate(lines, start=1):
        _check_order_line(number, line)
    if PurchaseOrder.objects.filter(reference=reference).exists():
        raise InvalidInput(f"An order with reference {reference} already exists.")
    with transaction.atomic():
        try:
            order = PurchaseOrder.objects.create(
                reference=reference, supplier=supplier, notes=notes, created_by=actor
            )
        except IntegrityError as exc:  # lost a race with another request for the same reference
            raise InvalidInput(f"An order with reference {reference} already exists.") from exc
        PurchaseOrderLine.objects.bulk_create(
            PurchaseOrderLine(order=order, **line.__dict__) for line in lines
        )
        mismatched = [line for line in order.lines.all() if line.intended_use_mismatch]
        OrderEvent.objects.create(
            order=order,
            to_status=OrderStatus.DRAFT,
            actor=actor,
            reason=_mismatch_note(mismatched),
        )
    return order


def _mismatch_note(lines: Sequence[PurchaseOrderLine]) -> str:
    if not lines:
        return ""
    products = ", ".join(line.product.name for line in lines)
    return (
        f"Intended-use mismatch on {products}: ordered for medical use, certified only to a "
        "non-medical standard. Lots will need an officer's written override to be released."
    )


def _check_order_line(number: int, line: OrderLineInput) -> None:
    if line.quantity <= 0:
        raise InvalidInput(f"Line {number}: the quantity must be above zero.")
    if line.unit_price < 0:
        raise InvalidInput(f"Line {number}: the unit price cannot be negative.")
    if len(line.currency) != 3:
        raise InvalidInput(f"Line {number}: the currency must be a three-letter code (EUR).")


def order_place(*, order: PurchaseOrder, actor, reason: str = "") -> PurchaseOrder:
    """Commit a draft order to the supplier; from now on shipments can be received against it.

    `reason` (optional here; the admin panel asks for it) is recorded on the order's event.
    """
    require_role(actor, Role.MINISTRY_OFFICER, action="place purchase orders")
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        if order.status == OrderStatus.PLACED:
            return order
        if not order.lines.exists():
            raise InvalidInput(f"Order {order.reference} has no lines to place.")
        _order_move(order, OrderStatus.PLACED, actor=actor, reason=(reason or "").strip())
        order.placed_at = timezone.now()
        order.save(update_fields=["placed_at"])
    return order


def order_cancel(*, order: PurchaseOrder, actor, reason: str) -> PurchaseOrder:
    """Cancel an order of which nothing has been received yet."""
    require_role(actor, Role.MINISTRY_OFFICER, action="cancel purchase orders")
    reason = require_reason(reason, "cancelling an order")
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        if order.status == OrderStatus.CANCELLED:
            return order
        _order_move(order, OrderStatus.CANCELLED, actor=actor, reason=reason)
    return order


def _order_move(order: PurchaseOrder, to_status: str, *, actor, reason: str = "") -> None:
    if to_status not in ORDER_TRANSITIONS[order.status]:
        raise IllegalTransition(
            f"Order {order.reference} is {order.get_status_display().lower()}; "
            f"it cannot become {OrderStatus(to_status).label.lower()}."
        )
    from_status = order.status
    order.status = to_status
    order.save(update_fields=["status"])
    OrderEvent.objects.create(
        order=order, from_status=from_status, to_status=to_status, actor=actor, reason=reason
    )
