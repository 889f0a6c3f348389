"""How other systems sign in: `Authorization: Bearer <key>` with an API token."""

from __future__ import annotations

from django_ratelimit.core import is_ratelimited
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from core.ratelimit import api_token_failure_rate, client_address

from ..services.tokens import api_token_authenticate


class TokenAuthentication(authentication.BaseAuthentication):
    """Authenticates `Authorization: Bearer pit_…` (or `Token pit_…`) as the token's user.

    A presented key that is wrong, revoked or expired is a 401 with one message for all three,
    so a caller learns nothing about which keys exist.
    """

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: use 'Bearer <API token>'."
            )
        if self._too_many_failures(request, count=False):
            raise exceptions.Throttled(60, "Too many wrong API tokens from your address.")
        token = api_token_authenticate(header[1])
        if token is None:
            self._too_many_failures(request, count=True)
            raise exceptions.AuthenticationFailed("Invalid, revoked or expired API token.")
        request.api_token = token
        return token.user, token

    @staticmethod
    def _too_many_failures(request, *, count: bool) -> bool:
        """Wrong keys are counted per client address; past the limit every key is refused for a
        while, so nobody can try keys at speed."""
        return is_ratelimited(
            request._request,
            group="api-token-failures",
            key=client_address,
            rate=api_token_failure_rate,
            increment=count,
        )

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with WWW-Authenticate) rather than 403 when no one signed in.
        return 'Bearer realm="api"'


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the token scheme in the OpenAPI schema."""

    target_class = TokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token created by a ministry officer (pit_…).",
        }
