"""The demo's quality side and the load_demo command: every demo lot fails two inspections, the
masks at hospitals are recalled (two hospitals answer, 23 are overdue and reminded), the rest is
rejected and returned to its supplier with a credit claim, the suppliers go to tightened."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from core.errors import InvalidInput
from core.models import OutboundEmail
from inspections import demo, selectors, services
from inspections.models import (
    Certificate,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintStatus,
    DeliveryStatus,
    HospitalReturn,
    Inspection,
    InspectionEvent,
    InspectionStage,
    LevelState,
    Notice,
    NoticeDelivery,
    Outcome,
    Recall,
    RecallClass,
    RecallStatus,
    ReturnStatus,
    Severity,
    SupplierLevel,
    SupplierLevelEvent,
    Verdict,
    VerificationStatus,
)
from inspections.services import notices as notice_services
from procurement import demo as supply
from procurement import services as procurement
from procurement.models import (
    CreditClaimStatus,
    Distribution,
    Hospital,
    LocationKind,
    Lot,
    LotStatus,
    ProductCategory,
    StockBalance,
    SupplierReturn,
)
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


def test_the_lots_at_hospitals_are_recalled_after_the_second_inspection_asked_for_it(loaded):
    for lot in lots(AT_HOSPITALS):
        assert lot.status == LotStatus.RECALLED
        assert inspection(lot, InspectionStage.SECOND).outcome == Outcome.RECALL_REQUIRED
        assert lot.distributions.exists()
        assert not lot.needs_test
    assert loaded.awaiting_recall == ()
    assert loaded.recalled == AT_HOSPITALS
    # 600,000 dispatched, less HOSP-001's and HOSP-011's masks (returned, shipped back, used)
    assert loaded.units_at_hospitals == supply.DISTRIBUTED - 2 * supply.PER_HOSPITAL == 552_000


def test_the_lots_still_in_the_warehouse_are_rejected_and_back_at_their_supplier(loaded):
    for lot in lots(IN_WAREHOUSE):
        assert lot.status == LotStatus.DISPOSED
        assert lot.events.filter(to_status=LotStatus.REJECTED).exists()
        assert inspection(lot, InspectionStage.SECOND).outcome == Outcome.REJECTED
        assert not lot.distributions.exists()
        assert not StockBalance.objects.filter(lot=lot, quantity__gt=0).exclude(
            location__kind=LocationKind.SUPPLIER
        )
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
        assert lot.status == LotStatus.DISPOSED  # rejected, then returned to the supplier
        assert lot.events.filter(to_status=LotStatus.REJECTED).exists()
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
# The recall and the returns to the suppliers


def the_recall() -> Recall:
    return Recall.objects.get(reference=demo.RECALL_REFERENCE)


def test_the_officer_prepares_the_recall_from_the_inspection_that_asked_for_it(loaded):
    recall = the_recall()
    lot_a = Lot.objects.get(lot_number="KN95-2003-A")

    assert sorted(recall.lots.values_list("lot_number", flat=True)) == list(AT_HOSPITALS)
    assert recall.source_inspection == inspection(lot_a, InspectionStage.SECOND)
    assert recall.recall_class == RecallClass.I
    assert (recall.depth, recall.action, recall.effectiveness_level) == ("ward", "return", "A")
    assert recall.coordinator.username == recall.created_by.username == "officer"
    assert "faulty filter membrane" in recall.reason and "do not fit" in recall.reason
    assert f"#{recall.source_inspection.pk} of lot KN95-2003-A" in recall.reason
    assert "most critical" in recall.hazard and "already used" in recall.hazard
    assert recall.status == RecallStatus.ISSUED
    assert list(recall.events.values_list("to_status", "actor__username")) == [
        (RecallStatus.DRAFT, "officer"),
        (RecallStatus.ISSUED, "officer"),
    ]


def test_the_demo_turns_the_clock_back_so_the_deadline_has_passed(loaded):
    recall = the_recall()

    assert recall.response_deadline == timezone.localdate() - dt.timedelta(days=3)
    issued_ago = timezone.now() - recall.issued_at
    assert dt.timedelta(days=10) <= issued_ago < dt.timedelta(days=10, minutes=5)


def test_every_hospital_that_received_masks_gets_a_notice_two_answer_23_are_reminded(loaded):
    recall = the_recall()
    notices = recall.notices.select_related("hospital")
    answered = notices.filter(reply__acknowledged=True)
    silent = notices.exclude(pk__in=answered)
    figures = selectors.recall_effectiveness(recall)

    assert notices.count() == 25
    assert sorted(n.hospital.code for n in answered) == ["HOSP-001", "HOSP-011"]
    assert {n.reply.answered_by.username for n in answered} == {"nurse"}
    assert (figures.hospitals_notified, figures.hospitals_answered) == (25, 2)
    assert figures.hospitals_overdue == 23
    assert {n.reminders_sent for n in silent} == {1}
    assert {n.reminders_sent for n in answered} == {0}
    assert not notices.filter(coordinator_alerted_at__isnull=False).exists()
    reminders = [notice_services.reminder_email_key(n.pk, 1) for n in silent]
    assert OutboundEmail.objects.filter(key__in=reminders).count() == 23
    # every notice by e-mail, and by webhook at the hospitals that have one
    deliveries = NoticeDelivery.objects.filter(notice__recall=recall)
    assert deliveries.filter(channel="email").count() == 25
    webhooks = Hospital.objects.exclude(webhook_url="").count()
    assert deliveries.filter(channel="webhook").count() == webhooks > 0


def test_hospital_001_returned_everything_and_the_clerk_received_it(loaded):
    notice = Notice.objects.get(recall=the_recall(), hospital__code="HOSP-001")
    (hospital_return,) = HospitalReturn.objects.filter(notice=notice)
    lot_a = hospital_return.lot
    lines = [(line.quantity_on_hand, line.quantity_used) for line in notice.reply.lines.all()]

    assert lot_a.lot_number == "KN95-2003-A"
    assert lines == [(24_000, 0)]
    assert hospital_return.status == ReturnStatus.RECEIVED
    assert hospital_return.quantity_shipped == hospital_return.quantity_received == 24_000
    assert hospital_return.shipped_by.username == "nurse"
    assert hospital_return.received_by.username == "clerk"
    at_hospital = StockBalance.objects.get(lot=lot_a, location__hospital=notice.hospital)
    assert at_hospital.quantity == 0
    warehouse = StockBalance.objects.get(lot=lot_a, location__kind=LocationKind.WAREHOUSE)
    assert warehouse.quantity == 24_000


def test_hospital_011_used_some_and_its_return_of_the_rest_is_in_transit(loaded):
    notice = Notice.objects.get(recall=the_recall(), hospital__code="HOSP-011")
    lines = {
        line.lot.lot_number: (line.quantity_on_hand, line.quantity_used)
        for line in notice.reply.lines.select_related("lot")
    }
    returns = HospitalReturn.objects.filter(notice=notice)
    figures = selectors.recall_effectiveness(the_recall())
    row = next(h for h in figures.hospitals if h.code == "HOSP-011")

    assert notice.received == {"KN95-2003-A": 20_000, "KN95-2003-B": 4_000}
    assert lines == {"KN95-2003-A": (18_200, 1_800), "KN95-2003-B": (4_000, 0)}
    assert {r.status for r in returns} == {ReturnStatus.SHIPPED}
    assert sorted(r.quantity_shipped for r in returns) == [4_000, 18_200]
    assert (row.units.in_transit, row.units.used, row.units.held) == (22_200, 1_800, 0)
    assert row.units.unaccounted == 0 and row.answered and not row.overdue


def test_recall_report_gives_the_same_numbers_as_the_effectiveness_figures(loaded):
    out = StringIO()

    call_command("recall_report", demo.RECALL_REFERENCE, "--json", stdout=out)

    figures = selectors.recall_effectiveness(the_recall())
    assert json.loads(out.getvalue()) == json.loads(json.dumps(figures.as_dict()))
    assert loaded.effectiveness == figures  # what the load's summary printed
    units = figures.units
    assert (units.delivered, units.returned, units.in_transit, units.used) == (
        600_000,
        24_000,
        22_200,
        1_800,
    )
    assert units.unaccounted == units.held == 552_000  # the 23 silent hospitals' masks


def test_the_summary_prints_the_figures_recall_report_prints(loaded):
    text = "\n".join(demo.summary_lines(loaded))
    report = StringIO()
    call_command("recall_report", demo.RECALL_REFERENCE, stdout=report)
    pairs = {
        " ".join(line.split()[:-1]): line.split()[-1]
        for line in report.getvalue().split("\n\n")[1].splitlines()
    }

    assert "hospitals: 25 notified, 0 reached, 2 answered, 23 overdue (23 reminders sent)" in text
    assert (
        "units: 600,000 delivered, 24,000 returned, 22,200 in transit, 1,800 used, 0 destroyed, "
        "552,000 unaccounted"
    ) in text
    assert pairs["Hospitals notified"] == "25"
    assert (pairs["Answered"], pairs["Overdue"]) == ("2", "23")


def test_the_notices_and_reminders_leave_after_the_commit_and_webhooks_wait_for_a_retry(
    django_capture_on_commit_callbacks, monkeypatch
):
    def refused(*args, **kwargs):
        raise urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))

    monkeypatch.setattr(notice_services.urllib.request, "urlopen", refused)

    with django_capture_on_commit_callbacks(execute=True):
        demo.load_demo()
    summary = demo.demo_summary(supply.demo_summary(), already_loaded=False)  # after the commit

    deliveries = NoticeDelivery.objects.filter(notice__recall=the_recall())
    webhooks = deliveries.filter(channel="webhook")
    assert deliveries.filter(channel="email", status=DeliveryStatus.DELIVERED).count() == 25
    assert webhooks.exists()
    assert {(d.status, d.attempt_count) for d in webhooks} == {(DeliveryStatus.PENDING, 1)}
    to_hospitals = [m for m in mail.outbox if any(to.endswith(".example") for to in m.to)]
    assert len(to_hospitals) >= 25 + 23  # the notices and the first reminders
    assert summary.effectiveness.hospitals_delivered == 25
    lines = demo.summary_lines(summary)
    assert "  e-mail notices: 25 of 25 delivered" in [line.split(" (")[0] for line in lines]
    assert any("webhook notices: 0 of" in line and "waiting for a retry" in line for line in lines)


def test_the_rejected_lots_go_back_to_their_suppliers_with_credit_claims(loaded):
    returns = {r.lot.lot_number: r for r in SupplierReturn.objects.select_related("lot")}

    assert sorted(returns) == sorted([*IN_WAREHOUSE, *supply.RAPID_LOT_NUMBERS])
    for number in IN_WAREHOUSE:
        assert returns[number].authorisation_reference == "RA-BRIGHTMED-2020-0412"
        assert returns[number].quantity == supply.LOT_SIZE
        assert returns[number].credit_amount == Decimal("637000.00")
    for number in supply.RAPID_LOT_NUMBERS:
        assert returns[number].authorisation_reference == "RA-LUMENTEST-2020-0415"
        assert returns[number].quantity == supply.RAPID_LOT_SIZE
        assert returns[number].credit_amount == Decimal("144000.00")
    for supplier_return in returns.values():
        assert supplier_return.claim_status == CreditClaimStatus.CLAIMED
        assert supplier_return.currency == "EUR"
        assert supplier_return.created_by.username == "officer"
        assert list(supplier_return.claim_events.values_list("from_status", "to_status")) == [
            ("", CreditClaimStatus.CLAIMED)
        ]
    assert len(loaded.supplier_returns) == 4
    # lot C keeps its 180,000 in the warehouse: it cannot go back while hospitals hold units
    assert not SupplierReturn.objects.filter(lot__lot_number="KN95-2003-C").exists()


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
    old_recall = the_recall().pk

    call_command("load_demo", "--reset", stdout=StringIO())

    assert row_counts() == before
    assert not Inspection.objects.filter(pk=old_inspection).exists()
    assert the_recall().pk != old_recall
    assert selectors.recall_effectiveness(the_recall()).hospitals_overdue == 23
    assert ledger_violations() == []


def test_the_inspections_are_loaded_on_top_of_a_supply_story_loaded_before():
    supply.load_demo()  # a database loaded by the demo before it had inspections
    out = StringIO()

    summary = demo.load_demo(stdout=out)

    assert not summary.already_loaded
    assert summary.inspections == 14
    assert "inspections were missing" in out.getvalue()


def test_the_recall_is_loaded_on_top_of_an_earlier_demo_without_it(monkeypatch):
    monkeypatch.setattr(demo, "_load_recall_and_returns", lambda: None)
    demo.load_demo()  # a database loaded by the demo before it had the recall
    assert not Recall.objects.exists()
    monkeypatch.undo()
    out = StringIO()

    summary = demo.load_demo(stdout=out)

    assert "recall was missing" in out.getvalue()
    assert not summary.already_loaded
    assert summary.effectiveness.hospitals_overdue == 23
    assert SupplierReturn.objects.count() == 4
    assert ledger_violations() == []


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
    assert "Recalled: KN95-2003-A, KN95-2003-B, KN95-2003-C (552,000 units" in text
    assert "KN95-2003-D, KN95-2003-E" in text
    assert "25 notified, 0 reached, 2 answered, 23 overdue (23 reminders sent)" in text
    assert "600,000 delivered, 24,000 returned, 22,200 in transit, 1,800 used" in text
    assert "under RA-BRIGHTMED-2020-0412: credit claim EUR 637,000.00 (claimed)" in text
    assert "recall_report RC-2020-001" in text
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
