"""`recall_status_report`: what a recall's status report lists (notices sent and how, who
answered, units returned, non-responders, expected completion) and its reconciliation, with the
figures of `recall_effectiveness` as they are; a closed recall's report is the final report."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspections import services
from inspections.selectors import recall_effectiveness
from inspections.selectors.reports import recall_status_report
from tests.factories import released_lot
from tests.inspections.recall_scenario import fully_answered_recall, make_overdue, recall_draft

pytestmark = pytest.mark.django_db


def test_the_report_s_figures_are_recall_effectiveness_s(scenario):
    report = recall_status_report(scenario.recall)

    assert report.figures == recall_effectiveness(scenario.recall)
    assert not report.is_final


def test_it_lists_who_answered_and_the_non_responders_with_what_they_hold(scenario):
    report = recall_status_report(scenario.recall)

    assert [n.hospital_code for n in report.answered] == [
        "H-DONE",
        "H-KEEP",
        "H-LOST",
        "H-SHORT",
        "H-TRANSIT",
    ]
    silent = {n.hospital_code: n for n in report.non_responders}
    assert sorted(silent) == ["H-FAILED", "H-SILENT"]
    assert (silent["H-SILENT"].units.delivered, silent["H-SILENT"].units.held) == (100, 100)
    assert silent["H-SILENT"].reminders_sent == 0


def test_it_says_how_the_notices_went_out_per_channel_and_per_notice(scenario):
    report = recall_status_report(scenario.recall)

    (email,) = report.channels
    assert (email.label, email.notices, email.delivered, email.pending, email.failed) == (
        "E-mail",
        7,
        6,
        0,
        1,
    )
    failed = next(n for n in report.notices if n.hospital_code == "H-FAILED")
    assert [(d.channel, d.status, d.attempts) for d in failed.deliveries] == [
        ("email", "failed", 1)
    ]
    assert failed.reference == "RC-2020-001/H-FAILED"


def test_the_reconciliation_accounts_for_every_delivered_unit(scenario):
    report = recall_status_report(scenario.recall)

    r = report.reconciliation
    assert (r.delivered, r.used, r.returned, r.destroyed, r.in_transit, r.on_hand) == (
        720,
        10,
        275,
        10,
        60,
        170,  # H-KEEP's 100 and 70 of H-SHORT's 120, as they reported
    )
    assert r.unaccounted == recall_effectiveness(scenario.recall).units.unaccounted == 195
    assert r.accounted == r.delivered and r.balanced
    assert all(rec.balanced for _number, rec in report.lot_reconciliations)
    assert [number for number, _rec in report.lot_reconciliations] == [
        scenario.first.lot_number,
        scenario.second.lot_number,
    ]


def test_before_the_deadline_completion_is_expected_by_the_deadline(scenario):
    report = recall_status_report(scenario.recall)

    assert report.expected_completion == scenario.recall.response_deadline
    assert report.completion_note.startswith("Expected by the response deadline")
    assert "2 of 7 hospitals have not answered" in report.completion_note


def test_past_the_deadline_completion_is_unknown_and_said_to_be_overdue(scenario):
    make_overdue(scenario.recall)

    report = recall_status_report(scenario.recall)

    assert report.expected_completion is None
    assert report.completion_note.startswith("Overdue: the response deadline")
    assert [n.hospital_code for n in report.notices if n.overdue] == ["H-FAILED", "H-SILENT"]


def test_a_closed_recall_s_report_is_the_final_report(officer, clerk):
    recall = fully_answered_recall(officer, clerk)
    services.recall_close(recall=recall, actor=officer)

    report = recall_status_report(recall)

    assert report.is_final
    assert report.expected_completion == timezone.localdate()
    assert report.completion_note == "Closed: this is the final report."
    r = report.reconciliation
    assert (r.delivered, r.returned, r.unaccounted, r.in_transit, r.on_hand) == (40, 40, 0, 0, 0)
    assert [e.to_status for e in report.events] == ["draft", "issued", "closed"]


def test_a_draft_has_no_notice_and_no_expected_completion(officer):
    draft = recall_draft(officer, [released_lot(actor=officer)])

    report = recall_status_report(draft)

    assert report.notices == () and report.channels == ()
    assert report.expected_completion is None
    assert report.completion_note == "A draft: nothing happens until it is issued."
    assert report.reconciliation.delivered == 0 and report.reconciliation.balanced


def _queries(recall) -> int:
    with CaptureQueriesContext(connection) as context:
        recall_status_report(recall)
    return len(context.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_hospitals(scenario, officer, clerk):
    one_hospital = fully_answered_recall(officer, clerk)

    assert _queries(scenario.recall) == _queries(one_hospital) <= 20
