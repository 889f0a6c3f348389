"""The ministry dashboard on the admin index: open recalls with their effectiveness and recovery,
overdue notices, lots by status and waiting for inspection, complaints waiting, suppliers under
watch, and the charts. Officers and superusers see it; other staff get the plain index; people
who are not staff are sent to sign in. It costs the same number of queries whatever the data."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from inspections import demo, selectors, services
from inspections.models import (
    ComplaintCategory,
    HospitalReturn,
    LevelState,
    NoticeReply,
    NoticeReplyVersion,
    Recall,
    RecallStatus,
    SupplierLevel,
)
from inspections.selectors import dashboard
from procurement import demo as supply
from procurement import services as procurement
from procurement.models import Distribution, Lot, LotStatus, MovementKind, StockMovement
from procurement.selectors import lot_status_counts
from tests import factories
from tests.inspections.conftest import record
from tests.inspections.recall_notices import answer, issue_recall
from tests.inspections.recall_scenario import recall_in_every_state

pytestmark = pytest.mark.django_db

INDEX = "/admin/"


def _results(lot, *, failures: int) -> dict[str, list[str]]:
    """Measurements sized to the lot's plan; `failures` units under the filtration limit."""
    plan = selectors.lot_plan(lot)
    critical = plan.units_for("critical")
    return {
        "filtration": ["91"] * failures + ["97.5"] * (critical - failures),
        "leakage": ["4"] * plan.units_for("major"),
        "resistance": ["1.1"] * plan.units_for("minor"),
    }


def _days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


@dataclass
class Activity:
    recalls: list[Recall]
    suppliers: list


def build_activity(scale: int, *, make_lot, officer, inspector, clerk) -> Activity:
    """`scale` of everything the dashboard shows: per step a supplier with two lots rejected at
    first inspection (tightened), one waiting in quarantine and one accepted and dispatched to
    `scale + 1` hospitals in an earlier week; an open and an investigated complaint about it;
    and its recall, issued three days ago and overdue, answered by one hospital (through the
    service, so with a version) that ships its units back and the warehouse receives them."""
    nurse = factories.UserFactory(username="nurse", role=Role.HOSPITAL_STAFF)
    recalls, suppliers = [], []
    for step in range(scale):
        supplier = factories.SupplierFactory()
        suppliers.append(supplier)
        for _ in range(2):
            lot = make_lot(supplier=supplier)
            record(lot, inspector, measurements=_results(lot, failures=2))
        make_lot(supplier=supplier)  # waits in quarantine
        lot = make_lot(supplier=supplier)
        record(lot, inspector, measurements=_results(lot, failures=0))
        lot.refresh_from_db()  # released by the inspection
        hospitals = [factories.HospitalFactory() for _ in range(scale + 1)]
        for hospital in hospitals:
            factories.HospitalMembershipFactory(hospital=hospital, user=nurse)
            procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=50, actor=clerk)
        StockMovement.objects.filter(lot=lot, kind=MovementKind.DISPATCH).update(
            at=_days_ago(7 * step + 4)
        )
        deliveries = list(Distribution.objects.filter(lot=lot).order_by("pk"))
        for delivery, escalate in zip(deliveries, (False, True), strict=False):
            complaint = services.complaint_report(
                distribution=delivery,
                category=ComplaintCategory.FIT,
                description="The masks do not close.",
                quantity_affected=5,
                actor=nurse,
            )
            if escalate:
                services.complaint_escalate(
                    complaint=complaint,
                    actor=officer,
                    reason="Inspect it.",
                    hold_lot=False,
                    request_inspection=True,
                )
        recalls.append(_recall(lot, hospitals[0], officer, nurse, clerk))
    return Activity(recalls=recalls, suppliers=suppliers)


def _recall(lot, answering, officer, nurse, clerk) -> Recall:
    draft = services.recall_create(
        reference=f"RC-2020-{Recall.objects.count() + 100:03d}",
        lots=[lot],
        reason="Filter membrane fails.",
        hazard="Staff are not protected.",
        recall_class="I",
        response_deadline=timezone.localdate() + dt.timedelta(days=7),
        coordinator=officer,
        actor=officer,
    )
    recall = services.recall_issue(recall=draft, actor=officer)
    Recall.objects.filter(pk=recall.pk).update(
        issued_at=_days_ago(3), response_deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    recall.refresh_from_db()
    notice = recall.notices.select_related("hospital", "recall").get(hospital=answering)
    answer(notice, nurse, {lot: (50, 0, 0)})
    services.hospital_return_ship(notice=notice, lot=lot, quantity=50, actor=nurse)
    services.hospital_return_receive(
        hospital_return=HospitalReturn.objects.get(notice=notice),
        quantity_received=50,
        actor=clerk,
    )
    return recall


@pytest.fixture
def activity(make_lot, officer, inspector, clerk):
    return build_activity(1, make_lot=make_lot, officer=officer, inspector=inspector, clerk=clerk)


def _page(client, user):
    client.force_login(user)
    return client.get(INDEX)


def _dashboard_html(response) -> str:
    """The dashboard's own markup (the app list below it left out)."""
    html = response.content.decode()
    start = html.index('<div class="dash" id="dashboard">')
    return html[start : html.index('<div id="content-main">')]


# ---------------------------------------------------------------------------------------------
# Who sees it


def test_the_admin_index_is_the_dashboard_for_a_ministry_officer(client, officer, activity):
    response = _page(client, officer)

    assert response.status_code == 200
    data = response.context["dashboard"]
    assert [recall.reference for recall in data.recalls] == ["RC-2020-100"]
    html = response.content.decode()
    assert "Open recalls" in html and "RC-2020-100" in html
    assert "/static/inspections/dashboard.css" in html
    assert 'class="ministry-dashboard' in html or " ministry-dashboard" in html
    # The app list is still there, below the dashboard.
    assert 'id="content-main"' in html
    assert html.index('id="dashboard"') < html.index('id="content-main"')
    assert reverse("admin:procurement_lot_changelist") in html[html.index('id="content-main"') :]


def test_a_superuser_sees_the_dashboard_too(client, activity):
    boss = factories.UserFactory(username="root", is_staff=True, is_superuser=True)

    response = _page(client, boss)

    assert response.status_code == 200
    assert response.context["dashboard"].recalls


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.WAREHOUSE_CLERK])
def test_other_staff_get_the_plain_index_without_the_figures(client, activity, role):
    user = factories.UserFactory(username="staff", role=role)

    response = _page(client, user)

    assert response.status_code == 200
    assert "dashboard" not in response.context
    html = response.content.decode()
    assert 'id="dashboard"' not in html and "Open recalls" not in html
    assert "RC-2020-100" not in html
    assert "inspections/dashboard.css" not in html
    assert 'id="content-main"' in html


def test_staff_without_a_role_get_the_plain_index(client, activity):
    user = factories.UserFactory(username="helpdesk", is_staff=True)

    response = _page(client, user)

    assert response.status_code == 200
    assert "dashboard" not in response.context


def test_hospital_staff_are_refused_and_sent_to_sign_in(client, activity, hospital_user):
    response = _page(client, hospital_user)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "RC-2020-100" not in response.content.decode()


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, activity):
    response = client.get(INDEX)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={INDEX}"


# ---------------------------------------------------------------------------------------------
# The panels


def test_an_open_recall_shows_its_effectiveness_as_progress_bars(client, officer, activity):
    (recall,) = activity.recalls
    figures = selectors.recall_effectiveness(recall)

    response = _page(client, officer)

    (shown,) = response.context["dashboard"].recalls
    assert shown.figures == figures
    assert (shown.answered, shown.notified, shown.answered_percent) == (1, 2, 50)
    assert (shown.accounted, shown.delivered, shown.accounted_percent) == (50, 100, 50)
    html = _dashboard_html(response)
    assert '<progress aria-labelledby="dash-answered-' in html
    assert 'max="2" value="1"' in html and "1 of 2 (50 %)" in html
    assert 'max="100" value="50"' in html and "50 of 100 (50 %)" in html
    assert "1 overdue" in html and "50 unaccounted" in html
    assert reverse("admin:inspections_recall_change", args=[recall.pk]) in html


def test_units_accounted_leave_out_only_the_unaccounted_on_every_kind_of_hospital(officer, clerk):
    scenario = recall_in_every_state(officer, clerk)
    units = selectors.recall_effectiveness(scenario.recall).units

    # returned 50 + 150 + 75, in transit 60, used 10, destroyed 10, held and reported 80 + 20
    # + 70; not: 100 (silent), 40 (not reached), 50 (held beyond its answer), 5 (lost).
    assert dashboard.units_accounted(units) == 525
    assert dashboard.units_accounted(units) == units.delivered - units.unaccounted


def test_overdue_notices_list_the_hospitals_that_have_not_answered(client, officer, activity):
    (recall,) = activity.recalls
    silent = recall.notices.exclude(reply__isnull=False).select_related("hospital").get()

    response = _page(client, officer)

    (row,) = response.context["dashboard"].overdue
    assert (row.recall_reference, row.hospital_code, row.days_overdue) == (
        recall.reference,
        silent.hospital.code,
        1,
    )
    assert not row.not_reached


def test_lots_by_status_count_what_the_lot_selector_counts_and_link_to_the_lots(
    client, officer, activity
):
    response = _page(client, officer)

    counts = lot_status_counts()
    shown = {row.status: (row.lots, row.units) for row in response.context["dashboard"].lots}
    assert shown == {status: (c["lots"], c["units"]) for status, c in counts.items()}
    assert shown[LotStatus.ON_HOLD] == (2, 2_000)
    assert shown[LotStatus.RECALLED] == (1, 1_000)
    html = _dashboard_html(response)
    changelist = reverse("admin:procurement_lot_changelist")
    assert f'href="{changelist}?status__exact=on_hold"' in html


def test_the_lots_waiting_for_inspection_show_their_age_longest_first(
    client, officer, make_lot, activity
):
    late = make_lot()
    Lot.objects.filter(pk=late.pk).update(received_at=_days_ago(20))

    response = _page(client, officer)

    backlog = response.context["dashboard"].backlog
    assert (backlog.total, backlog.quarantined, backlog.in_use_untested) == (2, 2, 0)
    assert backlog.waiting_longer == {7: 1, 14: 1}
    oldest = backlog.oldest[0]
    assert (oldest.lot, oldest.days_waiting) == (late, 20)
    assert backlog.awaiting_second == 2  # the two lots that failed their first inspection
    assert backlog.requested_after_complaint == 1
    html = _dashboard_html(response)
    assert "1 waiting more than 7 days" in html and "1 waiting more than 14 days" in html


def test_complaints_waiting_for_review_are_the_open_ones_oldest_first(client, officer, activity):
    response = _page(client, officer)

    queue = response.context["dashboard"].complaints
    assert (queue.waiting, queue.investigating) == (1, 1)
    ((complaint, days),) = queue.oldest
    assert complaint.status == "open" and days == 0
    html = _dashboard_html(response)
    assert reverse("admin:inspections_complaint_change", args=[complaint.pk]) in html


def test_suppliers_on_tightened_inspection_are_listed_with_the_day_it_began(
    client, officer, activity
):
    (supplier,) = activity.suppliers
    level = SupplierLevel.objects.get(supplier=supplier)

    response = _page(client, officer)

    watched = response.context["dashboard"].suppliers
    assert (watched.discontinued, watched.tightened) == (0, 1)
    (shown,) = watched.levels
    assert shown == level and shown.state == LevelState.TIGHTENED
    assert shown.since == level.events.get(to_state=LevelState.TIGHTENED).at
    assert supplier.name in _dashboard_html(response)


def test_units_dispatched_are_summed_per_week_for_the_last_twelve_weeks(officer, clerk):
    lot = factories.released_lot(quantity=1_000, actor=officer)
    hospital = factories.HospitalFactory()
    for quantity, days in [(100, 0), (30, 0), (200, 14), (555, 7 * 13)]:
        procurement.distribution_dispatch(
            lot=lot, hospital=hospital, quantity=quantity, actor=clerk
        )
        StockMovement.objects.filter(lot=lot, kind=MovementKind.DISPATCH, quantity=quantity).update(
            at=_days_ago(days)
        )

    weeks = dashboard.units_dispatched_per_week()

    assert len(weeks) == 12 and all(week.week.weekday() == 0 for week in weeks)
    today = timezone.localdate()
    assert weeks[-1].week == today - dt.timedelta(days=today.weekday())
    assert weeks[-1].units == 130
    assert weeks[-3].units == 200  # two weeks ago
    assert sum(week.units for week in weeks) == 330  # thirteen weeks ago is left out


def test_the_rejection_rate_per_supplier_counts_first_inspections_highest_first(
    make_lot, inspector
):
    careless, careful = (
        factories.SupplierFactory(name="Careless"),
        factories.SupplierFactory(name="Careful"),
    )
    for supplier, failures in [(careless, 2), (careless, 0), (careful, 0), (careful, 0)]:
        lot = make_lot(supplier=supplier)
        record(lot, inspector, measurements=_results(lot, failures=failures))
    on_hold = careless.orders.get(lines__lots__status=LotStatus.ON_HOLD).lines.get().lots.get()
    # A second inspection confirms the first; it does not count again.
    record(on_hold, inspector, "second", measurements=_results(on_hold, failures=2))

    rates = dashboard.rejection_rate_per_supplier()

    assert [(r.name, r.inspected, r.rejected, r.percent) for r in rates] == [
        ("Careless", 2, 1, 50),
        ("Careful", 2, 0, 0),
    ]


def test_every_link_of_the_dashboard_opens(client, officer, activity):
    response = _page(client, officer)

    links = set(re.findall(r'href="([^"#]+)"', _dashboard_html(response)))
    assert len(links) > 15
    for link in sorted(links):
        opened = client.get(link.replace("&amp;", "&"))
        # 200, not the admin's 400 for a lookup it does not allow or its ?e=1 redirect
        assert opened.status_code == 200, link


def test_the_charts_are_inline_svg_with_their_figures_in_tables(client, officer, activity):
    response = _page(client, officer)

    html = _dashboard_html(response)
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 3
    assert 'aria-labelledby="chart-dispatched-title chart-dispatched-desc"' in html
    assert "Rejection rate per supplier" in html and "Units dispatched per week" in html
    assert html.count("<details") == 3
    assert "<script" not in html and "cdn" not in html.lower()


# ---------------------------------------------------------------------------------------------
# Recovery over time


def test_recovery_follows_answers_returns_and_their_arrival_day_by_day(officer, clerk):
    first, second = factories.HospitalFactory(), factories.HospitalFactory()
    nurse = factories.UserFactory(username="nurse", role=Role.HOSPITAL_STAFF)
    for hospital in (first, second):
        factories.HospitalMembershipFactory(hospital=hospital, user=nurse)
    issued = issue_recall(officer, {first: (100,), second: (100,)})
    recall, lot = issued.recall, issued.lot
    StockMovement.objects.filter(kind=MovementKind.DISPATCH).update(at=_days_ago(5))
    Recall.objects.filter(pk=recall.pk).update(issued_at=_days_ago(3))
    recall.refresh_from_db()
    # Two days ago both answer: the first holds all 100, the second says 50 are on hand.
    for hospital, on_hand in [(first, 100), (second, 50)]:
        answer(issued.notice(hospital), nurse, {lot: (on_hand, 0, 0)})
    NoticeReply.objects.update(answered_at=_days_ago(2))
    NoticeReplyVersion.objects.update(at=_days_ago(2))
    # Yesterday the first ships its 100 back; today 90 arrive. Today the second finds all 100.
    services.hospital_return_ship(notice=issued.notice(first), lot=lot, quantity=100, actor=nurse)
    HospitalReturn.objects.update(shipped_at=_days_ago(1))
    StockMovement.objects.filter(kind=MovementKind.RETURN_SHIPPED).update(at=_days_ago(1))
    services.hospital_return_receive(
        hospital_return=HospitalReturn.objects.get(),
        quantity_received=90,
        actor=clerk,
        remark="One carton missing.",
    )
    answer(issued.notice(second), nurse, {lot: (100, 0, 0)})

    recovery = dashboard.recalls_recovery([recall])[recall.pk]

    today = timezone.localdate()
    assert [(day.day, day.accounted) for day in recovery.days] == [
        (today - dt.timedelta(days=3), 0),  # nobody has answered
        (today - dt.timedelta(days=2), 150),  # 100 + the 50 the second reported
        (today - dt.timedelta(days=1), 150),  # the 100 on the way back still count
        (today, 190),  # 90 arrived (10 lost) + the 100 the second now reports
    ]
    assert recovery.delivered == 200
    figures = selectors.recall_effectiveness(recall)
    assert recovery.days[-1].accounted == dashboard.units_accounted(figures.units)


def test_recovery_ends_today_on_the_effectiveness_figure_in_every_state(officer, clerk):
    scenario = recall_in_every_state(officer, clerk)

    recovery = dashboard.recalls_recovery([scenario.recall])[scenario.recall.pk]

    figures = selectors.recall_effectiveness(scenario.recall)
    assert [day.day for day in recovery.days] == [timezone.localdate()]
    assert recovery.days[-1].accounted == dashboard.units_accounted(figures.units) == 525
    assert recovery.delivered == figures.units.delivered == 720


def test_only_issued_and_closing_recalls_are_open(officer, clerk, activity):
    (recall,) = activity.recalls
    services.recall_start_closing(recall=recall, actor=officer, reason="Nearly done.")
    closed = recall_in_every_state(officer, clerk).recall
    services.recall_close(recall=closed, actor=officer, reason="Gap explained in the file.")

    assert [r.pk for r in dashboard.open_recalls()] == [recall.pk]
    assert Recall.objects.get(pk=recall.pk).status == RecallStatus.CLOSING


# ---------------------------------------------------------------------------------------------
# Speed


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INDEX)
    assert response.status_code == 200 and response.context["dashboard"].recalls
    return len(queries)


def test_the_dashboard_costs_the_same_queries_for_a_small_and_a_much_larger_database(
    client, officer, inspector, clerk, make_lot
):
    build_activity(1, make_lot=make_lot, officer=officer, inspector=inspector, clerk=clerk)
    client.force_login(officer)
    client.get(INDEX)  # the session's first request looks up the user's language once
    small = _queries(client)

    build_activity(5, make_lot=make_lot, officer=officer, inspector=inspector, clerk=clerk)
    data = dashboard.ministry_dashboard()
    assert len(data.recalls) == 6 and len(data.suppliers.levels) == 6
    assert sum(len(recovery.days) for recovery in data.recovery) == 6 * 4

    assert _queries(client) == small
    assert small < 40


# ---------------------------------------------------------------------------------------------
# The demo story


def test_the_demo_dashboard_shows_what_the_selectors_say(client, settings):
    settings.DEBUG = True  # the demo loads only on a development database
    demo.load_demo()
    recall = Recall.objects.get(reference=demo.RECALL_REFERENCE)
    figures = selectors.recall_effectiveness(recall)

    response = _page(client, get_user_model().objects.get(username="officer"))

    data = response.context["dashboard"]
    (shown,) = data.recalls
    assert shown.figures == figures
    assert (shown.answered, shown.notified) == (2, 25)
    assert shown.delivered == figures.units.delivered == 600_000
    assert shown.accounted == figures.units.delivered - figures.units.unaccounted == 48_000
    html = _dashboard_html(response)
    assert "2 of 25 (8 %)" in html and "48,000 of 600,000 (8 %)" in html
    # Issued ten days ago; everything the hospitals did happened today.
    (recovery,) = data.recovery
    assert [day.accounted for day in recovery.days] == [0] * 10 + [48_000]
    assert len(data.overdue) == figures.hospitals_overdue == 23
    assert "The 10 longest overdue of 23" in html
    counts = lot_status_counts()
    assert {row.status: row.lots for row in data.lots} == {s: c["lots"] for s, c in counts.items()}
    assert {level.supplier.name for level in data.suppliers.levels} == set(
        supply.DEMO_SUPPLIER_NAMES
    )
    assert {(r.name, r.percent) for r in data.rejections} == {
        (name, 100) for name in supply.DEMO_SUPPLIER_NAMES
    }
    assert data.complaints.investigating == 1  # the nurse's report, an inspection asked for
