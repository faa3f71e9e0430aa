"""Read a small table (CSV or XLSX) as a header and numbered rows, refusing what cannot be read
with one clear reason. Modules check the cells themselves.

CSV: UTF-8 (with or without BOM), else Windows-1252; delimiter ``;``, ``,`` or tab, taken from the
header line. XLSX: the first sheet; formulas are read as their text and never calculated, and a
workbook that unpacks to more than a set size is refused before it is opened (zip bombs).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

MAX_UNPACKED_XLSX_BYTES = 200 * 1024 * 1024


class TableError(ValueError):
    pass


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


def _blank(cells: list[Any]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def _header(cells: list[Any]) -> list[str]:
    return [str(cell or "").strip().lower() for cell in cells]


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError(_("The file is UTF-16 text; save it as CSV UTF-8."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise TableError(
            _("The file is neither UTF-8 nor Windows-1252 text (byte %(byte)s); save it as CSV UTF-8.")
            % {"byte": exc.start}
        ) from None


def _read_csv(content: bytes, max_rows: int) -> Table:
    text = _decode(content)
    if "\x00" in text:
        raise TableError(_("The file holds a NUL character: it is not a text file."))
    first_line = next((line for line in io.StringIO(text) if line.strip()), "")
    counts = {delimiter: first_line.count(delimiter) for delimiter in (";", ",", "\t")}
    delimiter = max(counts, key=lambda candidate: counts[candidate])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter if counts[delimiter] else ",", strict=True)
    table: Table | None = None
    try:
        for cells in reader:
            if _blank(cells):
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
    from openpyxl import load_workbook

    unreadable = TableError(_("The file looks like an XLSX workbook but cannot be opened."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise unreadable from None
    if unpacked > MAX_UNPACKED_XLSX_BYTES:
        raise TableError(
            _("The workbook unpacks to %(size)s bytes; at most %(limit)s bytes are read. Split it.")
            % {"size": f"{unpacked:,}", "limit": f"{MAX_UNPACKED_XLSX_BYTES:,}"}
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of error on a damaged workbook
        raise unreadable from None
    table: Table | None = None
    try:
        for number, row in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            cells = list(row)
            if _blank(cells):
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
        raise unreadable from None
    finally:
        workbook.close()
    if table is None:
        raise TableError(_("The file is empty."))
    return table
