"""A lot's traceability as a `Document`."""

from __future__ import annotations

from procurement.models import IntendedUse

from ...models import Comparison
from ...selectors.reports import LotTrace, actor_name
from ..document import Cell, Document, Facts, Notes, Table
from .common import UNIT_HEADINGS, admin_url, new_document, unit_cells


def lot_trace_document(trace: LotTrace, user) -> Document:
    lot = trace.lot
    return new_document(
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
            ("Lot number", Cell(lot.lot_number, admin_url("procurement_lot", lot.pk))),
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
            ("Order", Cell(order.reference, admin_url("procurement_purchaseorder", order.pk))),
            (
                "Supplier",
                Cell(order.supplier.name, admin_url("procurement_supplier", order.supplier_id)),
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
            ("Reference", Cell(shipment.reference, admin_url("procurement_shipment", shipment.pk))),
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
                Cell(c.certificate_number, admin_url("inspections_certificate", c.pk)),
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
                Cell(f"{i.get_stage_display()} #{i.pk}", admin_url("inspections_inspection", i.pk)),
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
                f"{c.aql.normalize():f}",  # 4.000 is 4, never 4E+0
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
                Cell(f"#{c.pk}", admin_url("inspections_complaint", c.pk)),
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
                Cell(r.recall.reference, admin_url("inspections_recall", r.recall.pk)),
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
                Cell(r.authorisation_reference, admin_url("procurement_supplierreturn", r.pk)),
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
