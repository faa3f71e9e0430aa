"""Read CBS "Kerncijfers wijken en buurten" (KWB) figures and the table's column metadata.

CBS column keys carry a number that changes from year to year (``HuishOnderOfRondSociaalMinimum_90``
in 2024), so a column is known by its stem, the part before the last underscore. Titles, units and
definitions come from the table's metadata (``DataProperties``), never from this code.

Sources: CBS open data, table 85984NED (2024), licence CC BY 4.0; the signs CBS uses for a missing
figure are CBS's "Verklaring van tekens" ("." unknown or secret, "x" secret, "-" nil).
"""

from __future__ import annotations

import csv
import io
import json
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from meedoen.areas.cbs import CODE, CbsFileError, column_stem
from meedoen.compass.suppression import LARGEST_VALUE, OutOfRangeError, in_range
from meedoen.core.json_input import MAX_DIGITS, TooManyDigitsError, json_int
from meedoen.core.numbers import whole_number

NUMERIC_TYPES = frozenset({"Long", "Integer", "Short", "Double", "Float", "Decimal"})
REGION_KEYS = ("WijkenEnBuurten", "Codering", "RegioS", "code")
# Keys that name a row rather than hold a figure, besides the table's own text and code topics.
NOT_INDICATORS = frozenset({"ID", "WijkenEnBuurten", "name", "Naam"})
MISSING = frozenset({"", ".", "x", "?"})
NIL = frozenset({"-", "\u2013"})  # CBS prints a dash for nil: the figure is zero
SOURCE = "CBS, Kerncijfers wijken en buurten {year} (tabel {table}), CC BY 4.0"

# CBS does not say whether more is better. For the figures about income and poverty we do; every
# other indicator starts as neither, and the functioneel beheerder can set it.
POLARITY_OF_STEM = {
    "HuishoudensMetEenLaagInkomen": "hoger_slechter",
    "HuishOnderOfRondSociaalMinimum": "hoger_slechter",
    "HuishoudensTot110VanSociaalMinimum": "hoger_slechter",
    "HuishoudensTot120VanSociaalMinimum": "hoger_slechter",
    "k_40HuishoudensMetLaagsteInkomen": "hoger_slechter",
    "k_40PersonenMetLaagsteInkomen": "hoger_slechter",
    "PersonenPerSoortUitkeringBijstand": "hoger_slechter",
    "GemiddeldInkomenPerInwoner": "hoger_beter",
    "GemiddeldInkomenPerInkomensontvanger": "hoger_beter",
    "GemGestandaardiseerdInkomenVanHuish": "hoger_beter",
    "MediaanVermogenVanParticuliereHuish": "hoger_beter",
}


class KwbFileError(CbsFileError):
    """The file cannot be imported. ``problems`` names each offending place and why."""


@dataclass(frozen=True)
class Column:
    """One CBS column as its metadata describes it. ``code`` names its indicator from year to year:
    the stem, or, where CBS uses one stem for several columns (``Appartement`` under electricity
    and under gas), the stem with the title of the group that tells them apart."""

    code: str
    key: str
    title: str
    unit: str
    decimals: int
    definition: str
    is_indicator: bool = True  # False for names, codes and coded classes: known, but not figures

    @property
    def stem(self) -> str:
        return column_stem(self.key)

    @property
    def kind(self) -> str:
        """The compass's kind of indicator. Only whole numbers of things are counts: an average
        household size is measured in "aantal" too, but hiding small ones would protect nobody."""
        unit = self.unit.strip().lower()
        if unit == "aantal" and self.decimals == 0:
            return "aantal"
        if unit == "%":
            return "percentage"
        if unit.startswith("per ") or " per " in unit:
            return "verhouding"
        if "euro" in unit:
            return "bedrag"
        return "maat"

    @property
    def polarity(self) -> str:
        return POLARITY_OF_STEM.get(self.code, "neutraal")


@dataclass(frozen=True)
class Metadata:
    """The columns of a CBS table, found by exact key and, across years, by unambiguous stem."""

    by_key: Mapping[str, Column]
    by_stem: Mapping[str, Column]
    ambiguous_stems: frozenset[str]

    def __getitem__(self, key: str) -> Column:
        return self.by_key.get(key) or self.by_stem[column_stem(key)]

    def find(self, key: str) -> Column | None:
        return self.by_key.get(key) or self.by_stem.get(column_stem(key))


def _camel(title: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^0-9A-Za-z]+", title) if word)


def parse_metadata(data: Any) -> Metadata:
    """Columns of CBS ``DataProperties`` (a list, or OData ``{"value": [...]}``)."""
    items = data.get("value") if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        raise KwbFileError(["metadata: expected CBS DataProperties, a list of topics"])
    groups = {item.get("ID"): item for item in items if isinstance(item, Mapping) and item.get("Type") == "TopicGroup"}

    def path(item: Mapping[str, Any]) -> list[str]:
        titles: list[str] = []
        parent = groups.get(item.get("ParentID"))
        while parent is not None and len(titles) < 10:
            titles.insert(0, " ".join(str(parent.get("Title") or "").split()))
            parent = groups.get(parent.get("ParentID"))
        return titles

    topics = [
        item
        for item in items
        if isinstance(item, Mapping)
        and item.get("Type") == "Topic"
        and isinstance(item.get("Key"), str)
        and item["Key"]
    ]
    by_stem_items: dict[str, list[Mapping[str, Any]]] = {}
    for item in topics:
        by_stem_items.setdefault(column_stem(item["Key"]), []).append(item)
    by_key: dict[str, Column] = {}
    for stem, same in by_stem_items.items():
        paths = [path(item) for item in same]
        depth = next((d for d in range(10) if len({tuple(p[: d + 1]) for p in paths}) == len(same)), None)
        for item, ancestors in zip(same, paths, strict=True):
            title = " ".join(str(item.get("Title") or stem).split())
            code = stem
            if len(same) > 1:
                group = ancestors[depth] if depth is not None and depth < len(ancestors) else str(item["Key"])
                code, title = f"{stem}.{_camel(group)}"[:80], f"{title} ({group[:1].lower()}{group[1:]})"
            by_key[item["Key"]] = Column(
                code=code,
                key=item["Key"],
                title=title,
                unit=" ".join(str(item.get("Unit") or "").split()),
                decimals=int(item.get("Decimals") or 0),
                definition=str(item.get("Description") or "").replace("\r\n", "\n").strip(),
                is_indicator=(
                    item.get("Datatype") in NUMERIC_TYPES and str(item.get("Unit", "")).strip().lower() != "code"
                ),
            )
    if not any(column.is_indicator for column in by_key.values()):
        raise KwbFileError(["metadata: no numeric topics found; is this a CBS DataProperties file?"])
    ambiguous = frozenset(stem for stem, same in by_stem_items.items() if len(same) > 1)
    by_stem = {column.stem: column for column in by_key.values() if column.stem not in ambiguous}
    return Metadata(by_key=by_key, by_stem=by_stem, ambiguous_stems=ambiguous)


def table_period(table_infos: Any) -> str | None:
    """The table's period ("2024") from CBS ``TableInfos``, when it names one year."""
    items = table_infos.get("value") if isinstance(table_infos, Mapping) else table_infos
    if isinstance(items, list) and items and isinstance(items[0], Mapping):
        period = str(items[0].get("Period", "")).strip()
        if len(period) == 4 and whole_number(period, digits=4) is not None:
            return period
    return None


def read_rows(raw: bytes, *, file_name: str) -> list[tuple[str, Mapping[str, Any]]]:
    """Rows as ``(region code, columns)`` from the three shapes CBS data comes in: OData JSON
    (``{"value": [...]}``), an object keyed by region code, or CSV (CBS uses ``;``)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KwbFileError([f"{file_name}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"]) from None
    if file_name.lower().endswith(".csv"):
        return _csv_rows(text, file_name)
    try:
        data = json.loads(text, parse_int=json_int)
    except json.JSONDecodeError as exc:
        raise KwbFileError(
            [f"{file_name}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]
        ) from None
    except TooManyDigitsError as exc:  # in English, as the command's other messages
        raise KwbFileError(
            [f"{file_name}: not read, a whole number of {exc.digits:,} digits; at most {MAX_DIGITS} are read"]
        ) from None
    except RecursionError:
        raise KwbFileError([f"{file_name}: not read, nested too deeply"]) from None
    return json_rows(data)


def json_rows(data: Any) -> list[tuple[str, Mapping[str, Any]]]:
    if isinstance(data, Mapping) and isinstance(data.get("value"), list):
        rows: list[tuple[str, Mapping[str, Any]]] = []
        problems: list[str] = []
        for index, row in enumerate(data["value"]):
            if not isinstance(row, Mapping):
                problems.append(f"value[{index}]: expected an object with columns")
                continue
            code = _region_code(row)
            rows.append((code if code else f"value[{index}]", row))
        if problems:
            raise KwbFileError(problems)
        return rows
    if isinstance(data, Mapping):
        bad = [f"{key}: expected an object with columns" for key, row in data.items() if not isinstance(row, Mapping)]
        if bad:
            raise KwbFileError(bad)
        return [(str(key).strip(), row) for key, row in data.items()]
    raise KwbFileError(["the file must hold CBS OData ('value' list) or an object of areas keyed by CBS code"])


def _region_code(row: Mapping[str, Any]) -> str:
    for key, value in row.items():
        if column_stem(key) in REGION_KEYS and isinstance(value, str) and CODE.match(value.strip()):
            return value.strip()
    return ""


def _csv_rows(text: str, file_name: str) -> list[tuple[str, Mapping[str, Any]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if not reader.fieldnames or not any(column_stem(name) in REGION_KEYS for name in reader.fieldnames):
        raise KwbFileError([f"{file_name}: the header has no region column ({', '.join(REGION_KEYS)})"])
    rows: list[tuple[str, Mapping[str, Any]]] = []
    for line, row in enumerate(reader, start=2):
        code = _region_code(row)
        rows.append((code if code else f"line {line}", row))
    return rows


def number(value: Any) -> float | None:
    """A CBS figure as a number; ``None`` when CBS left it out. Raises ``ValueError`` otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int | float):
        result = float(value)
    else:
        text = str(value).strip()
        if text in MISSING:
            return None
        if text in NIL:
            return 0.0
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # a decimal comma, as StatLine writes Dutch CSV
        if not text.isascii() or "_" in text:
            raise ValueError("not a number")  # Python's float() also reads "1_000" and other scripts' digits
        result = float(text)
    return in_range(result)


@dataclass
class KwbValues:
    """Checked figures, kept compactly: a national table has about two million of them."""

    columns: list[Column]
    area_codes: list[str]
    column_index: array[int]
    area_index: array[int]
    values: array[float]

    def __len__(self) -> int:
        return len(self.values)


def parse_values(rows: Iterable[tuple[str, Mapping[str, Any]]], columns: Metadata) -> KwbValues:
    """Check every cell of every row; raise :class:`KwbFileError` listing every problem."""
    problems: list[str] = []
    used: dict[str, int] = {}
    used_columns: list[Column] = []
    codes: list[str] = []
    seen: set[str] = set()
    result = KwbValues(used_columns, codes, array("i"), array("i"), array("d"))
    key_columns: dict[str, Column | None] = {}
    for code, row in rows:
        if not CODE.match(code):
            problems.append(f"{code}: not a CBS area code (NL01, GM0000, WK000000 or BU00000000)")
            continue
        if code in seen:
            problems.append(f"{code}: appears more than once")
            continue
        seen.add(code)
        area_position = len(codes)
        codes.append(code)
        for key, raw in row.items():
            if key not in key_columns:
                key_columns[key] = _column_for(key, columns, problems)
            column = key_columns[key]
            if column is None:
                continue
            try:
                value = number(raw)
            except OutOfRangeError:
                problems.append(f"{code}.{key}: {raw!r} lies beyond {LARGEST_VALUE:,.0f} either way")
                continue
            except ValueError:
                problems.append(f"{code}.{key}: expected a number, got {raw!r}")
                continue
            if value is None:
                continue
            position = used.get(column.code)
            if position is None:
                position = used[column.code] = len(used_columns)
                used_columns.append(column)
            result.column_index.append(position)
            result.area_index.append(area_position)
            result.values.append(value)
    if not codes and not problems:
        problems.append("the file holds no areas")
    if problems:
        raise KwbFileError(problems)
    return result


def _column_for(key: str, columns: Metadata, problems: list[str]) -> Column | None:
    stem = column_stem(key)
    if stem in NOT_INDICATORS or stem in REGION_KEYS:
        return None
    column = columns.find(key)
    if column is None:
        reason = (
            "CBS uses this name for several columns; use the metadata of the same table and year"
            if stem in columns.ambiguous_stems
            else "not in the CBS metadata, so its title, unit and definition are unknown"
        )
        problems.append(f"column {key}: {reason}")
        return None
    return column if column.is_indicator else None


def area_rows(values: KwbValues) -> Iterator[tuple[str, dict[str, float]]]:
    """Per area, the population and dwellings columns the areas module keeps, in its own format."""
    wanted = {
        index for index, column in enumerate(values.columns) if column.stem in {"AantalInwoners", "Woningvoorraad"}
    }
    per_area: dict[int, dict[str, float]] = {}
    for column, area, value in zip(values.column_index, values.area_index, values.values, strict=True):
        if column in wanted:
            per_area.setdefault(area, {})[values.columns[column].key] = value
    for position, code in enumerate(values.area_codes):
        yield code, per_area.get(position, {})
