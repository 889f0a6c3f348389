"""The portal's home page: what needs action now, the latest deliveries, stock on hand; and who
may open the portal's pages at all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspections import services as inspection_services
from procurement import services
from procurement.models import Distribution
from tests.factories import HospitalMembershipFactory

HOME = reverse("hospital_home")


def _dispatched_days_ago(distribution, days: int) -> None:
    # Test set-up only: back-date a dispatch so the order of the list can be seen.
    Distribution.objects.filter(pk=distribution.pk).update(
        dispatched_at=timezone.now() - dt.timedelta(days=days)
    )


def _portal_urls(delivery, complaint) -> list[str]:
    return [
        reverse("hospital_home"),
        reverse("hospital_deliveries"),
        reverse("hospital_delivery", args=[delivery.pk]),
        reverse("hospital_complaint_report", args=[delivery.pk]),
        reverse("hospital_complaints"),
        reverse("hospital_complaint", args=[complaint.pk]),
        reverse("hospital_complaint_photo", args=[complaint.pk]),
        reverse("hospital_stock"),
    ]


# ---------------------------------------------------------------------------------------------
# Who may open the portal


def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_portal_page(client, delivery, report):
    for url in _portal_urls(delivery, report(delivery)):
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_a_clerk_or_an_inspector_is_refused_every_portal_page(wrong_role_client, delivery, report):
    for url in _portal_urls(delivery, report(delivery)):
        assert wrong_role_client.get(url).status_code == 403, url


def test_a_clerk_cannot_post_to_the_portals_forms(client, clerk, delivery):
    client.force_login(clerk)

    confirm = client.post(
        reverse("hospital_delivery_confirm", args=[delivery.pk]), {"quantity_received": 100}
    )

    assert confirm.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == Distribution.Status.DISPATCHED


def test_hospital_staff_without_a_hospital_get_the_friendly_page_on_every_portal_page(
    client, roleless_staff, delivery, report
):
    client.force_login(roleless_staff)

    for url in _portal_urls(delivery, report(delivery)):
        response = client.get(url)

        assert response.status_code == 200, url
        assert "not linked to a hospital yet" in response.content.decode()


def test_the_start_page_dispatcher_sends_hospital_staff_to_the_portal(staff_client):
    response = staff_client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == HOME


def test_the_portal_home_is_the_hospital_start_page_and_the_nav_points_at_it(staff_client):
    response = staff_client.get(HOME)

    assert response.status_code == 200
    assert response.templates[0].name == "portal/home.html"
    assert f'href="{HOME}" aria-current="page"' in response.content.decode()


# ---------------------------------------------------------------------------------------------
# What needs action now


def test_deliveries_to_confirm_are_counted_and_listed_oldest_first(
    staff_client, make_delivery, hospital, hospital_user
):
    # given three deliveries, one of them already confirmed
    newer = make_delivery(hospital, 10)
    older = make_delivery(hospital, 20)
    _dispatched_days_ago(older, 3)
    confirmed = make_delivery(hospital, 30)
    services.distribution_confirm_receipt(
        distribution=confirmed, quantity_received=30, actor=hospital_user
    )

    # when
    response = staff_client.get(HOME)

    # then the two unconfirmed ones are listed, oldest first, each with its confirm link
    content = response.content.decode()
    assert response.context["to_confirm_count"] == 2
    assert response.context["to_confirm"] == [older, newer]
    assert '<span class="count">2</span>' in content
    for distribution in (older, newer):
        assert f'href="{reverse("hospital_delivery", args=[distribution.pk])}#confirm"' in content
    assert "Confirm receipt" in content


def test_when_everything_is_confirmed_the_home_page_says_so(staff_client):
    content = staff_client.get(HOME).content.decode()

    assert "Every delivery is confirmed." in content
    assert "Stop using these lots" not in content


def test_lots_on_hold_or_recalled_that_the_hospital_holds_get_a_stop_using_warning(
    staff_client, make_delivery, hospital, officer
):
    held = make_delivery(hospital, 40)
    recalled = make_delivery(hospital, 60)
    fine = make_delivery(hospital, 70)
    services.lot_hold(lot=held.lot, actor=officer, reason="Complaint: straps snap")
    services.lot_recall(lot=recalled.lot, actor=officer, reason="Failed filtration")

    response = staff_client.get(HOME)

    content = response.content.decode()
    assert {b.lot for b in response.context["stop_using"]} == {held.lot, recalled.lot}
    assert "Stop using these lots" in content
    assert "On hold: do not use" in content
    assert "Recalled: stop using" in content
    assert f"?lot={held.lot.pk}" in content
    assert fine.lot not in {b.lot for b in response.context["stop_using"]}


def test_a_held_lot_no_longer_held_at_the_hospital_is_not_a_warning(
    staff_client, delivery, hospital, hospital_user, officer
):
    services.stock_consume(lot=delivery.lot, hospital=hospital, quantity=100, actor=hospital_user)
    services.lot_hold(lot=delivery.lot, actor=officer, reason="Complaint")

    response = staff_client.get(HOME)

    assert response.context["stop_using"] == []


def test_open_complaints_are_listed_and_closed_ones_are_not(
    staff_client, delivery, report, officer
):
    open_one = report(delivery)
    closed = report(delivery, description="Labels missing")
    inspection_services.complaint_close(complaint=closed, actor=officer, resolution="Relabelled")

    response = staff_client.get(HOME)

    assert response.context["open_complaints"] == [open_one]
    assert response.context["open_complaints_count"] == 1
    assert reverse("hospital_complaint", args=[open_one.pk]) in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Latest deliveries and stock


def test_the_ten_latest_deliveries_are_shown_with_a_link_to_all(
    staff_client, make_delivery, hospital, officer
):
    first = make_delivery(hospital, 5)
    for _ in range(10):
        make_delivery(hospital, 5, lot=first.lot)

    response = staff_client.get(HOME)

    assert len(response.context["recent"]) == 10
    assert first not in response.context["recent"]
    assert f'href="{reverse("hospital_deliveries")}"' in response.content.decode()


def test_another_hospitals_deliveries_never_show(staff_client, delivery, other_delivery):
    response = staff_client.get(HOME)

    content = response.content.decode()
    assert delivery.lot.lot_number in content
    assert other_delivery.lot.lot_number not in content
    assert "Other Hospital" not in content
    assert response.context["to_confirm"] == [delivery]


def test_stock_on_hand_is_shown_per_lot(staff_client, delivery, hospital, hospital_user):
    services.stock_consume(lot=delivery.lot, hospital=hospital, quantity=25, actor=hospital_user)

    response = staff_client.get(HOME)

    [(shown, balances)] = response.context["stock"]
    assert shown == hospital
    assert [(b.lot, b.quantity) for b in balances] == [(delivery.lot, 75)]


def test_staff_of_two_hospitals_see_stock_per_hospital(
    staff_client, make_delivery, hospital, hospital_user
):
    second = HospitalMembershipFactory(user=hospital_user).hospital
    ours = make_delivery(hospital, 10)
    make_delivery(second, 20, lot=ours.lot)

    response = staff_client.get(HOME)

    stock = {h: [(b.lot, b.quantity) for b in bs] for h, bs in response.context["stock"]}
    assert stock == {hospital: [(ours.lot, 10)], second: [(ours.lot, 20)]}
    assert second.name in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Query count


def test_the_number_of_queries_does_not_grow_with_the_rows(
    staff_client, make_delivery, hospital, hospital_user, officer, report,
    django_assert_max_num_queries,
):  # fmt: skip
    def add_rows(hospitals, count: int) -> None:
        for _ in range(count):
            for target in hospitals:
                distribution = make_delivery(target, 10)
                if target == hospital:
                    report(distribution)
                services.lot_hold(lot=distribution.lot, actor=officer, reason="Complaint")

    add_rows([hospital], 1)
    with CaptureQueriesContext(connection) as baseline:
        assert staff_client.get(HOME).status_code == 200

    hospitals = [hospital] + [HospitalMembershipFactory(user=hospital_user).hospital for _ in "ab"]
    add_rows(hospitals, 4)

    with django_assert_max_num_queries(len(baseline.captured_queries)):
        response = staff_client.get(HOME)
    assert response.status_code == 200
    assert response.context["to_confirm_count"] == 13
    assert len(response.context["stop_using"]) == 13


@pytest.mark.parametrize("page", ["hospital_stock", "hospital_complaints"])
def test_list_pages_keep_a_flat_number_of_queries(
    staff_client, make_delivery, hospital, report, page, django_assert_max_num_queries
):
    report(make_delivery(hospital, 10))
    with CaptureQueriesContext(connection) as baseline:
        assert staff_client.get(reverse(page)).status_code == 200

    for _ in range(5):
        report(make_delivery(hospital, 10))

    with django_assert_max_num_queries(len(baseline.captured_queries)):
        assert staff_client.get(reverse(page)).status_code == 200
