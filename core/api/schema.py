"""OpenAPI additions: the one error format on every operation, so that the schema says what the
API really answers (schemathesis checks that it does)."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["status", "code", "message"],
        }
    },
    "required": ["error"],
}

_ERRORS = {
    "400": "Bad input: `fields` names each field and what is wrong with it.",
    "401": "Not signed in, or the API token is invalid, revoked or expired.",
    "403": "Your role does not allow this.",
    "404": "No such object, or not one of yours.",
    "429": "Too many requests; retry after the number of seconds in Retry-After.",
}
_WRITE_ERRORS = {
    "409": "Not allowed in the object's current state (an illegal transition), or the "
    "Idempotency-Key's first request is still running.",
    "422": "This Idempotency-Key was used before with a different request body.",
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the Error component and the error answers."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            errors = dict(_ERRORS)
            if method != "get":
                errors.update(_WRITE_ERRORS)
            responses = operation.setdefault("responses", {})
            for code, description in errors.items():
                responses.setdefault(code, {"description": description, "content": ref})
            if method == "post":
                operation.setdefault("parameters", []).append(
                    {
                        "in": "header",
                        "name": "Idempotency-Key",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 255},
                        "description": "Retry-safe POST: the same key and body returns the "
                        "first response.",
                    }
                )
    return result
