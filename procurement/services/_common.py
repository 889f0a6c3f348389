"""Small helpers the service modules share."""

from __future__ import annotations

from ..errors import InvalidInput


def _require_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(f"A written reason is required for {what}.")
    return reason
