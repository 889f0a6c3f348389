"""The e-mail outbox: a row first, sent after commit by a task that claims it, every attempt
recorded, failures retried with backoff, and a sweeper for rows no task picked up."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from core.models import OutboundEmail, OutboundEmailStatus
from core.outbox import emails as outbox
from core.roles import Role
from procurement import services
from tests import factories
from tests.factories import released_lot

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery():
    """A dispatched delivery the hospital counted short: what the discrepancy e-mail is about."""
    clerk = factories.UserFactory(role=Role.WAREHOUSE_CLERK)
    distribution = services.distribution_dispatch(
        lot=released_lot(quantity=100),
        hospital=factories.HospitalFactory(),
        quantity=10,
        actor=clerk,
    )
    distribution.quantity_received = 9
    distribution.receipt_remark = "one carton missing"
    return distribution


@pytest.fixture
def queue(delivery, django_capture_on_commit_callbacks):
    """Queue an e-mail from a real template of the app, as a service would, and commit."""

    def enqueue(key="test-1", to=("nurse@hospital.example",), language="en"):
        with django_capture_on_commit_callbacks(execute=True):
            return outbox.email_enqueue(
                key=key,
                to=to,
                template="receipt_discrepancy",
                context={"distribution": delivery, "actor": delivery.dispatched_by},
                language=language,
            )

    return enqueue


def test_enqueue_sends_after_commit_with_rendered_subject_and_body(queue):
    email = queue()

    email.refresh_from_db()
    assert email.status == OutboundEmailStatus.SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nurse@hospital.example"]
    assert message.subject.startswith("Receipt discrepancy: lot ")
    assert "one carton missing" in message.body
    assert email.attempts.get().succeeded is True


def test_nothing_is_sent_when_the_transaction_rolls_back(
    delivery, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.email_enqueue(
            key="rolled-back",
            to=["nurse@hospital.example"],
            template="receipt_discrepancy",
            context={"distribution": delivery, "actor": delivery.dispatched_by},
            language="en",
        )
        raise RuntimeError("the change that caused the e-mail failed")

    assert callbacks == []
    assert not OutboundEmail.objects.exists()
    assert mail.outbox == []


def test_the_same_key_queues_one_email_only(queue):
    first = queue(key="complaint-7-received")
    second = queue(key="complaint-7-received", to=["someone.else@example.org"])

    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1
    assert len(mail.outbox) == 1


def test_no_recipients_queue_nothing(queue):
    assert queue(to=["", "  "]) is None
    assert not OutboundEmail.objects.exists()


def test_recipients_are_deduplicated_and_sorted(queue):
    email = queue(to=["b@example.org", "a@example.org", "b@example.org"])
    assert email.to == ["a@example.org", "b@example.org"]


def test_message_id_is_stable_per_email(queue, settings):
    settings.EMAIL_MESSAGE_ID_DOMAIN = "tracker.test"
    email = queue()
    sent_id = mail.outbox[0].extra_headers["Message-ID"]

    assert sent_id == f"<outbox-{email.pk}-{email.key_digest}@tracker.test>"
    # Sending again (an abandoned claim retried) would carry the same identity.
    assert outbox._message(email).extra_headers["Message-ID"] == sent_id


def test_a_sent_email_is_not_sent_again(queue):
    email = queue()

    assert outbox.email_deliver(email_id=email.pk) == OutboundEmailStatus.SENT
    assert len(mail.outbox) == 1


def test_a_failure_is_recorded_and_retried_later_with_backoff(queue, monkeypatch):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    email = queue()

    email.refresh_from_db()
    assert email.status == OutboundEmailStatus.PENDING
    assert email.attempt_count == 1
    assert email.next_attempt_at > timezone.now()
    attempt = email.attempts.get()
    assert attempt.succeeded is False
    assert "mail server went away" in attempt.error
    # Not due yet: the sweeper leaves it alone.
    assert outbox.emails_sweep() == 0

    monkeypatch.undo()
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert outbox.emails_sweep() == 1

    email.refresh_from_db()
    assert email.status == OutboundEmailStatus.SENT
    assert email.attempt_count == 2
    assert len(mail.outbox) == 1


def test_after_the_last_attempt_the_email_is_failed_for_good(queue, monkeypatch):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    email = queue()
    for _attempt in range(outbox.MAX_ATTEMPTS - 1):
        OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=None)
        outbox.email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutboundEmailStatus.FAILED
    assert email.attempts.count() == outbox.MAX_ATTEMPTS
    assert outbox.emails_sweep() == 0


def test_a_row_claimed_by_another_worker_is_left_alone(queue):
    email = queue()
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmailStatus.SENDING, claimed_at=timezone.now(), sent_at=None
    )
    mail.outbox.clear()

    assert outbox.email_deliver(email_id=email.pk) == OutboundEmailStatus.SENDING
    assert mail.outbox == []


def test_the_sweeper_takes_over_a_claim_whose_worker_died(queue):
    email = queue()
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmailStatus.SENDING,
        claimed_at=timezone.now() - outbox.CLAIM_EXPIRES_AFTER - dt.timedelta(seconds=1),
    )
    mail.outbox.clear()

    assert outbox.emails_sweep() == 1
    email.refresh_from_db()
    assert email.status == OutboundEmailStatus.SENT
    assert len(mail.outbox) == 1


def test_a_broker_outage_at_commit_leaves_the_row_for_the_sweeper(queue, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr("core.tasks.email_deliver_task.delay", broker_down)
    email = queue()

    email.refresh_from_db()
    assert email.status == OutboundEmailStatus.PENDING
    assert mail.outbox == []

    monkeypatch.undo()
    assert outbox.emails_sweep() == 1
    email.refresh_from_db()
    assert email.status == OutboundEmailStatus.SENT


def test_the_email_is_rendered_in_the_language_asked_for(queue):
    email = queue(language="nl")
    assert email.language == "nl"
