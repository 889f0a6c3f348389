"""Supplier returns and credit claims: a rejected or recalled lot goes back to its supplier
under the supplier's return authorisation, and the credit for it is claimed and followed."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction

from core.errors import IllegalTransition, InvalidInput
from core.roles import Role, require_role
from core.validation import require_reason

from ..models import (
    CREDIT_CLAIM_TRANSITIONS,
    CreditClaimEvent,
    CreditClaimStatus,
    LocationKind,
    Lot,
    LotStatus,
    PurchaseOrderLine,
    SupplierReturn,
)
from .lots import _lock_lot, _lot_dispose_locked

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
    reason = require_reason(reason, "returning a lot to its supplier")
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
    reason = require_reason(reason, "changing the status of a credit claim")
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
