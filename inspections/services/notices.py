"""Delivering recall notices: each channel of a notice (e-mail always, webhook where the hospital
has one) is an outbox row, `NoticeDelivery`, written when the recall was issued.

`notice_deliver` claims a row with one conditional UPDATE (so no two workers send it at once),
sends outside any transaction, and records an attempt row with the outcome. A transient failure
(mail server or receiver down, a timeout, a 5xx) is retried with growing waits; a permanent one
(an address or URL refused, a 4xx, a hospital without a webhook secret) is recorded as failed
and shown to the ministry. `notices_sweep` (beat) re-queues rows no task picked up. A notice
keeps one identity across retries: the e-mail's Message-ID and the webhook's Idempotency-Key
come from the notice id, so a receiver can drop a duplicate.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from procurement.outbox import claimable, retry_at

from ..models import Channel, DeliveryStatus, Notice, NoticeAttempt, NoticeDelivery

WEBHOOK_TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 10
SIGNATURE_HEADER = "X-Tracker-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class PermanentFailure(Exception):
    """A failure no retry can mend: recorded as failed, never tried again."""


def notice_deliver(*, delivery_id: int) -> str | None:
    """Deliver one channel of a notice if it is due and unclaimed; returns its status after."""
    now = timezone.now()
    claimed = NoticeDelivery.objects.filter(claimable(now), pk=delivery_id).update(
        status=DeliveryStatus.SENDING, claimed_at=now
    )
    if not claimed:
        return (
            NoticeDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
        )
    delivery = NoticeDelivery.objects.select_related(
        "notice__recall__coordinator", "notice__hospital"
    ).get(pk=delivery_id)
    try:
        if delivery.channel == Channel.EMAIL:
            _send_email(delivery.notice)
        else:
            _send_webhook(delivery.notice)
    except PermanentFailure as error:
        return _record_failure(delivery, error, permanent=True)
    except Exception as error:  # any other failure of the network or receiver: try again later
        return _record_failure(delivery, error, permanent=False)
    NoticeAttempt.objects.create(delivery=delivery, succeeded=True)
    NoticeDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.DELIVERED,
        delivered_at=timezone.now(),
        attempt_count=F("attempt_count") + 1,
        claimed_at=None,
    )
    return DeliveryStatus.DELIVERED


def notices_sweep() -> int:
    """Queue a task for every delivery that is due and unclaimed (or whose claim expired);
    returns how many. Beat runs it every few minutes."""
    from ..tasks import notice_deliver_task

    due = list(
        NoticeDelivery.objects.filter(claimable(timezone.now())).values_list("pk", flat=True)
    )
    for delivery_id in due:
        notice_deliver_task.delay(delivery_id)
    return len(due)


def _record_failure(delivery: NoticeDelivery, error: Exception, *, permanent: bool) -> str:
    attempts = delivery.attempt_count + 1
    NoticeAttempt.objects.create(
        delivery=delivery, succeeded=False, permanent=permanent, error=repr(error)[:2000]
    )
    if permanent or attempts >= MAX_ATTEMPTS:
        status, next_at = DeliveryStatus.FAILED, None
    else:
        status, next_at = DeliveryStatus.PENDING, retry_at(attempts, timezone.now())
    NoticeDelivery.objects.filter(pk=delivery.pk).update(
        status=status, attempt_count=attempts, next_attempt_at=next_at, claimed_at=None
    )
    return status


# ---------------------------------------------------------------------------------------------
# E-mail


def notice_email(notice: Notice) -> EmailMultiAlternatives:
    """The notice as an e-mail in the hospital's language: text and HTML, URGENT in the subject
    for class I and II, a stable Message-ID."""
    context = notice_context(notice)
    with translation.override(notice.language):
        subject = " ".join(render_to_string("emails/recall_notice_subject.txt", context).split())
        text = render_to_string("emails/recall_notice_body.txt", context)
        html = render_to_string("emails/recall_notice_body.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[notice.hospital.contact_email],
        reply_to=[notice.recall.coordinator.email],
        headers={
            "Message-ID": notice_message_id(notice),
            "X-Notice-Reference": notice.reference,
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def notice_message_id(notice: Notice) -> str:
    return f"<notice-{notice.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def notice_context(notice: Notice) -> dict:
    recall = notice.recall
    lots = {lot.lot_number: lot for lot in recall.lots.select_related("order_line__product")}
    return {
        "notice": notice,
        "recall": recall,
        "hospital": notice.hospital,
        "rows": [
            {"lot": lots[number], "product": lots[number].order_line.product, "units": units}
            for number, units in notice.received.items()
            if number in lots
        ],
        "units_received": notice.units_received,
        "portal_url": settings.SITE_URL.rstrip("/") + reverse("hospital_home"),
    }


def _send_email(notice: Notice) -> None:
    try:
        notice_email(notice).send(fail_silently=False)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
        raise PermanentFailure(f"the mail server refused the address: {error!r}") from error


# ---------------------------------------------------------------------------------------------
# Webhook


def notice_payload(notice: Notice) -> dict:
    """What a hospital's system receives: the notice's identity, the recall and what the hospital
    received per lot."""
    recall = notice.recall
    return {
        "notice_id": notice.pk,
        "notice_reference": notice.reference,
        "hospital": notice.hospital.code,
        "recall": {
            "reference": recall.reference,
            "class": recall.recall_class,
            "urgent": recall.is_urgent,
            "reason": recall.reason,
            "hazard": recall.hazard,
            "action": recall.action,
            "depth": recall.depth,
            "response_deadline": recall.response_deadline.isoformat(),
            "issued_at": recall.issued_at.isoformat() if recall.issued_at else None,
        },
        "received": notice.received,
    }


def webhook_signature(secret: str, body: bytes) -> str:
    """HMAC-SHA256 of the exact request body with the hospital's secret, as `sha256=<hex>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _send_webhook(notice: Notice) -> None:
    hospital = notice.hospital
    if not hospital.webhook_secret:
        raise PermanentFailure(f"{hospital.code} has a webhook URL but no secret to sign with")
    body = json.dumps(notice_payload(notice), sort_keys=True).encode()
    request = urllib.request.Request(
        hospital.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: str(notice.pk),
            SIGNATURE_HEADER: webhook_signature(hospital.webhook_secret, body),
            "User-Agent": "procurement-inspection-tracker",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(1024)
    except urllib.error.HTTPError as error:
        # 4xx: the receiver will not take it as it is (408 and 429 mean "later").
        if 400 <= error.code < 500 and error.code not in (408, 425, 429):
            raise PermanentFailure(f"the receiver answered {error.code}") from error
        raise
