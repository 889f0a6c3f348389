"""Recalls: the hospitals that got units of the lots (from the ledger), and the recall's
effectiveness: where the recalled units are, per hospital and lot."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.utils import timezone

from procurement.models import (
    Hospital,
    LocationKind,
    MovementKind,
    StockBalance,
    StockMovement,
)
from procurement.selectors import hospitals_for_user

from ..models import (
    Channel,
    DeliveryStatus,
    HospitalReturn,
    Notice,
    NoticeAttempt,
    NoticeDelivery,
    NoticeReply,
    Recall,
    RecallAction,
    ReturnStatus,
)


@dataclass(frozen=True)
class Consignee:
    """A hospital that received units of recalled lots: units received per lot number."""

    hospital: Hospital
    received: dict[str, int]


def recall_consignees(lots) -> list[Consignee]:
    """Every hospital that ever received units of the lots, from the ledger's dispatch movements
    (what a hospital has since used or returned does not matter: it must still be told), with
    the units received per lot; by hospital code. One query."""
    rows = (
        StockMovement.objects.filter(
            lot__in=lots,
            kind=MovementKind.DISPATCH,
            to_location__kind=LocationKind.HOSPITAL,
        )
        .values("to_location__hospital", "lot__lot_number")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    received: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        received[row["to_location__hospital"]][row["lot__lot_number"]] = row["units"]
    hospitals = Hospital.objects.filter(pk__in=received).order_by("code")
    return [
        Consignee(hospital, dict(sorted(received[hospital.pk].items()))) for hospital in hospitals
    ]


# Ledger movements out of a hospital's location that the figures count, by what they mean.
_HOSPITAL_OUTFLOWS = (
    MovementKind.CONSUMPTION,
    MovementKind.DESTRUCTION,
    MovementKind.RETURN_FROM_HOSPITAL,
)


@dataclass(frozen=True)
class Units:
    """Units of recalled lots as the ledger and the replies account for them: one hospital's
    units of one lot, or a sum of such.

    `delivered`: what the notice says the hospital received; `used`, `destroyed`: consumption
    and destruction out of the hospital's location; `returned`: units that arrived back at the
    warehouse (received hospital returns and direct returns); `in_transit`: shipped back, not yet
    received; `lost_in_return`: shipped minus received of received returns, where positive;
    `held`: the hospital's balance now; `reported_on_hand`: what the reply says is on hand (None
    without a reply); `unaccounted`: lost in return plus what the hospital holds by the ledger
    beyond what it reports on hand (all it holds while it has not answered).
    """

    delivered: int = 0
    returned: int = 0
    in_transit: int = 0
    used: int = 0
    destroyed: int = 0
    held: int = 0
    lost_in_return: int = 0
    reported_on_hand: int | None = None
    unaccounted: int = 0

    def __add__(self, other: Units) -> Units:
        summed = {
            f.name: getattr(self, f.name) + getattr(other, f.name)
            for f in fields(self)
            if f.name != "reported_on_hand"
        }
        reported = [u.reported_on_hand for u in (self, other) if u.reported_on_hand is not None]
        return Units(**summed, reported_on_hand=sum(reported) if reported else None)


@dataclass(frozen=True)
class LotUnits:
    """The figures of one lot (of one hospital, or summed over the hospitals)."""

    lot_number: str
    units: Units


@dataclass(frozen=True)
class HospitalEffectiveness:
    """One notified hospital: whether the notice reached it and was answered, and its units."""

    notice_id: int
    notice_reference: str
    code: str
    name: str
    delivered_to: bool  # at least one channel delivered the notice
    answered: bool  # an acknowledged reply
    answered_at: dt.datetime | None
    overdue: bool  # not answered and the response deadline has passed
    failed_channels: tuple[str, ...]
    lots: tuple[LotUnits, ...]
    units: Units  # over its lots


@dataclass(frozen=True)
class FailedDelivery:
    """A channel of a notice that failed for good: somebody must reach the hospital another way."""

    notice_reference: str
    hospital_code: str
    hospital_name: str
    channel: str
    attempts: int
    last_error: str
    permanent: bool  # the last attempt was refused for good (not out of retries)

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label)


@dataclass(frozen=True)
class Effectiveness:
    """How far a recall has come: who was told and answered, and where every unit is."""

    reference: str
    status: str
    action: str
    response_deadline: dt.date
    hospitals_notified: int
    hospitals_delivered: int
    hospitals_answered: int
    hospitals_overdue: int
    failed_deliveries: tuple[FailedDelivery, ...]
    units: Units
    hospitals: tuple[HospitalEffectiveness, ...]
    lots: tuple[LotUnits, ...]

    @property
    def all_answered(self) -> bool:
        return self.hospitals_answered == self.hospitals_notified

    def gaps(self) -> list[str]:
        """What keeps the recall from closing without a written reason (empty: nothing)."""
        gaps = []
        silent = self.hospitals_notified - self.hospitals_answered
        if silent:
            gaps.append(
                f"{silent} of {self.hospitals_notified} hospital{'s' if silent != 1 else ''} "
                f"{'have' if silent != 1 else 'has'} not answered"
            )
        if self.units.unaccounted:
            count = self.units.unaccounted
            gaps.append(f"{count:,} unit{'s are' if count != 1 else ' is'} unaccounted for")
        if self.units.in_transit:
            count = self.units.in_transit
            gaps.append(
                f"{count:,} unit{'s are' if count != 1 else ' is'} on the way back: record "
                "their arrival first"
            )
        # Units a hospital holds are accounted for, but the recall is done with them only when
        # it asked hospitals to keep them quarantined on site.
        if self.units.held and self.action != RecallAction.QUARANTINE:
            count = self.units.held
            gaps.append(
                f"{count:,} unit{'s are' if count != 1 else ' is'} still at hospitals "
                f"(asked: {RecallAction(self.action).label.lower()})"
            )
        return gaps

    def as_dict(self) -> dict:
        """The same figures as plain JSON-ready data (dates in ISO 8601), stable keys."""
        data = asdict(self)
        data["response_deadline"] = self.response_deadline.isoformat()
        for row in data["hospitals"]:
            row["answered_at"] = row["answered_at"].isoformat() if row["answered_at"] else None
        data["all_answered"] = self.all_answered
        data["gaps"] = self.gaps()
        return data


def recall_effectiveness(recall: Recall) -> Effectiveness:
    """A recall's effectiveness figures (see `Units` for the definitions). A fixed number of
    queries, whatever the number of hospitals and lots."""
    return recalls_effectiveness([recall])[recall.pk]


def recalls_effectiveness(recalls: Iterable[Recall]) -> dict[int, Effectiveness]:
    """The figures of many recalls (a page of the recall list), by recall id, in the same fixed
    number of queries as one: the lots, the notices with their replies and deliveries, and three
    grouped ledger reads."""
    recalls = list(recalls)
    if not recalls:
        return {}
    lots = _recall_lots(recalls)
    notices = _notices_with_replies([recall.pk for recall in recalls])
    ledger = _HospitalLedger.read(
        hospital_ids={notice.hospital_id for notice in notices},
        lot_ids={lot_id for pairs in lots.values() for lot_id, _number in pairs},
    )
    today = timezone.localdate()
    by_recall: dict[int, list[Notice]] = defaultdict(list)
    for notice in notices:
        by_recall[notice.recall_id].append(notice)
    return {
        recall.pk: _effectiveness(recall, lots[recall.pk], by_recall[recall.pk], ledger, today)
        for recall in recalls
    }


def notice_deliveries_with_last_attempt() -> QuerySet[NoticeDelivery]:
    """Deliveries annotated with their last attempt's error, whether it was permanent and when
    (`last_error`, `last_permanent`, `last_attempt_at`; None without an attempt), in one query."""
    last = NoticeAttempt.objects.filter(delivery=OuterRef("pk")).order_by("-at", "-pk")
    return NoticeDelivery.objects.annotate(
        last_error=Subquery(last.values("error")[:1]),
        last_permanent=Subquery(last.values("permanent")[:1]),
        last_attempt_at=Subquery(last.values("at")[:1]),
    ).order_by("channel")


def _recall_lots(recalls: list[Recall]) -> dict[int, list[tuple[int, str]]]:
    """Per recall, its lots as (id, lot number), by lot number. One query."""
    rows = (
        Recall.lots.through.objects.filter(recall__in=recalls)
        .values_list("recall_id", "lot_id", "lot__lot_number")
        .order_by("lot__lot_number")
    )
    lots: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for recall_id, lot_id, number in rows:
        lots[recall_id].append((lot_id, number))
    return lots


def _notices_with_replies(recall_ids: list[int]) -> list[Notice]:
    """The notices with hospital, reply, reply lines and deliveries. Three queries."""
    return list(
        Notice.objects.filter(recall_id__in=recall_ids)
        .select_related("recall", "hospital", "reply")
        .prefetch_related(
            "reply__lines",
            Prefetch("deliveries", queryset=notice_deliveries_with_last_attempt()),
        )
        .order_by("hospital__code")
    )


@dataclass(frozen=True)
class _HospitalLedger:
    """What the ledger says of some lots at some hospitals, keyed by (hospital id, lot id)."""

    outflows: dict[tuple[int, int, str], int]  # (hospital, lot, movement kind) -> units
    returns: dict[tuple[int, int], list[tuple]]  # (status, shipped, received, received move)
    balances: dict[tuple[int, int], int]

    @classmethod
    def read(cls, *, hospital_ids: set[int], lot_ids: set[int]) -> _HospitalLedger:
        if not hospital_ids or not lot_ids:
            return cls({}, {}, {})
        outflows = (
            StockMovement.objects.filter(
                lot_id__in=lot_ids,
                from_location__hospital_id__in=hospital_ids,
                kind__in=_HOSPITAL_OUTFLOWS,
            )
            .values_list("from_location__hospital_id", "lot_id", "kind")
            .annotate(units=Sum("quantity"))
            .order_by()
        )
        returns: dict[tuple[int, int], list[tuple]] = defaultdict(list)
        for hospital_id, lot_id, *figures in HospitalReturn.objects.filter(
            hospital_id__in=hospital_ids, lot_id__in=lot_ids
        ).values_list(
            "hospital_id",
            "lot_id",
            "status",
            "quantity_shipped",
            "quantity_received",
            "received_movement__quantity",
        ):
            returns[(hospital_id, lot_id)].append(tuple(figures))
        balances = StockBalance.objects.filter(
            lot_id__in=lot_ids, location__hospital_id__in=hospital_ids
        ).values_list("location__hospital_id", "lot_id", "quantity")
        return cls(
            outflows={(h, lot, kind): units for h, lot, kind, units in outflows},
            returns=dict(returns),
            balances={(h, lot): quantity for h, lot, quantity in balances},
        )

    def units(self, hospital_id: int, lot_id: int, *, delivered: int, line, answered: bool):
        """One hospital's figures of one lot; `line` is its reply's line (None without)."""
        key = (hospital_id, lot_id)
        returned = self.outflows.get((*key, MovementKind.RETURN_FROM_HOSPITAL), 0)
        in_transit = lost = 0
        for status, shipped, received, received_units in self.returns.get(key, ()):
            returned += received_units or 0
            if status == ReturnStatus.SHIPPED:
                in_transit += shipped
            elif status == ReturnStatus.RECEIVED:
                lost += max(shipped - (received or 0), 0)
        held = self.balances.get(key, 0)
        reported = line.quantity_on_hand if line is not None else None
        # A hospital that answered is trusted for what it holds beyond the ledger, not for less.
        gap = max(held - reported, 0) if answered and reported is not None else held
        return Units(
            delivered=delivered,
            returned=returned,
            in_transit=in_transit,
            used=self.outflows.get((*key, MovementKind.CONSUMPTION), 0),
            destroyed=self.outflows.get((*key, MovementKind.DESTRUCTION), 0),
            held=held,
            lost_in_return=lost,
            reported_on_hand=reported,
            unaccounted=lost + gap,
        )


def _effectiveness(
    recall: Recall,
    lots: list[tuple[int, str]],
    notices: list[Notice],
    ledger: _HospitalLedger,
    today: dt.date,
) -> Effectiveness:
    hospitals = tuple(_hospital_effectiveness(n, recall, lots, ledger, today) for n in notices)
    per_lot = {number: Units() for _lot_id, number in lots}
    for row in hospitals:
        for line in row.lots:
            per_lot[line.lot_number] = per_lot.get(line.lot_number, Units()) + line.units
    return Effectiveness(
        reference=recall.reference,
        status=str(recall.status),
        action=str(recall.action),
        response_deadline=recall.response_deadline,
        hospitals_notified=len(hospitals),
        hospitals_delivered=sum(row.delivered_to for row in hospitals),
        hospitals_answered=sum(row.answered for row in hospitals),
        hospitals_overdue=sum(row.overdue for row in hospitals),
        failed_deliveries=tuple(
            _failed(notice, delivery)
            for notice in notices
            for delivery in notice.deliveries.all()
            if delivery.status == DeliveryStatus.FAILED
        ),
        units=sum((row.units for row in hospitals), Units()),
        hospitals=hospitals,
        lots=tuple(LotUnits(number, units) for number, units in per_lot.items()),
    )


def _hospital_effectiveness(
    notice: Notice,
    recall: Recall,
    lots: list[tuple[int, str]],
    ledger: _HospitalLedger,
    today: dt.date,
) -> HospitalEffectiveness:
    reply = _reply_of(notice)
    answered = reply is not None and reply.acknowledged
    lines = {line.lot_id: line for line in reply.lines.all()} if reply else {}
    rows = []
    for lot_id, number in lots:
        units = ledger.units(
            notice.hospital_id,
            lot_id,
            delivered=notice.received.get(number, 0),
            line=lines.get(lot_id),
            answered=answered,
        )
        # A lot the hospital never received has no row, unless the ledger says otherwise.
        if number in notice.received or _moved(units):
            rows.append(LotUnits(number, units))
    deliveries = notice.deliveries.all()
    return HospitalEffectiveness(
        notice_id=notice.pk,
        notice_reference=f"{recall.reference}/{notice.hospital.code}",
        code=notice.hospital.code,
        name=notice.hospital.name,
        delivered_to=any(d.status == DeliveryStatus.DELIVERED for d in deliveries),
        answered=answered,
        answered_at=reply.answered_at if answered else None,
        overdue=not answered and recall.response_deadline < today,
        failed_channels=tuple(d.channel for d in deliveries if d.status == DeliveryStatus.FAILED),
        lots=tuple(rows),
        units=sum((row.units for row in rows), Units()),
    )


def _moved(units: Units) -> bool:
    return any((units.held, units.returned, units.in_transit, units.used, units.destroyed))


def _reply_of(notice: Notice) -> NoticeReply | None:
    try:
        return notice.reply
    except NoticeReply.DoesNotExist:
        return None


def _failed(notice: Notice, delivery: NoticeDelivery) -> FailedDelivery:
    return FailedDelivery(
        notice_reference=f"{notice.recall.reference}/{notice.hospital.code}",
        hospital_code=notice.hospital.code,
        hospital_name=notice.hospital.name,
        channel=delivery.channel,
        attempts=delivery.attempt_count,
        last_error=delivery.last_error or "",
        permanent=bool(delivery.last_permanent),
    )


def recalls_with_lots() -> QuerySet[Recall]:
    """Recalls with their lots, coordinator and author joined in; for ministry roles only."""
    return Recall.objects.select_related("coordinator", "created_by").prefetch_related("lots")


def hospital_returns_for_user(user) -> QuerySet[HospitalReturn]:
    """Hospital returns the user may see: all for ministry roles, their hospitals' for hospital
    staff (scoped by `hospitals_for_user`, like notices and deliveries), newest first."""
    return (
        HospitalReturn.objects.filter(hospital__in=hospitals_for_user(user))
        .select_related(
            "hospital", "lot", "notice__recall", "notice__hospital", "shipped_by", "received_by"
        )
        .order_by("-shipped_at", "-pk")
    )


def units_accounted(units: Units) -> int:
    """Units of a recall whose whereabouts are known: returned, on their way back, used,
    destroyed, and held by a hospital that answered as far as its answer reports them on hand.

    That is what `Units.unaccounted` leaves out (lost in return, what a hospital holds beyond
    what it reported, all it holds while it has not answered), so on a ledger that adds up it
    equals `delivered - unaccounted`; it is computed from the parts so it never counts a unit
    that the ledger does not show.
    """
    held_vouched_for = units.held - (units.unaccounted - units.lost_in_return)
    return units.returned + units.in_transit + units.used + units.destroyed + held_vouched_for
