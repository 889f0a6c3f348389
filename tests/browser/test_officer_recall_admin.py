"""A ministry officer in a real browser, in the ministry panel: finds a lot by its number with the
search field in the admin header (typed in lower case), reads where its units are on its
traceability page, puts it on hold with a reason (the lot page's action), prepares a recall of it
from the recall admin, issues it, and sees the notice delivered on the recall's page and in its
status report. Celery runs eagerly in tests: the notice goes out right after the commit.

Links, buttons and fields are found by role and visible name (or label); what the pages claim is
checked against the database afterwards.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.roles import Role
from inspections.models import DeliveryStatus, Recall, RecallStatus
from procurement import services
from procurement.models import Lot, LotStatus
from tests.browser.conftest import sign_in
from tests.factories import HospitalFactory, UserFactory, released_lot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"  # what UserFactory sets
LOT = "KN95-2003-TRACE"
HOSPITAL = "St. Elisabeth Gasthuis"
HOLD_REASON = "Ward reports the masks do not close; hold until tested."


@pytest.fixture
def officer():
    return UserFactory(username="officer", role=Role.MINISTRY_OFFICER, first_name="Marit")


@pytest.fixture
def lot(officer) -> Lot:
    """5,000 released respirators, 1,200 of them at one hospital; another lot to search past."""
    lot = released_lot(quantity=5_000, lot_number=LOT, actor=officer)
    released_lot(quantity=1_000, lot_number="KN95-2003-TRACE-2", actor=officer)
    hospital = HospitalFactory(code="ETZ", name=HOSPITAL)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=1_200, actor=officer)
    return lot


def _find_lot(page: Page, typed: str) -> None:
    search = page.get_by_role("search")
    search.get_by_label("Lot number").fill(typed)
    search.get_by_role("button", name="Find lot").click()


def test_an_officer_finds_a_lot_holds_it_and_recalls_it_from_the_admin(
    page: Page, live_server, officer, lot
):
    sign_in(page, live_server, "officer", PASSWORD)
    page.goto(live_server.url + reverse("admin:index"))

    # Find the lot by its number, typed in lower case, from the header of any admin page.
    _find_lot(page, LOT.lower())
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Lot traceability: {LOT}")
    where = page.get_by_role("region", name="Where every unit is now")
    expect(where.get_by_role("row", name=re.compile(HOSPITAL))).to_contain_text("1,200")
    expect(where.get_by_role("row", name=re.compile("Central warehouse"))).to_contain_text("3,800")
    expect(where.locator("tfoot")).to_contain_text("5,000")

    # Put it on hold, with a reason, from the lot's admin page.
    page.locator(".breadcrumbs").get_by_role("link", name=LOT).click()
    page.get_by_label("Act on this lot:").select_option(label="Put on hold")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Reason").fill(HOLD_REASON)
    page.get_by_role("button", name="Put on hold").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Put on hold: {LOT}.")
    lot.refresh_from_db()
    assert lot.status == LotStatus.ON_HOLD
    assert lot.events.get(to_status=LotStatus.ON_HOLD).reason == HOLD_REASON

    # Prepare a recall of it from the recall admin.
    page.goto(live_server.url + reverse("admin:inspections_recall_changelist"))
    page.get_by_role("link", name="Add recall").click()
    page.locator("#id_lots_from").select_option(label=f"{LOT}: Respirator (on hold)")
    page.locator("#id_lots_add").click()
    page.get_by_label("Class I: serious harm or death is reasonably probable").check()
    deadline = timezone.localdate() + dt.timedelta(days=7)
    page.get_by_label("Response deadline").fill(deadline.isoformat())
    page.get_by_label("Problem").fill("Filter membrane fails: 82-91 % filtration, 94 % required.")
    page.get_by_label("Hazard").fill("Staff treating COVID-19 patients are not protected.")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator(".messagelist")).to_contain_text("prepared as a draft")
    recall = Recall.objects.get()
    assert list(recall.lots.all()) == [lot] and recall.status == RecallStatus.DRAFT

    # Issue it: the confirmation names the hospital that gets a notice.
    page.get_by_role("link", name="Issue…").click()
    expect(page.locator("#content-main table.recall-figures")).to_contain_text(HOSPITAL)
    page.get_by_role("button", name="Issue the recall and send 1 notice").click()

    # The recall's page: issued, and the notice delivered by e-mail.
    expect(page.locator(".messagelist")).to_contain_text(
        f"Recall {recall.reference} issued: 1 notice(s) on their way."
    )
    expect(page.locator(".field-status")).to_contain_text("Issued")
    notices = page.locator("#notices-group")
    expect(notices.get_by_role("row", name=re.compile(HOSPITAL))).to_contain_text(
        "E-mail: delivered (1 attempt)"
    )
    notice = recall.notices.get()
    assert notice.deliveries.get().status == DeliveryStatus.DELIVERED
    lot.refresh_from_db()
    assert lot.status == LotStatus.RECALLED

    # And its status report says the same.
    page.get_by_role("link", name="Status report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Recall status report: {recall.reference}"
    )
    channels = page.get_by_role("region", name="Notices sent, by channel")
    expect(channels.get_by_role("row", name=re.compile("E-mail"))).to_contain_text("1")
    progress = page.get_by_role("region", name="Progress")
    expect(progress.get_by_role("row", name=re.compile("Notice delivered to"))).to_contain_text("1")
    expect(progress.get_by_role("row", name=re.compile("Units delivered"))).to_contain_text("1,200")
