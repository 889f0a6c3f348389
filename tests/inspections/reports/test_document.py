"""A `Document` rendered: values as people read them (page, PDF) and as programs read them (CSV),
text a spreadsheet would run defused, and a PDF that repeats a long table's headings on every
page it runs over."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

from inspections.reports.csv import render_csv
from inspections.reports.document import (
    Cell,
    Document,
    Facts,
    Notes,
    Table,
    display,
    for_page,
    machine,
    numeric_columns,
)
from inspections.reports.pdf import render_pdf

from .read_back import page_texts

AT = dt.datetime(2020, 3, 28, 9, 30, tzinfo=dt.UTC)


def _document(*sections) -> Document:
    return Document("Lot traceability: KN95-2003-A", "lot", AT, "officer", sections)


def test_people_read_grouped_figures_local_times_and_a_dash_for_nothing(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"

    assert display(600_000) == "600,000"
    assert display(Decimal("637000.00")) == "637,000.00"
    assert display(AT) == "2020-03-28 10:30"
    assert display(dt.date(2020, 4, 1)) == "2020-04-01"
    assert (display(True), display(None), display("")) == ("yes", "-", "")
    assert display(Cell(1_800, url="/x/", alert=True)) == "1,800"


def test_programs_read_bare_figures_and_iso_dates(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"

    assert machine(600_000) == "600000"
    assert machine(Decimal("1200.00")) == "1200.00"
    assert machine(AT) == AT.astimezone(ZoneInfo("Europe/Amsterdam")).isoformat()
    assert (machine(False), machine(None)) == ("no", "")


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_defused():
    for formula in ("=1+1", "+31 20 555", "-2", "@SUM(A1)", "\tx"):
        assert machine(formula) == f"'{formula}"
    assert machine(-2) == "-2"  # a figure is a figure
    assert machine("KN95-2003-A") == "KN95-2003-A"


def test_the_csv_has_a_title_block_then_each_section_under_its_title():
    document = _document(
        Facts("Lot", (("Lot number", "KN95-2003-A"), ("Units received", 260_000))),
        Table("Where every unit is now", ("Place", "Units"), (("Central warehouse", 5),)),
        Notes("Warnings", ("Released on documents alone.",), alert=True),
    )

    data = render_csv(document)

    assert data.startswith("\ufeff".encode())  # spreadsheet programs then read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["Lot traceability: KN95-2003-A"],
        ["Generated", machine(AT), "by", "officer"],
        [],
        ["Lot"],
        ["Lot number", "KN95-2003-A"],
        ["Units received", "260000"],
        [],
        ["Where every unit is now"],
        ["Place", "Units"],
        ["Central warehouse", "5"],
        [],
        ["Warnings"],
        ["Released on documents alone."],
    ]


def test_columns_of_figures_are_found_and_right_aligned_on_the_page():
    table = Table(
        "Recalls",
        ("Recall", "Delivered", "Answered at"),
        (("RC-2020-001", 600_000, None), ("RC-2020-002", Cell(40, alert=True), None)),
        footer=("All", 600_040, ""),
    )

    (section,) = for_page(_document(table))

    assert numeric_columns(table) == frozenset({1})
    assert section["headings"] == [("Recall", False), ("Delivered", True), ("Answered at", False)]
    second = section["rows"][1][1]
    assert (second.text, second.alert, second.numeric) == ("40", True, True)
    assert [cell.text for cell in section["footer"]] == ["All", "600,040", ""]


HEADINGS = ("Code", "Hospital", "Delivered")


def test_a_long_table_runs_over_pages_with_its_headings_on_each():
    rows = tuple((f"H-{n:03d}", f"Hospital {n}", n * 100) for n in range(150))
    document = _document(Table("Per hospital", HEADINGS, rows))

    pages = page_texts(render_pdf(document))

    assert len(pages) >= 3
    assert "H-000" in pages[0]  # the table starts under its heading, on the first page
    for number, page in enumerate(pages, start=1):
        assert [run for run in page if run in HEADINGS] == list(HEADINGS)
        assert f"Lot traceability: KN95-2003-A - page {number}" in page
    printed = [run for page in pages for run in page if run.startswith("H-")]
    assert printed == [code for code, _name, _units in rows]
    assert "14,900" in pages[-1]


def test_a_pdf_takes_markup_and_characters_its_fonts_lack_without_failing():
    document = _document(
        Facts("Supplier", (("Name", "<b>Shenzhen 深圳 & Co</b>"), ("City", "Zürich"))),
        Table("Empty", ("A",), (), empty="Nothing here."),
    )

    pdf = render_pdf(document)

    text = [run for page in page_texts(pdf) for run in page]
    assert "<" in text and "Zürich" in text  # the markup printed as text, not applied
    assert "Nothing here." in text
