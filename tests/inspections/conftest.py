"""Fixtures for the quality side: a test respirator standard with one criterion per defect
class, lots judged against it, and a rapid-test standard judged on a reference panel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from inspections import services
from inspections.models import Comparison, Criterion, CriterionBasis, DefectClass
from procurement.models import IntendedUse, ProductCategory
from tests import factories


@pytest.fixture
def respirator_standard(db):
    standard = factories.StandardFactory(code="TEST FFP2", is_medical=True)
    for code, comparison, limit, cls in [
        ("filtration", Comparison.AT_LEAST, "94", DefectClass.CRITICAL),
        ("leakage", Comparison.AT_MOST, "11", DefectClass.MAJOR),
        ("resistance", Comparison.AT_MOST, "2.4", DefectClass.MINOR),
    ]:
        Criterion.objects.create(
            standard=standard, code=code, characteristic=code.title(), unit="%",
            comparison=comparison, limit=Decimal(limit), defect_class=cls,
        )  # fmt: skip
    return standard


@pytest.fixture
def rapid_test_standard(db):
    standard = factories.StandardFactory(
        code="TEST Ag-RDT", category=ProductCategory.RAPID_TEST, is_medical=True
    )
    for code, basis, limit, cls in [
        ("sensitivity", CriterionBasis.SENSITIVITY, "80", DefectClass.CRITICAL),
        ("specificity", CriterionBasis.SPECIFICITY, "97", DefectClass.MAJOR),
    ]:
        Criterion.objects.create(
            standard=standard, code=code, characteristic=code.title(), unit="%",
            comparison=Comparison.AT_LEAST, limit=Decimal(limit), defect_class=cls, basis=basis,
        )  # fmt: skip
    return standard


@pytest.fixture
def make_lot(officer, respirator_standard):
    """A quarantined lot of 1,000 respirators judged against the test standard (code J, n=80)."""

    def make(*, quantity=1_000, supplier=None, product=None, **line):
        product = product or factories.ProductFactory(claimed_standard=respirator_standard)
        order = factories.placed_order(
            actor=officer,
            quantity=quantity,
            product=product,
            required_standard=line.pop("required_standard", respirator_standard),
            intended_use=line.pop("intended_use", IntendedUse.MEDICAL),
        )
        if supplier is not None:
            order.supplier = supplier
            order.save(update_fields=["supplier"])
        return factories.received_lot(quantity=quantity, order=order, actor=officer)

    return make


def good(n: int) -> dict[str, list[str]]:
    """Measurements of n units that all pass the test standard."""
    return {"filtration": ["97.5"] * n, "leakage": ["4"] * n, "resistance": ["1.1"] * n}


def with_failures(n: int, *, filtration_failures: int) -> dict[str, list[str]]:
    values = good(n)
    values["filtration"] = ["91.0"] * filtration_failures + ["97.5"] * (n - filtration_failures)
    return values


def record(lot, actor, stage="first", **results):
    return services.inspection_record(
        data=services.InspectionInput(
            lot=lot, stage=stage, laboratory="RIVM test lab", performed_by="J. de Vries",
            performed_on=dt.date(2020, 3, 30), **results,
        ),
        actor=actor,
    )  # fmt: skip
