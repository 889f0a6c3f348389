"""Reads for the reports. Each selector returns a frozen dataclass with everything its page, CSV
and PDF need, read in a fixed number of queries whatever the number of hospitals, events,
inspections or lots (the tests hold them to it).

- `lot_trace(lot)`: a lot's whole life: order and line, shipment, certificates, inspections with
  their sampling plans and verdicts, every event of every kind, where every unit is now (the
  ledger's balances: the sum is what was received), complaints, recalls, returns.
- `recall_status_report(recall)`: the status report a recall owes (FDA guidance, EU field safety
  notice process): notices sent and how, who answered, units returned, non-responders, expected
  completion, and the reconciliation delivered = used + returned + destroyed + unaccounted (plus,
  while the recall runs, units on their way back or still on hand at hospitals).
- `supplier_scorecard(supplier)`: lots received, accepted and rejected, rejection rate, the
  inspection level per product category with its history, recalls, open credit claims.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from procurement.models import (
    CreditClaimEvent,
    CreditClaimStatus,
    Distribution,
    LocationKind,
    Lot,
    LotEvent,
    LotStatus,
    ProductCategory,
    ReleaseBasis,
    StockBalance,
    StockMovement,
    Supplier,
    SupplierReturn,
)

from ..models import (
    Certificate,
    CertificateEvent,
    Channel,
    Complaint,
    ComplaintEvent,
    CriterionResult,
    DeliveryStatus,
    HospitalReturn,
    Inspection,
    InspectionEvent,
    InspectionStage,
    LevelState,
    Notice,
    NoticeDelivery,
    Recall,
    RecallEvent,
    RecallStatus,
    SupplierLevel,
    SupplierLevelEvent,
    Verdict,
    VerificationStatus,
)
from ..selectors import Effectiveness, Units, recall_effectiveness, recalls_effectiveness


def actor_name(user) -> str:
    """Who did something, as a report names them ("system" for the scheduled tasks)."""
    if user is None:
        return "system"
    return user.get_full_name() or user.get_username()


# ---------------------------------------------------------------------------------------------
# Lot traceability

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
    """A lot's whole life in about thirty queries, however long that life was."""
    lot = Lot.objects.select_related(
        "order_line__product__claimed_standard",
        "order_line__required_standard",
        "order_line__order__supplier",
        "order_line__order__created_by",
        "shipment__received_by",
    ).get(pk=lot.pk)
    certificates = _certificates_of(lot)
    inspections = tuple(
        lot.inspections.select_related("standard", "recorded_by", "panel")
        .prefetch_related(
            "classes",
            Prefetch("results", CriterionResult.objects.select_related("criterion")),
            Prefetch("events", InspectionEvent.objects.select_related("actor")),
        )
        .order_by("recorded_at", "pk")
    )
    complaints = tuple(
        lot.complaints.select_related("hospital", "reported_by")
        .prefetch_related(Prefetch("events", ComplaintEvent.objects.select_related("actor")))
        .order_by("reported_at", "pk")
    )
    supplier_returns = tuple(
        lot.supplier_returns.select_related("created_by")
        .prefetch_related(
            Prefetch("claim_events", CreditClaimEvent.objects.select_related("actor"))
        )
        .order_by("created_at", "pk")
    )
    recalls = _recalls_of(lot)
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
        movements=tuple(
            lot.movements.select_related("from_location", "to_location", "actor").order_by(
                "at", "pk"
            )
        ),
        complaints=complaints,
        recalls=recalls,
        hospital_returns=tuple(
            lot.hospital_returns.select_related(
                "hospital", "notice__recall", "shipped_by", "received_by"
            ).order_by("shipped_at", "pk")
        ),
        supplier_returns=supplier_returns,
        timeline=_timeline(
            events, certificates, inspections, complaints, recalls, supplier_returns
        ),
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
        entries += [
            TimelineEntry(
                e.at,
                f"Certificate {certificate.certificate_number}",
                f"Verification: {_label(VerificationStatus, e.from_status)} -> "
                f"{e.get_to_status_display()}",
                actor_name(e.actor),
                e.reason,
            )
            for e in certificate.events.all()
        ]
    for inspection in inspections:
        subject = f"{inspection.get_stage_display()} #{inspection.pk}"
        entries += [
            TimelineEntry(
                e.at,
                subject,
                f"{inspection.get_verdict_display()}: {e.get_outcome_display()}",
                actor_name(e.actor),
                e.reason,
            )
            for e in inspection.events.all()
        ]
    for complaint in complaints:
        entries += [
            TimelineEntry(
                e.at,
                f"Complaint #{complaint.pk} ({complaint.hospital.code})",
                e.get_kind_display(),
                actor_name(e.actor),
                e.note,
            )
            for e in complaint.events.all()
        ]
    for lot_recall in recalls:
        entries += [
            TimelineEntry(
                e.at,
                f"Recall {lot_recall.recall.reference}",
                f"{_label(RecallStatus, e.from_status) or 'New'} -> {e.get_to_status_display()}",
                actor_name(e.actor),
                e.reason,
            )
            for e in lot_recall.recall.events.all()
        ]
    for supplier_return in supplier_returns:
        entries += [
            TimelineEntry(
                e.at,
                f"Credit claim {supplier_return.authorisation_reference}",
                f"{_label(CreditClaimStatus, e.from_status) or 'New'} -> "
                f"{e.get_to_status_display()}",
                actor_name(e.actor),
                e.reason,
            )
            for e in supplier_return.claim_events.all()
        ]
    entries.sort(key=lambda entry: entry.at)  # stable: each table's own order is kept on ties
    return tuple(entries)


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
        f"{key.replace('_', ' ')} {value:,}" if isinstance(value, int) else f"{key} {value}"
        for key, value in (data or {}).items()
        if isinstance(value, str | int) and not isinstance(value, bool) and value != ""
    )
    return "; ".join(part for part in (reason, details) if part)


# ---------------------------------------------------------------------------------------------
# Recall status report and final report


@dataclass(frozen=True)
class ChannelCount:
    """How one channel's deliveries of the recall's notices stand."""

    channel: str
    notices: int
    delivered: int
    pending: int  # waiting or being sent (retries included)
    failed: int

    @property
    def label(self) -> str:
        return str(Channel(self.channel).label)


@dataclass(frozen=True)
class ChannelDelivery:
    """One channel of one notice."""

    channel: str
    status: str
    attempts: int
    delivered_at: dt.datetime | None

    @property
    def label(self) -> str:
        return str(Channel(self.channel).label)

    @property
    def status_label(self) -> str:
        return str(DeliveryStatus(self.status).label)


@dataclass(frozen=True)
class NoticeStatus:
    """One notified hospital: how its notice went out, the reminders, its answer and its units
    (the figures are `recall_effectiveness`'s row of that hospital)."""

    reference: str
    hospital_code: str
    hospital_name: str
    created_at: dt.datetime
    deliveries: tuple[ChannelDelivery, ...]
    reminders_sent: int
    last_reminded_at: dt.datetime | None
    coordinator_alerted_at: dt.datetime | None
    answered: bool
    answered_at: dt.datetime | None
    overdue: bool
    units: Units


@dataclass(frozen=True)
class Reconciliation:
    """Where the delivered units went: delivered = used + returned + destroyed + unaccounted,
    plus, while the recall runs, units on their way back and units the hospitals reported on
    hand (held by the ledger and accounted for by their answer)."""

    delivered: int
    used: int
    returned: int
    destroyed: int
    in_transit: int
    on_hand: int
    unaccounted: int

    @classmethod
    def of(cls, units: Units) -> Reconciliation:
        # `unaccounted` is lost in return plus what hospitals hold beyond what they reported, so
        # what they hold and reported is the rest of their holding.
        on_hand = units.held - (units.unaccounted - units.lost_in_return)
        return cls(
            delivered=units.delivered,
            used=units.used,
            returned=units.returned,
            destroyed=units.destroyed,
            in_transit=units.in_transit,
            on_hand=on_hand,
            unaccounted=units.unaccounted,
        )

    @property
    def accounted(self) -> int:
        return (
            self.used
            + self.returned
            + self.destroyed
            + self.in_transit
            + self.on_hand
            + self.unaccounted
        )

    @property
    def balanced(self) -> bool:
        return self.accounted == self.delivered


@dataclass(frozen=True)
class RecallReport:
    """A recall's status report (its final report once it is closed)."""

    recall: Recall
    lots: tuple[Lot, ...]
    figures: Effectiveness
    channels: tuple[ChannelCount, ...]
    notices: tuple[NoticeStatus, ...]
    reconciliation: Reconciliation
    lot_reconciliations: tuple[tuple[str, Reconciliation], ...]
    expected_completion: dt.date | None
    completion_note: str
    events: tuple[RecallEvent, ...]  # the recall's history, oldest first

    @property
    def is_final(self) -> bool:
        return self.recall.status == RecallStatus.CLOSED

    @property
    def answered(self) -> tuple[NoticeStatus, ...]:
        return tuple(notice for notice in self.notices if notice.answered)

    @property
    def non_responders(self) -> tuple[NoticeStatus, ...]:
        return tuple(notice for notice in self.notices if not notice.answered)


def recall_status_report(recall: Recall) -> RecallReport:
    """The recall's report. Its figures are `recall_effectiveness(recall)` as they are; this
    adds how each notice went out and the completion estimate. A fixed number of queries."""
    recall = Recall.objects.select_related("coordinator", "source_inspection__lot").get(
        pk=recall.pk
    )
    figures = recall_effectiveness(recall)
    notices = list(
        Notice.objects.filter(recall=recall)
        .select_related("hospital")
        .prefetch_related(Prefetch("deliveries", NoticeDelivery.objects.order_by("channel")))
        .order_by("hospital__code")
    )
    rows = {row.notice_id: row for row in figures.hospitals}
    expected, note = _completion(recall, figures)
    return RecallReport(
        recall=recall,
        lots=tuple(
            recall.lots.select_related(
                "order_line__product", "order_line__order__supplier"
            ).order_by("lot_number")
        ),
        figures=figures,
        channels=_channel_counts(notices),
        notices=tuple(_notice_status(notice, rows[notice.pk]) for notice in notices),
        reconciliation=Reconciliation.of(figures.units),
        lot_reconciliations=tuple(
            (line.lot_number, Reconciliation.of(line.units)) for line in figures.lots
        ),
        expected_completion=expected,
        completion_note=note,
        events=tuple(recall.events.select_related("actor").order_by("at", "pk")),
    )


def _channel_counts(notices: list[Notice]) -> tuple[ChannelCount, ...]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for notice in notices:
        for delivery in notice.deliveries.all():
            counts[delivery.channel][delivery.status] += 1
    return tuple(
        ChannelCount(
            channel=channel,
            notices=sum(counts[channel].values()),
            delivered=counts[channel][DeliveryStatus.DELIVERED],
            pending=counts[channel][DeliveryStatus.PENDING]
            + counts[channel][DeliveryStatus.SENDING],
            failed=counts[channel][DeliveryStatus.FAILED],
        )
        for channel in Channel.values
        if channel in counts
    )


def _notice_status(notice: Notice, row) -> NoticeStatus:
    return NoticeStatus(
        reference=row.notice_reference,
        hospital_code=notice.hospital.code,
        hospital_name=notice.hospital.name,
        created_at=notice.created_at,
        deliveries=tuple(
            ChannelDelivery(d.channel, d.status, d.attempt_count, d.delivered_at)
            for d in notice.deliveries.all()
        ),
        reminders_sent=notice.reminders_sent,
        last_reminded_at=notice.last_reminded_at,
        coordinator_alerted_at=notice.coordinator_alerted_at,
        answered=row.answered,
        answered_at=row.answered_at,
        overdue=row.overdue,
        units=row.units,
    )


def _completion(recall: Recall, figures: Effectiveness) -> tuple[dt.date | None, str]:
    """When the recall can be expected to end, and why (the FDA status report's "estimated time
    frame for completion")."""
    if recall.status == RecallStatus.CLOSED:
        closed = timezone.localdate(recall.closed_at) if recall.closed_at else None
        return closed, "Closed: this is the final report."
    if recall.status == RecallStatus.CANCELLED:
        return None, "Cancelled before it was issued: no notice went out."
    if recall.status == RecallStatus.DRAFT:
        return None, "A draft: nothing happens until it is issued."
    gaps = figures.gaps()
    if not gaps:
        today = timezone.localdate()
        return today, "Every hospital has answered and every unit is accounted for: it can close."
    still = "; ".join(gaps)
    if recall.response_deadline >= timezone.localdate():
        return (
            recall.response_deadline,
            f"Expected by the response deadline, once these are settled: {still}.",
        )
    return None, (
        f"Overdue: the response deadline {recall.response_deadline:%Y-%m-%d} has passed and "
        f"these are not settled: {still}."
    )


# ---------------------------------------------------------------------------------------------
# Supplier scorecard

# A lot that reached one of these was found bad: rejected in the warehouse, or recalled from
# hospitals (and a disposed lot was always one of the two first).
FAILED_STATUSES = frozenset({LotStatus.REJECTED, LotStatus.RECALLED, LotStatus.DISPOSED})


@dataclass(frozen=True)
class LotFate:
    """One of the supplier's lots and how it ended (so far)."""

    lot_number: str
    product: str
    category: str
    received_at: dt.datetime
    quantity: int
    status: str
    fate: str  # "accepted", "rejected", "pending"
    recalled: bool

    @property
    def status_label(self) -> str:
        return str(LotStatus(self.status).label)


@dataclass(frozen=True)
class LevelChange:
    at: dt.datetime
    from_state: str
    to_state: str
    actor: str
    reason: str
    lot_number: str  # of the inspection that triggered it; empty for an officer's decision

    @property
    def from_label(self) -> str:
        return str(LevelState(self.from_state).label) if self.from_state else ""

    @property
    def to_label(self) -> str:
        return str(LevelState(self.to_state).label)


@dataclass(frozen=True)
class CategoryLevel:
    """The inspection level in force for one product category, and how it got there."""

    category: str
    state: str
    reduced_proposed: bool
    history: tuple[LevelChange, ...]  # oldest first

    @property
    def category_label(self) -> str:
        return str(ProductCategory(self.category).label)

    @property
    def state_label(self) -> str:
        return str(LevelState(self.state).label)


@dataclass(frozen=True)
class SupplierScorecard:
    """How a supplier's deliveries fared."""

    supplier: Supplier
    lots: tuple[LotFate, ...]  # oldest receipt first
    first_inspections_accepted: int
    first_inspections_rejected: int
    levels: tuple[CategoryLevel, ...]
    recalls: tuple[Recall, ...]  # with `lot_numbers` (of this supplier's lots) set
    open_claims: tuple[SupplierReturn, ...]
    complaints: int

    def _count(self, fate: str) -> int:
        return sum(lot.fate == fate for lot in self.lots)

    @property
    def lots_received(self) -> int:
        return len(self.lots)

    @property
    def units_received(self) -> int:
        return sum(lot.quantity for lot in self.lots)

    @property
    def lots_accepted(self) -> int:
        return self._count("accepted")

    @property
    def lots_rejected(self) -> int:
        return self._count("rejected")

    @property
    def lots_pending(self) -> int:
        return self._count("pending")

    @property
    def lots_recalled(self) -> int:
        return sum(lot.recalled for lot in self.lots)

    @property
    def rejection_rate(self) -> Decimal | None:
        """Rejected lots in percent of the lots decided (accepted or rejected); None while no
        lot is decided."""
        decided = self.lots_accepted + self.lots_rejected
        if not decided:
            return None
        return (Decimal(self.lots_rejected) * 100 / decided).quantize(Decimal("0.1"))

    def open_claim_totals(self) -> dict[str, Decimal]:
        """The credit claimed and not yet paid or refused, per currency."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for claim in self.open_claims:
            totals[claim.currency] += claim.credit_amount
        return dict(sorted(totals.items()))


OPEN_CLAIM_STATUSES = (CreditClaimStatus.CLAIMED, CreditClaimStatus.ACCEPTED)


def supplier_scorecard(supplier: Supplier) -> SupplierScorecard:
    """The supplier's scorecard in a fixed number of queries, whatever the number of lots."""
    supplier_lots = Lot.objects.filter(order_line__order__supplier=supplier)
    lots = tuple(
        _fate(lot)
        for lot in supplier_lots.select_related("order_line__product")
        .annotate(
            was_recalled=Exists(
                LotEvent.objects.filter(lot=OuterRef("pk"), to_status=LotStatus.RECALLED)
            )
        )
        .order_by("received_at", "lot_number")
    )
    firsts = Inspection.objects.filter(lot__in=supplier_lots, stage=InspectionStage.FIRST)
    return SupplierScorecard(
        supplier=supplier,
        lots=lots,
        first_inspections_accepted=firsts.filter(verdict=Verdict.ACCEPTED).count(),
        first_inspections_rejected=firsts.filter(verdict=Verdict.REJECTED).count(),
        levels=_levels_of(supplier, {lot.category for lot in lots}),
        recalls=_recalls_of_supplier(supplier),
        open_claims=tuple(
            SupplierReturn.objects.filter(
                lot__order_line__order__supplier=supplier, claim_status__in=OPEN_CLAIM_STATUSES
            )
            .select_related("lot")
            .order_by("created_at", "pk")
        ),
        complaints=Complaint.objects.filter(lot__in=supplier_lots).count(),
    )


def _fate(lot: Lot) -> LotFate:
    if lot.status in FAILED_STATUSES or lot.was_recalled:
        fate = "rejected"
    elif lot.release_basis == ReleaseBasis.INSPECTION:
        fate = "accepted"  # released on an accepted inspection (perhaps on hold again since)
    else:
        fate = "pending"  # quarantined, on hold undecided, or in use on documents alone
    return LotFate(
        lot_number=lot.lot_number,
        product=lot.order_line.product.name,
        category=lot.order_line.product.category,
        received_at=lot.received_at,
        quantity=lot.quantity_received,
        status=lot.status,
        fate=fate,
        recalled=lot.status == LotStatus.RECALLED or lot.was_recalled,
    )


def _levels_of(supplier: Supplier, categories: set[str]) -> tuple[CategoryLevel, ...]:
    """The level of every category the supplier delivered or has a level for; a category with
    no level row is on normal inspection, with no history."""
    levels = {
        level.category: level
        for level in SupplierLevel.objects.filter(supplier=supplier).prefetch_related(
            Prefetch(
                "events",
                SupplierLevelEvent.objects.select_related("actor", "inspection__lot").order_by(
                    "at", "pk"
                ),
            )
        )
    }
    rows = []
    for category in sorted(categories | levels.keys()):
        level = levels.get(category)
        if level is None:
            rows.append(CategoryLevel(category, LevelState.NORMAL, False, ()))
            continue
        history = tuple(
            LevelChange(
                at=e.at,
                from_state=e.from_state,
                to_state=e.to_state,
                actor=actor_name(e.actor),
                reason=e.reason,
                lot_number=e.inspection.lot.lot_number if e.inspection else "",
            )
            for e in level.events.all()
        )
        rows.append(CategoryLevel(category, level.state, level.reduced_proposed, history))
    return tuple(rows)


def _recalls_of_supplier(supplier: Supplier) -> tuple[Recall, ...]:
    own_lots = Lot.objects.filter(order_line__order__supplier=supplier).order_by("lot_number")
    recalls = list(
        Recall.objects.filter(lots__order_line__order__supplier=supplier)
        .distinct()
        .prefetch_related(Prefetch("lots", own_lots, to_attr="supplier_lots"))
        .order_by("created_at", "pk")
    )
    for recall in recalls:
        recall.lot_numbers = [lot.lot_number for lot in recall.supplier_lots]
    return tuple(recalls)


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
