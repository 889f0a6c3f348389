"""Reference data from CSV: hospitals (by code) and products (by product code, `sku`).

A row whose code is new creates a record; a row whose code exists updates it: the preview says
how many of each, and which for its first rows. Only the columns in the header are written: a
column left out keeps what an existing record has (a new record gets the field's default), a
column included is written as given, so an empty region clears it. Each cell is checked by the
model field it fills (length, e-mail, URL, choices); the same code twice in a file is refused,
naming both rows. The webhook secret is never imported: it is set in the panel only."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from core.roles import Role, require_role

from ...models import Hospital, ImportJob, ImportKind, Product, ProductCategory, Standard
from ...planning import RowError
from ..ledger import BULK_BATCH
from .base import CHUNK_ROWS, PREVIEW_ROWS, Checked, Importer, Progress
from .files import ImportRefused
from .table import Column, Table, TableReader

Cleaner = Callable[[str], object]  # a cell to the field's value, or CellError/ValidationError
Chunk = list[tuple[int, dict[str, object]]]
_SHOWN_LENGTH = 60


class CellError(ValueError):
    """A cell refused, with a message that names the value itself."""


class ReferenceImporter(Importer):
    """Creates or updates records of `model` by their unique `key` column."""

    model: type[models.Model]
    key: str
    table: Table
    roles = (Role.MINISTRY_OFFICER,)

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:  # type: ignore[override]
        return tuple(
            (column.name + ("" if column.required else " (optional)"), column.help)
            for column in self.table.columns
        )

    def header_errors(self, header: list[str]) -> list[RowError]:
        return self.table.header_errors(header)

    def cleaners(self) -> dict[str, Cleaner]:
        """One per column: the model field's own checks, unless a kind knows better."""
        return {
            column.name: _field_cleaner(self.model, column.name) for column in self.table.columns
        }

    def check(self, lines: Iterator[str], *, max_rows: int, progress: Progress) -> Checked:
        checked = Checked()
        reader = self.table.reader(lines, max_rows=max_rows, errors=checked.errors)
        counts = {"create": 0, "update": 0}
        first_rows: list[dict] = []
        for chunk in self._chunks(reader, progress):
            existing = self._existing(chunk)
            for number, values in chunk:
                action = "update" if values[self.key] in existing else "create"
                counts[action] += 1
                if len(first_rows) < PREVIEW_ROWS:
                    shown = [_shown(values[name]) for name in reader.present]
                    first_rows.append({"row": number, "action": action, "values": shown})
        progress(reader.rows)
        checked.rows = reader.rows
        checked.errors.sort(key=_error_order(reader.present))
        checked.preview = {
            "rows": reader.rows,
            **counts,
            "columns": reader.present,
            "first_rows": first_rows,
        }
        return checked

    def write(
        self, lines: Iterator[str], checked: Checked, *, job: ImportJob, actor, max_rows: int
    ) -> dict:
        """Every row in bulk, as INSERT ... ON CONFLICT (key) DO UPDATE of the header's columns;
        the rows are checked again as they are read, and any error refuses the whole file."""
        require_role(actor, *self.roles, action=self.action)
        errors: list[RowError] = []
        reader = self.table.reader(lines, max_rows=max_rows, errors=errors)
        counts = {"created": 0, "updated": 0}
        for chunk in self._chunks(reader, progress=lambda rows: None):
            if errors:
                continue  # refused already: read on only to name every error
            existing = self._existing(chunk)
            counts["updated"] += len(existing)
            counts["created"] += len(chunk) - len(existing)
            self.model.objects.bulk_create(
                [self.model(**values) for _number, values in chunk],
                batch_size=BULK_BATCH,
                update_conflicts=True,
                unique_fields=[self.key],
                update_fields=[name for name in reader.present if name != self.key],
            )
        if errors:
            raise ImportRefused(sorted(errors, key=_error_order(reader.present)))
        return {"rows": reader.rows, **counts}

    def _chunks(self, reader: TableReader, progress: Progress) -> Iterator[Chunk]:
        """The rows that passed every check, CHUNK_ROWS at a time; errors go to the reader's."""
        clean = self.cleaners()
        first_row: dict[object, int] = {}
        chunk: Chunk = []
        for number, cells in reader:
            values, good = _clean_row(number, cells, clean, reader.errors)
            key = values.get(self.key)
            if key is not None and key in first_row:
                message = (
                    f"{self.key} {key} is also on row {first_row[key]}; each {self.key} may "
                    "appear once in a file."
                )
                reader.errors.append(RowError(number, self.key, message))
                good = False
            elif key is not None:
                first_row[key] = number  # a row with other errors still claims its code
            if good:
                chunk.append((number, values))
            if len(chunk) >= CHUNK_ROWS:
                yield chunk
                chunk = []
            if reader.rows % CHUNK_ROWS == 0:
                progress(reader.rows)
        if chunk:
            yield chunk

    def _existing(self, chunk: Chunk) -> set[object]:
        keys = [values[self.key] for _number, values in chunk]
        return set(
            self.model.objects.filter(**{f"{self.key}__in": keys}).values_list(self.key, flat=True)
        )


def _clean_row(
    number: int, cells: dict[str, str], clean: dict[str, Cleaner], errors: list[RowError]
) -> tuple[dict[str, object], bool]:
    """The row's values that passed their checks, and whether all of them did."""
    values: dict[str, object] = {}
    before = len(errors)
    for name, raw in cells.items():
        try:
            values[name] = clean[name](raw)
        except CellError as exc:
            errors.append(RowError(number, name, str(exc)))
        except ValidationError as exc:
            # The model field's own words ("Enter a valid email address."), after the value.
            text = " ".join(exc.messages)
            message = f"“{_shown(raw)}”: {text[:1].lower()}{text[1:]}"
            errors.append(RowError(number, name, message))
    return values, len(errors) == before


def _field_cleaner(model: type[models.Model], name: str) -> Cleaner:
    field = model._meta.get_field(name)

    def clean(raw: str) -> object:
        if not raw and not field.blank:
            raise CellError(f"the {name.replace('_', ' ')} is empty.")
        return field.clean(raw, None)

    return clean


def _choice_cleaner(name: str, choices: list[tuple[str, object]]) -> Cleaner:
    """A choice by its value or its label, in any case: "nl", "Nederlands", "medical_mask",
    "Medical mask"."""
    accepted = {}
    for value, label in choices:
        accepted[str(value).lower()] = value
        accepted[str(label).lower()] = value
        accepted[str(label).lower().replace(" ", "_")] = value

    def clean(raw: str) -> object:
        if not raw:
            raise CellError(f"the {name.replace('_', ' ')} is empty.")
        value = accepted.get(raw.lower())
        if value is None:
            allowed = ", ".join(str(value) for value, _label in choices)
            raise CellError(f"“{_shown(raw)}” is not a {name} here; write one of {allowed}.")
        return value

    return clean


def _shown(value: object) -> str:
    text = value.code if isinstance(value, Standard) else "" if value is None else str(value)
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 1] + "…"


def _error_order(columns: list[str]) -> Callable[[RowError], tuple[int, int]]:
    """File-wide errors first, then by row and, within a row, in the order of the header."""

    def order(error: RowError) -> tuple[int, int]:
        row = error.row if error.row is not None else 0
        return row, columns.index(error.column) if error.column in columns else -1

    return order


# ---------------------------------------------------------------------------------------------
# The two kinds


class HospitalImporter(ReferenceImporter):
    kind = ImportKind.HOSPITALS
    action = "import hospitals"
    model = Hospital
    key = "code"
    table = Table(
        [
            Column("code", required=True, help="the hospital's code; an existing code is updated"),
            Column("name", required=True, help="the hospital's name"),
            Column("city", required=True),
            Column("contact_email", required=True, aliases=("email",), help="where notices go"),
            Column("region"),
            Column(
                "language",
                aliases=("preferred_language",),
                help="of notices and e-mails: "
                + ", ".join(f"{code} ({label})" for code, label in settings.LANGUAGES),
            ),
            Column("webhook_url", aliases=("webhook",), help="where recall notices are posted"),
        ],
        what="a hospitals file",
    )

    def cleaners(self) -> dict[str, Cleaner]:
        return {**super().cleaners(), "language": _choice_cleaner("language", settings.LANGUAGES)}


class ProductImporter(ReferenceImporter):
    kind = ImportKind.PRODUCTS
    action = "import products"
    model = Product
    key = "sku"
    table = Table(
        [
            Column(
                "sku",
                required=True,
                aliases=("product_code", "code"),
                help="the product code; an existing code is updated",
            ),
            Column("name", required=True),
            Column(
                "category",
                required=True,
                help=", ".join(value for value, _label in ProductCategory.choices),
            ),
            Column(
                "claimed_standard",
                aliases=("standard",),
                help="the code of a standard in the panel (e.g. EN 149 FFP2)",
            ),
            Column("manufacturer"),
            Column("unit", help="e.g. piece, box of 50"),
        ],
        what="a products file",
    )

    def cleaners(self) -> dict[str, Cleaner]:
        return {
            **super().cleaners(),
            "category": _choice_cleaner("category", ProductCategory.choices),
            "claimed_standard": _standard_cleaner(),
        }


def _standard_cleaner() -> Cleaner:
    """A standard by its code ("EN 149 FFP2") or as the panel shows it ("EN 149 FFP2
    (2001+A1:2009)"), in any case; empty for none. The standards are read once per file."""
    standards: dict[str, Standard] = {}
    for standard in Standard.objects.all():
        standards[_standard_key(standard.code)] = standard
        standards[_standard_key(str(standard))] = standard

    def clean(raw: str) -> Standard | None:
        if not raw:
            return None
        standard = standards.get(_standard_key(raw))
        if standard is None:
            raise CellError(
                f"no standard has the code “{_shown(raw)}”; add it under Standards first."
            )
        return standard

    return clean


def _standard_key(text: str) -> str:
    return " ".join(text.split()).lower()
