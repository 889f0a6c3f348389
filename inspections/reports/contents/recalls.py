"""A recall's status report (final report once closed) as a `Document`."""

from __future__ import annotations

from ...models import (
    EffectivenessLevel,
    RecallAction,
    RecallClass,
    RecallDepth,
)
from ...selectors.reports import RecallReport, Reconciliation, actor_name
from ..document import Cell, Document, Facts, Notes, Section, Table, display
from .common import UNIT_HEADINGS, admin_url, new_document, unit_cells


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
    return new_document(
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
            ("Reference", Cell(recall.reference, admin_url("inspections_recall", recall.pk))),
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
            ("Coordinator", _with_email(coordinator)),
            ("Issued at", recall.issued_at),
            ("Answer by", recall.response_deadline),
            ("Closed at", recall.closed_at),
        ),
    )


def _with_email(user) -> str:
    return f"{actor_name(user)} <{user.email}>" if user.email else actor_name(user)


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
