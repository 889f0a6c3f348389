"""The signed-in start pages: sign-in, the dispatcher at /, one page per role, and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from procurement import services
from procurement.models import IntendedUse, Lot, ReleaseBasis
from tests.factories import (
    HospitalFactory,
    HospitalMembershipFactory,
    ProductFactory,
    StandardFactory,
    UserFactory,
    placed_order,
    received_lot,
    released_lot,
)

PASSWORD = "correct horse battery"


def _dispatch(lot: Lot, hospital, quantity: int, actor):
    return services.distribution_dispatch(
        lot=lot, hospital=hospital, quantity=quantity, actor=actor
    )


def _received_days_ago(lot: Lot, days: int) -> None:
    # Test set-up only: back-date the receipt so the page has an age to show.
    Lot.objects.filter(pk=lot.pk).update(received_at=timezone.now() - dt.timedelta(days=days))


# ---------------------------------------------------------------------------------------------
# Signing in and out


@pytest.mark.parametrize("url_name", ["home", "ministry_home", "inspector_home", "hospital_home"])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db, url_name):
    url = reverse(url_name)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_the_login_page_renders_and_signs_an_officer_in(client, officer):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="username"' in page.content

    response = client.post(
        reverse("login"), {"username": "officer", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("ministry_home")
    assert response.context["user"].username == "officer"


def test_a_wrong_password_shows_an_error_and_does_not_sign_in(client, officer):
    response = client.post(reverse("login"), {"username": "officer", "password": "wrong"})

    assert response.status_code == 200
    assert b"form-errors" in response.content
    assert not response.context["user"].is_authenticated


def test_the_nav_signs_out_with_a_post_form(client, officer):
    client.force_login(officer)
    page = client.get(reverse("ministry_home"))
    assert f'action="{reverse("logout")}"'.encode() in page.content

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_the_nav_shows_the_user_name_role_and_a_panel_link_for_staff(client, inspector):
    client.force_login(inspector)

    content = client.get(reverse("inspector_home")).content.decode()

    assert "inspector" in content
    assert "Inspector" in content
    assert reverse("admin:index") in content


# ---------------------------------------------------------------------------------------------
# The dispatcher


@pytest.mark.parametrize(
    ("user_fixture", "url_name"),
    [
        ("officer", "ministry_home"),
        ("inspector", "inspector_home"),
        ("clerk", "warehouse_home"),
        ("hospital_user", "hospital_home"),
    ],
)
def test_each_role_lands_on_its_own_page(client, request, user_fixture, url_name):
    client.force_login(request.getfixturevalue(user_fixture))

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse(url_name)


def test_a_superuser_lands_on_the_ministry_page(client, db):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))

    assert client.get(reverse("home"))["Location"] == reverse("ministry_home")


def test_a_user_with_no_role_and_no_hospital_gets_a_clear_page(client, db):
    client.force_login(UserFactory(username="newcomer"))

    response = client.get(reverse("home"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "not set up yet" in content
    # Only the administrator can give a role: officers cannot create users or grant roles.
    assert (
        "Ask the tracker's administrator to give your account <strong>newcomer</strong> a role"
        in content
    )
    assert "ministry officers cannot" in content
    assert "Ask a ministry officer" not in content


def test_hospital_staff_without_a_hospital_gets_a_clear_page(client, db):
    client.force_login(UserFactory(username="nurse2", role=Role.HOSPITAL_STAFF))

    response = client.get(reverse("home"), follow=True)

    content = response.content.decode()
    assert response.status_code == 200
    assert "not linked to a hospital yet" in content
    assert "Ask the tracker's administrator to link your account <strong>nurse2</strong>" in content
    assert "Ask a ministry officer" not in content


@pytest.mark.parametrize(
    ("user_fixture", "url_name"),
    [
        ("hospital_user", "ministry_home"),
        ("hospital_user", "warehouse_home"),
        ("inspector", "ministry_home"),
        ("inspector", "warehouse_home"),
        ("clerk", "inspector_home"),
        ("clerk", "hospital_home"),
    ],
)
def test_another_roles_page_is_forbidden(client, request, user_fixture, url_name):
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(reverse(url_name)).status_code == 403


# ---------------------------------------------------------------------------------------------
# The ministry page


def test_the_ministry_page_shows_the_backlog_and_lots_still_needing_a_test(client, officer):
    waiting = received_lot(quantity=12_345, actor=officer)
    _received_days_ago(waiting, 9)
    untested = received_lot(quantity=700, actor=officer)
    services.lot_release(
        lot=untested, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="ICU shortage"
    )
    client.force_login(officer)

    response = client.get(reverse("ministry_home"))

    content = response.content.decode()
    assert response.context["waiting_lots"] == 1
    assert response.context["oldest_waiting_days"] == 9
    assert "12,345" in content
    assert "9 days" in content
    assert untested.lot_number in content
    assert "still needs a test" in content
    assert f"{reverse('admin:procurement_lot_changelist')}?status__exact=quarantined" in content
    assert response.context["needs_test_count"] == 1
    assert response.context["needs_test_more"] == 0
    assert "?needs_test=yes" not in content


def test_the_ministry_page_links_to_complaints_and_receipt_discrepancies(client, officer):
    client.force_login(officer)

    response = client.get(reverse("ministry_home"))

    links = {link["label"]: link["url"] for link in response.context["admin_links"]}
    assert links["Complaints from hospitals"] == reverse("admin:inspections_complaint_changelist")
    assert links["Receipt discrepancies"] == (
        reverse("admin:procurement_distribution_changelist") + "?discrepancy=yes"
    )
    assert client.get(links["Receipt discrepancies"]).status_code == 200


def test_the_ministry_page_lists_the_20_oldest_releases_and_links_to_the_rest(client, officer):
    # given 21 lots released on documents, released 1..21 days ago in a shuffled order
    lots = []
    for i in range(21):
        lot = received_lot(quantity=100 + i, actor=officer)
        services.lot_release(lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="ICU")
        days_ago = (i * 5) % 21 + 1  # a permutation of 1..21
        Lot.objects.filter(pk=lot.pk).update(
            released_at=timezone.now() - dt.timedelta(days=days_ago)
        )
        lots.append((days_ago, lot))
    oldest_first = [lot for _, lot in sorted(lots, key=lambda pair: -pair[0])]
    client.force_login(officer)

    # when
    response = client.get(reverse("ministry_home"))

    # then the 20 released longest ago are listed, oldest first, and the newest is not
    content = response.content.decode()
    assert [row.lot for row in response.context["needs_test"]] == oldest_first[:20]
    assert oldest_first[20].lot_number not in content
    assert response.context["needs_test_count"] == 21
    assert '<p class="figure">21</p>' in content
    # and a line leads to all of them in the panel, through the admin's "needs a test" filter
    changelist = f"{reverse('admin:procurement_lot_changelist')}?needs_test=yes"
    assert f'<a href="{changelist}">and 1 more</a>' in content
    panel = client.get(changelist)
    assert panel.status_code == 200
    assert panel.context["cl"].result_count == 21


# ---------------------------------------------------------------------------------------------
# The inspector page


def test_the_inspector_sees_waiting_lots_oldest_first_with_age_and_flags(client, inspector):
    newer = received_lot(quantity=2_500)
    older = received_lot(quantity=400)
    _received_days_ago(older, 12)
    client.force_login(inspector)

    response = client.get(reverse("inspector_home"))

    content = response.content.decode()
    assert [row.lot for row in response.context["rows"]] == [older, newer]
    assert "12 days" in content
    assert "2,500" in content
    assert older.order_line.order.supplier.name in content


def test_the_inspector_sees_documents_releases_and_intended_use_mismatch(
    client, officer, inspector
):
    kn95 = StandardFactory(code="GB 2626 KN95", is_medical=False)
    product = ProductFactory(name="KN95 mask", claimed_standard=kn95)
    mismatched = received_lot(order=placed_order(product=product, intended_use=IntendedUse.MEDICAL))
    on_documents = received_lot()
    services.lot_release(
        lot=on_documents, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="Emergency"
    )
    client.force_login(inspector)

    content = client.get(reverse("inspector_home")).content.decode()

    assert mismatched.lot_number in content
    assert "not certified to a medical standard" in content
    assert on_documents.lot_number in content
    assert "Released on documents: still needs a test" in content


# ---------------------------------------------------------------------------------------------
# The warehouse page


def test_the_clerk_sees_stock_first_expired_first_and_the_latest_dispatches(
    client, clerk, officer, hospital
):
    later = released_lot(quantity=5_000, expires_on=timezone.localdate() + dt.timedelta(days=900))
    sooner = released_lot(quantity=3_000, expires_on=timezone.localdate() + dt.timedelta(days=60))
    _dispatch(sooner, hospital, 1_200, officer)
    client.force_login(clerk)

    response = client.get(reverse("warehouse_home"))

    content = response.content.decode()
    assert list(response.context["page_obj"]) == [sooner, later]
    assert "1,800" in content  # 3,000 received - 1,200 dispatched
    assert "5,000" in content
    assert "Expires soon" in content
    assert hospital.name in content
    assert "1,200" in content


# ---------------------------------------------------------------------------------------------
# The hospital page


def test_hospital_staff_see_their_deliveries_and_not_another_hospitals(
    client, officer, hospital, hospital_user
):
    ours = released_lot(quantity=1_500)
    theirs = released_lot(quantity=1_000)
    _dispatch(ours, hospital, 1_100, officer)
    _dispatch(theirs, HospitalFactory(name="Other Hospital"), 300, officer)
    client.force_login(hospital_user)

    response = client.get(reverse("hospital_home"))

    content = response.content.decode()
    assert ours.lot_number in content
    assert "1,100" in content
    assert theirs.lot_number not in content
    assert "Other Hospital" not in content


def test_hospital_staff_see_stock_on_hand_per_lot(client, officer, hospital, hospital_user):
    lot = released_lot(quantity=2_000)
    _dispatch(lot, hospital, 1_250, officer)
    services.stock_consume(lot=lot, hospital=hospital, quantity=250, actor=hospital_user)
    client.force_login(hospital_user)

    response = client.get(reverse("hospital_home"))

    [(shown_hospital, balances)] = response.context["stock"]
    assert shown_hospital == hospital
    assert [(b.lot, b.quantity) for b in balances] == [(lot, 1_000)]
    assert "1,000" in response.content.decode()


def test_a_delivery_of_a_lot_put_on_hold_shows_a_warning(client, officer, hospital, hospital_user):
    lot = released_lot()
    _dispatch(lot, hospital, 100, officer)
    services.lot_hold(lot=lot, actor=officer, reason="Complaint: straps snap")
    client.force_login(hospital_user)

    content = client.get(reverse("hospital_home")).content.decode()

    assert "On hold: do not use" in content
    assert "badge--warning" in content


def test_a_delivery_of_a_recalled_lot_shows_a_recall_warning(
    client, officer, hospital, hospital_user
):
    lot = released_lot()
    _dispatch(lot, hospital, 100, officer)
    services.lot_recall(lot=lot, actor=officer, reason="Failed filtration test")
    client.force_login(hospital_user)

    content = client.get(reverse("hospital_home")).content.decode()

    assert "Recalled: stop using" in content


# ---------------------------------------------------------------------------------------------
# Query counts stay flat as rows grow


def _add_rows(officer, hospitals, count: int) -> None:
    """Rows for every page: waiting lots, untested lots, warehouse stock and, at every one of
    the hospitals, deliveries and stock."""
    for _ in range(count):
        received_lot(actor=officer)
        untested = received_lot(actor=officer)
        services.lot_release(
            lot=untested, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="Emergency"
        )
        lot = released_lot(actor=officer)
        for hospital in hospitals:
            _dispatch(lot, hospital, 10, officer)


@pytest.mark.parametrize(
    ("user_fixture", "url_name"),
    [
        ("officer", "ministry_home"),
        ("inspector", "inspector_home"),
        ("clerk", "warehouse_home"),
        ("hospital_user", "hospital_home"),
    ],
)
def test_the_number_of_queries_does_not_grow_with_the_rows(
    client, request, officer, hospital, django_assert_max_num_queries, user_fixture, url_name
):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    _add_rows(officer, [hospital], 1)
    with CaptureQueriesContext(connection) as baseline:
        assert client.get(reverse(url_name)).status_code == 200

    # More rows everywhere; the hospital user now belongs to three hospitals, each with stock.
    hospitals = [hospital]
    if url_name == "hospital_home":
        hospitals += [HospitalMembershipFactory(user=user).hospital for _ in range(2)]
    _add_rows(officer, hospitals, 5)

    with django_assert_max_num_queries(len(baseline.captured_queries)):
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    if url_name == "hospital_home":
        stock = {h: len(balances) for h, balances in response.context["stock"]}
        assert stock == {hospitals[0]: 6, hospitals[1]: 5, hospitals[2]: 5}
