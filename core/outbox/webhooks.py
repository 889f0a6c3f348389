"""Outbound webhooks for ministry-level integrations: another system subscribes to some events
and gets each of them POSTed to its URL, signed, with retries and a log of every attempt.

Publishing follows the outbox rule (ARCHITECTURE.md, rule 5). The service that makes a change
calls `webhook_publish` inside its transaction; that writes one `WebhookDelivery` row per active
subscription to the event and queues `webhook_deliver` for after the commit. A rolled-back
change leaves no delivery. `webhook_deliver` claims the row with one conditional UPDATE, POSTs
outside any transaction and records a `WebhookAttempt`: a 2xx delivers it; a 5xx, 408, 425, 429,
a timeout or a connection error is retried with growing waits (`outbox.retry_at`) up to
`MAX_ATTEMPTS`; any other answer (a 4xx, a redirect) fails it for good, shown in the ministry
panel, where an officer can try it again (`webhook_delivery_retry`). `webhooks_sweep` (beat)
re-queues rows no task picked up, so a broker outage delays a webhook but never loses it.

Every request carries:

    Content-Type: application/json
    X-Tracker-Event: <event name>
    X-Tracker-Signature: sha256=<hex HMAC-SHA256 of the exact body, keyed with the secret>
    Idempotency-Key: <event_id>   (the same on every retry: a receiver drops repeats)

and a body of the form

    {"event": "lot.status_changed", "event_id": "<64 hex>", "occurred_at": "<ISO 8601>",
     "data": {...}}

where `data` is, per event (dates and times in ISO 8601, statuses as their codes):

- `lot.status_changed` (every move of a lot's status, `_lot_move`):
  `lot` {id, number, product}, `from`, `to` (lot status codes), `reason`, `by` (username),
  `at`, `lot_event_id`.
- `inspection.recorded` (`inspections.services.inspection_record`): `inspection_id`,
  `lot` {id, number, product}, `stage`, `standard`, `laboratory`, `performed_by`,
  `performed_on`, `sample_size`, `verdict`, `outcome`, `lot_status` (after the decision),
  `recorded_by`, `recorded_at`.
- `recall.issued` (`inspections.services.recall_issue`): `recall_id`, `reference`, `class`,
  `urgent`, `reason`, `hazard`, `action`, `depth`, `response_deadline`, `issued_at`,
  `lots` [{id, number}], `notice_count`, `hospitals` [codes].
- `notice.answered` (`inspections.services.notice_reply`, every answer, re-answers included):
  `notice_id`, `notice_reference`, `recall` (reference), `hospital` {code, name},
  `acknowledged`, `respondent_name`, `respondent_role`, `explanation`,
  `lines` [{lot, on_hand, used, destroyed}], `answered_at`, `version_id`.
- `return.received` (`return_receive`: the warehouse counts units a hospital sent back):
  `lot` {id, number}, `hospital` {code, name}, `shipped`, `received`, `missing`, `reference`,
  `remark`, `received_by`, `at`, `lot_event_id`.

Receivers verify with `hmac.compare_digest(header, "sha256=" + hmac_sha256(secret, body))`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from ..errors import IllegalTransition, InvalidInput
from ..models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEvent,
    WebhookSubscription,
)
from ..roles import Role, require_role
from . import emails as outbox

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 10  # 1 + 2 + 4 + ... minutes: a receiver back within about eight hours gets it
SECRET_MIN_LENGTH = 16
SECRET_MAX_LENGTH = 128  # WebhookSubscription.secret
NAME_MAX_LENGTH = 100
URL_MAX_LENGTH = 200  # WebhookSubscription.url (URLField's default)
EVENT_HEADER = "X-Tracker-Event"
SIGNATURE_HEADER = "X-Tracker-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Answers that mean "not now" rather than "never": retried like a 5xx.
RETRY_LATER_STATUSES = frozenset({408, 425, 429})

Payload = dict | Callable[[], dict]


class PermanentFailure(Exception):
    """A failure no retry can mend: recorded, the delivery failed for good."""


def is_web_url(url: str) -> bool:
    """True for an http:// or https:// URL. urllib also opens file: and ftp: URLs; a receiver's
    address must be neither (a hospital's webhook URL is a URLField, which admits ftp://)."""
    return urllib.parse.urlsplit(url).scheme.lower() in ("http", "https")


def sign(secret: str, body: bytes) -> str:
    """HMAC-SHA256 of the exact request body keyed with `secret`, as `sha256=<hex>`: the
    `X-Tracker-Signature` of every webhook the tracker sends (recall notices included)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# ---------------------------------------------------------------------------------------------
# Publishing (inside the caller's transaction)


def webhook_publish(*, event: str, payload: Payload, key: str = "") -> list[WebhookDelivery]:
    """Queue `event` for every active subscription to it; call inside the transaction of the
    change, so a rollback leaves nothing to send. Returns the deliveries written.

    `payload` is the event's `data` (see the module docstring), or a function returning it,
    called only when someone subscribes: a change nobody listens to costs one small query.
    `key` names the change for good (say `lot-event:<id>`); publishing the same key again
    writes nothing new, and it makes each delivery's `event_id` (its Idempotency-Key) stable.
    Without a key every call is a new event.
    """
    event = WebhookEvent(event)
    subscription_ids = [
        pk
        for pk, events in WebhookSubscription.objects.filter(is_active=True).values_list(
            "pk", "events"
        )
        if event in events
    ]
    if not subscription_ids:
        return []
    source = key or uuid.uuid4().hex
    event_ids = {pk: _event_id(event, source, pk) for pk in subscription_ids}
    known = set(
        WebhookDelivery.objects.filter(event_id__in=event_ids.values()).values_list(
            "event_id", flat=True
        )
    )
    data = payload() if callable(payload) else payload
    occurred_at = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            subscription_id=pk,
            event=event,
            event_id=event_id,
            payload=_as_json(
                {
                    "event": event.value,
                    "event_id": event_id,
                    "occurred_at": occurred_at,
                    "data": data,
                }
            ),
        )
        for pk, event_id in event_ids.items()
        if event_id not in known
    )
    _deliver_after_commit(delivery.pk for delivery in deliveries)
    return deliveries


def _event_id(event: str, source: str, subscription_id: int) -> str:
    # One id per (event, change, subscriber): the column is unique, and a receiver that has two
    # subscriptions still sees each delivery once.
    return hashlib.sha256(f"{event}:{source}:{subscription_id}".encode()).hexdigest()


def _as_json(data: dict) -> dict:
    """Plain JSON values: dates and times in ISO 8601 (times to the millisecond, UTC as "Z"),
    decimals and lazy strings as text."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _deliver_after_commit(delivery_ids: Iterable[int]) -> None:
    from ..tasks import webhook_deliver_task

    outbox.queue_after_commit(webhook_deliver_task, list(delivery_ids))


# ---------------------------------------------------------------------------------------------
# Delivering (a task, outside any transaction)


def webhook_deliver(*, delivery_id: int) -> str | None:
    """POST one delivery if it is due and nobody else holds it; returns its status after.

    The claim is one conditional UPDATE, the HTTP call holds no database lock, and the outcome
    is an attempt row plus one UPDATE. None: no such delivery.
    """
    if not outbox.claim(WebhookDelivery, delivery_id):
        return (
            WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
        )
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    try:
        status_code = _post(delivery)
    except PermanentFailure as error:
        return _record_failure(delivery, error, permanent=True)
    except Exception as error:  # the receiver is down, slow or broken: try again later
        return _record_failure(delivery, error, permanent=False)
    WebhookAttempt.objects.create(delivery=delivery, succeeded=True, response_status=status_code)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDeliveryStatus.DELIVERED,
        delivered_at=timezone.now(),
        attempt_count=delivery.attempt_count + 1,
        next_attempt_at=None,
        claimed_at=None,
    )
    return WebhookDeliveryStatus.DELIVERED


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes POSTed (and signed): the same on every retry."""
    return json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A signed event goes to the URL subscribed and nowhere else: a redirect is an answer."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(delivery: WebhookDelivery) -> int:
    subscription = delivery.subscription
    if not subscription.is_active:
        raise PermanentFailure("the subscription was deactivated")
    if not is_web_url(subscription.url):
        raise PermanentFailure("the subscription's URL is not an http:// or https:// URL")
    body = webhook_body(delivery)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            EVENT_HEADER: delivery.event,
            SIGNATURE_HEADER: sign(subscription.secret, body),
            IDEMPOTENCY_HEADER: delivery.event_id,
            "User-Agent": "procurement-inspection-tracker",
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(1024)
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        if error.code < 500 and error.code not in RETRY_LATER_STATUSES:
            raise _Refused(error.code) from error
        raise _Answered(error.code) from error


class _Answered(Exception):
    """The receiver answered with a status that means "try again later"."""

    def __init__(self, status: int) -> None:
        super().__init__(f"the receiver answered {status}")
        self.status = status


class _Refused(_Answered, PermanentFailure):
    """The receiver answered with a status no retry will change (a 4xx, a redirect)."""


def _record_failure(delivery: WebhookDelivery, error: Exception, *, permanent: bool) -> str:
    attempts = delivery.attempt_count + 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        succeeded=False,
        response_status=getattr(error, "status", None),
        error=str(error) if isinstance(error, _Answered) else repr(error)[:2000],
    )
    if permanent or attempts >= MAX_ATTEMPTS:
        status, next_at = WebhookDeliveryStatus.FAILED, None
        log.warning("webhook delivery %s failed for good: %s", delivery.pk, error)
    else:
        status, next_at = WebhookDeliveryStatus.PENDING, outbox.retry_at(attempts, timezone.now())
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status, attempt_count=attempts, next_attempt_at=next_at, claimed_at=None
    )
    return status


def webhooks_sweep() -> int:
    """Queue a task for every delivery that is due and unclaimed (or whose claim expired);
    returns how many. Beat runs it every `WEBHOOK_SWEEP_INTERVAL_SECONDS`."""
    from ..tasks import webhook_deliver_task

    return outbox.sweep(WebhookDelivery, webhook_deliver_task)


def webhook_delivery_retry(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Try a failed (or backing-off) delivery again now, for an officer who fixed the receiver:
    it is due at once and queued after the commit. Its attempts so far still count, so one
    that had used up its attempts gets one more try. Refuses a delivered one, one being sent,
    and one whose subscription was deactivated."""
    require_role(actor, Role.MINISTRY_OFFICER, action="retry a webhook delivery")
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("subscription")
            .get(pk=delivery.pk)
        )
        if delivery.status not in (WebhookDeliveryStatus.FAILED, WebhookDeliveryStatus.PENDING):
            raise IllegalTransition(
                f"This delivery is {delivery.get_status_display().lower()}; only a failed or "
                "waiting one can be retried."
            )
        if not delivery.subscription.is_active:
            raise IllegalTransition(
                f"Subscription {delivery.subscription.name} is deactivated; activate it first."
            )
        delivery.status = WebhookDeliveryStatus.PENDING
        delivery.next_attempt_at = None
        delivery.claimed_at = None
        delivery.save(update_fields=["status", "next_attempt_at", "claimed_at"])
        _deliver_after_commit([delivery.pk])
    return delivery


# ---------------------------------------------------------------------------------------------
# Subscriptions (ministry officers)


def webhook_subscription_create(
    *, name: str, url: str, events: Iterable[str], actor, secret: str = ""
) -> WebhookSubscription:
    """Subscribe another system's URL (http or https) to one or more events. Without a secret
    one is generated (43 random characters); a given one has at least 16 characters. The
    caller shows the secret once; the panel and the API show it masked after that."""
    require_role(actor, Role.MINISTRY_OFFICER, action="subscribe a system to webhooks")
    return WebhookSubscription.objects.create(
        name=_clean_name(name),
        url=_clean_url(url),
        events=_clean_events(events),
        secret=_clean_secret(secret) or secrets.token_urlsafe(32),
        created_by=actor,
    )


def webhook_subscription_update(
    *,
    subscription: WebhookSubscription,
    actor,
    name: str | None = None,
    url: str | None = None,
    events: Iterable[str] | None = None,
    secret: str | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    """Change what is given (None: left as it is). A new secret applies to deliveries sent from
    now on, retries of older events included; an empty one generates a new secret."""
    require_role(actor, Role.MINISTRY_OFFICER, action="change a webhook subscription")
    changes = {}
    if name is not None:
        changes["name"] = _clean_name(name)
    if url is not None:
        changes["url"] = _clean_url(url)
    if events is not None:
        changes["events"] = _clean_events(events)
    if secret is not None:
        changes["secret"] = _clean_secret(secret) or secrets.token_urlsafe(32)
    if is_active is not None:
        changes["is_active"] = bool(is_active)
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        changes = {f: v for f, v in changes.items() if getattr(subscription, f) != v}
        for field, value in changes.items():
            setattr(subscription, field, value)
        if changes:
            subscription.save(update_fields=list(changes))
    return subscription


def webhook_subscription_deactivate(
    *, subscription: WebhookSubscription, actor
) -> WebhookSubscription:
    """Stop sending to a subscription: no new event is queued for it, and deliveries still
    waiting fail when their turn comes (the receiver asked us to stop). A deactivated one
    stays, with its log; deactivating it again changes nothing."""
    return webhook_subscription_update(subscription=subscription, actor=actor, is_active=False)


def secret_masked(secret: str) -> str:
    """How a secret is shown after it was created: enough to tell two apart, not to sign."""
    return f"{secret[:4]}…{'*' * 8}" if secret else ""


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("A subscription needs a name that says which system receives it.")
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput(f"The name may be at most {NAME_MAX_LENGTH} characters long.")
    return name


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise InvalidInput(f"{url!r} is not an http:// or https:// URL.") from None
    if len(url) > URL_MAX_LENGTH:
        raise InvalidInput(f"The URL may be at most {URL_MAX_LENGTH} characters long.")
    return url


def _clean_events(events: Iterable[str]) -> list[str]:
    if isinstance(events, str):
        events = [events]
    chosen = sorted(set(events or ()))
    unknown = [event for event in chosen if event not in WebhookEvent.values]
    if unknown:
        raise InvalidInput(
            f"Unknown event(s) {', '.join(map(repr, unknown))}; choose from: "
            f"{', '.join(WebhookEvent.values)}."
        )
    if not chosen:
        raise InvalidInput("Choose at least one event to subscribe to.")
    return chosen


def _clean_secret(secret: str) -> str:
    secret = (secret or "").strip()
    if secret and not SECRET_MIN_LENGTH <= len(secret) <= SECRET_MAX_LENGTH:
        raise InvalidInput(
            f"A secret has {SECRET_MIN_LENGTH} to {SECRET_MAX_LENGTH} characters "
            "(leave it empty to have one generated)."
        )
    return secret
