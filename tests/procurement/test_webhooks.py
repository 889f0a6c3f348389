"""Outbound webhooks: publishing writes one delivery per active subscription inside the change's
transaction (nothing on rollback, one query when nobody listens); delivering posts a signed body
with a stable Idempotency-Key to a real receiver on loopback, retries what may mend and fails
what will not, logging every attempt; the sweeper picks up what no task did. The supply side's
two events (lot status changed, return received) are published by their services."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import transaction
from django.utils import timezone

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from core.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEvent, WebhookSubscription
from core.outbox import webhooks
from procurement import services
from procurement.models import LotStatus
from tests import factories
from tests.webhook_receiver import Receiver, signature

pytestmark = pytest.mark.django_db

SECRET = "a-shared-secret-of-32-characters"
LOT_EVENT = WebhookEvent.LOT_STATUS_CHANGED


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def subscribe(officer, receiver):
    def subscribe(*events, url=None, name=None, secret=SECRET) -> WebhookSubscription:
        return webhooks.webhook_subscription_create(
            name=name or f"System {WebhookSubscription.objects.count() + 1}",
            url=url or receiver.url,
            events=events or [LOT_EVENT],
            secret=secret,
            actor=officer,
        )

    return subscribe


def _publish(key="change-1", event=LOT_EVENT, payload=None) -> list[WebhookDelivery]:
    with transaction.atomic():
        return webhooks.webhook_publish(event=event, payload=payload or {"lot": 7}, key=key)


def _due_now(delivery: WebhookDelivery) -> None:
    """Let the backoff pass."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


def _deliver(delivery: WebhookDelivery) -> WebhookDelivery:
    webhooks.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


# ---------------------------------------------------------------------------------------------
# Publishing


def test_publishing_writes_one_delivery_per_active_subscription_to_the_event(subscribe):
    lots_only = subscribe(LOT_EVENT)
    lots_and_recalls = subscribe(LOT_EVENT, WebhookEvent.RECALL_ISSUED)
    subscribe(WebhookEvent.RECALL_ISSUED)
    switched_off = subscribe(LOT_EVENT)
    switched_off.is_active = False
    switched_off.save(update_fields=["is_active"])

    deliveries = _publish(payload={"lot": {"id": 7, "number": "L-7"}})

    assert {d.subscription_id for d in deliveries} == {lots_only.pk, lots_and_recalls.pk}
    assert len({d.event_id for d in deliveries}) == 2
    for delivery in deliveries:
        assert delivery.status == WebhookDeliveryStatus.PENDING
        assert delivery.payload["event"] == "lot.status_changed"
        assert delivery.payload["event_id"] == delivery.event_id
        assert delivery.payload["data"] == {"lot": {"id": 7, "number": "L-7"}}


def test_deliveries_are_sent_only_after_the_change_commits(
    subscribe, receiver, django_capture_on_commit_callbacks
):
    subscribe()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _publish()
        assert receiver.requests == []  # nothing leaves inside the transaction

    assert len(callbacks) == 1
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == WebhookDeliveryStatus.DELIVERED


def test_a_change_that_rolls_back_publishes_nothing(
    subscribe, officer, django_capture_on_commit_callbacks
):
    subscribe()
    lot = factories.received_lot(actor=officer)

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.lot_hold(lot=lot, actor=officer, reason="Complaint from a ward")
        raise RuntimeError("something after the hold failed")

    assert not WebhookDelivery.objects.exists()
    assert callbacks == []


def test_publishing_with_no_subscriber_costs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        deliveries = webhooks.webhook_publish(
            event=LOT_EVENT, payload=lambda: pytest.fail("nobody listens: no payload is built")
        )
    assert deliveries == []


def test_publishing_the_same_change_twice_writes_it_once(subscribe):
    subscribe()
    [first] = _publish(key="lot-event:41")

    assert _publish(key="lot-event:41") == []
    assert WebhookDelivery.objects.get().event_id == first.event_id


def test_an_unknown_event_is_a_programming_error():
    with pytest.raises(ValueError):
        webhooks.webhook_publish(event="lot.exploded", payload={})


# ---------------------------------------------------------------------------------------------
# Delivering


def test_a_delivery_is_signed_and_names_its_event_and_idempotency_key(subscribe, receiver):
    subscribe()
    [delivery] = _publish(payload={"lot": {"id": 7}, "reason": "Mask does not close"})

    delivery = _deliver(delivery)

    assert delivery.status == WebhookDeliveryStatus.DELIVERED
    assert delivery.delivered_at is not None and delivery.attempt_count == 1
    headers, raw = receiver.requests[0]
    assert headers["X-Tracker-Signature"] == signature(SECRET, raw)
    assert headers["X-Tracker-Signature"] != signature("another-secret-of-enough-length", raw)
    assert headers["X-Tracker-Event"] == "lot.status_changed"
    assert headers["Idempotency-Key"] == delivery.event_id
    assert headers["Content-Type"] == "application/json"
    body = json.loads(raw)
    assert body["event_id"] == delivery.event_id
    assert body["data"] == {"lot": {"id": 7}, "reason": "Mask does not close"}
    attempt = delivery.attempts.get()
    assert attempt.succeeded and attempt.response_status == 200


def test_a_server_error_is_retried_later_with_the_same_key_and_body(subscribe, receiver):
    subscribe()
    receiver.answer(500, 200)
    [delivery] = _publish()

    delivery = _deliver(delivery)

    assert delivery.status == WebhookDeliveryStatus.PENDING
    wait = delivery.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=50) < wait <= dt.timedelta(minutes=1)
    failed = delivery.attempts.get()
    assert (failed.succeeded, failed.response_status) == (False, 500)
    assert "500" in failed.error
    # Not due yet: a second task leaves it alone.
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == WebhookDeliveryStatus.PENDING
    assert len(receiver.requests) == 1

    _due_now(delivery)
    delivery = _deliver(delivery)

    assert delivery.status == WebhookDeliveryStatus.DELIVERED
    assert delivery.attempt_count == 2
    first, second = receiver.requests
    assert first[0]["Idempotency-Key"] == second[0]["Idempotency-Key"] == delivery.event_id
    assert first[1] == second[1]
    assert second[0]["X-Tracker-Signature"] == signature(SECRET, second[1])


def test_the_wait_doubles_with_each_failure(subscribe, receiver):
    subscribe()
    receiver.answer(503)
    [delivery] = _publish()
    waits = []
    for _ in range(3):
        _due_now(delivery)
        delivery = _deliver(delivery)
        waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds() / 60))

    assert waits == [1, 2, 4]
    assert delivery.attempts.count() == 3


def test_a_receiver_that_times_out_is_retried(subscribe, monkeypatch):
    slow = Receiver(200, delay=1.0)
    try:
        monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.2)
        subscribe(url=slow.url)
        [delivery] = _publish()

        delivery = _deliver(delivery)
    finally:
        slow.close()

    assert delivery.status == WebhookDeliveryStatus.PENDING
    attempt = delivery.attempts.get()
    assert not attempt.succeeded and attempt.response_status is None
    assert "timed out" in attempt.error.lower()


def test_a_receiver_that_is_down_is_retried(subscribe):
    closed = Receiver()
    closed.close()  # nothing listens on its port any more
    subscribe(url=closed.url)
    [delivery] = _publish()

    delivery = _deliver(delivery)

    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert "refused" in delivery.attempts.get().error.lower()


@pytest.mark.parametrize("status", [408, 429])
def test_asked_to_come_back_later_is_retried(subscribe, receiver, status):
    subscribe()
    receiver.answer(status)
    [delivery] = _publish()

    assert _deliver(delivery).status == WebhookDeliveryStatus.PENDING


@pytest.mark.parametrize("status", [400, 410])
def test_a_receiver_that_refuses_the_event_fails_it_for_good(subscribe, receiver, status):
    subscribe()
    receiver.answer(status)
    [delivery] = _publish()

    delivery = _deliver(delivery)

    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert delivery.next_attempt_at is None
    attempt = delivery.attempts.get()
    assert (attempt.succeeded, attempt.response_status) == (False, status)
    assert webhooks.webhooks_sweep() == 0  # a failed one is not picked up again


def test_a_redirect_is_not_followed(subscribe, receiver):
    elsewhere = Receiver()
    try:
        receiver.answer(307)
        receiver.location = elsewhere.url
        subscribe()
        [delivery] = _publish()

        delivery = _deliver(delivery)
    finally:
        elsewhere.close()

    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert delivery.attempts.get().response_status == 307
    assert elsewhere.requests == []


def test_a_subscription_url_that_is_not_http_fails_without_being_opened(subscribe, tmp_path):
    # The services accept only http(s) URLs; a row changed behind their back (or a future path
    # that forgets to check) must still never make urllib read a local file.
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("not for the receiver")
    subscription = subscribe()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(url=secret_file.as_uri())
    [delivery] = _publish()

    delivery = _deliver(delivery)

    assert delivery.status == WebhookDeliveryStatus.FAILED
    attempt = delivery.attempts.get()
    assert attempt.succeeded is False and "not an http:// or https:// URL" in attempt.error


def test_a_delivery_fails_for_good_after_the_last_attempt(subscribe, receiver):
    subscribe()
    receiver.answer(502)
    [delivery] = _publish()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempt_count=webhooks.MAX_ATTEMPTS - 1)

    delivery = _deliver(delivery)

    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert delivery.attempt_count == webhooks.MAX_ATTEMPTS


def test_a_delivery_claimed_by_another_worker_is_left_alone(subscribe, receiver):
    subscribe()
    [delivery] = _publish()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDeliveryStatus.SENDING, claimed_at=timezone.now()
    )

    assert webhooks.webhook_deliver(delivery_id=delivery.pk) == WebhookDeliveryStatus.SENDING
    assert receiver.requests == []


def test_the_sweeper_sends_what_no_task_picked_up(subscribe, receiver, settings):
    subscribe()
    _publish(key="a")  # its on_commit never ran: the broker was down
    [worker_died] = _publish(key="b")
    long_ago = timezone.now() - dt.timedelta(seconds=settings.OUTBOX_CLAIM_EXPIRES_SECONDS + 60)
    WebhookDelivery.objects.filter(pk=worker_died.pk).update(
        status=WebhookDeliveryStatus.SENDING, claimed_at=long_ago
    )

    assert webhooks.webhooks_sweep() == 2  # tasks run eagerly in the unit tests

    assert len(receiver.requests) == 2
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {
        WebhookDeliveryStatus.DELIVERED
    }
    assert webhooks.webhooks_sweep() == 0


def test_waiting_deliveries_of_a_deactivated_subscription_fail_and_no_new_ones_are_made(
    subscribe, receiver, officer
):
    subscription = subscribe()
    [waiting] = _publish(key="a")

    webhooks.webhook_subscription_deactivate(subscription=subscription, actor=officer)

    assert _publish(key="b") == []
    waiting = _deliver(waiting)
    assert waiting.status == WebhookDeliveryStatus.FAILED
    assert "deactivated" in waiting.attempts.get().error
    assert receiver.requests == []


# ---------------------------------------------------------------------------------------------
# Retrying by hand


def test_an_officer_retries_a_failed_delivery_now(
    subscribe, receiver, officer, django_capture_on_commit_callbacks
):
    subscribe()
    receiver.answer(410, 200)
    [delivery] = _publish()
    assert _deliver(delivery).status == WebhookDeliveryStatus.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        webhooks.webhook_delivery_retry(delivery=delivery, actor=officer)

    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.DELIVERED
    assert [a.response_status for a in delivery.attempts.all()] == [410, 200]


def test_a_delivered_delivery_cannot_be_retried(subscribe, officer):
    subscribe()
    [delivery] = _publish()
    _deliver(delivery)

    with pytest.raises(IllegalTransition, match="delivered"):
        webhooks.webhook_delivery_retry(delivery=delivery, actor=officer)


def test_only_an_officer_retries_a_delivery(subscribe, clerk):
    subscribe()
    [delivery] = _publish()

    with pytest.raises(NotPermitted):
        webhooks.webhook_delivery_retry(delivery=delivery, actor=clerk)


# ---------------------------------------------------------------------------------------------
# Subscriptions


def test_a_subscription_without_a_secret_gets_a_long_random_one(officer):
    first = webhooks.webhook_subscription_create(
        name="Ministry data platform",
        url="https://data.ministry.example/hooks",
        events=[WebhookEvent.RECALL_ISSUED, WebhookEvent.RECALL_ISSUED, LOT_EVENT],
        actor=officer,
    )
    second = webhooks.webhook_subscription_create(
        name="Audit", url="https://audit.example/in", events=[LOT_EVENT], actor=officer
    )

    assert len(first.secret) >= 32 and first.secret != second.secret
    assert first.events == ["lot.status_changed", "recall.issued"]
    assert first.created_by == officer and first.is_active
    assert SECRET not in webhooks.secret_masked(SECRET) and webhooks.secret_masked(SECRET)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "ftp://files.example/in"}, "not an http:// or https:// URL"),
        ({"url": "not a url"}, "not an http:// or https:// URL"),
        ({"events": ["lot.exploded"]}, "Unknown event"),
        ({"events": []}, "at least one event"),
        ({"secret": "too-short"}, "16 to 128 characters"),
        ({"name": "  "}, "needs a name"),
    ],
)
def test_a_bad_subscription_is_refused_and_nothing_is_saved(officer, fields, message):
    values = {"name": "Platform", "url": "https://x.example/in", "events": [LOT_EVENT]}

    with pytest.raises(InvalidInput, match=message):
        webhooks.webhook_subscription_create(actor=officer, **{**values, **fields})

    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("role_user", ["clerk", "inspector", "hospital_user"])
def test_only_a_ministry_officer_manages_subscriptions(request, subscribe, role_user):
    user = request.getfixturevalue(role_user)
    subscription = subscribe()

    with pytest.raises(NotPermitted):
        webhooks.webhook_subscription_create(
            name="x", url="https://x.example/in", events=[LOT_EVENT], actor=user
        )
    with pytest.raises(NotPermitted):
        webhooks.webhook_subscription_update(subscription=subscription, actor=user, name="y")
    with pytest.raises(NotPermitted):
        webhooks.webhook_subscription_deactivate(subscription=subscription, actor=user)


def test_an_update_changes_only_what_is_given_and_deactivating_twice_is_harmless(
    subscribe, officer
):
    subscription = subscribe()

    webhooks.webhook_subscription_update(
        subscription=subscription,
        actor=officer,
        events=[WebhookEvent.RETURN_RECEIVED],
        secret="another-secret-of-enough-length",
    )
    webhooks.webhook_subscription_deactivate(subscription=subscription, actor=officer)
    webhooks.webhook_subscription_deactivate(subscription=subscription, actor=officer)

    subscription.refresh_from_db()
    assert subscription.events == ["return.received"]
    assert subscription.secret == "another-secret-of-enough-length"
    assert subscription.name.startswith("System") and not subscription.is_active


# ---------------------------------------------------------------------------------------------
# The supply side's events, published by their services


def test_every_lot_status_change_is_published(
    subscribe, receiver, officer, django_capture_on_commit_callbacks
):
    subscribe(LOT_EVENT)
    lot = factories.received_lot(actor=officer)

    with django_capture_on_commit_callbacks(execute=True):
        services.lot_hold(lot=lot, actor=officer, reason="Complaint from the ICU")

    [delivery] = WebhookDelivery.objects.all()
    data = receiver.body()["data"]
    event = lot.events.latest("id")
    assert data == {
        "lot": {
            "id": lot.pk,
            "number": lot.lot_number,
            "product": {"sku": lot.order_line.product.sku, "name": lot.order_line.product.name},
        },
        "from": LotStatus.QUARANTINED,
        "to": LotStatus.ON_HOLD,
        "reason": "Complaint from the ICU",
        "by": officer.username,
        "at": data["at"],
        "lot_event_id": event.pk,
    }
    assert abs(dt.datetime.fromisoformat(data["at"]) - event.at) < dt.timedelta(milliseconds=1)
    assert delivery.status == WebhookDeliveryStatus.DELIVERED
    # Asking for the status the lot is already in changes nothing and publishes nothing.
    services.lot_hold(lot=lot, actor=officer, reason="Again")
    assert WebhookDelivery.objects.count() == 1


def test_units_handed_back_at_the_warehouse_publish_return_received(
    subscribe, receiver, officer, hospital, django_capture_on_commit_callbacks
):
    subscribe(WebhookEvent.RETURN_RECEIVED)
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=40, actor=officer)

    with django_capture_on_commit_callbacks(execute=True):
        services.stock_return_from_hospital(
            lot=lot, hospital=hospital, quantity=15, actor=officer, reference="RET-9"
        )

    body = receiver.body()
    assert body["event"] == "return.received"
    data = body["data"]
    assert data["lot"]["number"] == lot.lot_number
    assert data["hospital"] == {"code": hospital.code, "name": hospital.name}
    assert (data["shipped"], data["received"], data["missing"]) == (15, 15, 0)
    assert data["reference"] == "RET-9" and data["received_by"] == officer.username
