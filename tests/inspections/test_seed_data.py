"""The data migration inspections 0003: standards and pass limits of STANDARDS.md, and one
inspection plan per product category with AQLs from the MIL-STD-105E tables."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as global_apps
from django.core.management import call_command

from inspections.models import (
    Comparison,
    Criterion,
    CriterionBasis,
    DefectClass,
    InspectionPlan,
)
from inspections.sampling import AQLS
from procurement.models import Product, ProductCategory, Standard

seed = importlib.import_module("inspections.migrations.0003_seed_standards_and_plans")

# code -> (category, is_medical, edition)
EXPECTED_STANDARDS = {
    "EN 149 FFP1": (ProductCategory.RESPIRATOR, False, "2001+A1:2009"),
    "EN 149 FFP2": (ProductCategory.RESPIRATOR, True, "2001+A1:2009"),
    "EN 149 FFP3": (ProductCategory.RESPIRATOR, True, "2001+A1:2009"),
    "NIOSH N95": (ProductCategory.RESPIRATOR, True, "42 CFR 84"),
    "GB 2626 KN95": (ProductCategory.RESPIRATOR, False, "2006"),
    "GB 19083 grade 1": (ProductCategory.RESPIRATOR, True, ""),
    "GB 19083 grade 2": (ProductCategory.RESPIRATOR, True, ""),
    "GB 19083 grade 3": (ProductCategory.RESPIRATOR, True, ""),
    "EN 14683 Type I": (ProductCategory.MEDICAL_MASK, True, "2019"),
    "EN 14683 Type II": (ProductCategory.MEDICAL_MASK, True, "2019"),
    "EN 14683 Type IIR": (ProductCategory.MEDICAL_MASK, True, "2019"),
    "ASTM F2100 Level 1": (ProductCategory.MEDICAL_MASK, True, "19"),
    "ASTM F2100 Level 2": (ProductCategory.MEDICAL_MASK, True, "19"),
    "ASTM F2100 Level 3": (ProductCategory.MEDICAL_MASK, True, "19"),
    "YY 0469": (ProductCategory.MEDICAL_MASK, True, ""),
    "WHO COVID-19 Ag-RDT": (ProductCategory.RAPID_TEST, True, "2020-09-11"),
}

GE, LE, LT = Comparison.AT_LEAST, Comparison.AT_MOST, Comparison.BELOW
CRITICAL, MAJOR, MINOR = DefectClass.CRITICAL, DefectClass.MAJOR, DefectClass.MINOR

# (standard, criterion code) -> (comparison, limit, unit, defect class): every seeded criterion,
# each figure as in STANDARDS.md.
KEY_LIMITS = {
    ("EN 149 FFP1", "filtration"): (GE, "80", "%", CRITICAL),
    ("EN 149 FFP2", "filtration"): (GE, "94", "%", CRITICAL),
    ("EN 149 FFP3", "filtration"): (GE, "99", "%", CRITICAL),
    ("EN 149 FFP2", "inward-leakage"): (LE, "11", "%", MAJOR),
    ("EN 149 FFP2", "inward-leakage-mean"): (LE, "8", "%", MAJOR),
    ("EN 149 FFP1", "inhalation-resistance-30"): (LE, "0.6", "mbar", MINOR),
    ("EN 149 FFP3", "inhalation-resistance-95"): (LE, "3.0", "mbar", MINOR),
    ("EN 149 FFP2", "exhalation-resistance"): (LE, "3.0", "mbar", MINOR),
    ("NIOSH N95", "filtration"): (GE, "95", "%", CRITICAL),
    ("NIOSH N95", "inhalation-resistance"): (LE, "35", "mm H2O", MINOR),
    ("NIOSH N95", "exhalation-resistance"): (LE, "25", "mm H2O", MINOR),
    ("GB 2626 KN95", "filtration"): (GE, "95", "%", CRITICAL),
    ("GB 2626 KN95", "inward-leakage"): (LE, "11", "%", MAJOR),
    ("GB 2626 KN95", "inhalation-resistance"): (LE, "350", "Pa", MINOR),
    ("GB 2626 KN95", "exhalation-resistance"): (LE, "250", "Pa", MINOR),
    ("GB 19083 grade 1", "filtration"): (GE, "95", "%", CRITICAL),
    ("GB 19083 grade 2", "filtration"): (GE, "99", "%", CRITICAL),
    ("GB 19083 grade 3", "filtration"): (GE, "99.97", "%", CRITICAL),
    ("GB 19083 grade 3", "inhalation-resistance"): (LE, "343.2", "Pa", MINOR),
    ("GB 19083 grade 1", "synthetic-blood"): (GE, "10.7", "kPa", MAJOR),
    ("EN 14683 Type I", "bfe"): (GE, "95", "%", CRITICAL),
    ("EN 14683 Type II", "bfe"): (GE, "98", "%", CRITICAL),
    ("EN 14683 Type IIR", "splash-resistance"): (GE, "16.0", "kPa", MAJOR),
    ("EN 14683 Type IIR", "differential-pressure"): (LT, "60", "Pa/cm2", MINOR),
    ("EN 14683 Type I", "microbial-cleanliness"): (LE, "30", "cfu/g", MINOR),
    ("ASTM F2100 Level 1", "pfe"): (GE, "95", "%", CRITICAL),
    ("ASTM F2100 Level 1", "splash-resistance"): (GE, "80", "mmHg", MAJOR),
    ("ASTM F2100 Level 3", "splash-resistance"): (GE, "160", "mmHg", MAJOR),
    ("ASTM F2100 Level 2", "differential-pressure"): (LT, "6.0", "mm H2O/cm2", MINOR),
    ("YY 0469", "pfe"): (GE, "30", "%", CRITICAL),
    ("YY 0469", "differential-pressure"): (LE, "49", "Pa", MINOR),
    ("EN 149 FFP1", "inward-leakage"): (LE, "25", "%", MAJOR),
    ("EN 149 FFP1", "inward-leakage-mean"): (LE, "22", "%", MAJOR),
    ("EN 149 FFP1", "inhalation-resistance-95"): (LE, "2.1", "mbar", MINOR),
    ("EN 149 FFP1", "exhalation-resistance"): (LE, "3.0", "mbar", MINOR),
    ("EN 149 FFP2", "inhalation-resistance-30"): (LE, "0.7", "mbar", MINOR),
    ("EN 149 FFP2", "inhalation-resistance-95"): (LE, "2.4", "mbar", MINOR),
    ("EN 149 FFP3", "inward-leakage"): (LE, "5", "%", MAJOR),
    ("EN 149 FFP3", "inward-leakage-mean"): (LE, "2", "%", MAJOR),
    ("EN 149 FFP3", "inhalation-resistance-30"): (LE, "1.0", "mbar", MINOR),
    ("EN 149 FFP3", "exhalation-resistance"): (LE, "3.0", "mbar", MINOR),
    ("GB 2626 KN95", "inward-leakage-mean"): (LE, "8", "%", MAJOR),
    ("GB 19083 grade 1", "inhalation-resistance"): (LE, "343.2", "Pa", MINOR),
    ("GB 19083 grade 3", "synthetic-blood"): (GE, "10.7", "kPa", MAJOR),
    ("EN 14683 Type I", "differential-pressure"): (LT, "40", "Pa/cm2", MINOR),
    ("EN 14683 Type II", "differential-pressure"): (LT, "40", "Pa/cm2", MINOR),
    ("EN 14683 Type IIR", "bfe"): (GE, "98", "%", CRITICAL),
    ("EN 14683 Type IIR", "microbial-cleanliness"): (LE, "30", "cfu/g", MINOR),
    ("ASTM F2100 Level 1", "bfe"): (GE, "95", "%", CRITICAL),
    ("ASTM F2100 Level 1", "differential-pressure"): (LT, "5.0", "mm H2O/cm2", MINOR),
    ("ASTM F2100 Level 2", "bfe"): (GE, "98", "%", CRITICAL),
    ("ASTM F2100 Level 2", "pfe"): (GE, "98", "%", CRITICAL),
    ("ASTM F2100 Level 2", "splash-resistance"): (GE, "120", "mmHg", MAJOR),
    ("ASTM F2100 Level 3", "bfe"): (GE, "98", "%", CRITICAL),
    ("ASTM F2100 Level 3", "pfe"): (GE, "98", "%", CRITICAL),
    ("ASTM F2100 Level 3", "differential-pressure"): (LT, "6.0", "mm H2O/cm2", MINOR),
    ("YY 0469", "bfe"): (GE, "95", "%", CRITICAL),
    ("YY 0469", "splash-resistance"): (GE, "120", "mmHg", MAJOR),
    ("GB 19083 grade 2", "inhalation-resistance"): (LE, "343.2", "Pa", MINOR),
    ("GB 19083 grade 2", "synthetic-blood"): (GE, "10.7", "kPa", MAJOR),
    ("EN 14683 Type II", "microbial-cleanliness"): (LE, "30", "cfu/g", MINOR),
    ("WHO COVID-19 Ag-RDT", "sensitivity"): (GE, "80", "%", CRITICAL),
    ("WHO COVID-19 Ag-RDT", "specificity"): (GE, "97", "%", MAJOR),
}

# What every standard's criteria are, by code (no more, no fewer).
EN149 = {
    "filtration",
    "inward-leakage",
    "inward-leakage-mean",
    "inhalation-resistance-30",
    "inhalation-resistance-95",
    "exhalation-resistance",
}
EXPECTED_CRITERIA = {
    "EN 149 FFP1": EN149,
    "EN 149 FFP2": EN149,
    "EN 149 FFP3": EN149,
    "NIOSH N95": {"filtration", "inhalation-resistance", "exhalation-resistance"},
    "GB 2626 KN95": {
        "filtration",
        "inward-leakage",
        "inward-leakage-mean",
        "inhalation-resistance",
        "exhalation-resistance",
    },
    **{
        f"GB 19083 grade {grade}": {"filtration", "inhalation-resistance", "synthetic-blood"}
        for grade in (1, 2, 3)
    },
    "EN 14683 Type I": {"bfe", "differential-pressure", "microbial-cleanliness"},
    "EN 14683 Type II": {"bfe", "differential-pressure", "microbial-cleanliness"},
    "EN 14683 Type IIR": {
        "bfe",
        "splash-resistance",
        "differential-pressure",
        "microbial-cleanliness",
    },
    **{
        f"ASTM F2100 Level {level}": {"bfe", "pfe", "splash-resistance", "differential-pressure"}
        for level in (1, 2, 3)
    },
    "YY 0469": {"bfe", "pfe", "splash-resistance", "differential-pressure"},
    "WHO COVID-19 Ag-RDT": {"sensitivity", "specificity"},
}

# Defect class by what the criterion measures (see the migration's docstring for why).
CLASS_BY_CODE = {
    "filtration": DefectClass.CRITICAL,
    "bfe": DefectClass.CRITICAL,
    "pfe": DefectClass.CRITICAL,
    "sensitivity": DefectClass.CRITICAL,
    "inward-leakage": DefectClass.MAJOR,
    "inward-leakage-mean": DefectClass.MAJOR,
    "synthetic-blood": DefectClass.MAJOR,
    "splash-resistance": DefectClass.MAJOR,
    "specificity": DefectClass.MAJOR,
    "inhalation-resistance": DefectClass.MINOR,
    "inhalation-resistance-30": DefectClass.MINOR,
    "inhalation-resistance-95": DefectClass.MINOR,
    "exhalation-resistance": DefectClass.MINOR,
    "differential-pressure": DefectClass.MINOR,
    "microbial-cleanliness": DefectClass.MINOR,
}

# The three standards the demo loader also creates, with the demo's values.
DEMO_VALUES = {
    "EN 149 FFP2": {
        "title": "Respiratory protective devices - filtering half masks to protect against "
        "particles, class FFP2",
        "edition": "2001+A1:2009",
        "category": ProductCategory.RESPIRATOR,
        "is_medical": True,
    },
    "GB 2626 KN95": {
        "title": "Respiratory protection - non-powered air-purifying particle respirator, class "
        "KN95 (non-medical occupational respirator)",
        "edition": "2006",
        "category": ProductCategory.RESPIRATOR,
        "is_medical": False,
    },
    "WHO COVID-19 Ag-RDT": {
        "title": "WHO minimum performance for SARS-CoV-2 antigen rapid tests",
        "edition": "2020-09-11",
        "category": ProductCategory.RAPID_TEST,
        "is_medical": True,
    },
}


def _counts() -> tuple[int, int, int]:
    return Standard.objects.count(), Criterion.objects.count(), InspectionPlan.objects.count()


@pytest.mark.django_db
class TestSeededStandards:
    def test_every_listed_standard_exists_with_category_use_and_edition(self):
        standards = {s.code: s for s in Standard.objects.filter(code__in=EXPECTED_STANDARDS)}
        assert set(standards) == set(EXPECTED_STANDARDS)
        for code, (category, is_medical, edition) in EXPECTED_STANDARDS.items():
            standard = standards[code]
            assert (standard.category, standard.is_medical, standard.edition) == (
                category,
                is_medical,
                edition,
            ), code
            assert standard.title

    def test_intended_use_flags(self):
        medical = dict(Standard.objects.values_list("code", "is_medical"))
        assert medical["GB 2626 KN95"] is False
        assert medical["EN 149 FFP1"] is False
        assert medical["EN 149 FFP2"] is True
        assert medical["NIOSH N95"] is True

    def test_demo_standards_have_the_demo_values(self):
        for code, values in DEMO_VALUES.items():
            standard = Standard.objects.get(code=code)
            assert {field: getattr(standard, field) for field in values} == values, code

    def test_no_unverified_gb_2626_2019_edition(self):
        assert not Standard.objects.filter(edition__contains="2019", code__startswith="GB 2626")

    @pytest.mark.parametrize(("key", "expected"), list(KEY_LIMITS.items()), ids=str)
    def test_key_limit(self, key, expected):
        standard_code, criterion_code = key
        comparison, limit, unit, defect_class = expected
        criterion = Criterion.objects.get(standard__code=standard_code, code=criterion_code)
        assert criterion.comparison == comparison
        assert criterion.limit == Decimal(limit)
        assert criterion.unit == unit
        assert criterion.defect_class == defect_class

    def test_every_seeded_criterion_is_checked_above(self):
        seeded = set(
            Criterion.objects.filter(standard__code__in=EXPECTED_STANDARDS).values_list(
                "standard__code", "code"
            )
        )
        assert seeded == set(KEY_LIMITS)

    def test_each_standard_has_exactly_its_criteria(self):
        for code, criteria in EXPECTED_CRITERIA.items():
            seeded = set(
                Criterion.objects.filter(standard__code=code).values_list("code", flat=True)
            )
            assert seeded == criteria, code

    def test_defect_classes_follow_what_is_measured(self):
        for criterion in Criterion.objects.filter(standard__code__in=EXPECTED_STANDARDS):
            assert criterion.defect_class == CLASS_BY_CODE[criterion.code], str(criterion)

    def test_criteria_are_valid_choices(self):
        for criterion in Criterion.objects.filter(standard__code__in=EXPECTED_STANDARDS):
            assert criterion.comparison in Comparison.values
            assert criterion.defect_class in DefectClass.values
            assert criterion.basis in CriterionBasis.values
            assert criterion.unit
            criterion.full_clean()

    def test_rapid_test_criteria_are_judged_on_the_panel(self):
        criteria = {
            c.code: c for c in Criterion.objects.filter(standard__code="WHO COVID-19 Ag-RDT")
        }
        assert criteria["sensitivity"].basis == CriterionBasis.SENSITIVITY
        assert criteria["specificity"].basis == CriterionBasis.SPECIFICITY
        for criterion in criteria.values():
            assert criterion.test_method == "against RT-PCR on a reference panel"
        # Everything else is checked on each sampled unit.
        others = Criterion.objects.filter(standard__code__in=EXPECTED_STANDARDS).exclude(
            standard__code="WHO COVID-19 Ag-RDT"
        )
        assert set(others.values_list("basis", flat=True)) == {CriterionBasis.PER_UNIT}

    def test_one_source_value_says_so(self):
        criterion = Criterion.objects.get(standard__code="YY 0469", code="differential-pressure")
        assert "one source" in criterion.test_method

    def test_limits_judge_like_the_standard(self):
        ffp2 = Criterion.objects.get(standard__code="EN 149 FFP2", code="filtration")
        assert ffp2.passes(Decimal("94.0"))
        assert not ffp2.passes(Decimal("93.9"))
        leakage = Criterion.objects.get(standard__code="GB 2626 KN95", code="inward-leakage")
        assert leakage.passes(Decimal("11"))
        assert not leakage.passes(Decimal("11.1"))


@pytest.mark.django_db
class TestSeededPlans:
    def test_a_plan_per_category_with_table_aqls(self):
        plans = {plan.category: plan for plan in InspectionPlan.objects.all()}
        assert set(plans) == set(ProductCategory.values)
        for category, plan in plans.items():
            assert plan.level == "II", category
            assert plan.sampling_standard == "MIL-STD-105E (1989)", category
            for defect_class in DefectClass.values:
                assert plan.aql_for(defect_class) in AQLS, (category, defect_class)

    def test_aqls_per_category(self):
        aqls = {
            plan.category: (plan.aql_critical, plan.aql_major, plan.aql_minor)
            for plan in InspectionPlan.objects.all()
        }
        default = (Decimal("0.65"), Decimal("2.5"), Decimal("4.0"))
        assert aqls.pop(ProductCategory.MEDICAL_MASK) == (Decimal("4.0"),) * 3
        assert aqls == dict.fromkeys(aqls, default)
        assert len(aqls) == len(ProductCategory.values) - 1


@pytest.mark.django_db
def test_running_the_seed_again_creates_nothing_and_changes_nothing():
    ffp2 = Standard.objects.get(code="EN 149 FFP2")
    ffp2.title = "Changed by an officer"
    ffp2.save()
    plan = InspectionPlan.objects.get(category=ProductCategory.GLOVE)
    plan.aql_major = Decimal("1.5")
    plan.save()
    before = _counts()

    seed.forwards(global_apps, None)

    assert _counts() == before
    ffp2.refresh_from_db()
    assert ffp2.title == "Changed by an officer"
    plan.refresh_from_db()
    assert plan.aql_major == Decimal("1.5")


@pytest.mark.django_db
def test_seed_adds_missing_criteria_to_an_existing_standard_without_changing_it():
    Standard.objects.filter(code="GB 19083 grade 2").delete()
    Standard.objects.create(
        code="GB 19083 grade 2", title="Entered by hand", category="medical_mask", is_medical=True
    )

    seed.forwards(global_apps, None)

    standard = Standard.objects.get(code="GB 19083 grade 2")
    assert (standard.title, standard.category) == ("Entered by hand", "medical_mask")
    assert (
        set(standard.criteria.values_list("code", flat=True))
        == EXPECTED_CRITERIA["GB 19083 grade 2"]
    )


@pytest.mark.django_db(transaction=True)
def test_migrating_back_and_forth():
    # A transactional test starts with what the previous one left: its flush empties the tables
    # but keeps the migration records. Seed from scratch first, which also covers an empty table.
    call_command("migrate", "inspections", "0002", verbosity=0)
    call_command("migrate", "inspections", verbosity=0)
    assert set(Standard.objects.values_list("code", flat=True)) >= set(EXPECTED_STANDARDS)
    assert InspectionPlan.objects.count() == len(ProductCategory.values)
    seeded = _counts()
    # Something the backwards step must keep: a standard in use, and one an officer changed.
    product = Product.objects.create(
        name="KN95 respirator", sku="T-KN95", category="respirator",
        claimed_standard=Standard.objects.get(code="GB 2626 KN95"),
    )  # fmt: skip
    Standard.objects.filter(code="EN 149 FFP3").update(title="Changed by an officer")

    call_command("migrate", "inspections", "0002", verbosity=0)

    assert InspectionPlan.objects.count() == 0
    assert set(Standard.objects.values_list("code", flat=True)) == {
        "GB 2626 KN95",
        "EN 149 FFP3",
    }
    # The seeded, unchanged, unreferenced criteria of the kept standards went too.
    assert Criterion.objects.count() == 0

    call_command("migrate", "inspections", verbosity=0)

    assert _counts() == seeded
    assert Standard.objects.get(code="EN 149 FFP3").title == "Changed by an officer"
    assert Product.objects.get(pk=product.pk).claimed_standard.code == "GB 2626 KN95"
