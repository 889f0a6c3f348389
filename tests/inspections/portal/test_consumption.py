"""Recording units used from a delivery's page."""

from __future__ import annotations

from django.urls import reverse

from procurement import services
from procurement.models import LotEvent, StockMovement
from procurement.services import ledger


def _use_url(distribution) -> str:
    return reverse("hospital_delivery_use", args=[distribution.pk])


def _page_url(distribution) -> str:
    return reverse("hospital_delivery", args=[distribution.pk])


def _on_hand(distribution) -> int:
    return ledger.balance_of(distribution.lot, ledger.hospital_location(distribution.hospital))


def test_the_page_shows_the_stock_on_hand_of_the_lot(
    staff_client, delivery, make_delivery, hospital
):
    make_delivery(hospital, 30, lot=delivery.lot)  # a second delivery of the same lot

    response = staff_client.get(_page_url(delivery))

    assert response.context["on_hand"] == 130
    assert "<strong>130</strong> units" in response.content.decode()
    assert 'name="quantity_used"' in response.content.decode()


def test_recording_units_used_lowers_the_stock_and_says_so(staff_client, delivery):
    response = staff_client.post(_use_url(delivery), {"quantity_used": 30}, follow=True)

    assert response.redirect_chain == [(_page_url(delivery), 302)]
    assert _on_hand(delivery) == 70
    assert "30 units of lot" in response.content.decode()
    assert response.context["on_hand"] == 70
    assert LotEvent.objects.filter(kind=LotEvent.Kind.CONSUMED, lot=delivery.lot).count() == 1


def test_more_than_the_stock_is_a_form_error_and_keeps_the_number(staff_client, delivery):
    response = staff_client.post(_use_url(delivery), {"quantity_used": 101})

    content = response.content.decode()
    assert response.status_code == 200
    assert "holds 100 units of lot" in content
    assert 'name="quantity_used" value="101"' in content
    assert _on_hand(delivery) == 100


def test_zero_or_text_is_refused(staff_client, delivery):
    for bad in ("0", "some"):
        response = staff_client.post(_use_url(delivery), {"quantity_used": bad})

        assert response.context["use_form"].errors["quantity_used"]
    assert _on_hand(delivery) == 100
    assert not StockMovement.objects.filter(kind="consumption").exists()


def test_a_recalled_lots_use_is_refused_with_a_message(staff_client, delivery, officer):
    services.lot_recall(lot=delivery.lot, actor=officer, reason="Failed filtration")

    page = staff_client.get(_page_url(delivery)).content.decode()
    response = staff_client.post(_use_url(delivery), {"quantity_used": 5}, follow=True)

    assert 'name="quantity_used"' not in page  # no form offered for a recalled lot
    assert "use is no longer recorded here" in page
    assert response.redirect_chain == [(_page_url(delivery), 302)]
    assert "is recalled: stop using it" in response.content.decode()
    assert _on_hand(delivery) == 100


def test_use_of_another_hospitals_lot_cannot_be_recorded(staff_client, other_delivery):
    response = staff_client.post(_use_url(other_delivery), {"quantity_used": 5})

    assert response.status_code == 404
    assert _on_hand(other_delivery) == 50


def test_an_anonymous_or_wrong_role_post_changes_nothing(client, clerk, delivery):
    anonymous = client.post(_use_url(delivery), {"quantity_used": 5})
    client.force_login(clerk)
    clerk_response = client.post(_use_url(delivery), {"quantity_used": 5})

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert clerk_response.status_code == 403
    assert _on_hand(delivery) == 100
