"""What the API tests share: a client signed in with a fresh API token for a role (and, for a
hospital's system, its hospitals), and a look at the one error format."""

from __future__ import annotations

from rest_framework.test import APIClient

from core.roles import Role
from procurement.services import api_token_create
from tests import factories


def token_client(
    role: str, *, hospitals=(), name: str | None = None, contact_email: str = ""
) -> APIClient:
    """An APIClient that sends `Authorization: Bearer <key>` of a new token for `role`.
    The client's `.token` is the ApiToken and `.user` the user it acts as."""
    issuer = factories.UserFactory(username="token-issuer", role=Role.MINISTRY_OFFICER)
    token, key = api_token_create(
        name=name or f"{role} system {factories.UserFactory._meta.model.objects.count()}",
        role=role,
        hospitals=list(hospitals),
        contact_email=contact_email,
        actor=issuer,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    client.token, client.user, client.key = token, token.user, key
    return client


def error_of(response) -> dict:
    """The `error` object of an error response, after checking it has the one shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["status"] == response.status_code
    assert error["code"] and error["message"]
    return error
