"""A lot's status (release, hold, reject, recall, dispose), its dates, and the helpers every
lot service uses: lock the lot, move its status, write its event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import IllegalTransition, InvalidInput
from core.models import WebhookEvent
from core.roles import Role, require_role
from core.validation import require_reason

from ..models import (
    LocationKind,
    Lot,
    LotEvent,
    LotStatus,
    MovementKind,
    ReleaseBasis,
    StockMovement,
    lot_may_move,
)
from ..selectors import lot_was_dispatched
from . import ledger, webhook_payloads
from .guards import release_guards


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
        reason = require_reason(reason, "an emergency release on documents")
    elif basis == ReleaseBasis.INSPECTION:
        require_role(actor, Role.INSPECTOR, Role.MINISTRY_OFFICER, action="release a lot")
        reason = require_reason(
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
    reason = require_reason(reason, "putting a lot on hold")
    with transaction.atomic():
        lot = _lock_lot(lot)
        if lot.status != LotStatus.ON_HOLD:
            _lot_move(lot, LotStatus.ON_HOLD, actor=actor, reason=reason)
    return lot


def lot_reject(*, lot: Lot, actor, reason: str) -> Lot:
    """Reject a lot that failed before any unit left the warehouse."""
    require_role(actor, Role.MINISTRY_OFFICER, Role.INSPECTOR, action="reject a lot")
    reason = require_reason(reason, "rejecting a lot")
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
    reason = require_reason(reason, "recalling a lot")
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
    reason = require_reason(reason, "disposing of a lot")
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
    reason = require_reason(reason, "correcting a lot's dates")
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
    event = _lot_event(
        lot,
        LotEvent.Kind.STATUS_CHANGED,
        actor=actor,
        reason=reason,
        data=data,
        from_status=from_status,
    )
    webhook_payloads.lot_event_publish(
        event,
        WebhookEvent.LOT_STATUS_CHANGED,
        lambda: webhook_payloads.lot_status_changed_payload(event),
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
