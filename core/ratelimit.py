"""What the rate limits (django-ratelimit) count by: the client's address, and the rates, read
per request so that a changed setting applies at once."""

from __future__ import annotations

from django.conf import settings


def client_address(group, request) -> str:
    """The address a request came from. A WSGI server on a Unix socket may send no REMOTE_ADDR;
    such requests share one bucket instead of crashing the sign-in."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def login_rate(group, request) -> str:
    return settings.LOGIN_RATE_LIMIT


def api_token_failure_rate(group, request) -> str:
    return settings.API_TOKEN_FAILURE_RATE_LIMIT
