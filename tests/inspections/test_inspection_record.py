"""Recording inspections: the plan, the computed verdict, and the decision for the lot."""

import datetime as dt

import pytest

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from inspections import services
from inspections.models import Inspection, Outcome, Verdict
from procurement import services as procurement
from procurement.models import IntendedUse, LotStatus, ReleaseBasis
from tests import factories
from tests.inspections.conftest import good, record, with_failures

pytestmark = pytest.mark.django_db


def test_an_accepted_first_inspection_releases_the_lot_with_the_plan_snapshotted(
    make_lot, inspector
):
    lot = make_lot()

    inspection = record(lot, inspector, measurements=good(80))

    assert (inspection.verdict, inspection.outcome) == (Verdict.ACCEPTED, Outcome.RELEASED)
    assert (inspection.severity, inspection.code_letter, inspection.sample_size) == (
        "normal", "J", 80)  # fmt: skip
    plans = {c.defect_class: (c.sample_size, c.accept, c.reject) for c in inspection.classes.all()}
    assert plans == {"critical": (80, 1, 2), "major": (80, 5, 6), "minor": (80, 7, 8)}
    lot.refresh_from_db()
    assert (lot.status, lot.release_basis) == (LotStatus.RELEASED, ReleaseBasis.INSPECTION)
    assert lot.events.last().data["inspection"] == inspection.pk


def test_the_number_of_results_must_match_the_sample_size(make_lot, inspector):
    lot = make_lot()
    results = good(80)
    results["leakage"] = results["leakage"][:79]

    with pytest.raises(InvalidInput, match="Leakage: 79 results entered; the sampling plan calls"):
        record(lot, inspector, measurements=results)

    assert not Inspection.objects.exists()


def test_a_value_that_is_not_a_number_is_refused(make_lot, inspector):
    results = good(80)
    results["filtration"][3] = "ninety"
    with pytest.raises(InvalidInput, match="'ninety' is not a number"):
        record(make_lot(), inspector, measurements=results)


def test_every_criterion_needs_results(make_lot, inspector):
    results = good(80)
    del results["resistance"]
    with pytest.raises(InvalidInput, match="Resistance: enter the measurements or the count"):
        record(make_lot(), inspector, measurements=results)


def test_a_failed_first_inspection_puts_the_lot_on_hold(make_lot, inspector):
    lot = make_lot()

    inspection = record(lot, inspector, measurements=with_failures(80, filtration_failures=2))

    assert (inspection.verdict, inspection.outcome) == (Verdict.REJECTED, Outcome.ON_HOLD)
    assert inspection.classes.get(defect_class="critical").nonconforming == 2
    lot.refresh_from_db()
    assert lot.status == LotStatus.ON_HOLD


def test_one_failing_unit_is_within_the_critical_accept_number(make_lot, inspector):
    inspection = record(
        make_lot(), inspector, measurements=with_failures(80, filtration_failures=1)
    )
    assert inspection.verdict == Verdict.ACCEPTED


def test_counts_of_nonconforming_units_are_judged_like_measurements(make_lot, inspector):
    inspection = record(
        make_lot(), inspector, counts={"filtration": 0, "leakage": 6, "resistance": 0}
    )
    assert inspection.classes.get(defect_class="major").verdict == Verdict.REJECTED


def test_a_count_above_the_sample_size_is_refused(make_lot, inspector):
    with pytest.raises(InvalidInput, match="must be 0 to 80"):
        record(make_lot(), inspector, counts={"filtration": 81, "leakage": 0, "resistance": 0})


def test_a_confirmed_failure_rejects_a_lot_that_never_left_the_warehouse(make_lot, inspector):
    lot = make_lot()
    record(lot, inspector, measurements=with_failures(80, filtration_failures=3))

    second = record(lot, inspector, "second", measurements=with_failures(80, filtration_failures=4))

    assert second.outcome == Outcome.REJECTED
    lot.refresh_from_db()
    assert lot.status == LotStatus.REJECTED


def test_a_confirmed_failure_of_a_distributed_lot_requires_a_recall(
    make_lot, inspector, officer, hospital
):
    # given a mismatched lot released on documents and dispatched (the KN95 case)
    lot = make_lot(intended_use=IntendedUse.MEDICAL)
    procurement.lot_release(
        lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="ICU stocks run out"
    )
    procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=600, actor=officer)

    record(lot, inspector, measurements=with_failures(80, filtration_failures=5))
    second = record(lot, inspector, "second", measurements=with_failures(80, filtration_failures=6))

    assert second.outcome == Outcome.RECALL_REQUIRED
    lot.refresh_from_db()
    assert lot.status == LotStatus.ON_HOLD
    with pytest.raises(IllegalTransition):
        procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=1, actor=officer)


def test_an_accepted_inspection_of_a_lot_released_on_documents_backs_the_release(
    make_lot, inspector, officer
):
    lot = make_lot()
    procurement.lot_release(lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="urgent")

    record(lot, inspector, measurements=good(80))

    lot.refresh_from_db()
    assert (lot.status, lot.needs_test) == (LotStatus.RELEASED, False)


def test_a_pass_after_a_failure_is_a_conflict_an_officer_decides(make_lot, inspector, officer):
    lot = make_lot()
    record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    second = record(lot, inspector, "second", measurements=good(80))
    assert second.outcome == Outcome.CONFLICT
    with pytest.raises(NotPermitted):
        services.inspection_conflict_decide(
            inspection=second, actor=inspector, decision="release", reason="x"
        )

    services.inspection_conflict_decide(
        inspection=second, actor=officer, decision="release", reason="accredited lab retest"
    )

    second.refresh_from_db()
    lot.refresh_from_db()
    assert (second.outcome, lot.status) == (Outcome.RELEASED, LotStatus.RELEASED)
    with pytest.raises(IllegalTransition, match="not awaiting a decision"):
        services.inspection_conflict_decide(
            inspection=second, actor=officer, decision="reject", reason="changed my mind"
        )


def test_an_officers_hold_stands_over_a_passing_inspection(make_lot, inspector, officer):
    lot = make_lot()
    procurement.lot_hold(lot=lot, actor=officer, reason="complaint: masks do not close")

    inspection = record(lot, inspector, measurements=good(80))

    assert inspection.outcome == Outcome.KEPT
    lot.refresh_from_db()
    assert lot.status == LotStatus.ON_HOLD


def test_a_mismatched_lot_that_passes_waits_for_an_officers_override(
    make_lot, inspector, officer, respirator_standard
):
    kn95 = factories.StandardFactory(code="TEST KN95", is_medical=False)
    lot = make_lot(product=factories.ProductFactory(claimed_standard=kn95))

    inspection = record(lot, inspector, measurements=good(80))

    assert inspection.outcome == Outcome.AWAITING_OVERRIDE
    lot.refresh_from_db()
    assert lot.status == LotStatus.QUARANTINED
    with pytest.raises(IllegalTransition, match="written override is needed"):
        procurement.lot_release(
            lot=lot, actor=officer, basis=ReleaseBasis.INSPECTION, reason="passed"
        )
    with pytest.raises(NotPermitted, match="override an intended-use mismatch"):
        procurement.lot_release(
            lot=lot, actor=inspector, basis=ReleaseBasis.INSPECTION, reason="passed",
            mismatch_override="looks fine",
        )  # fmt: skip
    procurement.lot_release(
        lot=lot, actor=officer, basis=ReleaseBasis.INSPECTION, reason="passed",
        mismatch_override="non-COVID wards only",
    )  # fmt: skip
    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED
    assert lot.events.last().data["mismatch_override"] == "non-COVID wards only"


def test_inspections_follow_their_order(make_lot, inspector):
    lot = make_lot()
    with pytest.raises(IllegalTransition, match="no first inspection yet"):
        record(lot, inspector, "second", measurements=good(80))
    record(lot, inspector, measurements=good(80))
    with pytest.raises(IllegalTransition, match="already has a first inspection"):
        record(lot, inspector, measurements=good(80))
    with pytest.raises(IllegalTransition, match="no second inspection yet"):
        record(lot, inspector, "further", measurements=good(80))


def test_a_warehouse_clerk_cannot_record_inspections(make_lot, clerk):
    with pytest.raises(NotPermitted, match="record inspections"):
        record(make_lot(), clerk, measurements=good(80))


def test_an_inspection_date_in_the_future_is_refused(make_lot, inspector):
    with pytest.raises(InvalidInput, match="cannot be in the future"):
        services.inspection_record(
            data=services.InspectionInput(
                lot=make_lot(), stage="first", laboratory="Lab", performed_by="X",
                performed_on=dt.date.today() + dt.timedelta(days=2), measurements=good(80),
            ),
            actor=inspector,
        )  # fmt: skip


def test_rapid_tests_at_30_percent_sensitivity_fail_and_are_rejected_before_distribution(
    officer, inspector, rapid_test_standard
):
    product = factories.ProductFactory(
        category="rapid_test", claimed_standard=rapid_test_standard, name="Antigen test"
    )
    order = factories.placed_order(actor=officer, quantity=5_000, product=product)
    lot = factories.received_lot(quantity=5_000, order=order, actor=officer)
    panel = services.Panel(
        true_positives=30, false_negatives=70, true_negatives=98, false_positives=2
    )

    first = record(lot, inspector, panel=panel)
    second = record(lot, inspector, "second", panel=panel)

    assert (first.verdict, first.outcome) == (Verdict.REJECTED, Outcome.ON_HOLD)
    sensitivity = first.results.get(criterion__code="sensitivity")
    assert sensitivity.panel_value == 30
    assert second.outcome == Outcome.REJECTED
    lot.refresh_from_db()
    assert lot.status == LotStatus.REJECTED


def test_a_rapid_test_panel_is_required(officer, inspector, rapid_test_standard):
    product = factories.ProductFactory(category="rapid_test", claimed_standard=rapid_test_standard)
    lot = factories.received_lot(
        quantity=500, order=factories.placed_order(actor=officer, quantity=500, product=product),
        actor=officer,
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="enter the reference panel results"):
        record(lot, inspector)


def test_a_strict_limit_fails_a_reading_exactly_at_the_limit():
    from decimal import Decimal

    from inspections.models import Comparison, Criterion

    strict = Criterion(comparison=Comparison.BELOW, limit=Decimal("40"))
    assert (strict.passes(Decimal("39.9")), strict.passes(Decimal("40"))) == (True, False)
    assert Criterion(comparison=Comparison.AT_MOST, limit=Decimal("40")).passes(Decimal("40"))


def test_a_further_inspection_of_a_rejected_lot_is_recorded_without_changing_it(
    make_lot, inspector
):
    lot = make_lot()
    record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    record(lot, inspector, "second", measurements=with_failures(80, filtration_failures=2))

    further = record(
        lot, inspector, "further", measurements=with_failures(80, filtration_failures=3)
    )

    assert further.outcome == Outcome.RECORDED
    lot.refresh_from_db()
    assert lot.status == LotStatus.REJECTED


def test_a_disposed_lot_can_no_longer_be_inspected(make_lot, inspector, officer):
    lot = make_lot()
    procurement.lot_reject(lot=lot, actor=officer, reason="counterfeit")
    procurement.lot_dispose(lot=lot, actor=officer, method="destroyed", reason="counterfeit")
    with pytest.raises(IllegalTransition, match="disposed"):
        record(lot, inspector, measurements=good(80))


def test_every_decision_leaves_an_inspection_event(make_lot, inspector):
    lot = make_lot()
    inspection = record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    event = inspection.events.get()
    assert (event.outcome, event.actor) == (Outcome.ON_HOLD, inspector)
    assert "a second inspection is required" in event.reason


# ---------------------------------------------------------------------------------------------
# The lab report file: kept with the inspection, never left behind by a refused one


def _files_under(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _lab_report():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("lab-report.pdf", b"%PDF-1.4 results", content_type="application/pdf")


def test_a_recorded_inspection_keeps_its_lab_report_under_media_root(make_lot, inspector, settings):
    inspection = record(make_lot(), inspector, measurements=good(80), report_file=_lab_report())

    [stored] = _files_under(settings.MEDIA_ROOT)
    assert stored.read_bytes() == b"%PDF-1.4 results"
    assert inspection.report_file.path == str(stored)


def test_an_inspection_refused_after_its_row_was_written_leaves_no_lab_report_behind(
    make_lot, inspector, settings, monkeypatch
):
    from inspections.services import inspections as lots

    def refuse(inspection, lot, actor):
        raise IllegalTransition("refused after the inspection row was written")

    monkeypatch.setattr(lots, "_decide", refuse)

    with pytest.raises(IllegalTransition):
        record(make_lot(), inspector, measurements=good(80), report_file=_lab_report())

    assert not Inspection.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == []


def test_an_inspection_refused_before_it_is_judged_stores_no_lab_report(
    make_lot, inspector, settings
):
    with pytest.raises(IllegalTransition):
        record(make_lot(), inspector, "second", measurements=good(80), report_file=_lab_report())

    assert _files_under(settings.MEDIA_ROOT) == []
