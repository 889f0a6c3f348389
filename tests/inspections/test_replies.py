"""A hospital's reply to its recall notice: acknowledged, per lot on hand / used / destroyed.
Answering again updates the reply and keeps every answer; use and destruction beyond what the
ledger records leave the hospital's stock, so the ledger and the recall's figures agree."""

from __future__ import annotations

import pytest

from core.errors import IllegalTransition, InsufficientStock, InvalidInput, NotPermitted
from inspections import services
from inspections.models import NoticeReply, NoticeReplyLine, NoticeReplyVersion
from inspections.selectors import recall_effectiveness
from procurement import services as procurement
from procurement.models import LotEvent, MovementKind, StockMovement
from procurement.selectors import ledger_violations
from tests import factories
from tests.concurrency import all_at_once
from tests.inspections.recall_notices import answer, held, issue_recall

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(officer, hospital):
    """100 units of one recalled lot at the test hospital."""
    return issue_recall(officer, {hospital: (100,)})


@pytest.fixture
def notice(issued, hospital):
    return issued.notice(hospital)


def _units(issued, hospital):
    figures = recall_effectiveness(issued.recall)
    (row,) = [h for h in figures.hospitals if h.code == hospital.code]
    return row


# ---------------------------------------------------------------------------------------------
# Answering


def test_a_first_answer_records_the_reply_its_lines_and_a_version(
    issued, notice, hospital, hospital_user
):
    reply = answer(notice, hospital_user, {issued.lot: (100, 0, 0)})

    assert reply.acknowledged and reply.answered_by == hospital_user
    line = reply.lines.get()
    assert (line.lot, line.quantity_on_hand, line.quantity_used) == (issued.lot, 100, 0)
    version = reply.versions.get()
    assert version.data["lines"] == {
        issued.lot.lot_number: {"on_hand": 100, "used": 0, "destroyed": 0}
    }
    assert version.data["respondent_name"] == "A. Pharmacist"
    assert version.data["booked"] == {}
    assert not StockMovement.objects.filter(kind=MovementKind.CONSUMPTION).exists()
    row = _units(issued, hospital)
    assert row.answered and row.units.unaccounted == 0
    assert ledger_violations() == []


def test_use_and_destruction_reported_leave_the_hospitals_stock(
    issued, notice, hospital, hospital_user
):
    answer(notice, hospital_user, {issued.lot: (70, 20, 10)})

    assert held(issued.lot, hospital) == 70
    moves = StockMovement.objects.filter(lot=issued.lot, from_location__hospital=hospital)
    assert {(m.kind, m.quantity, m.reference) for m in moves.exclude(kind="dispatch")} == {
        (MovementKind.CONSUMPTION, 20, notice.reference),
        (MovementKind.DESTRUCTION, 10, notice.reference),
    }
    kinds = set(issued.lot.events.values_list("kind", flat=True))
    assert {LotEvent.Kind.CONSUMED, LotEvent.Kind.DESTROYED_ON_SITE} <= kinds
    units = _units(issued, hospital).units
    assert (units.used, units.destroyed, units.held, units.unaccounted) == (20, 10, 70, 0)
    assert ledger_violations() == []


def test_answering_again_updates_the_same_reply_and_keeps_the_history(
    issued, notice, hospital, hospital_user
):
    answer(notice, hospital_user, {issued.lot: (70, 20, 10)})

    answer(
        notice,
        hospital_user,
        {issued.lot: (60, 25, 15)},
        respondent_name="B. Manager",
        respondent_role="Stores",
    )

    reply = NoticeReply.objects.get()
    assert reply.respondent_name == "B. Manager"
    line = NoticeReplyLine.objects.get()
    assert (line.quantity_on_hand, line.quantity_used, line.quantity_destroyed) == (60, 25, 15)
    versions = list(reply.versions.all())
    assert [v.data["lines"][issued.lot.lot_number]["used"] for v in versions] == [20, 25]
    assert versions[1].data["booked"] == {issued.lot.lot_number: {"used": 5, "destroyed": 5}}
    # Only the differences were booked.
    assert held(issued.lot, hospital) == 60
    assert ledger_violations() == []


def test_a_decrease_of_used_is_refused_and_names_the_coordinator(
    issued, notice, hospital, hospital_user, officer
):
    answer(notice, hospital_user, {issued.lot: (70, 20, 10)})

    with pytest.raises(InvalidInput, match=r"already reported as used.*contact the recall's coord"):
        answer(notice, hospital_user, {issued.lot: (80, 10, 10)})
    with pytest.raises(InvalidInput, match=rf"destroyed.*{officer.email}"):
        answer(notice, hospital_user, {issued.lot: (75, 20, 5)})

    assert NoticeReplyVersion.objects.count() == 1
    assert held(issued.lot, hospital) == 70


def test_figures_beyond_what_was_received_need_an_explanation(
    issued, notice, hospital, hospital_user
):
    with pytest.raises(services.ExplanationNeeded, match="make 110, more than the 100 units"):
        answer(notice, hospital_user, {issued.lot: (100, 10, 0)})
    assert not NoticeReply.objects.exists()

    reply = answer(
        notice,
        hospital_user,
        {issued.lot: (100, 10, 0)},
        explanation="Ten units were borrowed from the university hospital.",
    )

    assert reply.explanation.startswith("Ten units")
    assert held(issued.lot, hospital) == 90
    assert ledger_violations() == []


def test_units_already_shipped_back_count_against_what_was_received(
    issued, notice, hospital, hospital_user
):
    services.hospital_return_ship(notice=notice, lot=issued.lot, quantity=30, actor=hospital_user)

    with pytest.raises(services.ExplanationNeeded, match="30 already sent back"):
        answer(notice, hospital_user, {issued.lot: (100, 0, 0)})
    answer(notice, hospital_user, {issued.lot: (70, 0, 0)})

    assert _units(issued, hospital).units.in_transit == 30
    assert ledger_violations() == []


def test_use_recorded_before_the_recall_is_not_booked_twice(officer, hospital, hospital_user):
    def use_ten(lots):
        procurement.stock_consume(lot=lots[0], hospital=hospital, quantity=10, actor=hospital_user)

    issued = issue_recall(officer, {hospital: (100,)}, before_issue=use_ten)
    notice = issued.notice(hospital)

    answer(notice, hospital_user, {issued.lot: (90, 10, 0)})

    consumed = StockMovement.objects.filter(lot=issued.lot, kind=MovementKind.CONSUMPTION)
    assert [m.quantity for m in consumed] == [10]
    assert held(issued.lot, hospital) == 90
    with pytest.raises(InvalidInput, match="10 units were already reported as used"):
        answer(notice, hospital_user, {issued.lot: (90, 5, 0)})
    assert ledger_violations() == []


def test_more_use_than_the_hospital_holds_is_refused(issued, notice, hospital, hospital_user):
    with pytest.raises(InsufficientStock, match="holds 100 units of lot"):
        answer(notice, hospital_user, {issued.lot: (0, 150, 0)}, explanation="We used more.")

    assert not NoticeReply.objects.exists()
    assert held(issued.lot, hospital) == 100


def test_an_answer_covers_every_lot_of_the_notice(officer, hospital, hospital_user):
    issued = issue_recall(officer, {hospital: (100, 40)})
    notice = issued.notice(hospital)
    first, second = issued.lots

    with pytest.raises(InvalidInput, match=rf"Give the units on hand.*{second.lot_number}"):
        answer(notice, hospital_user, {first: (100, 0, 0)})
    answer(notice, hospital_user, {first: (100, 0, 0), second: (30, 10, 0)})

    assert held(second, hospital) == 30
    assert NoticeReplyLine.objects.count() == 2
    assert ledger_violations() == []


def test_a_lot_the_hospital_never_received_is_not_the_notices(officer, hospital, hospital_user):
    elsewhere = factories.HospitalFactory()
    issued = issue_recall(officer, {hospital: (100, 0), elsewhere: (0, 20)})
    first, second = issued.lots
    notice = issued.notice(hospital)
    assert set(notice.received) == {first.lot_number}

    with pytest.raises(InvalidInput, match=f"{second.lot_number} is not one of this notice"):
        answer(notice, hospital_user, {first: (100, 0, 0), second: (0, 0, 0)})


@pytest.mark.parametrize(
    ("figures", "fields", "message"),
    [
        ((-1, 0, 0), {}, "whole numbers, zero or more"),
        ((None, 0, 0), {}, "whole numbers, zero or more"),
        ((100, 0), {}, "Give the units on hand"),
        ((100, 0, 0), {"respondent_name": "  "}, "name of who answers"),
        ((100, 0, 0), {"respondent_role": ""}, "role of who answers"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    issued, notice, hospital_user, figures, fields, message
):
    with pytest.raises(InvalidInput, match=message):
        answer(notice, hospital_user, {issued.lot: figures}, **fields)

    assert not NoticeReply.objects.exists()


def test_only_staff_of_the_notices_hospital_may_answer(
    issued, notice, other_hospital_user, officer, clerk
):
    for actor in (other_hospital_user, officer, clerk):
        with pytest.raises(NotPermitted):
            answer(notice, actor, {issued.lot: (100, 0, 0)})

    assert not NoticeReply.objects.exists()


def test_a_closed_recall_is_not_answered_any_more(issued, notice, hospital_user, officer):
    services.recall_close(recall=issued.recall, actor=officer, reason="Test closes early.")

    with pytest.raises(IllegalTransition, match="is closed"):
        answer(notice, hospital_user, {issued.lot: (100, 0, 0)})


def test_an_unacknowledged_answer_does_not_count_as_answered(
    issued, notice, hospital, hospital_user
):
    answer(notice, hospital_user, {issued.lot: (100, 0, 0)}, acknowledged=False)

    assert not _units(issued, hospital).answered


# ---------------------------------------------------------------------------------------------
# The procurement side: use reported in a reply


def test_use_is_reported_only_for_recalled_lots_and_by_the_hospitals_staff(
    hospital, hospital_user, other_hospital_user, officer
):
    lot = factories.released_lot(actor=officer)
    procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=50, actor=officer)

    with pytest.raises(IllegalTransition, match="not recalled"):
        procurement.recall_use_report(
            lot=lot, hospital=hospital, used=5, destroyed=0, actor=hospital_user, reference="x"
        )
    with pytest.raises(NotPermitted):
        procurement.recall_use_report(
            lot=lot, hospital=hospital, used=5, destroyed=0, actor=other_hospital_user, reference=""
        )
    nothing = procurement.recall_use_report(
        lot=lot, hospital=hospital, used=0, destroyed=0, actor=hospital_user, reference=""
    )
    assert nothing == []
    assert held(lot, hospital) == 50


@pytest.fixture
def other_hospital_user(db):
    return factories.HospitalMembershipFactory(user__username="elsewhere").user


# ---------------------------------------------------------------------------------------------
# At the same moment (PostgreSQL: SQLite serialises all writers, so it would prove nothing)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_answer_sent_twice_at_once_books_the_use_once(
    postgres_only, officer, hospital, hospital_user
):
    issued = issue_recall(officer, {hospital: (100,)})
    notice = issued.notice(hospital)

    results, unexpected = all_at_once(
        [lambda: answer(notice, hospital_user, {issued.lot: (70, 30, 0)})] * 4
    )

    assert unexpected == []
    assert all(isinstance(result, NoticeReply) for result in results)
    consumed = StockMovement.objects.filter(lot=issued.lot, kind=MovementKind.CONSUMPTION)
    assert [m.quantity for m in consumed] == [30]
    assert held(issued.lot, hospital) == 70
    assert NoticeReplyVersion.objects.count() == 4
    assert ledger_violations() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_answers_to_two_recalls_of_the_same_lot_at_once_book_the_use_once(
    postgres_only, officer, hospital, hospital_user
):
    issued = issue_recall(officer, {hospital: (100,)})
    second = services.recall_create(
        reference="RC-2020-002",
        lots=[issued.lot],
        reason="A second finding on the same lot.",
        hazard="Staff are not protected.",
        recall_class="I",
        response_deadline=issued.recall.response_deadline,
        coordinator=officer,
        actor=officer,
    )
    services.recall_issue(recall=second, actor=officer)
    notices = [issued.notice(hospital), second.notices.get(hospital=hospital)]

    results, unexpected = all_at_once(
        [lambda notice=notice: answer(notice, hospital_user, {issued.lot: (90, 10, 0)})
         for notice in notices]
    )  # fmt: skip

    # Both answers say the hospital used 10 of the lot: the ledger books 10, not 20.
    assert unexpected == []
    assert all(isinstance(result, NoticeReply) for result in results)
    consumed = StockMovement.objects.filter(lot=issued.lot, kind=MovementKind.CONSUMPTION)
    assert sum(m.quantity for m in consumed) == 10
    assert held(issued.lot, hospital) == 90
    assert ledger_violations() == []
