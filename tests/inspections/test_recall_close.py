"""Closing a recall: an officer closes an issued or closing recall without a reason when every
hospital answered and no unit is unaccounted for, otherwise only with a written reason for the
gap, recorded with the final figures; drafts, cancelled and closed recalls are refused. Marking a
recall as closing (and back to issued) follows the same transition table."""

from __future__ import annotations

import pytest

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from inspections import services
from inspections.models import Recall, RecallAction, RecallEvent, RecallStatus
from tests import factories
from tests.inspections.recall_notices import answer, issue_recall
from tests.inspections.recall_scenario import (
    fully_answered_recall,
    recall_draft,
    recall_in_every_state,
)

pytestmark = pytest.mark.django_db

# What the every-state scenario still lacks: silent hospitals, units unaccounted for, units on
# their way back, and units still at hospitals although the recall asked for their return.
GAPS = (
    "2 of 7 hospitals have not answered; 195 units are unaccounted for; 60 units are on the way "
    "back: record their arrival first; 360 units are still at hospitals (asked: stop use and "
    "return to the central warehouse)."
)


def _last_event(recall) -> RecallEvent:
    return recall.events.order_by("-pk").first()


def test_a_recall_every_hospital_answered_with_nothing_unaccounted_closes_without_a_reason(
    officer, clerk
):
    recall = fully_answered_recall(officer, clerk)

    closed = services.recall_close(recall=recall, actor=officer)

    assert closed.status == RecallStatus.CLOSED
    assert closed.closed_at is not None
    event = _last_event(closed)
    assert (event.from_status, event.to_status, event.actor) == (
        RecallStatus.ISSUED,
        RecallStatus.CLOSED,
        officer,
    )
    assert event.reason.startswith("Final figures: 40 delivered, 40 returned, 0 in transit")
    assert "1 of 1 hospitals answered" in event.reason


def test_a_gap_makes_the_close_refuse_without_a_reason_and_change_nothing(officer, clerk):
    recall = recall_in_every_state(officer, clerk).recall

    with pytest.raises(InvalidInput) as refusal:
        services.recall_close(recall=recall, actor=officer, reason="   ")

    assert refusal.value.message == (
        f"Recall RC-2020-001 cannot be closed without a written reason for the gap: {GAPS}"
    )
    recall.refresh_from_db()
    assert recall.status == RecallStatus.ISSUED
    assert recall.closed_at is None


def test_a_gap_is_closed_with_a_written_reason_recorded_with_the_gap(officer, clerk):
    recall = recall_in_every_state(officer, clerk).recall
    reason = "H-SILENT closed its ward; H-FAILED confirmed by phone that its 40 were burned."

    closed = services.recall_close(recall=recall, actor=officer, reason=reason)

    assert closed.status == RecallStatus.CLOSED
    event = _last_event(closed)
    assert event.reason.split("\n") == [
        reason,
        f"Closed with a gap: {GAPS}",
        "Final figures: 720 delivered, 275 returned, 60 in transit, 10 used, 10 destroyed, "
        "360 held at hospitals, 195 unaccounted; 5 of 7 hospitals answered.",
    ]


def test_a_closing_recall_can_be_closed_and_can_go_back_to_issued(officer, clerk):
    recall = fully_answered_recall(officer, clerk)

    closing = services.recall_start_closing(recall=recall, actor=officer)
    assert closing.status == RecallStatus.CLOSING
    back = services.recall_reopen(recall=closing, actor=officer, reason="One more return due")
    assert back.status == RecallStatus.ISSUED
    services.recall_start_closing(recall=back, actor=officer, reason="Last return received")
    closed = services.recall_close(recall=back, actor=officer)

    assert closed.status == RecallStatus.CLOSED
    assert list(closed.events.values_list("to_status", flat=True)) == [
        RecallStatus.DRAFT,
        RecallStatus.ISSUED,
        RecallStatus.CLOSING,
        RecallStatus.ISSUED,
        RecallStatus.CLOSING,
        RecallStatus.CLOSED,
    ]


def test_going_back_to_issued_needs_a_reason(officer, clerk):
    recall = services.recall_start_closing(
        recall=fully_answered_recall(officer, clerk), actor=officer
    )

    with pytest.raises(InvalidInput, match="written reason"):
        services.recall_reopen(recall=recall, actor=officer, reason="")


def test_only_officers_close(officer, clerk, inspector):
    recall = fully_answered_recall(officer, clerk)

    for user in (inspector, clerk):
        with pytest.raises(NotPermitted, match="Only a ministry officer may close a recall"):
            services.recall_close(recall=recall, actor=user, reason="done")
        with pytest.raises(NotPermitted):
            services.recall_start_closing(recall=recall, actor=user)

    recall.refresh_from_db()
    assert recall.status == RecallStatus.ISSUED


def test_a_draft_is_not_closed(officer):
    draft = recall_draft(officer, [factories.released_lot(quantity=10, actor=officer)])

    with pytest.raises(IllegalTransition, match="is draft; it cannot become closed"):
        services.recall_close(recall=draft, actor=officer, reason="never mind")
    with pytest.raises(IllegalTransition, match="is draft; it cannot become closing"):
        services.recall_start_closing(recall=draft, actor=officer)


def test_a_cancelled_recall_is_not_closed(officer):
    draft = recall_draft(officer, [factories.released_lot(quantity=10, actor=officer)])
    cancelled = services.recall_cancel(recall=draft, actor=officer, reason="Entered twice")

    with pytest.raises(IllegalTransition, match="is cancelled; it cannot become closed"):
        services.recall_close(recall=cancelled, actor=officer, reason="x")


def test_a_closed_recall_is_not_closed_again(officer, clerk):
    recall = services.recall_close(recall=fully_answered_recall(officer, clerk), actor=officer)

    with pytest.raises(IllegalTransition, match="is closed; it cannot become closed"):
        services.recall_close(recall=recall, actor=officer, reason="again")
    assert recall.events.filter(to_status=RecallStatus.CLOSED).count() == 1


def test_the_transition_table_answers_what_may_follow(db):
    assert services.recall_may_move(RecallStatus.ISSUED, RecallStatus.CLOSED)
    assert services.recall_may_move(RecallStatus.CLOSING, RecallStatus.ISSUED)
    assert not services.recall_may_move(RecallStatus.DRAFT, RecallStatus.CLOSED)
    assert not services.recall_may_move(RecallStatus.CLOSED, RecallStatus.ISSUED)


def test_units_still_at_a_hospital_that_answered_keep_a_return_recall_from_closing(
    officer, clerk, hospital, hospital_user
):
    issued = issue_recall(officer, {hospital: (100,)})
    answer(issued.notice(hospital), hospital_user, {issued.lot: (100, 0, 0)})

    with pytest.raises(InvalidInput, match="100 units are still at hospitals"):
        services.recall_close(recall=issued.recall, actor=officer)


def test_units_on_their_way_back_keep_a_recall_from_closing(
    officer, clerk, hospital, hospital_user
):
    issued = issue_recall(officer, {hospital: (100,)})
    notice = issued.notice(hospital)
    answer(notice, hospital_user, {issued.lot: (100, 0, 0)})
    services.hospital_return_ship(notice=notice, lot=issued.lot, quantity=100, actor=hospital_user)

    with pytest.raises(InvalidInput, match="100 units are on the way back"):
        services.recall_close(recall=issued.recall, actor=officer)


def test_a_quarantine_recall_closes_with_the_units_kept_on_site(
    officer, clerk, hospital, hospital_user
):
    issued = issue_recall(officer, {hospital: (100,)})
    Recall.objects.filter(pk=issued.recall.pk).update(action=RecallAction.QUARANTINE)
    answer(issued.notice(hospital), hospital_user, {issued.lot: (100, 0, 0)})

    closed = services.recall_close(recall=issued.recall, actor=officer)

    assert closed.status == RecallStatus.CLOSED
