"""What the report layouts share: the recall figures' columns, download names, admin links."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone

from ...selectors import Units
from ...selectors.reports import actor_name
from ..document import Cell, Document, Section

# The figures of a recall, as the recall's admin page and `recall_report` head them.
UNIT_HEADINGS = ("Delivered", "Returned", "In transit", "Used", "Destroyed", "Held", "Unaccounted")


def unit_cells(units: Units) -> tuple:
    return (
        units.delivered,
        units.returned,
        units.in_transit,
        units.used,
        units.destroyed,
        units.held,
        Cell(units.unaccounted, alert=bool(units.unaccounted)),
    )


def safe_filename(text: str) -> str:
    """A download name from a lot number or reference: letters, digits, dot, dash, underscore."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "report"


def admin_url(name: str, pk) -> str:
    return reverse(f"admin:{name}_change", args=[pk])


def new_document(title: str, filename: str, user, sections: list[Section]) -> Document:
    return Document(
        title=title,
        filename=safe_filename(filename),
        generated_at=timezone.now(),
        generated_by=actor_name(user),
        sections=tuple(sections),
    )
