"""Reads for the ministry dashboard, the ministry panel's start page for officers: one function
per panel, each a fixed number of grouped queries whatever the number of lots, hospitals,
recalls or suppliers (lists are cut to their first rows; the counts are aggregates).

Open recalls reuse `selectors.recalls_effectiveness`, so the dashboard and the recall's own page
show the same figures. "Units accounted" (`units_accounted`) is the effectiveness figures' own
idea of it: every unit delivered except those unaccounted for. `recalls_recovery` follows it back
in time, day by day (`recovery`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from procurement.models import Lot, LotStatus, MovementKind, StockMovement
from procurement.selectors import lot_status_counts, lots_awaiting_inspection

from ..models import (
    Complaint,
    ComplaintStatus,
    Inspection,
    InspectionStage,
    LevelState,
    Recall,
    RecallStatus,
    SupplierLevel,
    SupplierLevelEvent,
    Verdict,
)
from . import (
    Effectiveness,
    lots_awaiting_second_inspection,
    lots_with_inspection_requested,
    recalls_effectiveness,
)
from .recalls import units_accounted
from .recovery import Recovery, recalls_recovery

# Recalls whose hospitals are still being followed up.
OPEN_RECALL_STATUSES = (RecallStatus.ISSUED, RecallStatus.CLOSING)
ROWS_SHOWN = 10  # rows of a list panel; the rest is one click away in the changelist
SUPPLIERS_SHOWN = 12  # bars of the rejection-rate chart, highest rate first
WEEKS_SHOWN = 12  # weeks of the dispatch chart, this week included
# Lots waiting for inspection longer than these many days are counted apart.
WAITING_AGE_LIMITS = (7, 14)


# ---------------------------------------------------------------------------------------------
# Open recalls: effectiveness, overdue notices


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
