"""Checks every service makes the same way, written once."""

from __future__ import annotations

from .errors import InvalidInput


def require_reason(reason: str | None, what: str) -> str:
    """The written reason a change needs, stripped; refused when blank. `what` completes the
    sentence "A written reason is required for ...": "putting a lot on hold"."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(f"A written reason is required for {what}.")
    return reason
