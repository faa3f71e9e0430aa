"""Read a delivery of signals into raw rows: a CSV or XLSX file, or a JSON batch from the API.

Nothing here judges a value; it finds the rows and their columns, and says what is wrong with the
file as a whole. The format (version 1.0) is described in ``docs/early-signals-format.md``.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first signal row 2. In a
JSON batch a signal's row is its place in the ``signals`` list, counted from 1.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from meedoen.core.json_input import TooManyDigitsError, decode_error_text, json_int
from meedoen.core.tables import TableError, blank, csv_layout, decode, is_xlsx, open_workbook

FORMAT_VERSION = "1.0"
SUPPORTED_VERSIONS = frozenset({FORMAT_VERSION})
MAX_FILE_BYTES = 50 * 1024 * 1024
# A JSON batch; also under Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_ROWS = 100_000
MAX_BATCH = 1_000
# An XLSX file is a zip archive; what it unpacks to is capped too (a "zip bomb" is small).
MAX_XLSX_UNPACKED_BYTES = 400 * 1024 * 1024
NAME_SHOWN = 60

FATAL = "fatal"
ERROR = "error"
WARNING = "warning"


def grouped(number: int | Decimal) -> str:
    """A number as the reader's language groups its digits: 1.000.000 in Dutch, 1,000,000 in English."""
    return number_format(number, decimal_pos=0, force_grouping=True)


@dataclass(frozen=True)
class Column:
    name: str
    required: bool


COLUMNS = (
    Column("municipality", True),
    Column("creditor_reference", True),
    Column("signal_kind", True),
    Column("initials", False),
    Column("given_name", False),
    Column("surname_prefix", False),
    Column("surname", True),
    Column("date_of_birth", True),
    Column("street", True),
    Column("house_number", True),
    Column("house_number_addition", False),
    Column("postcode", True),
    Column("city", True),
    Column("phone", False),
    Column("email", False),
    Column("bsn", False),
    Column("arrears_amount", True),
    Column("months_in_arrears", True),
    Column("reminder_date", True),
    Column("signal_date", True),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS = tuple(column.name for column in COLUMNS if column.required)


@dataclass(frozen=True)
class Problem:
    """Something wrong (``fatal``: the delivery; ``error``: the row) or worth knowing (``warning``)."""

    severity: str
    code: str
    message: str
    row: int | None = None
    field: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "row": self.row,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = " ".join(part for part in (f"row {self.row}" if self.row is not None else "", self.field) if part)
        return f"{self.severity}: {where}: {self.message}" if where else f"{self.severity}: {self.message}"


@dataclass(frozen=True)
class RawRow:
    number: int
    values: dict[str, Any]
    problems: tuple[Problem, ...] = ()


@dataclass
class ParsedDelivery:
    channel: str
    format_version: str
    rows: list[RawRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        return any(problem.severity == FATAL for problem in self.problems)

    def refuse(self, code: str, message: str, *, row: int | None = None, column: str = "") -> ParsedDelivery:
        self.problems.append(Problem(FATAL, code, message, row=row, field=column))
        self.rows = []
        return self


def shown(value: object) -> str:
    """A value as a message repeats it: printable (see ``printable``) and cut short."""
    text = printable(str(value))
    return text if len(text) <= NAME_SHOWN else text[: NAME_SHOWN - 1] + "…"


def printable(text: str) -> str:
    """``text`` with every character that cannot be shown or stored (a control character such as
    NUL, a lone surrogate from a JSON escape) written as "?"."""
    return text if text.isprintable() else "".join(char if char.isprintable() else "?" for char in text)


def too_large(size: int, limit: int = MAX_FILE_BYTES) -> Problem | None:
    """A fatal problem when ``size`` bytes is more than may be read; checked before reading."""
    if size <= limit:
        return None
    return Problem(
        FATAL,
        "too_large",
        _("The delivery is %(size)s bytes; at most %(limit)s bytes are read. Split it into smaller files.")
        % {"size": grouped(size), "limit": grouped(limit)},
    )


def version_problem(version: str) -> Problem | None:
    if version in SUPPORTED_VERSIONS:
        return None
    return Problem(
        FATAL,
        "format_version",
        _("Format version “%(version)s” is not supported; this platform reads version %(supported)s.")
        % {"version": shown(version), "supported": ", ".join(sorted(SUPPORTED_VERSIONS))},
        field="format_version",
    )


# --- files ------------------------------------------------------------------------------------------


def read_file(content: bytes, *, format_version: str) -> ParsedDelivery:
    """Read a CSV or XLSX file (told apart by content, not by name)."""
    channel = "xlsx" if is_xlsx(content) else "csv"
    parsed = ParsedDelivery(channel=channel, format_version=format_version)
    if (problem := too_large(len(content))) is not None:
        parsed.problems.append(problem)
        return parsed
    if (problem := version_problem(format_version)) is not None:
        parsed.problems.append(problem)
        return parsed
    if not content.strip():
        return parsed.refuse("empty", _("The file is empty."))
    if channel == "xlsx":
        _read_xlsx(content, parsed)
    else:
        _read_csv(content, parsed)
    if not parsed.fatal and not parsed.rows:
        parsed.refuse("no_rows", _("The file has a header but no signals."))
    return parsed


def _header(cells: list[Any], parsed: ParsedDelivery) -> dict[int, str] | None:
    """Column positions by name; None (and fatal problems) when required columns are missing."""
    positions: dict[int, str] = {}
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        raw = "" if cell is None else str(cell)
        name = "_".join(raw.replace("\ufeff", "").strip().lower().replace("-", " ").split())
        if not name:
            continue
        if name in seen and name in COLUMN_NAMES:
            parsed.problems.append(
                Problem(
                    FATAL,
                    "duplicate_column",
                    _("The column appears twice (columns %(first)s and %(second)s).")
                    % {"first": seen[name] + 1, "second": index + 1},
                    row=1,
                    field=shown(name),
                )
            )
            continue
        seen.setdefault(name, index)
        if name in COLUMN_NAMES:
            positions[index] = name
        else:
            parsed.problems.append(
                Problem(
                    WARNING,
                    "unknown_column",
                    _("Not a column of format %(version)s; its values were ignored.")
                    % {"version": parsed.format_version},
                    row=1,
                    field=shown(raw.strip()),
                )
            )
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if missing and len(seen) <= 1 and parsed.channel == "csv":
        # One cause, said once, instead of every required column missing and the whole line unknown.
        parsed.problems[:] = [problem for problem in parsed.problems if problem.code != "unknown_column"]
        parsed.problems.append(
            Problem(
                FATAL,
                "no_columns",
                _("The header has no separate columns: separate them with a semicolon (;), a comma (,) or a tab."),
                row=1,
            )
        )
    else:
        for name in missing:
            parsed.problems.append(
                Problem(
                    FATAL, "missing_column", _("This required column is missing from the header."), row=1, field=name
                )
            )
    if parsed.fatal:
        parsed.rows = []
        return None
    return positions


def _row(number: int, cells: list[Any], positions: dict[int, str], width: int, channel: str) -> RawRow:
    values = {name: cells[index] if index < len(cells) else None for index, name in positions.items()}
    problems: tuple[Problem, ...] = ()
    extra = [cell for cell in cells[width:] if not blank([cell])]
    if channel == "csv" and (len(cells) < width or extra):
        problems = (
            Problem(
                ERROR,
                "field_count",
                _("The row has %(found)s values where the header has %(expected)s columns.")
                % {"found": len(cells), "expected": width},
                row=number,
            ),
        )
    return RawRow(number=number, values=values, problems=problems)


def _read_csv(content: bytes, parsed: ParsedDelivery) -> None:
    try:
        text, windows_1252 = decode(content)
    except TableError as error:
        parsed.refuse(error.kind, str(error))
        return
    if windows_1252:
        parsed.problems.append(
            Problem(
                WARNING,
                "encoding_windows_1252",
                _("The file is not UTF-8; it was read as Windows-1252. Please deliver CSV UTF-8."),
            )
        )
    text, separator = csv_layout(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    positions: dict[int, str] | None = None
    width = 0
    # Rows as a spreadsheet numbers them: a value with a line break in it is one row, however many
    # lines it takes in the file, and an empty line is an (empty) row.
    number = 0
    try:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            number += 1
            if positions is None:
                if blank(cells):
                    continue
                width = len(cells)
                positions = _header(list(cells), parsed)
                if positions is None:
                    return
                continue
            if blank(cells):
                continue
            if len(parsed.rows) >= MAX_ROWS:
                parsed.refuse(
                    "too_many_rows",
                    _("The file has more than %(limit)s signals; split it into smaller files.")
                    % {"limit": grouped(MAX_ROWS)},
                )
                return
            parsed.rows.append(_row(number, list(cells), positions, width, "csv"))
    except csv.Error as exc:
        parsed.refuse(
            "unreadable",
            _("The CSV cannot be read from line %(line)s: %(reason)s.") % {"line": reader.line_num, "reason": exc},
        )
        return
    if positions is None:
        parsed.refuse("empty", _("The file is empty."))


def _read_xlsx(content: bytes, parsed: ParsedDelivery) -> None:
    try:
        workbook = open_workbook(content, max_unpacked=MAX_XLSX_UNPACKED_BYTES)
    except TableError as error:
        parsed.refuse(error.kind, str(error))
        return
    try:
        sheet = workbook.worksheets[0]
        positions: dict[int, str] | None = None
        width = 0
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = list(row)
            if positions is None:
                if number > 1 or blank(cells):
                    parsed.refuse("missing_header", _("Row 1 of the first sheet must hold the column names."), row=1)
                    return
                width = len(cells)
                positions = _header(cells, parsed)
                if positions is None:
                    return
                continue
            if blank(cells):
                continue
            if len(parsed.rows) >= MAX_ROWS:
                parsed.refuse(
                    "too_many_rows",
                    _("The file has more than %(limit)s signals; split it into smaller files.")
                    % {"limit": grouped(MAX_ROWS)},
                )
                return
            parsed.rows.append(_row(number, cells, positions, width, "xlsx"))
        if positions is None:
            parsed.refuse("empty", _("The file is empty."))
    except Exception:  # a damaged sheet can fail while its rows are read
        parsed.refuse("unreadable", _("The file looks like an XLSX workbook but cannot be opened."))
    finally:
        workbook.close()


# --- JSON (the API) ---------------------------------------------------------------------------------


class _NotANumberError(ValueError):
    pass


def _no_constant(text: str) -> Any:
    raise _NotANumberError(text)


def _json_body(content: bytes, parsed: ParsedDelivery) -> Any:
    """The JSON value of a request body; None, with a fatal problem in ``parsed``, when the body is
    too large or cannot be read as JSON (the problem says where and why)."""
    if (problem := too_large(len(content), MAX_JSON_BYTES)) is not None:
        parsed.problems.append(problem)
        return None
    try:
        # A byte order mark before the JSON is ignored, as RFC 8259 allows (and CSV files get).
        return json.loads(content.decode("utf-8-sig"), parse_constant=_no_constant, parse_int=json_int)
    except UnicodeDecodeError as exc:
        message = _("The body is not UTF-8 text: byte %(byte)s cannot be read.") % {"byte": grouped(exc.start)}
    except json.JSONDecodeError as exc:
        message = _("The body is not valid JSON: %(where)s.") % {"where": decode_error_text(exc)}
    except _NotANumberError as exc:
        message = _("The body holds %(value)s, which is not a number in JSON.") % {"value": exc.args[0]}
    except TooManyDigitsError as exc:
        message = _("The body holds %(what)s.") % {"what": exc}
    except RecursionError:
        message = _("The JSON is nested too deeply to read.")
    parsed.refuse("not_json", message)
    return None


def read_json(content: bytes) -> ParsedDelivery:
    """Read ``{"format_version": "1.0", "signals": [{...}, ...]}``: one to 1,000 signals."""
    parsed = ParsedDelivery(channel="json", format_version="")
    data = _json_body(content, parsed)
    if parsed.fatal:
        return parsed
    if not isinstance(data, dict):
        return parsed.refuse("batch_shape", _("Send an object with format_version and a list of signals."))
    version = data.get("format_version")
    if version is not None and not isinstance(version, str):
        return parsed.refuse(
            "format_version", _("Give the format version as text, in quotes: “1.0”."), column="format_version"
        )
    if not isinstance(version, str):
        return parsed.refuse("format_version", _("Give the format version, such as “1.0”."), column="format_version")
    parsed.format_version = version
    if (problem := version_problem(version)) is not None:
        parsed.problems.append(problem)
        return parsed
    for key in sorted(set(data) - {"format_version", "signals"}):
        parsed.problems.append(
            Problem(WARNING, "unknown_field", _("Not a field of the batch; ignored."), field=shown(key))
        )
    signals = data.get("signals")
    if signals is not None and not isinstance(signals, list):
        return parsed.refuse("batch_shape", _("Give the signals as a list: [{...}, {...}]."), column="signals")
    if not signals:
        return parsed.refuse("no_rows", _("Give a list of one or more signals."), column="signals")
    if len(signals) > MAX_BATCH:
        return parsed.refuse(
            "batch_too_large",
            _("A batch holds at most %(limit)s signals; this one has %(count)s. Split it.")
            % {"limit": grouped(MAX_BATCH), "count": grouped(len(signals))},
            column="signals",
        )
    for number, item in enumerate(signals, start=1):
        if not isinstance(item, dict):
            problem = Problem(ERROR, "not_an_object", _("A signal must be an object with fields."), row=number)
            parsed.rows.append(RawRow(number=number, values={}, problems=(problem,)))
            continue
        problems = tuple(
            Problem(
                WARNING,
                "unknown_field",
                _("Not a field of format %(version)s; ignored.") % {"version": version},
                row=number,
                field=shown(key),
            )
            for key in sorted(set(item) - set(COLUMN_NAMES))
        )
        values = {name: item.get(name) for name in COLUMN_NAMES}
        parsed.rows.append(RawRow(number=number, values=values, problems=problems))
    return parsed


# --- withdrawals --------------------------------------------------------------------------------------

WITHDRAWAL_FIELDS = ("reference", "reason")


def read_withdrawals(content: bytes) -> ParsedDelivery:
    """Read ``{"withdrawals": [{"reference": "WL-2026-0412", "reason": "paid"}, ...]}``: one to
    1,000 withdrawals of signals, each a row (its place in the list, from 1) whose fields are
    checked by ``rows.check_withdrawal``."""
    parsed = ParsedDelivery(channel="json", format_version="")
    data = _json_body(content, parsed)
    if parsed.fatal:
        return parsed
    if not isinstance(data, dict):
        return parsed.refuse("batch_shape", _("Send an object with a list of withdrawals."))
    for key in sorted(set(data) - {"withdrawals"}):
        parsed.problems.append(
            Problem(WARNING, "unknown_field", _("Not a field of the batch; ignored."), field=shown(key))
        )
    withdrawals = data.get("withdrawals")
    if withdrawals is not None and not isinstance(withdrawals, list):
        return parsed.refuse("batch_shape", _("Give the withdrawals as a list: [{...}, {...}]."), column="withdrawals")
    if not withdrawals:
        return parsed.refuse("no_rows", _("Give a list of one or more withdrawals."), column="withdrawals")
    if len(withdrawals) > MAX_BATCH:
        return parsed.refuse(
            "batch_too_large",
            _("A batch holds at most %(limit)s withdrawals; this one has %(count)s. Split it.")
            % {"limit": grouped(MAX_BATCH), "count": grouped(len(withdrawals))},
            column="withdrawals",
        )
    for number, item in enumerate(withdrawals, start=1):
        if not isinstance(item, dict):
            problem = Problem(
                ERROR, "not_an_object", _("A withdrawal must be an object with a reference and a reason."), row=number
            )
            parsed.rows.append(RawRow(number=number, values={}, problems=(problem,)))
            continue
        problems = tuple(
            Problem(WARNING, "unknown_field", _("Not a field of a withdrawal; ignored."), row=number, field=shown(key))
            for key in sorted(set(item) - set(WITHDRAWAL_FIELDS))
        )
        values = {name: item.get(name) for name in WITHDRAWAL_FIELDS}
        parsed.rows.append(RawRow(number=number, values=values, problems=problems))
    return parsed
