"""The ministry dashboard in a real browser: its stylesheet is served and applied, the recall's
progress bars and the SVG charts are drawn and named for screen readers, a chart's table opens,
and on a phone nothing runs off the side of the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import HospitalFactory, UserFactory
from tests.inspections.recall_notices import issue_recall

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"  # what UserFactory sets


@pytest.fixture
def officer_with_a_recall():
    officer = UserFactory(username="officer", role=Role.MINISTRY_OFFICER)
    issued = issue_recall(officer, {HospitalFactory(): (300,), HospitalFactory(): (200,)})
    return officer, issued.recall


def _open_dashboard(page, live_server, officer):
    sign_in(page, live_server, officer.username, PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/inspections/dashboard.css")) as css:
        response = page.goto(live_server.url + "/admin/")
    assert response.status == 200
    assert css.value.status == 200 and "text/css" in css.value.headers["content-type"]


def test_the_dashboard_draws_the_recall_bars_and_the_charts(
    page, live_server, officer_with_a_recall
):
    officer, recall = officer_with_a_recall
    failed = []  # everything the page loads is served by the app (no CDN), favicon aside
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)

    _open_dashboard(page, live_server, officer)

    expect(page.get_by_role("heading", name="Open recalls")).to_be_visible()
    expect(page.get_by_role("link", name=recall.reference)).to_be_visible()
    answered = page.get_by_role("progressbar", name="Hospitals answered")
    expect(answered).to_be_visible()
    assert answered.get_attribute("max") == "2" and answered.get_attribute("value") == "0"
    expect(page.get_by_text("0 of 500 (0 %)")).to_be_visible()
    for name in (f"{recall.reference}: units accounted for, by day",
                 "Units dispatched to hospitals per week"):  # fmt: skip
        chart = page.get_by_role("img", name=name)
        expect(chart).to_be_visible()
        assert chart.bounding_box()["width"] > 300
    # The stylesheet colours the bars with the admin's own variables.
    bar = page.locator("svg.chart .chart-bar").last
    assert bar.evaluate("el => getComputedStyle(el).fill") != "rgb(0, 0, 0)"
    table = page.locator("details", has_text="Units dispatched per week (table)")
    expect(table.locator("table")).to_be_hidden()
    table.locator("summary").click()
    expect(table.locator("table")).to_be_visible()
    expect(table.locator("td", has_text="500")).to_be_visible()
    # The app list is still below the dashboard.
    expect(page.get_by_role("link", name="Recalls", exact=True)).to_be_visible()
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []


def test_the_dashboard_fits_a_phone(phone_page, live_server, officer_with_a_recall):
    officer, _recall = officer_with_a_recall

    _open_dashboard(phone_page, live_server, officer)

    expect(phone_page.get_by_role("progressbar", name="Units accounted for")).to_be_visible()
    width = phone_page.evaluate("() => document.documentElement.clientWidth")
    overflow = phone_page.evaluate(
        "() => [...document.querySelectorAll('#dashboard *')]"
        ".filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
        ".map(el => el.tagName + '.' + el.className)"
    )
    assert overflow == [], f"wider than the {width}px screen: {overflow[:5]}"
