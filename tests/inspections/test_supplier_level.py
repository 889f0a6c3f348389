"""The supplier's inspection level follows the switching rules and sets the next plan."""

import pytest

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from inspections import selectors, services
from inspections.models import LevelState, SupplierLevel
from tests import factories
from tests.inspections.conftest import good, record, with_failures

pytestmark = pytest.mark.django_db


def _failing_results(lot) -> dict[str, list[str]]:
    """Two units under the filtration limit, each criterion sized to its class's sample."""
    plan = selectors.lot_plan(lot)
    values = {"filtration": ["91"] * 2 + ["97.5"] * (plan.units_for("critical") - 2)}
    values["leakage"] = ["4"] * plan.units_for("major")
    values["resistance"] = ["1.1"] * plan.units_for("minor")
    return values


def _fail_first_inspections(make_lot, inspector, supplier, times):
    for _ in range(times):
        lot = make_lot(supplier=supplier)
        record(lot, inspector, measurements=_failing_results(lot))


def test_two_failed_lots_move_the_supplier_to_tightened_and_the_next_plan_is_stricter(
    make_lot, inspector
):
    supplier = factories.SupplierFactory()
    _fail_first_inspections(make_lot, inspector, supplier, 2)

    level = SupplierLevel.objects.get(supplier=supplier, category="respirator")
    assert level.state == LevelState.TIGHTENED
    assert level.events.get().reason.startswith("2 of the last 2 lots not accepted")
    plan = selectors.lot_plan(make_lot(supplier=supplier))
    assert plan.severity == "tightened"
    # code J at AQL 0.65: normal is 1/2 of 80; tightened's arrow lands on row K: 1/2 of 125
    critical = plan.classes["critical"]
    assert (critical.plan_letter, critical.sample_size, critical.accept) == ("K", 125, 1)


def test_a_second_inspection_does_not_count_for_switching(make_lot, inspector):
    supplier = factories.SupplierFactory()
    lot = make_lot(supplier=supplier)
    record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    record(lot, inspector, "second", measurements=with_failures(80, filtration_failures=2))
    level = SupplierLevel.objects.get(supplier=supplier)
    assert (level.state, level.recent_original) == (LevelState.NORMAL, "R")


def test_a_discontinued_supplier_cannot_deliver_until_reinstated(make_lot, inspector, officer):
    supplier = factories.SupplierFactory()
    _fail_first_inspections(make_lot, inspector, supplier, 2 + 5)
    level = SupplierLevel.objects.get(supplier=supplier)
    assert level.state == LevelState.DISCONTINUED

    with pytest.raises(IllegalTransition, match="discontinued: no new shipments are received"):
        make_lot(supplier=supplier)

    with pytest.raises(InvalidInput, match="corrective action"):
        services.supplier_level_reinstate(level=level, actor=officer, reason="")
    services.supplier_level_reinstate(level=level, actor=officer, reason="new filter supplier")
    level.refresh_from_db()
    assert level.state == LevelState.TIGHTENED
    assert make_lot(supplier=supplier).status == "quarantined"


def test_only_an_officer_reinstates_a_supplier(inspector):
    level = SupplierLevel.objects.create(
        supplier=factories.SupplierFactory(), category="respirator", state=LevelState.DISCONTINUED
    )
    with pytest.raises(NotPermitted):
        services.supplier_level_reinstate(level=level, actor=inspector, reason="fixed")


def test_reduced_inspection_is_proposed_after_ten_accepted_lots_and_approved_by_an_officer(
    make_lot, inspector, officer
):
    supplier = factories.SupplierFactory()
    level = SupplierLevel.objects.create(
        supplier=supplier, category="respirator", consecutive_accepted=9
    )
    with pytest.raises(IllegalTransition):
        services.supplier_level_approve_reduced(level=level, actor=officer, reason="steady")

    record(make_lot(supplier=supplier), inspector, measurements=good(80))
    level.refresh_from_db()
    assert (level.state, level.reduced_proposed) == (LevelState.NORMAL, True)

    services.supplier_level_approve_reduced(level=level, actor=officer, reason="steady quality")
    level.refresh_from_db()
    assert level.state == LevelState.REDUCED
    assert selectors.lot_plan(make_lot(supplier=supplier)).severity == "reduced"


def test_receipts_of_other_categories_are_not_blocked(make_lot, officer):
    supplier = factories.SupplierFactory()
    SupplierLevel.objects.create(supplier=supplier, category="gown", state=LevelState.DISCONTINUED)
    assert make_lot(supplier=supplier).status == "quarantined"


def test_an_existing_lot_of_a_discontinued_supplier_is_inspected_on_tightened(make_lot):
    supplier = factories.SupplierFactory()
    lot = make_lot(supplier=supplier)
    SupplierLevel.objects.create(
        supplier=supplier, category="respirator", state=LevelState.DISCONTINUED
    )
    assert selectors.lot_plan(lot).severity == "tightened"
