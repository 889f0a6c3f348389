"""Rules sharpened after review: counts add up, contradictions go to an officer, the override is
never implied, recalls need units out there, limits are snapshotted, odd inputs get clear errors."""

from decimal import Decimal

import pytest

from core.errors import IllegalTransition, InvalidInput
from inspections import selectors, services
from inspections.models import Criterion, LevelState, Outcome, SupplierLevel, Verdict
from procurement import services as procurement
from procurement.models import LotStatus, OrderEvent, ReleaseBasis
from tests import factories
from tests.inspections.conftest import good, record, with_failures

pytestmark = pytest.mark.django_db


def _two_major_criteria(standard):
    Criterion.objects.create(
        standard=standard, code="leakage-mean", characteristic="Leakage mean", unit="%",
        comparison="at_most", limit=Decimal("8"), defect_class="major",
    )  # fmt: skip


def test_counts_of_one_class_add_up_instead_of_hiding_behind_each_other(
    make_lot, inspector, respirator_standard
):
    # given two major criteria with 3 nonconforming units each on a 5/6 plan
    _two_major_criteria(respirator_standard)
    counts = {"filtration": 0, "leakage": 3, "leakage-mean": 3, "resistance": 0}

    inspection = record(make_lot(), inspector, counts=counts)

    major = inspection.classes.get(defect_class="major")
    assert (major.nonconforming, major.verdict) == (6, Verdict.REJECTED)


def test_a_unit_measured_failing_two_criteria_of_a_class_counts_once(
    make_lot, inspector, respirator_standard
):
    _two_major_criteria(respirator_standard)
    values = good(80)
    values["leakage"] = ["15"] * 5 + ["4"] * 75
    values["leakage-mean"] = ["12"] * 5 + ["3"] * 75  # the same five units

    inspection = record(make_lot(), inspector, measurements=values)

    major = inspection.classes.get(defect_class="major")
    assert (major.nonconforming, major.verdict) == (5, Verdict.ACCEPTED)


def test_a_failed_panel_rejects_its_class_in_the_stored_results(
    officer, inspector, rapid_test_standard
):
    product = factories.ProductFactory(category="rapid_test", claimed_standard=rapid_test_standard)
    order = factories.placed_order(actor=officer, quantity=500, product=product)
    lot = factories.received_lot(quantity=500, order=order, actor=officer)
    panel = services.Panel(
        true_positives=30, false_negatives=70, true_negatives=97, false_positives=3
    )

    inspection = record(lot, inspector, panel=panel)

    verdicts = dict(inspection.classes.values_list("defect_class", "verdict"))
    assert verdicts["critical"] == Verdict.REJECTED
    assert inspection.verdict == Verdict.REJECTED


def test_absurd_panel_counts_are_refused_with_a_clear_error(
    officer, inspector, rapid_test_standard
):
    product = factories.ProductFactory(category="rapid_test", claimed_standard=rapid_test_standard)
    order = factories.placed_order(actor=officer, quantity=500, product=product)
    lot = factories.received_lot(quantity=500, order=order, actor=officer)
    panel = services.Panel(
        true_positives=10**12, false_negatives=0, true_negatives=97, false_positives=3
    )
    with pytest.raises(InvalidInput, match="Panel counts must be whole numbers"):
        record(lot, inspector, panel=panel)


def test_a_failure_after_a_pass_is_a_conflict_and_holds_the_lot(make_lot, inspector):
    lot = make_lot()
    record(lot, inspector, measurements=good(80))

    second = record(lot, inspector, "second", measurements=with_failures(80, filtration_failures=3))

    assert second.outcome == Outcome.CONFLICT
    lot.refresh_from_db()
    assert lot.status == LotStatus.ON_HOLD


def test_a_lot_has_one_second_inspection_then_further_ones(make_lot, inspector):
    lot = make_lot()
    record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    record(lot, inspector, "second", measurements=with_failures(80, filtration_failures=2))
    with pytest.raises(IllegalTransition, match="already has a second inspection"):
        record(lot, inspector, "second", measurements=good(80))


def test_settling_a_conflict_never_overrides_a_mismatch_by_itself(make_lot, inspector, officer):
    kn95 = factories.StandardFactory(code="TEST KN95", is_medical=False)
    lot = make_lot(product=factories.ProductFactory(claimed_standard=kn95))
    record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    second = record(lot, inspector, "second", measurements=good(80))

    with pytest.raises(IllegalTransition, match="written override is needed"):
        services.inspection_conflict_decide(
            inspection=second, actor=officer, decision="release", reason="accredited lab"
        )
    services.inspection_conflict_decide(
        inspection=second, actor=officer, decision="release", reason="accredited lab",
        mismatch_override="non-COVID wards only",
    )  # fmt: skip

    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED
    assert lot.events.last().data["mismatch_override"] == "non-COVID wards only"


def test_a_conflict_cannot_be_settled_as_a_recall_when_nothing_left_the_warehouse(
    make_lot, inspector, officer
):
    lot = make_lot()
    record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    second = record(lot, inspector, "second", measurements=good(80))
    with pytest.raises(IllegalTransition, match="reject it instead"):
        services.inspection_conflict_decide(
            inspection=second, actor=officer, decision="recall", reason="unsure"
        )


def test_the_limit_judged_against_is_kept_with_the_result(make_lot, inspector):
    inspection = record(make_lot(), inspector, measurements=good(80))
    Criterion.objects.filter(code="filtration").update(limit=Decimal("99"))

    result = inspection.results.get(criterion__code="filtration")
    assert (result.comparison, result.limit, result.unit) == ("at_least", Decimal("94"), "%")


def test_a_lot_of_one_unit_is_inspected_whole(make_lot, inspector):
    lot = make_lot(quantity=1)
    plan = selectors.lot_plan(lot)
    assert (plan.sample_size, plan.hundred_percent) == (1, True)
    inspection = record(lot, inspector, measurements=good(1))
    assert inspection.verdict == Verdict.ACCEPTED


def test_queues_show_lots_needing_a_recall_or_an_override(make_lot, inspector, officer, hospital):
    recalled = make_lot()
    procurement.lot_release(lot=recalled, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="x")
    procurement.distribution_dispatch(lot=recalled, hospital=hospital, quantity=10, actor=officer)
    record(recalled, inspector, measurements=with_failures(80, filtration_failures=2))
    record(recalled, inspector, "second", measurements=with_failures(80, filtration_failures=2))
    kn95 = factories.StandardFactory(code="TEST KN95", is_medical=False)
    waiting = make_lot(product=factories.ProductFactory(claimed_standard=kn95))
    record(waiting, inspector, measurements=good(80))
    untouched = make_lot()

    assert list(selectors.lots_needing_recall()) == [recalled]
    assert list(selectors.lots_awaiting_override()) == [waiting]
    assert list(selectors.lots_awaiting_first_inspection()) == [untouched]


def test_an_officer_ends_reduced_inspection_with_a_reason(officer):
    level = SupplierLevel.objects.create(
        supplier=factories.SupplierFactory(), category="respirator", state=LevelState.REDUCED
    )
    with pytest.raises(InvalidInput):
        services.supplier_level_return_to_normal(level=level, actor=officer, reason="")
    services.supplier_level_return_to_normal(
        level=level, actor=officer, reason="production moved to a new plant"
    )
    level.refresh_from_db()
    assert level.state == LevelState.NORMAL
    assert level.events.get().reason == "production moved to a new plant"
    with pytest.raises(IllegalTransition):
        services.supplier_level_return_to_normal(level=level, actor=officer, reason="again")


def test_the_mismatch_is_flagged_when_the_order_is_entered(officer):
    kn95 = factories.StandardFactory(code="TEST KN95", is_medical=False)
    ffp2 = factories.StandardFactory(code="TEST FFP2", is_medical=True)
    order = factories.placed_order(
        actor=officer, product=factories.ProductFactory(claimed_standard=kn95, name="KN95"),
        required_standard=ffp2,
    )  # fmt: skip
    draft = OrderEvent.objects.get(order=order, to_status="draft")
    assert draft.reason.startswith("Intended-use mismatch on KN95")


def test_a_lot_without_any_certificate_may_still_be_released_on_documents(make_lot, officer):
    # The rule reads "whose certificates are all invalid or expired": with none on file there
    # is nothing dead to refuse on; the release itself records the written reason.
    lot = make_lot()
    released = procurement.lot_release(
        lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="supplier's declaration"
    )
    assert released.status == LotStatus.RELEASED
