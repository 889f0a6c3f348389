"""Distribution and use: dispatch released stock to hospitals, one or many at once; a
hospital confirms what arrived and records units used up."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core import bulk
from core.errors import IllegalTransition, InvalidInput, NotPermitted
from core.outbox import emails as outbox
from core.roles import Role, require_role

from ..models import (
    Distribution,
    Hospital,
    LocationKind,
    Lot,
    LotEvent,
    LotStatus,
    MovementKind,
)
from ..selectors import user_may_act_for_hospital
from . import ledger
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
    the rows are written in bulk as plain values (`procurement.bulk`), all stamped with one time.
    All rows or none. Returns the distributions in row order (their lot and hospital attached;
    the movement is loaded when asked for).
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
        now = timezone.now()
        movement_ids = ledger.movements_record_many(
            lot=lot,
            from_location=ledger.warehouse_location(),
            moves=[
                ledger.Outgoing(locations[hospital.pk], quantity, reference=hospital.code)
                for hospital, quantity in rows
            ],
            kind=MovementKind.DISPATCH,
            actor=actor,
            at=now,
        )
        values = [
            (
                lot.pk,
                hospital.pk,
                quantity,
                movement_id,
                DISPATCHED,
                now,
                actor.pk,
                note,
                None,
                None,
                None,
                "",
            )
            for (hospital, quantity), movement_id in zip(rows, movement_ids, strict=True)
        ]
        stamp = bulk.now_for_db(now)
        ids = bulk.insert_rows(
            Distribution,
            DISTRIBUTION_COLUMNS[1:],
            [(*row[:5], stamp, *row[6:]) for row in values],
            returning=True,
        )
        _dispatch_events_write(lot, rows, ids, actor=actor, stamp=stamp)
    return [
        _distribution_of(row_id, row, lot, hospital)
        for row_id, row, (hospital, _quantity) in zip(ids, values, rows, strict=True)
    ]


DISPATCHED = Distribution.Status.DISPATCHED.value
# Every concrete column of Distribution, in the model's order (what its positional init takes).
DISTRIBUTION_COLUMNS = [field.attname for field in Distribution._meta.concrete_fields]
EVENT_COLUMNS = ["lot_id", "kind", "from_status", "to_status", "actor_id", "at", "reason", "data"]


def _dispatch_events_write(lot: Lot, rows, distribution_ids: list[int], *, actor, stamp) -> None:
    """The DISPATCHED events `_lot_event` writes for single dispatches, one per distribution,
    with the same data (`_dispatch_data`), written together."""
    data = LotEvent._meta.get_field("data")
    kind, status = LotEvent.Kind.DISPATCHED.value, lot.status
    bulk.insert_rows(
        LotEvent,
        EVENT_COLUMNS,
        [
            (
                lot.pk,
                kind,
                status,
                status,
                actor.pk,
                stamp,
                "",
                data.get_db_prep_save(
                    {"hospital": hospital.code, "quantity": quantity, "distribution": pk},
                    connection,
                ),
            )
            for (hospital, quantity), pk in zip(rows, distribution_ids, strict=True)
        ],
        returning=False,
    )


def _distribution_of(pk: int, row: tuple, lot: Lot, hospital: Hospital) -> Distribution:
    """The saved Distribution as a query would load it (positional init, the fast path), with its
    lot and hospital attached so that reading them costs no query."""
    distribution = Distribution.from_db(connection.alias, DISTRIBUTION_COLUMNS, (pk, *row))
    distribution._state.fields_cache["lot"] = lot
    distribution._state.fields_cache["hospital"] = hospital
    return distribution


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
