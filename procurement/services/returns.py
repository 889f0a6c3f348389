"""Returns from hospitals, recall returns and reported use.

A hospital ships units of a recalled (or on-hold) lot back: hospital -> returns in transit.
The warehouse records what arrived: in transit -> warehouse, where the units keep their lot's
status (segregated: only released stock is dispatched); what did not arrive moves on to "lost
in return", for the ministry to see. Use and destruction on site that a hospital reports in
its reply to a recall notice leave its stock. The recall's own rows (replies, hospital
returns) belong to inspections, whose services call these with the quantities.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.errors import IllegalTransition, InsufficientStock, InvalidInput, NotPermitted
from core.models import WebhookEvent
from core.roles import Role, require_role

from ..models import Hospital, LocationKind, Lot, LotEvent, LotStatus, MovementKind, StockMovement
from ..selectors import user_may_act_for_hospital
from . import ledger, webhook_payloads
from .lots import _lock_lot, _lot_event

# Lots whose units hospitals send back: they must not be used, and are never dispatched.
RETURNABLE_STATUSES = frozenset({LotStatus.RECALLED, LotStatus.ON_HOLD})
RETURN_REFERENCE_MAX = 100  # StockMovement.reference


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
        event = _lot_event(
            lot,
            LotEvent.Kind.RETURNED,
            actor=actor,
            data={"hospital": hospital.code, "quantity": quantity, "reference": reference},
        )
        webhook_payloads.lot_event_publish(
            event,
            WebhookEvent.RETURN_RECEIVED,
            lambda: webhook_payloads.return_received_payload(event, hospital),
        )
    return movement


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
        event = _lot_event(
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
        webhook_payloads.lot_event_publish(
            event,
            WebhookEvent.RETURN_RECEIVED,
            lambda: webhook_payloads.return_received_payload(event, hospital),
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
