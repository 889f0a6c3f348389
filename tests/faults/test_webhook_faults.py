"""Recall notices and the `recall.issued` event reach webhook receivers that fail: a receiver
answering 500, then one that holds the request past the timeout. Real HTTP on loopback
(`tests/webhook_receiver.py`), tasks run in-process; the sweeper is run where beat would.

After recovery every notice was delivered once per channel as far as the tracker knows, every
copy a receiver got of one notice or event carried the same Idempotency-Key (and the same signed
body), and nothing else moved: the ledger is clean."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.utils import timezone

from core.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEvent
from core.outbox import webhooks
from inspections import services
from inspections.models import Channel, DeliveryStatus, NoticeDelivery, Recall, RecallClass
from inspections.services import notices
from procurement import services as procurement
from tests import factories
from tests.faults.checks import assert_clean_after_fault
from tests.webhook_receiver import Receiver, signature

pytestmark = pytest.mark.django_db

HOSPITALS = 4
TIMEOUT = 0.3  # seconds: the receivers below sleep past it
SUBSCRIPTION_SECRET = "a-shared-secret-of-32-characters"


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def _draft_recall(officer, clerk, *, webhook_url: str = "") -> Recall:
    lot = factories.released_lot(quantity=1_000, actor=officer)
    for number in range(1, HOSPITALS + 1):
        hospital = factories.HospitalFactory(
            code=f"H-{number:02d}", webhook_url=webhook_url, webhook_secret=f"secret-{number}"
        )
        procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=50, actor=clerk)
    return services.recall_create(
        reference="RC-2020-500",
        lots=[lot],
        reason="Filter membrane fails.",
        hazard="Staff are not protected.",
        recall_class=RecallClass.I,
        response_deadline=timezone.localdate() + dt.timedelta(days=7),
        coordinator=officer,
        actor=officer,
    )


def _issue(recall: Recall, officer, capture) -> None:
    """Issue the recall; the deliveries run after the commit, in this process."""
    with capture(execute=True):
        services.recall_issue(recall=recall, actor=officer)


def _webhooks_due_now() -> None:
    NoticeDelivery.objects.filter(status=DeliveryStatus.PENDING).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


def _email_copies() -> list[tuple[str, str]]:
    return [
        (message.extra_headers["X-Notice-Reference"], message.extra_headers["Message-ID"])
        for message in mail.outbox
    ]


def _webhook_copies(receiver: Receiver) -> list[tuple[str, str]]:
    return [
        (json.loads(body)["notice_reference"], headers["Idempotency-Key"])
        for headers, body in receiver.requests
    ]


def _webhook_statuses(recall: Recall) -> list[str]:
    return list(
        NoticeDelivery.objects.filter(notice__recall=recall, channel=Channel.WEBHOOK).values_list(
            "status", flat=True
        )
    )


def test_notice_webhooks_answered_500_reach_every_hospital_once_the_receiver_recovers(
    officer, clerk, receiver, django_capture_on_commit_callbacks
):
    # given a receiver that answers 500 to everything
    receiver.answer(500)
    recall = _draft_recall(officer, clerk, webhook_url=receiver.url)

    # when the recall is issued
    _issue(recall, officer, django_capture_on_commit_callbacks)

    # then the e-mails went out, every webhook waits for a retry with its failure recorded
    assert len(mail.outbox) == HOSPITALS
    assert _webhook_statuses(recall) == [DeliveryStatus.PENDING] * HOSPITALS
    assert len(receiver.requests) == HOSPITALS
    failed = NoticeDelivery.objects.filter(notice__recall=recall, channel=Channel.WEBHOOK)
    for delivery in failed:
        [attempt] = delivery.attempts.all()
        assert not attempt.succeeded and not attempt.permanent and "500" in attempt.error
    assert notices.notices_sweep() == 0  # the retries are not due yet

    # when the receiver recovers and the retries are due, the sweeper sends them
    receiver.answer(200)
    _webhooks_due_now()
    assert notices.notices_sweep() == HOSPITALS

    # then each hospital's system got its notice twice, with one key and one signed body
    assert len(receiver.requests) == 2 * HOSPITALS
    bodies: dict[str, set[bytes]] = {}
    for headers, body in receiver.requests:
        bodies.setdefault(headers["Idempotency-Key"], set()).add(body)
        secret = f"secret-{int(json.loads(body)['hospital'][2:])}"
        assert headers["X-Tracker-Signature"] == signature(secret, body)
    assert all(len(copies) == 1 for copies in bodies.values())
    assert_clean_after_fault(recall, emails=_email_copies(), webhooks=_webhook_copies(receiver))


def test_notice_webhooks_that_time_out_are_sent_again_with_the_same_key(
    officer, clerk, monkeypatch, django_capture_on_commit_callbacks
):
    # given a receiver that takes the request but answers only after the tracker gave up
    slow = Receiver(200, delay=TIMEOUT * 4)
    monkeypatch.setattr(notices, "WEBHOOK_TIMEOUT_SECONDS", TIMEOUT)
    try:
        recall = _draft_recall(officer, clerk, webhook_url=slow.url)

        # when the recall is issued
        _issue(recall, officer, django_capture_on_commit_callbacks)

        # then every webhook timed out and waits for a retry; the receiver has them all
        assert _webhook_statuses(recall) == [DeliveryStatus.PENDING] * HOSPITALS
        errors = NoticeDelivery.objects.filter(
            notice__recall=recall, channel=Channel.WEBHOOK
        ).values_list("attempts__error", flat=True)
        assert all("timed out" in error.lower() for error in errors), list(errors)
        assert len(slow.requests) == HOSPITALS

        # when the receiver answers in time again and the retries are due
        slow.delay = 0
        _webhooks_due_now()
        assert notices.notices_sweep() == HOSPITALS
    finally:
        slow.close()

    # then the receiver has two copies of each notice, both with the notice's key: it drops one
    assert len(slow.requests) == 2 * HOSPITALS
    assert_clean_after_fault(recall, emails=_email_copies(), webhooks=_webhook_copies(slow))


def test_the_recall_issued_event_survives_a_500_and_a_timeout_with_one_idempotency_key(
    officer, clerk, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    # given a system subscribed to recall.issued whose receiver first answers 500
    subscription = webhooks.webhook_subscription_create(
        name="Regional coordination centre",
        url=receiver.url,
        events=[WebhookEvent.RECALL_ISSUED],
        secret=SUBSCRIPTION_SECRET,
        actor=officer,
    )
    receiver.answer(500)
    recall = _draft_recall(officer, clerk)

    # when the recall is issued: the first try gets the 500
    _issue(recall, officer, django_capture_on_commit_callbacks)
    [delivery] = WebhookDelivery.objects.filter(subscription=subscription)
    assert delivery.status == WebhookDeliveryStatus.PENDING

    # when the next try is held past the timeout
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", TIMEOUT)
    receiver.answer(200)
    receiver.delay = TIMEOUT * 4
    _event_due_now(delivery)
    assert webhooks.webhooks_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.PENDING

    # and the third is answered in time
    receiver.delay = 0
    _event_due_now(delivery)
    assert webhooks.webhooks_sweep() == 1

    # then it is delivered, after three copies with one key and one signed body
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.DELIVERED
    assert [a.succeeded for a in delivery.attempts.order_by("pk")] == [False, False, True]
    assert [a.response_status for a in delivery.attempts.order_by("pk")] == [500, None, 200]
    assert len(receiver.requests) == 3
    assert {headers["Idempotency-Key"] for headers, _ in receiver.requests} == {delivery.event_id}
    assert len({body for _, body in receiver.requests}) == 1
    headers, body = receiver.requests[-1]
    assert headers["X-Tracker-Signature"] == signature(SUBSCRIPTION_SECRET, body)
    assert json.loads(body)["data"]["reference"] == "RC-2020-500"
    assert_clean_after_fault(recall, emails=_email_copies())


def _event_due_now(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
