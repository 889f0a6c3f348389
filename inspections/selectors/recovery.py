"""A recall's recovery over time, for the ministry dashboard's line chart: units accounted for at
the end of each day since the recall was issued, followed back from the dated ledger movements,
hospital returns and reply versions (`recalls.units_accounted`, day by day)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from django.db.models import Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from procurement.models import LocationKind, MovementKind, StockMovement

from ..models import (
    HospitalReturn,
    Notice,
    NoticeReply,
    NoticeReplyVersion,
    Recall,
    ReturnStatus,
)

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
