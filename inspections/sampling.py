"""Single sampling plans of MIL-STD-105E (10 May 1989), the tables in SAMPLING.md.

The tables below are the markdown rows of SAMPLING.md (shared domain notes), copied verbatim so a
reader can compare them line by line; they are parsed and every arrow resolved once, at import.
ISO 2859-1 matches the code letters and the normal and tightened tables but not reduced
inspection (it has no accept/reject gap): plans from here are labelled with `EDITION`.

Public API: `plan_for` (lot size -> plan), `table_plan` (code letter -> plan), `judge`
(plan + count -> verdict) and the choice constants `SEVERITIES`, `LEVELS`, `AQLS`.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum

EDITION = "MIL-STD-105E"

SEVERITIES: tuple[str, ...] = ("normal", "tightened", "reduced")

# The tables are SAMPLING.md's markdown verbatim. The two header rows of the plan tables are
# longer than a code line, so they continue after a backslash (which joins the two lines).

# Table I: sample size code letters.
_TABLE_I = """
| Lot size | S-1 | S-2 | S-3 | S-4 | I | II | III |
|---|---|---|---|---|---|---|---|
| 2-8 | A | A | A | A | A | A | B |
| 9-15 | A | A | A | A | A | B | C |
| 16-25 | A | A | B | B | B | C | D |
| 26-50 | A | B | B | C | C | D | E |
| 51-90 | B | B | C | C | C | E | F |
| 91-150 | B | B | C | D | D | F | G |
| 151-280 | B | C | D | E | E | G | H |
| 281-500 | B | C | D | E | F | H | J |
| 501-1200 | C | C | E | F | G | J | K |
| 1201-3200 | C | D | E | G | H | K | L |
| 3201-10000 | C | D | F | G | J | L | M |
| 10001-35000 | C | D | F | H | K | M | N |
| 35001-150000 | D | E | G | J | L | N | P |
| 150001-500000 | D | E | G | J | M | P | Q |
| 500001 and over | D | E | H | K | N | Q | R |
"""

# Table II-A: single sampling, normal inspection (Ac/Re).
_TABLE_II_A = """
| Code | n | .010 | .015 | .025 | .040 | .065 | .10 | .15 | .25 | .40 | .65 | 1.0 | 1.5 | \
2.5 | 4.0 | 6.5 | 10 |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
| A | 2 | v | v | v | v | v | v | v | v | v | v | v | v | v | v | 0/1 | v |
| B | 3 | v | v | v | v | v | v | v | v | v | v | v | v | v | 0/1 | ^ | v |
| C | 5 | v | v | v | v | v | v | v | v | v | v | v | v | 0/1 | ^ | v | 1/2 |
| D | 8 | v | v | v | v | v | v | v | v | v | v | v | 0/1 | ^ | v | 1/2 | 2/3 |
| E | 13 | v | v | v | v | v | v | v | v | v | v | 0/1 | ^ | v | 1/2 | 2/3 | 3/4 |
| F | 20 | v | v | v | v | v | v | v | v | v | 0/1 | ^ | v | 1/2 | 2/3 | 3/4 | 5/6 |
| G | 32 | v | v | v | v | v | v | v | v | 0/1 | ^ | v | 1/2 | 2/3 | 3/4 | 5/6 | 7/8 |
| H | 50 | v | v | v | v | v | v | v | 0/1 | ^ | v | 1/2 | 2/3 | 3/4 | 5/6 | 7/8 | 10/11 |
| J | 80 | v | v | v | v | v | v | 0/1 | ^ | v | 1/2 | 2/3 | 3/4 | 5/6 | 7/8 | 10/11 | 14/15 |
| K | 125 | v | v | v | v | v | 0/1 | ^ | v | 1/2 | 2/3 | 3/4 | 5/6 | 7/8 | 10/11 | 14/15 | 21/22 |
| L | 200 | v | v | v | v | 0/1 | ^ | v | 1/2 | 2/3 | 3/4 | 5/6 | 7/8 | 10/11 | 14/15 | 21/22 | ^ |
| M | 315 | v | v | v | 0/1 | ^ | v | 1/2 | 2/3 | 3/4 | 5/6 | 7/8 | 10/11 | 14/15 | 21/22 | ^ | ^ |
| N | 500 | v | v | 0/1 | ^ | v | 1/2 | 2/3 | 3/4 | 5/6 | 7/8 | 10/11 | 14/15 | 21/22 | ^ | ^ | ^ |
| P | 800 | v | 0/1 | ^ | v | 1/2 | 2/3 | 3/4 | 5/6 | 7/8 | 10/11 | 14/15 | 21/22 | ^ | ^ | ^ | ^ |
| Q | 1250 | 0/1 | ^ | v | 1/2 | 2/3 | 3/4 | 5/6 | 7/8 | 10/11 | 14/15 | 21/22 | ^ | ^ | ^ | ^ | ^ |
| R | 2000 | ^ | ^ | 1/2 | 2/3 | 3/4 | 5/6 | 7/8 | 10/11 | 14/15 | 21/22 | ^ | ^ | ^ | ^ | ^ | ^ |
"""

# Table II-B: single sampling, tightened inspection (Ac/Re). Row S (n = 3150) has a plan only
# where an arrow lands on it; its blank cells are not plans and are never reached.
_TABLE_II_B = """
| Code | n | .010 | .015 | .025 | .040 | .065 | .10 | .15 | .25 | .40 | .65 | 1.0 | 1.5 | \
2.5 | 4.0 | 6.5 | 10 |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
| A | 2 | v | v | v | v | v | v | v | v | v | v | v | v | v | v | v | v |
| B | 3 | v | v | v | v | v | v | v | v | v | v | v | v | v | v | 0/1 | v |
| C | 5 | v | v | v | v | v | v | v | v | v | v | v | v | v | 0/1 | v | v |
| D | 8 | v | v | v | v | v | v | v | v | v | v | v | v | 0/1 | v | v | 1/2 |
| E | 13 | v | v | v | v | v | v | v | v | v | v | v | 0/1 | v | v | 1/2 | 2/3 |
| F | 20 | v | v | v | v | v | v | v | v | v | v | 0/1 | v | v | 1/2 | 2/3 | 3/4 |
| G | 32 | v | v | v | v | v | v | v | v | v | 0/1 | v | v | 1/2 | 2/3 | 3/4 | 5/6 |
| H | 50 | v | v | v | v | v | v | v | v | 0/1 | v | v | 1/2 | 2/3 | 3/4 | 5/6 | 8/9 |
| J | 80 | v | v | v | v | v | v | v | 0/1 | v | v | 1/2 | 2/3 | 3/4 | 5/6 | 8/9 | 12/13 |
| K | 125 | v | v | v | v | v | v | 0/1 | v | v | 1/2 | 2/3 | 3/4 | 5/6 | 8/9 | 12/13 | 18/19 |
| L | 200 | v | v | v | v | v | 0/1 | v | v | 1/2 | 2/3 | 3/4 | 5/6 | 8/9 | 12/13 | 18/19 | ^ |
| M | 315 | v | v | v | v | 0/1 | v | v | 1/2 | 2/3 | 3/4 | 5/6 | 8/9 | 12/13 | 18/19 | ^ | ^ |
| N | 500 | v | v | v | 0/1 | v | v | 1/2 | 2/3 | 3/4 | 5/6 | 8/9 | 12/13 | 18/19 | ^ | ^ | ^ |
| P | 800 | v | v | 0/1 | v | v | 1/2 | 2/3 | 3/4 | 5/6 | 8/9 | 12/13 | 18/19 | ^ | ^ | ^ | ^ |
| Q | 1250 | v | 0/1 | v | v | 1/2 | 2/3 | 3/4 | 5/6 | 8/9 | 12/13 | 18/19 | ^ | ^ | ^ | ^ | ^ |
| R | 2000 | 0/1 | ^ | v | 1/2 | 2/3 | 3/4 | 5/6 | 8/9 | 12/13 | 18/19 | ^ | ^ | ^ | ^ | ^ | ^ |
| S | 3150 | | | 1/2 | | | | | | | | | | | | | |
"""

# Table II-C: reduced inspection. Its arrows stand exactly where II-A has them; where II-A has a
# plan, II-C has the plan at the same position of this sequence (Re > Ac + 1: the gap).
_REDUCED_SAMPLE_SIZES = (
    "A 2, B 2, C 2, D 3, E 5, F 8, G 13, H 20, J 32, K 50, L 80, M 125, N 200, P 315, Q 500, R 800"
)
_REDUCED_PLAN_FOR_NORMAL = """
| II-A plan | 0/1 | 1/2 | 2/3 | 3/4 | 5/6 | 7/8 | 10/11 | 14/15 | 21/22 |
|---|---|---|---|---|---|---|---|---|---|
| II-C plan | 0/1 | 0/2 | 1/3 | 1/4 | 2/5 | 3/6 | 5/8 | 7/10 | 10/13 |
"""

_ARROW_STEPS = {"v": 1, "^": -1}  # v: first plan below in the column, ^: first plan above


@dataclass(frozen=True)
class TablePlan:
    """A plan cell of a table, reached from a code letter and an AQL after following arrows."""

    plan_letter: str
    sample_size: int
    accept: int
    reject: int


@dataclass(frozen=True)
class SamplingPlan:
    """The plan to use for one lot: what to draw and the accept (Ac) / reject (Re) numbers."""

    severity: str
    level: str
    aql: Decimal
    code_letter: str  # from Table I
    plan_letter: str  # the row the arrow landed on (== code_letter when the cell is a plan)
    sample_size: int  # capped at the lot size, see hundred_percent
    accept: int
    reject: int
    # The landed row's n >= lot size: inspect every unit. The standard gives no other numbers
    # for that case, so Ac/Re stay the plan's and apply to the count in the whole lot.
    hundred_percent: bool


@dataclass(frozen=True)
class Verdict:
    """Outcome of one sample. `in_gap`: accepted with Ac < d < Re (reduced inspection only),
    which accepts the lot but sends the supplier back to normal inspection (4.10.1.4)."""

    accepted: bool
    in_gap: bool = False


# Parsing, once at import ----------------------------------------------------------------------


def _markdown_rows(text: str) -> list[list[str]]:
    """Cells of each row of a markdown table, header first, the |---| line dropped."""
    rows = []
    for line in text.strip().splitlines():
        line = line.strip()
        if not (line.startswith("|") and line.endswith("|")):
            raise ValueError(f"sampling table: not a table row: {line!r}")
        cells = [cell.strip() for cell in line[1:-1].split("|")]
        if not all(set(cell) == {"-"} for cell in cells):
            rows.append(cells)
    return rows


def _parse_table_i(text: str) -> tuple[tuple[str, ...], list[tuple[int, int | None, dict]]]:
    header, *body = _markdown_rows(text)
    levels = tuple(header[1:])
    ranges = []
    for lot_sizes, *letters in body:
        low, _, high = lot_sizes.replace(" and over", "-").partition("-")
        ranges.append(
            (int(low), int(high) if high else None, dict(zip(levels, letters, strict=True)))
        )
    return levels, ranges


def _parse_ac_re(cell: str) -> tuple[int, int] | str | None:
    if cell in _ARROW_STEPS:
        return cell
    if not cell:
        return None
    accept, reject = cell.split("/")
    return int(accept), int(reject)


@dataclass(frozen=True)
class _Row:
    letter: str
    sample_size: int
    cells: tuple  # per AQL column: (Ac, Re), "v", "^" or None (blank)


def _parse_plan_table(text: str) -> tuple[tuple[str, ...], list[_Row]]:
    header, *body = _markdown_rows(text)
    labels = tuple(header[2:])
    rows = [
        _Row(letter, int(n), tuple(_parse_ac_re(cell) for cell in cells))
        for letter, n, *cells in body
    ]
    if any(len(row.cells) != len(labels) for row in rows):
        raise ValueError("sampling table: a row does not have one cell per AQL column")
    return labels, rows


def _reduced_rows(normal_rows: list[_Row]) -> list[_Row]:
    """Table II-C: the arrows of II-A, its plans mapped to the reduced ones, the reduced n.

    An arrow lands on the same row as in II-A, and the sample size drawn is that row's reduced
    n (SAMPLING.md: "the sample size of the row you land on", read in II-C itself)."""
    sizes = {letter: int(n) for letter, n in map(str.split, _REDUCED_SAMPLE_SIZES.split(", "))}
    normal, reduced = _markdown_rows(_REDUCED_PLAN_FOR_NORMAL)
    to_reduced = {
        _parse_ac_re(plan): _parse_ac_re(mapped)
        for plan, mapped in zip(normal[1:], reduced[1:], strict=True)
    }
    return [
        _Row(
            row.letter,
            sizes[row.letter],
            # A plan missing from the mapping fails the import (KeyError), never passes through.
            tuple(to_reduced[cell] if isinstance(cell, tuple) else cell for cell in row.cells),
        )
        for row in normal_rows
    ]


def _land(rows: list[_Row], start: int, column: int) -> _Row:
    """Follow the arrow in rows[start] (if any) down or up the column to the row with a plan.

    Only arrows pointing the same way are passed over: a blank cell, an opposite arrow or the
    table's edge on the way means the table itself is wrong, and the import fails."""
    arrow, index = rows[start].cells[column], start
    step = _ARROW_STEPS.get(arrow, 0)
    while step and 0 <= index < len(rows) and rows[index].cells[column] == arrow:
        index += step
    if not (0 <= index < len(rows) and isinstance(rows[index].cells[column], tuple)):
        raise ValueError(f"sampling table: row {rows[start].letter}, column {column}: no plan")
    return rows[index]


def _resolve(rows: list[_Row], aqls: tuple[Decimal, ...]) -> dict[str, dict[Decimal, TablePlan]]:
    resolved: dict[str, dict[Decimal, TablePlan]] = {}
    for start, row in enumerate(rows):
        if row.letter not in CODE_LETTERS:
            continue  # row S: reachable only through an arrow
        resolved[row.letter] = {}
        for column, aql in enumerate(aqls):
            landed = _land(rows, start, column)
            accept, reject = landed.cells[column]
            resolved[row.letter][aql] = TablePlan(landed.letter, landed.sample_size, accept, reject)
    return resolved


LEVELS, _LOT_RANGES = _parse_table_i(_TABLE_I)
CODE_LETTERS: tuple[str, ...] = tuple(
    sorted({letter for *_, row in _LOT_RANGES for letter in row.values()})
)
_AQL_LABELS, _NORMAL_ROWS = _parse_plan_table(_TABLE_II_A)
_TIGHTENED_LABELS, _TIGHTENED_ROWS = _parse_plan_table(_TABLE_II_B)
if _TIGHTENED_LABELS != _AQL_LABELS:
    raise ValueError("sampling tables II-A and II-B have different AQL columns")
AQLS: tuple[Decimal, ...] = tuple(Decimal(label) for label in _AQL_LABELS)
_PLANS: dict[str, dict[str, dict[Decimal, TablePlan]]] = {
    "normal": _resolve(_NORMAL_ROWS, AQLS),
    "tightened": _resolve(_TIGHTENED_ROWS, AQLS),
    "reduced": _resolve(_reduced_rows(_NORMAL_ROWS), AQLS),
}


# Public API -----------------------------------------------------------------------------------


def plan_for(
    lot_size: int,
    *,
    aql: Decimal | str,
    level: str = "II",
    severity: str = "normal",
) -> SamplingPlan:
    """The single sampling plan for a lot: code letter from Table I, then the plan table of the
    severity, following arrows; inspect 100 % when the sample would be the whole lot."""
    lot_size = _lot_size(lot_size)
    level = _choice(level, LEVELS, "inspection level")
    severity = _choice(severity, SEVERITIES, "severity")
    column = _aql(aql)
    letter = code_letter_for(lot_size, level)
    plan = _PLANS[severity][letter][column]
    hundred_percent = plan.sample_size >= lot_size
    return SamplingPlan(
        severity=severity,
        level=level,
        aql=column,
        code_letter=letter,
        plan_letter=plan.plan_letter,
        sample_size=lot_size if hundred_percent else plan.sample_size,
        accept=plan.accept,
        reject=plan.reject,
        hundred_percent=hundred_percent,
    )


def code_letter_for(lot_size: int, level: str = "II") -> str:
    """Table I: the sample size code letter for a lot size and inspection level."""
    lot_size = _lot_size(lot_size)
    level = _choice(level, LEVELS, "inspection level")
    for low, high, letters in _LOT_RANGES:
        if low <= lot_size and (high is None or lot_size <= high):
            return letters[level]
    raise AssertionError("unreachable: Table I covers every lot size from 2 up")


def table_plan(code_letter: str, *, aql: Decimal | str, severity: str = "normal") -> TablePlan:
    """The plan a code letter's row gives for an AQL, after following arrows (no lot size, so
    no 100 % rule)."""
    code_letter = _choice(code_letter, CODE_LETTERS, "code letter")
    return _PLANS[_choice(severity, SEVERITIES, "severity")][code_letter][_aql(aql)]


def judge(plan: SamplingPlan | TablePlan, nonconforming: int) -> Verdict:
    """Accept at d <= Ac, reject at d >= Re; in between (reduced plans only) accept in the gap.

    d may exceed the sample size when counting nonconformities per hundred units."""
    if isinstance(nonconforming, bool) or not isinstance(nonconforming, int) or nonconforming < 0:
        raise ValueError(f"nonconforming must be a count >= 0, not {nonconforming!r}")
    return Verdict(
        accepted=nonconforming < plan.reject,
        in_gap=plan.accept < nonconforming < plan.reject,
    )


# Input checks ---------------------------------------------------------------------------------


def _choice(value: object, allowed: tuple[str, ...], what: str) -> str:
    """`value` if it is one of `allowed`; an Enum (e.g. TextChoices) counts by its value."""
    raw = value.value if isinstance(value, Enum) else value
    if isinstance(raw, str) and raw in allowed:
        return allowed[allowed.index(raw)]  # the plain str, never the Enum member
    raise ValueError(f"unknown {what} {value!r}; allowed: {', '.join(allowed)}")


_AQL_COLUMNS = {aql: aql for aql in AQLS}  # Decimal hashes by value: 0.650 finds .65


def _aql(value: object) -> Decimal:
    """The AQL column equal in value to `value` (Decimal, str or int; floats are refused
    because 0.65 as a float is not 0.65)."""
    number = None
    if isinstance(value, Decimal | str | int) and not isinstance(value, bool):
        with suppress(InvalidOperation):
            number = Decimal(value.strip() if isinstance(value, str) else value)
    if number is not None and number.is_finite() and number in _AQL_COLUMNS:
        return _AQL_COLUMNS[number]
    raise ValueError(f"unknown AQL {value!r}; allowed (Decimal or str): {', '.join(_AQL_LABELS)}")


def _lot_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise ValueError(f"lot size must be an int >= 2 (Table I starts at 2), not {value!r}")
    return value
