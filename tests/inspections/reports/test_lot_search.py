"""The lot search in the admin header: the exact number, in any case, opens the lot's
traceability page (a warehouse clerk, who may not read it, gets the lot's admin page); part of a
number lists the lots it matches; nothing found says so."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.admin_helpers import admin_url

pytestmark = pytest.mark.django_db

SEARCH = reverse("reports:lot_search")


@pytest.fixture
def lots(officer):
    return {
        number: factories.received_lot(actor=officer, lot_number=number)
        for number in ("KN95-2003-A", "KN95-2003-B", "AG-RDT-0415-1")
    }


def test_the_exact_number_in_any_case_opens_the_lot_s_traceability(lots, officer, sign_in):
    response = sign_in(officer).get(SEARCH, {"q": "  kn95-2003-a "})

    assert response.status_code == 302
    assert response["Location"] == reverse("reports:lot_trace", args=[lots["KN95-2003-A"].pk])


def test_an_inspector_is_taken_to_the_traceability_page_too(lots, inspector, sign_in):
    response = sign_in(inspector).get(SEARCH, {"q": "AG-RDT-0415-1"})

    assert response["Location"] == reverse("reports:lot_trace", args=[lots["AG-RDT-0415-1"].pk])


def test_a_warehouse_clerk_is_taken_to_the_lot_s_admin_page(lots, clerk, sign_in):
    lot = lots["KN95-2003-B"]

    response = sign_in(clerk).get(SEARCH, {"q": "KN95-2003-B"})

    assert response["Location"] == admin_url(type(lot), "change", lot.pk)


def test_part_of_a_number_lists_the_lots_it_matches(lots, officer, sign_in):
    response = sign_in(officer).get(SEARCH, {"q": "2003"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "No lot is numbered exactly “2003”" in page
    for number in ("KN95-2003-A", "KN95-2003-B"):
        assert reverse("reports:lot_trace", args=[lots[number].pk]) in page
    assert "AG-RDT-0415-1" not in page
    assert 'value="2003"' in page  # the header's field keeps what was typed


def test_a_number_nobody_has_says_so(lots, officer, sign_in):
    response = sign_in(officer).get(SEARCH, {"q": "NO-SUCH-LOT"})

    assert response.status_code == 200
    assert "No lot number contains “NO-SUCH-LOT”." in response.content.decode()


def test_an_empty_search_explains_itself(officer, sign_in):
    response = sign_in(officer).get(SEARCH, {"q": "   "})

    assert response.status_code == 200
    assert "Type a lot number in the search field" in response.content.decode()


def test_the_search_is_refused_to_hospital_staff(lots, hospital_user, sign_in):
    response = sign_in(hospital_user).get(SEARCH, {"q": "KN95-2003-A"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
