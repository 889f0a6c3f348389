"""Simultaneous replies to the same recall notice (each in its own thread and PostgreSQL
connection): whatever order they land in, the use the hospital reports is booked out of its
stock once, the replies that would take back units already reported as used are refused, no
balance goes negative and the ledger adds up. `tests/inspections/test_replies.py` covers the
same answer sent four times and two recalls of one lot; here twenty different answers race, and
answers race with the hospital's return shipments for the same units. PostgreSQL only."""

from __future__ import annotations

import random

import pytest
from django.db.models import Sum

from core.errors import InsufficientStock, InvalidInput
from inspections import services
from inspections.models import HospitalReturn, NoticeReply, NoticeReplyVersion
from procurement.models import MovementKind, StockMovement
from tests import factories
from tests.concurrency import all_at_once, sent_and_refused
from tests.faults.checks import assert_nothing_half_written
from tests.inspections.recall_notices import answer, held, issue_recall

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RECEIVED = 100
ANSWERS = 20


def _staff(hospital, count: int) -> list:
    return [factories.HospitalMembershipFactory(hospital=hospital).user for _ in range(count)]


def _consumed(lot) -> int:
    consumed = StockMovement.objects.filter(lot=lot, kind=MovementKind.CONSUMPTION)
    return consumed.aggregate(units=Sum("quantity"))["units"] or 0


def test_twenty_different_answers_at_once_book_the_use_once_and_never_take_units_back(
    postgres_only, officer, hospital
):
    # given twenty staff answering at once, each with its own count of units used (0..19)
    issued = issue_recall(officer, {hospital: (RECEIVED,)})
    notice = issued.notice(hospital)
    used_counts = list(range(ANSWERS))
    random.Random(8).shuffle(used_counts)
    calls = [
        lambda user=user, used=used: answer(notice, user, {issued.lot: (RECEIVED - used, used, 0)})
        for user, used in zip(_staff(hospital, ANSWERS), used_counts, strict=True)
    ]

    results, unexpected = all_at_once(calls)

    # then every answer was recorded or refused for reporting less use than an earlier one
    assert unexpected == []
    accepted, refused = sent_and_refused(results, InvalidInput)
    assert accepted >= 1 and accepted + refused == ANSWERS
    assert all(
        "already reported as used" in result.message
        for result in results
        if isinstance(result, InvalidInput)
    )
    # the versions, in the order they were written, never report less use than before
    versions = NoticeReplyVersion.objects.filter(reply__notice=notice).order_by("pk")
    used_in_order = [v.data["lines"][issued.lot.lot_number]["used"] for v in versions]
    assert len(used_in_order) == accepted
    assert used_in_order == sorted(used_in_order)
    # the use is booked once: the ledger holds what the last accepted answer says, not a sum
    final = NoticeReply.objects.get(notice=notice).lines.get()
    assert final.quantity_used == used_in_order[-1]
    assert _consumed(issued.lot) == final.quantity_used
    assert held(issued.lot, hospital) == RECEIVED - final.quantity_used
    assert_nothing_half_written()


def test_answers_racing_the_hospitals_own_return_shipments_never_count_a_unit_twice(
    postgres_only, officer, hospital
):
    # given the hospital holds 100 units; at once, ten staff answer "20 used" (explaining the
    # difference: the units are being shipped back meanwhile) and ten ship 10 units back each:
    # 120 units asked of 100
    issued = issue_recall(officer, {hospital: (RECEIVED,)})
    notice = issued.notice(hospital)
    staff = _staff(hospital, ANSWERS)
    answers = [
        lambda user=user: answer(
            notice,
            user,
            {issued.lot: (0, 20, 0)},
            explanation="The rest is on its way back to the warehouse.",
        )
        for user in staff[:10]
    ]
    shipments = [
        lambda user=user: services.hospital_return_ship(
            notice=notice, lot=issued.lot, quantity=10, actor=user
        )
        for user in staff[10:]
    ]

    results, unexpected = all_at_once(answers + shipments)

    # then what went through fits in the 100 units, and the use was booked once
    assert unexpected == []
    through, refused = sent_and_refused(results, InsufficientStock)
    assert through + refused == ANSWERS
    replied = sum(isinstance(result, NoticeReply) for result in results)
    shipped = HospitalReturn.objects.filter(notice=notice)
    assert shipped.count() == sum(isinstance(result, HospitalReturn) for result in results)
    units_shipped = shipped.aggregate(units=Sum("quantity_shipped"))["units"] or 0
    consumed = _consumed(issued.lot)
    assert consumed == (20 if replied else 0)
    assert held(issued.lot, hospital) == RECEIVED - units_shipped - consumed >= 0
    # 100 units, 120 asked: some of the twenty had to be refused, and no more than needed
    assert units_shipped + consumed > RECEIVED - 10
    assert_nothing_half_written()
