"""Smoke tests in a real browser: the stylesheet is applied, signing in works through the form,
a hospital sees its delivery, and the hospital page fits a phone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from core.roles import Role
from procurement import services
from tests.browser.conftest import sign_in
from tests.factories import HospitalFactory, HospitalMembershipFactory, UserFactory, released_lot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"  # what UserFactory sets
TRACKER_CSS = Path(settings.BASE_DIR) / "procurement" / "static" / "procurement" / "tracker.css"


def _brand_colour() -> str:
    """tracker.css's --brand (#rrggbb) as the browser reports a computed colour."""
    match = re.search(r"--brand:\s*#([0-9a-fA-F]{6})\s*;", TRACKER_CSS.read_text())
    assert match, f"no --brand: #rrggbb in {TRACKER_CSS}"
    red, green, blue = (int(match[1][i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


@pytest.fixture
def nurse_with_a_delivery():
    """A hospital staff user whose hospital received units of one lot; returns (user, lot)."""
    nurse = UserFactory(username="nurse", role=Role.HOSPITAL_STAFF)
    hospital = HospitalFactory(name="St. Elisabeth Gasthuis")
    HospitalMembershipFactory(user=nurse, hospital=hospital)
    clerk = UserFactory(username="clerk", role=Role.WAREHOUSE_CLERK)
    lot = released_lot(quantity=5_000, lot_number="KN95-2003-BROWSER-A")
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=1_200, actor=clerk)
    return nurse, lot


def test_the_sign_in_page_loads_with_its_stylesheet_applied(page, live_server):
    with page.expect_response(lambda r: r.url.endswith("/tracker.css")) as css:
        response = page.goto(live_server.url + reverse("login"))

    assert response.status == 200
    assert css.value.status == 200
    assert "text/css" in css.value.headers["content-type"]
    header = page.locator("header.site-header")
    # Unstyled, the header would be transparent (rgba(0, 0, 0, 0)).
    assert header.evaluate("el => getComputedStyle(el).backgroundColor") == _brand_colour()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_hospital_staff_sign_in_and_see_their_delivery(page, live_server, nurse_with_a_delivery):
    nurse, lot = nurse_with_a_delivery

    sign_in(page, live_server, nurse.username, PASSWORD)

    assert page.url == live_server.url + reverse("hospital_home")
    # The page may show the lot in several places (to confirm, latest deliveries, stock).
    expect(page.locator("main").get_by_text(lot.lot_number, exact=True).first).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_wrong_password_shows_the_error_and_stays_on_the_login_page(page, live_server):
    UserFactory(username="nurse", role=Role.HOSPITAL_STAFF)

    sign_in(page, live_server, "nurse", "not the password")

    assert page.url.startswith(live_server.url + reverse("login"))
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_the_hospital_page_does_not_overflow_a_phone(
    phone_page, live_server, nurse_with_a_delivery
):
    nurse, lot = nurse_with_a_delivery

    sign_in(phone_page, live_server, nurse.username, PASSWORD)

    assert phone_page.url == live_server.url + reverse("hospital_home")
    expect(phone_page.locator("main").get_by_text(lot.lot_number, exact=True).first).to_be_visible()
    scroll_width, inner_width = phone_page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert inner_width == 390
    assert scroll_width <= inner_width, f"page is {scroll_width}px wide on a {inner_width}px phone"
