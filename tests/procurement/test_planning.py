"""Distribution plans: the all-or-nothing service, and the CSV parser and checks that every error
names its row (the header is row 1) and column."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import IllegalTransition, InsufficientStock, InvalidInput, NotPermitted
from procurement import services
from procurement.models import Distribution, Location, LotEvent, MovementKind, StockMovement
from procurement.planning import (
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    Allocation,
    RowError,
    plan_from_csv,
    plan_rows_from_csv,
    plan_text_from_bytes,
)
from procurement.selectors import ledger_violations
from procurement.services.ledger import balance_of, hospital_location, warehouse_location
from procurement.services.planning import distribution_plan_dispatch
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "hospital_code,lot_number,quantity"


def _csv(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def _messages(errors: list[RowError]) -> list[str]:
    return [str(error) for error in errors]


def _no_dispatch_happened() -> None:
    assert not Distribution.objects.exists()
    assert not StockMovement.objects.filter(kind=MovementKind.DISPATCH).exists()
    assert not LotEvent.objects.filter(kind=LotEvent.Kind.DISPATCHED).exists()


@pytest.fixture
def lot(officer):
    return factories.released_lot(quantity=1_000, actor=officer, lot_number="LOT-A")


@pytest.fixture
def hospitals(db):
    return [factories.HospitalFactory(code=f"H{i}") for i in range(1, 4)]


# ---------------------------------------------------------------------------------------------
# The service


def test_a_plan_dispatches_every_allocation_through_the_ledger(clerk, lot, hospitals):
    allocations = [Allocation(h, lot, q) for h, q in zip(hospitals, [100, 250, 50], strict=True)]

    distributions = distribution_plan_dispatch(allocations=allocations, actor=clerk, note="Order 7")

    assert [(d.hospital, d.quantity, d.note) for d in distributions] == [
        (hospitals[0], 100, "Order 7"),
        (hospitals[1], 250, "Order 7"),
        (hospitals[2], 50, "Order 7"),
    ]
    assert all(d.dispatched_by == clerk for d in distributions)
    assert balance_of(lot, warehouse_location()) == 600
    assert balance_of(lot, hospital_location(hospitals[1])) == 250
    assert lot.events.filter(kind=LotEvent.Kind.DISPATCHED).count() == 3
    assert ledger_violations() == []


def test_a_plan_may_take_all_the_warehouse_holds_across_several_lots(officer, hospitals):
    first = factories.released_lot(quantity=300, actor=officer)
    second = factories.released_lot(quantity=200, actor=officer)

    distribution_plan_dispatch(
        allocations=[
            Allocation(hospitals[0], second, 200),
            Allocation(hospitals[0], first, 100),
            Allocation(hospitals[1], first, 200),
        ],
        actor=officer,
    )

    assert balance_of(first, warehouse_location()) == 0
    assert balance_of(second, warehouse_location()) == 0
    assert ledger_violations() == []


def test_an_over_allocated_plan_names_lot_total_and_stock_and_dispatches_nothing(
    clerk, lot, hospitals
):
    allocations = [Allocation(h, lot, 400, row=i) for i, h in enumerate(hospitals, start=2)]

    with pytest.raises(InsufficientStock) as refused:
        distribution_plan_dispatch(allocations=allocations, actor=clerk)

    message = refused.value.message
    assert "LOT-A" in message
    assert "1,200 units planned" in message
    assert "the warehouse holds 1,000" in message
    assert "200 too many" in message
    assert message.endswith("Rows 2, 3 and 4.")
    assert balance_of(lot, warehouse_location()) == 1_000
    _no_dispatch_happened()


def test_one_refused_allocation_rolls_back_the_others(officer, clerk, lot, hospitals):
    # given a plan whose second lot is on hold (its first allocation would succeed alone)
    held = factories.released_lot(quantity=500, actor=officer, lot_number="LOT-HELD")
    services.lot_hold(lot=held, actor=officer, reason="complaint: straps snap")

    with pytest.raises(IllegalTransition) as refused:
        distribution_plan_dispatch(
            allocations=[
                Allocation(hospitals[0], lot, 10, row=2),
                Allocation(hospitals[1], held, 10, row=3),
            ],
            actor=clerk,
        )

    assert refused.value.message.startswith("Row 3 (hospital H2, lot LOT-HELD): ")
    assert "on hold" in refused.value.message
    assert balance_of(lot, warehouse_location()) == 1_000
    _no_dispatch_happened()


def test_an_expired_lot_refuses_the_whole_plan(officer, clerk, hospitals, lot):
    expired = factories.released_lot(quantity=100, actor=officer)
    services.lot_correct_dates(
        lot=expired,
        actor=officer,
        manufactured_on=dt.date(2019, 1, 1),
        expires_on=timezone.localdate() - dt.timedelta(days=1),
        reason="misprint on the label",
    )

    with pytest.raises(IllegalTransition, match="expired"):
        distribution_plan_dispatch(
            allocations=[Allocation(hospitals[0], lot, 5), Allocation(hospitals[1], expired, 5)],
            actor=clerk,
        )
    _no_dispatch_happened()


@pytest.mark.parametrize(
    ("allocations", "message"),
    [
        (lambda h, lot: [], "at least one hospital"),
        (lambda h, lot: [Allocation(h[0], lot, 0)], "above zero"),
        (lambda h, lot: [Allocation(h[0], lot, -5)], "above zero"),
        (lambda h, lot: [Allocation(h[0], lot, 2.5)], "whole number"),
        (lambda h, lot: [Allocation(h[0], lot, True)], "whole number"),
        (
            lambda h, lot: [Allocation(h[0], lot, 5, row=2), Allocation(h[0], lot, 7, row=6)],
            "Row 6 (hospital H1, lot LOT-A): this hospital is already planned for this lot (Row 2",
        ),
    ],
    ids=["empty", "zero", "negative", "fraction", "bool", "duplicate"],
)
def test_bad_plans_are_refused_before_anything_moves(clerk, lot, hospitals, allocations, message):
    with pytest.raises(InvalidInput) as refused:
        distribution_plan_dispatch(allocations=allocations(hospitals, lot), actor=clerk)

    assert message in refused.value.message
    _no_dispatch_happened()


def test_a_note_longer_than_a_distribution_holds_is_refused(clerk, lot, hospitals):
    with pytest.raises(InvalidInput, match="at most 200 characters"):
        distribution_plan_dispatch(
            allocations=[Allocation(hospitals[0], lot, 1)], actor=clerk, note="x" * 201
        )


@pytest.mark.parametrize("role_fixture", ["inspector", "hospital_user"])
def test_only_warehouse_clerks_and_officers_dispatch_plans(request, lot, hospitals, role_fixture):
    with pytest.raises(NotPermitted, match="a warehouse clerk or a ministry officer"):
        distribution_plan_dispatch(
            allocations=[Allocation(hospitals[0], lot, 1)],
            actor=request.getfixturevalue(role_fixture),
        )
    _no_dispatch_happened()


def test_hospital_locations_for_first_deliveries_exist_before_the_plan_runs(clerk, lot, hospitals):
    assert not Location.objects.filter(hospital__in=hospitals).exists()

    distribution_plan_dispatch(
        allocations=[Allocation(h, lot, 1) for h in reversed(hospitals)], actor=clerk
    )

    assert Location.objects.filter(hospital__in=hospitals).count() == 3


def test_a_plan_of_one_lot_runs_a_few_queries_whatever_its_rows(
    clerk, lot, django_assert_max_num_queries
):
    many = [factories.HospitalFactory() for _ in range(10)]
    for hospital in many:  # not a first delivery: the locations exist
        hospital_location(hospital)

    # The lot's rows are written in bulk (test_dispatch_many.py compares 2 rows with 200).
    with django_assert_max_num_queries(25):
        distribution_plan_dispatch(allocations=[Allocation(h, lot, 1) for h in many], actor=clerk)


# ---------------------------------------------------------------------------------------------
# Reading the file: bytes to text


def test_utf8_with_and_without_bom_is_read():
    assert plan_text_from_bytes("h;l;q\nZiekenhuis Ŝ".encode()) == ("h;l;q\nZiekenhuis Ŝ", [])
    assert plan_text_from_bytes(b"\xef\xbb\xbfh;l;q\n") == ("h;l;q\n", [])


def test_a_file_that_is_not_utf8_names_the_row_of_the_first_bad_byte():
    data = (
        b"\xef\xbb\xbf"
        + _csv("H1,LOT-A,5", "H2,LOT-A,5").encode()
        + "Cura\xe7ao,L,1\n".encode("latin-1")
    )

    text, errors = plan_text_from_bytes(data)

    assert text == ""
    assert _messages(errors) == [
        "Row 4: the file is not UTF-8 text (byte 0xE7). Save it as “CSV UTF-8” and upload it again."
    ]


def test_a_file_over_one_megabyte_is_refused():
    _, errors = plan_text_from_bytes(b"x" * (MAX_UPLOAD_BYTES + 1))
    assert _messages(errors) == ["The file is larger than 1 MB; split it into smaller files."]

    parsed = plan_rows_from_csv("x" * (MAX_UPLOAD_BYTES + 1))
    assert _messages(parsed.errors) == [
        "The file is larger than 1 MB; split it into smaller files."
    ]


# ---------------------------------------------------------------------------------------------
# Parsing: text to rows


def test_a_plan_is_read_with_commas():
    parsed = plan_rows_from_csv(_csv("H1,LOT-A,120", "H2,LOT-A,80"))

    assert parsed.errors == []
    assert [(r.row, r.hospital_code, r.lot_number, r.quantity) for r in parsed.rows] == [
        (2, "H1", "LOT-A", 120),
        (3, "H2", "LOT-A", 80),
    ]


def test_semicolons_any_header_case_spaces_column_order_and_a_bom_are_accepted():
    text = "\ufeff Quantity ; Hospital Code;LOT number\r\n 120 ; H1 ; LOT-A \r\n"

    parsed = plan_rows_from_csv(text)

    assert parsed.errors == []
    assert [(r.hospital_code, r.lot_number, r.quantity) for r in parsed.rows] == [
        ("H1", "LOT-A", 120)
    ]


def test_blank_rows_are_skipped_but_counted_so_row_numbers_match_the_file():
    parsed = plan_rows_from_csv(_csv("H1,LOT-A,1", "", ",,", "H2,LOT-A,x"))

    assert [r.row for r in parsed.rows] == [2]
    assert _messages(parsed.errors) == ["Row 5, column quantity: “x” is not a whole number."]


def test_a_trailing_delimiter_is_harmless():
    parsed = plan_rows_from_csv("hospital_code;lot_number;quantity;\nH1;LOT-A;5;\n")

    assert parsed.errors == []
    assert len(parsed.rows) == 1


def test_an_empty_file_is_refused():
    assert _messages(plan_rows_from_csv("").errors) == ["The file is empty."]
    assert _messages(plan_rows_from_csv(" \n\n").errors) == ["The file is empty."]


def test_a_header_without_rows_is_refused():
    assert _messages(plan_rows_from_csv(HEADER + "\n\n").errors) == [
        "The file has a header but no rows."
    ]


def test_a_file_without_a_header_is_refused_at_row_1():
    errors = _messages(plan_rows_from_csv("H1,LOT-A,5\n").errors)

    assert errors == [
        "Row 1: the first row must be the header hospital_code,lot_number,quantity; it is "
        "“H1,LOT-A,5”."
    ]


def test_a_missing_column_is_named():
    errors = _messages(plan_rows_from_csv("hospital_code,quantity\nH1,5\n").errors)

    assert errors == ["Row 1, column lot_number: the header has no lot_number column."]


def test_a_misnamed_column_is_named_with_the_one_missing():
    errors = _messages(plan_rows_from_csv("hospital_code,lot_number,qty\nH1,LOT-A,5\n").errors)

    assert errors == [
        "Row 1, column qty: not a column of a distribution plan; the columns are hospital_code, "
        "lot_number and quantity.",
        "Row 1, column quantity: the header has no quantity column.",
    ]


def test_an_extra_column_is_refused():
    errors = _messages(plan_rows_from_csv(HEADER + ",remarks\nH1,LOT-A,5,urgent\n").errors)

    assert errors == [
        "Row 1, column remarks: not a column of a distribution plan; the columns are "
        "hospital_code, lot_number and quantity."
    ]


def test_a_column_named_twice_is_refused():
    errors = _messages(plan_rows_from_csv(HEADER + ",Quantity\nH1,LOT-A,5,6\n").errors)

    assert errors == ["Row 1, column quantity: the column appears twice."]


def test_a_value_beyond_the_header_is_refused():
    errors = _messages(plan_rows_from_csv(_csv("H1,LOT-A,5", "H2,LOT-A,5,7")).errors)

    assert errors == ["Row 3, column 4: “7” is in a column without a name in the header."]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "“abc” is not a whole number."),
        ("12.5", "“12.5” is not a whole number."),
        ("1,000", "“1,000” is not a whole number."),
        ("1.000", "“1.000” is not a whole number."),
        ("0", "0 is not above zero."),
        ("-3", "-3 is not above zero."),
        ("", "the quantity is empty."),
        ("99999999999", "99999999999 is more than any lot holds."),
        ("9" * 5_000, f"{'9' * 5_000} is more than any lot holds."),
    ],
)
def test_a_quantity_that_is_not_a_whole_number_above_zero_is_named(value, message):
    errors = _messages(plan_rows_from_csv(_csv("H1,LOT-A,1", f'H2,LOT-A,"{value}"')).errors)

    assert errors == [f"Row 3, column quantity: {message}"]


def test_the_example_of_the_issue_reads_as_written():
    errors = _messages(plan_rows_from_csv(_csv("H1,LOT-A,1", "H2,LOT-A,1", "H3,LOT-A,abc")).errors)

    assert errors == ["Row 4, column quantity: “abc” is not a whole number."]


def test_empty_codes_are_named():
    errors = _messages(plan_rows_from_csv(_csv(",LOT-A,5", "H1,,5")).errors)

    assert errors == [
        "Row 2, column hospital_code: the hospital code is empty.",
        "Row 3, column lot_number: the lot number is empty.",
    ]


def test_the_same_hospital_and_lot_twice_names_both_rows():
    errors = _messages(plan_rows_from_csv(_csv("H1,LOT-A,5", "H2,LOT-A,5", "H1,LOT-A,7")).errors)

    assert errors == [
        "Row 4, column lot_number: hospital H1 and lot LOT-A are also on row 2; each hospital "
        "may appear once per lot."
    ]


def test_more_than_5000_rows_are_refused():
    rows = [f"H{i},LOT-A,1" for i in range(MAX_ROWS + 1)]

    parsed = plan_rows_from_csv(_csv(*rows))

    assert _messages(parsed.errors) == [
        f"Row {MAX_ROWS + 2}: the file has more than 5,000 rows; split it into smaller files."
    ]


def test_exactly_5000_rows_are_accepted():
    parsed = plan_rows_from_csv(_csv(*[f"H{i},LOT-A,1" for i in range(MAX_ROWS)]))

    assert parsed.errors == []
    assert len(parsed.rows) == MAX_ROWS


def test_a_file_csv_cannot_read_names_the_row():
    # A cell past the csv module's field size limit (128 KB) is one thing it refuses.
    parsed = plan_rows_from_csv(_csv("H1,LOT-A,5", "H2,LOT-A," + "9" * 200_000))

    [error] = parsed.errors
    assert error.row == 3
    assert "cannot be read as CSV" in str(error)


# ---------------------------------------------------------------------------------------------
# Checking: rows to allocations, against the database


def test_a_good_file_becomes_allocations_with_per_lot_totals(lot, hospitals):
    plan = plan_from_csv(_csv("H1,LOT-A,600", "H2,LOT-A,400"))

    assert plan.errors == []
    assert [(a.hospital, a.lot, a.quantity, a.row) for a in plan.allocations] == [
        (hospitals[0], lot, 600, 2),
        (hospitals[1], lot, 400, 3),
    ]
    [total] = plan.lot_totals
    assert (total.lot, total.requested, total.available, total.remaining) == (lot, 1_000, 1_000, 0)
    assert total.rows == (2, 3)


def test_lookups_do_not_grow_with_the_rows(lot, django_assert_max_num_queries):
    for i in range(40):
        factories.HospitalFactory(code=f"X{i}")
    text = _csv(*[f"X{i},LOT-A,1" for i in range(40)])

    with django_assert_max_num_queries(2):
        plan = plan_from_csv(text)

    assert plan.errors == []
    assert len(plan.allocations) == 40


def test_unknown_hospitals_and_lots_are_named(lot, hospitals):
    errors = _messages(plan_from_csv(_csv("H9,LOT-A,5", "H1,LOT-ZZ,5")).errors)

    assert errors == [
        "Row 2, column hospital_code: no hospital has the code “H9”.",
        "Row 3, column lot_number: no lot has the number “LOT-ZZ”.",
    ]


def test_lots_not_released_or_expired_are_named(officer, hospitals):
    factories.received_lot(actor=officer, lot_number="LOT-Q")
    expired = factories.released_lot(actor=officer, lot_number="LOT-OLD")
    services.lot_correct_dates(
        lot=expired,
        actor=officer,
        manufactured_on=dt.date(2019, 1, 1),
        expires_on=dt.date(2020, 1, 31),
        reason="label",
    )

    errors = _messages(plan_from_csv(_csv("H1,LOT-Q,5", "H1,LOT-OLD,5")).errors)

    assert errors == [
        "Row 2, column lot_number: lot LOT-Q is quarantined; only released stock can be "
        "dispatched.",
        "Row 3, column lot_number: lot LOT-OLD expired on 2020-01-31; it cannot be dispatched.",
    ]


def test_a_lot_asked_for_beyond_its_stock_names_the_rows_involved(lot, hospitals, officer):
    other = factories.released_lot(quantity=50, actor=officer, lot_number="LOT-B")

    plan = plan_from_csv(_csv("H1,LOT-A,600", "H1,LOT-B,10", "H2,LOT-A,300", "H3,LOT-A,200"))

    assert _messages(plan.errors) == [
        "Row 2, column quantity: rows 2, 4 and 5 ask for 1,100 units of lot LOT-A together, but "
        "the warehouse holds 1,000 (100 too many)."
    ]
    totals = {t.lot: (t.requested, t.available, t.over) for t in plan.lot_totals}
    assert totals == {lot: (1_100, 1_000, True), other: (10, 50, False)}


def test_a_single_row_beyond_the_stock_is_named(lot, hospitals):
    assert _messages(plan_from_csv(_csv("H1,LOT-A,1001")).errors) == [
        "Row 2, column quantity: 1,001 units of lot LOT-A asked for, but the warehouse holds "
        "1,000 (1 too many)."
    ]


def test_stock_already_dispatched_counts(officer, lot, hospitals):
    services.distribution_dispatch(lot=lot, hospital=hospitals[2], quantity=950, actor=officer)

    assert "the warehouse holds 50" in str(plan_from_csv(_csv("H1,LOT-A,60")).errors[0])


def test_parse_and_lookup_errors_come_together_in_row_order(lot, hospitals):
    errors = plan_from_csv(_csv("H9,LOT-A,5", "H1,LOT-A,zero", "H2,LOT-A,5", "H2,LOT-A,6")).errors

    assert [(e.row, e.column) for e in errors] == [
        (2, "hospital_code"),
        (3, "quantity"),
        (5, "lot_number"),
    ]


def test_a_checked_file_dispatches_all_or_nothing(clerk, lot, hospitals):
    plan = plan_from_csv(_csv("H1,LOT-A,600", "H2,LOT-A,400"))

    distributions = distribution_plan_dispatch(allocations=plan.allocations, actor=clerk)

    assert [d.quantity for d in distributions] == [600, 400]
    assert balance_of(lot, warehouse_location()) == 0
