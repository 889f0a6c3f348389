"""Distribution and use: dispatch released stock to hospitals, one or many at once; a
hospital confirms what arrived and records units used up."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .. import ledger, outbox
from ..errors import IllegalTransition, InvalidInput, NotPermitted
from ..models import (
    Distribution,
    Hospital,
    LocationKind,
    Lot,
    LotEvent,
    LotStatus,
    MovementKind,
)
from ..roles import Role, require_role
from ..selectors import user_may_act_for_hospital
from .lots import _lock_lot, _lot_event


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
