"""`lot_trace`: a lot's whole life from every table that records part of it, where every unit is
now (adding up to what was received), in a number of queries that does not grow with the life."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inspections.selectors.reports import lot_trace
from procurement import services as procurement
from procurement.models import LocationKind
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_received_unit_is_placed_somewhere_and_the_places_add_up_to_the_receipt(scenario):
    trace = lot_trace(scenario.first)

    assert trace.accounted == trace.lot.quantity_received == 1_000
    assert trace.balanced
    assert trace.units_by_kind() == {
        LocationKind.WAREHOUSE: 625,  # 350 never left, 50 returned directly, 150 + 75 came back
        LocationKind.HOSPITAL: 300,
        LocationKind.IN_TRANSIT: 65,  # 60 on the way, 5 that never arrived
        LocationKind.SUPPLIER: 0,
        LocationKind.CONSUMED: 0,
        LocationKind.DESTROYED: 10,
        LocationKind.LOST: 0,
    }
    hospitals = [(p.hospital_code, p.quantity) for p in trace.whereabouts if p.kind == "hospital"]
    assert hospitals == [("H-KEEP", 80), ("H-SHORT", 120), ("H-SILENT", 100)]


def test_a_lot_back_at_its_supplier_is_all_there(story):
    trace = lot_trace(story.rejected)

    assert [(p.kind, p.quantity) for p in trace.whereabouts] == [(LocationKind.SUPPLIER, 1_000)]
    assert trace.balanced
    (claim,) = trace.supplier_returns
    assert (claim.authorisation_reference, claim.quantity) == ("RA-BRIGHTMED-1", 1_000)


def test_the_trace_has_the_order_shipment_certificate_inspection_and_distributions(story):
    trace = lot_trace(story.accepted)

    assert trace.lot.order_line.order.supplier == story.supplier
    assert trace.lot.shipment.reference == f"AWB-{story.accepted.lot_number}"
    assert list(trace.certificates) == [story.certificate]
    (inspection,) = trace.inspections
    assert (inspection.stage, inspection.verdict, inspection.outcome) == (
        "first",
        "accepted",
        "released",
    )
    assert (inspection.severity, inspection.code_letter, inspection.sample_size) == (
        "normal",
        "J",
        80,
    )
    assert {c.defect_class for c in inspection.classes.all()} == {"critical", "major", "minor"}
    assert [(d.hospital.code, d.quantity) for d in trace.distributions] == [
        ("H-A", 200),
        ("H-B", 100),
    ]
    assert [(p.place, p.quantity) for p in trace.whereabouts] == [
        ("Central warehouse", 700),
        ("Amphia Ziekenhuis", 200),
        ("Bravis Ziekenhuis", 100),
    ]
    assert list(trace.complaints) == [story.complaint]
    assert trace.recalls == ()


def test_the_timeline_holds_the_events_of_every_kind_oldest_first(story):
    trace = lot_trace(story.accepted)

    subjects = [entry.subject for entry in trace.timeline]
    whats = [entry.what for entry in trace.timeline]
    assert "Received" in whats
    assert "Status changed: Quarantined -> Released" in whats
    assert f"First inspection #{story.accepted.inspections.get().pk}" in subjects
    assert f"Certificate {story.certificate.certificate_number}" in subjects
    assert f"Complaint #{story.complaint.pk} (H-A)" in subjects
    dispatches = [e for e in trace.timeline if e.what == "Dispatched"]
    assert [e.actor for e in dispatches] == ["clerk", "clerk"]
    assert "hospital H-A" in dispatches[0].reason and "quantity 200" in dispatches[0].reason
    assert [e.at for e in trace.timeline] == sorted(e.at for e in trace.timeline)


def test_a_recalled_lot_shows_its_recall_with_its_own_figures_per_hospital(scenario):
    trace = lot_trace(scenario.first)

    (recalled,) = trace.recalls
    assert recalled.recall == scenario.recall
    assert (recalled.units.delivered, recalled.units.returned, recalled.units.unaccounted) == (
        650,
        275,
        155,
    )
    assert [h.code for h in recalled.hospitals] == [
        "H-DONE",
        "H-KEEP",
        "H-LOST",
        "H-SHORT",
        "H-SILENT",
        "H-TRANSIT",
    ]  # H-FAILED got only units of the second lot
    issued = [e for e in trace.timeline if e.subject == "Recall RC-2020-001"]
    assert [e.what for e in issued] == ["New -> Draft", "Draft -> Issued"]
    assert _queries(scenario.first) <= 25


def _queries(lot) -> int:
    with CaptureQueriesContext(connection) as context:
        lot_trace(lot)
    return len(context.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_lot_s_life(story, clerk, inspector):
    before = _queries(story.accepted)
    for number in range(4):
        procurement.distribution_dispatch(
            lot=story.accepted,
            hospital=factories.HospitalFactory(code=f"H-X{number}"),
            quantity=10,
            actor=clerk,
        )
    procurement.lot_hold(lot=story.accepted, actor=inspector, reason="Complaint about the fit.")

    assert _queries(story.accepted) == before
    assert before <= 25
