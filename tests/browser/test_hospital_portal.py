"""The hospital portal in a real browser: confirming a delivery (and being told when the count
needs a remark), reporting a problem with a photo, reading the pages in Dutch, not seeing another
hospital's deliveries, confirming on a phone, and the warning on a lot put on hold.

The tests find what they use by its role and visible name (`get_by_role`, `get_by_label`), as a
person or a screen reader would, so an unlabelled field or an unnamed button fails them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from core.models import OutboundEmail
from core.roles import Role
from inspections.models import Complaint, ComplaintCategory
from procurement import services
from procurement.models import Distribution
from tests.browser.conftest import sign_in
from tests.factories import (
    HospitalFactory,
    HospitalMembershipFactory,
    UserFactory,
    officer,
    released_lot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"  # what UserFactory sets
DISPATCHED = 10_000


@dataclass
class Ward:
    """A hospital user and a delivery to their hospital that nobody has confirmed yet."""

    nurse: object
    delivery: Distribution

    @property
    def lot_number(self) -> str:
        return self.delivery.lot.lot_number


def _ward(username: str, hospital_name: str, lot_number: str) -> Ward:
    nurse = UserFactory(username=username, role=Role.HOSPITAL_STAFF)
    hospital = HospitalFactory(name=hospital_name)
    HospitalMembershipFactory(user=nurse, hospital=hospital)
    lot = released_lot(quantity=DISPATCHED, lot_number=lot_number)
    delivery = services.distribution_dispatch(
        lot=lot, hospital=hospital, quantity=DISPATCHED, actor=officer()
    )
    return Ward(nurse=nurse, delivery=delivery)


@pytest.fixture
def ward() -> Ward:
    return _ward("nurse", "St. Elisabeth Gasthuis", "KN95-2003-WARD-A")


def _sign_in(page: Page, live_server, ward: Ward) -> None:
    sign_in(page, live_server, ward.nurse.username, PASSWORD)
    assert page.url == live_server.url + reverse("hospital_home")


def _open_the_delivery_from_the_home_page(page: Page, ward: Ward) -> None:
    """Home page → "Deliveries to confirm" → the delivery's "Confirm receipt" link."""
    to_confirm = page.get_by_role("region", name="Deliveries to confirm")
    item = to_confirm.get_by_role("listitem").filter(has_text=ward.lot_number)
    expect(item).to_contain_text(f"{DISPATCHED:,} units dispatched on")
    # The link's accessible name carries the lot number (visually hidden), so a screen reader
    # user can tell the "Confirm receipt" links apart.
    item.get_by_role("link", name=f"Confirm receipt {ward.lot_number}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ward.lot_number)


def _fact(section: Locator, term: str) -> Locator:
    """The <dd> of a <dt>term</dt><dd>…</dd> pair in a section's list of facts."""
    pair = section.locator("div").filter(
        has=section.page.get_by_role("term").filter(has_text=re.compile(f"^{re.escape(term)}$"))
    )
    return pair.get_by_role("definition")


def _receipt_section(page: Page) -> Locator:
    return page.get_by_role("region", name="Receipt", exact=True)


# ---------------------------------------------------------------------------------------------
# Confirming a delivery


def test_a_nurse_confirms_a_short_delivery_with_a_remark_and_the_ministry_is_told(
    page, live_server, ward
):
    _sign_in(page, live_server, ward)
    _open_the_delivery_from_the_home_page(page, ward)

    receipt = _receipt_section(page)
    units = receipt.get_by_label("Units received", exact=True)
    expect(units).to_have_value(str(DISPATCHED))  # the number dispatched is filled in
    units.fill("9800")
    receipt.get_by_label("What happened, if your count differs").fill(
        "Two cartons missing from the pallet."
    )
    receipt.get_by_role("button", name="Confirm receipt").click()

    expect(page.get_by_role("status")).to_contain_text(
        f"Receipt of lot {ward.lot_number} confirmed: 9,800 units counted, 10,000 dispatched. "
        "The ministry has been told of the difference."
    )
    assert page.url == live_server.url + reverse("hospital_delivery", args=[ward.delivery.pk])
    expect(_fact(receipt, "Units received")).to_have_text("9,800")
    expect(_fact(receipt, "Difference")).to_have_text("-200")
    expect(receipt).to_contain_text("Two cartons missing from the pallet.")
    expect(receipt.get_by_role("button", name="Confirm receipt")).to_have_count(0)

    delivery = Distribution.objects.get(pk=ward.delivery.pk)
    assert delivery.status == Distribution.Status.CONFIRMED
    assert delivery.quantity_received == 9_800
    assert delivery.confirmed_by == ward.nurse
    assert delivery.receipt_remark == "Two cartons missing from the pallet."
    alert = OutboundEmail.objects.get(key=services.receipt_discrepancy_email_key(delivery.pk))
    assert alert.to == sorted(settings.MINISTRY_ALERT_EMAILS)


def test_a_different_count_without_a_remark_is_refused_and_the_count_is_kept(
    page, live_server, ward
):
    _sign_in(page, live_server, ward)
    _open_the_delivery_from_the_home_page(page, ward)

    receipt = _receipt_section(page)
    receipt.get_by_label("Units received", exact=True).fill("9800")
    receipt.get_by_role("button", name="Confirm receipt").click()

    expect(receipt.get_by_role("alert")).to_contain_text(
        "9,800 units differs from the 10,000 dispatched: say what happened"
    )
    expect(receipt.get_by_label("Units received", exact=True)).to_have_value("9800")
    expect(receipt.get_by_role("button", name="Confirm receipt")).to_be_visible()
    expect(page.get_by_role("status")).to_have_count(0)  # no "confirmed" message

    delivery = Distribution.objects.get(pk=ward.delivery.pk)
    assert delivery.status == Distribution.Status.DISPATCHED
    assert delivery.quantity_received is None
    assert not OutboundEmail.objects.exists()


# ---------------------------------------------------------------------------------------------
# Reporting a problem


def test_a_nurse_reports_a_fit_problem_with_a_photo_and_sees_it_on_the_report(
    page, live_server, ward, tmp_path
):
    photo = tmp_path / "snapped-strap.png"
    Image.new("RGB", (48, 32), (200, 30, 30)).save(photo)
    _sign_in(page, live_server, ward)
    _open_the_delivery_from_the_home_page(page, ward)

    page.get_by_role("link", name="Report a problem", exact=True).click()
    expect(page.get_by_role("heading", name="Report a problem", level=1)).to_be_visible()
    kinds = page.get_by_role("group", name="What kind of problem is it?")
    kinds.get_by_role("radio", name=str(ComplaintCategory.FIT.label), exact=True).check()
    page.get_by_label("What did you see?").fill("The straps snap when the mask is put on.")
    page.get_by_label("Units affected").fill("40")
    page.get_by_label("Photo").set_input_files(photo)
    with page.expect_response(lambda r: "/photo/" in r.url) as photo_response:
        page.get_by_role("button", name="Send the report").click()

    complaint = Complaint.objects.get()
    expect(page.get_by_role("status")).to_contain_text(
        f"Thank you. The ministry has your report #{complaint.pk}"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Report #{complaint.pk}")
    reported = page.get_by_role("region", name="What was reported")
    expect(_fact(reported, "Problem")).to_have_text(str(ComplaintCategory.FIT.label))
    expect(_fact(reported, "Units affected")).to_have_text("40")
    expect(reported).to_contain_text("The straps snap when the mask is put on.")

    photo_url = reverse("hospital_complaint_photo", args=[complaint.pk])
    image = reported.get_by_role("img", name=f"Photo sent with report #{complaint.pk}")
    expect(image).to_have_attribute("src", photo_url)
    assert photo_response.value.url == live_server.url + photo_url
    assert photo_response.value.status == 200
    assert photo_response.value.headers["content-type"] == "image/png"
    # decode() rejects for a broken image; a loaded one has its real size.
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 48

    assert complaint.category == ComplaintCategory.FIT
    assert complaint.quantity_affected == 40
    assert complaint.distribution_id == ward.delivery.pk
    assert complaint.photo.name.endswith(".png")


# ---------------------------------------------------------------------------------------------
# Language


def test_the_header_switcher_turns_the_pages_into_dutch(page, live_server, ward):
    _sign_in(page, live_server, ward)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    switcher = page.get_by_role("form", name="Language")
    expect(switcher.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    with page.expect_navigation():
        switcher.get_by_role("button", name="Nederlands").click()

    assert page.url == live_server.url + reverse("hospital_home")  # back where the user was
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", name="What needs action now")).to_have_count(0)
    # The Dutch of locale/nl/LC_MESSAGES/django.po.
    expect(page.get_by_role("heading", name="Wat nu actie vraagt", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    switcher = page.get_by_role("form", name="Taal")
    expect(switcher.get_by_role("button", name="Nederlands")).to_have_attribute(
        "aria-pressed", "true"
    )
    portal_nav = page.get_by_role("navigation", name="Ziekenhuisportaal")
    expect(portal_nav.get_by_role("link", name="Leveringen", exact=True)).to_be_visible()

    # The choice is the user's: the next page is Dutch too.
    portal_nav.get_by_role("link", name="Leveringen", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", name="Leveringen", level=1)).to_be_visible()


# ---------------------------------------------------------------------------------------------
# One hospital never sees another's deliveries


def test_a_nurse_cannot_open_or_list_another_hospitals_delivery(page, live_server, ward):
    elsewhere = _ward("other-nurse", "Other Hospital", "KN95-2003-ELSEWHERE-B")
    _sign_in(page, live_server, ward)

    response = page.goto(reverse("hospital_delivery", args=[elsewhere.delivery.pk]))

    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(elsewhere.lot_number)

    page.goto(reverse("hospital_home"))
    page.get_by_role("navigation", name="Hospital portal").get_by_role(
        "link", name="Deliveries", exact=True
    ).click()
    expect(page.get_by_role("heading", name="Deliveries", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=ward.lot_number, exact=True)).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(elsewhere.lot_number)


# ---------------------------------------------------------------------------------------------
# On a phone


def test_the_confirm_form_fits_a_phone_and_its_button_can_be_tapped(phone_page, live_server, ward):
    page = phone_page
    _sign_in(page, live_server, ward)
    _open_the_delivery_from_the_home_page(page, ward)

    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"page is {scroll_width}px wide on a {inner_width}px phone"
    receipt = _receipt_section(page)
    button = receipt.get_by_role("button", name="Confirm receipt")
    button.scroll_into_view_if_needed()
    expect(button).to_be_visible()
    for control in (receipt.get_by_label("Units received", exact=True), button):
        box = control.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= inner_width, (
            f"{control} spans x={box['x']}..{box['x'] + box['width']} on a {inner_width}px phone"
        )
    assert button.bounding_box()["height"] >= 24, "the button is too small to tap"

    button.tap()  # the count filled in is the number dispatched: no remark needed

    expect(page.get_by_role("status")).to_contain_text(
        f"Receipt of lot {ward.lot_number} confirmed: 10,000 units."
    )
    assert Distribution.objects.get(pk=ward.delivery.pk).status == Distribution.Status.CONFIRMED


# ---------------------------------------------------------------------------------------------
# A lot on hold


def test_a_lot_put_on_hold_shows_a_warning_on_its_delivery_page(page, live_server, ward):
    services.lot_hold(
        lot=ward.delivery.lot, actor=officer(), reason="Hospitals report straps snapping."
    )
    _sign_in(page, live_server, ward)

    page.get_by_role("navigation", name="Hospital portal").get_by_role(
        "link", name="Deliveries", exact=True
    ).click()
    page.get_by_role("link", name=ward.lot_number, exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(ward.lot_number)
    warning = page.get_by_role("alert")
    expect(warning).to_have_count(1)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(f"Lot {ward.lot_number} is on hold: do not use it.")
    expect(warning).to_contain_text("Keep the units apart")
