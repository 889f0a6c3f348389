"""The uploaded file: checked before a job is made (name, size, UTF-8 text, header), stored under
MEDIA_ROOT, and read back line by line by the job's steps, never whole."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from core.errors import InvalidInput

from ...models import ImportJob
from ...planning import RowError, csv_delimiter

# The first line is the header; one longer than this is not a header anyone typed.
HEADER_MAX_BYTES = 64 * 1024
SHOWN_IN_MESSAGE = 5


class ImportRefused(InvalidInput):
    """A file or its rows refused; `errors` holds every finding, each at its row and column."""

    def __init__(self, errors: list[RowError]) -> None:
        # The message names the first few; a file of 100,000 bad rows must not make a 10 MB one.
        message = " ".join(str(error) for error in errors[:SHOWN_IN_MESSAGE])
        if len(errors) > SHOWN_IN_MESSAGE:
            message += f" (and {len(errors) - SHOWN_IN_MESSAGE:,} more)"
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class UploadFacts:
    """What the check learnt of an accepted file."""

    lines: int  # data lines after the header: where the progress bar starts (blank ones count)


def upload_check(
    upload: UploadedFile, *, header_errors: Callable[[list[str]], list[RowError]]
) -> UploadFacts:
    """Refuse, with a reason a person can act on, anything but a .csv file within the size limit
    that is UTF-8 text (with or without BOM) and starts with the header `header_errors` accepts.
    Reads the upload in chunks: a large file is never held in memory."""
    _check_name(upload.name or "")
    _check_size(upload.size or 0)
    first_line, lines = _scan(upload)
    upload.seek(0)
    text = first_line.removeprefix("\ufeff")
    header = next(csv.reader([text.rstrip("\r\n")], delimiter=csv_delimiter(text)), [])
    errors = header_errors(header)
    if errors:
        raise ImportRefused(errors)
    return UploadFacts(lines=max(0, lines - 1))


def _check_name(name: str) -> None:
    if PurePath(name).suffix.lower() != ".csv":
        raise ImportRefused(
            [
                RowError(
                    None,
                    None,
                    f"Only .csv files can be imported, and “{PurePath(name).name}” is not one. "
                    "Save the sheet as “CSV UTF-8 (comma delimited)” and upload that file.",
                )
            ]
        )


def _check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise ImportRefused(
            [
                RowError(
                    None,
                    None,
                    f"The file is {_megabytes(size)} MB; at most {_megabytes(limit)} MB can be "
                    "imported at once. Split it into smaller files.",
                )
            ]
        )
    if size == 0:
        raise ImportRefused([RowError(None, None, "The file is empty.")])


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f}".removesuffix(".0")


def _scan(upload: UploadedFile) -> tuple[str, int]:
    """The first line and the number of lines, refusing binary files and bytes that are
    not UTF-8 (naming the row of the first one, as the plan parser does)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    first_line = bytearray()
    header_done = False
    lines = 0
    last = b""
    for chunk in upload.chunks():
        if b"\x00" in chunk:
            raise ImportRefused(
                [RowError(None, None, "The file is not text (it holds NUL bytes): is it a sheet?")]
            )
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            # exc.object is what the decoder held: the chunk, after any bytes of a character the
            # previous chunk cut in two (never a newline).
            row = lines + exc.object.count(b"\n", 0, exc.start) + 1
            raise _not_utf8(row, exc.object[exc.start]) from exc
        if not header_done:
            end = chunk.find(b"\n")
            first_line += chunk if end < 0 else chunk[: end + 1]
            header_done = end >= 0 or len(first_line) > HEADER_MAX_BYTES
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise _not_utf8(lines + 1, exc.object[exc.start]) from exc
    if last and last != b"\n":
        lines += 1  # a last line without a newline
    return bytes(first_line[:HEADER_MAX_BYTES]).decode("utf-8", "replace"), lines


def _not_utf8(row: int, byte: int) -> ImportRefused:
    return ImportRefused(
        [
            RowError(
                row,
                None,
                f"the file is not UTF-8 text (byte 0x{byte:02X}). Save it as “CSV UTF-8” and "
                "upload it again.",
            )
        ]
    )


@contextmanager
def job_lines(job: ImportJob) -> Iterator[Iterator[str]]:
    """The stored file's lines, decoded, with their newlines as the csv module wants them (a
    BOM is dropped). Read as they are used, so a large file costs a buffer, not its size."""
    raw = job.file.storage.open(job.file.name, "rb")
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        yield iter(text)
    finally:
        text.close()
