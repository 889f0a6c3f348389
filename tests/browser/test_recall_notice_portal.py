"""A recall notice in a real browser on a phone: from the home page's "Recall notices to answer"
to the notice, the reply card sent, units recorded as shipped back, and the warehouse's page for
their arrival; nothing is wider than the screen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.roles import Role
from inspections import services as inspections
from inspections.models import HospitalReturn, NoticeReply, RecallClass
from procurement import services
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
LOT = "KN95-2003-RECALL-A"


@pytest.fixture
def notice():
    nurse = UserFactory(username="nurse", role=Role.HOSPITAL_STAFF, first_name="Anna")
    hospital = HospitalFactory(name="St. Elisabeth Gasthuis")
    HospitalMembershipFactory(user=nurse, hospital=hospital, job_title="Hospital pharmacist")
    lot = released_lot(quantity=5_000, lot_number=LOT)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=1_200, actor=officer())
    draft = inspections.recall_create(
        reference="RC-2020-001",
        lots=[lot],
        reason="Filter membrane fails: 82-91 % filtration against the 94 % required.",
        hazard="Staff treating COVID-19 patients are not protected.",
        recall_class=RecallClass.I,
        response_deadline=timezone.localdate() + dt.timedelta(days=7),
        coordinator=officer(),
        actor=officer(),
    )
    recall = inspections.recall_issue(recall=draft, actor=officer())
    return recall.notices.get()


def _fits(page: Page) -> None:
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"page is {scroll_width}px wide on a {inner_width}px phone"


def test_a_nurse_answers_a_recall_notice_and_ships_units_back_on_a_phone(
    phone_page, live_server, notice
):
    page = phone_page
    sign_in(page, live_server, "nurse", PASSWORD)
    to_answer = page.get_by_role("region", name="Recall notices to answer")
    expect(to_answer).to_contain_text("URGENT")
    to_answer.get_by_role("link", name=f"Answer the notice {notice.reference}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(notice.reference)
    _fits(page)

    reply = page.get_by_role("region", name="Your answer")
    expect(reply.get_by_label("Units on hand")).to_have_value("1200")
    expect(reply.get_by_label("Your role")).to_have_value("Hospital pharmacist")
    reply.get_by_label("We have received this notice").check()
    reply.get_by_label("Units on hand").fill("1150")
    reply.get_by_label("Units used").fill("50")
    reply.get_by_role("button", name="Send the answer").tap()

    expect(page.get_by_role("status")).to_contain_text("Your answer to notice")
    assert NoticeReply.objects.get().acknowledged
    _fits(page)

    returns = page.get_by_role("region", name="Units sent back")
    returns.get_by_label("Units shipped back").fill("1150")
    returns.get_by_label("Shipment reference").fill("DHL 42")
    returns.get_by_role("button", name="Record the shipment").tap()

    expect(page.get_by_role("status")).to_contain_text("1,150 units of lot")
    expect(page.get_by_role("region", name="Units sent back")).to_contain_text(
        "On its way to the warehouse"
    )
    assert HospitalReturn.objects.get().quantity_shipped == 1_150
    _fits(page)


def test_the_warehouse_records_a_short_arrival_on_a_phone(phone_page, live_server, notice):
    nurse = notice.hospital.memberships.get().user
    inspections.hospital_return_ship(
        notice=notice, lot=notice.recall.lots.get(), quantity=100, actor=nurse
    )
    UserFactory(username="clerk", role=Role.WAREHOUSE_CLERK)
    page = phone_page
    sign_in(page, live_server, "clerk", PASSWORD)
    page.goto(live_server.url + reverse("warehouse_home"))
    page.get_by_role("link", name="Returns from hospitals").click()
    _fits(page)

    item = page.get_by_role("listitem").filter(has_text=LOT)
    item.get_by_label("Units that arrived").fill("90")
    item.get_by_role("button", name="Record arrival").tap()
    expect(page.get_by_role("alert")).to_contain_text("90 units arrived of the 100 shipped")
    expect(page.get_by_label("Units that arrived")).to_have_value("90")

    page.get_by_label("What happened, if your count differs").fill("One carton missing.")
    page.get_by_role("button", name="Record arrival").tap()

    expect(page.get_by_role("status")).to_contain_text("90 units of the 100 shipped")
    assert HospitalReturn.objects.get().discrepancy == -10
    _fits(page)
