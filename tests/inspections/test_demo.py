"""The demo's quality side and the load_demo command: every demo lot fails two inspections, the
masks at hospitals await a recall, the rest is rejected, the suppliers go to tightened."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from inspections import demo, selectors, services
from inspections.models import (
    Certificate,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintStatus,
    Inspection,
    InspectionEvent,
    InspectionStage,
    LevelState,
    Outcome,
    Severity,
    SupplierLevel,
    SupplierLevelEvent,
    Verdict,
    VerificationStatus,
)
from procurement import demo as supply
from procurement import services as procurement
from procurement.errors import InvalidInput
from procurement.models import Distribution, Hospital, Lot, LotStatus, ProductCategory
from procurement.selectors import ledger_violations
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _a_development_database(settings):
    # The demo loads only with DEBUG on (as `make demo` runs it) or when forced; pytest-django
    # turns DEBUG off, so the tests of the story turn it back on. The guard's tests turn it off.
    settings.DEBUG = True


@pytest.fixture
def loaded() -> demo.DemoSummary:
    return demo.load_demo()


def lots(numbers) -> list[Lot]:
    return list(Lot.objects.filter(lot_number__in=numbers).order_by("lot_number"))


def inspection(lot: Lot, stage: str) -> Inspection:
    return lot.inspections.get(stage=stage)


def row_counts() -> dict[str, int]:
    models = [
        *apps.get_app_config("procurement").get_models(),
        *apps.get_app_config("inspections").get_models(),
        get_user_model(),
        Group,
    ]
    return {model._meta.label: model.objects.count() for model in models}


MASKS = supply.LOT_NUMBERS
AT_HOSPITALS = MASKS[: supply.RELEASED_LOT_COUNT]  # A-C
IN_WAREHOUSE = MASKS[supply.RELEASED_LOT_COUNT :]  # D-E


# ---------------------------------------------------------------------------------------------
# The respirators


def test_every_kn95_lot_fails_a_first_and_a_second_inspection_against_ffp2(loaded):
    for lot in lots(MASKS):
        first, second = (inspection(lot, stage) for stage in demo.STAGES)

        assert (first.verdict, second.verdict) == (Verdict.REJECTED, Verdict.REJECTED)
        assert first.outcome == Outcome.ON_HOLD
        assert first.standard.code == second.standard.code == "EN 149 FFP2"
        assert first.recorded_by.username == second.recorded_by.username == "inspector"
        assert first.laboratory != second.laboratory
    assert loaded.lots_inspected == len(MASKS) + len(supply.RAPID_LOT_NUMBERS) == 7
    assert loaded.inspections == 14 and loaded.verdicts == {"Rejected": 14}


def test_the_filter_membrane_fails_on_the_whole_sample_of_its_defect_class(loaded):
    for inspected in Inspection.objects.filter(lot__lot_number__in=MASKS):
        results = {r.criterion.code: r for r in inspected.results.all()}
        classes = {c.defect_class: c for c in inspected.classes.all()}
        filtration = results.pop("filtration")
        readings = [Decimal(v) for v in filtration.measurements]

        assert inspected.code_letter == "P"
        assert len(readings) == filtration.units_tested == classes["critical"].sample_size == 800
        assert filtration.nonconforming == sum(v < 94 for v in readings) == 40
        assert min(readings) >= Decimal("82") and max(v for v in readings if v < 94) <= 91
        assert classes["critical"].verdict == Verdict.REJECTED
        assert classes["critical"].nonconforming > classes["critical"].accept
        # fit and breathing resistance pass, each on its own class's sample
        assert {r.nonconforming for r in results.values()} == {0}
        assert {r.criterion.code: r.units_tested for r in results.values()} == {
            "inward-leakage": 500,
            "inward-leakage-mean": 500,
            "inhalation-resistance-30": 315,
            "inhalation-resistance-95": 315,
            "exhalation-resistance": 315,
        }
        assert classes["major"].verdict == classes["minor"].verdict == Verdict.ACCEPTED


def test_the_readings_are_the_same_on_every_load():
    assert demo.filtration_readings(800, seed="KN95-2003-A/first") == demo.filtration_readings(
        800, seed="KN95-2003-A/first"
    )
    assert demo.filtration_readings(800, seed="A/first") != demo.filtration_readings(
        800, seed="A/second"
    )


def test_the_lots_at_hospitals_stay_on_hold_awaiting_a_recall(loaded):
    for lot in lots(AT_HOSPITALS):
        assert lot.status == LotStatus.ON_HOLD
        assert inspection(lot, InspectionStage.SECOND).outcome == Outcome.RECALL_REQUIRED
        assert lot.distributions.exists()
        assert not lot.needs_test
    assert loaded.awaiting_recall == AT_HOSPITALS
    assert loaded.units_at_hospitals == supply.DISTRIBUTED


def test_the_lots_still_in_the_warehouse_are_rejected(loaded):
    for lot in lots(IN_WAREHOUSE):
        assert lot.status == LotStatus.REJECTED
        assert inspection(lot, InspectionStage.SECOND).outcome == Outcome.REJECTED
        assert not lot.distributions.exists()
    assert set(IN_WAREHOUSE) <= set(loaded.rejected)


def test_the_supplier_moves_to_tightened_after_two_failed_lots(loaded):
    level = SupplierLevel.objects.get(
        supplier__name=supply.MASK_SUPPLIER["name"], category=ProductCategory.RESPIRATOR
    )
    event = SupplierLevelEvent.objects.get(level=level)
    # A and B are sampled on the normal plan, C-E on the tightened one
    severities = [inspection(lot, InspectionStage.FIRST).severity for lot in lots(MASKS)]

    assert level.state == LevelState.TIGHTENED
    assert (event.from_state, event.to_state) == (LevelState.NORMAL, LevelState.TIGHTENED)
    assert event.inspection.lot.lot_number == "KN95-2003-B"
    assert event.actor.username == "inspector"
    assert severities == [Severity.NORMAL] * 2 + [Severity.TIGHTENED] * 3


def test_the_kn95_certificate_is_on_file_unverified(loaded):
    certificate = Certificate.objects.get(certificate_number=demo.CERTIFICATE_NUMBER)

    assert certificate.product.sku == supply.MASK_PRODUCT.sku and certificate.lot is None
    assert certificate.standard.code == "GB 2626 KN95"
    assert certificate.verification_status == VerificationStatus.UNVERIFIED
    assert certificate.valid_until == timezone.localdate() + demo.CERTIFICATE_VALIDITY
    assert certificate.issuer == demo.CERTIFICATE_ISSUER
    assert not certificate.events.exists()


# ---------------------------------------------------------------------------------------------
# The rapid tests


def test_the_rapid_tests_fail_at_30_percent_sensitivity_and_are_rejected(loaded):
    for lot in lots(supply.RAPID_LOT_NUMBERS):
        assert lot.status == LotStatus.REJECTED
        for stage in demo.STAGES:
            inspected = inspection(lot, stage)
            assert inspected.verdict == Verdict.REJECTED
            assert inspected.panel.sensitivity == Decimal("30")
            assert inspected.panel.specificity == Decimal("97")
        assert inspection(lot, InspectionStage.SECOND).outcome == Outcome.REJECTED
    assert not Distribution.objects.filter(lot__lot_number__in=supply.RAPID_LOT_NUMBERS).exists()
    assert set(supply.RAPID_LOT_NUMBERS) <= set(loaded.rejected)


def test_every_decision_is_an_event_of_the_inspector(loaded):
    events = InspectionEvent.objects.filter(inspection__lot__in=supply.demo_lots())

    assert events.count() == 14
    assert {e.actor.username for e in events} == {"inspector"}


# ---------------------------------------------------------------------------------------------
# Ledger, idempotency, reset


def test_the_nurse_reports_that_the_masks_do_not_close_and_an_inspection_is_asked_for(loaded):
    complaint = Complaint.objects.get()

    assert complaint.hospital.code == "HOSP-001"
    assert complaint.lot.lot_number == "KN95-2003-A"
    assert complaint.category == ComplaintCategory.FIT
    assert "do not close properly" in complaint.description
    assert complaint.reported_by.username == "nurse"
    assert complaint.status == ComplaintStatus.INVESTIGATING
    assert list(complaint.events.values_list("kind", "actor__username")) == [
        (ComplaintEvent.Kind.REPORTED, "nurse"),
        (ComplaintEvent.Kind.INSPECTION_REQUESTED, "officer"),
    ]
    # The inspections that followed answer the request: the lot left the inspectors' queue.
    assert not selectors.lots_with_inspection_requested().exists()
    assert (
        f"Complaint from a hospital: #{complaint.pk} fit (does not seal or close), lot "
        "KN95-2003-A at HOSP-001, 2,400 units (under investigation)"
    ) in demo.summary_lines(loaded)


def test_the_nurse_has_confirmed_receipts_one_short_and_one_delivery_to_confirm(loaded):
    nurse_deliveries = Distribution.objects.filter(hospital__code__in=supply.NURSE_HOSPITALS)

    confirmed = nurse_deliveries.filter(status=Distribution.Status.CONFIRMED)
    assert confirmed.count() == 2
    short = confirmed.get(Distribution.discrepancy_q())
    assert short.hospital.code == "HOSP-011"
    assert short.discrepancy == -supply.SHORT_BY
    assert short.receipt_remark == supply.SHORT_REMARK
    waiting = nurse_deliveries.get(status=Distribution.Status.DISPATCHED)
    assert waiting.hospital.code == "HOSP-011"
    assert loaded.supply.receipts_confirmed == 2
    assert loaded.supply.receipt_discrepancies == 1


def test_the_ledger_adds_up_after_loading(loaded):
    assert ledger_violations() == []
    call_command("check_ledger", stdout=StringIO())


def test_loading_twice_changes_nothing(loaded):
    before = row_counts()

    summary = demo.load_demo()

    assert summary.already_loaded
    assert row_counts() == before


def test_reset_loads_the_same_story_again(loaded):
    before = row_counts()
    old_inspection = Inspection.objects.order_by("pk").first().pk

    call_command("load_demo", "--reset", stdout=StringIO())

    assert row_counts() == before
    assert not Inspection.objects.filter(pk=old_inspection).exists()
    assert ledger_violations() == []


def test_the_inspections_are_loaded_on_top_of_a_supply_story_loaded_before():
    supply.load_demo()  # a database loaded by the demo before it had inspections
    out = StringIO()

    summary = demo.load_demo(stdout=out)

    assert not summary.already_loaded
    assert summary.inspections == 14
    assert "inspections were missing" in out.getvalue()


def test_reset_changes_nothing_when_rows_outside_the_demo_refer_to_it(loaded):
    # given a non-demo lot dispatched to a demo hospital
    clerk = get_user_model().objects.get(username="clerk")
    outsider_lot = factories.released_lot(quantity=500)
    procurement.distribution_dispatch(
        lot=outsider_lot, hospital=Hospital.objects.get(code="HOSP-005"), quantity=100, actor=clerk
    )
    before = row_counts()

    with pytest.raises(CommandError, match="could not be reset"):
        call_command("load_demo", "--reset", stdout=StringIO())

    assert row_counts() == before


# ---------------------------------------------------------------------------------------------
# The command


def test_the_command_prints_the_story_and_the_logins():
    out = StringIO()

    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)

    text = out.getvalue()
    assert "Lots received: 5" in text
    assert "600,000 units" in text and "25 hospitals" in text
    assert "Lots inspected: 7" in text and "14 rejected" in text
    assert "On hold awaiting a recall: KN95-2003-A, KN95-2003-B, KN95-2003-C" in text
    assert "KN95-2003-D, KN95-2003-E" in text
    assert f"tightened for respirators from {supply.MASK_SUPPLIER['name']}" in text
    assert "already loaded" in text
    for username in supply.DEMO_USERNAMES:
        assert username in text
    assert text.count(supply.DEMO_PASSWORD) >= 2 * len(supply.DEMO_USERS)
    assert "http://127.0.0.1:8000/" in text


def test_without_debug_the_command_refuses_and_changes_nothing(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError) as refused:
        call_command("load_demo", stdout=StringIO())

    assert "DEBUG is off" in str(refused.value) and "--force" in str(refused.value)
    assert not get_user_model().objects.exists()
    assert not Inspection.objects.exists()


def test_without_debug_reset_refuses_and_removes_nothing(loaded, settings):
    settings.DEBUG = False
    before = row_counts()

    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo", "--reset", stdout=StringIO())
    with pytest.raises(demo.DemoRefused, match="published password"):
        demo.load_demo(reset=True)

    assert row_counts() == before


def test_force_loads_without_debug(settings):
    settings.DEBUG = False
    out = StringIO()

    call_command("load_demo", "--force", stdout=out)

    assert "Lots inspected: 7" in out.getvalue()
    assert Inspection.objects.count() == 14


def test_an_account_the_demo_did_not_create_makes_reset_refuse_and_keep_the_inspections(loaded):
    # the "nurse" account is no longer the demo's: it was given a real hospital address (it
    # cannot be deleted and replaced: its receipt confirmations refer to it)
    get_user_model().objects.filter(username="nurse").update(email="nurse@hospital.org")
    before = row_counts()

    with pytest.raises(CommandError, match="are not demo accounts"):
        call_command("load_demo", "--reset", stdout=StringIO())

    assert row_counts() == before


def test_a_failure_in_the_inspections_leaves_nothing_of_the_whole_story(monkeypatch):
    real_record = services.inspection_record
    calls = []

    def record_until_the_lab_burns_down(**kwargs):
        calls.append(kwargs)
        if len(calls) == 6:  # the first second inspection
            raise InvalidInput("the laboratory burnt down")
        return real_record(**kwargs)

    monkeypatch.setattr(services, "inspection_record", record_until_the_lab_burns_down)

    with pytest.raises(CommandError, match="could not be loaded: the laboratory burnt down"):
        call_command("load_demo", stdout=StringIO())

    assert not Inspection.objects.exists() and not SupplierLevel.objects.exists()
    assert not Lot.objects.exists() and not Hospital.objects.exists()
    assert not get_user_model().objects.exists()


def test_a_hospital_the_demo_did_not_create_makes_the_command_refuse():
    factories.HospitalFactory(code="HOSP-001", name="Real Hospital", contact_email="a@b.org")
    before = row_counts()

    for args in ([], ["--reset"]):
        with pytest.raises(CommandError, match=r"HOSP-001 \(Real Hospital\)"):
            call_command("load_demo", *args, stdout=StringIO())

    assert row_counts() == before


def test_an_existing_admin_account_is_listed_without_the_demo_password():
    factories.UserFactory(username="admin", email="root@ministry.example")
    out = StringIO()

    call_command("load_demo", stdout=out)

    admin_line = next(line for line in out.getvalue().splitlines() if line.startswith("admin "))
    assert "(existing account)" in admin_line and supply.DEMO_PASSWORD not in admin_line
