"""The e-mail outbox: how an e-mail leaves the system without ever being lost or sent from inside
a transaction (ARCHITECTURE.md, rule 5).

`email_enqueue` writes an `OutboundEmail` row, already rendered in the recipient's language, in
the caller's transaction, and asks Celery to deliver it once that transaction commits. The task
calls `email_deliver`, which claims the row with a conditional UPDATE (so two workers never both
send it), sends it outside any transaction and records the attempt. `emails_sweep` (Celery beat)
re-queues rows whose task never ran or whose worker died mid-send: a broker outage delays an
e-mail, it does not lose it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ..models import OutboundEmail, OutboundEmailAttempt, OutboundEmailStatus
from . import smtp as mailer

log = logging.getLogger(__name__)

# A claimed row whose worker has not reported back after this long is assumed dead.
CLAIM_EXPIRES_AFTER = dt.timedelta(seconds=settings.OUTBOX_CLAIM_EXPIRES_SECONDS)
MAX_ATTEMPTS = 8


def email_enqueue(
    *, key: str, to: Iterable[str], template: str, context: dict, language: str
) -> OutboundEmail | None:
    """Queue an e-mail rendered from `emails/<template>_subject.txt` and `..._body.txt` in
    `language`. Call inside the transaction of the change that causes it.

    `key` identifies the message for good: queuing the same key twice keeps the first row (and
    returns it), so a retried request never mails twice. No recipients: nothing is queued.
    """
    recipients = sorted({address.strip() for address in to if address and address.strip()})
    if not recipients:
        return None
    with translation.override(language):
        subject = render_to_string(f"emails/{template}_subject.txt", context)
        body = render_to_string(f"emails/{template}_body.txt", context)
    email, created = OutboundEmail.objects.get_or_create(
        key=key,
        defaults={
            "to": recipients,
            "subject": " ".join(subject.split())[:255],
            "body": body.strip() + "\n",
            "language": language,
        },
    )
    if created:
        _deliver_after_commit(email.pk)
    return email


def _deliver_after_commit(email_id: int) -> None:
    from ..tasks import email_deliver_task

    queue_after_commit(email_deliver_task, [email_id])


# ---------------------------------------------------------------------------------------------
# The outbox mechanics every outbox table shares (e-mails here, recall notice deliveries in
# inspections): rows with `status` ("pending"/"sending"), `claimed_at` and `next_attempt_at`.


def queue_after_commit(task, row_ids: Sequence[int]) -> None:
    """Queue `task` for each outbox row once the current transaction commits. A broker that is
    down leaves the rows pending: the sweeper queues them later, nothing is lost."""
    row_ids = list(row_ids)

    def queue() -> None:
        for row_id in row_ids:
            try:
                task.delay(row_id)
            except Exception:  # the broker is down: stop trying, the sweeper takes over
                log.warning("could not queue %s; the sweeper will retry", task.name)
                return

    transaction.on_commit(queue)


def claim(model, row_id: int) -> bool:
    """Claim one outbox row for sending with a single conditional UPDATE: True when this worker
    got it (it was due and unclaimed, or its claim had expired)."""
    now = timezone.now()
    return bool(
        model.objects.filter(claimable(now), pk=row_id).update(status="sending", claimed_at=now)
    )


def sweep(model, task) -> int:
    """Queue `task` for every row of the outbox table that is due and unclaimed (or whose claim
    expired); returns how many."""
    due = list(model.objects.filter(claimable(timezone.now())).values_list("pk", flat=True))
    for row_id in due:
        task.delay(row_id)
    return len(due)


def email_deliver(*, email_id: int) -> str:
    """Send one queued e-mail if it is due and nobody else holds it; returns its status after.

    Runs outside any transaction: the claim is one conditional UPDATE, the SMTP call happens
    with no database lock held, and the outcome is a second UPDATE plus an attempt row.
    """
    if not claim(OutboundEmail, email_id):
        return OutboundEmail.objects.filter(pk=email_id).values_list("status", flat=True).first()
    email = OutboundEmail.objects.get(pk=email_id)
    try:
        mailer.send(_message(email))
    except Exception as error:  # any failure of the mail server is recorded, then retried
        return _record_failure(email, error)
    OutboundEmailAttempt.objects.create(email=email, succeeded=True)
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmailStatus.SENT,
        sent_at=timezone.now(),
        attempt_count=email.attempt_count + 1,
    )
    return OutboundEmailStatus.SENT


def claimable(now: dt.datetime) -> Q:
    """Outbox rows a worker may claim now: waiting and due, or claimed by a worker that has not
    reported back within CLAIM_EXPIRES_AFTER (it died). Any outbox table with `status`
    ("pending"/"sending"), `next_attempt_at` and `claimed_at` uses this rule."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    pending = Q(status=OutboundEmailStatus.PENDING) & due
    abandoned = Q(status=OutboundEmailStatus.SENDING, claimed_at__lt=now - CLAIM_EXPIRES_AFTER)
    return pending | abandoned


def retry_at(attempts: int, now: dt.datetime) -> dt.datetime:
    """When to try again after `attempts` failed tries: 1, 2, 4, 8... minutes later."""
    return now + dt.timedelta(minutes=2 ** (attempts - 1))


def _message(email: OutboundEmail) -> EmailMessage:
    # A stable Message-ID: a receiver that gets a retried message twice can drop the copy.
    domain = settings.EMAIL_MESSAGE_ID_DOMAIN
    return EmailMessage(
        subject=email.subject,
        body=email.body,
        to=email.to,
        headers={"Message-ID": f"<outbox-{email.pk}-{email.key_digest}@{domain}>"},
    )


def _record_failure(email: OutboundEmail, error: Exception) -> str:
    attempts = email.attempt_count + 1
    OutboundEmailAttempt.objects.create(email=email, succeeded=False, error=repr(error)[:2000])
    if attempts >= MAX_ATTEMPTS:
        status, next_at = OutboundEmailStatus.FAILED, None
        log.error("e-mail %s failed for good after %s attempts: %r", email.pk, attempts, error)
    else:
        # A mail server back within the hour gets everything.
        status = OutboundEmailStatus.PENDING
        next_at = retry_at(attempts, timezone.now())
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=status, attempt_count=attempts, next_attempt_at=next_at, claimed_at=None
    )
    return status


def emails_sweep() -> int:
    """Queue a delivery task for every e-mail that is due and unclaimed (or whose claim expired);
    returns how many. Beat runs it every few minutes."""
    from ..tasks import email_deliver_task

    return sweep(OutboundEmail, email_deliver_task)
