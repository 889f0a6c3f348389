"""The inspector's pages: the queue (first and second inspections, and the lots whose next step
is an officer's), the form that records an inspection, and an inspection's computed verdict.

Open to inspectors and ministry officers, like the inspection queue start page whose access rule
(`role_page("inspector_home")`) and layout (`render_page`) they reuse. Every write goes through
`inspections.services.inspection_record`; each page runs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.pages import age_days, page_links, page_of, render_page, role_page
from procurement.models import Lot, LotStatus
from procurement.selectors import lots_awaiting_inspection

from . import selectors, services
from .forms import InspectionForm
from .models import (
    Criterion,
    CriterionBasis,
    DefectClass,
    Inspection,
    InspectionStage,
    LevelState,
    Outcome,
    PanelResult,
    Verdict,
)

LOTS_PER_PAGE = 50
PAGE = "inspector_home"  # the start page these pages belong to (access rule and navigation)


# ---------------------------------------------------------------------------------------------
# The queue


@dataclass(frozen=True)
class QueueRow:
    lot: Lot
    age_days: int | None  # days waiting (`templates/inspections/_queue_table.html`)
    stage_label: str  # the latest inspection's stage, "" when never inspected
    verdict: str
    verdict_label: str
    outcome_label: str
    inspection_id: int | None


@dataclass(frozen=True)
class QueueSection:
    """One list of the queue, paged on its own (`param` is its page number's parameter)."""

    param: str
    lots: QuerySet[Lot]
    since: str  # the lot's field or annotation the waiting time counts from


def _sections() -> dict[str, QueueSection]:
    """The queue's lists in the order shown; the page's context names each list's page, rows and
    page links after its key (`first_page`, `first_rows`, `first_links`...)."""
    return {
        "first": QueueSection("page", selectors.lots_awaiting_first_inspection(), "received_at"),
        "second": QueueSection(
            "second_page", selectors.lots_awaiting_second_inspection(), "latest_recorded_at"
        ),
        "complaint": QueueSection(
            "complaint_page",
            selectors.with_latest_inspection(selectors.lots_with_inspection_requested()),
            "requested_at",
        ),
        "override": QueueSection(
            "override_page", selectors.lots_awaiting_override(), "latest_recorded_at"
        ),
        "recall": QueueSection(
            "recall_page", selectors.lots_needing_recall(), "latest_recorded_at"
        ),
    }


@role_page(PAGE)
def inspector_home(request: HttpRequest) -> HttpResponse:
    """The inspector's start page: lots waiting for inspection, oldest receipt first, with what
    should worry the inspector."""
    now = timezone.now()
    page = page_of(request, lots_awaiting_inspection(), LOTS_PER_PAGE)
    rows = [_queue_row(lot, lot.received_at, now) for lot in page]
    return render_page(
        request, "inspections/home.html", {"page_obj": page, "rows": rows}, current=PAGE
    )


@role_page(PAGE)
def inspection_queue(request: HttpRequest) -> HttpResponse:
    """Lots awaiting a first inspection (oldest receipt first), lots on hold after a failed
    first inspection awaiting the second (longest waiting first), lots an officer asked to be
    inspected because of a hospital's complaint, and lots whose inspection
    leaves the next step to a ministry officer: accepted but awaiting the override of an
    intended-use mismatch, and failed with units at hospitals, needing a recall."""
    now = timezone.now()
    context = {}
    for key, section in _sections().items():
        page = page_of(request, section.lots, LOTS_PER_PAGE, section.param)
        context[f"{key}_page"] = page
        context[f"{key}_rows"] = [_queue_row(lot, getattr(lot, section.since), now) for lot in page]
        context[f"{key}_links"] = page_links(request, page, section.param)
    return render_page(request, "inspections/queue.html", context, current=PAGE)


def _queue_row(lot: Lot, since: dt.datetime | None, now: dt.datetime) -> QueueRow:
    """A lot of the queue; lots never inspected (awaiting their first) have no latest one."""
    stage = getattr(lot, "latest_stage", None)
    verdict = getattr(lot, "latest_verdict", None)
    outcome = getattr(lot, "latest_outcome", None)
    return QueueRow(
        lot=lot,
        age_days=age_days(since, now),
        stage_label=InspectionStage(stage).label if stage else "",
        verdict=verdict or "",
        verdict_label=Verdict(verdict).label if verdict else "",
        outcome_label=Outcome(outcome).label if outcome else "",
        inspection_id=getattr(lot, "latest_inspection_id", None),
    )


# ---------------------------------------------------------------------------------------------
# Recording an inspection


@dataclass(frozen=True)
class ClassPlanRow:
    defect_class: str
    label: str
    aql: Decimal
    code_letter: str
    plan_letter: str
    sample_size: int
    accept: int
    reject: int
    hundred_percent: bool
    criteria: list[str]


@role_page(PAGE)
def inspection_record_page(request: HttpRequest, lot_id: int) -> HttpResponse:
    """The lot, its supplier's level and its sampling plan first, then the form; the service
    checks the results against the plan and computes the verdict."""
    lot = get_object_or_404(
        Lot.objects.select_related(
            "order_line__product__claimed_standard",
            "order_line__order__supplier",
            "order_line__required_standard",
        ),
        pk=lot_id,
    )
    plan = selectors.lot_plan(lot)
    criteria = list(selectors.criteria_for(lot))
    earlier = list(lot.inspections.order_by("-recorded_at", "-pk"))
    form = InspectionForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        lot=lot,
        criteria=criteria,
        units_by_class={cls: plan.units_for(cls) for cls in DefectClass.values},
        initial={"stage": selectors.next_stage({i.stage for i in earlier})},
    )
    if request.method == "POST" and form.is_valid():
        inspection = _record(request, form)
        if inspection is not None:
            messages.success(request, _success_message(inspection))
            return redirect("inspections:detail", inspection_id=inspection.pk)
    context = {
        "lot": lot,
        "plan": plan,
        "supplier_state_label": LevelState(plan.supplier_state).label,
        "class_rows": _class_plan_rows(plan, criteria),
        "panel_criteria": [
            _criterion_view(c) for c in criteria if c.basis != CriterionBasis.PER_UNIT
        ],
        "criterion_rows": [
            {**_criterion_view(c), "units": plan.units_for(c.defect_class), "values": v, "count": n}
            for c, v, n in form.criterion_fields()
        ],
        "form": form,
        "earlier": earlier,
        "disposed": lot.status == LotStatus.DISPOSED,
    }
    return render_page(request, "inspections/record.html", context, current=PAGE)


def _record(request: HttpRequest, form: InspectionForm) -> Inspection | None:
    """Call the service; its refusal becomes a form error and the typed input stays."""
    try:
        return services.inspection_record(data=form.inspection_input(), actor=request.user)
    except DomainError as exc:
        form.add_error(None, exc.message)
        field = form.field_named_in(exc.message)
        if field:  # also next to the criterion's box, in a long form
            form.add_error(field, exc.message)
    except ValidationError as exc:  # the model's own checks (report file type and size)
        for field, errors in _error_items(exc):
            form.add_error(field if field in form.fields else None, errors)
    return None


def _error_items(exc: ValidationError) -> list[tuple[str | None, list[str]]]:
    if hasattr(exc, "error_dict"):
        return list(exc.message_dict.items())
    return [(None, exc.messages)]


def _success_message(inspection: Inspection) -> str:
    return _("%(stage)s of lot %(lot)s recorded: %(verdict)s. %(outcome)s.") % {
        "stage": inspection.get_stage_display(),
        "lot": inspection.lot.lot_number,
        "verdict": inspection.get_verdict_display().upper(),
        "outcome": inspection.get_outcome_display(),
    }


def _class_plan_rows(plan: selectors.LotPlan, criteria: list[Criterion]) -> list[ClassPlanRow]:
    rows = []
    for cls in DefectClass:
        p = plan.classes[cls.value]
        rows.append(
            ClassPlanRow(
                defect_class=cls.value,
                label=cls.label,
                aql=plain(p.aql),
                code_letter=p.code_letter,
                plan_letter=p.plan_letter,
                sample_size=p.sample_size,
                accept=p.accept,
                reject=p.reject,
                hundred_percent=p.hundred_percent,
                criteria=[
                    c.characteristic
                    for c in criteria
                    if c.defect_class == cls and c.basis == CriterionBasis.PER_UNIT
                ],
            )
        )
    return rows


def _criterion_view(criterion: Criterion) -> dict:
    return {
        "criterion": criterion,
        "comparison": criterion.get_comparison_display(),
        "limit": plain(criterion.limit),
        "class_label": criterion.get_defect_class_display(),
    }


def plain(number: Decimal) -> Decimal:
    """A decimal without trailing zeros and never in exponent form (94.0000 -> 94, 2.40 -> 2.4)."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


# ---------------------------------------------------------------------------------------------
# One inspection


@role_page(PAGE)
def inspection_detail(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """The computed verdict, what it did to the lot, the plan used and what was found."""
    inspection = get_object_or_404(
        Inspection.objects.select_related(
            "lot__order_line__product",
            "lot__order_line__order__supplier",
            "standard",
            "recorded_by",
        ),
        pk=inspection_id,
    )
    lot = inspection.lot
    results = list(inspection.results.select_related("criterion"))
    panel = PanelResult.objects.filter(inspection=inspection).first()
    context = {
        "inspection": inspection,
        "lot": lot,
        "classes": [(row, plain(row.aql)) for row in inspection.classes.all()],
        "results": [
            {
                **_criterion_view(r.criterion),
                "result": r,
                "panel_value": None if r.panel_value is None else plain(r.panel_value),
            }
            for r in results
        ],
        "panel": panel,
        "sensitivity": plain(panel.sensitivity) if panel else None,
        "specificity": plain(panel.specificity) if panel else None,
        "events": list(inspection.events.select_related("actor")),
        "accepted": inspection.verdict == Verdict.ACCEPTED,
        "second_needed": inspection.outcome == Outcome.ON_HOLD,
        "report_name": inspection.report_file.name.rsplit("/", 1)[-1]
        if inspection.report_file
        else "",
        "lot_admin_url": _admin_change_url("procurement_lot_change", lot.pk),
        "inspection_admin_url": _admin_change_url("inspections_inspection_change", inspection.pk),
    }
    return render_page(request, "inspections/detail.html", context, current=PAGE)


def _admin_change_url(name: str, pk: int) -> str | None:
    """A page of the ministry panel, or None while that model is not registered there."""
    try:
        return reverse(f"admin:{name}", args=[pk])
    except NoReverseMatch:
        return None
