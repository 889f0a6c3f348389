"""The reports on the demo story (SCENARIO.md): the recall's report has exactly the figures of
`recall_effectiveness` and reconciles the 600,000 masks delivered; every demo lot's units add up
to what was received; the two suppliers' scorecards show what happened to their lots."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from inspections import demo
from inspections.models import Recall
from inspections.selectors import recall_effectiveness
from inspections.selectors.reports import lot_trace, recall_status_report, supplier_scorecard
from procurement import demo as supply
from procurement.models import Hospital, LocationKind, Lot, Supplier

from .read_back import csv_rows, csv_section, page_texts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _a_development_database(settings):
    # The demo loads only with DEBUG on (as `make demo` runs it); pytest-django turns it off.
    settings.DEBUG = True


@pytest.fixture
def loaded() -> demo.DemoSummary:
    return demo.load_demo()


def test_the_demo_recall_report_has_the_effectiveness_figures_and_reconciles(loaded, client):
    recall = Recall.objects.get(reference=demo.RECALL_REFERENCE)
    figures = recall_effectiveness(recall)

    report = recall_status_report(recall)

    assert report.figures == figures
    r = report.reconciliation
    assert (r.delivered, r.used, r.returned, r.destroyed, r.in_transit, r.on_hand) == (
        600_000,
        1_800,
        24_000,
        0,
        22_200,
        0,
    )
    assert r.unaccounted == figures.units.unaccounted == 552_000
    assert r.balanced
    assert [n.hospital_code for n in report.answered] == ["HOSP-001", "HOSP-011"]
    assert len(report.non_responders) == figures.hospitals_overdue == 23
    assert {n.reminders_sent for n in report.non_responders} == {1}
    channels = {c.channel: c.notices for c in report.channels}
    assert channels == {"email": 25, "webhook": Hospital.objects.exclude(webhook_url="").count()}
    assert report.expected_completion is None  # the demo's deadline has passed
    assert report.completion_note.startswith("Overdue")

    client.force_login(get_user_model().objects.get(username="officer"))
    rows = csv_rows(client.get(reverse("reports:recall_report_csv", args=[recall.pk])))
    per_lot = csv_section(rows, "Quantities per lot")[1:]
    assert per_lot[-1] == [
        "All lots",
        *(str(n) for n in (600_000, 24_000, 22_200, 1_800, 0, 552_000, 552_000)),
    ]
    assert [row[0] for row in per_lot[:-1]] == [line.lot_number for line in figures.lots]
    pdf = client.get(reverse("reports:recall_report_pdf", args=[recall.pk])).content
    assert "552,000" in [run for page in page_texts(pdf) for run in page]


def test_every_demo_lot_adds_up_and_the_scorecards_tell_each_supplier_s_story(loaded):
    for lot in Lot.objects.filter(lot_number__in=[*supply.LOT_NUMBERS, *supply.RAPID_LOT_NUMBERS]):
        trace = lot_trace(lot)
        assert trace.accounted == lot.quantity_received, lot.lot_number
    lot_a = lot_trace(Lot.objects.get(lot_number="KN95-2003-A"))
    assert lot_a.units_by_kind()[LocationKind.CONSUMED] == 1_800
    assert [r.recall.reference for r in lot_a.recalls] == [demo.RECALL_REFERENCE]
    assert len(lot_a.inspections) == 2 and len(lot_a.complaints) >= 1
    lot_d = lot_trace(Lot.objects.get(lot_number="KN95-2003-D"))
    assert [(p.kind, p.quantity) for p in lot_d.whereabouts] == [
        (LocationKind.SUPPLIER, supply.LOT_SIZE)
    ]

    masks = supplier_scorecard(Supplier.objects.get(name=supply.MASK_SUPPLIER["name"]))
    assert (masks.lots_received, masks.lots_rejected, masks.lots_recalled) == (5, 5, 3)
    assert masks.rejection_rate == Decimal("100.0")
    (respirators,) = masks.levels
    assert respirators.state == "tightened" and len(respirators.history) == 1
    assert [r.reference for r in masks.recalls] == [demo.RECALL_REFERENCE]
    assert masks.open_claim_totals() == {"EUR": Decimal("1274000.00")}  # lots D and E

    tests = supplier_scorecard(Supplier.objects.get(name=supply.TEST_SUPPLIER["name"]))
    assert (tests.lots_received, tests.lots_rejected, tests.lots_recalled) == (2, 2, 0)
    assert tests.recalls == ()
    assert tests.open_claim_totals() == {"EUR": Decimal("288000.00")}
