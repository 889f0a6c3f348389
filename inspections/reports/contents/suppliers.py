"""A supplier's scorecard as a `Document`."""

from __future__ import annotations

from ...selectors.reports import SupplierScorecard
from ..document import Cell, Document, Facts, Table
from .common import admin_url, new_document


def supplier_scorecard_document(card: SupplierScorecard, user) -> Document:
    supplier = card.supplier
    return new_document(
        f"Supplier scorecard: {supplier.name}",
        f"supplier-{supplier.name}-scorecard",
        user,
        [
            Facts(
                "Supplier",
                (
                    ("Name", Cell(supplier.name, admin_url("procurement_supplier", supplier.pk))),
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
                Cell(r.reference, admin_url("inspections_recall", r.pk)),
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
                Cell(c.authorisation_reference, admin_url("procurement_supplierreturn", c.pk)),
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
