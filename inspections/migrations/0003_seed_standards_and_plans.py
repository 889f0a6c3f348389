"""Data: the product standards of STANDARDS.md with their pass limits (criteria), and one
inspection plan per product category (MIL-STD-105E, level II).

Sources: /work/shared/domain/STANDARDS.md for every limit, SAMPLING.md for the AQLs. Nothing that
STANDARDS.md marks unverified is seeded: GB 2626-2019 changed the KN95 resistance limits, but its
numbers are not verified, so KN95 is the 2006 edition. The one figure marked "(one source)", YY 0469
differential pressure, is seeded and says so in its test method. STANDARDS.md gives no edition for
GB 19083 and YY 0469, so their edition is left blank for an officer to fill in.

Idempotent: standards are got or created by `code`, criteria by (standard, code), plans by
`category`. A row that exists is never changed: the demo loader (`procurement.demo`) creates
EN 149 FFP2, GB 2626 KN95 and WHO COVID-19 Ag-RDT the same way with the same values, so either
may run first. Criteria missing from an existing standard are added.

Reversible: backwards deletes a seeded row only while it still holds exactly the seeded values and
nothing references it (lots inspected against a standard, order lines, products, certificates,
recorded results). A standard is deleted only once none of its criteria is left, so a standard an
officer extended with criteria of their own stays. A standard whose values equal the seed cannot be
told apart from one the demo created with the same values; deleting it while unreferenced loses
nothing, since forwards creates it again unchanged.

Comparisons: `at least` (>=), `at most` (<=) and `below` (<). EN 14683 and ASTM F2100 write
differential pressure as strictly below the limit ("< 40 Pa/cm2"), so those use `below`: a
reading exactly at the limit fails, as the standard says.

Defect classes (MIL-STD-105E definitions: critical = likely hazardous for the people depending on
the product; major = likely to fail or materially reduce usability for the intended purpose;
minor = not likely to materially reduce usability):

* critical: filtration (respirators), BFE and PFE (medical masks), sensitivity (rapid tests). A
  failing unit does not protect the wearer, or the patient from the wearer, whoever wears it and
  however well it fits; a test below 80 % sensitivity sends infectious patients back to the ward
  (the kits Spain returned in March 2020 measured about 30 %).
* major: inward leakage (fit), synthetic blood / splash resistance, specificity. Leakage materially
  reduces protection but also depends on the wearer's face and fitting (and the user's fit test
  checks it again); splash resistance matters for procedures with blood or fluid exposure, not for
  every use; a false positive costs an unnecessary isolation and a confirmatory RT-PCR, not a
  missed infection.
* minor: breathing resistance, differential pressure, microbial cleanliness. Above the limit the
  mask is harder to breathe through for a long shift, or (bioburden of a non-sterile mask) departs
  from the standard's hygiene requirement, without reducing filtration or fluid resistance.

AQLs per category are values of the MIL-STD-105E tables. Medical masks use 4.0 for every class:
SAMPLING.md's domain note says ASTM F2100 samples medical masks for BFE, PFE and breathing
resistance at AQL 4.0 under this standard.
"""

from decimal import Decimal

from django.db import migrations

RESPIRATOR = "respirator"
MEDICAL_MASK = "medical_mask"
RAPID_TEST = "rapid_test"
CRITICAL, MAJOR, MINOR = "critical", "major", "minor"
AT_LEAST, AT_MOST, BELOW = "at_least", "at_most", "below"


def _criterion(
    code, characteristic, unit, comparison, limit, test_method, defect_class, basis=None
):
    return {
        "code": code,
        "characteristic": characteristic,
        "unit": unit,
        "comparison": comparison,
        "limit": Decimal(limit),
        "test_method": test_method,
        "defect_class": defect_class,
        "basis": basis or "per_unit",
    }


def _standard(code, title, edition, category, is_medical, criteria):
    return {
        "fields": {
            "code": code,
            "title": title,
            "edition": edition,
            "category": category,
            "is_medical": is_medical,
        },
        "criteria": criteria,
    }


def _inward_leakage(each, mean):
    """EN 149 and GB 2626: 10 wearers x 5 exercises; 46 of 50 results and 8 of 10 means."""
    return [
        _criterion(
            "inward-leakage",
            "Total inward leakage, each exercise result",
            "%",
            AT_MOST,
            each,
            "10 wearers x 5 exercises: at least 46 of the 50 results within the limit",
            MAJOR,
        ),
        _criterion(
            "inward-leakage-mean",
            "Total inward leakage, wearer arithmetic mean",
            "%",
            AT_MOST,
            mean,
            "Mean of each wearer's 5 exercises: at least 8 of the 10 means within the limit",
            MAJOR,
        ),
    ]


def _en149(cls, filtration, leakage, leakage_mean, inhale_30, inhale_95):
    return _standard(
        f"EN 149 {cls}",
        "Respiratory protective devices - filtering half masks to protect against particles, "
        f"class {cls}",
        "2001+A1:2009",
        RESPIRATOR,
        # FFP2 and FFP3 are accepted for the care of COVID-19 patients (STANDARDS.md); FFP1 is PPE
        # with 80 % filtration and is not, so an order for medical use of FFP1 is a mismatch.
        cls != "FFP1",
        [
            _criterion(
                "filtration",
                "Filtration efficiency",
                "%",
                AT_LEAST,
                filtration,
                "NaCl and paraffin oil aerosols, 95 L/min",
                CRITICAL,
            ),
            *_inward_leakage(leakage, leakage_mean),
            _criterion(
                "inhalation-resistance-30",
                "Inhalation resistance at 30 L/min",
                "mbar",
                AT_MOST,
                inhale_30,
                "Continuous flow 30 L/min",
                MINOR,
            ),
            _criterion(
                "inhalation-resistance-95",
                "Inhalation resistance at 95 L/min",
                "mbar",
                AT_MOST,
                inhale_95,
                "Continuous flow 95 L/min",
                MINOR,
            ),
            _criterion(
                "exhalation-resistance",
                "Exhalation resistance at 160 L/min",
                "mbar",
                AT_MOST,
                "3.0",
                "Continuous flow 160 L/min",
                MINOR,
            ),
        ],
    )


def _gb19083(grade, filtration):
    return _standard(
        f"GB 19083 grade {grade}",
        f"Technical requirements for protective face mask for medical use, grade {grade}",
        "",  # not given in STANDARDS.md
        RESPIRATOR,
        True,
        [
            _criterion(
                "filtration",
                "Filtration efficiency",
                "%",
                AT_LEAST,
                filtration,
                "NaCl aerosol, 85 L/min",
                CRITICAL,
            ),
            _criterion(
                "inhalation-resistance",
                "Inhalation resistance",
                "Pa",
                AT_MOST,
                "343.2",
                "",
                MINOR,
            ),
            _criterion(
                "synthetic-blood",
                "Synthetic blood penetration resistance",
                "kPa",
                AT_LEAST,
                "10.7",
                "Synthetic blood at 10.7 kPa (80 mmHg): no penetration",
                MAJOR,
            ),
        ],
    )


def _differential_pressure(limit, unit, strict=True, note=""):
    wording = f"Must be below {limit} {unit} (strict)" if strict else f"At most {limit} {unit}"
    return _criterion(
        "differential-pressure",
        "Differential pressure (breathability)",
        unit,
        BELOW if strict else AT_MOST,
        limit,
        wording + note,
        MINOR,
    )


def _bfe(limit):
    return _criterion(
        "bfe",
        "Bacterial filtration efficiency (BFE)",
        "%",
        AT_LEAST,
        limit,
        "Bacterial challenge aerosol",
        CRITICAL,
    )


def _en14683(mask_type, bfe, differential_pressure, splash=None):
    criteria = [_bfe(bfe)]
    if splash is not None:
        criteria.append(
            _criterion(
                "splash-resistance",
                "Splash resistance (synthetic blood)",
                "kPa",
                AT_LEAST,
                splash,
                "Synthetic blood penetration: no penetration at the pressure",
                MAJOR,
            )
        )
    criteria += [
        _differential_pressure(differential_pressure, "Pa/cm2"),
        _criterion(
            "microbial-cleanliness",
            "Microbial cleanliness (bioburden)",
            "cfu/g",
            AT_MOST,
            "30",
            "Total viable count per gram of mask",
            MINOR,
        ),
    ]
    return _standard(
        f"EN 14683 Type {mask_type}",
        f"Medical face masks - requirements and test methods, Type {mask_type}",
        "2019",
        MEDICAL_MASK,
        True,
        criteria,
    )


def _astm_f2100(level, bfe, pfe, splash, differential_pressure):
    return _standard(
        f"ASTM F2100 Level {level}",
        "Standard specification for performance of materials used in medical face masks, "
        f"Level {level}",
        "19",
        MEDICAL_MASK,
        True,
        [
            _bfe(bfe),
            _criterion(
                "pfe",
                "Particle filtration efficiency (PFE) at 0.1 um",
                "%",
                AT_LEAST,
                pfe,
                "0.1 um particles",
                CRITICAL,
            ),
            _criterion(
                "splash-resistance",
                "Synthetic blood penetration resistance",
                "mmHg",
                AT_LEAST,
                splash,
                "Synthetic blood penetration: 32 masks, at least 29 passing",
                MAJOR,
            ),
            _differential_pressure(differential_pressure, "mm H2O/cm2"),
        ],
    )


STANDARDS = [
    _en149("FFP1", "80", "25", "22", "0.6", "2.1"),
    _en149("FFP2", "94", "11", "8", "0.7", "2.4"),
    _en149("FFP3", "99", "5", "2", "1.0", "3.0"),
    _standard(
        "NIOSH N95",
        "NIOSH-approved N95 filtering facepiece respirator",
        "42 CFR 84",
        RESPIRATOR,
        # PPE, but the US respirator for patient care (surgical N95 additionally FDA-cleared):
        # medical use, like FFP2. Fit is tested at the user, so no inward-leakage criterion.
        True,
        [
            _criterion(
                "filtration",
                "Filtration efficiency",
                "%",
                AT_LEAST,
                "95",
                "NaCl aerosol, 85 L/min, 20 filters",
                CRITICAL,
            ),
            _criterion(
                "inhalation-resistance",
                "Inhalation resistance at 85 L/min",
                "mm H2O",
                AT_MOST,
                "35",
                "Continuous flow 85 L/min",
                MINOR,
            ),
            _criterion(
                "exhalation-resistance",
                "Exhalation resistance at 85 L/min",
                "mm H2O",
                AT_MOST,
                "25",
                "Continuous flow 85 L/min",
                MINOR,
            ),
        ],
    ),
    _standard(
        "GB 2626 KN95",
        "Respiratory protection - non-powered air-purifying particle respirator, class KN95 "
        "(non-medical occupational respirator)",
        "2006",  # GB 2626-2019 figures are unverified and not seeded
        RESPIRATOR,
        False,  # "non-surgical"; not tested for blood penetration
        [
            _criterion(
                "filtration",
                "Filtration efficiency",
                "%",
                AT_LEAST,
                "95",
                "NaCl aerosol",
                CRITICAL,
            ),
            *_inward_leakage("11", "8"),
            _criterion(
                "inhalation-resistance",
                "Inhalation resistance at 85 L/min",
                "Pa",
                AT_MOST,
                "350",
                "Continuous flow 85 L/min",
                MINOR,
            ),
            _criterion(
                "exhalation-resistance",
                "Exhalation resistance at 85 L/min",
                "Pa",
                AT_MOST,
                "250",
                "Continuous flow 85 L/min",
                MINOR,
            ),
        ],
    ),
    _gb19083(1, "95"),
    _gb19083(2, "99"),
    _gb19083(3, "99.97"),
    _en14683("I", "95", "40"),
    _en14683("II", "98", "40"),
    _en14683("IIR", "98", "60", splash="16.0"),
    _astm_f2100(1, "95", "95", "80", "5.0"),
    _astm_f2100(2, "98", "98", "120", "6.0"),
    _astm_f2100(3, "98", "98", "160", "6.0"),
    _standard(
        "YY 0469",
        "Surgical mask (Chinese medical device industry standard)",
        "",  # not given in STANDARDS.md
        MEDICAL_MASK,
        True,
        [
            _bfe("95"),
            _criterion(
                "pfe",
                "Particle filtration efficiency (PFE)",
                "%",
                AT_LEAST,
                "30",
                "Particle aerosol",
                CRITICAL,
            ),
            _criterion(
                "splash-resistance",
                "Synthetic blood penetration resistance",
                "mmHg",
                AT_LEAST,
                "120",
                "Synthetic blood penetration: no penetration at the pressure",
                MAJOR,
            ),
            _differential_pressure(
                "49", "Pa", strict=False, note="; limit from one source only (STANDARDS.md)"
            ),
        ],
    ),
    _standard(
        "WHO COVID-19 Ag-RDT",
        "WHO minimum performance for SARS-CoV-2 antigen rapid tests",
        "2020-09-11",
        RAPID_TEST,
        True,
        [
            _criterion(
                "sensitivity",
                "Clinical sensitivity",
                "%",
                AT_LEAST,
                "80",
                "against RT-PCR on a reference panel",
                CRITICAL,
                basis="sensitivity",
            ),
            _criterion(
                "specificity",
                "Clinical specificity",
                "%",
                AT_LEAST,
                "97",
                "against RT-PCR on a reference panel",
                MAJOR,
                basis="specificity",
            ),
        ],
    ),
]

SAMPLING_STANDARD = "MIL-STD-105E (1989)"
DEFAULT_AQLS = ("0.65", "2.5", "4.0")  # critical, major, minor
PLAN_AQLS = {
    "respirator": DEFAULT_AQLS,
    "medical_mask": ("4.0", "4.0", "4.0"),  # ASTM F2100 practice, SAMPLING.md
    "rapid_test": DEFAULT_AQLS,
    "gown": DEFAULT_AQLS,
    "glove": DEFAULT_AQLS,
    "ventilator": DEFAULT_AQLS,
    "other": DEFAULT_AQLS,
}


def _plan_fields(category):
    critical, major, minor = PLAN_AQLS[category]
    return {
        "sampling_standard": SAMPLING_STANDARD,
        "level": "II",
        "aql_critical": Decimal(critical),
        "aql_major": Decimal(major),
        "aql_minor": Decimal(minor),
    }


def forwards(apps, schema_editor):
    Standard = apps.get_model("procurement", "Standard")
    Criterion = apps.get_model("inspections", "Criterion")
    InspectionPlan = apps.get_model("inspections", "InspectionPlan")
    for spec in STANDARDS:
        fields = dict(spec["fields"])
        standard, _ = Standard.objects.get_or_create(code=fields.pop("code"), defaults=fields)
        for criterion in spec["criteria"]:
            values = dict(criterion)
            Criterion.objects.get_or_create(
                standard=standard, code=values.pop("code"), defaults=values
            )
    for category in PLAN_AQLS:
        InspectionPlan.objects.get_or_create(category=category, defaults=_plan_fields(category))


def _referenced(obj, ignore=()):
    """Whether any row of another model (in this migration's state) points at `obj`."""
    for relation in obj._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete) or not relation.is_relation:
            continue
        if relation.related_model in ignore:
            continue
        rows = relation.related_model._base_manager.filter(**{relation.field.name: obj})
        if rows.exists():
            return True
    return False


def backwards(apps, schema_editor):
    Standard = apps.get_model("procurement", "Standard")
    Criterion = apps.get_model("inspections", "Criterion")
    InspectionPlan = apps.get_model("inspections", "InspectionPlan")
    for category in PLAN_AQLS:
        InspectionPlan.objects.filter(category=category, **_plan_fields(category)).delete()
    for spec in STANDARDS:
        standard = Standard.objects.filter(**spec["fields"]).first()
        if standard is None:
            # Gone, or changed since it was seeded: then it is no longer the seeded row, but its
            # seeded criteria still are.
            standard = Standard.objects.filter(code=spec["fields"]["code"]).first()
            if standard is None:
                continue
            keep_standard = True
        else:
            keep_standard = False
        for criterion in spec["criteria"]:
            for row in Criterion.objects.filter(standard=standard, **criterion):
                if not _referenced(row):
                    row.delete()
        if keep_standard or Criterion.objects.filter(standard=standard).exists():
            continue
        if not _referenced(standard, ignore=(Criterion,)):
            standard.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0002_criterion_comparison_below"),
        ("procurement", "0005_lot_event_returned"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
