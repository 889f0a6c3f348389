"""Delivering recall notices through their outbox rows: the e-mail in the hospital's language
with URGENT for class I and II and a stable Message-ID; the webhook signed with HMAC-SHA256 and
carrying the notice id as idempotency key; transient failures retried, permanent ones failed."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from inspections import services
from inspections.models import Channel, DeliveryStatus, NoticeDelivery, RecallClass
from inspections.services import notices
from procurement import services as procurement
from tests import factories
from tests.factories import released_lot

pytestmark = pytest.mark.django_db


class Receiver:
    """A real HTTP server on loopback that answers every POST with `status` and keeps what
    it got."""

    def __init__(self, status: int = 200):
        self.status = status
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/recalls"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def issue(officer, clerk):
    """Issue a recall of one lot delivered to one hospital; deliveries are not sent yet."""

    def issue(*, recall_class=RecallClass.I, language="en", webhook_url="", secret="s3cret"):
        lot = released_lot(quantity=500)
        hospital = factories.HospitalFactory(
            code="H-WEST", language=language, webhook_url=webhook_url, webhook_secret=secret
        )
        procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=120, actor=clerk)
        recall = services.recall_create(
            reference="RC-2020-007",
            lots=[lot],
            reason="Filter membrane fails.",
            hazard="Staff are not protected.",
            recall_class=recall_class,
            response_deadline=timezone.localdate() + dt.timedelta(days=5),
            coordinator=officer,
            actor=officer,
        )
        services.recall_issue(recall=recall, actor=officer)  # on_commit not run: nothing sent
        return recall.notices.get()

    return issue


def _delivery(notice, channel=Channel.EMAIL) -> NoticeDelivery:
    return notice.deliveries.get(channel=channel)


def test_the_email_says_urgent_names_the_lot_and_carries_the_reply_card(issue, settings):
    settings.EMAIL_MESSAGE_ID_DOMAIN = "tracker.test"
    notice = issue()

    status = notices.notice_deliver(delivery_id=_delivery(notice).pk)

    assert status == DeliveryStatus.DELIVERED
    [message] = mail.outbox
    lot_number = next(iter(notice.received))
    assert message.subject.startswith("URGENT: Recall RC-2020-007 (class I)")
    assert lot_number in message.subject
    assert message.to == [notice.hospital.contact_email]
    assert message.extra_headers["Message-ID"] == f"<notice-{notice.pk}@tracker.test>"
    assert message.extra_headers["X-Notice-Reference"] == "RC-2020-007/H-WEST"
    assert "120 units delivered to you" in message.body
    assert "units already used: ____" in message.body
    assert "Stop use and return to the central warehouse." in message.body
    # The link goes straight to the hospital's reply form for this notice.
    assert f"{settings.SITE_URL}/hospital/notices/{notice.pk}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert lot_number in html and "RC-2020-007/H-WEST" in html
    attempt = _delivery(notice).attempts.get()
    assert attempt.succeeded


def test_a_class_three_notice_is_not_urgent(issue):
    notice = issue(recall_class=RecallClass.III)

    notices.notice_deliver(delivery_id=_delivery(notice).pk)

    assert not mail.outbox[0].subject.startswith("URGENT")


def test_a_delivered_notice_is_not_sent_again(issue):
    notice = issue()
    delivery = _delivery(notice)
    notices.notice_deliver(delivery_id=delivery.pk)

    assert notices.notice_deliver(delivery_id=delivery.pk) == DeliveryStatus.DELIVERED
    assert len(mail.outbox) == 1


def test_the_webhook_is_signed_and_carries_the_notice_id_as_idempotency_key(issue, receiver):
    notice = issue(webhook_url=receiver.url)

    status = notices.notice_deliver(delivery_id=_delivery(notice, Channel.WEBHOOK).pk)

    assert status == DeliveryStatus.DELIVERED
    [(headers, body)] = receiver.requests
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Tracker-Signature"], expected)
    assert headers["Idempotency-Key"] == str(notice.pk)
    payload = json.loads(body)
    assert payload["notice_reference"] == "RC-2020-007/H-WEST"
    assert payload["recall"]["urgent"] is True
    assert payload["received"] == notice.received


def test_a_receiver_that_is_down_is_retried_later(issue, receiver):
    notice = issue(webhook_url=receiver.url)
    notices.notice_deliver(delivery_id=_delivery(notice).pk)  # the e-mail goes out
    receiver.status = 503
    delivery = _delivery(notice, Channel.WEBHOOK)

    assert notices.notice_deliver(delivery_id=delivery.pk) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at > timezone.now()
    assert notices.notices_sweep() == 0  # not due yet

    receiver.status = 200
    NoticeDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert notices.notices_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [a.succeeded for a in delivery.attempts.all()] == [False, True]
    # Both tries carried the same identity: the receiver can drop the duplicate.
    assert {h["Idempotency-Key"] for h, _body in receiver.requests} == {str(notice.pk)}


def test_a_receiver_that_refuses_the_notice_fails_it_for_good(issue, receiver):
    notice = issue(webhook_url=receiver.url)
    receiver.status = 410

    status = notices.notice_deliver(delivery_id=_delivery(notice, Channel.WEBHOOK).pk)

    assert status == DeliveryStatus.FAILED
    attempt = _delivery(notice, Channel.WEBHOOK).attempts.get()
    assert attempt.permanent and "410" in attempt.error
    assert notices.notices_sweep() == 1  # only the e-mail is still due


def test_a_hospital_without_a_webhook_secret_fails_the_webhook_and_still_gets_the_email(
    issue, receiver
):
    notice = issue(webhook_url=receiver.url, secret="")

    assert notices.notice_deliver(delivery_id=_delivery(notice, Channel.WEBHOOK).pk) == (
        DeliveryStatus.FAILED
    )
    assert receiver.requests == []
    assert notices.notice_deliver(delivery_id=_delivery(notice).pk) == DeliveryStatus.DELIVERED


def test_a_hospital_webhook_url_that_is_not_http_fails_the_webhook_without_opening_it(issue):
    # A hospital's webhook URL is a URLField, which admits ftp://; urllib would open it (and
    # file: URLs) as readily as http://.
    notice = issue(webhook_url="ftp://files.hospital.example/recalls")

    status = notices.notice_deliver(delivery_id=_delivery(notice, Channel.WEBHOOK).pk)

    assert status == DeliveryStatus.FAILED
    attempt = _delivery(notice, Channel.WEBHOOK).attempts.get()
    assert attempt.permanent and "not http:// or https://" in attempt.error


def test_a_delivery_claimed_by_another_worker_is_left_alone(issue):
    notice = issue()
    delivery = _delivery(notice)
    NoticeDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now()
    )

    assert notices.notice_deliver(delivery_id=delivery.pk) == DeliveryStatus.SENDING
    assert mail.outbox == []


def test_the_sweeper_takes_over_from_a_worker_that_died(issue):
    notice = issue()
    delivery = _delivery(notice)
    NoticeDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now() - dt.timedelta(hours=1)
    )

    assert notices.notices_sweep() == 1
    assert len(mail.outbox) == 1


def test_a_mail_server_that_is_down_is_retried(issue, monkeypatch):
    notice = issue()

    def down(self, fail_silently=False):
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", down)
    assert notices.notice_deliver(delivery_id=_delivery(notice).pk) == DeliveryStatus.PENDING
    monkeypatch.undo()
    NoticeDelivery.objects.filter(pk=_delivery(notice).pk).update(next_attempt_at=None)
    assert notices.notices_sweep() == 1
    assert len(mail.outbox) == 1
