"""A lot's traceability (`lot_trace`), and finding lots by their number."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q

from procurement.models import (
    CreditClaimEvent,
    CreditClaimStatus,
    Distribution,
    LocationKind,
    Lot,
    LotEvent,
    LotStatus,
    StockBalance,
    StockMovement,
    SupplierReturn,
)

from ...models import (
    Certificate,
    CertificateEvent,
    Complaint,
    ComplaintEvent,
    CriterionResult,
    HospitalReturn,
    Inspection,
    InspectionEvent,
    Recall,
    RecallEvent,
    RecallStatus,
    VerificationStatus,
)
from ..recalls import Effectiveness, Units, recalls_effectiveness
from .common import actor_name

# Where units can be, in the order the report lists them: the ministry's own hands first, then
# the places units leave it for good (`TERMINAL_LOCATION_KINDS`).
PLACE_ORDER = (
    LocationKind.WAREHOUSE,
    LocationKind.HOSPITAL,
    LocationKind.IN_TRANSIT,
    LocationKind.SUPPLIER,
    LocationKind.CONSUMED,
    LocationKind.DESTROYED,
    LocationKind.LOST,
)


@dataclass(frozen=True)
class Whereabouts:
    """Units of a lot at one place now: one ledger balance."""

    kind: str
    place: str
    hospital_code: str  # empty unless the place is a hospital
    quantity: int

    @property
    def kind_label(self) -> str:
        return str(LocationKind(self.kind).label)


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to the lot or to something about it, from any event table."""

    at: dt.datetime
    subject: str  # "Lot", "Inspection #4", "Complaint #2", "Recall RC-2020-001", ...
    what: str
    actor: str
    reason: str


@dataclass(frozen=True)
class HospitalLotUnits:
    """One notified hospital's figures of this lot in a recall."""

    code: str
    name: str
    answered: bool
    overdue: bool
    units: Units


@dataclass(frozen=True)
class LotRecall:
    """A recall the lot is part of, with the lot's own figures in it (from
    `recall_effectiveness`)."""

    recall: Recall
    units: Units
    hospitals: tuple[HospitalLotUnits, ...]


@dataclass(frozen=True)
class LotTrace:
    """Everything the ministry knows about one lot, for its traceability page and file."""

    lot: Lot  # with its order line, product, standards, order, supplier and shipment joined in
    certificates: tuple[Certificate, ...]
    inspections: tuple[Inspection, ...]  # oldest first; classes, results, panel, events loaded
    distributions: tuple[Distribution, ...]
    whereabouts: tuple[Whereabouts, ...]
    movements: tuple[StockMovement, ...]
    complaints: tuple[Complaint, ...]
    recalls: tuple[LotRecall, ...]
    hospital_returns: tuple[HospitalReturn, ...]
    supplier_returns: tuple[SupplierReturn, ...]
    timeline: tuple[TimelineEntry, ...]  # oldest first

    @property
    def accounted(self) -> int:
        """Units the ledger places somewhere: equals the units received when it adds up."""
        return sum(place.quantity for place in self.whereabouts)

    @property
    def balanced(self) -> bool:
        return self.accounted == self.lot.quantity_received

    def units_by_kind(self) -> dict[str, int]:
        """Units per kind of place (all hospitals together), every kind listed, in
        `PLACE_ORDER`."""
        totals = {kind.value: 0 for kind in PLACE_ORDER}
        for place in self.whereabouts:
            totals[place.kind] += place.quantity
        return totals


def lot_trace(lot: Lot) -> LotTrace:
    """A lot's whole life in about twenty queries, however long that life was."""
    lot = Lot.objects.select_related(
        "order_line__product__claimed_standard",
        "order_line__required_standard",
        "order_line__order__supplier",
        "order_line__order__created_by",
        "shipment__received_by",
    ).get(pk=lot.pk)
    certificates = _certificates_of(lot)
    inspections = _inspections_of(lot)
    complaints = tuple(
        lot.complaints.select_related("hospital", "reported_by")
        .prefetch_related(Prefetch("events", ComplaintEvent.objects.select_related("actor")))
        .order_by("reported_at", "pk")
    )
    recalls = _recalls_of(lot)
    supplier_returns = _supplier_returns_of(lot)
    events = tuple(lot.events.select_related("actor").order_by("at", "pk"))
    return LotTrace(
        lot=lot,
        certificates=certificates,
        inspections=inspections,
        distributions=tuple(
            lot.distributions.select_related("hospital", "dispatched_by").order_by(
                "dispatched_at", "pk"
            )
        ),
        whereabouts=_whereabouts_of(lot),
        movements=_movements_of(lot),
        complaints=complaints,
        recalls=recalls,
        hospital_returns=_hospital_returns_of(lot),
        supplier_returns=supplier_returns,
        timeline=_timeline(
            events, certificates, inspections, complaints, recalls, supplier_returns
        ),
    )


def _inspections_of(lot: Lot) -> tuple[Inspection, ...]:
    """Oldest first, each with its plan's classes, its results and its decisions."""
    return tuple(
        lot.inspections.select_related("standard", "recorded_by", "panel")
        .prefetch_related(
            "classes",
            Prefetch("results", CriterionResult.objects.select_related("criterion")),
            Prefetch("events", InspectionEvent.objects.select_related("actor")),
        )
        .order_by("recorded_at", "pk")
    )


def _supplier_returns_of(lot: Lot) -> tuple[SupplierReturn, ...]:
    return tuple(
        lot.supplier_returns.select_related("created_by")
        .prefetch_related(
            Prefetch("claim_events", CreditClaimEvent.objects.select_related("actor"))
        )
        .order_by("created_at", "pk")
    )


def _movements_of(lot: Lot) -> tuple[StockMovement, ...]:
    return tuple(
        lot.movements.select_related("from_location", "to_location", "actor").order_by("at", "pk")
    )


def _hospital_returns_of(lot: Lot) -> tuple[HospitalReturn, ...]:
    return tuple(
        lot.hospital_returns.select_related(
            "hospital", "notice__recall", "shipped_by", "received_by"
        ).order_by("shipped_at", "pk")
    )


def _certificates_of(lot: Lot) -> tuple[Certificate, ...]:
    """The lot's own certificates and those of its product, with their verification events."""
    return tuple(
        Certificate.objects.filter(Q(lot=lot) | Q(product_id=lot.order_line.product_id))
        .select_related("standard")
        .prefetch_related(Prefetch("events", CertificateEvent.objects.select_related("actor")))
        .order_by("pk")
    )


def _whereabouts_of(lot: Lot) -> tuple[Whereabouts, ...]:
    balances = (
        StockBalance.objects.filter(lot=lot)
        .exclude(quantity=0)
        .select_related("location__hospital")
    )
    places = [
        Whereabouts(
            kind=balance.location.kind,
            place=balance.location.hospital.name
            if balance.location.hospital
            else balance.location.name,
            hospital_code=balance.location.hospital.code if balance.location.hospital else "",
            quantity=balance.quantity,
        )
        for balance in balances
    ]
    places.sort(key=lambda p: (PLACE_ORDER.index(LocationKind(p.kind)), p.place, p.hospital_code))
    return tuple(places)


def _recalls_of(lot: Lot) -> tuple[LotRecall, ...]:
    recalls = list(
        lot.recalls.select_related("coordinator")
        .prefetch_related(Prefetch("events", RecallEvent.objects.select_related("actor")))
        .order_by("created_at", "pk")
    )
    figures = recalls_effectiveness(recalls)
    return tuple(_lot_recall(recall, figures[recall.pk], lot.lot_number) for recall in recalls)


def _lot_recall(recall: Recall, figures: Effectiveness, number: str) -> LotRecall:
    units = next((line.units for line in figures.lots if line.lot_number == number), Units())
    hospitals = tuple(
        HospitalLotUnits(row.code, row.name, row.answered, row.overdue, line.units)
        for row in figures.hospitals
        for line in row.lots
        if line.lot_number == number
    )
    return LotRecall(recall=recall, units=units, hospitals=hospitals)


def _timeline(events, certificates, inspections, complaints, recalls, supplier_returns):
    """Every event about the lot, from each table that records one, oldest first."""
    entries = [
        TimelineEntry(
            e.at, "Lot", _lot_event_what(e), actor_name(e.actor), _with_data(e.reason, e.data)
        )
        for e in events
    ]
    for certificate in certificates:
        subject = f"Certificate {certificate.certificate_number}"
        entries += [
            _entry(e, subject, f"Verification: {_move(VerificationStatus, e)}")
            for e in certificate.events.all()
        ]
    for inspection in inspections:
        subject = f"{inspection.get_stage_display()} #{inspection.pk}"
        verdict = inspection.get_verdict_display()
        entries += [
            _entry(e, subject, f"{verdict}: {e.get_outcome_display()}")
            for e in inspection.events.all()
        ]
    for complaint in complaints:
        subject = f"Complaint #{complaint.pk} ({complaint.hospital.code})"
        entries += [
            _entry(e, subject, e.get_kind_display(), why=e.note) for e in complaint.events.all()
        ]
    for lot_recall in recalls:
        subject = f"Recall {lot_recall.recall.reference}"
        entries += [
            _entry(e, subject, _move(RecallStatus, e)) for e in lot_recall.recall.events.all()
        ]
    for claim in supplier_returns:
        subject = f"Credit claim {claim.authorisation_reference}"
        entries += [
            _entry(e, subject, _move(CreditClaimStatus, e)) for e in claim.claim_events.all()
        ]
    entries.sort(key=lambda entry: entry.at)  # stable: each table's own order is kept on ties
    return tuple(entries)


def _entry(event, subject: str, what: str, *, why: str | None = None) -> TimelineEntry:
    reason = event.reason if why is None else why
    return TimelineEntry(event.at, subject, what, actor_name(event.actor), reason)


def _move(choices, event) -> str:
    """An event's status change, "New" for the first one."""
    return f"{_label(choices, event.from_status) or 'New'} -> {event.get_to_status_display()}"


def _label(choices, status: str) -> str:
    """A status's label (empty for no status: the row's first event)."""
    return str(choices(status).label) if status else ""


def _lot_event_what(event: LotEvent) -> str:
    what = event.get_kind_display()
    if event.from_status and event.from_status != event.to_status:
        return f"{what}: {LotStatus(event.from_status).label} -> {LotStatus(event.to_status).label}"
    if not event.from_status and event.to_status and event.kind != LotEvent.Kind.RECEIVED:
        return f"{what}: {LotStatus(event.to_status).label}"
    return what


def _with_data(reason: str, data: dict) -> str:
    """The event's reason, followed by its plain data (hospital, quantity, reference...)."""
    details = ", ".join(
        _detail(key, value)
        for key, value in (data or {}).items()
        if isinstance(value, str | int) and not isinstance(value, bool) and value != ""
    )
    return "; ".join(part for part in (reason, details) if part)


def _detail(key: str, value: str | int) -> str:
    # Quantities are grouped as everywhere in the reports; ids and references are not.
    label = key.replace("_", " ")
    grouped = isinstance(value, int) and "quantity" in key
    return f"{label} {value:,}" if grouped else f"{label} {value}"


# ---------------------------------------------------------------------------------------------
# Finding a lot by its number (the admin header's search field)

LOT_MATCHES_SHOWN = 50


def lots_numbered(query: str) -> list[Lot]:
    """Lots whose number is the query, ignoring case (unique numbers may still differ only in
    case, so this may be more than one)."""
    return list(Lot.objects.filter(lot_number__iexact=query).order_by("lot_number")[:2])


def lots_matching(query: str) -> list[Lot]:
    """Lots whose number contains the query, ignoring case, by number: at most
    `LOT_MATCHES_SHOWN` + 1 (one more says there are more)."""
    return list(
        Lot.objects.filter(lot_number__icontains=query)
        .select_related("order_line__product", "order_line__order__supplier")
        .order_by("lot_number")[: LOT_MATCHES_SHOWN + 1]
    )
