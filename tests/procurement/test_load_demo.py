"""The demo loader, supply side: the spring-2020 respirator story, loaded through the services.

`procurement.demo` is tested directly here; the load_demo command, which lives in `inspections`
and loads the quality side on top (inspections, the recall, the returns to the suppliers), is
tested in tests/inspections/test_demo.py."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import ProtectedError, Sum

from core.errors import InvalidInput
from core.roles import Role
from procurement import demo, services
from procurement.models import (
    CreditClaimEvent,
    Distribution,
    Hospital,
    HospitalMembership,
    IntendedUse,
    Location,
    LocationKind,
    Lot,
    LotEvent,
    LotStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    ReleaseBasis,
    Standard,
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


def masks() -> list[Lot]:
    return list(Lot.objects.filter(lot_number__in=demo.LOT_NUMBERS).order_by("lot_number"))


def row_counts() -> dict[str, int]:
    models = [*apps.get_app_config("procurement").get_models(), get_user_model(), Group]
    return {model._meta.label: model.objects.count() for model in models}


# ---------------------------------------------------------------------------------------------
# The story


def test_the_order_is_1_3_million_respirators_for_medical_use_with_a_mismatch(loaded):
    line = PurchaseOrderLine.objects.get(order__reference=demo.ORDER_REFERENCE)

    assert line.quantity == demo.TOTAL_ORDERED == 1_300_000
    assert line.required_standard.code == "EN 149 FFP2"
    assert line.product.claimed_standard.code == "GB 2626 KN95"
    assert line.intended_use == IntendedUse.MEDICAL
    assert line.intended_use_mismatch is True
    assert line.order.get_status_display() == "Received"
    assert loaded.intended_use_mismatch and loaded.units_ordered == 1_300_000


def test_the_standards_carry_the_codes_the_seed_migration_will_use(loaded):
    standards = {s.code: s for s in Standard.objects.all()}

    assert standards["EN 149 FFP2"].edition == "2001+A1:2009"
    assert standards["EN 149 FFP2"].is_medical
    assert not standards["GB 2626 KN95"].is_medical
    assert "non-medical occupational respirator" in standards["GB 2626 KN95"].title
    assert standards["WHO COVID-19 Ag-RDT"].title == (
        "WHO minimum performance for SARS-CoV-2 antigen rapid tests"
    )
    assert standards["WHO COVID-19 Ag-RDT"].edition == "2020-09-11"


def test_every_lot_arrives_in_quarantine_with_the_mismatch_flagged(loaded):
    receipts = LotEvent.objects.filter(lot__in=masks(), kind=LotEvent.Kind.RECEIVED)

    assert sum(lot.quantity_received for lot in masks()) == demo.TOTAL_ORDERED
    assert receipts.count() == len(demo.LOT_NUMBERS) == loaded.lots_received
    assert all(event.to_status == LotStatus.QUARANTINED for event in receipts)
    assert all(event.data["intended_use_mismatch"] for event in receipts)
    assert all(event.actor.username == "clerk" for event in receipts)


def test_three_lots_are_released_on_documents_and_two_stay_in_quarantine(loaded):
    statuses = {lot.lot_number: lot.status for lot in masks()}
    released = [lot for lot in masks() if lot.status == LotStatus.RELEASED]
    releases = LotEvent.objects.filter(
        kind=LotEvent.Kind.STATUS_CHANGED, to_status=LotStatus.RELEASED, lot__in=released
    )

    assert list(statuses.values()) == [LotStatus.RELEASED] * 3 + [LotStatus.QUARANTINED] * 2
    assert all(lot.release_basis == ReleaseBasis.DOCUMENTS and lot.needs_test for lot in released)
    assert {(e.actor.username, e.reason) for e in releases} == {("officer", demo.RELEASE_REASON)}
    assert loaded.units_released_on_documents == 780_000
    assert loaded.lots_quarantined == 2


def test_600000_units_reach_25_hospitals_recorded_per_hospital_and_lot(loaded):
    distributions = Distribution.objects.filter(lot__in=masks())
    per_hospital = Counter()
    lots_per_hospital = Counter()
    for d in distributions:
        per_hospital[d.hospital.code] += d.quantity
        lots_per_hospital[d.hospital.code] += 1

    assert distributions.aggregate(total=Sum("quantity"))["total"] == demo.DISTRIBUTED == 600_000
    assert len(per_hospital) == demo.HOSPITAL_COUNT == 25
    assert set(per_hospital.values()) == {demo.PER_HOSPITAL}
    assert sorted(code for code, n in lots_per_hospital.items() if n == 2) == [
        "HOSP-011",
        "HOSP-022",
    ]
    assert {d.dispatched_by.username for d in distributions} == {"clerk"}
    assert {d.lot.status for d in distributions} == {LotStatus.RELEASED}
    assert loaded.units_dispatched == 600_000 and loaded.hospitals_supplied == 25


def test_the_warehouse_keeps_what_was_not_dispatched(loaded):
    held = {
        b.lot.lot_number: b.quantity
        for b in StockBalance.objects.filter(lot__in=masks(), location__kind=LocationKind.WAREHOUSE)
    }

    assert held == {
        "KN95-2003-A": 0,
        "KN95-2003-B": 0,
        "KN95-2003-C": 180_000,
        "KN95-2003-D": 260_000,
        "KN95-2003-E": 260_000,
    }
    assert loaded.units_in_warehouse == 700_000


def test_the_rapid_tests_of_a_second_supplier_wait_in_quarantine(loaded):
    lots = Lot.objects.filter(order_line__order__reference=demo.RAPID_ORDER_REFERENCE)
    order = PurchaseOrder.objects.get(reference=demo.RAPID_ORDER_REFERENCE)

    assert order.supplier.name != PurchaseOrder.objects.get(reference="PO-2020-0001").supplier.name
    assert lots.count() == 2 and {lot.status for lot in lots} == {LotStatus.QUARANTINED}
    assert lots.get(lot_number="AGRDT-2003-01").product.claimed_standard.code == (
        "WHO COVID-19 Ag-RDT"
    )
    assert not order.lines.get().intended_use_mismatch
    assert order.get_status_display() == "Partially received"
    assert not Distribution.objects.filter(lot__in=lots).exists()


def test_the_hospitals_are_made_up_with_example_contacts(loaded):
    hospitals = Hospital.objects.filter(code__startswith="HOSP-")
    languages = Counter(h.language for h in hospitals)
    with_webhook = [h for h in hospitals if h.webhook_url]

    assert hospitals.count() == 25
    assert all(h.contact_email.endswith(".example") for h in hospitals)
    assert languages["nl"] > languages["en"] > 0
    assert 1 <= len(with_webhook) <= 2
    assert all(h.webhook_url.startswith("http://127.0.0.1") for h in with_webhook)
    assert all(h.webhook_secret for h in with_webhook)


# ---------------------------------------------------------------------------------------------
# Users


def test_each_demo_user_has_its_role_and_can_log_in(loaded, client):
    expected = {
        "officer": Role.MINISTRY_OFFICER,
        "inspector": Role.INSPECTOR,
        "clerk": Role.WAREHOUSE_CLERK,
        "nurse": Role.HOSPITAL_STAFF,
    }
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=demo.DEMO_USERNAMES)
    }

    for username, role in expected.items():
        assert list(users[username].groups.values_list("name", flat=True)) == [role.value]
        assert users[username].is_staff is (role != Role.HOSPITAL_STAFF)
    assert users["admin"].is_superuser and users["admin"].is_staff
    for username in demo.DEMO_USERNAMES:
        assert client.login(username=username, password=demo.DEMO_PASSWORD), username
        client.logout()


def test_the_nurse_belongs_to_two_hospitals_that_received_masks(loaded):
    nurse = get_user_model().objects.get(username="nurse")
    hospitals = nurse.hospitals.all()

    assert sorted(h.code for h in hospitals) == ["HOSP-001", "HOSP-011"]
    assert all(h.distributions.exists() for h in hospitals)


# ---------------------------------------------------------------------------------------------
# Ledger, idempotency, reset


def test_the_ledger_adds_up_after_loading(loaded):
    assert ledger_violations() == []
    call_command("check_ledger", stdout=StringIO())


def test_loading_twice_changes_nothing():
    demo.load_demo()
    before = row_counts()
    passwords = dict(get_user_model().objects.values_list("username", "password"))

    summary = demo.load_demo()

    assert summary.already_loaded
    assert row_counts() == before
    assert dict(get_user_model().objects.values_list("username", "password")) == passwords


def test_reset_loads_the_same_story_again():
    demo.load_demo()
    before = row_counts()
    old_order = PurchaseOrder.objects.get(reference=demo.ORDER_REFERENCE).pk
    warehouse = Location.objects.get(kind=LocationKind.WAREHOUSE).pk

    demo.load_demo(reset=True)

    assert row_counts() == before
    assert PurchaseOrder.objects.get(reference=demo.ORDER_REFERENCE).pk != old_order
    assert Location.objects.get(kind=LocationKind.WAREHOUSE).pk == warehouse
    assert ledger_violations() == []


def test_reset_removes_the_returns_to_the_supplier_and_their_credit_claims():
    # given the supply story with a rejected lot sent back to its supplier (as the quality side's
    # demo does with lots D and E)
    demo.load_demo()
    before = row_counts()
    officer = get_user_model().objects.get(username="officer")
    lot = Lot.objects.get(lot_number="KN95-2003-D")
    services.lot_reject(lot=lot, actor=officer, reason="Failed two tests.")
    services.supplier_return_create(
        lot=lot, actor=officer, authorisation_reference="RA-BRIGHTMED-2020-0412", reason="Rejected."
    )
    assert SupplierReturn.objects.count() == CreditClaimEvent.objects.count() == 1

    demo.load_demo(reset=True)

    assert row_counts() == before
    assert not SupplierReturn.objects.exists() and not CreditClaimEvent.objects.exists()
    assert Lot.objects.get(lot_number="KN95-2003-D").status == LotStatus.QUARANTINED
    assert ledger_violations() == []


def test_reset_leaves_rows_outside_the_demo_alone():
    # given a lot and a user that are not the demo's, and an existing account called "admin"
    outsider_lot = factories.released_lot(quantity=500, actor=factories.officer("someone"))
    factories.UserFactory(username="admin", email="root@ministry.example")
    demo.load_demo()

    # when
    demo.load_demo(reset=True)

    # then
    assert Lot.objects.filter(pk=outsider_lot.pk).exists()
    assert get_user_model().objects.filter(username="someone").exists()
    assert get_user_model().objects.get(username="admin").email == "root@ministry.example"
    assert Standard.objects.filter(code="EN 149 FFP2").count() == 1
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
    assert ledger_violations() == []


def test_reset_changes_nothing_when_rows_outside_the_demo_refer_to_it():
    # given a non-demo lot dispatched to a demo hospital
    demo.load_demo()
    clerk = get_user_model().objects.get(username="clerk")
    outsider_lot = factories.released_lot(quantity=500)
    services.distribution_dispatch(
        lot=outsider_lot, hospital=Hospital.objects.get(code="HOSP-005"), quantity=100, actor=clerk
    )
    before = row_counts()

    with pytest.raises(ProtectedError):
        demo.load_demo(reset=True)

    assert row_counts() == before


def test_a_failed_load_leaves_nothing_behind(monkeypatch):
    real_dispatch = services.distribution_dispatch
    calls = []

    def dispatch_until_the_lorry_breaks(**kwargs):
        calls.append(kwargs)
        if len(calls) == 10:
            raise InvalidInput("the lorry broke down")
        return real_dispatch(**kwargs)

    monkeypatch.setattr(services, "distribution_dispatch", dispatch_until_the_lorry_breaks)

    with pytest.raises(InvalidInput, match="the lorry broke down"):
        demo.load_demo()

    assert not PurchaseOrder.objects.exists()
    assert not Hospital.objects.exists()
    assert not get_user_model().objects.exists()


# ---------------------------------------------------------------------------------------------
# Refusals: the demo publishes its password, so it never writes into a database that may be real


def test_without_debug_the_demo_refuses_and_says_why(settings):
    settings.DEBUG = False
    before = row_counts()

    with pytest.raises(demo.DemoRefused) as refused:
        demo.load_demo()

    message = refused.value.message
    assert "DEBUG is off" in message
    assert f"published password {demo.DEMO_PASSWORD}" in message
    assert "only on a demo or development database" in message
    assert "--force" in message
    assert row_counts() == before
    assert not get_user_model().objects.exists()


def test_without_debug_reset_refuses_too_and_removes_nothing(settings):
    demo.load_demo()
    settings.DEBUG = False
    before = row_counts()

    with pytest.raises(demo.DemoRefused, match="published password"):
        demo.load_demo(reset=True)

    assert row_counts() == before


def test_force_loads_without_debug(settings):
    settings.DEBUG = False

    summary = demo.load_demo(force=True)

    assert summary.lots_received == 5 and not summary.already_loaded
    assert get_user_model().objects.get(username="admin").is_superuser
    assert demo.load_demo(force=True).already_loaded


@pytest.mark.parametrize(
    "contact_email",
    [
        "pharmacy@real-hospital.org",
        # .example alone is not the marker: the demo's own address for HOSP-001 is
        "pharmacy@hosp-001.example",
    ],
)
def test_a_hospital_with_a_demo_code_not_made_by_the_demo_makes_it_refuse(contact_email):
    real = factories.HospitalFactory(
        code="HOSP-001", name="Real Hospital", contact_email=contact_email
    )
    before = row_counts()

    for reset in (False, True):
        with pytest.raises(demo.DemoRefused) as refused:
            demo.load_demo(reset=reset)

        message = refused.value.message
        assert "HOSP-001 (Real Hospital)" in message
        assert "did not create" in message
        assert "Nothing was changed" in message
        assert row_counts() == before
    assert Hospital.objects.get(pk=real.pk).name == "Real Hospital"
    assert not HospitalMembership.objects.exists()


def test_a_demo_hospital_renamed_in_the_panel_is_still_the_demos():
    demo.load_demo()
    Hospital.objects.filter(code="HOSP-001").update(name="Renamed by an officer")

    demo.load_demo(reset=True)

    assert Hospital.objects.get(code="HOSP-001").name == demo.HOSPITALS[0].name


@pytest.mark.parametrize("username", demo.DEMO_ROLE_USERNAMES)
def test_an_existing_account_with_a_demo_role_name_makes_it_refuse(username):
    # given a real account that happens to be called like a demo user that gets a role
    account = factories.UserFactory(username=username, email=f"{username}@hospital.org")
    before = row_counts()

    with pytest.raises(demo.DemoRefused) as refused:
        demo.load_demo()

    assert f"The account(s) {username} are not demo accounts" in refused.value.message
    assert row_counts() == before
    assert not account.groups.exists()
    assert not HospitalMembership.objects.exists()


def test_an_existing_admin_account_gets_nothing_and_keeps_its_password(client):
    # "admin" gets no role: the demo only ever creates it, never promotes an existing one
    account = factories.UserFactory(username="admin", email="root@ministry.example")

    report = demo.render_report(demo.load_demo())

    account.refresh_from_db()
    assert not account.is_superuser and not account.is_staff
    assert not account.groups.exists()
    assert client.login(username="admin", password="correct horse battery")
    assert not client.login(username="admin", password=demo.DEMO_PASSWORD)
    assert "(existing account)" in report


# ---------------------------------------------------------------------------------------------
# Output and plan


def test_the_report_gives_the_summary_and_the_logins():
    out = StringIO()

    for _ in range(2):
        out.write(demo.render_report(demo.load_demo(stdout=out)))

    text = out.getvalue()
    assert "Lots received: 5" in text
    assert "780,000 units" in text and "600,000 units" in text and "25 hospitals" in text
    assert "already loaded" in text
    for username in ("officer", "inspector", "clerk", "nurse", "admin"):
        assert username in text
    assert text.count(demo.DEMO_PASSWORD) >= 2 * len(demo.DEMO_USERS)
    assert "http://127.0.0.1:8000/" in text


def test_the_distribution_plan_spills_a_hospital_over_to_the_next_lot():
    plan = list(demo.distribution_plan([("A", 50), ("B", 50)], ["H1", "H2", "H3"], 30))

    assert plan == [("A", "H1", 30), ("A", "H2", 20), ("B", "H2", 10), ("B", "H3", 30)]
