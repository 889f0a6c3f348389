"""A report as a printable PDF for the file (reportlab): A4 landscape, the title and when and by
whom it was generated at the top, each section under its heading, tables with their heading row
repeated on every page they run over, figures right-aligned, and every page numbered in its
footer with the report's title, so that a loose page still says what it belongs to.

Only the PDF standard fonts are used (nothing to install or embed).
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.http import HttpResponse
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from .document import Document, Facts, Table, display, display_fact, numeric_columns

PAGE = landscape(A4)
MARGIN = 15 * mm
WIDTH = PAGE[0] - 2 * MARGIN
LABEL_WIDTH = 55 * mm
# A column is as wide as its longest text, up to this many characters: a long reason wraps
# instead of squeezing the figures next to it. A table with such a column takes the page's
# width; the others keep their own, narrower, width.
WIDEST_COLUMN_CHARS = 48
CHAR_WIDTH = 4.4  # points: a character of the 7.5 point cell font, on average, padding included
ALERT = colors.HexColor("#a00000")
RULE = colors.HexColor("#9a9a9a")
HEADING_FILL = colors.HexColor("#e6e9ee")

_sample = getSampleStyleSheet()
TITLE = ParagraphStyle("ReportTitle", parent=_sample["Title"], fontSize=17, spaceAfter=4)
META = ParagraphStyle("ReportMeta", parent=_sample["Normal"], fontSize=8.5, textColor=RULE)
HEADING = ParagraphStyle("ReportHeading", parent=_sample["Heading2"], fontSize=11.5, spaceBefore=9)
# A section starts on a new page when less than this is left: its heading never ends a page
# alone. (Keeping the heading with the whole table instead would push a long table, and the
# empty space before it, onto the next page.)
SECTION_START_ROOM = 30 * mm
CELL = ParagraphStyle("ReportCell", parent=_sample["Normal"], fontSize=7.5, leading=9)
CELL_BOLD = ParagraphStyle("ReportCellBold", parent=CELL, fontName="Helvetica-Bold")
NUMBER = ParagraphStyle("ReportNumber", parent=CELL, alignment=TA_RIGHT)
NUMBER_BOLD = ParagraphStyle("ReportNumberBold", parent=NUMBER, fontName="Helvetica-Bold")
NOTE = ParagraphStyle("ReportNote", parent=_sample["Normal"], fontSize=9, leading=11.5)
NOTE_ALERT = ParagraphStyle("ReportAlert", parent=NOTE, textColor=ALERT, fontName="Helvetica-Bold")


def render_pdf(document: Document) -> bytes:
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=document.title,
        author="Procurement inspection tracker",
        subject=document.generated_line,
    )
    story = [
        Paragraph(_text(document.title), TITLE),
        Paragraph(_text(document.generated_line), META),
    ]
    for section in document.sections:
        story += [CondPageBreak(SECTION_START_ROOM), Paragraph(_text(section.title), HEADING)]
        story += _section(section)
    footer = _footer(document)
    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def pdf_response(document: Document) -> HttpResponse:
    """The PDF as a download named after the report."""
    response = HttpResponse(render_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}.pdf"'
    return response


def _section(section) -> list:
    if isinstance(section, Facts):
        return [_facts(section)]
    if isinstance(section, Table):
        if not section.rows:
            return [Paragraph(_text(section.empty), NOTE)]
        return [_table(section)]
    style = NOTE_ALERT if section.alert else NOTE
    return [Paragraph(_text(line), style) for line in section.lines] + [Spacer(1, 2 * mm)]


def _facts(section: Facts) -> PdfTable:
    rows = [
        [Paragraph(_text(label), CELL_BOLD), Paragraph(_text(display_fact(value)), CELL)]
        for label, value in section.pairs
    ]
    table = PdfTable(rows, colWidths=[LABEL_WIDTH, WIDTH - LABEL_WIDTH], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _table(section: Table) -> PdfTable:
    numeric = numeric_columns(section)

    def row_of(values, bold: bool = False) -> list[Paragraph]:
        return [
            Paragraph(_text(display(value)), _cell_style(i in numeric, bold))
            for i, value in enumerate(values)
        ]

    rows = [row_of(section.headings, bold=True), *(row_of(row) for row in section.rows)]
    if section.footer:
        rows.append(row_of(section.footer, bold=True))
    table = PdfTable(rows, colWidths=_widths(section), repeatRows=1, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADING_FILL),
        ("GRID", (0, 0), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if section.footer:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 1, colors.black))
    table.setStyle(TableStyle(style))
    return table


def _cell_style(numeric: bool, bold: bool) -> ParagraphStyle:
    if numeric:
        return NUMBER_BOLD if bold else NUMBER
    return CELL_BOLD if bold else CELL


def _widths(section: Table) -> list[float]:
    """Each column's width, by the longest text in it (capped), scaled to the page's width when
    the table would be wider or has text to wrap."""
    rows = [section.headings, *section.rows, *([section.footer] if section.footer else [])]
    longest = [max(len(display(row[i])) for row in rows) for i in range(len(section.headings))]
    widths = [(min(chars, WIDEST_COLUMN_CHARS) + 3) * CHAR_WIDTH for chars in longest]
    total = sum(widths)
    if total > WIDTH or max(longest) > WIDEST_COLUMN_CHARS:
        return [WIDTH * width / total for width in widths]
    return widths


def _footer(document: Document):
    def draw(canvas, pdf) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(RULE)
        y = MARGIN - 2 * mm
        canvas.drawString(MARGIN, y, f"{document.title} - page {pdf.page}")
        canvas.drawRightString(PAGE[0] - MARGIN, y, document.generated_line)
        canvas.restoreState()

    return draw


def _text(value: object) -> str:
    """Text for a reportlab paragraph, which reads a small markup: escape it, keep line
    breaks."""
    return escape(str(value)).replace("\n", "<br/>")
