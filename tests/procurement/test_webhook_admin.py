"""Webhooks in the ministry panel: subscriptions are added and edited through the services (the
secret shown once, masked after, never deleted), deliveries are read only with their attempts,
and a failed delivery can be retried now; other roles do not get in."""

from __future__ import annotations

import pytest

from core.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEvent, WebhookSubscription
from core.outbox import webhooks
from tests.admin_helpers import act, admin_url, messages_of

pytestmark = pytest.mark.django_db

SECRET = "panel-secret-0123456789"


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def subscription(officer):
    return webhooks.webhook_subscription_create(
        name="Audit",
        url="https://audit.example/in",
        events=[WebhookEvent.LOT_STATUS_CHANGED],
        secret=SECRET,
        actor=officer,
    )


def _failed_delivery(subscription) -> WebhookDelivery:
    [delivery] = webhooks.webhook_publish(
        event=WebhookEvent.LOT_STATUS_CHANGED, payload={"lot": 1}, key="x"
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDeliveryStatus.FAILED, attempt_count=1
    )
    delivery.attempts.create(succeeded=False, response_status=410, error="the receiver answered")
    return delivery


def test_adding_a_subscription_goes_through_the_service_and_shows_the_secret_once(
    officer_client, officer
):
    response = officer_client.post(
        admin_url(WebhookSubscription, "add"),
        {
            "name": "Data platform",
            "url": "https://data.example/hooks",
            "events": ["recall.issued", "notice.answered"],
            "new_secret": "",
        },
        follow=True,
    )

    subscription = WebhookSubscription.objects.get()
    assert subscription.created_by == officer
    assert subscription.events == ["notice.answered", "recall.issued"]
    assert any(subscription.secret in message for message in messages_of(response))
    listing = officer_client.get(admin_url(WebhookSubscription)).content.decode()
    assert "Data platform" in listing and subscription.secret not in listing
    page = officer_client.get(admin_url(WebhookSubscription, "change", subscription.pk))
    assert subscription.secret not in page.content.decode()


def test_a_url_the_service_refuses_is_shown_on_the_form_and_nothing_is_saved(officer_client):
    response = officer_client.post(
        admin_url(WebhookSubscription, "add"),
        {"name": "Files", "url": "ftp://files.example/in", "events": ["recall.issued"]},
    )

    assert response.status_code == 200
    assert "not an http:// or https:// URL" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_editing_keeps_the_secret_unless_a_new_one_is_asked_for(officer_client, subscription):
    url = admin_url(WebhookSubscription, "change", subscription.pk)
    form = {
        "name": "Audit trail",
        "url": "https://audit.example/v2",
        "events": ["lot.status_changed", "return.received"],
        "is_active": "on",
        "new_secret": "",
    }

    officer_client.post(url, form, follow=True)
    subscription.refresh_from_db()
    assert (subscription.name, subscription.secret) == ("Audit trail", SECRET)
    assert subscription.events == ["lot.status_changed", "return.received"]

    response = officer_client.post(url, {**form, "generate_secret": "on"}, follow=True)
    subscription.refresh_from_db()
    assert subscription.secret != SECRET
    assert any(subscription.secret in message for message in messages_of(response))

    officer_client.post(url, {**form, "is_active": ""}, follow=True)
    subscription.refresh_from_db()
    assert not subscription.is_active


def test_a_subscription_cannot_be_deleted(officer_client, subscription):
    response = officer_client.get(admin_url(WebhookSubscription, "delete", subscription.pk))

    assert response.status_code == 403


def test_a_delivery_shows_its_attempts_and_cannot_be_edited(officer_client, subscription):
    delivery = _failed_delivery(subscription)

    page = officer_client.get(admin_url(WebhookDelivery, "change", delivery.pk))

    assert page.status_code == 200
    content = page.content.decode()
    assert "410" in content and delivery.event_id in content
    assert "Save" not in content
    listing = officer_client.get(admin_url(WebhookDelivery), {"status__exact": "failed"})
    assert listing.context["cl"].result_count == 1


def test_retry_now_queues_a_failed_delivery_again(officer_client, subscription):
    delivery = _failed_delivery(subscription)

    response = act(officer_client, WebhookDelivery, "retry_now", [delivery])

    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.PENDING and delivery.next_attempt_at is None
    assert any("Queued again" in message for message in messages_of(response))


def test_retry_now_says_why_a_delivered_one_is_left_alone(officer_client, subscription):
    delivery = _failed_delivery(subscription)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDeliveryStatus.DELIVERED)

    response = act(officer_client, WebhookDelivery, "retry_now", [delivery])

    assert any("only a failed or waiting one" in message for message in messages_of(response))


@pytest.mark.parametrize("role_user", ["clerk", "inspector"])
def test_other_roles_do_not_see_webhooks(client, request, role_user, subscription):
    client.force_login(request.getfixturevalue(role_user))

    assert client.get(admin_url(WebhookSubscription)).status_code == 403
    assert client.get(admin_url(WebhookDelivery)).status_code == 403
