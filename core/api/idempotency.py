"""`Idempotency-Key` on POST: a client that retries after a timeout must not dispatch a lot or
issue a recall twice.

The first request with a key claims it (a row in progress, unique per user and key); its response
is stored when it finishes and replayed for a repeat with the same body. A repeat with another
body is refused (422), a repeat while the first is still running is refused (409). A 5xx response
is not stored: the key is released so that a retry runs again. Keys expire after
`IDEMPOTENCY_KEY_TTL_HOURS`; `idempotency_keys_purge` deletes old rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from ..models import IdempotencyKey, IdempotencyStatus

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# A request still "in progress" after this long died with its worker; its key may be taken over.
STALE_AFTER = dt.timedelta(minutes=5)


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used with a different request."


class KeyInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_progress"
    default_detail = "A request with this Idempotency-Key is still being processed; retry later."


class Replay(Exception):
    """Raised to answer with the stored response of the first request."""

    def __init__(self, response: Response) -> None:
        super().__init__("replay")
        self.response = response


def ttl() -> dt.timedelta:
    return dt.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def request_fingerprint(request) -> str:
    """The method, path and body; a JSON body is compared by content, not by its whitespace."""
    raw = request._request.body or b""
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def idempotency_begin(request) -> IdempotencyKey | None:
    """Claim the request's key, or raise Replay / KeyReused / KeyInProgress. None: no key."""
    key = request.headers.get(HEADER, "").strip()
    if request.method != "POST" or not key:
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError(
            {HEADER: [f"An Idempotency-Key has at most {MAX_KEY_LENGTH} characters."]}
        )
    fingerprint = request_fingerprint(request)
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user=request.user,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    request_hash=fingerprint,
                    status=IdempotencyStatus.IN_PROGRESS,
                    expires_at=now + ttl(),
                )
        except IntegrityError:
            earlier = IdempotencyKey.objects.filter(user=request.user, key=key).first()
            if earlier is None:
                continue  # it expired and was deleted in between: claim again
            if earlier.expires_at <= now or _stale(earlier, now):
                earlier.delete()
                continue
            if earlier.request_hash != fingerprint:
                raise KeyReused() from None
            if earlier.status == IdempotencyStatus.IN_PROGRESS:
                raise KeyInProgress() from None
            response = Response(earlier.response_body, status=earlier.response_status)
            response["Idempotent-Replayed"] = "true"
            raise Replay(response) from None
    raise KeyInProgress()


def _stale(record: IdempotencyKey, now: dt.datetime) -> bool:
    return record.status == IdempotencyStatus.IN_PROGRESS and record.created_at < now - STALE_AFTER


def idempotency_finish(record: IdempotencyKey, response) -> None:
    """Store the response for replays; a server error releases the key instead."""
    if response.status_code >= 500:
        IdempotencyKey.objects.filter(pk=record.pk).delete()
        return
    data = getattr(response, "data", None)
    body = json.loads(JSONRenderer().render(data)) if data is not None else None
    IdempotencyKey.objects.filter(pk=record.pk).update(
        status=IdempotencyStatus.DONE, response_status=response.status_code, response_body=body
    )


def idempotency_keys_purge(*, now: dt.datetime | None = None) -> int:
    """Delete expired keys; returns how many. Beat runs it hourly."""
    deleted, _by_model = IdempotencyKey.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted
