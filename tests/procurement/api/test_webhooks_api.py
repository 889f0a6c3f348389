"""/api/v1/webhooks/: ministry officers list and create subscriptions (the secret answered once,
masked after), deactivate one, and read its deliveries with their attempts; every other role is
refused, and bad input is a 400 that saves nothing."""

from __future__ import annotations

import pytest

from core.models import WebhookDeliveryStatus, WebhookEvent, WebhookSubscription
from core.outbox import webhooks
from core.roles import Role
from tests.api_helpers import error_of, token_client
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"
NEW = {
    "name": "Ministry data platform",
    "url": "https://data.ministry.example/hooks",
    "events": ["recall.issued", "lot.status_changed"],
}


@pytest.fixture
def api():
    return token_client(Role.MINISTRY_OFFICER)


@pytest.fixture
def subscription(officer):
    return webhooks.webhook_subscription_create(
        name="Audit",
        url="https://audit.example/in",
        events=[WebhookEvent.LOT_STATUS_CHANGED],
        secret="audit-secret-0123456789",
        actor=officer,
    )


def test_creating_a_subscription_answers_the_generated_secret_once(api):
    response = api.post(URL, NEW, format="json")

    assert response.status_code == 201
    body = response.json()
    stored = WebhookSubscription.objects.get()
    assert body["secret"] == stored.secret and len(stored.secret) >= 32
    assert body["events"] == ["lot.status_changed", "recall.issued"]
    assert body["created_by"] == api.user.username and body["is_active"] is True
    shown = api.get(f"{URL}{stored.pk}/").json()
    assert "secret" not in shown
    assert shown["secret_hint"] and stored.secret not in shown["secret_hint"]
    assert stored.secret not in str(api.get(URL).json())


def test_a_given_secret_is_kept(api):
    response = api.post(URL, {**NEW, "secret": "x" * 20}, format="json")

    assert response.status_code == 201
    assert WebhookSubscription.objects.get().secret == "x" * 20


@pytest.mark.parametrize(
    ("change", "field_or_message"),
    [
        ({"url": "ftp://files.example/in"}, "not an http:// or https:// URL"),
        ({"events": ["lot.exploded"]}, "events"),
        ({"events": []}, "events"),
        ({"secret": "short"}, "16 to 128 characters"),
    ],
)
def test_bad_input_is_a_400_and_saves_nothing(api, change, field_or_message):
    response = api.post(URL, {**NEW, **change}, format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert field_or_message in error["message"] or field_or_message in error.get("fields", {})
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.WAREHOUSE_CLERK])
def test_other_ministry_roles_are_refused(role, subscription):
    client = token_client(role)

    assert client.get(URL).status_code == 403
    assert client.post(URL, NEW, format="json").status_code == 403
    assert client.post(f"{URL}{subscription.pk}/deactivate/").status_code == 403
    assert client.get(f"{URL}{subscription.pk}/deliveries/").status_code == 403
    assert WebhookSubscription.objects.count() == 1


def test_a_hospital_system_is_refused(hospital, subscription):
    client = token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])

    response = client.get(URL)

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_an_officer_lists_subscriptions_and_filters_the_active_ones(api, subscription):
    webhooks.webhook_subscription_create(
        name="Old", url="https://old.example/in", events=["return.received"], actor=api.user
    )
    webhooks.webhook_subscription_deactivate(
        subscription=WebhookSubscription.objects.get(name="Old"), actor=api.user
    )

    everything = api.get(URL).json()["results"]
    active = api.get(URL, {"is_active": "true"}).json()["results"]

    assert [s["name"] for s in everything] == ["Audit", "Old"]
    assert [s["name"] for s in active] == ["Audit"]


def test_deactivating_stops_new_events(api, subscription):
    response = api.post(f"{URL}{subscription.pk}/deactivate/")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert webhooks.webhook_publish(event=WebhookEvent.LOT_STATUS_CHANGED, payload={}) == []


def test_an_unknown_subscription_is_a_404(api):
    assert api.post(f"{URL}999/deactivate/").status_code == 404
    assert api.get(f"{URL}999/deliveries/").status_code == 404


def test_deliveries_show_their_attempts_newest_first(api, officer):
    receiver = Receiver(500, 200)
    try:
        subscription = webhooks.webhook_subscription_create(
            name="Receiver", url=receiver.url, events=["lot.status_changed"], actor=officer
        )
        [older] = webhooks.webhook_publish(event="lot.status_changed", payload={"n": 1}, key="1")
        [newer] = webhooks.webhook_publish(event="lot.status_changed", payload={"n": 2}, key="2")
        webhooks.webhook_deliver(delivery_id=older.pk)
    finally:
        receiver.close()

    response = api.get(f"{URL}{subscription.pk}/deliveries/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [newer.pk, older.pk]
    assert rows[1]["status"] == WebhookDeliveryStatus.PENDING
    assert rows[1]["event_id"] == older.event_id
    assert rows[1]["payload"]["data"] == {"n": 1}
    assert [(a["succeeded"], a["response_status"]) for a in rows[1]["attempts"]] == [(False, 500)]
    assert rows[0]["attempts"] == []


def test_the_deliveries_list_runs_the_same_queries_for_one_or_many(
    api, subscription, django_assert_max_num_queries
):
    for key in range(5):
        webhooks.webhook_publish(event="lot.status_changed", payload={}, key=str(key))

    with django_assert_max_num_queries(8):
        response = api.get(f"{URL}{subscription.pk}/deliveries/")

    assert len(response.json()["results"]) == 5
