"""API tokens: creating, checking and revoking the credentials other systems use.

A token acts as its own user (named `api:<token name>`), who holds the token's role and, for a
hospital's system, memberships of its hospitals and nothing else. So every check the pages make
(`require_role`, `hospitals_for_user`) applies to the API unchanged. Keys are random (32 bytes)
and only their SHA-256 hash is stored; a slow password hash buys nothing for a key that long.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import IllegalTransition, InvalidInput
from core.roles import Role, require_role, role_group

from ..models import ApiToken, Hospital, HospitalMembership

KEY_PREFIX = "pit_"
# Touch `last_used_at` at most this often: a busy integration must not write on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *,
    name: str,
    role: str,
    actor,
    hospitals: Sequence[Hospital] = (),
    expires_at: dt.datetime | None = None,
    contact_email: str = "",
) -> tuple[ApiToken, str]:
    """Create a token and its user; returns the token and the key, which is never shown again.

    Only a ministry officer may create one. A hospital staff token needs at least one hospital;
    a ministry-level token may not have any (it would mean nothing and mislead the reader).
    `contact_email` is the token user's address: who runs the integration. A ministry system
    that issues recalls needs one, since a recall's coordinator (by default, who issues it) is
    e-mailed about overdue answers.
    """
    require_role(actor, Role.MINISTRY_OFFICER, action="create an API token")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("A token needs a name that says which system uses it.")
    if role not in Role.values:
        raise InvalidInput(f"Unknown role {role!r}; choose one of: {', '.join(Role.values)}.")
    hospitals = list(hospitals)
    if role == Role.HOSPITAL_STAFF and not hospitals:
        raise InvalidInput("A hospital staff token must be bound to at least one hospital.")
    if role != Role.HOSPITAL_STAFF and hospitals:
        raise InvalidInput("Only a hospital staff token is bound to hospitals.")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("The expiry date must be in the future.")
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    try:
        with transaction.atomic():
            user = get_user_model().objects.create(
                username=f"api:{name}"[:150], email=_check_email(contact_email), is_active=True
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(role_group(Role(role)))
            HospitalMembership.objects.bulk_create(
                HospitalMembership(user=user, hospital=hospital, job_title="API integration")
                for hospital in hospitals
            )
            token = ApiToken.objects.create(
                name=name,
                user=user,
                role=role,
                prefix=prefix,
                key_hash=_hash(key),
                created_by=actor,
                expires_at=expires_at,
            )
    except IntegrityError as error:
        raise InvalidInput(f"A token or user named {name!r} already exists.") from error
    return token, key


def _check_email(address: str) -> str:
    address = (address or "").strip()
    if address:
        try:
            validate_email(address)
        except ValidationError as error:
            raise InvalidInput(f"{address!r} is not an e-mail address.") from error
    return address


def api_token_revoke(*, token: ApiToken, actor, reason: str) -> ApiToken:
    """Revoke a token for good: it stops working at once. The reason is kept."""
    require_role(actor, Role.MINISTRY_OFFICER, action="revoke an API token")
    if not (reason or "").strip():
        raise InvalidInput("Say why the token is revoked.")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise IllegalTransition(f"Token {token.name} was already revoked.")
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.revoke_reason = reason.strip()
        token.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        # The token's user can do nothing else; deactivating it also ends any session.
        token.user.is_active = False
        token.user.save(update_fields=["is_active"])
    return token


def api_token_authenticate(key: str) -> ApiToken | None:
    """The live token for a presented key, or None (unknown, wrong, revoked or expired)."""
    if not key.startswith(KEY_PREFIX) or key.count("_") < 2:
        return None
    prefix = key[len(KEY_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(key)):
        return None
    now = timezone.now()
    if token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
