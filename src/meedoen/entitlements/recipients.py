"""Read a file of recipient counts (CSV or XLSX): per row a scheme's code, an area (a district, or the
municipality as a whole), a year and the number of households that received the scheme. Every problem
is reported with its row, column and reason; the import service adds what only the database can tell
(unknown schemes and districts)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from meedoen.core.tables import TableError, read_table

MAX_ROWS = 100_000
MAX_HOUSEHOLDS = 10_000_000
FIRST_YEAR, LAST_YEAR = 2000, 2100
SHOWN_CHARACTERS = 40  # of a value quoted in a problem
AREA = re.compile(r"^(GM[0-9]{4}|WK[0-9]{4}[0-9A-Z]{2})$")
WHOLE = re.compile(r"^([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)$")  # 1234 or 1.234 (a Dutch thousands separator)
COLUMNS = {
    "scheme": ("regeling", "regelingcode", "scheme", "scheme_code"),
    "area": ("gebied", "gebiedscode", "wijk", "wijkcode", "area", "area_code"),
    "year": ("jaar", "periode", "year", "period"),
    "households": ("aantal", "huishoudens", "ontvangers", "count", "households", "recipients"),
}
REQUIRED = ("scheme", "area", "year", "households")


@dataclass(frozen=True)
class Problem:
    row: int | None  # None: the file as a whole
    column: str
    reason: str

    def __str__(self) -> str:
        where = _("row %(row)s") % {"row": self.row} if self.row is not None else _("file")
        return f"{where}, {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


@dataclass(frozen=True)
class RecipientRow:
    """A row as far as it could be read: ``year`` and ``households`` are None where they could not,
    and ``area_code`` may not be a CBS code. Only a file whose every row is complete is imported."""

    row: int
    scheme_code: str
    area_code: str
    year: int | None
    households: int | None

    @property
    def has_area_code(self) -> bool:
        return bool(AREA.match(self.area_code))


def column_title(name: str) -> str:
    return COLUMNS[name][0]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def quoted(value: Any) -> str:
    text = _text(value)
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "\u2026"


def read_whole_number(raw: Any) -> int:
    """A count as people type it or a spreadsheet holds it: ``12``, ``1.234``, 12.0. Raises ValueError."""
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError
        return int(raw)
    text = str(raw if raw is not None else "").strip().replace("\u00a0", "").replace(" ", "")
    if not text.isascii() or not WHOLE.match(text):
        raise ValueError
    return int(text.replace(".", ""))


def read_recipients(content: bytes) -> tuple[list[RecipientRow], list[Problem]]:
    try:
        table = read_table(content, max_rows=MAX_ROWS)
    except TableError as exc:
        return [], [Problem(None, "", str(exc))]
    positions: dict[str, int] = {}
    for name, aliases in COLUMNS.items():
        for position, title in enumerate(table.header):
            if title in aliases:
                positions[name] = position
                break
    missing = [column_title(name) for name in REQUIRED if name not in positions]
    if missing:
        return [], [
            Problem(
                1,
                ", ".join(missing),
                _("missing column; the header needs %(columns)s")
                % {"columns": ", ".join(column_title(name) for name in REQUIRED)},
            )
        ]
    rows: list[RecipientRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str, int], int] = {}
    for number, cells in table.rows:

        def cell(name: str, cells: list[Any] = cells) -> Any:
            position = positions[name]
            return cells[position] if position < len(cells) else None

        before = len(problems)
        scheme_code = _text(cell("scheme")).lower()
        if not scheme_code:
            problems.append(Problem(number, column_title("scheme"), _("empty; give the code of the scheme")))
        area_code = _text(cell("area")).upper()
        if not AREA.match(area_code):
            problems.append(
                Problem(
                    number,
                    column_title("area"),
                    _("“%(code)s” is not the CBS code of a district (WK…) or a municipality (GM…)")
                    % {"code": quoted(cell("area"))},
                )
            )
        year: int | None = None
        try:
            year = read_whole_number(cell("year"))
            if not FIRST_YEAR <= year <= LAST_YEAR:
                year = None
                raise ValueError
        except ValueError:
            problems.append(
                Problem(
                    number,
                    column_title("year"),
                    _("“%(year)s” is not a year, such as 2025") % {"year": quoted(cell("year"))},
                )
            )
        households: int | None = None
        try:
            households = read_whole_number(cell("households"))
            if households > MAX_HOUSEHOLDS:
                problems.append(
                    Problem(
                        number,
                        column_title("households"),
                        _("%(count)s households is more than any municipality has") % {"count": households},
                    )
                )
        except ValueError:
            problems.append(
                Problem(
                    number,
                    column_title("households"),
                    _("“%(value)s” is not a whole number of households of 0 or more")
                    % {"value": quoted(cell("households"))},
                )
            )
        # Rows with a problem are kept too, so that the import can also say what only the database knows.
        rows.append(RecipientRow(number, scheme_code, area_code, year, households))
        if len(problems) > before or year is None:
            continue
        key = (scheme_code, area_code, year)
        if key in seen:
            problems.append(
                Problem(
                    number,
                    "",
                    _("%(scheme)s, %(area)s, %(year)s appears twice (also on row %(first)s)")
                    % {"scheme": scheme_code, "area": area_code, "year": year, "first": seen[key]},
                )
            )
            continue
        seen[key] = number
    return rows, problems
