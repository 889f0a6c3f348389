"""What each report says, laid out as a `Document` from its selector's dataclass: the sections,
their order, headings and figures. The page, the CSV and the PDF all render this one layout.

Links point at the admin pages of the objects named (orders, inspections, recalls...); the admin
checks there who may open them.
"""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone

from procurement.models import IntendedUse

from ..models import (
    Comparison,
    EffectivenessLevel,
    RecallAction,
    RecallClass,
    RecallDepth,
)
from ..selectors import Units
from .document import Cell, Document, Facts, Notes, Section, Table, display
from .selectors import (
    LotTrace,
    RecallReport,
    Reconciliation,
    SupplierScorecard,
    actor_name,
)

# The figures of a recall, as the recall's admin page and `recall_report` head them.
UNIT_HEADINGS = ("Delivered", "Returned", "In transit", "Used", "Destroyed", "Held", "Unaccounted")


def unit_cells(units: Units) -> tuple:
    return (
        units.delivered,
        units.returned,
        units.in_transit,
        units.used,
        units.destroyed,
        units.held,
        Cell(units.unaccounted, alert=bool(units.unaccounted)),
    )


def safe_filename(text: str) -> str:
    """A download name from a lot number or reference: letters, digits, dot, dash, underscore."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "report"


def _admin(name: str, pk) -> str:
    return reverse(f"admin:{name}_change", args=[pk])


def _new_document(title: str, filename: str, user, sections: list[Section]) -> Document:
    return Document(
        title=title,
        filename=safe_filename(filename),
        generated_at=timezone.now(),
        generated_by=actor_name(user),
        sections=tuple(sections),
    )


# ---------------------------------------------------------------------------------------------
# Lot traceability


def lot_trace_document(trace: LotTrace, user) -> Document:
    lot = trace.lot
    return _new_document(
        f"Lot traceability: {lot.lot_number}",
        f"lot-{lot.lot_number}-traceability",
        user,
        [
            _lot_facts(trace),
            *_lot_warnings(trace),
            _order_facts(trace),
            _shipment_facts(trace),
            _where_now(trace),
            _certificates(trace),
            _inspections(trace),
            _sampling(trace),
            _criteria(trace),
            _distributions(trace),
            _complaints(trace),
            _lot_recalls(trace),
            _recall_hospitals(trace),
            _hospital_returns(trace),
            _supplier_returns(trace),
            _movements(trace),
            _timeline(trace),
        ],
    )


def _lot_facts(trace: LotTrace) -> Facts:
    lot = trace.lot
    product = lot.order_line.product
    return Facts(
        "Lot",
        (
            ("Lot number", Cell(lot.lot_number, _admin("procurement_lot", lot.pk))),
            ("Product", f"{product.name} [{product.sku}]"),
            ("Manufacturer", product.manufacturer),
            ("Status", lot.get_status_display()),
            ("Released on", lot.get_release_basis_display() if lot.release_basis else None),
            ("Released at", lot.released_at),
            ("Needs a test", Cell(lot.needs_test, alert=lot.needs_test)),
            ("Units received", lot.quantity_received),
            ("Received at", lot.received_at),
            ("Manufactured on", lot.manufactured_on),
            ("Expires on", lot.expires_on),
        ),
    )


def _lot_warnings(trace: LotTrace) -> list[Notes]:
    lot = trace.lot
    lines = []
    if lot.needs_test:
        lines.append(
            "Released on documents alone: this lot is in use but still needs a test (an "
            "inspection)."
        )
    if lot.order_line.intended_use_mismatch:
        lines.append(
            "Intended-use mismatch: ordered for medical use, but the product is certified only "
            "to a non-medical standard (or to none)."
        )
    if not trace.balanced:
        lines.append(
            f"The ledger does not add up: {trace.accounted:,} units are placed somewhere, "
            f"{lot.quantity_received:,} were received."
        )
    return [Notes("Warnings", tuple(lines), alert=True)] if lines else []


def _order_facts(trace: LotTrace) -> Facts:
    line = trace.lot.order_line
    order = line.order
    claimed = line.product.claimed_standard
    return Facts(
        "Order and order line",
        (
            ("Order", Cell(order.reference, _admin("procurement_purchaseorder", order.pk))),
            (
                "Supplier",
                Cell(order.supplier.name, _admin("procurement_supplier", order.supplier_id)),
            ),
            ("Order status", order.get_status_display()),
            ("Placed at", order.placed_at),
            ("Ordered by", actor_name(order.created_by) if order.created_by else None),
            ("Units ordered on the line", line.quantity),
            ("Unit price", f"{line.unit_price} {line.currency}"),
            ("Required standard", str(line.required_standard)),
            ("Intended use", IntendedUse(line.intended_use).label),
            ("Standard claimed by the maker", str(claimed) if claimed else None),
            (
                "Intended-use mismatch",
                Cell(line.intended_use_mismatch, alert=line.intended_use_mismatch),
            ),
            ("Needed by", line.needed_by),
        ),
    )


def _shipment_facts(trace: LotTrace) -> Facts:
    shipment = trace.lot.shipment
    return Facts(
        "Shipment",
        (
            ("Reference", Cell(shipment.reference, _admin("procurement_shipment", shipment.pk))),
            ("Received at", shipment.received_at),
            ("Received by", actor_name(shipment.received_by) if shipment.received_by else None),
            ("Notes", shipment.notes),
        ),
    )


def _where_now(trace: LotTrace) -> Table:
    received = trace.lot.quantity_received
    return Table(
        "Where every unit is now",
        ("Place", "Kind", "Hospital code", "Units"),
        tuple((p.place, p.kind_label, p.hospital_code, p.quantity) for p in trace.whereabouts),
        footer=(
            f"Total (received {received:,})",
            "",
            "",
            Cell(trace.accounted, alert=not trace.balanced),
        ),
        empty="The ledger holds no unit of this lot.",
    )


def _certificates(trace: LotTrace) -> Table:
    return Table(
        "Certificates",
        ("Number", "For", "Standard", "Issuer", "Notified body", "Valid until", "Verification"),
        tuple(
            (
                Cell(c.certificate_number, _admin("inspections_certificate", c.pk)),
                "this lot" if c.lot_id else "the product",
                c.standard.code,
                c.issuer,
                c.notified_body_number,
                c.valid_until,
                c.get_verification_status_display(),
            )
            for c in trace.certificates
        ),
        empty="No certificate on file for the lot or its product.",
    )


def _inspections(trace: LotTrace) -> Table:
    return Table(
        "Inspections",
        (
            "Inspection",
            "Performed on",
            "Laboratory",
            "Judged against",
            "Plan",
            "Sample",
            "Verdict",
            "Outcome",
        ),
        tuple(
            (
                Cell(f"{i.get_stage_display()} #{i.pk}", _admin("inspections_inspection", i.pk)),
                i.performed_on,
                i.laboratory,
                i.standard.code,
                f"{i.get_severity_display()}, level {i.level}, code letter {i.code_letter}",
                f"{i.sample_size:,}" + (" (100 percent)" if i.hundred_percent else ""),
                Cell(i.get_verdict_display(), alert=i.verdict == "rejected"),
                i.get_outcome_display(),
            )
            for i in trace.inspections
        ),
        empty="Not inspected yet.",
    )


def _sampling(trace: LotTrace) -> Table:
    return Table(
        "Sampling plans and findings per defect class",
        ("Inspection", "Defect class", "AQL", "Sample", "Accept", "Reject", "Found", "Verdict"),
        tuple(
            (
                f"#{i.pk}",
                c.get_defect_class_display(),
                c.aql.normalize(),
                c.sample_size,
                c.accept,
                c.reject,
                c.nonconforming,
                Cell(c.get_verdict_display(), alert=c.verdict == "rejected"),
            )
            for i in trace.inspections
            for c in i.classes.all()
        ),
        empty="Not inspected yet.",
    )


def _criteria(trace: LotTrace) -> Table:
    return Table(
        "Criteria measured",
        ("Inspection", "Characteristic", "Limit", "Units tested", "Nonconforming", "Panel value"),
        tuple(
            (
                f"#{i.pk}",
                r.criterion.characteristic,
                _limit(r),
                r.units_tested,
                Cell(r.nonconforming, alert=bool(r.nonconforming)),
                f"{r.panel_value.normalize():f} %" if r.panel_value is not None else None,
            )
            for i in trace.inspections
            for r in i.results.all()
        ),
        empty="Not inspected yet.",
    )


def _limit(result) -> str:
    if result.limit is None:
        return ""
    comparison = Comparison(result.comparison).label if result.comparison else ""
    return f"{comparison} {result.limit.normalize():f} {result.unit}".strip()


def _distributions(trace: LotTrace) -> Table:
    return Table(
        "Distributions to hospitals",
        ("Dispatched at", "Hospital", "Units", "Status", "Units counted on arrival", "By"),
        tuple(
            (
                d.dispatched_at,
                f"{d.hospital.name} ({d.hospital.code})",
                d.quantity,
                d.get_status_display(),
                Cell(d.quantity_received, alert=bool(d.discrepancy)),
                actor_name(d.dispatched_by) if d.dispatched_by else None,
            )
            for d in trace.distributions
        ),
        empty="No unit was dispatched to a hospital.",
    )


def _complaints(trace: LotTrace) -> Table:
    return Table(
        "Complaints",
        ("Complaint", "Reported at", "Hospital", "Category", "Units affected", "Status", "What"),
        tuple(
            (
                Cell(f"#{c.pk}", _admin("inspections_complaint", c.pk)),
                c.reported_at,
                f"{c.hospital.name} ({c.hospital.code})",
                c.get_category_display(),
                c.quantity_affected,
                c.get_status_display(),
                c.description,
            )
            for c in trace.complaints
        ),
        empty="No complaint about this lot.",
    )


def _lot_recalls(trace: LotTrace) -> Table:
    return Table(
        "Recalls (this lot's units)",
        ("Recall", "Class", "Status", "Issued at", "Answer by", *UNIT_HEADINGS),
        tuple(
            (
                Cell(r.recall.reference, _admin("inspections_recall", r.recall.pk)),
                r.recall.recall_class,
                r.recall.get_status_display(),
                r.recall.issued_at,
                r.recall.response_deadline,
                *unit_cells(r.units),
            )
            for r in trace.recalls
        ),
        empty="The lot was never part of a recall.",
    )


def _recall_hospitals(trace: LotTrace) -> Table:
    return Table(
        "Recall answers per hospital (this lot's units)",
        ("Recall", "Code", "Hospital", "Answered", "Overdue", *UNIT_HEADINGS),
        tuple(
            (
                r.recall.reference,
                h.code,
                h.name,
                h.answered,
                Cell(h.overdue, alert=h.overdue),
                *unit_cells(h.units),
            )
            for r in trace.recalls
            for h in r.hospitals
        ),
        empty="No recall notice about this lot.",
    )


def _hospital_returns(trace: LotTrace) -> Table:
    return Table(
        "Returns from hospitals",
        ("Shipped at", "Hospital", "Notice", "Units shipped", "Units arrived", "Status", "Ref."),
        tuple(
            (
                r.shipped_at,
                f"{r.hospital.name} ({r.hospital.code})",
                f"{r.notice.recall.reference}/{r.hospital.code}",
                r.quantity_shipped,
                Cell(r.quantity_received, alert=bool(r.discrepancy)),
                r.get_status_display(),
                r.reference,
            )
            for r in trace.hospital_returns
        ),
        empty="No return from a hospital.",
    )


def _supplier_returns(trace: LotTrace) -> Table:
    return Table(
        "Returns to the supplier and credit claims",
        ("Returned at", "Authorisation", "Units", "Credit claimed", "Currency", "Claim status"),
        tuple(
            (
                r.created_at,
                Cell(r.authorisation_reference, _admin("procurement_supplierreturn", r.pk)),
                r.quantity,
                r.credit_amount,
                r.currency,
                r.get_claim_status_display(),
            )
            for r in trace.supplier_returns
        ),
        empty="Nothing went back to the supplier.",
    )


def _movements(trace: LotTrace) -> Table:
    return Table(
        "Stock ledger",
        ("At", "Movement", "Units", "From", "To", "Reference", "By"),
        tuple(
            (
                m.at,
                m.get_kind_display(),
                m.quantity,
                m.from_location.name if m.from_location else None,
                m.to_location.name,
                m.reference,
                actor_name(m.actor),
            )
            for m in trace.movements
        ),
        empty="No movement.",
    )


def _timeline(trace: LotTrace) -> Table:
    return Table(
        "Every event",
        ("At", "About", "What", "By", "Why and details"),
        tuple((e.at, e.subject, e.what, e.actor, e.reason) for e in trace.timeline),
        empty="No event.",
    )


# ---------------------------------------------------------------------------------------------
# Recall status report and final report


def recall_report_document(report: RecallReport, user) -> Document:
    recall = report.recall
    kind = "final report" if report.is_final else "status report"
    sections: list[Section] = [
        _recall_facts(report),
        _progress(report),
        *_still_open(report),
        _channels(report),
        _notices(report),
        _answered(report),
        _non_responders(report),
        _returned_per_lot(report),
        _per_hospital(report),
        _reconciliation(report),
        _failed_deliveries(report),
        _recall_history(report),
    ]
    return _new_document(
        f"Recall {kind}: {recall.reference}",
        f"recall-{recall.reference}-{kind.replace(' ', '-')}",
        user,
        sections,
    )


def _recall_facts(report: RecallReport) -> Facts:
    recall = report.recall
    suppliers = sorted({lot.order_line.order.supplier.name for lot in report.lots})
    products = sorted({lot.order_line.product.name for lot in report.lots})
    coordinator = recall.coordinator
    source = recall.source_inspection
    return Facts(
        "Recall",
        (
            ("Reference", Cell(recall.reference, _admin("inspections_recall", recall.pk))),
            ("Status", recall.get_status_display()),
            ("Class", RecallClass(recall.recall_class).label),
            ("Marked URGENT", recall.is_urgent),
            ("Depth", RecallDepth(recall.depth).label),
            ("Action asked of hospitals", RecallAction(recall.action).label),
            ("Effectiveness check level", EffectivenessLevel(recall.effectiveness_level).label),
            ("Lots", ", ".join(lot.lot_number for lot in report.lots)),
            ("Products", ", ".join(products)),
            ("Supplier", ", ".join(suppliers)),
            ("Problem", recall.reason),
            ("Hazard", recall.hazard),
            ("Prepared from", f"{source} (lot {source.lot})" if source else None),
            ("Coordinator", f"{actor_name(coordinator)} <{coordinator.email}>"),
            ("Issued at", recall.issued_at),
            ("Answer by", recall.response_deadline),
            ("Closed at", recall.closed_at),
        ),
    )


def _progress(report: RecallReport) -> Facts:
    figures = report.figures
    silent = figures.hospitals_notified - figures.hospitals_answered
    return Facts(
        "Progress",
        (
            ("Hospitals notified", figures.hospitals_notified),
            ("Notice delivered to", figures.hospitals_delivered),
            ("Hospitals that answered", figures.hospitals_answered),
            ("Non-responders", Cell(silent, alert=bool(silent))),
            ("Overdue", Cell(figures.hospitals_overdue, alert=bool(figures.hospitals_overdue))),
            (
                "Failed deliveries",
                Cell(len(figures.failed_deliveries), alert=bool(figures.failed_deliveries)),
            ),
            ("Units delivered to hospitals", figures.units.delivered),
            ("Units returned", figures.units.returned),
            (
                "Units unaccounted for",
                Cell(figures.units.unaccounted, alert=bool(figures.units.unaccounted)),
            ),
            ("Expected completion", report.expected_completion),
            ("Completion", report.completion_note),
        ),
    )


def _still_open(report: RecallReport) -> list[Notes]:
    if report.recall.status in ("draft", "cancelled"):
        return []
    gaps = report.figures.gaps()
    if not gaps:
        return [Notes("To close", ("Nothing is missing.",))]
    return [Notes("To close", tuple(f"{gap}." for gap in gaps), alert=True)]


def _channels(report: RecallReport) -> Table:
    return Table(
        "Notices sent, by channel",
        ("Channel", "Notices", "Delivered", "Waiting or retrying", "Failed for good"),
        tuple(
            (c.label, c.notices, c.delivered, c.pending, Cell(c.failed, alert=bool(c.failed)))
            for c in report.channels
        ),
        empty="No notice was sent: the recall has not been issued.",
    )


def _notices(report: RecallReport) -> Table:
    return Table(
        "Notices",
        ("Notice", "Hospital", "Sent at", "Deliveries", "Reminders", "Coordinator alerted"),
        tuple(
            (
                n.reference,
                n.hospital_name,
                n.created_at,
                "; ".join(
                    f"{d.label}: {d.status_label.lower()} ({d.attempts} attempt"
                    f"{'s' if d.attempts != 1 else ''}"
                    + (f", {display(d.delivered_at)}" if d.delivered_at else "")
                    + ")"
                    for d in n.deliveries
                ),
                n.reminders_sent,
                n.coordinator_alerted_at,
            )
            for n in report.notices
        ),
        empty="No notice was sent: the recall has not been issued.",
    )


def _answered(report: RecallReport) -> Table:
    return Table(
        "Hospitals that answered",
        (
            "Code",
            "Hospital",
            "Answered at",
            "Reported on hand",
            "Used",
            "Returned",
            "In transit",
            "Destroyed",
        ),
        tuple(
            (
                n.hospital_code,
                n.hospital_name,
                n.answered_at,
                n.units.reported_on_hand,
                n.units.used,
                n.units.returned,
                n.units.in_transit,
                n.units.destroyed,
            )
            for n in report.answered
        ),
        empty="No hospital has answered yet.",
    )


def _non_responders(report: RecallReport) -> Table:
    return Table(
        "Non-responders",
        (
            "Code",
            "Hospital",
            "Units delivered",
            "Units held (ledger)",
            "Reminders",
            "Last reminded",
            "Coordinator alerted",
            "Overdue",
        ),
        tuple(
            (
                n.hospital_code,
                n.hospital_name,
                n.units.delivered,
                n.units.held,
                n.reminders_sent,
                n.last_reminded_at,
                n.coordinator_alerted_at,
                Cell(n.overdue, alert=n.overdue),
            )
            for n in report.non_responders
        ),
        empty="Every notified hospital has answered.",
    )


def _returned_per_lot(report: RecallReport) -> Table:
    return Table(
        "Quantities per lot",
        ("Lot", *UNIT_HEADINGS),
        tuple((line.lot_number, *unit_cells(line.units)) for line in report.figures.lots),
        footer=("All lots", *unit_cells(report.figures.units)),
    )


def _per_hospital(report: RecallReport) -> Table:
    return Table(
        "Quantities per hospital",
        ("Code", "Hospital", "Answered", *UNIT_HEADINGS, "Reported on hand"),
        tuple(
            (
                row.code,
                row.name,
                row.answered,
                *unit_cells(row.units),
                row.units.reported_on_hand,
            )
            for row in report.figures.hospitals
        ),
        empty="No notice yet: the recall has not been issued.",
    )


RECONCILIATION_HEADINGS = (
    "Delivered",
    "Used",
    "Returned",
    "Destroyed",
    "In transit back",
    "On hand at hospitals (reported)",
    "Unaccounted",
    "Adds up",
)


def _reconciliation_cells(r: Reconciliation) -> tuple:
    return (
        r.delivered,
        r.used,
        r.returned,
        r.destroyed,
        r.in_transit,
        r.on_hand,
        Cell(r.unaccounted, alert=bool(r.unaccounted)),
        Cell(r.balanced, alert=not r.balanced),
    )


def _reconciliation(report: RecallReport) -> Table:
    title = "Final reconciliation" if report.is_final else "Reconciliation so far"
    r = report.reconciliation
    return Table(
        f"{title}: delivered = used + returned + destroyed + in transit + on hand + unaccounted "
        f"({r.delivered:,} = {r.used:,} + {r.returned:,} + {r.destroyed:,} + {r.in_transit:,} + "
        f"{r.on_hand:,} + {r.unaccounted:,})",
        ("Lot", *RECONCILIATION_HEADINGS),
        tuple((number, *_reconciliation_cells(rec)) for number, rec in report.lot_reconciliations),
        footer=("All lots", *_reconciliation_cells(r)),
    )


def _failed_deliveries(report: RecallReport) -> Table:
    return Table(
        "Failed deliveries (reach these hospitals another way)",
        ("Notice", "Hospital", "Channel", "Attempts", "Last error"),
        tuple(
            (f.notice_reference, f.hospital_name, f.channel_label, f.attempts, f.last_error)
            for f in report.figures.failed_deliveries
        ),
        empty="No delivery failed for good.",
    )


def _recall_history(report: RecallReport) -> Table:
    return Table(
        "History",
        ("At", "From", "To", "By", "Why"),
        tuple(
            (
                e.at,
                e.get_from_status_display() if e.from_status else None,
                e.get_to_status_display(),
                actor_name(e.actor),
                e.reason,
            )
            for e in report.events
        ),
    )


# ---------------------------------------------------------------------------------------------
# Supplier scorecard


def supplier_scorecard_document(card: SupplierScorecard, user) -> Document:
    supplier = card.supplier
    return _new_document(
        f"Supplier scorecard: {supplier.name}",
        f"supplier-{supplier.name}-scorecard",
        user,
        [
            Facts(
                "Supplier",
                (
                    ("Name", Cell(supplier.name, _admin("procurement_supplier", supplier.pk))),
                    ("Country", supplier.country),
                    ("Contact e-mail", supplier.contact_email),
                    ("Contact phone", supplier.contact_phone),
                ),
            ),
            _delivery_record(card),
            _levels(card),
            _level_history(card),
            _supplier_recalls(card),
            _open_claims(card),
            _supplier_lots(card),
        ],
    )


def _delivery_record(card: SupplierScorecard) -> Facts:
    rate = card.rejection_rate
    decided = card.lots_accepted + card.lots_rejected
    return Facts(
        "Lots",
        (
            ("Lots received", card.lots_received),
            ("Units received", card.units_received),
            ("Lots accepted (released on an accepted inspection)", card.lots_accepted),
            ("Lots rejected or recalled", Cell(card.lots_rejected, alert=bool(card.lots_rejected))),
            ("of which recalled from hospitals", card.lots_recalled),
            ("Lots awaiting a decision", card.lots_pending),
            (
                "Rejection rate",
                Cell(
                    f"{rate} % of {decided:,} decided lot{'s' if decided != 1 else ''}"
                    if rate is not None
                    else "no lot decided yet",
                    alert=bool(rate),
                ),
            ),
            ("First inspections accepted", card.first_inspections_accepted),
            ("First inspections not accepted", card.first_inspections_rejected),
            ("Complaints from hospitals", card.complaints),
            *(
                (f"Credit claims open ({currency})", total)
                for currency, total in card.open_claim_totals().items()
            ),
        ),
    )


def _levels(card: SupplierScorecard) -> Table:
    return Table(
        "Inspection level now, per product category",
        ("Product category", "Level", "Since", "Reduced inspection proposed"),
        tuple(
            (
                level.category_label,
                Cell(level.state_label, alert=level.state in ("tightened", "discontinued")),
                level.history[-1].at if level.history else None,
                level.reduced_proposed,
            )
            for level in card.levels
        ),
        empty="No lot received yet: every category starts on normal inspection.",
    )


def _level_history(card: SupplierScorecard) -> Table:
    return Table(
        "Inspection level history",
        ("At", "Product category", "From", "To", "After lot", "By", "Why"),
        tuple(
            (
                change.at,
                level.category_label,
                change.from_label,
                change.to_label,
                change.lot_number,
                change.actor,
                change.reason,
            )
            for level in card.levels
            for change in level.history
        ),
        empty="Never changed: normal inspection throughout.",
    )


def _supplier_recalls(card: SupplierScorecard) -> Table:
    return Table(
        "Recalls",
        ("Recall", "Class", "Status", "Issued at", "Closed at", "The supplier's lots"),
        tuple(
            (
                Cell(r.reference, _admin("inspections_recall", r.pk)),
                r.recall_class,
                r.get_status_display(),
                r.issued_at,
                r.closed_at,
                ", ".join(r.lot_numbers),
            )
            for r in card.recalls
        ),
        empty="No recall of this supplier's lots.",
    )


def _open_claims(card: SupplierScorecard) -> Table:
    return Table(
        "Credit claims open",
        ("Claimed at", "Lot", "Authorisation", "Units", "Credit", "Currency", "Status"),
        tuple(
            (
                c.created_at,
                c.lot.lot_number,
                Cell(c.authorisation_reference, _admin("procurement_supplierreturn", c.pk)),
                c.quantity,
                c.credit_amount,
                c.currency,
                c.get_claim_status_display(),
            )
            for c in card.open_claims
        ),
        empty="No credit claim is open.",
    )


FATE_LABELS = {"accepted": "Accepted", "rejected": "Rejected", "pending": "Awaiting a decision"}


def _supplier_lots(card: SupplierScorecard) -> Table:
    return Table(
        "Lots",
        ("Lot", "Product", "Received at", "Units", "Status", "Result", "Recalled"),
        tuple(
            (
                lot.lot_number,
                lot.product,
                lot.received_at,
                lot.quantity,
                lot.status_label,
                Cell(FATE_LABELS[lot.fate], alert=lot.fate == "rejected"),
                lot.recalled,
            )
            for lot in card.lots
        ),
        empty="No lot received from this supplier.",
    )
