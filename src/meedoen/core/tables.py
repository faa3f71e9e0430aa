"""Read a small table (CSV or XLSX) as a header and numbered rows, refusing what cannot be read
with one clear reason. Modules check the cells themselves.

CSV: UTF-8 (with or without BOM), else Windows-1252; delimiter ``;``, ``,`` or tab, taken from the
header line. XLSX: the first sheet; formulas are read as their text and never calculated, and a
workbook that unpacks to more than a set size is refused before it is opened (zip bombs).

The steps (``decode``, ``delimiter``, ``open_workbook``, ``blank``) are also used apart, by the
intake of early signals, which reads its files row by row with problems of its own.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

MAX_UNPACKED_XLSX_BYTES = 200 * 1024 * 1024


class TableError(ValueError):
    """A file that cannot be read, with the reason to show and what kind of problem it is:
    ``encoding``, ``unreadable`` or ``too_large``."""

    def __init__(self, message: str, *, kind: str = "unreadable") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (line or row number, cells)
    kind: str = "csv"


def is_xlsx(content: bytes) -> bool:
    return content.startswith(b"PK\x03\x04")


def read_table(content: bytes, *, max_rows: int) -> Table:
    """The header (lower-cased, trimmed) and the non-blank rows. Raises :class:`TableError`."""
    if not content.strip():
        raise TableError(_("The file is empty."))
    table = _read_xlsx(content, max_rows) if is_xlsx(content) else _read_csv(content, max_rows)
    if not table.rows:
        raise TableError(_("The file has a header but no rows."))
    return table


def blank(cells: list[Any]) -> bool:
    """Whether a row holds nothing but empty cells."""
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _header(cells: list[Any]) -> list[str]:
    return [str(cell or "").strip().lower() for cell in cells]


def decode(content: bytes) -> tuple[str, bool]:
    """The text of a CSV file and whether it was read as Windows-1252 rather than UTF-8."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError(_("The file is UTF-16 text; save it as CSV UTF-8."), kind="encoding")
    try:
        text, windows_1252 = content.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        try:
            text, windows_1252 = content.decode("cp1252"), True
        except UnicodeDecodeError as exc:
            line = content[: exc.start].count(b"\n") + 1
            raise TableError(
                _(
                    "The file is neither UTF-8 nor Windows-1252 text (line %(line)s, byte %(byte)s);"
                    " save it as CSV UTF-8."
                )
                % {"line": line, "byte": exc.start},
                kind="encoding",
            ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise TableError(_("Line %(line)s holds a NUL character: this is not a text file.") % {"line": line})
    return text, windows_1252


def delimiter(text: str) -> str:
    """The delimiter of the header, the first line that is not blank: ``;``, ``,`` or tab."""
    first_line = next((line for line in io.StringIO(text) if line.strip()), "")
    counts = {candidate: first_line.count(candidate) for candidate in (";", ",", "\t")}
    best = max(counts, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


# Excel writes "sep=;" as the first line of a CSV file to say its delimiter, and reads it so.
_SEPARATOR_HINT = re.compile(r'^"?sep=([;,\t|])"?[;,\t|]*$', re.IGNORECASE)


def csv_layout(text: str) -> tuple[str, str]:
    """The text of a CSV file to read, and its delimiter. A first line "sep=;" names the delimiter
    and is read as an empty line, so that the lines keep their numbers."""
    first, newline, rest = text.partition("\n")
    hint = _SEPARATOR_HINT.match(first.rstrip("\r").strip(" "))
    if hint:
        return newline + rest, hint[1]
    return text, delimiter(text)


def open_workbook(content: bytes, *, max_unpacked: int = MAX_UNPACKED_XLSX_BYTES) -> Any:
    """An XLSX workbook opened to read (close it when done), refused before it is opened when it
    unpacks to more than ``max_unpacked`` bytes. Formulas are read as their text, never calculated."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _cannot_open() from None
    if unpacked > max_unpacked:
        raise TableError(
            _("The workbook unpacks to %(size)s bytes; at most %(limit)s bytes are read. Split it.")
            % {"size": f"{unpacked:,}", "limit": f"{max_unpacked:,}"},
            kind="too_large",
        )
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of error on a damaged workbook
        raise _cannot_open() from None


def _cannot_open() -> TableError:
    return TableError(_("The file looks like an XLSX workbook but cannot be opened."))


def _read_csv(content: bytes, max_rows: int) -> Table:
    text, separator = csv_layout(decode(content)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    table: Table | None = None
    try:
        for cells in reader:
            if blank(cells):
                continue
            if table is None:
                table = Table(header=_header(cells))
                continue
            if len(table.rows) >= max_rows:
                raise TableError(_("The file has more than %(limit)s rows; split it.") % {"limit": f"{max_rows:,}"})
            table.rows.append((reader.line_num, list(cells)))
    except csv.Error as exc:
        raise TableError(
            _("The CSV cannot be read from line %(line)s: %(reason)s.") % {"line": reader.line_num, "reason": exc}
        ) from None
    if table is None:
        raise TableError(_("The file is empty."))
    return table


def _read_xlsx(content: bytes, max_rows: int) -> Table:
    workbook = open_workbook(content)
    table: Table | None = None
    try:
        for number, row in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            cells = list(row)
            if blank(cells):
                continue
            if table is None:
                table = Table(header=_header(cells), kind="xlsx")
                continue
            if len(table.rows) >= max_rows:
                raise TableError(_("The file has more than %(limit)s rows; split it.") % {"limit": f"{max_rows:,}"})
            table.rows.append((number, cells))
    except TableError:
        raise
    except Exception:  # a damaged sheet can fail while its rows are read
        raise _cannot_open() from None
    finally:
        workbook.close()
    if table is None:
        raise TableError(_("The file is empty."))
    return table
