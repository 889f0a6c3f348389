"""The plan a lot will be inspected under, the inspector's queue, and the inspections the API
lists."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import F, OuterRef, QuerySet, Subquery

from procurement.models import (
    Lot,
    LotStatus,
)
from procurement.selectors import lots_awaiting_inspection

from .. import sampling
from ..models import (
    Complaint,
    ComplaintStatus,
    Criterion,
    CriterionBasis,
    DefectClass,
    Inspection,
    InspectionPlan,
    InspectionStage,
    LevelState,
    Outcome,
    SupplierLevel,
    Verdict,
)
from ..switching import SEVERITY_OF_STATE


@dataclass(frozen=True)
class LotPlan:
    """What an inspector needs before entering anything: the sampling plan per defect class."""

    severity: str
    level: str
    code_letter: str
    sample_size: int  # the largest n over the classes: draw this many units
    hundred_percent: bool
    classes: dict[str, sampling.SamplingPlan]
    supplier_state: str

    def units_for(self, defect_class: str) -> int:
        return self.classes[defect_class].sample_size


def next_stage(stages: set[str]) -> str:
    """The stage a lot's next inspection must have: first, then second, then further ones."""
    if InspectionStage.FIRST not in stages:
        return InspectionStage.FIRST
    if InspectionStage.SECOND not in stages:
        return InspectionStage.SECOND
    return InspectionStage.FURTHER


def inspection_plan_for(category: str) -> InspectionPlan:
    """The category's plan; categories without a seeded plan get the defaults (level II)."""
    plan = InspectionPlan.objects.filter(category=category).first()
    return plan or InspectionPlan(category=category)


def supplier_state(supplier_id: int, category: str) -> str:
    level = SupplierLevel.objects.filter(supplier_id=supplier_id, category=category).first()
    return level.state if level else LevelState.NORMAL


def lot_plan(lot: Lot) -> LotPlan:
    """The plan a lot is inspected under now: its category's plan at the supplier's level."""
    product = lot.order_line.product
    state = supplier_state(lot.order_line.order.supplier_id, product.category)
    plan = inspection_plan_for(product.category)
    severity = SEVERITY_OF_STATE[state]
    classes = {
        cls: _plan_for(lot.quantity_received, plan.aql_for(cls), plan.level, severity)
        for cls in DefectClass.values
    }
    largest = max(classes.values(), key=lambda p: p.sample_size)
    return LotPlan(
        severity=severity,
        level=plan.level,
        code_letter=largest.code_letter,
        sample_size=largest.sample_size,
        hundred_percent=any(p.hundred_percent for p in classes.values()),
        classes=classes,
        supplier_state=state,
    )


def _plan_for(lot_size: int, aql, level: str, severity: str) -> sampling.SamplingPlan:
    """Table I starts at 2 units; a lot of one unit (a ventilator) is inspected whole."""
    if lot_size >= 2:
        return sampling.plan_for(lot_size, aql=aql, level=level, severity=severity)
    two = sampling.plan_for(2, aql=aql, level=level, severity=severity)
    return replace(two, sample_size=lot_size, hundred_percent=True)


def criteria_for(lot: Lot) -> QuerySet[Criterion]:
    """The criteria a lot is judged against: those of the standard the order required."""
    return Criterion.objects.filter(standard=lot.order_line.required_standard_id).order_by("pk")


def unit_criteria(lot: Lot) -> QuerySet[Criterion]:
    return criteria_for(lot).filter(basis=CriterionBasis.PER_UNIT)


def with_latest_inspection(lots: QuerySet[Lot]) -> QuerySet[Lot]:
    """The lots, each annotated with its latest inspection (`latest_inspection_id`,
    `latest_stage`, `latest_verdict`, `latest_outcome`, `latest_recorded_at`; None when never
    inspected), in the same query."""

    latest = Inspection.objects.filter(lot=OuterRef("pk")).order_by("-recorded_at", "-pk")
    return lots.annotate(
        latest_inspection_id=Subquery(latest.values("pk")[:1]),
        latest_stage=Subquery(latest.values("stage")[:1]),
        latest_verdict=Subquery(latest.values("verdict")[:1]),
        latest_outcome=Subquery(latest.values("outcome")[:1]),
        latest_recorded_at=Subquery(latest.values("recorded_at")[:1]),
    )


def _lots_whose_latest_inspection(status: str, **latest) -> QuerySet[Lot]:
    """Lots in a status whose latest inspection matches (`stage`, `verdict`, `outcome`), with the
    latest inspection annotated and what the queue tables show joined in; longest waiting (since
    that inspection) first."""
    lots = Lot.objects.filter(status=status).select_related(
        "order_line__product__claimed_standard", "shipment__order__supplier"
    )
    return (
        with_latest_inspection(lots)
        .filter(**{f"latest_{field}": value for field, value in latest.items()})
        .order_by("latest_recorded_at", "lot_number")
    )


def lots_awaiting_second_inspection() -> QuerySet[Lot]:
    """Lots on hold after a failed first inspection: they need a second one."""
    return _lots_whose_latest_inspection(
        LotStatus.ON_HOLD, stage=InspectionStage.FIRST, verdict=Verdict.REJECTED
    )


def lots_needing_recall() -> QuerySet[Lot]:
    """Lots on hold whose latest inspection found units at hospitals: an officer starts a recall."""
    return _lots_whose_latest_inspection(LotStatus.ON_HOLD, outcome=Outcome.RECALL_REQUIRED)


def lots_awaiting_override() -> QuerySet[Lot]:
    """Quarantined lots that passed but are mismatched: an officer's written override decides."""
    return _lots_whose_latest_inspection(LotStatus.QUARANTINED, outcome=Outcome.AWAITING_OVERRIDE)


def lots_awaiting_first_inspection() -> QuerySet[Lot]:
    """Lots waiting for inspection (quarantined or in use on documents) with no first one yet."""
    return lots_awaiting_inspection().exclude(inspections__stage=InspectionStage.FIRST)


def lots_with_inspection_requested() -> QuerySet[Lot]:
    """Lots an officer asked to be inspected because of a complaint, still waiting: no
    inspection recorded since the request, and the complaint not closed. Longest waiting first,
    annotated with `requested_at` (the earliest waiting request)."""
    waiting = Complaint.objects.filter(
        inspection_requested_at__isnull=False,
        status=ComplaintStatus.INVESTIGATING,
    ).exclude(lot__inspections__recorded_at__gte=F("inspection_requested_at"))
    first_request = (
        waiting.filter(lot=OuterRef("pk"))
        .order_by("inspection_requested_at")
        .values("inspection_requested_at")[:1]
    )
    return (
        Lot.objects.filter(pk__in=waiting.values("lot"))
        .annotate(requested_at=Subquery(first_request))
        .select_related("order_line__product__claimed_standard", "shipment__order__supplier")
        .order_by("requested_at", "lot_number")
    )


def inspections_with_findings() -> QuerySet[Inspection]:
    """Inspections with what their page shows joined in: the lot, the standard, who recorded,
    the panel, the per-class and per-criterion results and the decisions. Six queries for a
    page of any length."""
    return Inspection.objects.select_related(
        "lot", "standard", "recorded_by", "panel"
    ).prefetch_related("classes", "results__criterion", "events__actor")
