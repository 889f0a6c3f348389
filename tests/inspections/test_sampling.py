"""MIL-STD-105E single sampling against the published tables.

The expected tables are transcribed here from shared/domain/SAMPLING.md in a layout different
from the module's (one string per row), and arrows are walked here by the literal rule ("the
first plan below / above in the same column"), so the module is checked against an independent
reading, cell by cell, and every Table I boundary for every level.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from decimal import Decimal

import pytest
from django.db import models

from inspections import sampling
from inspections.sampling import (
    AQLS,
    EDITION,
    LEVELS,
    SEVERITIES,
    SamplingPlan,
    TablePlan,
    Verdict,
    code_letter_for,
    judge,
    plan_for,
    table_plan,
)

# Expected tables ------------------------------------------------------------------------------

EXPECTED_LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
AQL_LABELS = (
    ".010", ".015", ".025", ".040", ".065", ".10", ".15", ".25",
    ".40", ".65", "1.0", "1.5", "2.5", "4.0", "6.5", "10",
)  # fmt: skip
LETTERS = "ABCDEFGHJKLMNPQR"  # the code letters of Table I (no I, O; S only in II-B)

# Table I: (first lot size, last lot size or None for "and over") -> letters by level.
TABLE_I = {
    (2, 8): "A A A A A A B",
    (9, 15): "A A A A A B C",
    (16, 25): "A A B B B C D",
    (26, 50): "A B B C C D E",
    (51, 90): "B B C C C E F",
    (91, 150): "B B C D D F G",
    (151, 280): "B C D E E G H",
    (281, 500): "B C D E F H J",
    (501, 1200): "C C E F G J K",
    (1201, 3200): "C D E G H K L",
    (3201, 10000): "C D F G J L M",
    (10001, 35000): "C D F H K M N",
    (35001, 150000): "D E G J L N P",
    (150001, 500000): "D E G J M P Q",
    (500001, None): "D E H K N Q R",
}

# Tables II-A and II-B: "n: Ac/Re or arrow per AQL column" (v down, ^ up, - blank).
NORMAL = {
    "A": "2: v v v v v v v v v v v v v v 0/1 v",
    "B": "3: v v v v v v v v v v v v v 0/1 ^ v",
    "C": "5: v v v v v v v v v v v v 0/1 ^ v 1/2",
    "D": "8: v v v v v v v v v v v 0/1 ^ v 1/2 2/3",
    "E": "13: v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4",
    "F": "20: v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6",
    "G": "32: v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8",
    "H": "50: v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11",
    "J": "80: v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15",
    "K": "125: v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22",
    "L": "200: v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^",
    "M": "315: v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^",
    "N": "500: v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^",
    "P": "800: v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^",
    "Q": "1250: 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^",
    "R": "2000: ^ ^ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^",
}
TIGHTENED = {
    "A": "2: v v v v v v v v v v v v v v v v",
    "B": "3: v v v v v v v v v v v v v v 0/1 v",
    "C": "5: v v v v v v v v v v v v v 0/1 v v",
    "D": "8: v v v v v v v v v v v v 0/1 v v 1/2",
    "E": "13: v v v v v v v v v v v 0/1 v v 1/2 2/3",
    "F": "20: v v v v v v v v v v 0/1 v v 1/2 2/3 3/4",
    "G": "32: v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6",
    "H": "50: v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9",
    "J": "80: v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13",
    "K": "125: v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19",
    "L": "200: v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^",
    "M": "315: v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^",
    "N": "500: v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^",
    "P": "800: v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^",
    "Q": "1250: v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^",
    "R": "2000: 0/1 ^ v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^",
    "S": "3150: - - 1/2 - - - - - - - - - - - - -",
}

# Table II-C: reduced sample sizes, and the reduced plan standing where II-A has each plan.
REDUCED_N = {
    "A": 2, "B": 2, "C": 2, "D": 3, "E": 5, "F": 8, "G": 13, "H": 20,
    "J": 32, "K": 50, "L": 80, "M": 125, "N": 200, "P": 315, "Q": 500, "R": 800,
}  # fmt: skip
REDUCED_FOR_NORMAL = {
    "0/1": "0/1", "1/2": "0/2", "2/3": "1/3", "3/4": "1/4", "5/6": "2/5",
    "7/8": "3/6", "10/11": "5/8", "14/15": "7/10", "21/22": "10/13",
}  # fmt: skip

TABLES = {"normal": NORMAL, "tightened": TIGHTENED}


def _rows(table: dict[str, str]) -> dict[str, tuple[int, list[str]]]:
    rows = {}
    for letter, row in table.items():
        n, cells = row.split(": ")
        rows[letter] = (int(n), cells.split())
    return rows


def _ac_re(cell: str) -> tuple[int, int]:
    accept, reject = cell.split("/")
    return int(accept), int(reject)


def expected_plan(table: dict[str, str], letter: str, label: str) -> TablePlan:
    """Walk the expected table: from an arrow, the first plan in its direction."""
    rows = _rows(table)
    letters, column = list(rows), AQL_LABELS.index(label)
    index = letters.index(letter)
    step = {"v": 1, "^": -1}.get(rows[letter][1][column], 0)
    while "/" not in rows[letters[index]][1][column]:
        index += step
        assert 0 <= index < len(letters), f"{letter} {label}: the arrow leaves the table"
    landed = letters[index]
    n, cells = rows[landed]
    return TablePlan(landed, n, *_ac_re(cells[column]))


def expected_reduced(letter: str, label: str) -> TablePlan:
    """II-C: II-A's arrows (so the same landing row), the mapped plan, the reduced n."""
    normal = expected_plan(NORMAL, letter, label)
    mapped = REDUCED_FOR_NORMAL[f"{normal.accept}/{normal.reject}"]
    return TablePlan(normal.plan_letter, REDUCED_N[normal.plan_letter], *_ac_re(mapped))


def _cells(kind: str) -> list:
    """(severity, letter, AQL, cell) of every code-letter row, plan cells or arrow cells."""
    return [
        pytest.param(severity, letter, label, cell, id=f"{severity}-{letter}-{label}")
        for severity, table in TABLES.items()
        for letter, (_, cells) in _rows(table).items()
        if letter in LETTERS
        for label, cell in zip(AQL_LABELS, cells, strict=True)
        if ("/" in cell) == (kind == "plan")
    ]


PLAN_CELLS = _cells("plan")
ARROW_CELLS = _cells("arrow")
EVERY_CELL = [(letter, label) for letter in LETTERS for label in AQL_LABELS]


def test_the_expected_tables_are_complete():
    for table in TABLES.values():
        assert all(len(cells) == len(AQL_LABELS) for _, cells in _rows(table).values())
    assert len(PLAN_CELLS) + len(ARROW_CELLS) == 2 * len(LETTERS) * len(AQL_LABELS) == 512


# Constants ------------------------------------------------------------------------------------


def test_choice_constants_list_the_tables_values_in_order():
    assert SEVERITIES == ("normal", "tightened", "reduced")
    assert LEVELS == EXPECTED_LEVELS
    assert tuple(Decimal(label) for label in AQL_LABELS) == AQLS
    assert all(isinstance(aql, Decimal) for aql in AQLS)
    assert EDITION == "MIL-STD-105E"


# Table I --------------------------------------------------------------------------------------


def _table_i_boundaries() -> list:
    cases = []
    for (low, high), letters in TABLE_I.items():
        for lot_size in (low, high if high else 10**12):
            for level, letter in zip(EXPECTED_LEVELS, letters.split(), strict=True):
                cases.append(pytest.param(lot_size, level, letter, id=f"{lot_size}-{level}"))
    return cases


@pytest.mark.parametrize(("lot_size", "level", "letter"), _table_i_boundaries())
def test_code_letter_at_each_end_of_each_lot_size_range(lot_size, level, letter):
    assert code_letter_for(lot_size, level) == letter
    assert plan_for(lot_size, aql="2.5", level=level).code_letter == letter


def test_code_letter_default_level_is_ii():
    assert code_letter_for(1000) == "J"
    assert plan_for(1000, aql="2.5").level == "II"


# Plan tables, every cell ----------------------------------------------------------------------


@pytest.mark.parametrize(("severity", "letter", "label", "cell"), PLAN_CELLS)
def test_a_plan_cell_is_the_published_plan_with_its_rows_sample_size(severity, letter, label, cell):
    n = _rows(TABLES[severity])[letter][0]
    assert table_plan(letter, aql=label, severity=severity) == TablePlan(letter, n, *_ac_re(cell))


@pytest.mark.parametrize(("severity", "letter", "label", "cell"), ARROW_CELLS)
def test_an_arrow_cell_gives_the_first_plan_in_its_direction(severity, letter, label, cell):
    plan = table_plan(letter, aql=label, severity=severity)

    assert plan == expected_plan(TABLES[severity], letter, label)
    moved = "ABCDEFGHJKLMNPQRS".index(plan.plan_letter) - "ABCDEFGHJKLMNPQRS".index(letter)
    assert moved > 0 if cell == "v" else moved < 0


@pytest.mark.parametrize(("letter", "label"), EVERY_CELL)
def test_a_reduced_cell_is_the_normal_plan_mapped_with_the_reduced_sample_size(letter, label):
    assert table_plan(letter, aql=label, severity="reduced") == expected_reduced(letter, label)


@pytest.mark.parametrize(("letter", "n"), REDUCED_N.items())
def test_reduced_sample_size_of_each_letter(letter, n):
    label = next(
        label for label in AQL_LABELS if expected_plan(NORMAL, letter, label).plan_letter == letter
    )
    assert table_plan(letter, aql=label, severity="reduced").sample_size == n


def test_reduced_row_r_is_the_example_of_sampling_md():
    # `^ ^ 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13` then `^` from AQL 1.0 on.
    example = (
        "^", "^", "0/2", "1/3", "1/4", "2/5", "3/6", "5/8",
        "7/10", "10/13", "^", "^", "^", "^", "^", "^",
    )  # fmt: skip
    for label, cell in zip(AQL_LABELS, example, strict=True):
        plan = table_plan("R", aql=label, severity="reduced")
        if cell == "^":
            assert plan.plan_letter < "R", label
        else:
            assert plan == TablePlan("R", 800, *_ac_re(cell)), label
    assert table_plan("R", aql=".010", severity="reduced") == TablePlan("Q", 500, 0, 1)
    assert table_plan("R", aql=".015", severity="reduced") == TablePlan("P", 315, 0, 1)
    assert table_plan("R", aql="1.0", severity="reduced") == TablePlan("Q", 500, 10, 13)


@pytest.mark.parametrize("severity", ["normal", "tightened"])
def test_normal_and_tightened_plans_have_no_gap(severity):
    for letter, label in EVERY_CELL:
        plan = table_plan(letter, aql=label, severity=severity)
        assert plan.reject == plan.accept + 1


def test_tightened_row_s_is_reached_only_through_the_025_column():
    landed_on_s = {
        (letter, label)
        for letter, label in EVERY_CELL
        if table_plan(letter, aql=label, severity="tightened").plan_letter == "S"
    }
    assert landed_on_s == {(letter, ".025") for letter in "QR"}
    assert table_plan("R", aql=".025", severity="tightened") == TablePlan("S", 3150, 1, 2)


@pytest.mark.parametrize(
    "column",
    [
        ["^", "0/1"],  # an arrow off the top of the table
        ["v", "^"],  # arrows pointing at each other: no plan either way
        ["v", ""],  # a blank cell is not a plan
    ],
    ids=["off-the-table", "opposite-arrows", "blank"],
)
def test_a_table_whose_arrow_reaches_no_plan_fails_at_import(column):
    # given a two-row table in the module's markdown layout
    table = "| Code | n | 1.0 |\n|---|---|---|\n" + "".join(
        f"| {letter} | {n} | {cell} |\n"
        for letter, n, cell in zip("AB", (2, 3), column, strict=True)
    )
    # when it is resolved as at import, then it is refused
    with pytest.raises(ValueError, match="no plan"):
        sampling._resolve(sampling._parse_plan_table(table)[1], (Decimal("1.0"),))


# Hand-checked cases ---------------------------------------------------------------------------


def _plan(severity, level, aql, code, landed, n, ac, re_, hundred=False):
    return SamplingPlan(severity, level, Decimal(aql), code, landed, n, ac, re_, hundred)


HAND_CHECKED = [
    # lot 1000, level II: code letter J, n = 80
    ((1000, "2.5", "II", "normal"), _plan("normal", "II", "2.5", "J", "J", 80, 5, 6)),
    ((1000, "0.65", "II", "normal"), _plan("normal", "II", ".65", "J", "J", 80, 1, 2)),
    ((1000, "1.0", "II", "normal"), _plan("normal", "II", "1.0", "J", "J", 80, 2, 3)),
    ((1000, ".25", "II", "normal"), _plan("normal", "II", ".25", "J", "H", 50, 0, 1)),
    ((1000, ".10", "II", "normal"), _plan("normal", "II", ".10", "J", "K", 125, 0, 1)),
    # lot 50: D row is v at .10, down to K (n = 125 >= 50): inspect all 50
    ((50, "0.10", "II", "normal"), _plan("normal", "II", ".10", "D", "K", 50, 0, 1, True)),
    # D v at .25 lands on H, n = 50 == lot size: 100 %; lot 51 is E, same plan, sample 50
    ((50, ".25", "II", "normal"), _plan("normal", "II", ".25", "D", "H", 50, 0, 1, True)),
    ((51, ".25", "II", "normal"), _plan("normal", "II", ".25", "E", "H", 50, 0, 1)),
    ((10, "10", "II", "normal"), _plan("normal", "II", "10", "B", "C", 5, 1, 2)),
    ((2, "6.5", "II", "normal"), _plan("normal", "II", "6.5", "A", "A", 2, 0, 1, True)),
    ((3, "10", "II", "normal"), _plan("normal", "II", "10", "A", "C", 3, 1, 2, True)),
    # ASTM F2100 masks at AQL 4.0: lot 5000 is L, n = 200, 14/15
    ((5000, "4.0", "II", "normal"), _plan("normal", "II", "4.0", "L", "L", 200, 14, 15)),
    ((5000, "4.0", "S-4", "normal"), _plan("normal", "S-4", "4.0", "G", "G", 32, 3, 4)),
    ((10**6, "6.5", "S-1", "normal"), _plan("normal", "S-1", "6.5", "D", "D", 8, 1, 2)),
    ((600000, ".010", "III", "normal"), _plan("normal", "III", ".010", "R", "Q", 1250, 0, 1)),
    ((600000, "1.0", "III", "normal"), _plan("normal", "III", "1.0", "R", "Q", 1250, 21, 22)),
    ((600000, "10", "III", "normal"), _plan("normal", "III", "10", "R", "K", 125, 21, 22)),
    # tightened: row S (n = 3150) only through the arrows of column .025
    ((600000, ".025", "III", "tightened"), _plan("tightened", "III", ".025", "R", "S", 3150, 1, 2)),
    ((200000, ".025", "III", "tightened"), _plan("tightened", "III", ".025", "Q", "S", 3150, 1, 2)),
    ((100000, ".025", "III", "tightened"), _plan("tightened", "III", ".025", "P", "P", 800, 0, 1)),
    ((600000, ".015", "III", "tightened"), _plan("tightened", "III", ".015", "R", "Q", 1250, 0, 1)),
    ((1000, "2.5", "II", "tightened"), _plan("tightened", "II", "2.5", "J", "J", 80, 3, 4)),
    ((1000, "6.5", "II", "tightened"), _plan("tightened", "II", "6.5", "J", "J", 80, 8, 9)),
    ((8, "10", "II", "tightened"), _plan("tightened", "II", "10", "A", "D", 8, 1, 2, True)),
    # reduced: the gap, and the reduced sample size of the row landed on
    ((1000, "2.5", "II", "reduced"), _plan("reduced", "II", "2.5", "J", "J", 32, 2, 5)),
    ((1000, ".65", "II", "reduced"), _plan("reduced", "II", ".65", "J", "J", 32, 0, 2)),
    ((1000, ".25", "II", "reduced"), _plan("reduced", "II", ".25", "J", "H", 20, 0, 1)),
    ((600000, "10", "III", "reduced"), _plan("reduced", "III", "10", "R", "K", 50, 10, 13)),
    ((2, "6.5", "II", "reduced"), _plan("reduced", "II", "6.5", "A", "A", 2, 0, 1, True)),
]


@pytest.mark.parametrize(
    ("args", "expected"),
    HAND_CHECKED,
    ids=[f"{a[3]}-{a[0]}-{a[2]}-{a[1]}" for a, _ in HAND_CHECKED],
)
def test_hand_checked_plans(args, expected):
    lot_size, aql, level, severity = args
    assert plan_for(lot_size, aql=aql, level=level, severity=severity) == expected


# 100 % inspection -----------------------------------------------------------------------------


def _lot_sizes_around_every_sample_size() -> list[int]:
    sizes = {n for n, _ in _rows(TIGHTENED).values()} | set(REDUCED_N.values())
    return sorted({lot for n in sizes for lot in (n - 1, n, n + 1) if lot >= 2})


@pytest.mark.parametrize("severity", SEVERITIES)
def test_hundred_percent_exactly_when_the_sample_is_the_whole_lot(severity):
    for lot_size in _lot_sizes_around_every_sample_size():
        for level in EXPECTED_LEVELS:
            for label in AQL_LABELS:
                plan = plan_for(lot_size, aql=label, level=level, severity=severity)
                n = table_plan(plan.code_letter, aql=label, severity=severity).sample_size
                assert plan.hundred_percent is (n >= lot_size), (lot_size, level, label)
                assert plan.sample_size == min(n, lot_size), (lot_size, level, label)


# Input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aql", "column"),
    [
        (".65", "0.65"),
        ("0.65", "0.65"),
        (" 0.65 ", "0.65"),
        ("0.650", "0.65"),
        (Decimal("0.65"), "0.65"),
        (Decimal(".650"), "0.65"),
        ("10", "10"),
        ("10.0", "10"),
        (10, "10"),
        (Decimal("10"), "10"),
        (Decimal("1E+1"), "10"),
        ("2.50", "2.5"),
        (Decimal("2.50"), "2.5"),
        ("1", "1.0"),
        (".01", "0.010"),
        ("0.010", "0.010"),
    ],
)
def test_aql_is_matched_by_value_and_kept_as_the_tables_column(aql, column):
    plan = plan_for(1000, aql=aql)
    assert plan.aql == Decimal(column)
    assert str(plan.aql) == column


class Severity(models.TextChoices):
    NORMAL = "normal"
    TIGHTENED = "tightened"
    REDUCED = "reduced"


class Level(enum.Enum):
    II = "II"
    S3 = "S-3"


def test_enum_and_text_choices_values_are_accepted_and_stored_as_plain_str():
    plan = plan_for(1000, aql="2.5", level=Level.S3, severity=Severity.TIGHTENED)

    assert (plan.level, plan.severity) == ("S-3", "tightened")
    assert type(plan.level) is str and type(plan.severity) is str
    assert plan == plan_for(1000, aql="2.5", level="S-3", severity="tightened")
    assert table_plan("J", aql="2.5", severity=Severity.REDUCED) == TablePlan("J", 32, 2, 5)


ALLOWED_AQLS = ".010, .015, .025, .040, .065, .10, .15, .25, .40, .65, 1.0, 1.5, 2.5, 4.0, 6.5, 10"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        *[
            ({"lot_size": bad}, f"lot size must be an int >= 2 (Table I starts at 2), not {bad!r}")
            for bad in (1, 0, -5, 2.0, "100", True, None)
        ],
        *[
            ({"aql": bad}, f"unknown AQL {bad!r}; allowed (Decimal or str): {ALLOWED_AQLS}")
            for bad in ("0.5", "15", "abc", "", "NaN", Decimal("NaN"), Decimal("sNaN"), 0.65, None)
        ],
        *[
            (
                {"level": bad},
                f"unknown inspection level {bad!r}; allowed: S-1, S-2, S-3, S-4, I, II, III",
            )
            for bad in ("IV", "ii", "S1", "", None)
        ],
        *[
            ({"severity": bad}, f"unknown severity {bad!r}; allowed: normal, tightened, reduced")
            for bad in ("strict", "Normal", "", None)
        ],
    ],
    ids=repr,
)
def test_bad_input_names_the_value_and_the_allowed_ones(kwargs, message):
    arguments = {"lot_size": 1000, "aql": "2.5", **kwargs}
    lot_size = arguments.pop("lot_size")
    with pytest.raises(ValueError, match=re.escape(message)):
        plan_for(lot_size, **arguments)


@pytest.mark.parametrize("letter", ["S", "I", "O", "a", ""])
def test_table_plan_takes_only_table_i_letters(letter):
    allowed = "A, B, C, D, E, F, G, H, J, K, L, M, N, P, Q, R"
    with pytest.raises(
        ValueError, match=re.escape(f"unknown code letter {letter!r}; allowed: {allowed}")
    ):
        table_plan(letter, aql="2.5")


def test_plans_are_frozen():
    plan = plan_for(1000, aql="2.5")
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.accept = 6  # type: ignore[misc]


# judge ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("severity", ["normal", "tightened"])
def test_judge_accepts_up_to_ac_and_rejects_from_re(severity):
    plan = plan_for(1000, aql="2.5", severity=severity)  # 5/6 normal, 3/4 tightened

    assert judge(plan, 0) == Verdict(accepted=True, in_gap=False)
    assert judge(plan, plan.accept) == Verdict(accepted=True, in_gap=False)
    assert judge(plan, plan.reject) == Verdict(accepted=False, in_gap=False)
    assert judge(plan, plan.reject + 10) == Verdict(accepted=False, in_gap=False)


def test_judge_reduced_accepts_in_the_gap_between_ac_and_re():
    plan = plan_for(1000, aql="2.5", severity="reduced")  # J: 2/5, n = 32

    assert [judge(plan, d) for d in range(7)] == [
        Verdict(accepted=True),
        Verdict(accepted=True),
        Verdict(accepted=True),
        Verdict(accepted=True, in_gap=True),
        Verdict(accepted=True, in_gap=True),
        Verdict(accepted=False),
        Verdict(accepted=False),
    ]


def test_judge_reduced_zero_two_plan_has_a_one_count_gap():
    plan = plan_for(1000, aql=".65", severity="reduced")  # J: 0/2

    assert judge(plan, 0) == Verdict(accepted=True, in_gap=False)
    assert judge(plan, 1) == Verdict(accepted=True, in_gap=True)
    assert judge(plan, 2) == Verdict(accepted=False, in_gap=False)


def test_judge_takes_a_table_plan_too():
    assert judge(TablePlan("J", 32, 2, 5), 3) == Verdict(accepted=True, in_gap=True)


@pytest.mark.parametrize("bad", [-1, 1.0, True, "2", None])
def test_judge_refuses_a_count_that_is_not_a_non_negative_int(bad):
    with pytest.raises(
        ValueError, match=re.escape(f"nonconforming must be a count >= 0, not {bad!r}")
    ):
        judge(plan_for(1000, aql="2.5"), bad)
