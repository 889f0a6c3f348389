"""A plan's CSV file: bytes to text, text to rows (`plan_rows_from_csv`, a pure parser: rows and
row errors out), rows to allocations (`plan_resolve`: codes and numbers to hospitals and lots,
checked against what the warehouse holds). `plan_from_csv` runs both."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from ..models import Hospital, Lot, LotStatus
from ..selectors.planning import lots_with_warehouse_stock
from .plan import (
    COLUMNS,
    MAX_QUANTITY,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    Allocation,
    LotTotal,
    ParsedPlan,
    PlanRow,
    ResolvedPlan,
    RowError,
    format_units,
)

_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
_HEADER_SEPARATORS = re.compile(r"[\s\-]+")


def plan_text_from_bytes(data: bytes) -> tuple[str, list[RowError]]:
    """The text of an uploaded file (UTF-8, with or without BOM), or the reason it has none."""
    if len(data) > MAX_UPLOAD_BYTES:
        return "", [_too_large()]
    data = data.removeprefix(b"\xef\xbb\xbf")  # the BOM Excel writes
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        return "", [
            RowError(
                row,
                None,
                _(
                    "the file is not UTF-8 text (byte 0x%(byte)02X). Save it as “CSV UTF-8” "
                    "and upload it again."
                )
                % {"byte": data[exc.start]},
            )
        ]


def _too_large() -> RowError:
    return RowError(
        None,
        None,
        _("The file is larger than %(limit)s MB; split it into smaller files.")
        % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
    )


def plan_rows_from_csv(text: str) -> ParsedPlan:
    """Read a plan's CSV text: a header naming hospital_code, lot_number and quantity (in any
    order, any case, spaces for underscores), then one row per hospital and lot, separated by
    commas or semicolons. Blank rows are skipped but counted, so row numbers match the file."""
    text = text.removeprefix("\ufeff")
    if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
        return ParsedPlan(errors=[_too_large()])
    if not text.strip():
        return ParsedPlan(errors=[RowError(None, None, _("The file is empty."))])
    return plan_rows_from_lines(io.StringIO(text, newline=""))


def plan_rows_from_lines(
    lines: Iterable[str],
    *,
    max_rows: int = MAX_ROWS,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 5_000,
) -> ParsedPlan:
    """`plan_rows_from_csv` over lines read one at a time (a file opened with newline=""), so a
    large file is never held whole: the panel's import jobs read files of up to `max_rows` rows
    this way. `progress`, when given, is called with the data rows read so far every
    `progress_every` rows, and once more with all of them when the file is read to its end."""
    lines = iter(lines)
    first_line = next(lines, "").removeprefix("\ufeff")
    if not first_line:
        return ParsedPlan(errors=[RowError(None, None, _("The file is empty."))])
    delimiter = csv_delimiter(first_line)
    reader = csv.reader(itertools.chain([first_line], lines), delimiter=delimiter)
    plan = ParsedPlan()
    try:
        positions = _read_header(next(reader), plan.errors)
        if plan.errors:
            return plan
        data_rows = 0
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            data_rows += 1
            if data_rows > max_rows:
                plan.errors.append(_too_many_rows(number, max_rows))
                return plan
            if progress is not None and data_rows % progress_every == 0:
                progress(data_rows)
            row = _read_row(number, record, positions, plan.errors)
            if row is not None:
                plan.rows.append(row)
    except csv.Error as exc:
        # line_num counts physical lines: the best position there is in a file csv cannot read.
        plan.errors.append(
            RowError(
                reader.line_num or 1,
                None,
                _("the file cannot be read as CSV (%(error)s).") % {"error": exc},
            )
        )
        return plan
    if progress is not None:
        progress(data_rows)
    _check_duplicates(plan)
    if not plan.rows and not plan.errors:
        plan.errors.append(RowError(None, None, _("The file has a header but no rows.")))
    return plan


def csv_delimiter(first_line: str) -> str:
    """Semicolons when the header has more of them than commas (Excel in a Dutch locale)."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def plan_header_errors(header: list[str]) -> list[RowError]:
    """What is wrong with a plan's header row (its cells as read), for a check before the rows."""
    errors: list[RowError] = []
    _read_header(header, errors)
    return errors


def _too_many_rows(number: int, limit: int = MAX_ROWS) -> RowError:
    return RowError(
        number,
        None,
        _("the file has more than %(limit)s rows; split it into smaller files.")
        % {"limit": format_units(limit)},
    )


def _header_name(cell: str) -> str:
    return _HEADER_SEPARATORS.sub("_", cell.strip().removeprefix("\ufeff").strip().lower())


def _read_header(header: list[str], errors: list[RowError]) -> dict[str, int]:
    """Column name -> position; errors for unknown, repeated and missing columns, or one error
    when the first row is not a header at all."""
    positions: dict[str, int] = {}
    names = [_header_name(cell) for cell in header]
    if not set(names) & set(COLUMNS):
        errors.append(
            RowError(
                1,
                None,
                _("the first row must be the header %(columns)s; it is “%(found)s”.")
                % {"columns": ",".join(COLUMNS), "found": ",".join(header)},
            )
        )
        return positions
    for position, (cell, name) in enumerate(zip(header, names, strict=True)):
        if not name:
            continue  # an unnamed column (a trailing delimiter): its values are checked per row
        if name not in COLUMNS:
            errors.append(
                RowError(
                    1,
                    cell.strip(),
                    _("not a column of a distribution plan; the columns are %(columns)s.")
                    % {"columns": get_text_list(list(COLUMNS), _("and"))},
                )
            )
        elif name in positions:
            errors.append(RowError(1, name, _("the column appears twice.")))
        else:
            positions[name] = position
    for name in COLUMNS:
        if name not in positions:
            errors.append(
                RowError(1, name, _("the header has no %(column)s column.") % {"column": name})
            )
    return positions


def _read_row(
    number: int, record: list[str], positions: dict[str, int], errors: list[RowError]
) -> PlanRow | None:
    before = len(errors)
    used = set(positions.values())
    for position, cell in enumerate(record):
        if position not in used and cell.strip():
            errors.append(
                RowError(
                    number,
                    str(position + 1),
                    _("“%(value)s” is in a column without a name in the header.")
                    % {"value": cell.strip()},
                )
            )

    def value(name: str) -> str:
        position = positions[name]
        return record[position].strip() if position < len(record) else ""

    code, lot_number = value("hospital_code"), value("lot_number")
    if not code:
        errors.append(RowError(number, "hospital_code", _("the hospital code is empty.")))
    if not lot_number:
        errors.append(RowError(number, "lot_number", _("the lot number is empty.")))
    quantity = _read_quantity(number, value("quantity"), errors)
    if len(errors) > before or quantity is None:
        return None
    return PlanRow(row=number, hospital_code=code, lot_number=lot_number, quantity=quantity)


def _read_quantity(number: int, raw: str, errors: list[RowError]) -> int | None:
    def refuse(message: str) -> None:
        errors.append(RowError(number, "quantity", message))

    if not raw:
        return refuse(_("the quantity is empty."))
    # Digits only: "1.000" is a thousand in Dutch and one in English, so separators are refused.
    if not _WHOLE_NUMBER.fullmatch(raw):
        return refuse(_("“%(value)s” is not a whole number.") % {"value": raw})
    digits = raw.lstrip("+-").lstrip("0")
    if raw.startswith("-") or not digits:
        return refuse(_("%(value)s is not above zero.") % {"value": raw})
    # Compare the length first: int() of a million digits is slow (and refused by Python).
    if len(digits) > len(str(MAX_QUANTITY)) or int(digits) > MAX_QUANTITY:
        return refuse(_("%(value)s is more than any lot holds.") % {"value": raw})
    return int(digits)


def _check_duplicates(plan: ParsedPlan) -> None:
    """The same hospital and lot on two rows is refused, naming both: summing them silently
    would hide a typing mistake in one of them."""
    first_row: dict[tuple[str, str], int] = {}
    for row in plan.rows:
        key = (row.hospital_code, row.lot_number)
        if key in first_row:
            plan.errors.append(
                RowError(
                    row.row,
                    "lot_number",
                    _(
                        "hospital %(hospital)s and lot %(lot)s are also on row %(first)s; each "
                        "hospital may appear once per lot."
                    )
                    % {
                        "hospital": row.hospital_code,
                        "lot": row.lot_number,
                        "first": first_row[key],
                    },
                )
            )
        else:
            first_row[key] = row.row


def plan_resolve(rows: Sequence[PlanRow]) -> ResolvedPlan:
    """Look up the rows' hospitals and lots (two queries, whatever the number of rows) and check
    each lot: released, not expired, and a planned total the warehouse can cover."""
    hospitals = Hospital.objects.in_bulk({row.hospital_code for row in rows}, field_name="code")
    lots = {
        lot.lot_number: lot
        for lot in lots_with_warehouse_stock().filter(
            lot_number__in={row.lot_number for row in rows}
        )
    }
    plan = ResolvedPlan()
    for row in rows:
        allocation = _resolve_row(row, hospitals, lots, plan.errors)
        if allocation is not None:
            plan.allocations.append(allocation)
    plan.lot_totals = _lot_totals(plan.allocations)
    plan.errors.extend(_over_allocation_error(total) for total in plan.lot_totals if total.over)
    return plan


def _resolve_row(
    row: PlanRow, hospitals: dict[str, Hospital], lots: dict[str, Lot], errors: list[RowError]
) -> Allocation | None:
    hospital, lot = hospitals.get(row.hospital_code), lots.get(row.lot_number)
    before = len(errors)
    if hospital is None:
        message = _("no hospital has the code “%(code)s”.") % {"code": row.hospital_code}
        errors.append(RowError(row.row, "hospital_code", message))
    if lot is None:
        message = _("no lot has the number “%(number)s”.") % {"number": row.lot_number}
        errors.append(RowError(row.row, "lot_number", message))
    elif lot.status != LotStatus.RELEASED:
        message = _("lot %(lot)s is %(status)s; only released stock can be dispatched.") % {
            "lot": lot.lot_number,
            "status": lot.get_status_display().lower(),
        }
        errors.append(RowError(row.row, "lot_number", message))
    elif lot.expires_on and lot.expires_on < timezone.localdate():
        message = _("lot %(lot)s expired on %(date)s; it cannot be dispatched.") % {
            "lot": lot.lot_number,
            "date": lot.expires_on.isoformat(),
        }
        errors.append(RowError(row.row, "lot_number", message))
    if len(errors) > before:
        return None
    return Allocation(hospital=hospital, lot=lot, quantity=row.quantity, row=row.row)


def _over_allocation_error(total: LotTotal) -> RowError:
    """Named at the lot's first row, with every row that asks for it."""
    values = {
        "lot": total.lot.lot_number,
        "requested": format_units(total.requested),
        "available": format_units(total.available),
        "excess": format_units(total.requested - total.available),
        "rows": get_text_list([str(r) for r in total.rows], _("and")),
    }
    if len(total.rows) == 1:
        message = _(
            "%(requested)s units of lot %(lot)s asked for, but the warehouse holds "
            "%(available)s (%(excess)s too many)."
        )
    else:
        message = _(
            "rows %(rows)s ask for %(requested)s units of lot %(lot)s together, but the "
            "warehouse holds %(available)s (%(excess)s too many)."
        )
    return RowError(total.rows[0], "quantity", message % values)


def _lot_totals(allocations: Sequence[Allocation]) -> list[LotTotal]:
    grouped: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in allocations:
        grouped[allocation.lot.pk].append(allocation)
    return [
        LotTotal(
            lot=group[0].lot,
            requested=sum(a.quantity for a in group),
            available=group[0].lot.in_warehouse,
            rows=tuple(a.row for a in group if a.row is not None),
        )
        for group in grouped.values()
    ]


def plan_from_csv(text: str) -> ResolvedPlan:
    """Parse and look up a plan's CSV text; the errors of both steps, in the file's row order."""
    return _resolved(plan_rows_from_csv(text))


def plan_from_lines(
    lines: Iterable[str], *, max_rows: int, progress: Callable[[int], None] | None = None
) -> ResolvedPlan:
    """`plan_from_csv` over lines read one at a time (see `plan_rows_from_lines`)."""
    return _resolved(plan_rows_from_lines(lines, max_rows=max_rows, progress=progress))


def _resolved(parsed: ParsedPlan) -> ResolvedPlan:
    plan = plan_resolve(parsed.rows) if parsed.rows else ResolvedPlan()
    plan.errors = sorted(parsed.errors + plan.errors, key=_error_order)
    return plan


def _error_order(error: RowError) -> tuple[int, int]:
    """File-wide errors first, then by row and, within a row, in the order of COLUMNS."""
    row = error.row if error.row is not None else 0
    return row, COLUMNS.index(error.column) if error.column in COLUMNS else -1
