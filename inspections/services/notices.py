"""Delivering recall notices: each channel of a notice (e-mail always, webhook where the hospital
has one) is an outbox row, `NoticeDelivery`, written when the recall was issued.

`notice_deliver` claims a row with one conditional UPDATE (so no two workers send it at once),
sends outside any transaction, and records an attempt row with the outcome. A transient failure
(mail server or receiver down, a timeout, a 5xx) is retried with growing waits; a permanent one
(an address or URL refused, a 4xx, a hospital without a webhook secret) is recorded as failed
and shown to the ministry. `notices_sweep` (beat) re-queues rows no task picked up. A notice
keeps one identity across retries: the e-mail's Message-ID and the webhook's Idempotency-Key
come from the notice id, so a receiver can drop a duplicate.

`notices_remind` (beat) chases hospitals that have not answered: once a recall's response
deadline has passed, every notice without an acknowledged reply gets a reminder e-mail, then
another one each class interval (`settings.RECALL_REMINDER_INTERVAL_HOURS`) until it is answered
or the recall is closed; with the second reminder the recall's coordinator is alerted, once per
notice. Reminders and alerts leave through the e-mail outbox (`procurement.outbox`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import smtplib
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.outbox import emails as outbox
from core.outbox import smtp as mailer
from core.outbox import webhooks
from core.outbox.emails import retry_at

from ..models import (
    Channel,
    DeliveryStatus,
    Notice,
    NoticeAttempt,
    NoticeDelivery,
    NoticeReply,
    Recall,
    RecallClass,
    RecallStatus,
)

WEBHOOK_TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 10
SIGNATURE_HEADER = "X-Tracker-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class PermanentFailure(Exception):
    """A failure no retry can mend: recorded as failed, never tried again."""


def notice_deliver(*, delivery_id: int) -> str | None:
    """Deliver one channel of a notice if it is due and unclaimed; returns its status after."""
    if not outbox.claim(NoticeDelivery, delivery_id):
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


def notices_queue(*, recall_id: int) -> int:
    """Queue a delivery task for every pending delivery of a recall's notices (just issued);
    returns how many. Runs in a worker (`notices_queue_task`) right after the recall's commit.
    A broker or worker lost on the way leaves the rest pending: `notices_sweep` queues them."""
    from ..tasks import notice_deliver_task

    delivery_ids = list(
        NoticeDelivery.objects.filter(notice__recall_id=recall_id, status=DeliveryStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    outbox.queue_after_commit(notice_deliver_task, delivery_ids)  # no transaction: at once
    return len(delivery_ids)


def notices_sweep() -> int:
    """Queue a task for every delivery that is due and unclaimed (or whose claim expired);
    returns how many. Beat runs it every few minutes."""
    from ..tasks import notice_deliver_task

    return outbox.sweep(NoticeDelivery, notice_deliver_task)


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


def notice_context(notice: Notice, lots: dict | None = None) -> dict:
    """What the notice's templates (and its reminders') show; `lots` ({lot number: lot}, from
    `recall_lots`) saves the query when many notices of one recall are rendered."""
    recall = notice.recall
    lots = recall_lots(recall) if lots is None else lots
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
        # The notice's page in the hospital portal: the reply form and the return form.
        "reply_url": settings.SITE_URL.rstrip("/") + reverse("hospital_notice", args=[notice.pk]),
    }


def recall_lots(recall: Recall) -> dict:
    return {lot.lot_number: lot for lot in recall.lots.select_related("order_line__product")}


def _send_email(notice: Notice) -> None:
    try:
        mailer.send(notice_email(notice))
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


def _send_webhook(notice: Notice) -> None:
    hospital = notice.hospital
    if not hospital.webhook_secret:
        raise PermanentFailure(f"{hospital.code} has a webhook URL but no secret to sign with")
    if not webhooks.is_web_url(hospital.webhook_url):
        raise PermanentFailure(f"{hospital.code}'s webhook URL is not http:// or https://")
    body = json.dumps(notice_payload(notice), sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        hospital.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: str(notice.pk),
            SIGNATURE_HEADER: webhooks.sign(hospital.webhook_secret, body),
            "User-Agent": "procurement-inspection-tracker",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            response.read(1024)
    except urllib.error.HTTPError as error:
        # 4xx: the receiver will not take it as it is (408 and 429 mean "later").
        if 400 <= error.code < 500 and error.code not in (408, 425, 429):
            raise PermanentFailure(f"the receiver answered {error.code}") from error
        raise


# ---------------------------------------------------------------------------------------------
# Reminders (beat)

# Notices of recalls in these states are chased. A draft has no notices yet; a closed or
# cancelled recall asks nothing more of anyone.
REMINDED_RECALLS = (RecallStatus.ISSUED, RecallStatus.CLOSING)
# The reminder with which the coordinator hears that a hospital does not answer.
ALERT_AFTER_REMINDERS = 2


def reminder_interval(recall_class: str) -> dt.timedelta:
    """How long after one reminder the next one goes out, for a recall of this class."""
    return dt.timedelta(hours=float(settings.RECALL_REMINDER_INTERVAL_HOURS[recall_class]))


def reminder_email_key(notice_id: int, number: int) -> str:
    """The outbox key of a notice's `number`th reminder: the same reminder is never queued
    twice, whoever queues it."""
    return f"notice-{notice_id}-reminder-{number}"


def notices_remind(*, now: dt.datetime | None = None) -> int:
    """Send the reminders that are due; returns how many went out. Beat runs it every
    `RECALL_REMINDER_CHECK_SECONDS`; run again at once, it sends nothing.

    A notice is reminded when its recall is issued (or closing), the recall's response deadline
    (a date: that whole day counts) has passed, the hospital has not acknowledged the notice,
    and it was never reminded or its last reminder is older than the class's interval
    (`settings.RECALL_REMINDER_INTERVAL_HOURS`). The reminder goes to the hospital in the
    notice's language and asks for an answer by a new date, one interval on; with the second
    one the recall's coordinator gets an alert listing the hospitals that do not answer, once
    per notice (`Notice.coordinator_alerted_at`).

    One transaction per recall: the recall is locked first (as `recall_issue` locks it), then
    its due notices in id order, and they are checked again under the lock; a reminder's outbox
    row and the notice's count (`reminders_sent`, `last_reminded_at`) are written together, and
    so are the alert and `coordinator_alerted_at`. Nothing is sent inside the transaction: the
    outbox sends after the commit.
    """
    now = now or timezone.now()
    recall_ids = list(
        _due_notices(now).order_by("recall_id").values_list("recall_id", flat=True).distinct()
    )
    return sum(_recall_remind(recall_id, now) for recall_id in recall_ids)


def _due_notices(now: dt.datetime) -> QuerySet[Notice]:
    later = Q()
    for recall_class in RecallClass.values:
        later |= Q(
            recall__recall_class=recall_class,
            last_reminded_at__lte=now - reminder_interval(recall_class),
        )
    return (
        Notice.objects.filter(
            recall__status__in=REMINDED_RECALLS,
            recall__response_deadline__lt=timezone.localdate(now),
        )
        .filter(Q(reminders_sent=0) | later)
        .exclude(reply__acknowledged=True)
    )


def _recall_remind(recall_id: int, now: dt.datetime) -> int:
    with transaction.atomic():
        recall = (
            Recall.objects.select_for_update(of=("self",))
            .select_related("coordinator")
            .get(pk=recall_id)
        )
        deadline_passed = recall.response_deadline < timezone.localdate(now)
        if recall.status not in REMINDED_RECALLS or not deadline_passed:
            return 0
        notices = list(
            _due_notices(now)
            .filter(recall=recall)
            .select_related("hospital")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        # Read again under the locks: a reply committed since the query above counts.
        answered = set(
            NoticeReply.objects.filter(
                notice__in=[notice.pk for notice in notices], acknowledged=True
            ).values_list("notice_id", flat=True)
        )
        interval = reminder_interval(recall.recall_class)
        lots = recall_lots(recall)
        sent, overdue = 0, []
        for notice in notices:
            notice.recall = recall
            if notice.pk in answered or not _reminder_due(notice, interval, now):
                continue
            _reminder_send(notice, interval, now, lots)
            sent += 1
            if (
                notice.reminders_sent >= ALERT_AFTER_REMINDERS
                and notice.coordinator_alerted_at is None
            ):
                overdue.append(notice)
        if overdue:
            _coordinator_alert(recall, overdue, now)
    return sent


def _reminder_due(notice: Notice, interval: dt.timedelta, now: dt.datetime) -> bool:
    if notice.reminders_sent == 0:
        return True
    return notice.last_reminded_at is not None and notice.last_reminded_at <= now - interval


def _reminder_send(notice: Notice, interval: dt.timedelta, now: dt.datetime, lots: dict) -> None:
    number = notice.reminders_sent + 1
    outbox.email_enqueue(
        key=reminder_email_key(notice.pk, number),
        to=[notice.hospital.contact_email],
        template="recall_reminder",
        context={
            **notice_context(notice, lots),
            "reminder_number": number,
            "answer_by": timezone.localdate(now + interval),
        },
        language=notice.language,
    )
    notice.reminders_sent = number
    notice.last_reminded_at = now
    notice.save(update_fields=["reminders_sent", "last_reminded_at"])


def _coordinator_alert(recall: Recall, notices: list[Notice], now: dt.datetime) -> None:
    """One e-mail to the coordinator listing the hospitals that have just had their second
    reminder (a coordinator without an address: the ministry's alert addresses get it)."""
    ids = sorted(notice.pk for notice in notices)
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
    coordinator = recall.coordinator.email
    outbox.email_enqueue(
        key=f"recall-{recall.pk}-overdue-{digest}",
        to=[coordinator] if coordinator else settings.MINISTRY_ALERT_EMAILS,
        template="recall_overdue_alert",
        context={"recall": recall, "notices": notices},
        language=settings.LANGUAGE_CODE,
    )
    Notice.objects.filter(pk__in=ids).update(coordinator_alerted_at=now)
    for notice in notices:
        notice.coordinator_alerted_at = now
