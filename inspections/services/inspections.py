"""Recording an inspection with its computed verdict, and the decisions that follow for the lot.

Decisions on the lot go through `procurement.services` (hold, release, reject); this module only
decides which to call. Everything happens in one transaction with the inspection's rows; the
supplier's inspection level is updated in the same transaction (`levels`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from core.errors import IllegalTransition, InvalidInput
from core.models import WebhookEvent
from core.outbox import webhooks
from core.roles import Role, require_role
from core.validation import require_reason
from procurement import services as procurement
from procurement.models import Lot, LotStatus, ReleaseBasis
from procurement.selectors import lot_was_dispatched

from .. import sampling, selectors
from ..models import (
    ClassResult,
    Criterion,
    CriterionBasis,
    CriterionResult,
    DefectClass,
    Inspection,
    InspectionEvent,
    InspectionStage,
    Outcome,
    PanelResult,
    Verdict,
)
from . import webhook_payloads
from .levels import supplier_level_record

# ---------------------------------------------------------------------------------------------
# Recording an inspection


@dataclass(frozen=True)
class Panel:
    """A rapid test's reference panel against RT-PCR."""

    true_positives: int
    false_negatives: int
    true_negatives: int
    false_positives: int


@dataclass(frozen=True)
class InspectionInput:
    """What an inspector enters. Per-unit criteria get either `measurements` (one value per
    sampled unit, keyed by criterion code) or `counts` (nonconforming units, by code)."""

    lot: Lot
    stage: str
    laboratory: str
    performed_by: str
    performed_on: dt.date
    measurements: dict[str, Sequence[Decimal | str | float]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    panel: Panel | None = None
    report_file: UploadedFile | None = None
    notes: str = ""


@dataclass
class _Finding:
    criterion: Criterion
    units_tested: int
    failing_positions: set[int] = field(default_factory=set)  # measured: 0-based sample order
    counted: int = 0  # entered as a count: which units failed is unknown
    measurements: list[str] = field(default_factory=list)
    panel_value: Decimal | None = None
    panel_failed: bool = False

    @property
    def nonconforming(self) -> int:
        return len(self.failing_positions) + self.counted


def inspection_record(*, data: InspectionInput, actor) -> Inspection:
    """Record an inspection, compute its verdict and take the decision it calls for.

    The verdict is computed: per defect class, nonconforming units among that class's sample
    against its accept/reject numbers; for rapid tests, the panel's sensitivity and specificity
    against the limits. Then: a first inspection that passes releases the lot (unless an
    intended-use mismatch or an officer's hold stands in the way); one that fails puts the lot on
    hold; a failing second inspection rejects the lot, or, if units reached hospitals, marks it
    as needing a recall; a pass after a failure, or a failure after a pass, is a conflict for an
    officer. Original inspections move the supplier's inspection level.
    """
    require_role(actor, Role.INSPECTOR, Role.MINISTRY_OFFICER, action="record inspections")
    _check_header(data)
    stored: list[FieldFile] = []
    try:
        with transaction.atomic():
            lot = Lot.objects.select_for_update(of=("self",)).select_related(
                "order_line__product", "order_line__order", "order_line__required_standard"
            ).get(pk=data.lot.pk)  # fmt: skip
            _check_stage(lot, data.stage)
            plan = selectors.lot_plan(lot)
            findings = _findings(lot, plan, data)
            inspection = _save_inspection(lot, plan, data, findings, actor, stored=stored)
            _decide(inspection, lot, actor)
            if inspection.is_original:
                supplier_level_record(inspection, lot, actor)
            webhooks.webhook_publish(
                event=WebhookEvent.INSPECTION_RECORDED,
                payload=lambda: webhook_payloads.inspection_recorded_payload(inspection),
                key=f"inspection:{inspection.pk}",
            )
    except BaseException:
        # The lab report was written to storage inside the transaction; rolled back, no row
        # names it, so it would stay under MEDIA_ROOT as an orphan nobody can reach.
        for file in stored:
            file.delete(save=False)
        raise
    return inspection


def _check_header(data: InspectionInput) -> None:
    if data.stage not in InspectionStage.values:
        raise InvalidInput(f"Unknown inspection stage {data.stage!r}.")
    if not data.laboratory.strip():
        raise InvalidInput("Name the laboratory that tested the samples.")
    if not data.performed_by.strip():
        raise InvalidInput("Name who performed the inspection.")
    if data.performed_on > timezone.localdate():
        raise InvalidInput("The inspection date cannot be in the future.")


def _check_stage(lot: Lot, stage: str) -> None:
    """Inspections come first, second, then further ones: the stage must be the next expected."""
    if lot.status == LotStatus.DISPOSED:
        raise IllegalTransition(f"Lot {lot.lot_number} is disposed; it can no longer be inspected.")
    expected = selectors.next_stage(set(lot.inspections.values_list("stage", flat=True)))
    if stage == expected:
        return
    if stage == InspectionStage.FIRST:
        why = "already has a first inspection; record a second or further one"
    elif stage == InspectionStage.SECOND and expected == InspectionStage.FIRST:
        why = "has no first inspection yet"
    elif stage == InspectionStage.SECOND:
        why = "already has a second inspection; record a further one"
    else:
        why = "has no second inspection yet"
    raise IllegalTransition(f"Lot {lot.lot_number} {why}.")


def _findings(lot: Lot, plan: selectors.LotPlan, data: InspectionInput) -> list[_Finding]:
    criteria = list(selectors.criteria_for(lot))
    if not criteria:
        raise InvalidInput(
            f"The required standard {lot.order_line.required_standard.code} has no criteria "
            "to judge against."
        )
    known = {c.code for c in criteria}
    unknown = (set(data.measurements) | set(data.counts)) - known
    if unknown:
        standard = lot.order_line.required_standard.code
        raise InvalidInput(f"Not criteria of {standard}: {', '.join(sorted(unknown))}.")
    return [_finding(criterion, plan, data) for criterion in criteria]


def _finding(criterion: Criterion, plan: selectors.LotPlan, data: InspectionInput) -> _Finding:
    if criterion.basis != CriterionBasis.PER_UNIT:
        return _panel_finding(criterion, data.panel)
    n = plan.units_for(criterion.defect_class)
    label = criterion.characteristic
    if criterion.code in data.measurements:
        values = [_decimal(v, label) for v in data.measurements[criterion.code]]
        if len(values) != n:
            raise InvalidInput(
                f"{label}: {len(values)} results entered; the sampling plan calls for {n} "
                f"({criterion.get_defect_class_display().lower()} defects)."
            )
        failing = {i for i, v in enumerate(values) if not criterion.passes(v)}
        return _Finding(criterion, n, failing, measurements=[str(v) for v in values])
    if criterion.code in data.counts:
        count = data.counts[criterion.code]
        if count is None or count < 0 or count > n:
            raise InvalidInput(f"{label}: the count of nonconforming units must be 0 to {n}.")
        return _Finding(criterion, n, counted=count)
    raise InvalidInput(f"{label}: enter the measurements or the count of nonconforming units.")


MAX_PANEL_COUNT = 1_000_000  # far beyond any reference panel; keeps the numbers storable


def _panel_finding(criterion: Criterion, panel: Panel | None) -> _Finding:
    if panel is None:
        raise InvalidInput(f"{criterion.characteristic}: enter the reference panel results.")
    counts = (panel.true_positives, panel.false_negatives, panel.true_negatives,
              panel.false_positives)  # fmt: skip
    if any(not isinstance(c, int) or c < 0 or c > MAX_PANEL_COUNT for c in counts):
        raise InvalidInput(f"Panel counts must be whole numbers from 0 to {MAX_PANEL_COUNT:,}.")
    result = PanelResult(**panel.__dict__)
    if criterion.basis == CriterionBasis.SENSITIVITY:
        total, value = panel.true_positives + panel.false_negatives, result.sensitivity
    else:
        total, value = panel.true_negatives + panel.false_positives, result.specificity
    if total == 0:
        raise InvalidInput(f"{criterion.characteristic}: the panel has no samples to compute it.")
    return _Finding(criterion, total, panel_value=value, panel_failed=not criterion.passes(value))


def _decimal(value: object, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(f"{label}: {value!r} is not a number.") from exc
    if not number.is_finite():
        raise InvalidInput(f"{label}: {value!r} is not a number.")
    return number


def _save_inspection(lot, plan, data, findings, actor, *, stored: list[FieldFile]) -> Inspection:
    class_rows, verdict, in_gap = _judge_classes(plan, findings)
    inspection = Inspection(
        lot=lot,
        stage=data.stage,
        standard=lot.order_line.required_standard,
        laboratory=data.laboratory.strip(),
        performed_by=data.performed_by.strip(),
        performed_on=data.performed_on,
        recorded_by=actor,
        severity=plan.severity,
        level=plan.level,
        code_letter=plan.code_letter,
        sample_size=plan.sample_size,
        hundred_percent=plan.hundred_percent,
        verdict=verdict,
        accepted_in_gap=in_gap,
        outcome=Outcome.RECORDED,
        notes=data.notes,
    )
    if data.report_file is not None:
        inspection.report_file = data.report_file
    inspection.full_clean(exclude=["lot", "standard", "recorded_by"])
    if data.report_file is not None:
        # Written before the row (not by its save()) so that the caller knows the stored name
        # and can delete the file should the transaction roll back.
        inspection.report_file.save(data.report_file.name, data.report_file, save=False)
        stored.append(inspection.report_file)
    inspection.save()
    for row in class_rows:
        row.inspection = inspection
    ClassResult.objects.bulk_create(class_rows)
    CriterionResult.objects.bulk_create(_criterion_rows(inspection, findings))
    if data.panel is not None:
        PanelResult.objects.create(inspection=inspection, **data.panel.__dict__)
    return inspection


def _judge_classes(plan, findings) -> tuple[list[ClassResult], str, bool]:
    """Per defect class: the nonconforming units of that class, judged against its Ac/Re.

    Measured units failing several criteria of a class count once. Counts entered without unit
    positions are added up (a unit may fail two criteria, but nothing shows it did, so assume
    it did not: the safe side), capped at the class's sample size. A failed panel criterion
    rejects its class outright.
    """
    rows, rejected, in_gap = [], False, False
    for cls in DefectClass.values:
        class_plan = plan.classes[cls]
        mine = [f for f in findings if f.criterion.defect_class == cls]
        positions = set().union(*(f.failing_positions for f in mine))
        found = min(len(positions) + sum(f.counted for f in mine), class_plan.sample_size)
        judged = sampling.judge(class_plan, found)
        class_accepted = judged.accepted and not any(f.panel_failed for f in mine)
        rejected |= not class_accepted
        in_gap |= judged.in_gap and class_accepted
        rows.append(
            ClassResult(
                defect_class=cls,
                aql=class_plan.aql,
                plan_letter=class_plan.plan_letter,
                sample_size=class_plan.sample_size,
                accept=class_plan.accept,
                reject=class_plan.reject,
                nonconforming=found,
                verdict=Verdict.ACCEPTED if class_accepted else Verdict.REJECTED,
            )
        )
    return rows, Verdict.REJECTED if rejected else Verdict.ACCEPTED, in_gap and not rejected


def _criterion_rows(inspection: Inspection, findings: list[_Finding]) -> list[CriterionResult]:
    return [
        CriterionResult(
            inspection=inspection,
            criterion=f.criterion,
            units_tested=f.units_tested,
            nonconforming=int(f.panel_failed) if f.panel_value is not None else f.nonconforming,
            measurements=f.measurements,
            panel_value=f.panel_value,
            comparison=f.criterion.comparison,
            limit=f.criterion.limit,
            unit=f.criterion.unit,
        )
        for f in findings
    ]


# ---------------------------------------------------------------------------------------------
# Decisions


def _decide(inspection: Inspection, lot: Lot, actor) -> None:
    accepted = inspection.verdict == Verdict.ACCEPTED
    previous = _previous_verdict(inspection)
    if accepted and previous == Verdict.REJECTED:
        outcome, reason = Outcome.CONFLICT, "Passed after a failed inspection: an officer decides."
    elif not accepted and previous == Verdict.ACCEPTED:
        outcome, reason = _after_contradiction(inspection, lot, actor)
    elif accepted:
        outcome, reason = _after_acceptance(inspection, lot, actor)
    elif inspection.stage == InspectionStage.FIRST:
        outcome, reason = _after_first_failure(inspection, lot, actor)
    else:
        outcome, reason = _after_confirmed_failure(inspection, lot, actor)
    _set_outcome(inspection, outcome, actor, reason)


def _previous_verdict(inspection: Inspection) -> str | None:
    earlier = inspection.lot.inspections.exclude(pk=inspection.pk).order_by("-recorded_at", "-pk")
    return earlier.values_list("verdict", flat=True).first()


def _after_contradiction(inspection: Inspection, lot: Lot, actor) -> tuple[str, str]:
    """Failed after a pass: conflicting results. Hold the lot while an officer decides."""
    reason = f"{_summary(inspection)} after an accepted inspection: on hold; an officer decides."
    if lot.status in (LotStatus.QUARANTINED, LotStatus.RELEASED, LotStatus.ON_HOLD):
        procurement.lot_hold(lot=lot, actor=actor, reason=reason)
    return Outcome.CONFLICT, reason


def _summary(inspection: Inspection) -> str:
    return (
        f"{inspection.get_stage_display()} #{inspection.pk} ({inspection.laboratory}, "
        f"{inspection.performed_on:%Y-%m-%d}) {inspection.get_verdict_display().lower()}"
    )


def _after_acceptance(inspection: Inspection, lot: Lot, actor) -> tuple[str, str]:
    if lot.status == LotStatus.ON_HOLD:
        return Outcome.KEPT, "The lot stays on hold: an officer's hold stands."
    if lot.status not in (LotStatus.QUARANTINED, LotStatus.RELEASED):
        return Outcome.RECORDED, f"The lot is {lot.get_status_display().lower()}."
    if lot.status == LotStatus.QUARANTINED and lot.order_line.intended_use_mismatch:
        return Outcome.AWAITING_OVERRIDE, (
            "Accepted, but ordered for medical use and certified only to a non-medical "
            "standard: a ministry officer's written override is needed to release it."
        )
    procurement.lot_release(
        lot=lot,
        actor=actor,
        basis=ReleaseBasis.INSPECTION,
        reason=_summary(inspection),
        evidence={"inspection": inspection.pk},
    )
    return Outcome.RELEASED, _summary(inspection)


def _after_first_failure(inspection: Inspection, lot: Lot, actor) -> tuple[str, str]:
    reason = f"{_summary(inspection)}: on hold; a second inspection is required."
    if lot.status in (LotStatus.QUARANTINED, LotStatus.RELEASED, LotStatus.ON_HOLD):
        procurement.lot_hold(lot=lot, actor=actor, reason=reason)
        return Outcome.ON_HOLD, reason
    return Outcome.RECORDED, f"The lot is {lot.get_status_display().lower()}."


def _after_confirmed_failure(inspection: Inspection, lot: Lot, actor) -> tuple[str, str]:
    if lot.status in (LotStatus.REJECTED, LotStatus.RECALLED):
        return Outcome.RECORDED, f"The lot is {lot.get_status_display().lower()} already."
    if lot_was_dispatched(lot):
        reason = f"{_summary(inspection)}: units are at hospitals; a recall is required."
        procurement.lot_hold(lot=lot, actor=actor, reason=reason)
        return Outcome.RECALL_REQUIRED, reason
    reason = f"{_summary(inspection)}: the failure is confirmed; no unit left the warehouse."
    procurement.lot_reject(lot=lot, actor=actor, reason=reason)
    return Outcome.REJECTED, reason


def _set_outcome(inspection: Inspection, outcome: str, actor, reason: str) -> None:
    inspection.outcome = outcome
    inspection.save(update_fields=["outcome"])
    InspectionEvent.objects.create(
        inspection=inspection, outcome=outcome, actor=actor, reason=reason
    )


CONFLICT_DECISIONS = ("release", "reject", "recall")


def inspection_conflict_decide(
    *, inspection: Inspection, actor, decision: str, reason: str, mismatch_override: str = ""
):
    """An officer settles conflicting results (a pass after a failure or a failure after a pass):
    release the lot (a mismatched lot also needs the written override), reject it (if no unit
    left the warehouse), or mark it as needing a recall (if units reached hospitals)."""
    require_role(actor, Role.MINISTRY_OFFICER, action="decide on conflicting inspections")
    if decision not in CONFLICT_DECISIONS:
        raise InvalidInput("Decide to release, reject or recall.")
    reason = require_reason(reason, "deciding on conflicting results")
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if inspection.outcome != Outcome.CONFLICT:
            raise IllegalTransition(f"Inspection #{inspection.pk} is not awaiting a decision.")
        lot = inspection.lot
        note = f"Officer's decision on conflicting results: {reason.strip()}"
        if decision == "release":
            procurement.lot_release(
                lot=lot, actor=actor, basis=ReleaseBasis.INSPECTION, reason=note,
                evidence={"inspection": inspection.pk}, mismatch_override=mismatch_override,
            )  # fmt: skip
            outcome = Outcome.RELEASED
        elif decision == "reject":
            procurement.lot_reject(lot=lot, actor=actor, reason=note)
            outcome = Outcome.REJECTED
        else:
            if not lot_was_dispatched(lot):
                raise IllegalTransition(
                    f"No unit of lot {lot.lot_number} ever left the warehouse: reject it instead "
                    "of recalling it."
                )
            outcome = Outcome.RECALL_REQUIRED
        _set_outcome(inspection, outcome, actor, note)
    return inspection
