"""A recall's effectiveness: per hospital and lot, what it received (the notice), used, destroyed,
returned (received returns and direct returns), has in transit and holds (the ledger), what it
reports on hand (the reply), and what is unaccounted for; per recall, who was notified, reached,
answered and is overdue, and which deliveries failed. A fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inspections import services
from inspections.selectors import Units, recall_effectiveness, recalls_effectiveness
from procurement import services as procurement
from procurement.selectors import ledger_violations
from tests import factories
from tests.inspections.recall_scenario import (
    make_overdue,
    recall_draft,
    recall_in_every_state,
    reply,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(officer, clerk):
    return recall_in_every_state(officer, clerk)


def _row(figures, code):
    return next(row for row in figures.hospitals if row.code == code)


def test_a_hospital_that_never_answered_has_all_it_holds_unaccounted(scenario):
    row = _row(recall_effectiveness(scenario.recall), "H-SILENT")

    assert not row.answered
    assert row.delivered_to
    assert row.units == Units(delivered=100, held=100, unaccounted=100)


def test_a_hospital_that_returned_everything_and_answered_accounts_for_every_unit(scenario):
    row = _row(recall_effectiveness(scenario.recall), "H-DONE")

    # 50 came back directly (the older return), 150 through a received hospital return.
    assert row.answered
    assert row.units == Units(delivered=200, returned=200, reported_on_hand=0)


def test_units_on_hand_that_the_hospital_reports_are_not_unaccounted(scenario):
    row = _row(recall_effectiveness(scenario.recall), "H-KEEP")

    first, second = row.lots
    assert first.units == Units(delivered=80, held=80, reported_on_hand=80)
    assert second.units == Units(delivered=30, used=10, held=20, reported_on_hand=20)
    assert row.units.unaccounted == 0


def test_fewer_units_on_hand_than_the_ledger_says_are_unaccounted(scenario):
    row = _row(recall_effectiveness(scenario.recall), "H-SHORT")

    assert row.units == Units(delivered=120, held=120, reported_on_hand=70, unaccounted=50)


def test_a_return_on_its_way_is_in_transit_not_unaccounted(scenario):
    row = _row(recall_effectiveness(scenario.recall), "H-TRANSIT")

    assert row.units == Units(delivered=60, in_transit=60, reported_on_hand=0)


def test_a_return_received_short_counts_the_missing_units_as_lost_and_unaccounted(scenario):
    row = _row(recall_effectiveness(scenario.recall), "H-LOST")

    assert row.units == Units(
        delivered=90,
        returned=75,
        destroyed=10,
        lost_in_return=5,
        reported_on_hand=0,
        unaccounted=5,
    )


def test_a_failed_delivery_is_listed_and_the_hospital_counts_as_not_reached(scenario):
    figures = recall_effectiveness(scenario.recall)

    row = _row(figures, "H-FAILED")
    assert not row.delivered_to
    assert row.failed_channels == ("email",)
    assert row.units == Units(delivered=40, held=40, unaccounted=40)
    (failed,) = figures.failed_deliveries
    assert (failed.hospital_code, failed.channel, failed.attempts, failed.permanent) == (
        "H-FAILED",
        "email",
        1,
        True,
    )
    assert "no such user" in failed.last_error


def test_the_recall_totals_add_up_over_hospitals_and_lots(scenario):
    figures = recall_effectiveness(scenario.recall)

    assert (
        figures.hospitals_notified,
        figures.hospitals_delivered,
        figures.hospitals_answered,
        figures.hospitals_overdue,
    ) == (7, 6, 5, 0)
    assert figures.units == Units(
        delivered=720,
        returned=275,
        in_transit=60,
        used=10,
        destroyed=10,
        held=360,
        lost_in_return=5,
        reported_on_hand=170,
        unaccounted=195,
    )
    first, second = figures.lots
    assert first.lot_number == scenario.first.lot_number
    assert (first.units.delivered, first.units.held, first.units.unaccounted) == (650, 300, 155)
    assert (second.units.delivered, second.units.held, second.units.unaccounted) == (70, 60, 40)
    # Every delivered unit is somewhere.
    u = figures.units
    assert u.delivered == (
        u.returned + u.in_transit + u.used + u.destroyed + u.held + u.lost_in_return
    )
    assert ledger_violations() == []


def test_hospitals_without_an_acknowledged_reply_are_overdue_after_the_deadline(scenario):
    make_overdue(scenario.recall)

    figures = recall_effectiveness(scenario.recall)

    assert figures.hospitals_overdue == 2
    assert {row.code for row in figures.hospitals if row.overdue} == {"H-SILENT", "H-FAILED"}


def test_a_reply_that_is_not_acknowledged_does_not_count_as_answered(officer, clerk):
    lot = factories.released_lot(quantity=100, actor=officer)
    hospital = factories.HospitalFactory()
    procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=30, actor=clerk)
    recall = services.recall_issue(recall=recall_draft(officer, [lot]), actor=officer)
    reply(recall.notices.get(), clerk, {lot: {"quantity_on_hand": 30}}, acknowledged=False)

    figures = recall_effectiveness(recall)

    assert figures.hospitals_answered == 0
    (row,) = figures.hospitals
    # What it says is shown, but until it acknowledges, all it holds counts as unaccounted.
    assert row.units == Units(delivered=30, held=30, reported_on_hand=30, unaccounted=30)


def test_a_draft_has_no_hospitals_and_zero_figures_per_lot(officer):
    lot = factories.released_lot(quantity=10, actor=officer)
    recall = recall_draft(officer, [lot])

    figures = recall_effectiveness(recall)

    assert figures.hospitals == ()
    assert figures.lots[0].units == Units()
    assert figures.gaps() == []


def test_the_number_of_queries_does_not_grow_with_the_hospitals(scenario, officer, clerk):
    small = _one_hospital_recall(officer, clerk)
    with CaptureQueriesContext(connection) as one_hospital:
        recall_effectiveness(small)
    with CaptureQueriesContext(connection) as seven_hospitals:
        recall_effectiveness(scenario.recall)
    with CaptureQueriesContext(connection) as both:
        recalls_effectiveness([small, scenario.recall])

    assert len(one_hospital) == len(seven_hospitals) == len(both)
    assert len(both) <= 7


def _one_hospital_recall(officer, clerk):
    """One hospital, which answered (as some in the big scenario did: the same reads run)."""
    lot = factories.released_lot(quantity=10, actor=officer)
    procurement.distribution_dispatch(
        lot=lot, hospital=factories.HospitalFactory(), quantity=5, actor=clerk
    )
    recall = services.recall_issue(
        recall=recall_draft(officer, [lot], reference="RC-2020-099"), actor=officer
    )
    reply(recall.notices.get(), clerk, {lot: {"quantity_on_hand": 5}})
    return recall
