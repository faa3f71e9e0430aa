"""Cells of the CSV files that people open in a spreadsheet, and the downloads that hold them.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and on
OWASP's list of "CSV injection" so do a tab and a carriage return. Text that anybody could have
typed (a creditor's reference, an offer's name, an area's name) is written so that it shows as
text: such a start gets a ``'`` before it.

A spreadsheet with Dutch settings splits a CSV file on ``;``, so in a file that separates its cells
with ``,`` (the creditors' API) what follows a ``;`` inside a cell becomes a cell of its own there:
a formula start after a ``;`` is neutralised the same way. Spaces before it do not stop a
spreadsheet either.

A plain number (``-1250.5``, ``-5e-05``: as Python writes a number) is a number, not a formula, and
stays as it is, so a spreadsheet can add it up.

Staff download their files to open them in Excel with Dutch settings (:func:`csv_download`): cells
separated by ``;``, UTF-8 with a byte order mark (without one Excel reads the file as Windows-1252
and garbles "é"), lines ended by CR LF, and numbers with a decimal comma.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Where Dutch spreadsheets start a new cell, besides the start of the line.
CELL_BREAK = ";"
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")

# Downloads for people, as Excel with Dutch settings opens them.
DOWNLOAD_DELIMITER = ";"
DOWNLOAD_CONTENT_TYPE = "text/csv; charset=utf-8"
BYTE_ORDER_MARK = "\ufeff"
LINES_PER_CHUNK = 1000


def formula_start(text: str) -> str | None:
    """The character with which a spreadsheet would run (a part of) ``text`` as a formula, or
    None: at the start, or after a ``;``, spaces before it not counted."""
    for part in text.split(CELL_BREAK):
        if _runs(part):
            return part.lstrip(" ")[0]
    return None


def safe_cell(value: object) -> str:
    """``value`` as the text of a CSV cell that a spreadsheet shows as text and never runs: a
    formula start, at the beginning or after a ``;``, gets a ``'`` before it. None is an empty
    cell."""
    text = "" if value is None else str(value)
    return CELL_BREAK.join("'" + part if _runs(part) else part for part in text.split(CELL_BREAK))


def _runs(part: str) -> bool:
    start = part.lstrip(" ")
    return start.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(start)


def download_cell(value: object) -> str:
    """``value`` as a cell of a download for people: a number (``int``, ``float``, ``Decimal``)
    written out in full with a decimal comma, as Dutch settings read a number, never as a formula;
    anything else as :func:`safe_cell` writes it."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return safe_cell(value)
    if isinstance(value, int):
        return str(value)
    number = Decimal(repr(value)) if isinstance(value, float) else value
    # Infinity and NaN are no figure a spreadsheet knows: unknown, like a figure nobody has.
    return format(number, "f").replace(".", ",") if number.is_finite() else ""


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Iterable[object]]) -> HttpResponse:
    """A CSV file that a person downloads and opens in a spreadsheet with Dutch settings: ``header``
    and then ``rows``, every cell written by :func:`download_cell`."""
    response = HttpResponse(b"".join(_download_chunks(header, rows)), content_type=DOWNLOAD_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(filename)
    return response


def csv_download_streamed(
    filename: str, header: Sequence[str], rows: Iterable[Iterable[object]]
) -> StreamingHttpResponse:
    """:func:`csv_download` for a file too large to hold at once: ``rows`` are read while the file
    is sent."""
    response = StreamingHttpResponse(_download_chunks(header, rows), content_type=DOWNLOAD_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(filename)
    return response


def _attachment(filename: str) -> str:
    """``attachment; filename="..."``, or ``filename*=`` (RFC 5987) for a name outside ASCII."""
    disposition = content_disposition_header(True, filename) if filename else None
    if disposition is None:
        raise ValueError("a download needs a file name")
    return disposition


def _download_chunks(header: Sequence[str], rows: Iterable[Iterable[object]]) -> Iterator[bytes]:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=DOWNLOAD_DELIMITER, lineterminator="\r\n")

    def flushed() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    buffer.write(BYTE_ORDER_MARK)
    writer.writerow([download_cell(name) for name in header])
    yield flushed()
    for number, row in enumerate(rows, start=1):
        writer.writerow([download_cell(value) for value in row])
        if number % LINES_PER_CHUNK == 0:
            yield flushed()
    yield flushed()
