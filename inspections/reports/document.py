"""A report laid out once, rendered three ways: a `Document` is a title and a list of sections
(facts, tables, notes) holding plain values; the admin page, the CSV file and the PDF each
render the same document, so the three never disagree on a figure.

Values stay typed (int, Decimal, date, datetime, bool, text) until a renderer turns them into
text: the CSV keeps numbers bare and dates in ISO 8601 for other programs, the page and the PDF
group thousands for people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone


@dataclass(frozen=True)
class Cell:
    """A value that, on the page, links somewhere or is shown as a warning."""

    value: object
    url: str = ""
    alert: bool = False


@dataclass(frozen=True)
class Facts:
    """Labelled values: one thing described field by field."""

    title: str
    pairs: tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class Table:
    """Rows under headings; `footer` is a totals row. Columns whose values are all numbers are
    right-aligned."""

    title: str
    headings: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    footer: tuple[object, ...] | None = None
    empty: str = "None."


@dataclass(frozen=True)
class Notes:
    """Sentences that matter on their own: warnings, what is still missing, explanations."""

    title: str
    lines: tuple[str, ...]
    alert: bool = False


Section = Facts | Table | Notes


@dataclass(frozen=True)
class Document:
    """A whole report: what the PDF prints, the CSV holds and the page shows."""

    title: str
    filename: str  # without extension
    generated_at: dt.datetime
    generated_by: str
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def generated_line(self) -> str:
        return f"Generated {display(self.generated_at)} by {self.generated_by}"


# ---------------------------------------------------------------------------------------------
# Values as text


def raw(value: object) -> object:
    """The value inside a cell (or the value itself)."""
    return value.value if isinstance(value, Cell) else value


def is_number(value: object) -> bool:
    value = raw(value)
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def display(value: object) -> str:
    """A value as people read it: thousands grouped, local time to the minute, "-" for none
    (an empty text stays empty: a blank cell of a totals row)."""
    value = raw(value)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return f"{value:,}"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# Spreadsheet programs run a cell that starts with one of these as a formula: a lot number,
# reason or hospital name typed by someone must never become one (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def display_fact(value: object) -> str:
    """A labelled value as people read it: "-" when there is none, empty text included."""
    return "-" if raw(value) in (None, "") else display(value)


def machine(value: object) -> str:
    """A value as a CSV cell: bare numbers, ISO 8601 dates and times (local time with its
    offset), "yes"/"no", empty for none, and text that cannot be read as a formula."""
    value = raw(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def numeric_columns(table: Table) -> frozenset[int]:
    """The columns whose filled cells are all numbers (at least one)."""
    rows = [*table.rows, *([table.footer] if table.footer else [])]
    columns = set()
    for index in range(len(table.headings)):
        values = [row[index] for row in rows if raw(row[index]) not in (None, "")]
        if values and all(is_number(value) for value in values):
            columns.add(index)
    return frozenset(columns)


# ---------------------------------------------------------------------------------------------
# For the admin page


@dataclass(frozen=True)
class PageCell:
    text: str
    url: str = ""
    alert: bool = False
    numeric: bool = False
    nowrap: bool = False  # a date or time: never broken over two lines


def for_page(document: Document) -> list[dict]:
    """The sections as the page template walks them: every cell already text."""
    sections = []
    for section in document.sections:
        if isinstance(section, Facts):
            pairs = [(label, _page_cell(value, fact=True)) for label, value in section.pairs]
            sections.append({"kind": "facts", "title": section.title, "pairs": pairs})
        elif isinstance(section, Table):
            numeric = numeric_columns(section)
            sections.append(
                {
                    "kind": "table",
                    "title": section.title,
                    "headings": [(h, i in numeric) for i, h in enumerate(section.headings)],
                    "rows": [_page_row(row, numeric) for row in section.rows],
                    "footer": _page_row(section.footer, numeric) if section.footer else None,
                    "empty": section.empty,
                    "width": len(section.headings),
                }
            )
        else:
            sections.append(
                {
                    "kind": "notes",
                    "title": section.title,
                    "lines": section.lines,
                    "alert": section.alert,
                }
            )
    return sections


def _page_row(row, numeric: frozenset[int]) -> list[PageCell]:
    return [_page_cell(value, i in numeric) for i, value in enumerate(row)]


def _page_cell(value: object, numeric: bool = False, fact: bool = False) -> PageCell:
    text = display_fact(value) if fact else display(value)
    nowrap = isinstance(raw(value), dt.date)  # datetimes are dates too
    if isinstance(value, Cell):
        return PageCell(text, value.url, value.alert, numeric, nowrap)
    return PageCell(text, numeric=numeric, nowrap=nowrap)
