"""A report as one CSV file: a title block, then every section under its title (facts as
label/value rows, tables with their heading row), a blank row between sections.

Numbers are bare and dates ISO 8601, for spreadsheets and other systems; text that a spreadsheet
would run as a formula is defused (`document.machine`). UTF-8 with a byte order mark, so that
spreadsheet programs read hospital names with accents correctly.
"""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse

from .document import Document, Facts, Table, machine


def document_rows(document: Document) -> list[list[str]]:
    """The report as CSV rows (lists of cells)."""
    rows = [
        [machine(document.title)],
        ["Generated", machine(document.generated_at), "by", machine(document.generated_by)],
    ]
    for section in document.sections:
        rows += [[], [machine(section.title)]]
        if isinstance(section, Facts):
            rows += [[machine(label), machine(value)] for label, value in section.pairs]
        elif isinstance(section, Table):
            rows.append([machine(heading) for heading in section.headings])
            rows += [[machine(value) for value in row] for row in section.rows]
            if section.footer:
                rows.append([machine(value) for value in section.footer])
        else:
            rows += [[machine(line)] for line in section.lines]
    return rows


def render_csv(document: Document) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(document_rows(document))
    return out.getvalue().encode("utf-8-sig")


def csv_response(document: Document) -> HttpResponse:
    """The CSV as a download named after the report."""
    response = HttpResponse(render_csv(document), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}.csv"'
    return response
