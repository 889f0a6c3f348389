"""Writes of the hospital's side of a recall and the warehouse's receipt of what comes back.

`notice_reply`: a hospital answers its notice (the reply card: acknowledged, per lot the units on
hand, used and destroyed, who answers). Answering again updates the same reply and keeps every
answer as a version. Use and destruction the reply adds to what the ledger already records are
booked out of the hospital's stock (`procurement.services.recall_use_report`), so the recall's
figures and the ledger agree; a lower figure than before is refused: units cannot be un-used.

`hospital_return_ship` / `hospital_return_receive`: units shipped back (hospital -> returns in
transit) and their arrival at the warehouse (in transit -> warehouse); a short arrival needs a
remark and leaves the difference in transit, where the recall's figures show it as lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from core.models import WebhookEvent
from core.outbox import webhooks
from core.roles import Role, require_role
from procurement import services as procurement
from procurement.models import Hospital, Lot, MovementKind, StockMovement
from procurement.selectors import user_may_act_for_hospital

from ..models import (
    HospitalReturn,
    Notice,
    NoticeReply,
    NoticeReplyLine,
    NoticeReplyVersion,
    Recall,
    RecallStatus,
    ReturnStatus,
)
from . import webhook_payloads

# A notice of a recall in one of these can be answered (a closed recall's figures are final).
REPLYABLE_RECALLS = frozenset({RecallStatus.ISSUED, RecallStatus.CLOSING})
RESPONDENT_MAX = 200  # NoticeReply.respondent_name / respondent_role


class ExplanationNeeded(InvalidInput):
    """A reply's figures add up to more than the hospital received, and nothing explains why."""


@dataclass(frozen=True)
class ReplyFigures:
    """What a reply says of one lot."""

    on_hand: int
    used: int
    destroyed: int

    @property
    def total(self) -> int:
        return self.on_hand + self.used + self.destroyed


@dataclass(frozen=True)
class LotRecord:
    """What the ledger already holds of one lot at one hospital, besides its balance."""

    used: int = 0  # consumption out of the hospital's stock
    destroyed: int = 0  # destruction on site
    returned: int = 0  # shipped back (hospital returns) and returned directly


# ---------------------------------------------------------------------------------------------
# The reply


def notice_reply(
    *,
    notice: Notice,
    actor,
    acknowledged: bool,
    lines: Mapping[Lot, tuple[int, int, int]],
    respondent_name: str,
    respondent_role: str,
    explanation: str = "",
) -> NoticeReply:
    """A hospital answers its recall notice: `lines` gives (on hand, used, destroyed) for every
    lot of the notice.

    Only staff of the notice's hospital, while the recall is issued or closing. Refuses: a
    missing name or role, a negative or missing figure, a lot that is not the notice's, figures
    that with what was already shipped back exceed what was received (unless `explanation` says
    why), and used or destroyed below what was reported or recorded before. Use and destruction
    beyond what the ledger records are booked out of the hospital's stock in the same
    transaction.
    """
    _require_staff(actor, notice.hospital)
    respondent_name = _respondent(respondent_name, _("Give the name of who answers."))
    respondent_role = _respondent(respondent_role, _("Give the role of who answers."))
    explanation = (explanation or "").strip()
    with transaction.atomic():
        # The recall first (as its own writers do), so a reply cannot slip past its closing.
        recall = (
            Recall.objects.select_for_update(of=("self",))
            .select_related("coordinator")
            .get(pk=notice.recall_id)
        )
        notice = (
            Notice.objects.select_for_update(of=("self",))
            .select_related("hospital")
            .get(pk=notice.pk)
        )
        if recall.status not in REPLYABLE_RECALLS:
            raise IllegalTransition(
                _("Recall %(recall)s is %(status)s: its notice can no longer be answered here.")
                % {"recall": recall.reference, "status": recall.get_status_display().lower()}
            )
        lots = notice_lots(notice)
        figures = _figures(lines, lots)
        # The lots before the ledger is read (recall -> notice -> lots, as every writer): a
        # second recall of the same lot, or a return shipped meanwhile, waits for this reply
        # instead of booking the same use twice from a stale read.
        list(
            Lot.objects.select_for_update(of=("self",))
            .filter(pk__in=[lot.pk for lot in lots.values()])
            .order_by("pk")
        )
        records = lot_records(notice.hospital, lots.values())
        reply = NoticeReply.objects.filter(notice=notice).first()
        previous = {line.lot_id: line for line in reply.lines.all()} if reply else {}
        for number, lot in lots.items():
            record = records.get(lot.pk, LotRecord())
            _check_not_lower(lot, figures[lot.pk], previous.get(lot.pk), record, recall)
            if not explanation:
                _check_within_received(lot, figures[lot.pk], record, notice.received[number])
        booked = _book_use(notice, lots, figures, records, actor)
        reply = _reply_save(
            notice,
            reply,
            actor=actor,
            acknowledged=bool(acknowledged),
            respondent_name=respondent_name,
            respondent_role=respondent_role,
            explanation=explanation,
        )
        _lines_save(reply, lots, figures)
        version = NoticeReplyVersion.objects.create(
            reply=reply,
            answered_by=actor,
            data=_version_data(reply, lots, figures, booked),
        )
        webhooks.webhook_publish(
            event=WebhookEvent.NOTICE_ANSWERED,
            payload=lambda: webhook_payloads.notice_answered_payload(notice, reply, version),
            key=f"notice-reply-version:{version.pk}",
        )
    return reply


def notice_lots(notice: Notice) -> dict[str, Lot]:
    """The notice's lots (those the hospital received), by lot number, in lot number order."""
    numbers = list(notice.received)
    lots = Lot.objects.filter(recalls=notice.recall_id, lot_number__in=numbers)
    return {lot.lot_number: lot for lot in lots.order_by("lot_number")}


def lot_records(hospital: Hospital, lots) -> dict[int, LotRecord]:
    """Per lot id, what the ledger records of the lots at the hospital: used, destroyed on site,
    and returned (hospital returns shipped, whatever their arrival, and direct returns). Two
    queries."""
    lot_ids = [lot.pk for lot in lots]
    outflows = (
        StockMovement.objects.filter(
            lot_id__in=lot_ids,
            from_location__hospital=hospital,
            kind__in=(
                MovementKind.CONSUMPTION,
                MovementKind.DESTRUCTION,
                MovementKind.RETURN_FROM_HOSPITAL,
            ),
        )
        .values_list("lot_id", "kind")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    figures: dict[int, dict[str, int]] = {lot_id: {} for lot_id in lot_ids}
    for lot_id, kind, units in outflows:
        figures[lot_id][kind] = units
    shipped = dict(
        HospitalReturn.objects.filter(hospital=hospital, lot_id__in=lot_ids)
        .values_list("lot_id")
        .annotate(units=Sum("quantity_shipped"))
        .order_by()
    )
    return {
        lot_id: LotRecord(
            used=kinds.get(MovementKind.CONSUMPTION, 0),
            destroyed=kinds.get(MovementKind.DESTRUCTION, 0),
            returned=kinds.get(MovementKind.RETURN_FROM_HOSPITAL, 0) + shipped.get(lot_id, 0),
        )
        for lot_id, kinds in figures.items()
    }


def _figures(
    lines: Mapping[Lot, tuple[int, int, int]], lots: dict[str, Lot]
) -> dict[int, ReplyFigures]:
    """The reply's figures by lot id: one line per lot of the notice, whole numbers, zero or
    more."""
    by_id = {lot.pk: lot for lot in lots.values()}
    figures: dict[int, ReplyFigures] = {}
    for lot, values in lines.items():
        if lot.pk not in by_id:
            raise InvalidInput(
                _("Lot %(lot)s is not one of this notice's lots.") % {"lot": lot.lot_number}
            )
        try:
            on_hand, used, destroyed = values
        except (TypeError, ValueError) as error:
            raise InvalidInput(
                _("Give the units on hand, used and destroyed of lot %(lot)s.")
                % {"lot": lot.lot_number}
            ) from error
        for value in (on_hand, used, destroyed):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInput(
                    _("The figures of lot %(lot)s must be whole numbers, zero or more.")
                    % {"lot": lot.lot_number}
                )
        figures[lot.pk] = ReplyFigures(on_hand, used, destroyed)
    for number, lot in lots.items():
        if lot.pk not in figures:
            raise InvalidInput(
                _("Give the units on hand, used and destroyed of lot %(lot)s.") % {"lot": number}
            )
    return figures


def _check_not_lower(
    lot: Lot, figures: ReplyFigures, previous: NoticeReplyLine | None, record: LotRecord, recall
) -> None:
    """Used and destroyed only grow: what was reported before, or is already in the ledger, has
    left the hospital's stock, and no reply can bring it back."""
    used_before = max(previous.quantity_used if previous else 0, record.used)
    destroyed_before = max(previous.quantity_destroyed if previous else 0, record.destroyed)
    if figures.used < used_before:
        message = _(
            "Lot %(lot)s: %(before)s units were already reported as used, and used units cannot "
            "be taken back. If that figure was wrong, contact the recall's coordinator, "
            "%(name)s (%(email)s)."
        )
        before = used_before
    elif figures.destroyed < destroyed_before:
        message = _(
            "Lot %(lot)s: %(before)s units were already reported as destroyed, and destroyed "
            "units cannot be taken back. If that figure was wrong, contact the recall's "
            "coordinator, %(name)s (%(email)s)."
        )
        before = destroyed_before
    else:
        return
    coordinator = recall.coordinator
    raise InvalidInput(
        message
        % {
            "lot": lot.lot_number,
            "before": number_format(before, force_grouping=True),
            "name": coordinator.get_full_name() or coordinator.get_username(),
            "email": coordinator.email,
        }
    )


def _check_within_received(lot: Lot, figures: ReplyFigures, record: LotRecord, received: int):
    """On hand + used + destroyed + already shipped back may not exceed what was received."""
    total = figures.total + record.returned
    if total > received:
        raise ExplanationNeeded(
            _(
                "Lot %(lot)s: %(on_hand)s on hand + %(used)s used + %(destroyed)s destroyed + "
                "%(returned)s already sent back make %(total)s, more than the %(received)s units "
                "received. Check the figures, or explain the difference."
            )
            % {
                "lot": lot.lot_number,
                **{
                    key: number_format(value, force_grouping=True)
                    for key, value in {
                        "on_hand": figures.on_hand,
                        "used": figures.used,
                        "destroyed": figures.destroyed,
                        "returned": record.returned,
                        "total": total,
                        "received": received,
                    }.items()
                },
            }
        )


def _book_use(
    notice: Notice,
    lots: dict[str, Lot],
    figures: dict[int, ReplyFigures],
    records: dict[int, LotRecord],
    actor,
) -> dict[str, dict[str, int]]:
    """Book what the reply reports as used or destroyed beyond what the ledger records; per lot
    number, the units booked. Lots in id order: one lock order for every writer."""
    booked = {}
    for lot in sorted(lots.values(), key=lambda lot: lot.pk):
        record = records.get(lot.pk, LotRecord())
        used = figures[lot.pk].used - record.used
        destroyed = figures[lot.pk].destroyed - record.destroyed
        if used > 0 or destroyed > 0:
            procurement.recall_use_report(
                lot=lot,
                hospital=notice.hospital,
                used=max(used, 0),
                destroyed=max(destroyed, 0),
                actor=actor,
                reference=notice.reference,
            )
            booked[lot.lot_number] = {"used": max(used, 0), "destroyed": max(destroyed, 0)}
    return booked


def _reply_save(notice: Notice, reply: NoticeReply | None, *, actor, **fields) -> NoticeReply:
    now = timezone.now()
    if reply is None:
        return NoticeReply.objects.create(
            notice=notice, answered_by=actor, answered_at=now, **fields
        )
    for name, value in fields.items():
        setattr(reply, name, value)
    reply.answered_by = actor
    reply.answered_at = now
    reply.save(update_fields=[*fields, "answered_by", "answered_at"])
    return reply


def _lines_save(reply: NoticeReply, lots: dict[str, Lot], figures: dict[int, ReplyFigures]):
    for lot in lots.values():
        values = figures[lot.pk]
        NoticeReplyLine.objects.update_or_create(
            reply=reply,
            lot=lot,
            defaults={
                "quantity_on_hand": values.on_hand,
                "quantity_used": values.used,
                "quantity_destroyed": values.destroyed,
            },
        )


def _version_data(reply: NoticeReply, lots, figures, booked) -> dict:
    """The whole answer as given, for the history."""
    return {
        "acknowledged": reply.acknowledged,
        "respondent_name": reply.respondent_name,
        "respondent_role": reply.respondent_role,
        "explanation": reply.explanation,
        "answered_at": reply.answered_at.isoformat(),
        "lines": {
            number: {
                "on_hand": figures[lot.pk].on_hand,
                "used": figures[lot.pk].used,
                "destroyed": figures[lot.pk].destroyed,
            }
            for number, lot in lots.items()
        },
        "booked": booked,
    }


# ---------------------------------------------------------------------------------------------
# Returns


def hospital_return_ship(
    *, notice: Notice, lot: Lot, quantity: int, actor, reference: str = ""
) -> HospitalReturn:
    """A hospital ships units of one of its notice's lots back to the central warehouse: they
    leave its stock for returns in transit until the warehouse records their arrival. Only staff
    of the notice's hospital; never more than it holds."""
    _require_staff(actor, notice.hospital)
    if lot.lot_number not in notice.received or not notice.recall.lots.filter(pk=lot.pk).exists():
        raise InvalidInput(
            _("Lot %(lot)s is not one of this notice's lots.") % {"lot": lot.lot_number}
        )
    reference = (reference or "").strip()
    with transaction.atomic():
        # The notice before the lot, in `notice_reply`'s order (recall -> notice -> lots): the
        # return row's foreign key waits for a reply that holds the notice, and that reply waits
        # for the lot; locked the other way round, a reply and a shipment deadlock.
        Notice.objects.select_for_update().get(pk=notice.pk)
        movement = procurement.return_ship(
            lot=lot,
            hospital=notice.hospital,
            quantity=quantity,
            actor=actor,
            reference=reference or notice.reference,
        )
        return HospitalReturn.objects.create(
            notice=notice,
            hospital=notice.hospital,
            lot=lot,
            quantity_shipped=quantity,
            reference=reference,
            shipped_movement=movement,
            shipped_by=actor,
        )


def hospital_return_receive(
    *, hospital_return: HospitalReturn, quantity_received: int, actor, remark: str = ""
) -> HospitalReturn:
    """The warehouse records a hospital return's arrival with the units counted. A count below
    what was shipped needs a remark; the difference moves to "lost in return" and shows as the
    return's discrepancy. A return is received once. Warehouse clerks and ministry officers."""
    require_role(
        actor,
        Role.WAREHOUSE_CLERK,
        Role.MINISTRY_OFFICER,
        action=gettext_lazy("record returns from hospitals"),
    )
    with transaction.atomic():
        hospital_return = (
            HospitalReturn.objects.select_for_update(of=("self",))
            .select_related("lot", "hospital", "notice__recall", "notice__hospital")
            .get(pk=hospital_return.pk)
        )
        if hospital_return.status == ReturnStatus.RECEIVED:
            raise IllegalTransition(
                _("This return was already received on %(date)s.")
                % {"date": f"{timezone.localtime(hospital_return.received_at):%Y-%m-%d %H:%M}"}
            )
        remark = (remark or "").strip()
        movement = procurement.return_receive(
            lot=hospital_return.lot,
            hospital=hospital_return.hospital,
            quantity_shipped=hospital_return.quantity_shipped,
            quantity_received=quantity_received,
            actor=actor,
            reference=hospital_return.reference or hospital_return.notice.reference,
            remark=remark,
        )
        hospital_return.status = ReturnStatus.RECEIVED
        hospital_return.quantity_received = quantity_received
        hospital_return.received_movement = movement
        hospital_return.received_by = actor
        hospital_return.received_at = timezone.now()
        hospital_return.receipt_remark = remark
        hospital_return.save(
            update_fields=[
                "status",
                "quantity_received",
                "received_movement",
                "received_by",
                "received_at",
                "receipt_remark",
            ]
        )
    return hospital_return


# ---------------------------------------------------------------------------------------------
# Helpers


def _require_staff(actor, hospital: Hospital) -> None:
    if not user_may_act_for_hospital(actor, hospital):
        raise NotPermitted(
            _("Only staff of %(hospital)s can act on its recall notice.")
            % {"hospital": hospital.name}
        )


def _respondent(value: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(missing)
    if len(value) > RESPONDENT_MAX:
        raise InvalidInput(
            _("Name and role may be at most %(max)s characters long.") % {"max": RESPONDENT_MAX}
        )
    return value
