"""Every write that matters on the supply side. Pages, admin actions, the API, tasks and the demo
loader all call these functions; nothing else changes a status or a quantity.

Each service locks what it changes (`select_for_update`), checks its guard, writes with
`update_fields`, records an event row in the same transaction, and raises a `DomainError` with a
message for people when the move is not allowed. Asking for the status a lot is already in is a
no-op.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import ledger, outbox
from .errors import IllegalTransition, InvalidInput, NotPermitted
from .models import (
    CREDIT_CLAIM_TRANSITIONS,
    ORDER_TRANSITIONS,
    CreditClaimEvent,
    CreditClaimStatus,
    Distribution,
    Hospital,
    IntendedUse,
    LocationKind,
    Lot,
    LotEvent,
    LotStatus,
    MovementKind,
    OrderEvent,
    OrderStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReleaseBasis,
    Shipment,
    Standard,
    StockMovement,
    Supplier,
    SupplierReturn,
    UserPreference,
    lot_may_move,
)
from .roles import Role, require_role
from .selectors import ledger_violations, lot_was_dispatched, user_may_act_for_hospital

# ---------------------------------------------------------------------------------------------
# Checks other apps add without procurement importing them (the dependency runs one way:
# inspections imports procurement). Each guard raises a DomainError to refuse. inspections
# registers its guards in InspectionsConfig.ready().

ReceiptGuard = Callable[["PurchaseOrder", Sequence["LotInput"]], None]
ReleaseGuard = Callable[["Lot", str], None]
receipt_guards: list[ReceiptGuard] = []
release_guards: list[ReleaseGuard] = []


# ---------------------------------------------------------------------------------------------
# Purchase orders


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


def order_place(*, order: PurchaseOrder, actor) -> PurchaseOrder:
    """Commit a draft order to the supplier; from now on shipments can be received against it."""
    require_role(actor, Role.MINISTRY_OFFICER, action="place purchase orders")
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
        if order.status == OrderStatus.PLACED:
            return order
        if not order.lines.exists():
            raise InvalidInput(f"Order {order.reference} has no lines to place.")
        _order_move(order, OrderStatus.PLACED, actor=actor)
        order.placed_at = timezone.now()
        order.save(update_fields=["placed_at"])
    return order


def order_cancel(*, order: PurchaseOrder, actor, reason: str) -> PurchaseOrder:
    """Cancel an order of which nothing has been received yet."""
    require_role(actor, Role.MINISTRY_OFFICER, action="cancel purchase orders")
    reason = _require_reason(reason, "cancelling an order")
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


# ---------------------------------------------------------------------------------------------
# Receiving


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


# ---------------------------------------------------------------------------------------------
# Lot status


def lot_release(
    *,
    lot: Lot,
    actor,
    basis: str,
    reason: str = "",
    evidence: dict | None = None,
    mismatch_override: str = "",
) -> Lot:
    """Release a lot for distribution, recording the basis.

    On an accepted inspection (inspector or officer), or, in an emergency, on documents alone: a
    ministry officer only, with a written reason, and only from quarantine. A lot released on
    documents still needs a test (`Lot.needs_test`). A lot with an intended-use mismatch is
    released only with a ministry officer's written override.
    """
    if basis == ReleaseBasis.DOCUMENTS:
        require_role(actor, Role.MINISTRY_OFFICER, action="release a lot on documents")
        reason = _require_reason(reason, "an emergency release on documents")
    elif basis == ReleaseBasis.INSPECTION:
        require_role(actor, Role.INSPECTOR, Role.MINISTRY_OFFICER, action="release a lot")
        reason = _require_reason(
            reason, "a release on an accepted inspection (name the inspection or lab report)"
        )
    else:
        raise InvalidInput(f"Unknown release basis {basis!r}.")
    with transaction.atomic():
        lot = _lock_lot(lot)
        if lot.status == LotStatus.RELEASED and (
            lot.release_basis == basis or basis == ReleaseBasis.DOCUMENTS
        ):
            return lot
        if basis == ReleaseBasis.DOCUMENTS and lot.status != LotStatus.QUARANTINED:
            raise IllegalTransition(
                f"Lot {lot.lot_number} is {lot.get_status_display().lower()}; only a quarantined "
                "lot can be released on documents."
            )
        if lot.status == LotStatus.RELEASED:
            # Released on documents before, now backed by an inspection: record the new basis.
            previous = lot.release_basis
            lot.release_basis = basis
            lot.save(update_fields=["release_basis"])
            _lot_event(
                lot,
                LotEvent.Kind.STATUS_CHANGED,
                actor=actor,
                reason=reason,
                data={"basis": basis, "previous_basis": previous, **(evidence or {})},
            )
            return lot
        if not lot_may_move(lot.status, LotStatus.RELEASED):
            raise _illegal(lot, LotStatus.RELEASED)
        override = _check_mismatch_override(lot, actor, mismatch_override)
        if override:
            evidence = {**(evidence or {}), "mismatch_override": override}
        for guard in release_guards:
            guard(lot, basis)
        previous = lot.release_basis
        lot.release_basis = basis
        lot.released_at = timezone.now()
        _lot_move(
            lot,
            LotStatus.RELEASED,
            actor=actor,
            reason=reason,
            data={"basis": basis, "previous_basis": previous, **(evidence or {})},
            extra_fields=["release_basis", "released_at"],
        )
    return lot


def _check_mismatch_override(lot: Lot, actor, override: str) -> str:
    """The officer's written override a mismatched lot needs to be released ("" if none)."""
    if not lot.order_line.intended_use_mismatch:
        return ""
    override = (override or "").strip()
    if not override:
        raise IllegalTransition(
            f"Lot {lot.lot_number} has an intended-use mismatch: ordered for medical use, "
            "certified only to a non-medical standard. A ministry officer's written override "
            "is needed to release it."
        )
    require_role(actor, Role.MINISTRY_OFFICER, action="override an intended-use mismatch")
    return override


def lot_hold(*, lot: Lot, actor, reason: str) -> Lot:
    """Put a lot on hold: suspect, nothing more may be dispatched until it is decided."""
    require_role(actor, Role.MINISTRY_OFFICER, Role.INSPECTOR, action="put a lot on hold")
    reason = _require_reason(reason, "putting a lot on hold")
    with transaction.atomic():
        lot = _lock_lot(lot)
        if lot.status != LotStatus.ON_HOLD:
            _lot_move(lot, LotStatus.ON_HOLD, actor=actor, reason=reason)
    return lot


def lot_reject(*, lot: Lot, actor, reason: str) -> Lot:
    """Reject a lot that failed before any unit left the warehouse."""
    require_role(actor, Role.MINISTRY_OFFICER, Role.INSPECTOR, action="reject a lot")
    reason = _require_reason(reason, "rejecting a lot")
    with transaction.atomic():
        lot = _lock_lot(lot)
        if lot.status == LotStatus.REJECTED:
            return lot
        if lot_was_dispatched(lot):
            raise IllegalTransition(
                f"Units of lot {lot.lot_number} have reached hospitals; it must be recalled, "
                "not rejected."
            )
        _lot_move(lot, LotStatus.REJECTED, actor=actor, reason=reason)
    return lot


def lot_recall(*, lot: Lot, actor, reason: str) -> Lot:
    """Mark a lot recalled: it failed after units reached hospitals. Nothing more is dispatched."""
    require_role(actor, Role.MINISTRY_OFFICER, action="recall a lot")
    reason = _require_reason(reason, "recalling a lot")
    with transaction.atomic():
        lot = _lock_lot(lot)
        if lot.status == LotStatus.RECALLED:
            return lot
        if not lot_was_dispatched(lot):
            raise IllegalTransition(
                f"No unit of lot {lot.lot_number} ever left the warehouse; reject it instead "
                "of recalling it."
            )
        _lot_move(lot, LotStatus.RECALLED, actor=actor, reason=reason)
    return lot


DISPOSAL_KINDS = {
    LocationKind.SUPPLIER: MovementKind.RETURN_TO_SUPPLIER,
    LocationKind.DESTROYED: MovementKind.DESTRUCTION,
}


def lot_dispose(*, lot: Lot, actor, method: str, reason: str, reference: str = "") -> Lot:
    """Send a rejected or recalled lot's warehouse stock back to the supplier or destroy it.

    Refused while any hospital still holds units: those must come back (or be accounted as
    used) first, so that the lot's disposal is the end of its story.
    """
    require_role(actor, Role.MINISTRY_OFFICER, action="dispose of a lot")
    reason = _require_reason(reason, "disposing of a lot")
    sink = LocationKind(method) if method in LocationKind.values else None
    if sink not in DISPOSAL_KINDS:
        raise InvalidInput("Dispose by returning to the supplier or by destruction.")
    with transaction.atomic():
        lot = _lock_lot(lot)
        if lot.status == LotStatus.DISPOSED:
            return lot
        _lot_dispose_locked(lot, actor=actor, sink=sink, reason=reason, reference=reference)
    return lot


def _lot_dispose_locked(
    lot: Lot,
    *,
    actor,
    sink: LocationKind,
    reason: str,
    reference: str,
    doing: str = "disposing of the lot",
    nothing_to_move: str = "",
) -> StockMovement | None:
    """Move every unit the warehouse holds of a locked lot to a disposal sink and mark the lot
    disposed: what `lot_dispose` and `supplier_return_create` share, checks included. Returns
    the movement, or None when the warehouse held nothing.

    `doing` names the act in the refusals. Units still at hospitals or on their way back refuse
    it (units that never arrived have moved on to "lost in return"); `nothing_to_move`, when
    given, refuses an empty warehouse with that message instead of disposing of nothing.
    """
    if not lot_may_move(lot.status, LotStatus.DISPOSED):
        raise _illegal(lot, LotStatus.DISPOSED)
    _check_no_units_out(lot, doing)
    warehouse = ledger.warehouse_location()
    in_warehouse = ledger.balance_of(lot, warehouse)
    if not in_warehouse and nothing_to_move:
        raise IllegalTransition(nothing_to_move)
    movement = None
    if in_warehouse:
        movement = ledger.movement_record(
            lot=lot,
            quantity=in_warehouse,
            from_location=warehouse,
            to_location=ledger.location_of_kind(sink),
            kind=DISPOSAL_KINDS[sink],
            actor=actor,
            reference=reference,
        )
    _lot_move(
        lot,
        LotStatus.DISPOSED,
        actor=actor,
        reason=reason,
        data={"method": sink.value, "quantity": in_warehouse, "reference": reference},
    )
    return movement


def _check_no_units_out(lot: Lot, doing: str) -> None:
    """Refuse while hospitals hold units of the lot or units are on their way back, saying
    which."""
    at_hospitals = _units_at_hospitals(lot)
    if at_hospitals:
        raise IllegalTransition(
            f"{at_hospitals:,} units of lot {lot.lot_number} are still at hospitals; record "
            f"their return before {doing}."
        )
    in_transit = (
        lot.balances.filter(location__kind=LocationKind.IN_TRANSIT).aggregate(
            total=Sum("quantity")
        )["total"]
        or 0
    )
    if in_transit:
        raise IllegalTransition(
            f"{in_transit:,} units of lot {lot.lot_number} are in transit back from hospitals; "
            f"record their arrival at the warehouse before {doing}."
        )


# ---------------------------------------------------------------------------------------------
# Supplier returns and credit claims

CENT = Decimal("0.01")
# What the credit amount field holds: 14 digits, 2 of them after the point.
MAX_CREDIT = Decimal("1e12") - CENT


def supplier_return_create(
    *,
    lot: Lot,
    actor,
    authorisation_reference: str,
    credit_amount: Decimal | int | str | None = None,
    currency: str | None = None,
    reason: str,
) -> SupplierReturn:
    """Send every unit the warehouse holds of a rejected or recalled lot back to its supplier,
    under the supplier's return authorisation, and claim the credit for them.

    The disposal itself is `lot_dispose`'s (to the supplier sink, the lot becomes disposed), in
    the same transaction as the return's record and its first claim event ("" -> claimed).
    Refused while hospitals hold units or units are in transit back, and when the warehouse
    holds none. Without an amount the credit is the units at the order line's unit price, in
    the line's currency.
    """
    require_role(actor, Role.MINISTRY_OFFICER, action="return a lot to its supplier")
    reason = _require_reason(reason, "returning a lot to its supplier")
    authorisation_reference = _check_authorisation_reference(authorisation_reference)
    credit_amount = _check_credit_amount(credit_amount)
    currency = _check_currency(currency)
    with transaction.atomic():
        lot = _lock_lot(lot)
        if lot.status not in (LotStatus.REJECTED, LotStatus.RECALLED):
            raise IllegalTransition(
                f"Lot {lot.lot_number} is {lot.get_status_display().lower()}; only a rejected "
                "or recalled lot can be returned to its supplier."
            )
        line = lot.order_line
        if credit_amount is None and currency not in (None, line.currency):
            raise InvalidInput(
                f"Lot {lot.lot_number} was bought in {line.currency}: give the credit amount to "
                f"claim it in {currency}."
            )
        movement = _lot_dispose_locked(
            lot,
            actor=actor,
            sink=LocationKind.SUPPLIER,
            reason=reason,
            reference=authorisation_reference,
            doing="returning the lot to its supplier",
            nothing_to_move=(
                f"The warehouse holds no unit of lot {lot.lot_number}: there is nothing to "
                "return to the supplier."
            ),
        )
        if credit_amount is None:
            credit_amount = credit_claim_default(order_line=line, quantity=movement.quantity)
        supplier_return = SupplierReturn.objects.create(
            lot=lot,
            movement=movement,
            quantity=movement.quantity,
            authorisation_reference=authorisation_reference,
            credit_amount=credit_amount,
            currency=currency or line.currency,
            created_by=actor,
        )
        CreditClaimEvent.objects.create(
            supplier_return=supplier_return,
            from_status="",
            to_status=supplier_return.claim_status,
            actor=actor,
            reason=reason,
        )
    return supplier_return


def credit_claim_default(*, order_line: PurchaseOrderLine, quantity: int) -> Decimal:
    """The credit claimed when none is given: the units at the line's unit price, to the cent."""
    return (order_line.unit_price * quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def credit_claim_set_status(
    *, supplier_return: SupplierReturn, status: str, actor, reason: str
) -> SupplierReturn:
    """Record the supplier's answer to a credit claim (accepted, refused) or its payment.

    Follows CREDIT_CLAIM_TRANSITIONS, with an event per change; asking for the status the claim
    is already in is a no-op.
    """
    require_role(actor, Role.MINISTRY_OFFICER, action="change the status of a credit claim")
    reason = _require_reason(reason, "changing the status of a credit claim")
    if status not in CreditClaimStatus.values:
        raise InvalidInput(f"Unknown credit claim status {status!r}.")
    with transaction.atomic():
        supplier_return = (
            SupplierReturn.objects.select_for_update(of=("self",))
            .select_related("lot")
            .get(pk=supplier_return.pk)
        )
        from_status = supplier_return.claim_status
        if from_status == status:
            return supplier_return
        if status not in CREDIT_CLAIM_TRANSITIONS.get(from_status, frozenset()):
            raise IllegalTransition(
                f"The credit claim of return {supplier_return.authorisation_reference} is "
                f"{supplier_return.get_claim_status_display().lower()}; it cannot become "
                f"{CreditClaimStatus(status).label.lower()}."
            )
        supplier_return.claim_status = status
        supplier_return.save(update_fields=["claim_status"])
        CreditClaimEvent.objects.create(
            supplier_return=supplier_return,
            from_status=from_status,
            to_status=status,
            actor=actor,
            reason=reason,
        )
    return supplier_return


def _check_authorisation_reference(reference: str) -> str:
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput("A return to the supplier needs the supplier's return authorisation.")
    limit = SupplierReturn._meta.get_field("authorisation_reference").max_length
    if len(reference) > limit:
        raise InvalidInput(f"The return authorisation has at most {limit} characters.")
    return reference


def _check_credit_amount(amount: Decimal | int | str | None) -> Decimal | None:
    if amount is None or amount == "":
        return None
    try:
        number = Decimal(str(amount))
    except InvalidOperation as exc:
        raise InvalidInput(f"The credit amount {amount!r} is not a number.") from exc
    if not number.is_finite():
        raise InvalidInput(f"The credit amount {amount!r} is not a number.")
    if number < 0:
        raise InvalidInput("The credit amount must be zero or more.")
    if number > MAX_CREDIT or number != number.quantize(CENT):
        raise InvalidInput(
            "The credit amount must have at most two decimals and stay below 1,000,000,000,000."
        )
    return number


def _check_currency(currency: str | None) -> str | None:
    currency = (currency or "").strip().upper()
    if not currency:
        return None
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidInput("The currency must be a three-letter code (EUR).")
    return currency


# ---------------------------------------------------------------------------------------------
# Lot dates, and the helpers every lot service uses


def lot_correct_dates(
    *,
    lot: Lot,
    actor,
    manufactured_on: dt.date | None,
    expires_on: dt.date | None,
    reason: str,
) -> Lot:
    """Correct a lot's manufacturing or expiry date as printed on the goods.

    The expiry date decides whether a lot may be dispatched, so a correction is an officer's
    act with a written reason and an event that keeps the old and the new dates.
    """
    require_role(actor, Role.MINISTRY_OFFICER, action="correct a lot's dates")
    reason = _require_reason(reason, "correcting a lot's dates")
    if manufactured_on and expires_on and expires_on <= manufactured_on:
        raise InvalidInput("The expiry date must be after the manufacturing date.")
    with transaction.atomic():
        lot = _lock_lot(lot)
        before = {"manufactured_on": lot.manufactured_on, "expires_on": lot.expires_on}
        after = {"manufactured_on": manufactured_on, "expires_on": expires_on}
        if before == after:
            return lot
        lot.manufactured_on, lot.expires_on = manufactured_on, expires_on
        lot.save(update_fields=["manufactured_on", "expires_on"])
        _lot_event(
            lot,
            LotEvent.Kind.DATES_CORRECTED,
            actor=actor,
            reason=reason,
            data={
                "before": {k: v.isoformat() if v else None for k, v in before.items()},
                "after": {k: v.isoformat() if v else None for k, v in after.items()},
            },
        )
    return lot


def _lot_move(
    lot: Lot,
    to_status: str,
    *,
    actor,
    reason: str,
    data: dict | None = None,
    extra_fields: Sequence[str] = (),
) -> None:
    if not lot_may_move(lot.status, to_status):
        raise _illegal(lot, to_status)
    from_status = lot.status
    lot.status = to_status
    lot.save(update_fields=["status", *extra_fields])
    _lot_event(
        lot,
        LotEvent.Kind.STATUS_CHANGED,
        actor=actor,
        reason=reason,
        data=data,
        from_status=from_status,
    )


def _lot_event(
    lot: Lot,
    kind: str,
    *,
    actor,
    reason: str = "",
    data: dict | None = None,
    from_status: str | None = None,
) -> LotEvent:
    """The one place a lot event is written; the status stays as it is unless from_status says
    where the lot came from."""
    return LotEvent.objects.create(
        lot=lot,
        kind=kind,
        from_status=lot.status if from_status is None else from_status,
        to_status=lot.status,
        actor=actor,
        reason=reason,
        data=data or {},
    )


def _illegal(lot: Lot, to_status: str) -> IllegalTransition:
    return IllegalTransition(
        f"Lot {lot.lot_number} is {lot.get_status_display().lower()}; it cannot become "
        f"{LotStatus(to_status).label.lower()}."
    )


def _lock_lot(lot: Lot) -> Lot:
    """Lock the lot row, and only it: FOR UPDATE on the joined order line and product would make
    every lot of the same order line wait for each other."""
    return (
        Lot.objects.select_for_update(of=("self",))
        .select_related("order_line__product__claimed_standard")
        .get(pk=lot.pk)
    )


def _units_at_hospitals(lot: Lot) -> int:
    return (
        lot.balances.filter(location__kind=LocationKind.HOSPITAL).aggregate(total=Sum("quantity"))[
            "total"
        ]
        or 0
    )


def _require_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(f"A written reason is required for {what}.")
    return reason


# ---------------------------------------------------------------------------------------------
# Distribution and use


def distribution_dispatch(
    *, lot: Lot, hospital: Hospital, quantity: int, actor, note: str = ""
) -> Distribution:
    """Dispatch units of a released lot from the warehouse to a hospital.

    Only released, unexpired stock; never more than the warehouse holds, also when several
    clerks dispatch from the same lot at once (the lot and the balance rows are locked).
    """
    _require_dispatcher(actor)
    _check_dispatch_quantity(quantity)
    with transaction.atomic():
        lot = _lock_lot(lot)
        _check_dispatchable(lot)
        movement = ledger.movement_record(
            lot=lot,
            quantity=quantity,
            from_location=ledger.warehouse_location(),
            to_location=ledger.hospital_location(hospital),
            kind=MovementKind.DISPATCH,
            actor=actor,
            reference=hospital.code,
        )
        distribution = Distribution.objects.create(
            lot=lot,
            hospital=hospital,
            quantity=quantity,
            movement=movement,
            dispatched_by=actor,
            note=note,
        )
        _lot_event(lot, LotEvent.Kind.DISPATCHED, actor=actor, data=_dispatch_data(distribution))
    return distribution


def distribution_dispatch_many(
    *, lot: Lot, rows: Sequence[tuple[Hospital, int]], actor, note: str = ""
) -> list[Distribution]:
    """Dispatch units of one released lot to many hospitals at once: (hospital, quantity) rows.

    What `distribution_dispatch` does for each row (a movement, a Distribution pointing at it and
    a DISPATCHED lot event each, with the same checks), in a number of queries that does not grow
    with the rows: the warehouse balance is locked and checked once against the rows' total, and
    the rows are written in bulk. All rows or none. Returns the distributions in row order.
    """
    _require_dispatcher(actor)
    for _hospital, quantity in rows:
        _check_dispatch_quantity(quantity)
    if not rows:
        return []
    with transaction.atomic():
        lot = _lock_lot(lot)
        _check_dispatchable(lot)
        locations = ledger.hospital_locations(hospital for hospital, _quantity in rows)
        movements = ledger.movements_record_many(
            lot=lot,
            from_location=ledger.warehouse_location(),
            moves=[
                ledger.Outgoing(locations[hospital.pk], quantity, reference=hospital.code)
                for hospital, quantity in rows
            ],
            kind=MovementKind.DISPATCH,
            actor=actor,
        )
        distributions = Distribution.objects.bulk_create(
            [
                Distribution(
                    lot=lot,
                    hospital=hospital,
                    quantity=quantity,
                    movement=movement,
                    dispatched_by=actor,
                    note=note,
                )
                for (hospital, quantity), movement in zip(rows, movements, strict=True)
            ],
            batch_size=ledger.BULK_BATCH,
        )
        # The rows `_lot_event` writes for one dispatch, written together.
        LotEvent.objects.bulk_create(
            [
                LotEvent(
                    lot=lot,
                    kind=LotEvent.Kind.DISPATCHED,
                    from_status=lot.status,
                    to_status=lot.status,
                    actor=actor,
                    data=_dispatch_data(distribution),
                )
                for distribution in distributions
            ],
            batch_size=ledger.BULK_BATCH,
        )
    return distributions


def lot_dispatch_refusal(lot: Lot) -> str:
    """Why no unit of the lot may be dispatched now, or "" when it may: only released stock that
    has not expired. The services ask it of the locked lot; pages may ask it early."""
    if lot.status != LotStatus.RELEASED:
        return _("Lot %(lot)s is %(status)s; only released stock can be dispatched.") % {
            "lot": lot.lot_number,
            "status": lot.get_status_display().lower(),
        }
    if lot.expires_on and lot.expires_on < timezone.localdate():
        return _("Lot %(lot)s expired on %(date)s; it cannot be dispatched.") % {
            "lot": lot.lot_number,
            "date": lot.expires_on.isoformat(),
        }
    return ""


def _check_dispatchable(lot: Lot) -> None:
    refusal = lot_dispatch_refusal(lot)
    if refusal:
        raise IllegalTransition(refusal)


def _require_dispatcher(actor) -> None:
    require_role(actor, Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER, action="dispatch stock")


def _check_dispatch_quantity(quantity: int) -> None:
    if quantity is None or quantity <= 0:
        raise InvalidInput("The quantity to dispatch must be a whole number above zero.")


def _dispatch_data(distribution: Distribution) -> dict:
    """The data of a DISPATCHED lot event: what went where, and the distribution it made."""
    return {
        "hospital": distribution.hospital.code,
        "quantity": distribution.quantity,
        "distribution": distribution.pk,
    }


# Units of these lots are no longer "used up" by a hospital's own record: a recalled lot's use is
# reported in the reply to its recall notice, so the ministry's count of units out there holds.
NO_CONSUMPTION_STATUSES = frozenset({LotStatus.RECALLED, LotStatus.REJECTED, LotStatus.DISPOSED})


def stock_consume(*, lot: Lot, hospital: Hospital, quantity: int, actor) -> None:
    """Record units of a lot used up at a hospital, so its stock on hand stays true."""
    if not user_may_act_for_hospital(actor, hospital):
        require_role(
            actor, Role.MINISTRY_OFFICER, action=gettext_lazy("record use at this hospital")
        )
    with transaction.atomic():
        lot = _lock_lot(lot)
        if lot.status in NO_CONSUMPTION_STATUSES:
            raise IllegalTransition(
                _(
                    "Lot %(lot)s is %(status)s: stop using it. Units already used are reported "
                    "in the reply to the recall notice."
                )
                % {"lot": lot.lot_number, "status": lot.get_status_display().lower()}
            )
        ledger.movement_record(
            lot=lot,
            quantity=quantity,
            from_location=ledger.hospital_location(hospital),
            to_location=ledger.location_of_kind(LocationKind.CONSUMED),
            kind=MovementKind.CONSUMPTION,
            actor=actor,
            reference=hospital.code,
        )
        _lot_event(
            lot,
            LotEvent.Kind.CONSUMED,
            actor=actor,
            data={"hospital": hospital.code, "quantity": quantity},
        )


def stock_return_from_hospital(
    *, lot: Lot, hospital: Hospital, quantity: int, actor, reference: str = ""
) -> StockMovement:
    """Record units of a lot arriving back at the central warehouse from a hospital.

    Recorded by the warehouse when the units arrive. They keep the lot's status, so returned
    units of a recalled or on-hold lot stay segregated: only released stock is dispatched.
    """
    require_role(
        actor, Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER, action="record returns from hospitals"
    )
    with transaction.atomic():
        lot = _lock_lot(lot)
        if lot.status == LotStatus.DISPOSED:
            raise IllegalTransition(f"Lot {lot.lot_number} is disposed; nothing can come back.")
        movement = ledger.movement_record(
            lot=lot,
            quantity=quantity,
            from_location=ledger.hospital_location(hospital),
            to_location=ledger.warehouse_location(),
            kind=MovementKind.RETURN_FROM_HOSPITAL,
            actor=actor,
            reference=reference or hospital.code,
        )
        _lot_event(
            lot,
            LotEvent.Kind.RETURNED,
            actor=actor,
            data={"hospital": hospital.code, "quantity": quantity, "reference": reference},
        )
    return movement


def distribution_confirm_receipt(
    *, distribution: Distribution, quantity_received: int, actor, remark: str = ""
) -> Distribution:
    """The hospital confirms a delivery with the number of units that actually arrived.

    A difference from what was dispatched is a discrepancy: it needs a remark (what happened),
    is kept on the delivery for the ministry to see and mailed to the ministry's quality desk.
    The ledger is not changed here: where the missing units went is the ministry's to settle.
    A delivery is confirmed once.
    """
    if not user_may_act_for_hospital(actor, distribution.hospital):
        raise NotPermitted(_("Only staff of the receiving hospital can confirm this delivery."))
    if quantity_received is None or quantity_received < 0:
        raise InvalidInput(_("The quantity received must be a whole number, zero or more."))
    remark = (remark or "").strip()
    if quantity_received != distribution.quantity and not remark:
        raise InvalidInput(
            ngettext(
                "%(received)s unit differs from the %(sent)s dispatched: say what happened "
                "(for example: two cartons missing, one carton crushed).",
                "%(received)s units differs from the %(sent)s dispatched: say what happened "
                "(for example: two cartons missing, one carton crushed).",
                quantity_received,
            )
            % {
                "received": number_format(quantity_received, force_grouping=True),
                "sent": number_format(distribution.quantity, force_grouping=True),
            }
        )
    with transaction.atomic():
        distribution = (
            Distribution.objects.select_for_update(of=("self",))
            .select_related("lot", "hospital")
            .get(pk=distribution.pk)
        )
        if distribution.status == Distribution.Status.CONFIRMED:
            raise IllegalTransition(
                _("This delivery was already confirmed on %(date)s.")
                % {"date": f"{timezone.localtime(distribution.confirmed_at):%Y-%m-%d %H:%M}"}
            )
        distribution.status = Distribution.Status.CONFIRMED
        distribution.quantity_received = quantity_received
        distribution.confirmed_at = timezone.now()
        distribution.confirmed_by = actor
        distribution.receipt_remark = remark
        distribution.save(
            update_fields=[
                "status",
                "quantity_received",
                "confirmed_at",
                "confirmed_by",
                "receipt_remark",
            ]
        )
        _lot_event(
            distribution.lot,
            LotEvent.Kind.RECEIPT_CONFIRMED,
            actor=actor,
            reason=remark,
            data={
                "distribution": distribution.pk,
                "hospital": distribution.hospital.code,
                "dispatched": distribution.quantity,
                "received": quantity_received,
                "discrepancy": distribution.discrepancy,
            },
        )
        if distribution.discrepancy:
            outbox.email_enqueue(
                key=receipt_discrepancy_email_key(distribution.pk),
                to=settings.MINISTRY_ALERT_EMAILS,
                template="receipt_discrepancy",
                context={"distribution": distribution, "actor": actor},
                language=settings.LANGUAGE_CODE,
            )
    return distribution


def receipt_discrepancy_email_key(distribution_id: int) -> str:
    """The outbox key of the ministry's alert about a delivery's receipt discrepancy."""
    return f"receipt-discrepancy-{distribution_id}"


def user_language_set(*, user, language: str) -> UserPreference:
    """Remember the language a user reads pages and e-mails in ("" = their hospital's)."""
    if language and language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Unknown language %(language)r.") % {"language": language})
    preference, _created = UserPreference.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return preference


# ---------------------------------------------------------------------------------------------
# Ledger watch


def ledger_check_report() -> int:
    """Run the ledger check and e-mail the ministry's quality desk when any lot does not add up.

    Returns the number of lots in violation. Called by the nightly `ledger_check_task`.
    """
    violations = ledger_violations()
    if violations and settings.MINISTRY_ALERT_EMAILS:
        lines = [f"{entry.lot_number}: " + "; ".join(entry.problems) for entry in violations]
        send_mail(
            subject=f"Ledger check: {len(violations)} lot(s) do not add up",
            message="\n".join(lines),
            from_email=None,
            recipient_list=settings.MINISTRY_ALERT_EMAILS,
        )
    return len(violations)


# ---------------------------------------------------------------------------------------------
# Recall returns and reported use
#
# A hospital ships units of a recalled (or on-hold) lot back: hospital -> returns in transit.
# The warehouse records what arrived: in transit -> warehouse, where the units keep their lot's
# status (segregated: only released stock is dispatched); what did not arrive moves on to "lost
# in return", for the ministry to see. Use and destruction on site that a hospital reports in
# its reply to a recall notice leave its stock. The recall's own rows (replies, hospital
# returns) belong to inspections, whose services call these with the quantities.

# Lots whose units hospitals send back: they must not be used, and are never dispatched.
RETURNABLE_STATUSES = frozenset({LotStatus.RECALLED, LotStatus.ON_HOLD})
RETURN_REFERENCE_MAX = 100  # StockMovement.reference


def return_ship(
    *, lot: Lot, hospital: Hospital, quantity: int, actor, reference: str = ""
) -> StockMovement:
    """Units of a recalled or on-hold lot leave a hospital for the central warehouse: from the
    hospital's stock into returns in transit, until the warehouse records their arrival
    (`return_receive`). Only staff of that hospital; never more than it holds."""
    if not user_may_act_for_hospital(actor, hospital):
        raise NotPermitted(
            _("Only staff of %(hospital)s can ship its units back.") % {"hospital": hospital.name}
        )
    _return_check_units(quantity, zero_allowed=False)
    reference = _return_reference(reference)
    with transaction.atomic():
        lot = _lock_lot(lot)
        if lot.status not in RETURNABLE_STATUSES:
            raise IllegalTransition(
                _(
                    "Lot %(lot)s is %(status)s: only units of recalled or on-hold lots are "
                    "shipped back to the warehouse."
                )
                % {"lot": lot.lot_number, "status": lot.get_status_display().lower()}
            )
        movement = ledger.movement_record(
            lot=lot,
            quantity=quantity,
            from_location=ledger.hospital_location(hospital),
            to_location=ledger.location_of_kind(LocationKind.IN_TRANSIT),
            kind=MovementKind.RETURN_SHIPPED,
            actor=actor,
            reference=reference or hospital.code,
        )
        _lot_event(
            lot,
            LotEvent.Kind.RETURN_SHIPPED,
            actor=actor,
            data={
                "hospital": hospital.code,
                "quantity": quantity,
                "reference": reference,
                "movement": movement.pk,
            },
        )
    return movement


def return_receive(
    *,
    lot: Lot,
    hospital: Hospital,
    quantity_shipped: int,
    quantity_received: int,
    actor,
    reference: str = "",
    remark: str = "",
) -> StockMovement | None:
    """The warehouse records a hospital's return arriving: the units counted move from returns
    in transit into the warehouse, keeping their lot's status (a recalled lot's units stay
    segregated). A count below what was shipped needs a remark; the missing units move from
    transit to the "lost in return" sink (so what stays in transit is only what is still on its
    way) and show as the return's discrepancy. When nothing arrived there is no movement into
    the warehouse (None). Warehouse clerks and ministry officers."""
    require_role(
        actor,
        Role.WAREHOUSE_CLERK,
        Role.MINISTRY_OFFICER,
        action=gettext_lazy("record returns from hospitals"),
    )
    _return_check_units(quantity_received, zero_allowed=True)
    if quantity_received > quantity_shipped:
        raise InvalidInput(
            _(
                "%(received)s units counted, but only %(shipped)s were shipped in this return: "
                "count again. Extra units are shipped back as a return of their own."
            )
            % {
                "received": number_format(quantity_received, force_grouping=True),
                "shipped": number_format(quantity_shipped, force_grouping=True),
            }
        )
    remark = (remark or "").strip()
    if quantity_received != quantity_shipped and not remark:
        raise InvalidInput(
            ngettext(
                "%(received)s unit arrived of the %(shipped)s shipped: say what happened to the "
                "rest (for example: one carton missing).",
                "%(received)s units arrived of the %(shipped)s shipped: say what happened to the "
                "rest (for example: one carton missing).",
                quantity_received,
            )
            % {
                "received": number_format(quantity_received, force_grouping=True),
                "shipped": number_format(quantity_shipped, force_grouping=True),
            }
        )
    reference = _return_reference(reference)
    with transaction.atomic():
        lot = _lock_lot(lot)
        movement = None
        if quantity_received:
            movement = ledger.movement_record(
                lot=lot,
                quantity=quantity_received,
                from_location=ledger.location_of_kind(LocationKind.IN_TRANSIT),
                to_location=ledger.warehouse_location(),
                kind=MovementKind.RETURN_RECEIVED,
                actor=actor,
                reference=reference or hospital.code,
            )
        if quantity_received < quantity_shipped:
            ledger.movement_record(
                lot=lot,
                quantity=quantity_shipped - quantity_received,
                from_location=ledger.location_of_kind(LocationKind.IN_TRANSIT),
                to_location=ledger.location_of_kind(LocationKind.LOST),
                kind=MovementKind.RETURN_LOST,
                actor=actor,
                reference=reference or hospital.code,
            )
        _lot_event(
            lot,
            LotEvent.Kind.RETURN_RECEIVED,
            actor=actor,
            reason=remark,
            data={
                "hospital": hospital.code,
                "shipped": quantity_shipped,
                "received": quantity_received,
                "missing": quantity_shipped - quantity_received,
                "reference": reference,
                "movement": movement.pk if movement else None,
            },
        )
    return movement


def recall_use_report(
    *, lot: Lot, hospital: Hospital, used: int, destroyed: int, actor, reference: str
) -> list[StockMovement]:
    """Units of a recalled lot that a hospital reports in its reply to the recall notice as used
    (to consumed) or destroyed on site (to destroyed) leave its stock, so the ledger and the
    recall's figures agree with the reply. `stock_consume` refuses recalled lots on purpose: the
    reply is where their use is reported. Only staff of that hospital; never more than it
    holds. Nothing reported: nothing happens ([])."""
    if not user_may_act_for_hospital(actor, hospital):
        raise NotPermitted(
            _("Only staff of %(hospital)s can report its use of a recalled lot.")
            % {"hospital": hospital.name}
        )
    _return_check_units(used, zero_allowed=True)
    _return_check_units(destroyed, zero_allowed=True)
    if not used and not destroyed:
        return []
    with transaction.atomic():
        lot = _lock_lot(lot)
        if lot.status != LotStatus.RECALLED:
            raise IllegalTransition(
                _("Lot %(lot)s is %(status)s, not recalled: record its use on the delivery page.")
                % {"lot": lot.lot_number, "status": lot.get_status_display().lower()}
            )
        location = ledger.hospital_location(hospital)
        _recall_use_check_held(lot, location, used + destroyed)
        movements = []
        for quantity, sink, kind, event in (
            (used, LocationKind.CONSUMED, MovementKind.CONSUMPTION, LotEvent.Kind.CONSUMED),
            (
                destroyed,
                LocationKind.DESTROYED,
                MovementKind.DESTRUCTION,
                LotEvent.Kind.DESTROYED_ON_SITE,
            ),
        ):
            if not quantity:
                continue
            movement = ledger.movement_record(
                lot=lot,
                quantity=quantity,
                from_location=location,
                to_location=ledger.location_of_kind(sink),
                kind=kind,
                actor=actor,
                reference=(reference or hospital.code)[:RETURN_REFERENCE_MAX],
            )
            _lot_event(
                lot,
                event,
                actor=actor,
                data={
                    "hospital": hospital.code,
                    "quantity": quantity,
                    "reported_in": reference,
                    "movement": movement.pk,
                },
            )
            movements.append(movement)
    return movements


def _recall_use_check_held(lot: Lot, location, quantity: int) -> None:
    """Refuse, naming the whole report, more units than the hospital holds (the lot is locked,
    so no other writer changes the balance meanwhile)."""
    # Imported here so that this section leaves the module's import block as it was.
    from .errors import InsufficientStock

    held = ledger.balance_of(lot, location)
    if quantity > held:
        raise InsufficientStock(
            _(
                "%(place)s holds %(held)s units of lot %(lot)s; %(asked)s used or destroyed "
                "cannot be booked."
            )
            % {
                "place": location.name,
                "held": number_format(held, force_grouping=True),
                "lot": lot.lot_number,
                "asked": number_format(quantity, force_grouping=True),
            }
        )


def _return_check_units(quantity, *, zero_allowed: bool) -> None:
    low = 0 if zero_allowed else 1
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < low:
        raise InvalidInput(
            _("The quantity must be a whole number, zero or more.")
            if zero_allowed
            else _("The quantity must be a whole number above zero.")
        )


def _return_reference(reference: str) -> str:
    reference = (reference or "").strip()
    if len(reference) > RETURN_REFERENCE_MAX:
        raise InvalidInput(
            _("The reference may be at most %(max)s characters long.")
            % {"max": RETURN_REFERENCE_MAX}
        )
    return reference
