"""The deliveries list (search, filter, pages), a delivery's page, and the stock page."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections.models import Certificate, VerificationStatus
from procurement import services
from procurement.models import Product
from tests.factories import (
    HospitalMembershipFactory,
    ProductFactory,
    StandardFactory,
    placed_order,
    received_lot,
)

LIST = reverse("hospital_deliveries")


def _page_url(distribution) -> str:
    return reverse("hospital_delivery", args=[distribution.pk])


def _confirm(distribution, actor, received: int | None = None, remark: str = ""):
    return services.distribution_confirm_receipt(
        distribution=distribution,
        quantity_received=distribution.quantity if received is None else received,
        remark=remark,
        actor=actor,
    )


# ---------------------------------------------------------------------------------------------
# The list


def test_the_list_shows_the_hospitals_deliveries_and_not_another_hospitals(
    staff_client, delivery, other_delivery
):
    response = staff_client.get(LIST)

    content = response.content.decode()
    assert list(response.context["page_obj"]) == [delivery]
    assert f'href="{_page_url(delivery)}"' in content
    assert other_delivery.lot.lot_number not in content


def test_search_finds_by_lot_number_product_name_and_hospital_code(
    staff_client, make_delivery, hospital, hospital_user
):
    second = HospitalMembershipFactory(user=hospital_user, hospital__code="ZUYD").hospital
    gowns = make_delivery(hospital, 10, lot_number="GOWN-2020-7")
    masks = make_delivery(hospital, 10)
    Product.objects.filter(pk=masks.lot.order_line.product_id).update(name="Surgical mask IIR")
    at_second = make_delivery(second, 10)

    def found(q: str) -> list:
        return list(staff_client.get(LIST, {"q": q}).context["page_obj"])

    assert found("gown-2020") == [gowns]
    assert found("surgical") == [masks]
    assert found("zuyd") == [at_second]
    assert found("nothing like this") == []
    # a bad filter value is ignored, the search still applies
    assert list(staff_client.get(LIST, {"q": "gown", "status": "x"}).context["page_obj"]) == [gowns]


def test_the_status_filter_separates_to_confirm_confirmed_and_discrepancies(
    staff_client, make_delivery, hospital, hospital_user
):
    waiting = make_delivery(hospital, 10)
    exact = make_delivery(hospital, 20)
    short = make_delivery(hospital, 30)
    _confirm(exact, hospital_user)
    _confirm(short, hospital_user, received=28, remark="One carton crushed")

    def shown(status: str) -> set:
        return set(staff_client.get(LIST, {"status": status}).context["page_obj"])

    assert shown("to_confirm") == {waiting}
    assert shown("confirmed") == {exact, short}
    assert shown("discrepancy") == {short}
    assert shown("all") == {waiting, exact, short}
    assert shown("banana") == {waiting, exact, short}  # a bad value shows everything


def test_a_discrepancy_is_visible_in_the_list(staff_client, delivery, hospital_user):
    _confirm(delivery, hospital_user, received=90, remark="Ten missing")

    content = staff_client.get(LIST).content.decode()

    assert "Confirmed: 90 received (-10)" in content


def test_rows_of_lots_on_hold_or_recalled_carry_a_warning(
    staff_client, make_delivery, hospital, officer
):
    held = make_delivery(hospital, 10)
    recalled = make_delivery(hospital, 10)
    services.lot_hold(lot=held.lot, actor=officer, reason="Complaint")
    services.lot_recall(lot=recalled.lot, actor=officer, reason="Failed")

    content = staff_client.get(LIST).content.decode()

    assert content.count("row--alert") == 2
    assert "On hold: do not use" in content
    assert "Recalled: stop using" in content


def test_twenty_six_deliveries_make_two_pages_and_the_links_keep_the_search(
    staff_client, make_delivery, hospital
):
    first = make_delivery(hospital, 1)
    for _ in range(25):
        last = make_delivery(hospital, 1, lot=first.lot)

    page_one = staff_client.get(LIST, {"q": first.lot.lot_number, "status": "to_confirm"})
    page_two = staff_client.get(
        LIST, {"q": first.lot.lot_number, "status": "to_confirm", "page": 2}
    )

    assert len(page_one.context["page_obj"]) == 25
    assert b"Page 1 of 2" in page_one.content
    next_link = page_one.context["page_links"]["next"]
    assert f"q={first.lot.lot_number}" in next_link
    assert "status=to_confirm" in next_link
    assert "page=2" in next_link
    assert len(page_two.context["page_obj"]) == 1
    # deliveries to confirm are a work queue: oldest first, so the newest is on the last page
    assert list(page_two.context["page_obj"]) == [last]
    assert "status=to_confirm" in page_two.context["page_links"]["previous"]


def test_a_bad_page_number_shows_a_real_page(staff_client, delivery):
    response = staff_client.get(LIST, {"page": "banana"})

    assert response.status_code == 200
    assert response.context["page_obj"].number == 1


def test_the_lot_filter_shows_the_deliveries_of_one_lot(
    staff_client, make_delivery, hospital, other_hospital
):
    first = make_delivery(hospital, 10)
    again = make_delivery(hospital, 10, lot=first.lot)
    make_delivery(hospital, 10)
    make_delivery(other_hospital, 10, lot=first.lot)

    response = staff_client.get(LIST, {"lot": first.lot.pk})

    assert set(response.context["page_obj"]) == {first, again}
    assert "Showing the deliveries of one lot." in response.content.decode()


def test_the_list_keeps_a_flat_number_of_queries(
    staff_client, make_delivery, hospital, hospital_user, django_assert_max_num_queries
):
    make_delivery(hospital, 10)
    with CaptureQueriesContext(connection) as baseline:
        assert staff_client.get(LIST, {"q": "LOT"}).status_code == 200

    second = HospitalMembershipFactory(user=hospital_user).hospital
    for _ in range(6):
        make_delivery(hospital, 10)
        _confirm(make_delivery(second, 10), hospital_user, received=9, remark="one short")

    with django_assert_max_num_queries(len(baseline.captured_queries)):
        response = staff_client.get(LIST, {"q": "LOT"})
    assert len(response.context["page_obj"]) == 13


# ---------------------------------------------------------------------------------------------
# A delivery's page


def test_the_delivery_page_shows_the_lot_and_the_prefilled_confirm_form(
    staff_client, officer, hospital
):
    standard = StandardFactory(code="EN 149 FFP3")
    product = ProductFactory(
        name="FFP3 respirator", manufacturer="Acme Masks", claimed_standard=standard
    )
    lot = received_lot(
        quantity=500,
        order=placed_order(product=product, quantity=500),
        manufactured_on=dt.date(2020, 1, 15),
        expires_on=dt.date(2030, 1, 14),
    )
    services.lot_release(
        lot=lot, actor=officer, basis="inspection", reason="Inspection IR-1 accepted"
    )
    distribution = services.distribution_dispatch(
        lot=lot, hospital=hospital, quantity=120, actor=officer
    )

    response = staff_client.get(_page_url(distribution))

    content = response.content.decode()
    for text in (lot.lot_number, "FFP3 respirator", "Acme Masks", "EN 149 FFP3", "2020-01-15",
                 "2030-01-14", "120", "Released"):  # fmt: skip
        assert text in content, text
    assert 'name="quantity_received" value="120"' in content
    assert 'id="confirm"' in content
    assert reverse("hospital_complaint_report", args=[distribution.pk]) in content
    assert 'role="alert"' not in content


def test_the_delivery_page_lists_the_certificates_of_the_lot_and_of_its_product(
    staff_client, delivery
):
    lot = delivery.lot
    product = lot.order_line.product
    Certificate.objects.create(
        lot=lot, standard=product.claimed_standard, issuer="SGS", certificate_number="LOT-CERT-1",
        valid_until=dt.date(2031, 5, 1),
    )  # fmt: skip
    Certificate.objects.create(
        product=product, standard=product.claimed_standard, issuer="TÜV",
        certificate_number="PRD-9", notified_body_number="0123",
        verification_status=VerificationStatus.VERIFIED,
    )  # fmt: skip
    Certificate.objects.create(
        product=ProductFactory(), standard=product.claimed_standard, issuer="X",
        certificate_number="SOMEONE-ELSES",
    )  # fmt: skip

    response = staff_client.get(_page_url(delivery))

    content = response.content.decode()
    assert [c.certificate_number for c in response.context["certificates"]] == [
        "LOT-CERT-1",
        "PRD-9",
    ]
    assert "2031-05-01" in content
    assert "Verified" in content and "Unverified" in content
    assert "SOMEONE-ELSES" not in content


def test_a_lot_on_hold_shows_a_do_not_use_banner(staff_client, delivery, officer):
    services.lot_hold(lot=delivery.lot, actor=officer, reason="Complaint")

    content = staff_client.get(_page_url(delivery)).content.decode()

    assert 'role="alert"' in content
    assert "is on hold: do not use it" in content
    assert "until the ministry decides" in content


def test_a_recalled_lot_shows_a_stop_using_banner(staff_client, delivery, officer):
    services.lot_recall(lot=delivery.lot, actor=officer, reason="Failed")

    content = staff_client.get(_page_url(delivery)).content.decode()

    assert 'role="alert"' in content
    assert "is recalled: stop using it now" in content
    assert "recall notice follows" in content


def test_a_confirmed_delivery_shows_who_confirmed_what_and_no_form(
    staff_client, delivery, hospital_user
):
    _confirm(delivery, hospital_user, received=97, remark="Three crushed")

    content = staff_client.get(_page_url(delivery)).content.decode()

    assert 'name="quantity_received"' not in content
    assert "nurse" in content
    assert "97" in content
    assert "-3" in content
    assert "Three crushed" in content


def test_another_hospitals_delivery_answers_404(staff_client, other_delivery):
    assert staff_client.get(_page_url(other_delivery)).status_code == 404


def test_the_delivery_page_lists_its_complaints(
    staff_client, delivery, make_delivery, hospital, report
):
    ours = report(delivery)
    elsewhere = report(make_delivery(hospital, 10))

    response = staff_client.get(_page_url(delivery))

    assert response.context["complaints"] == [ours]
    assert reverse("hospital_complaint", args=[elsewhere.pk]) not in response.content.decode()


# ---------------------------------------------------------------------------------------------
# The stock page


def test_the_stock_page_shows_each_lot_with_its_status_and_deliveries_link(
    staff_client, make_delivery, hospital, other_hospital, officer
):
    held = make_delivery(hospital, 40)
    services.lot_hold(lot=held.lot, actor=officer, reason="Complaint")
    elsewhere = make_delivery(other_hospital, 15)

    response = staff_client.get(reverse("hospital_stock"))

    content = response.content.decode()
    assert f"{LIST}?lot={held.lot.pk}" in content
    assert "On hold: do not use" in content
    assert elsewhere.lot.lot_number not in content
