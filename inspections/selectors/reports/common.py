"""What the report selectors share."""

from __future__ import annotations


def actor_name(user) -> str:
    """Who did something, as a report names them ("system" for the scheduled tasks)."""
    if user is None:
        return "system"
    return user.get_full_name() or user.get_username()
