"""A recall's status report, and its final report once it is closed (`recall_status_report`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from procurement.models import (
    Lot,
)

from ...models import (
    Channel,
    DeliveryStatus,
    Notice,
    NoticeDelivery,
    Recall,
    RecallEvent,
    RecallStatus,
)
from ..recalls import Effectiveness, Units, recall_effectiveness


@dataclass(frozen=True)
class ChannelCount:
    """How one channel's deliveries of the recall's notices stand."""

    channel: str
    notices: int
    delivered: int
    pending: int  # waiting or being sent (retries included)
    failed: int

    @property
    def label(self) -> str:
        return str(Channel(self.channel).label)


@dataclass(frozen=True)
class ChannelDelivery:
    """One channel of one notice."""

    channel: str
    status: str
    attempts: int
    delivered_at: dt.datetime | None

    @property
    def label(self) -> str:
        return str(Channel(self.channel).label)

    @property
    def status_label(self) -> str:
        return str(DeliveryStatus(self.status).label)


@dataclass(frozen=True)
class NoticeStatus:
    """One notified hospital: how its notice went out, the reminders, its answer and its units
    (the figures are `recall_effectiveness`'s row of that hospital)."""

    reference: str
    hospital_code: str
    hospital_name: str
    created_at: dt.datetime
    deliveries: tuple[ChannelDelivery, ...]
    reminders_sent: int
    last_reminded_at: dt.datetime | None
    coordinator_alerted_at: dt.datetime | None
    answered: bool
    answered_at: dt.datetime | None
    overdue: bool
    units: Units


@dataclass(frozen=True)
class Reconciliation:
    """Where the delivered units went: delivered = used + returned + destroyed + unaccounted,
    plus, while the recall runs, units on their way back and units the hospitals reported on
    hand (held by the ledger and accounted for by their answer)."""

    delivered: int
    used: int
    returned: int
    destroyed: int
    in_transit: int
    on_hand: int
    unaccounted: int

    @classmethod
    def of(cls, units: Units) -> Reconciliation:
        # `unaccounted` is lost in return plus what hospitals hold beyond what they reported, so
        # what they hold and reported is the rest of their holding.
        on_hand = units.held - (units.unaccounted - units.lost_in_return)
        return cls(
            delivered=units.delivered,
            used=units.used,
            returned=units.returned,
            destroyed=units.destroyed,
            in_transit=units.in_transit,
            on_hand=on_hand,
            unaccounted=units.unaccounted,
        )

    @property
    def accounted(self) -> int:
        return (
            self.used
            + self.returned
            + self.destroyed
            + self.in_transit
            + self.on_hand
            + self.unaccounted
        )

    @property
    def balanced(self) -> bool:
        return self.accounted == self.delivered


@dataclass(frozen=True)
class RecallReport:
    """A recall's status report (its final report once it is closed)."""

    recall: Recall
    lots: tuple[Lot, ...]
    figures: Effectiveness
    channels: tuple[ChannelCount, ...]
    notices: tuple[NoticeStatus, ...]
    reconciliation: Reconciliation
    lot_reconciliations: tuple[tuple[str, Reconciliation], ...]
    expected_completion: dt.date | None
    completion_note: str
    events: tuple[RecallEvent, ...]  # the recall's history, oldest first

    @property
    def is_final(self) -> bool:
        return self.recall.status == RecallStatus.CLOSED

    @property
    def answered(self) -> tuple[NoticeStatus, ...]:
        return tuple(notice for notice in self.notices if notice.answered)

    @property
    def non_responders(self) -> tuple[NoticeStatus, ...]:
        return tuple(notice for notice in self.notices if not notice.answered)


def recall_status_report(recall: Recall) -> RecallReport:
    """The recall's report. Its figures are `recall_effectiveness(recall)` as they are; this
    adds how each notice went out and the completion estimate. A fixed number of queries."""
    recall = Recall.objects.select_related("coordinator", "source_inspection__lot").get(
        pk=recall.pk
    )
    figures = recall_effectiveness(recall)
    notices = list(
        Notice.objects.filter(recall=recall)
        .select_related("hospital")
        .prefetch_related(Prefetch("deliveries", NoticeDelivery.objects.order_by("channel")))
        .order_by("hospital__code")
    )
    rows = {row.notice_id: row for row in figures.hospitals}
    expected, note = _completion(recall, figures)
    return RecallReport(
        recall=recall,
        lots=tuple(
            recall.lots.select_related(
                "order_line__product", "order_line__order__supplier"
            ).order_by("lot_number")
        ),
        figures=figures,
        channels=_channel_counts(notices),
        notices=tuple(_notice_status(notice, rows[notice.pk]) for notice in notices),
        reconciliation=Reconciliation.of(figures.units),
        lot_reconciliations=tuple(
            (line.lot_number, Reconciliation.of(line.units)) for line in figures.lots
        ),
        expected_completion=expected,
        completion_note=note,
        events=tuple(recall.events.select_related("actor").order_by("at", "pk")),
    )


def _channel_counts(notices: list[Notice]) -> tuple[ChannelCount, ...]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for notice in notices:
        for delivery in notice.deliveries.all():
            counts[delivery.channel][delivery.status] += 1
    return tuple(
        ChannelCount(
            channel=channel,
            notices=sum(counts[channel].values()),
            delivered=counts[channel][DeliveryStatus.DELIVERED],
            pending=counts[channel][DeliveryStatus.PENDING]
            + counts[channel][DeliveryStatus.SENDING],
            failed=counts[channel][DeliveryStatus.FAILED],
        )
        for channel in Channel.values
        if channel in counts
    )


def _notice_status(notice: Notice, row) -> NoticeStatus:
    return NoticeStatus(
        reference=row.notice_reference,
        hospital_code=notice.hospital.code,
        hospital_name=notice.hospital.name,
        created_at=notice.created_at,
        deliveries=tuple(
            ChannelDelivery(d.channel, d.status, d.attempt_count, d.delivered_at)
            for d in notice.deliveries.all()
        ),
        reminders_sent=notice.reminders_sent,
        last_reminded_at=notice.last_reminded_at,
        coordinator_alerted_at=notice.coordinator_alerted_at,
        answered=row.answered,
        answered_at=row.answered_at,
        overdue=row.overdue,
        units=row.units,
    )


def _completion(recall: Recall, figures: Effectiveness) -> tuple[dt.date | None, str]:
    """When the recall can be expected to end, and why (the FDA status report's "estimated time
    frame for completion")."""
    if recall.status == RecallStatus.CLOSED:
        closed = timezone.localdate(recall.closed_at) if recall.closed_at else None
        return closed, "Closed: this is the final report."
    if recall.status == RecallStatus.CANCELLED:
        return None, "Cancelled before it was issued: no notice went out."
    if recall.status == RecallStatus.DRAFT:
        return None, "A draft: nothing happens until it is issued."
    gaps = figures.gaps()
    if not gaps:
        today = timezone.localdate()
        return today, "Every hospital has answered and every unit is accounted for: it can close."
    still = "; ".join(gaps)
    if recall.response_deadline >= timezone.localdate():
        return (
            recall.response_deadline,
            f"Expected by the response deadline, once these are settled: {still}.",
        )
    return None, (
        f"Overdue: the response deadline {recall.response_deadline:%Y-%m-%d} has passed and "
        f"these are not settled: {still}."
    )
