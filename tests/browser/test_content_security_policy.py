"""The Content Security Policy in a real browser: the hospital portal, the ministry panel (a list,
a recall's page, an object's history, a report), the dashboard and the API docs all load under
the policy (the header is there) and Chromium reports no violation in the console: no inline
script or style the policy refuses, nothing loaded from elsewhere."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from playwright.sync_api import expect

from core.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import HospitalFactory, HospitalMembershipFactory, UserFactory
from tests.inspections.recall_notices import issue_recall

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"  # what UserFactory sets


@pytest.fixture
def recall_at_two_hospitals():
    """An officer, a recall issued to two hospitals, and a staff member of the first one."""
    officer = UserFactory(username="officer", role=Role.MINISTRY_OFFICER)
    first, second = HospitalFactory(), HospitalFactory()
    # Browser tests flush the tables between tests, and with them the permissions the migrations
    # gave the role groups: the officer gets the two the visited lists need directly.
    officer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_lot", "view_recall", "change_recall"])
    )
    issued = issue_recall(officer, {first: (300,), second: (200,)})
    nurse = UserFactory(username="nurse", role=Role.HOSPITAL_STAFF)
    HospitalMembershipFactory(user=nurse, hospital=first)
    return officer, nurse, issued.recall


def _watch_console(page) -> list[str]:
    """Collect what Chromium says in the console about the page's Content Security Policy."""
    said: list[str] = []
    page.on(
        "console",
        lambda message: (
            said.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return said


def _visit(page, url: str) -> None:
    """Open a page, check it is served under the policy, and let its scripts run."""
    response = page.goto(url)
    assert response.status == 200, f"{url} answered {response.status}"
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy, f"{url} has no Content-Security-Policy: {policy!r}"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    page.wait_for_load_state("networkidle")


def test_the_hospital_portal_loads_without_a_policy_violation(
    page, live_server, recall_at_two_hospitals
):
    _, nurse, _ = recall_at_two_hospitals
    violations = _watch_console(page)

    sign_in(page, live_server, nurse.username, PASSWORD)
    for name in (
        "hospital_home",
        "hospital_notices",
        "hospital_deliveries",
        "hospital_stock",
    ):
        _visit(page, live_server.url + reverse(name))

    expect(page.locator("header.site-header")).to_be_visible()
    assert violations == []


def test_the_ministry_panel_and_its_dashboard_load_without_a_policy_violation(
    page, live_server, recall_at_two_hospitals
):
    officer, _, recall = recall_at_two_hospitals
    violations = _watch_console(page)

    sign_in(page, live_server, officer.username, PASSWORD)
    _visit(page, live_server.url + "/admin/")
    expect(page.get_by_role("heading", name="Open recalls")).to_be_visible()
    for url in (
        reverse("admin:procurement_lot_changelist"),
        reverse("admin:inspections_recall_changelist"),
        reverse("admin:inspections_recall_change", args=[recall.pk]),
        reverse("admin:inspections_recall_history", args=[recall.pk]),
        reverse("reports:recall_report", args=[recall.pk]),
    ):
        _visit(page, live_server.url + url)

    # The lot search in the header is styled by procurement/admin.css, not an inline <style>.
    search = page.locator("#lot-search")
    assert search.evaluate("el => getComputedStyle(el).display") == "flex"
    assert violations == []


def test_the_api_docs_draw_the_operations_without_a_policy_violation(page, live_server):
    violations = _watch_console(page)

    _visit(page, live_server.url + reverse("api-docs"))

    # Swagger UI ran (its start-up script is a file, not inline) and fetched the schema.
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert violations == []
