"""Reading a reference-data CSV (hospitals, products): a header naming known columns in any
order, any case, spaces or hyphens for underscores, commas or semicolons; then one record per
row as {column: stripped cell}. Row numbers are the file's (the header is row 1), blank rows are
skipped but counted. The distribution plan has its own parser (`procurement.planning`)."""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ...planning import RowError, csv_delimiter

_SEPARATORS = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class Column:
    """A column of an import file: the model field it fills (and its name in the header),
    whether the header must have it, other names accepted for it, and what it holds."""

    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""


def header_name(cell: str) -> str:
    return _SEPARATORS.sub("_", cell.strip().removeprefix("\ufeff").strip().lower())


class Table:
    """The columns of one kind of file, and the reading of its header and rows."""

    def __init__(self, columns: Sequence[Column], *, what: str) -> None:
        self.columns = tuple(columns)
        self.what = what  # "a hospitals file"
        self._by_name = {
            name: column.name for column in columns for name in (column.name, *column.aliases)
        }

    @property
    def required(self) -> list[str]:
        return [column.name for column in self.columns if column.required]

    def positions(self, header: list[str], errors: list[RowError]) -> dict[str, int]:
        """Column name -> position in the row; errors for unknown, repeated and missing columns,
        or one error when the first row is not a header at all."""
        names = [header_name(cell) for cell in header]
        if not any(name in self._by_name for name in names):
            errors.append(
                RowError(
                    1,
                    None,
                    f"the first row must be the header of {self.what}, naming at least "
                    f"{', '.join(self.required)}; it is “{','.join(header)}”.",
                )
            )
            return {}
        positions: dict[str, int] = {}
        for position, (cell, name) in enumerate(zip(header, names, strict=True)):
            if not name:
                continue  # an unnamed column (a trailing delimiter): its values are checked per row
            column = self._by_name.get(name)
            if column is None:
                known = ", ".join(c.name for c in self.columns)
                message = f"not a column of {self.what}; the columns are {known}."
                errors.append(RowError(1, cell.strip(), message))
            elif column in positions:
                errors.append(RowError(1, column, "the column appears twice."))
            else:
                positions[column] = position
        for name in self.required:
            if name not in positions:
                errors.append(RowError(1, name, f"the header has no {name} column."))
        return positions

    def header_errors(self, header: list[str]) -> list[RowError]:
        errors: list[RowError] = []
        self.positions(header, errors)
        return errors

    def reader(self, lines: Iterable[str], *, max_rows: int, errors: list[RowError]) -> TableReader:
        return TableReader(self, lines, max_rows=max_rows, errors=errors)


class TableReader:
    """Iterates (row number, {column: cell}) over a file's data rows, appending what is wrong
    with the file or a row to `errors`. `present` holds the header's columns once it is read."""

    def __init__(
        self, table: Table, lines: Iterable[str], *, max_rows: int, errors: list[RowError]
    ) -> None:
        self.table = table
        self.lines = iter(lines)
        self.max_rows = max_rows
        self.errors = errors
        self.present: list[str] = []
        self.rows = 0  # data rows read

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        first = next(self.lines, "").removeprefix("\ufeff")
        if not first:
            self.errors.append(RowError(None, None, "The file is empty."))
            return
        reader = csv.reader(itertools.chain([first], self.lines), delimiter=csv_delimiter(first))
        try:
            positions = self.table.positions(next(reader), self.errors)
            if self.errors:
                return
            self.present = list(positions)
            yield from self._records(reader, positions)
        except csv.Error as exc:
            # line_num counts physical lines: the best position there is in a file csv cannot read.
            message = f"the file cannot be read as CSV ({exc})."
            self.errors.append(RowError(reader.line_num or 1, None, message))
            return
        if not self.rows and not self.errors:
            self.errors.append(RowError(None, None, "The file has a header but no rows."))

    def _records(
        self, reader: Iterator[list[str]], positions: dict[str, int]
    ) -> Iterator[tuple[int, dict[str, str]]]:
        used = set(positions.values())
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            self.rows += 1
            if self.rows > self.max_rows:
                self.rows -= 1
                self.errors.append(
                    RowError(
                        number,
                        None,
                        f"the file has more than {self.max_rows:,} rows; split it into smaller "
                        "files.",
                    )
                )
                return
            for position, cell in enumerate(record):
                if position not in used and cell.strip():
                    message = f"“{cell.strip()}” is in a column without a name in the header."
                    self.errors.append(RowError(number, str(position + 1), message))
            yield (
                number,
                {
                    name: record[position].strip() if position < len(record) else ""
                    for name, position in positions.items()
                },
            )
