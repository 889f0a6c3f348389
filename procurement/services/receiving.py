"""Receiving a shipment against a placed order into quarantined lots, all lots or none."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import IllegalTransition, InvalidInput
from core.roles import Role, require_role

from ..models import (
    Lot,
    LotEvent,
    MovementKind,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Shipment,
)
from . import ledger
from .guards import receipt_guards
from .lots import _lot_event
from .orders import _order_move


@dataclass(frozen=True)
class LotInput:
    order_line: PurchaseOrderLine
    lot_number: str
    quantity: int
    manufactured_on: dt.date | None = None
    expires_on: dt.date | None = None


def shipment_receive(
    *,
    order: PurchaseOrder,
    reference: str,
    lots: Sequence[LotInput],
    actor,
    received_at: dt.datetime | None = None,
    notes: str = "",
) -> Shipment:
    """Receive a shipment into quarantined lots, one receipt movement into the warehouse each.

    All lots or none: any bad lot refuses the whole shipment with a message naming it.
    """
    require_role(actor, Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER, action="receive shipments")
    if not reference.strip():
        raise InvalidInput("A shipment needs a reference (airway bill, delivery note).")
    if not lots:
        raise InvalidInput("A shipment needs at least one lot.")
    received_at = received_at or timezone.now()
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        if order.status not in (OrderStatus.PLACED, OrderStatus.PARTIALLY_RECEIVED):
            raise IllegalTransition(
                f"Order {order.reference} is {order.get_status_display().lower()}; "
                "shipments can be received only against a placed order."
            )
        _check_lots_fit_order(order, lots)
        for guard in receipt_guards:
            guard(order, lots)
        try:
            shipment = Shipment.objects.create(
                order=order,
                reference=reference,
                received_at=received_at,
                received_by=actor,
                notes=notes,
            )
        except IntegrityError as exc:
            raise InvalidInput(
                f"Shipment {reference} was already received against {order.reference}."
            ) from exc
        for lot_input in lots:
            _lot_receive(shipment, lot_input, actor=actor, received_at=received_at)
        _order_update_received_status(order, actor=actor)
    return shipment


def _check_lots_fit_order(order: PurchaseOrder, lots: Sequence[LotInput]) -> None:
    lines = {line.pk: line for line in order.lines.all()}
    already = dict(
        Lot.objects.filter(order_line__order=order)
        .values("order_line")
        .annotate(total=Sum("quantity_received"))
        .values_list("order_line", "total")
    )
    arriving: dict[int, int] = defaultdict(int)
    numbers = [lot.lot_number.strip() for lot in lots]
    for index, lot in enumerate(lots, start=1):
        label = f"Lot {index} ({lot.lot_number or 'no number'})"
        if not lot.lot_number.strip():
            raise InvalidInput(f"Lot {index}: a lot number is required.")
        if numbers.count(lot.lot_number.strip()) > 1:
            raise InvalidInput(f"{label}: the lot number appears twice in this shipment.")
        if lot.order_line.pk not in lines:
            raise InvalidInput(f"{label}: its order line is not on order {order.reference}.")
        if lot.quantity <= 0:
            raise InvalidInput(f"{label}: the quantity must be above zero.")
        if lot.manufactured_on and lot.expires_on and lot.expires_on <= lot.manufactured_on:
            raise InvalidInput(f"{label}: the expiry date must be after the manufacturing date.")
        if Lot.objects.filter(lot_number=lot.lot_number.strip()).exists():
            raise InvalidInput(f"{label}: lot number {lot.lot_number} was already received.")
        arriving[lot.order_line.pk] += lot.quantity
    for line_pk, quantity in arriving.items():
        line = lines[line_pk]
        open_quantity = line.quantity - already.get(line_pk, 0)
        if quantity > open_quantity:
            raise InvalidInput(
                f"{line.product.name}: {quantity:,} units arriving but only {open_quantity:,} of "
                f"the {line.quantity:,} ordered are still open on {order.reference}."
            )


def _lot_receive(shipment: Shipment, lot_input: LotInput, *, actor, received_at) -> Lot:
    number = lot_input.lot_number.strip()
    try:
        with transaction.atomic():
            lot = Lot.objects.create(
                lot_number=number,
                shipment=shipment,
                order_line=lot_input.order_line,
                quantity_received=lot_input.quantity,
                manufactured_on=lot_input.manufactured_on,
                expires_on=lot_input.expires_on,
                received_at=received_at,
            )
    except IntegrityError as exc:  # another receipt took the number after our check
        raise InvalidInput(f"Lot number {number} was already received.") from exc
    ledger.movement_record(
        lot=lot,
        quantity=lot.quantity_received,
        from_location=None,
        to_location=ledger.warehouse_location(),
        kind=MovementKind.RECEIPT,
        actor=actor,
        reference=shipment.reference,
    )
    data = {"quantity": lot.quantity_received, "shipment": shipment.reference}
    reason = "Received into quarantine."
    if lot_input.order_line.intended_use_mismatch:
        data["intended_use_mismatch"] = True
        reason += (
            " Intended-use mismatch: ordered for medical use, certified to a non-medical standard."
        )
    _lot_event(lot, LotEvent.Kind.RECEIVED, actor=actor, reason=reason, data=data, from_status="")
    return lot


def _order_update_received_status(order: PurchaseOrder, *, actor) -> None:
    ordered = order.lines.aggregate(total=Sum("quantity"))["total"] or 0
    received = (
        Lot.objects.filter(order_line__order=order).aggregate(total=Sum("quantity_received"))[
            "total"
        ]
        or 0
    )
    target = OrderStatus.RECEIVED if received >= ordered else OrderStatus.PARTIALLY_RECEIVED
    if target != order.status:
        _order_move(order, target, actor=actor)
