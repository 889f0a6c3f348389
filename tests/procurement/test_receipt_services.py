"""distribution_confirm_receipt: the hospital's count of what arrived, once per delivery."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from core.models import OutboundEmail
from core.outbox import emails as outbox
from procurement import services
from procurement.models import Distribution, LotEvent
from tests.factories import HospitalMembershipFactory, released_lot


@pytest.fixture
def delivery(officer, hospital):
    lot = released_lot(quantity=1_000, actor=officer)
    return services.distribution_dispatch(lot=lot, hospital=hospital, quantity=200, actor=officer)


def _confirm(delivery, actor, received: int = 200, remark: str = "") -> Distribution:
    return services.distribution_confirm_receipt(
        distribution=delivery, quantity_received=received, remark=remark, actor=actor
    )


def _unchanged(delivery) -> bool:
    delivery.refresh_from_db()
    return (
        delivery.status == Distribution.Status.DISPATCHED
        and delivery.quantity_received is None
        and not LotEvent.objects.filter(kind=LotEvent.Kind.RECEIPT_CONFIRMED).exists()
        and not OutboundEmail.objects.exists()
    )


def test_the_full_quantity_confirms_the_delivery_with_an_event_and_no_email(
    delivery, hospital_user
):
    confirmed = _confirm(delivery, hospital_user)

    assert confirmed.status == Distribution.Status.CONFIRMED
    assert confirmed.quantity_received == 200
    assert confirmed.discrepancy == 0
    assert confirmed.confirmed_by == hospital_user
    assert confirmed.confirmed_at is not None
    event = LotEvent.objects.get(kind=LotEvent.Kind.RECEIPT_CONFIRMED)
    assert event.actor == hospital_user
    assert event.data["discrepancy"] == 0
    assert not OutboundEmail.objects.exists()


def test_a_discrepancy_with_a_remark_is_kept_and_mailed_after_commit(
    delivery, hospital_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = _confirm(delivery, hospital_user, received=180, remark=" 2 cartons missing ")

    assert confirmed.discrepancy == -20
    assert confirmed.receipt_remark == "2 cartons missing"
    email = OutboundEmail.objects.get()
    assert email.key == f"receipt-discrepancy-{delivery.pk}"
    assert email.to == sorted(settings.MINISTRY_ALERT_EMAILS)
    assert delivery.lot.lot_number in email.subject
    assert [m.subject for m in mail.outbox] == [email.subject]


def test_more_units_than_dispatched_is_a_discrepancy_too(delivery, hospital_user):
    confirmed = _confirm(delivery, hospital_user, received=210, remark="Ten extra")

    assert confirmed.discrepancy == 10
    assert OutboundEmail.objects.count() == 1


def test_a_discrepancy_without_a_remark_is_refused_and_changes_nothing(delivery, hospital_user):
    with pytest.raises(InvalidInput, match="differs from the 200 dispatched"):
        _confirm(delivery, hospital_user, received=150, remark="   ")

    assert _unchanged(delivery)


@pytest.mark.parametrize("received", [-1, None])
def test_a_negative_or_missing_count_is_refused(delivery, hospital_user, received):
    with pytest.raises(InvalidInput, match="zero or more"):
        _confirm(delivery, hospital_user, received=received, remark="x")

    assert _unchanged(delivery)


def test_zero_received_with_a_remark_is_a_valid_confirmation(delivery, hospital_user):
    confirmed = _confirm(delivery, hospital_user, received=0, remark="Truck never arrived")

    assert confirmed.quantity_received == 0
    assert confirmed.discrepancy == -200


def test_a_delivery_is_confirmed_once(delivery, hospital_user):
    _confirm(delivery, hospital_user)

    with pytest.raises(IllegalTransition, match="already confirmed"):
        _confirm(delivery, hospital_user, received=100, remark="recount")

    delivery.refresh_from_db()
    assert delivery.quantity_received == 200
    assert LotEvent.objects.filter(kind=LotEvent.Kind.RECEIPT_CONFIRMED).count() == 1


@pytest.mark.parametrize("who", ["officer", "clerk", "inspector", "other_staff"])
def test_only_staff_of_the_receiving_hospital_may_confirm(delivery, request, who):
    if who == "other_staff":
        actor = HospitalMembershipFactory(user__username="elsewhere").user
    else:
        actor = request.getfixturevalue(who)

    with pytest.raises(NotPermitted):
        _confirm(delivery, actor)

    assert _unchanged(delivery)


def test_a_member_without_the_hospital_staff_role_may_not_confirm(delivery, hospital):
    from tests.factories import UserFactory

    member = UserFactory(username="no-role")
    HospitalMembershipFactory(user=member, hospital=hospital)

    with pytest.raises(NotPermitted):
        _confirm(delivery, member)


def test_a_failure_while_queuing_the_email_leaves_the_delivery_unconfirmed(
    delivery, hospital_user, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(outbox, "email_enqueue", broken)

    with pytest.raises(RuntimeError):
        _confirm(delivery, hospital_user, received=190, remark="ten missing")

    assert _unchanged(delivery)
