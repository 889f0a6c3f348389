"""The warehouse's distribution planner in a real browser: a clerk plans the suggested lot across
three hospitals with the running total following their typing, is refused an over-allocation
without losing what they typed, plans with JavaScript turned off, imports a plan from CSV (a bad
file first, then a good one through its preview), and plans on a phone.

As in the hospital portal tests, links, buttons and fields are found by role and visible name (or
label); what the pages claim is checked against the database afterwards.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from core.roles import Role
from procurement import services
from procurement.models import Distribution, Hospital, Lot
from procurement.selectors import ledger_violations
from procurement.services.ledger import balance_of, warehouse_location
from tests.browser.conftest import sign_in
from tests.factories import HospitalFactory, UserFactory, released_lot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"  # what UserFactory sets
IN_STOCK = 5_000  # units of the suggested lot in the warehouse
LATER_IN_STOCK = 8_000
LONG_NAME = "Universitair Medisch Centrum Groningen, Beatrix Kinderziekenhuis"
DISPATCH_NOTE = re.compile(r"^DN-\d{6}$")


@dataclass
class Warehouse:
    """A clerk, two released lots of different products and four hospitals."""

    clerk: object
    lot: Lot  # expires first: the one the planner suggests
    later_lot: Lot
    hospitals: dict[str, Hospital]  # by code


@pytest.fixture
def warehouse() -> Warehouse:
    today = timezone.localdate()
    # The later-expiring lot is received first, so "suggested" cannot mean "oldest".
    later_lot = released_lot(
        quantity=LATER_IN_STOCK,
        lot_number="KN95-2003-LATE",
        expires_on=today + dt.timedelta(days=600),
    )
    lot = released_lot(
        quantity=IN_STOCK, lot_number="KN95-2003-SOON", expires_on=today + dt.timedelta(days=200)
    )
    hospitals = {
        code: HospitalFactory(code=code, name=name, city=city)
        for code, name, city in [
            ("ALK", "Noordwest Ziekenhuisgroep", "Alkmaar"),
            ("ZWO", "Isala", "Zwolle"),
            ("BRE", "Amphia", "Breda"),
            # A long name, as real ones are: the hospital picker must still fit a phone.
            ("GRO", LONG_NAME, "Groningen"),
        ]
    }
    clerk = UserFactory(username="clerk", role=Role.WAREHOUSE_CLERK)
    return Warehouse(clerk=clerk, lot=lot, later_lot=later_lot, hospitals=hospitals)


# ---------------------------------------------------------------------------------------------
# Helpers


def _sign_in(page: Page, live_server, warehouse: Warehouse) -> None:
    sign_in(page, live_server, warehouse.clerk.username, PASSWORD)
    assert page.url == live_server.url + reverse("warehouse_home")


def _open_the_plan_from_the_warehouse_page(page: Page, lot: Lot) -> None:
    """Warehouse page → the lot's "Distribute" link (named after the lot for screen readers)."""
    stock = page.get_by_role("region", name="Stock ready to dispatch")
    stock.get_by_role("link", name=f"Distribute lot {lot.lot_number}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(lot.lot_number)


def _choice(hospital: Hospital) -> str:
    """How the hospital picker names a hospital."""
    return f"{hospital.name} ({hospital.code}, {hospital.city})"


def _hospital_field(page: Page, row: int) -> Locator:
    return page.get_by_label(f"Hospital, row {row}", exact=True)


def _units_field(page: Page, row: int) -> Locator:
    return page.get_by_label(f"Units, row {row}", exact=True)


def _plan_row(page: Page, row: int, hospital: Hospital, units: int) -> None:
    _hospital_field(page, row).select_option(label=_choice(hospital))
    _units_field(page, row).fill(str(units))


def _figure(page: Page, label: str) -> Locator:
    """A figure of the running total ("Allocated", "Available", "Remaining")."""
    totals = page.locator("[data-plan-totals]")
    return totals.locator("p").filter(has=page.get_by_text(label, exact=True)).locator("strong")


def _over_warning(page: Page) -> Locator:
    return page.get_by_text("More than the warehouse holds: lower the units before dispatching.")


def _dispatch_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Dispatch to these hospitals", exact=True)


def _fact(section: Locator, term: str) -> Locator:
    """The <dd> of a <dt>term</dt><dd>…</dd> pair in a list of facts."""
    pair = section.locator("div").filter(
        has=section.page.get_by_role("term").filter(has_text=re.compile(f"^{re.escape(term)}$"))
    )
    return pair.get_by_role("definition")


def _dispatched(lot: Lot) -> dict[str, int]:
    """Units of the lot dispatched so far, by hospital code."""
    return dict(Distribution.objects.filter(lot=lot).values_list("hospital__code", "quantity"))


def _in_warehouse(lot: Lot) -> int:
    return balance_of(lot, warehouse_location())


def _no_sideways_scroll(page: Page) -> None:
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert inner_width == 390
    assert scroll_width <= inner_width, f"page is {scroll_width}px wide on a {inner_width}px phone"


# ---------------------------------------------------------------------------------------------
# Planning one lot across hospitals


def test_a_clerk_plans_the_suggested_lot_for_three_hospitals_and_opens_a_dispatch_note(
    page, live_server, warehouse
):
    lot, hospitals = warehouse.lot, warehouse.hospitals
    _sign_in(page, live_server, warehouse)

    page.locator("main").get_by_role("link", name="Plan a distribution", exact=True).click()
    expect(page.get_by_role("heading", name="Plan a distribution", level=1)).to_be_visible()
    lots = page.locator("main table tbody tr")
    expect(lots).to_have_count(2)
    suggested = lots.filter(has_text="Suggested: expires first")
    expect(suggested).to_have_count(1)
    expect(lots.first).to_contain_text("Suggested: expires first")  # first expired, first out
    expect(suggested).to_contain_text(lot.lot_number)
    suggested.get_by_role("link", name=f"Distribute lot {lot.lot_number}", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(lot.lot_number)
    plan_url = page.url
    expect(_figure(page, "Allocated")).to_have_text("0")
    expect(_figure(page, "Available")).to_have_text("5,000")
    expect(_figure(page, "Remaining")).to_have_text("5,000")

    # The totals follow each keystroke, before anything is submitted.
    _hospital_field(page, 1).select_option(label=_choice(hospitals["ALK"]))
    units = _units_field(page, 1)
    units.press_sequentially("12")
    expect(_figure(page, "Allocated")).to_have_text("12")
    expect(_figure(page, "Remaining")).to_have_text("4,988")
    units.press_sequentially("00")
    expect(_figure(page, "Allocated")).to_have_text("1,200")
    expect(_figure(page, "Remaining")).to_have_text("3,800")
    _plan_row(page, 2, hospitals["ZWO"], 2_000)
    expect(_figure(page, "Allocated")).to_have_text("3,200")
    _plan_row(page, 3, hospitals["GRO"], 1_500)
    expect(_figure(page, "Allocated")).to_have_text("4,700")
    expect(_figure(page, "Remaining")).to_have_text("300")
    expect(_over_warning(page)).to_be_hidden()
    assert page.url == plan_url
    assert not Distribution.objects.exists()

    _dispatch_button(page).click()

    expect(page.get_by_role("status")).to_contain_text(
        "3 dispatches recorded, 4,700 units in all. Print their dispatch notes below."
    )
    expect(page.get_by_role("heading", name="Dispatches made", level=1)).to_be_visible()
    assert re.fullmatch(
        re.escape(live_server.url) + r"/warehouse/distributions/plans/[^/]+/", page.url
    ), page.url
    dispatches = page.locator("main table tbody tr")
    expect(dispatches).to_have_count(3)
    for code, quantity in [("ALK", "1,200"), ("ZWO", "2,000"), ("GRO", "1,500")]:
        row = dispatches.filter(has_text=f"({code})")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(hospitals[code].name)
        expect(row).to_contain_text(lot.lot_number)
        expect(row.locator("td.num")).to_have_text(quantity)
        expect(row.get_by_role("link", name=DISPATCH_NOTE)).to_be_visible()

    zwolle = Distribution.objects.get(lot=lot, hospital=hospitals["ZWO"])
    number = f"DN-{zwolle.pk:06d}"
    dispatches.filter(has_text="(ZWO)").get_by_role("link", name=number, exact=True).click()

    assert page.url == live_server.url + reverse("distribution_note", args=[zwolle.pk])
    note = page.get_by_role("article", name="Dispatch note")
    expect(note).to_have_count(1)
    expect(note).to_contain_text(number)
    expect(note).to_contain_text(f"Deliver to {hospitals['ZWO'].name}")
    expect(note).to_contain_text("Hospital code: ZWO")
    expect(_fact(note, "Lot")).to_have_text(lot.lot_number)
    expect(_fact(note, "Quantity")).to_have_text("2,000")
    expect(page.get_by_role("button", name="Print", exact=True)).to_be_visible()  # the script's

    assert _dispatched(lot) == {"ALK": 1_200, "ZWO": 2_000, "GRO": 1_500}
    assert set(Distribution.objects.values_list("dispatched_by", flat=True)) == {warehouse.clerk.pk}
    assert _in_warehouse(lot) == IN_STOCK - 4_700
    assert _dispatched(warehouse.later_lot) == {}
    assert _in_warehouse(warehouse.later_lot) == LATER_IN_STOCK
    assert ledger_violations() == []


def test_an_over_allocation_is_refused_naming_the_lot_and_the_excess_and_keeps_the_rows(
    page, live_server, warehouse
):
    lot, hospitals = warehouse.lot, warehouse.hospitals
    _sign_in(page, live_server, warehouse)
    _open_the_plan_from_the_warehouse_page(page, lot)

    _plan_row(page, 1, hospitals["ALK"], 3_000)
    _plan_row(page, 2, hospitals["BRE"], 2_500)
    # The script warns, but the server is the one that refuses.
    expect(_figure(page, "Allocated")).to_have_text("5,500")
    expect(_figure(page, "Remaining")).to_have_text("-500")
    expect(_over_warning(page)).to_be_visible()
    _dispatch_button(page).click()

    refusal = page.get_by_role("alert")
    expect(refusal).to_have_count(1)
    expect(refusal).to_contain_text(
        f"Lot {lot.lot_number}: 5,500 units planned but the warehouse holds 5,000"
    )
    expect(refusal).to_contain_text("(500 too many)")
    expect(refusal).to_contain_text("Nothing was dispatched.")
    expect(page.get_by_role("status")).to_have_count(0)  # no "dispatches recorded"
    expect(page.get_by_role("heading", level=1)).to_contain_text(lot.lot_number)
    expect(_hospital_field(page, 1)).to_have_value(str(hospitals["ALK"].pk))
    expect(_units_field(page, 1)).to_have_value("3000")
    expect(_hospital_field(page, 2)).to_have_value(str(hospitals["BRE"].pk))
    expect(_units_field(page, 2)).to_have_value("2500")
    expect(_units_field(page, 3)).to_have_value("")
    expect(_figure(page, "Allocated")).to_have_text("5,500")
    expect(_figure(page, "Remaining")).to_have_text("-500")
    expect(_over_warning(page)).to_be_visible()

    assert not Distribution.objects.exists()
    assert _in_warehouse(lot) == IN_STOCK
    assert ledger_violations() == []


def test_without_javascript_the_server_shows_the_totals_and_the_plan_is_dispatched(
    no_js_page, live_server, warehouse
):
    page = no_js_page
    lot, hospitals = warehouse.lot, warehouse.hospitals
    _sign_in(page, live_server, warehouse)
    _open_the_plan_from_the_warehouse_page(page, lot)

    _plan_row(page, 1, hospitals["ALK"], 1_000)
    _plan_row(page, 2, hospitals["ZWO"], 2_000)
    expect(_figure(page, "Allocated")).to_have_text("0")  # no script: nothing counts as you type
    expect(_figure(page, "Remaining")).to_have_text("5,000")
    expect(_hospital_field(page, 11)).to_have_count(0)

    # "More rows" goes to the server and back, which totals what was typed.
    page.get_by_role("button", name="More rows", exact=True).click()

    expect(_hospital_field(page, 20)).to_be_visible()
    expect(_hospital_field(page, 1)).to_have_value(str(hospitals["ALK"].pk))
    expect(_units_field(page, 1)).to_have_value("1000")
    expect(_hospital_field(page, 2)).to_have_value(str(hospitals["ZWO"].pk))
    expect(_units_field(page, 2)).to_have_value("2000")
    expect(_figure(page, "Allocated")).to_have_text("3,000")
    expect(_figure(page, "Available")).to_have_text("5,000")
    expect(_figure(page, "Remaining")).to_have_text("2,000")
    expect(_over_warning(page)).to_be_hidden()
    assert not Distribution.objects.exists()

    _dispatch_button(page).click()

    expect(page.get_by_role("status")).to_contain_text("2 dispatches recorded, 3,000 units in all.")
    expect(page.locator("main .lead")).to_contain_text("2 dispatches, 3,000 units in all.")
    expect(page.locator("main table tbody tr")).to_have_count(2)
    page.get_by_role("link", name="Print all dispatch notes", exact=True).click()
    expect(page.get_by_role("article", name="Dispatch note")).to_have_count(2)

    assert _dispatched(lot) == {"ALK": 1_000, "ZWO": 2_000}
    assert _in_warehouse(lot) == IN_STOCK - 3_000
    assert ledger_violations() == []


def test_without_javascript_a_dispatch_note_shows_no_print_button_that_cannot_work(
    no_js_page, live_server, warehouse
):
    page = no_js_page
    delivery = services.distribution_dispatch(
        lot=warehouse.lot, hospital=warehouse.hospitals["ALK"], quantity=100, actor=warehouse.clerk
    )
    _sign_in(page, live_server, warehouse)
    page.get_by_role("region", name="Latest dispatches").get_by_role(
        "link", name=f"DN-{delivery.pk:06d}", exact=True
    ).click()
    expect(page.get_by_role("article", name="Dispatch note")).to_have_count(1)

    # The template marks it `hidden` for planning.js to reveal; without the script the
    # browser's own Print is the way to print, and a button that does nothing misleads.
    expect(page.locator("[data-print]")).to_be_hidden(timeout=1_000)


# ---------------------------------------------------------------------------------------------
# Importing a plan from CSV


def _check_the_file(page: Page, path) -> None:
    page.get_by_label("CSV file", exact=True).set_input_files(path)
    page.get_by_role("button", name="Check the file", exact=True).click()


def test_a_csv_plan_with_a_bad_row_is_refused_and_a_good_one_is_previewed_then_dispatched(
    page, live_server, warehouse, tmp_path
):
    lot, later_lot = warehouse.lot, warehouse.later_lot
    bad = tmp_path / "plan-bad.csv"
    bad.write_text(
        "hospital_code,lot_number,quantity\n"
        f"ALK,{lot.lot_number},1000\n"
        f"ZWO,{lot.lot_number},12x\n"
        f"BRE,{later_lot.lot_number},800\n"
    )
    good = tmp_path / "plan.csv"
    good.write_text(
        "hospital_code,lot_number,quantity\n"
        f"ALK,{lot.lot_number},1000\n"
        f"ZWO,{lot.lot_number},1200\n"
        f"BRE,{later_lot.lot_number},800\n"
    )
    _sign_in(page, live_server, warehouse)
    page.get_by_role("link", name="Import a distribution plan (CSV)", exact=True).click()
    expect(page.get_by_role("heading", name="Import a distribution plan", level=1)).to_be_visible()

    _check_the_file(page, bad)

    problems = page.get_by_role("alert")
    expect(problems).to_contain_text("The file was not imported.")
    expect(problems).to_contain_text("Correct this problem and upload the file again")
    expect(problems.get_by_role("listitem")).to_have_text(
        ["Row 3, column quantity: “12x” is not a whole number."]
    )
    expect(page.get_by_role("button", name=re.compile("^Dispatch"))).to_have_count(0)
    expect(page.get_by_role("region", name="Rows")).to_have_count(0)
    expect(page.get_by_label("CSV file", exact=True)).to_be_visible()  # upload again
    assert not Distribution.objects.exists()

    page.get_by_label("Note on the dispatch notes").fill("Order MOH-2020-17")
    _check_the_file(page, good)

    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator("main .lead")).to_contain_text(
        "The file checks out: 3 rows, 3,000 units in all. Nothing is dispatched until you confirm."
    )
    per_lot = page.get_by_role("region", name="Per lot").locator("tbody tr")
    expect(per_lot).to_have_count(2)
    expect(per_lot.filter(has_text=lot.lot_number).locator("td.num")).to_have_text(
        ["2,200", "5,000", "2,800"]  # planned, in warehouse, left after
    )
    expect(per_lot.filter(has_text=later_lot.lot_number).locator("td.num")).to_have_text(
        ["800", "8,000", "7,200"]
    )
    rows = page.get_by_role("region", name="Rows").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("ZWO")
    expect(rows.nth(1)).to_contain_text(warehouse.hospitals["ZWO"].name)
    expect(rows.nth(1)).to_contain_text(lot.lot_number)
    expect(rows.nth(1).locator("td.num")).to_have_text(["3", "1,200"])  # file row, units
    expect(page.get_by_text("Note on the dispatch notes: Order MOH-2020-17")).to_be_visible()
    assert not Distribution.objects.exists()  # a preview dispatches nothing

    page.get_by_role("button", name="Dispatch all 3 rows", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("3 dispatches recorded, 3,000 units in all.")
    expect(page.locator("main table tbody tr")).to_have_count(3)
    assert _dispatched(lot) == {"ALK": 1_000, "ZWO": 1_200}
    assert _dispatched(later_lot) == {"BRE": 800}
    assert set(Distribution.objects.values_list("note", flat=True)) == {"Order MOH-2020-17"}
    assert _in_warehouse(lot) == IN_STOCK - 2_200
    assert _in_warehouse(later_lot) == LATER_IN_STOCK - 800
    assert ledger_violations() == []


# ---------------------------------------------------------------------------------------------
# On a phone


def test_the_plan_page_does_not_scroll_sideways_on_a_phone(phone_page, live_server, warehouse):
    page = phone_page
    lot, hospitals = warehouse.lot, warehouse.hospitals
    _sign_in(page, live_server, warehouse)
    page.goto(reverse("distribution_plan", args=[lot.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(lot.lot_number)
    _no_sideways_scroll(page)

    # The longest hospital name chosen, and the over-allocation warning shown.
    _plan_row(page, 1, hospitals["GRO"], 4_000)
    _plan_row(page, 2, hospitals["ALK"], 2_000)
    expect(_over_warning(page)).to_be_visible()
    _no_sideways_scroll(page)
    for control in (_hospital_field(page, 1), _units_field(page, 1), _dispatch_button(page)):
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (
            f"{control} spans x={box['x']}..{box['x'] + box['width']} on a 390px phone"
        )

    # The refusal, with its message, fits as well.
    _dispatch_button(page).tap()
    expect(page.get_by_role("alert")).to_contain_text("(1,000 too many)")
    _no_sideways_scroll(page)
    assert not Distribution.objects.exists()
