"""Reports read back as a reader would: a CSV's rows and sections, and the text a PDF shows,
page by page, from the PDF itself (reportlab's page streams are ASCII85 + Flate encoded; each
text run is a `(...) Tj` operation)."""

from __future__ import annotations

import base64
import csv
import io
import re
import zlib


def csv_rows(response) -> list[list[str]]:
    """The rows of a CSV download (UTF-8 with a byte order mark)."""
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def csv_section(rows: list[list[str]], title: str) -> list[list[str]]:
    """The rows under a section's title, up to the blank row that ends it."""
    start = rows.index([title]) + 1
    end = rows.index([], start) if [] in rows[start:] else len(rows)
    return rows[start:end]


_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
_RUN = re.compile(rb"\(((?:[^()\\]|\\.)*)\) Tj")


def page_texts(pdf: bytes) -> list[list[str]]:
    """Per page stream, its text runs in drawing order."""
    pages = []
    for raw in _STREAM.findall(pdf):
        data = raw.strip()
        if not data.endswith(b"~>"):
            continue  # not a page's content (fonts, images): reportlab writes none here
        decoded = zlib.decompress(base64.a85decode(b"<~" + data.removeprefix(b"<~"), adobe=True))
        runs = [_unescape(run) for run in _RUN.findall(decoded)]
        pages.append(runs)
    return pages


def _unescape(run: bytes) -> str:
    """A PDF string's escapes: octal codes (\\374 is ü) and escaped characters."""
    octal = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8)]), run)
    return re.sub(rb"\\(.)", rb"\1", octal).decode("latin-1")
