"""Reads for the ministry dashboard, the ministry panel's start page for officers: one function
per panel, each a fixed number of grouped queries whatever the number of lots, hospitals,
recalls or suppliers (lists are cut to their first rows; the counts are aggregates).

Open recalls reuse `selectors.recalls_effectiveness`, so the dashboard and the recall's own page
show the same figures. "Units accounted" (`units_accounted`) is the effectiveness figures' own
idea of it: every unit delivered except those unaccounted for. `recalls_recovery` follows it back
in time, day by day, from the dated ledger movements, hospital returns and reply versions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from procurement.models import LocationKind, Lot, LotStatus, MovementKind, StockMovement
from procurement.selectors import lot_status_counts, lots_awaiting_inspection

from .models import (
    Complaint,
    ComplaintStatus,
    HospitalReturn,
    Inspection,
    InspectionStage,
    LevelState,
    Notice,
    NoticeReply,
    NoticeReplyVersion,
    Recall,
    RecallStatus,
    ReturnStatus,
    SupplierLevel,
    SupplierLevelEvent,
    Verdict,
)
from .selectors import (
    Effectiveness,
    Units,
    lots_awaiting_second_inspection,
    lots_with_inspection_requested,
    recalls_effectiveness,
)

# Recalls whose hospitals are still being followed up.
OPEN_RECALL_STATUSES = (RecallStatus.ISSUED, RecallStatus.CLOSING)
ROWS_SHOWN = 10  # rows of a list panel; the rest is one click away in the changelist
SUPPLIERS_SHOWN = 12  # bars of the rejection-rate chart, highest rate first
WEEKS_SHOWN = 12  # weeks of the dispatch chart, this week included
# Lots waiting for inspection longer than these many days are counted apart.
WAITING_AGE_LIMITS = (7, 14)


# ---------------------------------------------------------------------------------------------
# Open recalls: effectiveness, overdue notices


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


def _share(part: int, whole: int) -> int:
    """Whole percent, rounded down so that 100 means done; 0 of 0 is 0."""
    return min(100, part * 100 // whole) if whole else 0


@dataclass(frozen=True)
class RecallProgress:
    """One open recall on the dashboard: its effectiveness figures and the two progress bars."""

    recall_id: int
    recall_class: str
    figures: Effectiveness

    @property
    def reference(self) -> str:
        return self.figures.reference

    @property
    def answered(self) -> int:
        return self.figures.hospitals_answered

    @property
    def notified(self) -> int:
        return self.figures.hospitals_notified

    @property
    def answered_percent(self) -> int:
        return _share(self.answered, self.notified)

    @property
    def delivered(self) -> int:
        return self.figures.units.delivered

    @property
    def accounted(self) -> int:
        return units_accounted(self.figures.units)

    @property
    def accounted_percent(self) -> int:
        return _share(self.accounted, self.delivered)


@dataclass(frozen=True)
class OverdueNotice:
    """A notified hospital that has not answered by its recall's deadline."""

    recall_id: int
    recall_reference: str
    hospital_code: str
    hospital_name: str
    deadline: dt.date
    days_overdue: int
    not_reached: bool  # a channel failed for good: the hospital may never have seen the notice


def open_recalls() -> list[Recall]:
    """Issued and closing recalls, the longest open first. One query."""
    return list(Recall.objects.filter(status__in=OPEN_RECALL_STATUSES).order_by("issued_at", "pk"))


def recalls_progress(recalls: Sequence[Recall]) -> list[RecallProgress]:
    """The effectiveness of each recall (`selectors.recalls_effectiveness`: a fixed number of
    queries for any number of recalls), in the order given."""
    figures = recalls_effectiveness(recalls)
    return [RecallProgress(r.pk, r.recall_class, figures[r.pk]) for r in recalls]


def overdue_notices(progress: Iterable[RecallProgress]) -> list[OverdueNotice]:
    """The overdue hospitals of the recalls, from their figures (no query): the earliest
    deadline first, then by hospital code."""
    today = timezone.localdate()
    rows = [
        OverdueNotice(
            recall_id=recall.recall_id,
            recall_reference=recall.reference,
            hospital_code=row.code,
            hospital_name=row.name,
            deadline=recall.figures.response_deadline,
            days_overdue=(today - recall.figures.response_deadline).days,
            not_reached=bool(row.failed_channels),
        )
        for recall in progress
        for row in recall.figures.hospitals
        if row.overdue
    ]
    return sorted(rows, key=lambda row: (row.deadline, row.recall_reference, row.hospital_code))


# ---------------------------------------------------------------------------------------------
# Recovery over time: units accounted at the end of each day since the recall was issued
#
# The same definition as `units_accounted`, per hospital and lot, with every part dated:
# - used, destroyed and returned directly: the ledger's movements out of the hospital, by day;
# - held: the hospital's balance at the end of the day (every movement in and out, by day);
# - hospital returns: shipped units count from the day they were shipped (in transit), and
#   from the day they arrived as the number counted on arrival (the shortfall is lost);
# - what the hospital reports on hand: its answer as it stood that day, from the reply's
#   versions (and the reply itself, the latest answer); held units count up to that figure,
#   and only once an acknowledged answer is in.
# Everything before the day of issue counts on the first day. The last day is today, and it
# equals `units_accounted` of the recall's effectiveness figures.


@dataclass(frozen=True)
class RecoveryDay:
    day: dt.date
    accounted: int


@dataclass(frozen=True)
class Recovery:
    """One recall's units accounted at the end of each day, from its issue to today."""

    recall_id: int
    reference: str
    delivered: int
    days: tuple[RecoveryDay, ...]


@dataclass
class _Answer:
    """A hospital's answer as it stood from a day on: acknowledged, units on hand per lot."""

    acknowledged: bool
    on_hand: dict[str, int]


def recalls_recovery(recalls: Sequence[Recall]) -> dict[int, Recovery]:
    """Per recall id, units accounted by day (see above). Six queries for any number of recalls,
    hospitals and lots; the work in Python grows with hospitals x lots x days."""
    today = timezone.localdate()
    lots = _lot_numbers(recalls)
    notices = list(
        Notice.objects.filter(recall__in=recalls).values_list(
            "pk", "recall_id", "hospital_id", "received"
        )
    )
    lot_ids = {lot_id for numbers in lots.values() for lot_id in numbers}
    ledger = _DatedLedger.read(lot_ids)
    answers = _answers_by_day([recall.pk for recall in recalls])
    by_recall: dict[int, list[tuple[int, int, dict]]] = defaultdict(list)
    for notice_id, recall_id, hospital_id, received in notices:
        by_recall[recall_id].append((notice_id, hospital_id, received))
    result = {}
    for recall in recalls:
        start = timezone.localdate(recall.issued_at) if recall.issued_at else today
        days = [start + dt.timedelta(days=n) for n in range(max((today - start).days, 0) + 1)]
        totals = [0] * len(days)
        delivered = 0
        for notice_id, hospital_id, received in by_recall[recall.pk]:
            delivered += sum(received.get(number, 0) for number in lots[recall.pk].values())
            answer_on = _forward_fill(answers.get(notice_id, {}), days)
            for lot_id, number in lots[recall.pk].items():
                daily = ledger.accounted(hospital_id, lot_id, number, days, answer_on)
                totals = [a + b for a, b in zip(totals, daily, strict=True)]
        result[recall.pk] = Recovery(
            recall_id=recall.pk,
            reference=recall.reference,
            delivered=delivered,
            days=tuple(RecoveryDay(day, units) for day, units in zip(days, totals, strict=True)),
        )
    return result


def _lot_numbers(recalls: Sequence[Recall]) -> dict[int, dict[int, str]]:
    """Per recall, its lots' numbers by lot id. One query."""
    lots: dict[int, dict[int, str]] = defaultdict(dict)
    for recall_id, lot_id, number in Recall.lots.through.objects.filter(
        recall__in=recalls
    ).values_list("recall_id", "lot_id", "lot__lot_number"):
        lots[recall_id][lot_id] = number
    return lots


def _answers_by_day(recall_ids: list[int]) -> dict[int, dict[dt.date, _Answer]]:
    """Per notice of the recalls, its answer as it stood at the end of each day it changed. Two
    queries: the replies' versions and the replies themselves (the latest answer wins on its
    day, so the last day matches what the effectiveness figures read)."""
    answers: dict[int, dict[dt.date, _Answer]] = defaultdict(dict)
    versions = NoticeReplyVersion.objects.filter(reply__notice__recall__in=recall_ids)
    rows = versions.order_by("at", "pk").values_list("reply__notice_id", "at", "data")
    for notice_id, at, data in rows:  # oldest first: the last answer of a day stays
        on_hand = {number: line["on_hand"] for number, line in data.get("lines", {}).items()}
        answer = _Answer(bool(data.get("acknowledged")), on_hand)
        answers[notice_id][timezone.localdate(at)] = answer
    replies = NoticeReply.objects.filter(notice__recall__in=recall_ids).values_list(
        "notice_id", "answered_at", "acknowledged", "lines__lot__lot_number",
        "lines__quantity_on_hand",
    )  # fmt: skip
    latest: dict[int, tuple[dt.date, _Answer]] = {}
    for notice_id, answered_at, acknowledged, number, on_hand in replies:
        day, answer = latest.setdefault(
            notice_id, (timezone.localdate(answered_at), _Answer(acknowledged, {}))
        )
        if number is not None:
            answer.on_hand[number] = on_hand
    for notice_id, (day, answer) in latest.items():
        answers[notice_id][day] = answer
    return answers


def _forward_fill(changes: dict[dt.date, _Answer], days: list[dt.date]) -> list[_Answer | None]:
    """The answer in force at the end of each day (None before the first one)."""
    ordered = sorted(changes.items())
    in_force: list[_Answer | None] = []
    current, position = None, 0
    for day in days:
        while position < len(ordered) and ordered[position][0] <= day:
            current = ordered[position][1]
            position += 1
        in_force.append(current)
    return in_force


@dataclass(frozen=True)
class _DatedLedger:
    """The ledger of some lots at hospitals, by (hospital id, lot id) and day."""

    held: dict[tuple[int, int], dict[dt.date, int]]  # balance change
    gone: dict[tuple[int, int], dict[dt.date, int]]  # used, destroyed, returned directly
    returns: dict[tuple[int, int], list[tuple[dt.date, int, dt.date | None, int]]]

    @classmethod
    def read(cls, lot_ids: set[int]) -> _DatedLedger:
        """Two queries: movements at hospitals grouped by day, and the hospital returns."""
        held: dict[tuple[int, int], dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
        gone: dict[tuple[int, int], dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
        movements = (
            StockMovement.objects.filter(lot_id__in=lot_ids)
            .filter(
                Q(to_location__kind=LocationKind.HOSPITAL)
                | Q(from_location__kind=LocationKind.HOSPITAL)
            )
            .annotate(day=TruncDate("at"))
            .values_list(
                "to_location__hospital_id", "from_location__hospital_id", "lot_id", "kind", "day"
            )
            .annotate(units=Sum("quantity"))
            .order_by()
        )
        for to_hospital, from_hospital, lot_id, kind, day, units in movements:
            if to_hospital is not None:
                held[(to_hospital, lot_id)][day] += units
            if from_hospital is not None:
                held[(from_hospital, lot_id)][day] -= units
                if kind in _GONE_KINDS:
                    gone[(from_hospital, lot_id)][day] += units
        return cls(held=held, gone=gone, returns=_dated_returns(lot_ids))

    def accounted(
        self,
        hospital_id: int,
        lot_id: int,
        number: str,
        days: list[dt.date],
        answers: list[_Answer | None],
    ) -> list[int]:
        """Units of one lot at one hospital accounted at the end of each day."""
        key = (hospital_id, lot_id)
        held = _running(self.held.get(key, {}), days)
        gone = _running(self.gone.get(key, {}), days)
        back = [0] * len(days)  # returned to the warehouse or on the way
        for shipped_on, shipped, received_on, arrived in self.returns.get(key, ()):
            for index, day in enumerate(days):
                if shipped_on <= day:
                    back[index] += arrived if received_on and received_on <= day else shipped
        return [
            gone[i] + back[i] + _vouched_for(held[i], answers[i], number) for i in range(len(days))
        ]


def _dated_returns(lot_ids: set[int]) -> dict[tuple[int, int], list]:
    """Per (hospital id, lot id), its returns as (shipped on, units shipped, received on or None,
    units counted on arrival). One query."""
    rows = HospitalReturn.objects.filter(lot_id__in=lot_ids).values_list(
        "hospital_id", "lot_id", "shipped_at", "quantity_shipped", "status", "received_at",
        "received_movement__quantity",
    )  # fmt: skip
    returns: dict[tuple[int, int], list] = defaultdict(list)
    for hospital_id, lot_id, shipped_at, shipped, status, received_at, arrived in rows:
        received = status == ReturnStatus.RECEIVED
        returns[(hospital_id, lot_id)].append(
            (
                timezone.localdate(shipped_at),
                shipped,
                timezone.localdate(received_at) if received else None,
                arrived or 0,
            )
        )
    return returns


# Movements out of a hospital that settle units for good (returns through a hospital return
# are counted from the return rows: shipped, then as counted on arrival).
_GONE_KINDS = frozenset(
    {MovementKind.CONSUMPTION, MovementKind.DESTRUCTION, MovementKind.RETURN_FROM_HOSPITAL}
)


def _running(changes: dict[dt.date, int], days: list[dt.date]) -> list[int]:
    """The running total at the end of each day; changes before the first day count on it."""
    first = days[0]
    per_day = [0] * len(days)
    for day, change in changes.items():
        index = max((day - first).days, 0)
        if index < len(days):
            per_day[index] += change
    return list(accumulate(per_day))


def _vouched_for(held: int, answer: _Answer | None, number: str) -> int:
    """Held units the hospital's acknowledged answer reports on hand (none without one)."""
    if answer is None or not answer.acknowledged or number not in answer.on_hand:
        return 0
    return max(min(held, answer.on_hand[number]), 0)


# ---------------------------------------------------------------------------------------------
# Lots


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    lots: int
    units: int


def lots_by_status() -> list[StatusCount]:
    """Lots and units received per status, every status listed. One query."""
    counts = lot_status_counts()
    return [
        StatusCount(s.value, str(s.label), counts[s.value]["lots"], counts[s.value]["units"])
        for s in LotStatus
    ]


@dataclass(frozen=True)
class WaitingLot:
    lot: Lot
    days_waiting: int


@dataclass(frozen=True)
class InspectionBacklog:
    """Lots waiting for inspection (quarantined, or in use on documents alone), the longest
    waiting first, and the inspectors' other queues."""

    total: int
    quarantined: int
    in_use_untested: int
    waiting_longer: dict[int, int]  # days -> lots received longer ago than that
    oldest: tuple[WaitingLot, ...]
    awaiting_second: int
    requested_after_complaint: int


def inspection_backlog() -> InspectionBacklog:
    """Four queries: the counts, the oldest lots, and the two other queues' sizes."""
    now = timezone.now()
    waiting = lots_awaiting_inspection()
    counts = waiting.aggregate(
        total=Count("pk"),
        quarantined=Count("pk", filter=Q(status=LotStatus.QUARANTINED)),
        **{
            f"over_{days}": Count("pk", filter=Q(received_at__lt=now - dt.timedelta(days=days)))
            for days in WAITING_AGE_LIMITS
        },
    )
    oldest = tuple(
        WaitingLot(lot, max((now - lot.received_at).days, 0)) for lot in waiting[:ROWS_SHOWN]
    )
    return InspectionBacklog(
        total=counts["total"],
        quarantined=counts["quarantined"],
        in_use_untested=counts["total"] - counts["quarantined"],
        waiting_longer={days: counts[f"over_{days}"] for days in WAITING_AGE_LIMITS},
        oldest=oldest,
        awaiting_second=lots_awaiting_second_inspection().count(),
        requested_after_complaint=lots_with_inspection_requested().count(),
    )


# ---------------------------------------------------------------------------------------------
# Complaints


@dataclass(frozen=True)
class ComplaintQueue:
    """Complaints nobody has looked at yet (open), oldest first, and those being investigated."""

    waiting: int
    investigating: int
    oldest: tuple[tuple[Complaint, int], ...]  # (complaint, days waiting)


def complaints_waiting() -> ComplaintQueue:
    """Two queries: the counts and the oldest open complaints."""
    now = timezone.now()
    counts = Complaint.objects.aggregate(
        waiting=Count("pk", filter=Q(status=ComplaintStatus.OPEN)),
        investigating=Count("pk", filter=Q(status=ComplaintStatus.INVESTIGATING)),
    )
    oldest = (
        Complaint.objects.filter(status=ComplaintStatus.OPEN)
        .select_related("hospital", "lot")
        .order_by("reported_at", "pk")[:ROWS_SHOWN]
    )
    return ComplaintQueue(
        waiting=counts["waiting"],
        investigating=counts["investigating"],
        oldest=tuple((c, max((now - c.reported_at).days, 0)) for c in oldest),
    )


# ---------------------------------------------------------------------------------------------
# Suppliers


WATCHED_STATES = (LevelState.DISCONTINUED, LevelState.TIGHTENED)


@dataclass(frozen=True)
class WatchedSuppliers:
    """Supplier levels on tightened inspection or discontinued, discontinued first."""

    discontinued: int
    tightened: int
    levels: tuple[SupplierLevel, ...]  # each with `since`: when it entered its state


def suppliers_watched() -> WatchedSuppliers:
    """Two queries: the counts and the levels (each annotated with `since`)."""
    watched = SupplierLevel.objects.filter(state__in=WATCHED_STATES)
    counts = watched.aggregate(
        discontinued=Count("pk", filter=Q(state=LevelState.DISCONTINUED)),
        tightened=Count("pk", filter=Q(state=LevelState.TIGHTENED)),
    )
    since = SupplierLevelEvent.objects.filter(level=OuterRef("pk"), to_state=OuterRef("state"))
    levels = (
        watched.select_related("supplier")
        .annotate(since=Subquery(since.order_by("-at", "-pk").values("at")[:1]))
        .order_by("state", "supplier__name", "category")  # "discontinued" < "tightened"
    )
    return WatchedSuppliers(
        discontinued=counts["discontinued"],
        tightened=counts["tightened"],
        levels=tuple(levels[: 2 * ROWS_SHOWN]),
    )


# ---------------------------------------------------------------------------------------------
# Chart data


@dataclass(frozen=True)
class WeekUnits:
    week: dt.date  # its Monday
    units: int


def units_dispatched_per_week(weeks: int = WEEKS_SHOWN) -> list[WeekUnits]:
    """Units dispatched to hospitals in each of the last `weeks` weeks (Monday to Sunday, this
    week last), weeks without a dispatch included. One query."""
    today = timezone.localdate()
    first = today - dt.timedelta(days=today.weekday(), weeks=weeks - 1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    rows = (
        StockMovement.objects.filter(kind=MovementKind.DISPATCH, at__gte=start)
        .annotate(week=TruncWeek("at"))
        .values_list("week")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    by_week = {_as_date(week): units for week, units in rows}
    mondays = [first + dt.timedelta(weeks=n) for n in range(weeks)]
    return [WeekUnits(monday, by_week.get(monday, 0)) for monday in mondays]


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    """TruncWeek gives an aware datetime in the current time zone; its date is the Monday."""
    return timezone.localtime(value).date() if isinstance(value, dt.datetime) else value


@dataclass(frozen=True)
class SupplierRejections:
    supplier_id: int
    name: str
    inspected: int  # lots with a first inspection
    rejected: int  # of those, rejected by it

    @property
    def percent(self) -> int:
        return round(self.rejected * 100 / self.inspected) if self.inspected else 0


def rejection_rate_per_supplier(limit: int = SUPPLIERS_SHOWN) -> list[SupplierRejections]:
    """Per supplier, how many of its lots their first inspection rejected, the highest rate
    first (then the most lots rejected, then by name), at most `limit`. First inspections
    only: one per lot, the original inspection the switching rules count too (a second one
    only confirms or clears the first). One query."""
    supplier = "lot__shipment__order__supplier"
    rows = (
        Inspection.objects.filter(stage=InspectionStage.FIRST)
        .values_list(supplier, f"{supplier}__name")
        .annotate(
            inspected=Count("pk"),
            rejected=Count("pk", filter=Q(verdict=Verdict.REJECTED)),
        )
        .order_by()
    )
    rates = [SupplierRejections(*row) for row in rows]
    rates.sort(key=lambda r: (-r.rejected / r.inspected, -r.rejected, r.name))
    return rates[:limit]


# ---------------------------------------------------------------------------------------------
# The whole page


@dataclass(frozen=True)
class Dashboard:
    """Every panel of the ministry dashboard."""

    recalls: tuple[RecallProgress, ...]
    overdue: tuple[OverdueNotice, ...]
    recovery: tuple[Recovery, ...]  # in the order of `recalls`
    lots: tuple[StatusCount, ...]
    backlog: InspectionBacklog
    complaints: ComplaintQueue
    suppliers: WatchedSuppliers
    dispatched: tuple[WeekUnits, ...]
    rejections: tuple[SupplierRejections, ...]

    @property
    def overdue_shown(self) -> tuple[OverdueNotice, ...]:
        return self.overdue[:ROWS_SHOWN]


def ministry_dashboard() -> Dashboard:
    """Everything the dashboard shows, in a fixed number of queries (about thirty) whatever the
    size of the database."""
    recalls = open_recalls()
    progress = recalls_progress(recalls)
    recovery = recalls_recovery(recalls)
    return Dashboard(
        recalls=tuple(progress),
        overdue=tuple(overdue_notices(progress)),
        recovery=tuple(recovery[recall.pk] for recall in recalls),
        lots=tuple(lots_by_status()),
        backlog=inspection_backlog(),
        complaints=complaints_waiting(),
        suppliers=suppliers_watched(),
        dispatched=tuple(units_dispatched_per_week()),
        rejections=tuple(rejection_rate_per_supplier()),
    )
