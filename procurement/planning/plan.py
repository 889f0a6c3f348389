"""What a distribution plan is made of: its limits, its rows and allocations, and the errors an
imported file can have."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ..models import Distribution, Hospital, Lot

MAX_UPLOAD_BYTES = 1024 * 1024
MAX_ROWS = 5_000
# The ceiling of a quantity column on PostgreSQL (PositiveIntegerField); far above any lot.
MAX_QUANTITY = 2_147_483_647
NOTE_MAX_LENGTH = Distribution._meta.get_field("note").max_length
COLUMNS = ("hospital_code", "lot_number", "quantity")


def format_units(number: int) -> str:
    """A count of units as people of the active language write it (1,200 / 1.200)."""
    return number_format(number, force_grouping=True)


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
