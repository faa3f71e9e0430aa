"""Read CBS "Kerncijfers wijken en buurten" area rows into plain records, checking every value.

CBS column keys carry a number that changes from year to year (``AantalInwoners_5`` one year,
``AantalInwoners_6`` the next), so columns are matched on the part before the last underscore.
Source of the format: CBS open data, table 85984NED (2024), licence CC BY 4.0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# District and neighbourhood parts are digits, except in Amsterdam, which uses letters (WK0363AA).
# NL01 is CBS's code for the whole country in its regional tables.
CODE = re.compile(r"^(NL01|GM[0-9]{4}|WK[0-9]{4}[0-9A-Z]{2}|BU[0-9]{4}[0-9A-Z]{4})$")
POPULATION_STEM = "AantalInwoners"
DWELLINGS_STEM = "Woningvoorraad"
CODE_KEYS = ("WijkenEnBuurten", "Codering", "code")
NAME_KEYS = ("name", "Naam", "WijkenEnBuurtenNaam")
MAX_COUNT = 20_000_000  # more than the Netherlands has inhabitants or dwellings


@dataclass(frozen=True)
class AreaRecord:
    code: str
    level: str
    parent_code: str | None
    name: str | None
    population: int | None
    dwellings: int | None


class CbsFileError(ValueError):
    """The file cannot be imported. ``problems`` names each offending key and why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s): {shown}{more}")


def column_stem(key: str) -> str:
    """``HuishOnderOfRondSociaalMinimum_90`` -> ``HuishOnderOfRondSociaalMinimum``."""
    stem, sep, suffix = key.rpartition("_")
    return stem if sep and suffix.isdigit() else key


def level_of(code: str) -> str:
    return {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}[code[:2]]


def parent_code_of(code: str) -> str | None:
    """A district ``WK0867xx`` lies in ``GM0867``; a neighbourhood ``BU0867xxyy`` in ``WK0867xx``."""
    if code.startswith("WK"):
        return "GM" + code[2:6]
    if code.startswith("BU"):
        return "WK" + code[2:8]
    return None


def _rows(data: Any) -> list[tuple[str, Mapping[str, Any]]]:
    """Accept ``{code: {column: value}}`` or CBS OData ``{"value": [{"WijkenEnBuurten": code, ...}]}``."""
    if isinstance(data, Mapping) and isinstance(data.get("value"), list):
        rows: list[tuple[str, Mapping[str, Any]]] = []
        for index, row in enumerate(data["value"]):
            if not isinstance(row, Mapping):
                raise CbsFileError([f"value[{index}]: expected an object with columns"])
            code = next((row[k] for k in CODE_KEYS if k in row), None)
            rows.append((str(code).strip() if code is not None else f"value[{index}]", row))
        return rows
    if isinstance(data, Mapping):
        problems = [
            f"{key}: expected an object with columns" for key, row in data.items() if not isinstance(row, Mapping)
        ]
        if problems:
            raise CbsFileError(problems)
        return [(str(key).strip(), row) for key, row in data.items()]
    raise CbsFileError(["the file must hold an object of areas keyed by CBS code, or a CBS OData 'value' list"])


def _count(code: str, row: Mapping[str, Any], stem: str, problems: list[str]) -> int | None:
    keys = [key for key in row if column_stem(key) == stem]
    if not keys:
        return None
    if len(keys) > 1:
        problems.append(f"{code}: more than one {stem} column ({', '.join(sorted(keys))})")
        return None
    key = keys[0]
    value = row[key]
    if value is None:
        return None  # CBS leaves a figure empty when it is secret or unknown
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        problems.append(f"{code}.{key}: expected a whole number, got {value!r}")
        return None
    if not 0 <= value <= MAX_COUNT:
        problems.append(f"{code}.{key}: {value} is out of range (0 to {MAX_COUNT:,})")
        return None
    return int(value)


def parse_areas(data: Any, *, known_codes: frozenset[str] = frozenset()) -> list[AreaRecord]:
    """Check every row and return records, parents first. Raise :class:`CbsFileError` on any problem."""
    rows = _rows(data)
    problems: list[str] = []
    records: list[AreaRecord] = []
    seen: set[str] = set()
    for code, row in rows:
        if not CODE.match(code):
            problems.append(f"{code!r}: not a CBS area code (NL01, GM0000, WK000000 or BU00000000)")
            continue
        if code in seen:
            problems.append(f"{code}: appears more than once")
            continue
        seen.add(code)
        name = next((row[k] for k in NAME_KEYS if k in row), None)
        if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 200):
            problems.append(f"{code}.name: expected a text of 1 to 200 characters, got {name!r}")
            name = None
        records.append(
            AreaRecord(
                code=code,
                level=level_of(code),
                parent_code=parent_code_of(code),
                name=name.strip() if isinstance(name, str) else None,
                population=_count(code, row, POPULATION_STEM, problems),
                dwellings=_count(code, row, DWELLINGS_STEM, problems),
            )
        )
    available = seen | known_codes
    for record in records:
        if record.parent_code and record.parent_code not in available:
            problems.append(
                f"{record.code}: its {level_of(record.parent_code)} {record.parent_code} is not in the file"
            )
    if not records and not problems:
        problems.append("the file holds no areas")
    if problems:
        raise CbsFileError(problems)
    order = {"land": 0, "gemeente": 1, "wijk": 2, "buurt": 3}
    return sorted(records, key=lambda r: (order[r.level], r.code))
