"""The ministry panel's shared pieces (`common`, `forms`, `history`, `export`) and the pages of
core's own tables: the e-mail outbox and webhook subscriptions with their deliveries."""

from . import emails, webhooks

__all__ = ["emails", "webhooks"]
