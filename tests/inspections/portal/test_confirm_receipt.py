"""Confirming a delivery's receipt from its page."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from core.models import OutboundEmail
from procurement.models import Distribution, LotEvent


def _confirm_url(distribution) -> str:
    return reverse("hospital_delivery_confirm", args=[distribution.pk])


def _page_url(distribution) -> str:
    return reverse("hospital_delivery", args=[distribution.pk])


def test_confirming_the_dispatched_quantity_records_it_and_says_so(
    staff_client, delivery, hospital_user
):
    response = staff_client.post(_confirm_url(delivery), {"quantity_received": 100}, follow=True)

    assert response.redirect_chain == [(_page_url(delivery), 302)]
    delivery.refresh_from_db()
    assert delivery.status == Distribution.Status.CONFIRMED
    assert delivery.quantity_received == 100
    assert delivery.confirmed_by == hospital_user
    assert "Receipt of lot" in response.content.decode()
    assert "confirmed: 100 units." in response.content.decode()
    assert not OutboundEmail.objects.exists()


def test_a_discrepancy_with_a_remark_is_recorded_and_mailed_to_the_ministry(staff_client, delivery):
    response = staff_client.post(
        _confirm_url(delivery),
        {"quantity_received": 80, "remark": "Two cartons missing"},
        follow=True,
    )

    delivery.refresh_from_db()
    assert delivery.quantity_received == 80
    assert delivery.discrepancy == -20
    assert delivery.receipt_remark == "Two cartons missing"
    email = OutboundEmail.objects.get()
    assert email.key == f"receipt-discrepancy-{delivery.pk}"
    assert email.to == sorted(settings.MINISTRY_ALERT_EMAILS)
    assert "The ministry has been told of the difference" in response.content.decode()


def test_a_discrepancy_without_a_remark_is_a_form_error_and_keeps_the_count(staff_client, delivery):
    response = staff_client.post(_confirm_url(delivery), {"quantity_received": 90, "remark": " "})

    content = response.content.decode()
    assert response.status_code == 200
    assert "differs from the 100 dispatched: say what happened" in content
    assert 'class="form-errors" role="alert"' in content
    assert 'name="quantity_received" value="90"' in content
    delivery.refresh_from_db()
    assert delivery.status == Distribution.Status.DISPATCHED
    assert not OutboundEmail.objects.exists()


def test_a_count_that_is_not_a_number_or_below_zero_is_refused(staff_client, delivery):
    for bad in ("ten", "-1", ""):
        response = staff_client.post(
            _confirm_url(delivery), {"quantity_received": bad, "remark": "x"}
        )

        assert response.status_code == 200
        assert response.context["receipt_form"].errors["quantity_received"]
        assert 'name="remark"' in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Distribution.Status.DISPATCHED


def test_confirming_twice_is_refused_with_a_message_and_changes_nothing(staff_client, delivery):
    staff_client.post(_confirm_url(delivery), {"quantity_received": 100})

    response = staff_client.post(
        _confirm_url(delivery), {"quantity_received": 50, "remark": "recount"}, follow=True
    )

    assert response.redirect_chain == [(_page_url(delivery), 302)]
    assert "This delivery was already confirmed on" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.quantity_received == 100
    assert LotEvent.objects.filter(kind=LotEvent.Kind.RECEIPT_CONFIRMED).count() == 1


def test_another_hospitals_delivery_cannot_be_confirmed(staff_client, other_delivery):
    response = staff_client.post(_confirm_url(other_delivery), {"quantity_received": 50})

    assert response.status_code == 404
    other_delivery.refresh_from_db()
    assert other_delivery.status == Distribution.Status.DISPATCHED


def test_an_anonymous_post_is_sent_to_sign_in_and_changes_nothing(client, delivery):
    response = client.post(_confirm_url(delivery), {"quantity_received": 100})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    delivery.refresh_from_db()
    assert delivery.status == Distribution.Status.DISPATCHED


def test_an_inspector_gets_403_and_changes_nothing(client, inspector, delivery):
    client.force_login(inspector)

    assert client.post(_confirm_url(delivery), {"quantity_received": 100}).status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == Distribution.Status.DISPATCHED


def test_opening_the_confirm_address_leads_to_the_delivery_page(staff_client, delivery):
    response = staff_client.get(_confirm_url(delivery))

    assert response.status_code == 302
    assert response["Location"] == _page_url(delivery)
