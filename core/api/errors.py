"""One error format for the whole API:

    {"error": {"status": 409, "code": "illegal_transition", "message": "...", "fields": {...}}}

`message` is written for a person; `fields` (validation errors only) maps each field to its
messages. Domain errors raised by services map to 400 (InvalidInput), 403 (NotPermitted) and 409
(IllegalTransition, InsufficientStock); Django's ValidationError from a model's clean() is a 400.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import DomainError, IllegalTransition, InvalidInput, NotPermitted

_DOMAIN_STATUS = [
    (IllegalTransition, status.HTTP_409_CONFLICT, "illegal_transition"),
    (NotPermitted, status.HTTP_403_FORBIDDEN, "not_permitted"),
    (InvalidInput, status.HTTP_400_BAD_REQUEST, "invalid"),
]


class Conflict(exceptions.APIException):
    """A request that cannot be served in the resource's current state (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


def error_body(status_code: int, code: str, message: str, fields: dict | None = None) -> dict:
    body = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def exception_handler(exc, context):
    """DRF's handler, with domain and Django validation errors mapped, in the one format."""
    if isinstance(exc, DomainError):
        for error_class, status_code, code in _DOMAIN_STATUS:
            if isinstance(exc, error_class):
                return Response(error_body(status_code, code, exc.message), status=status_code)
        return Response(error_body(400, "invalid", exc.message), status=400)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling and logging take over
    response.data = _body(exc, response.status_code)
    return response


def _body(exc, status_code: int) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        return error_body(status_code, "invalid", _validation_message(fields), fields)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return error_body(status_code, "not_found", "Not found.")
    detail = getattr(exc, "detail", str(exc))
    code = getattr(exc, "default_code", "error")
    if isinstance(detail, dict | list):
        return error_body(status_code, code, "The request was refused.", _flatten(detail))
    if hasattr(detail, "code") and detail.code:
        code = detail.code
    return error_body(status_code, str(code), str(detail))


def _flatten(detail) -> dict:
    """DRF's nested error detail as {field: [messages]}; nested fields as "lines.0.quantity"."""
    if isinstance(detail, list):
        detail = {"non_field_errors": detail}
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, inner in enumerate(value):
                if inner:
                    walk(f"{prefix}.{index}", inner)
        else:
            messages = value if isinstance(value, list) else [value]
            flat.setdefault(prefix or "non_field_errors", []).extend(str(m) for m in messages)

    walk("", detail)
    return flat


def _validation_message(fields: dict) -> str:
    general = fields.get("non_field_errors")
    if general:
        return " ".join(general)
    named = ", ".join(sorted(fields))
    return f"Some fields are not valid: {named}." if named else "The request is not valid."


# ---------------------------------------------------------------------------------------------
# Django-level answers (no view matched, or a crash) under /api/: JSON in the same shape, so an
# integrator never has to parse an HTML page.


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """handler404: JSON under /api/, the app's page elsewhere."""
    if _is_api(request):
        return JsonResponse(error_body(404, "not_found", "Not found."), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: JSON under /api/, the app's page elsewhere. The error itself is logged."""
    if _is_api(request):
        message = "Something went wrong on our side; it has been logged. Try again later."
        return JsonResponse(error_body(500, "server_error", message), status=500)
    return defaults.server_error(request)
