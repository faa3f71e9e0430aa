"""Read a municipality's own figures from CSV or XLSX: one value per row, for an area, a period and
an indicator. Every problem is reported with its row, column and reason; the import service adds
the problems only the database can tell (unknown areas and indicators, mixed units)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from meedoen.areas.cbs import CODE
from meedoen.compass.suppression import LARGEST_VALUE, OutOfRangeError, in_range
from meedoen.core.tables import TableError, read_table

MAX_ROWS = 500_000
PERIOD = re.compile(r"^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$")
COLUMNS = {
    "area": ("gebied", "gebiedscode", "area", "area_code"),
    "period": ("periode", "period"),
    "indicator": ("indicator", "indicatorcode", "indicator_code"),
    "value": ("waarde", "value"),
    "unit": ("eenheid", "unit"),
}
REQUIRED = ("area", "period", "indicator", "value")


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = _("row %(row)s") % {"row": self.row} if self.row is not None else _("file")
        return f"{where}, {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


@dataclass(frozen=True)
class FigureRow:
    row: int
    area_code: str
    period: str
    indicator_code: str
    value: float
    unit: str


def period_granularity(period: str) -> str:
    if len(period) == 4:
        return "year"
    return "quarter" if "Q" in period else "month"


def parse_number(raw: Any) -> float:
    """A number as people type it: ``12``, ``12.5``, ``12,5``, ``1.234,5``. Raises ValueError, or
    OutOfRangeError for a number beyond ``LARGEST_VALUE`` either way."""
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if "," in text and "." in text:
            text = (
                text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
            )
        elif "," in text:
            text = text.replace(",", ".")
        if not text.isascii() or "_" in text:
            raise ValueError  # Python's float() also reads "1_000" and other scripts' digits
        value = float(text)
    return in_range(value)


def read_figures(content: bytes) -> tuple[list[FigureRow], list[Problem]]:
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
    missing = [COLUMNS[name][0] for name in REQUIRED if name not in positions]
    if missing:
        return [], [
            Problem(
                1,
                ", ".join(missing),
                _("missing column; the header needs %(columns)s")
                % {"columns": ", ".join(COLUMNS[name][0] for name in REQUIRED)},
            )
        ]
    rows: list[FigureRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, cells in table.rows:

        def cell(name: str, cells: list[Any] = cells) -> str:
            position = positions.get(name)
            if position is None or position >= len(cells) or cells[position] is None:
                return ""
            return str(cells[position]).strip()

        area_code, period, indicator_code = cell("area").upper(), cell("period").upper(), cell("indicator")
        before = len(problems)
        if not CODE.match(area_code):
            problems.append(
                Problem(number, COLUMNS["area"][0], _("“%(code)s” is not a CBS area code") % {"code": area_code})
            )
        if not PERIOD.match(period):
            problems.append(
                Problem(
                    number,
                    COLUMNS["period"][0],
                    _("“%(period)s” is not a year (2024), quarter (2024-Q1) or month (2024-03)") % {"period": period},
                )
            )
        if not indicator_code:
            problems.append(Problem(number, COLUMNS["indicator"][0], _("empty")))
        raw_value = cells[positions["value"]] if positions["value"] < len(cells) else None
        value = 0.0
        try:
            value = parse_number(raw_value)
        except OutOfRangeError:
            problems.append(
                Problem(
                    number,
                    COLUMNS["value"][0],
                    _("“%(value)s” is larger than the compass takes: at most %(limit)s, either way")
                    % {"value": raw_value, "limit": number_format(int(LARGEST_VALUE), force_grouping=True)},
                )
            )
        except (TypeError, ValueError):
            problems.append(
                Problem(number, COLUMNS["value"][0], _("“%(value)s” is not a number") % {"value": raw_value or ""})
            )
        if len(problems) > before:
            continue
        key = (area_code, period, indicator_code)
        if key in seen:
            problems.append(
                Problem(
                    number,
                    "",
                    _("%(area)s, %(period)s, %(indicator)s appears twice (also on row %(first)s)")
                    % {"area": area_code, "period": period, "indicator": indicator_code, "first": seen[key]},
                )
            )
            continue
        seen[key] = number
        rows.append(FigureRow(number, area_code, period, indicator_code, value, cell("unit")))
    return rows, problems
