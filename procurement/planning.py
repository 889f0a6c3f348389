"""Distribution plans: units of one or more released lots sent to many hospitals at once, typed
into the warehouse's planning page or imported from a CSV file.

The write side is one service, `distribution_plan_dispatch`: every allocation or none. The CSV
side is a pure parser (`plan_rows_from_csv`: text in, rows and row errors out) and one read
(`plan_resolve`: codes and numbers to hospitals and lots, checked against what the warehouse
holds). The import's preview and its confirmation both run `plan_from_csv`, so what the clerk
confirmed is checked again, against the stock of that moment, before anything moves.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from . import ledger, services
from .errors import DomainError, InsufficientStock, InvalidInput
from .models import (
    Distribution,
    Hospital,
    Location,
    LocationKind,
    Lot,
    LotStatus,
    StockBalance,
)
from .roles import Role, require_role

MAX_UPLOAD_BYTES = 1024 * 1024
MAX_ROWS = 5_000
# The ceiling of a quantity column on PostgreSQL (PositiveIntegerField); far above any lot.
MAX_QUANTITY = 2_147_483_647
NOTE_MAX_LENGTH = Distribution._meta.get_field("note").max_length
COLUMNS = ("hospital_code", "lot_number", "quantity")

_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
_HEADER_SEPARATORS = re.compile(r"[\s\-]+")


def _units(number: int) -> str:
    """A count of units as people of the active language write it (1,200 / 1.200)."""
    return number_format(number, force_grouping=True)


# ---------------------------------------------------------------------------------------------
# What a plan is made of


@dataclass(frozen=True)
class Allocation:
    """Units of one lot for one hospital; `row` is the CSV row it came from, to name in errors."""

    hospital: Hospital
    lot: Lot
    quantity: int
    row: int | None = None


@dataclass(frozen=True)
class RowError:
    """A problem in an imported file, at a row as the user counts it (the header is row 1) and a
    column; file-wide problems (size, encoding, empty) have neither."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row is not None:
            return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return self.message


@dataclass(frozen=True)
class PlanRow:
    """One data row of an imported plan, read but not yet looked up."""

    row: int
    hospital_code: str
    lot_number: str
    quantity: int


@dataclass
class ParsedPlan:
    rows: list[PlanRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class LotTotal:
    """What a plan asks of one lot against what the warehouse holds of it."""

    lot: Lot
    requested: int
    available: int
    rows: tuple[int, ...] = ()

    @property
    def remaining(self) -> int:
        return self.available - self.requested

    @property
    def over(self) -> bool:
        return self.requested > self.available


@dataclass
class ResolvedPlan:
    """A plan with its hospitals and lots looked up: ready to dispatch when `errors` is empty."""

    allocations: list[Allocation] = field(default_factory=list)
    lot_totals: list[LotTotal] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(a.quantity for a in self.allocations)


# ---------------------------------------------------------------------------------------------
# The service


def distribution_plan_dispatch(
    *, allocations: Sequence[Allocation], actor, note: str = ""
) -> list[Distribution]:
    """Dispatch a plan: units of released lots to many hospitals, all of them or none.

    Refuses an empty plan, a quantity that is not a whole number above zero and the same hospital
    twice for one lot. In one transaction it locks the plan's lots in ascending id order (so two
    plans sharing lots cannot deadlock), refuses any lot whose planned total exceeds what the
    warehouse holds, and dispatches each allocation through `services.distribution_dispatch`
    (ledger movement, Distribution, lot event). Any refusal rolls back the whole plan.
    """
    require_role(
        actor, Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER, action="dispatch a distribution plan"
    )
    note = _check_plan(allocations, note)
    # A hospital's stock location is created on its first delivery. Created inside the
    # transaction, two plans of different lots naming the same new hospitals in opposite orders
    # deadlock (each waits for the other's uncommitted location row); created here, each one is
    # committed at once. Creating one for a plan that is then refused is harmless.
    _hospital_locations_ensure(a.hospital for a in allocations)
    with transaction.atomic():
        lots = _lock_lots({a.lot.pk for a in allocations})
        _check_stock(allocations, lots)
        return [_dispatch_one(a, lots[a.lot.pk], actor=actor, note=note) for a in allocations]


def _check_plan(allocations: Sequence[Allocation], note: str) -> str:
    if not allocations:
        raise InvalidInput(_("A distribution plan needs at least one hospital and quantity."))
    seen: dict[tuple[int, int], Allocation] = {}
    for allocation in allocations:
        quantity = allocation.quantity
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise InvalidInput(
                _("%(where)s: the quantity must be a whole number above zero.")
                % {"where": _label(allocation)}
            )
        key = (allocation.hospital.pk, allocation.lot.pk)
        if key in seen:
            raise InvalidInput(
                _("%(where)s: this hospital is already planned for this lot (%(first)s).")
                % {"where": _label(allocation), "first": _label(seen[key])}
            )
        seen[key] = allocation
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidInput(
            _("The note may be at most %(limit)s characters.") % {"limit": NOTE_MAX_LENGTH}
        )
    return note


def _label(allocation: Allocation) -> str:
    names = {"hospital": allocation.hospital.code, "lot": allocation.lot.lot_number}
    if allocation.row is not None:
        return _("Row %(row)s (hospital %(hospital)s, lot %(lot)s)") % {
            **names,
            "row": allocation.row,
        }
    return _("Hospital %(hospital)s, lot %(lot)s") % names


def _hospital_locations_ensure(hospitals: Iterable[Hospital]) -> None:
    by_pk = {hospital.pk: hospital for hospital in hospitals}
    existing = set(
        Location.objects.filter(hospital__in=by_pk).values_list("hospital_id", flat=True)
    )
    for pk in sorted(by_pk.keys() - existing):
        ledger.hospital_location(by_pk[pk])


def _lock_lots(lot_ids: set[int]) -> dict[int, Lot]:
    """Lock the lot rows (only them, as `services._lock_lot` does) in ascending id order:
    PostgreSQL takes row locks in the order of the ORDER BY."""
    lots = (
        Lot.objects.select_for_update(of=("self",))
        .select_related("order_line__product")
        .filter(pk__in=lot_ids)
        .order_by("pk")
    )
    return {lot.pk: lot for lot in lots}


def _check_stock(allocations: Sequence[Allocation], lots: dict[int, Lot]) -> None:
    """Every lot's planned total against the warehouse balance, read under the lot locks (every
    service drawing from the warehouse locks the lot first, so the balance cannot move now)."""
    planned: dict[int, int] = defaultdict(int)
    rows: dict[int, list[int]] = defaultdict(list)
    for allocation in allocations:
        planned[allocation.lot.pk] += allocation.quantity
        if allocation.row is not None:
            rows[allocation.lot.pk].append(allocation.row)
    held = dict(
        StockBalance.objects.filter(
            lot_id__in=planned, location=ledger.warehouse_location()
        ).values_list("lot_id", "quantity")
    )
    for lot_id in sorted(planned):
        requested, available = planned[lot_id], held.get(lot_id, 0)
        if requested > available:
            raise InsufficientStock(
                _over_allocation_message(lots[lot_id], requested, available, rows[lot_id])
            )


def _over_allocation_message(lot: Lot, requested: int, available: int, rows: list[int]) -> str:
    message = _(
        "Lot %(lot)s: %(requested)s units planned but the warehouse holds %(available)s "
        "(%(excess)s too many)."
    ) % {
        "lot": lot.lot_number,
        "requested": _units(requested),
        "available": _units(available),
        "excess": _units(requested - available),
    }
    if rows:
        message += " " + _("Rows %(rows)s.") % {
            "rows": get_text_list([str(r) for r in rows], _("and"))
        }
    return message


def _dispatch_one(allocation: Allocation, lot: Lot, *, actor, note: str) -> Distribution:
    try:
        return services.distribution_dispatch(
            lot=lot,
            hospital=allocation.hospital,
            quantity=allocation.quantity,
            actor=actor,
            note=note,
        )
    except DomainError as exc:
        # Name the allocation: in a plan of forty rows "lot X is on hold" alone is not enough.
        raise type(exc)(f"{_label(allocation)}: {exc.message}") from exc


# ---------------------------------------------------------------------------------------------
# Reads


def lots_with_warehouse_stock() -> QuerySet[Lot]:
    """Lots with `in_warehouse` (units in the central warehouse, 0 when none) and what a plan
    page shows of them joined in."""
    in_warehouse = StockBalance.objects.filter(
        lot=OuterRef("pk"), location__kind=LocationKind.WAREHOUSE
    ).values("quantity")[:1]
    return Lot.objects.select_related(
        "order_line__product__claimed_standard", "order_line__required_standard"
    ).annotate(in_warehouse=Coalesce(Subquery(in_warehouse), Value(0), output_field=IntegerField()))


def lot_dispatch_refusal(lot: Lot) -> str:
    """Why nothing of the lot can be dispatched now, or "" when it can (the page's early word;
    the service decides under lock)."""
    if lot.status != LotStatus.RELEASED:
        return _("Lot %(lot)s is %(status)s; only released stock can be dispatched.") % {
            "lot": lot.lot_number,
            "status": lot.get_status_display().lower(),
        }
    if lot.expires_on and lot.expires_on < timezone.localdate():
        return _("Lot %(lot)s expired on %(date)s; it cannot be dispatched.") % {
            "lot": lot.lot_number,
            "date": lot.expires_on.isoformat(),
        }
    if getattr(lot, "in_warehouse", None) == 0:
        return _("Nothing of lot %(lot)s is left in the warehouse.") % {"lot": lot.lot_number}
    return ""


# ---------------------------------------------------------------------------------------------
# CSV import: bytes -> text -> rows -> allocations


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
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
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
            if data_rows > MAX_ROWS:
                plan.errors.append(_too_many_rows(number))
                return plan
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
    _check_duplicates(plan)
    if not plan.rows and not plan.errors:
        plan.errors.append(RowError(None, None, _("The file has a header but no rows.")))
    return plan


def _too_many_rows(number: int) -> RowError:
    return RowError(
        number,
        None,
        _("the file has more than %(limit)s rows; split it into smaller files.")
        % {"limit": _units(MAX_ROWS)},
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
        "requested": _units(total.requested),
        "available": _units(total.available),
        "excess": _units(total.requested - total.available),
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
    parsed = plan_rows_from_csv(text)
    plan = plan_resolve(parsed.rows) if parsed.rows else ResolvedPlan()
    plan.errors = sorted(parsed.errors + plan.errors, key=_error_order)
    return plan


def _error_order(error: RowError) -> tuple[int, int]:
    """File-wide errors first, then by row and, within a row, in the order of COLUMNS."""
    row = error.row if error.row is not None else 0
    return row, COLUMNS.index(error.column) if error.column in COLUMNS else -1
