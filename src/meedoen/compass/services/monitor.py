"""Writes of the local picture: the CBS import, own indicators and the import of own figures.

Imports are all or nothing: every problem in a file is reported (row, column, reason) and then
nothing is written. Importing the same file again changes no figure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meedoen.areas.cbs import CbsFileError
from meedoen.areas.models import Area
from meedoen.areas.services import areas_import_cbs
from meedoen.compass.figures import FigureRow, Problem, period_granularity, read_figures
from meedoen.compass.kwb import SOURCE, Column, KwbFileError, KwbValues, Metadata, area_rows, parse_values, read_rows
from meedoen.compass.models import FigureImport, Indicator, Observation
from meedoen.core.access import Actor, Role, require_role
from meedoen.core.audit import record_change
from meedoen.organisations.models import Municipality

EDITORS = (Role.POLICY_OFFICER, Role.APPLICATION_MANAGER)
GRANULARITY_LABELS = {"year": gettext_lazy("year"), "quarter": gettext_lazy("quarter"), "month": gettext_lazy("month")}
INSERT_CHUNK = 20_000
COPY_FROM = 100  # below this many rows a plain INSERT is as quick as COPY


class FigureImportError(ValueError):
    """Nothing was imported. ``problems`` says where and why, one per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s), nothing imported")


@dataclass(frozen=True)
class ImportResult:
    indicators_created: int
    values_written: int
    figure_import_id: int


# --- CBS Kerncijfers wijken en buurten ---------------------------------------------------------------


def indicators_import_cbs_kwb(
    *,
    actor: Actor,
    content: bytes,
    file_name: str,
    columns: Metadata,
    period: str,
    table: str = "85984NED",
) -> ImportResult:
    """Import a CBS KWB file: its areas (through the areas module), an indicator per column (title,
    unit and definition from the CBS metadata) and every figure, for one period.

    CBS figures are shared by every municipality, so only the platform itself (a command run by
    the operator) imports them.
    """
    if not actor.is_system:
        raise ValidationError(_("CBS figures are imported by the operator, with manage.py import_cbs_kwb."))
    values = parse_values(read_rows(content, file_name=file_name), columns)
    _check_units_unchanged(values.columns)
    source = SOURCE.format(year=period[:4], table=table)
    with transaction.atomic():
        try:
            areas_import_cbs(actor=actor, data=dict(area_rows(values)), reference_year=int(period[:4]))
        except CbsFileError as exc:
            raise KwbFileError(exc.problems) from None
        indicators, created = _shared_indicators(values.columns, source)
        area_ids = dict(Area.objects.filter(code__in=values.area_codes).values_list("code", "id"))
        figure_import = FigureImport.objects.create(
            origin=Indicator.Origin.CBS,
            file_name=file_name[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            imported_by_id=actor.user_id,
            values_written=len(values),
        )
        _replace_observations(
            indicator_ids=[indicator.pk for indicator in indicators],
            area_ids=list(area_ids.values()),
            period=period,
            rows=_kwb_rows(
                values, indicators, [area_ids[code] for code in values.area_codes], period, figure_import.pk
            ),
        )
        record_change(
            actor=actor,
            action="compass.import_cbs_kwb",
            obj=figure_import,
            details={"period": period, "areas": len(area_ids), "indicators": len(indicators), "values": len(values)},
        )
    return ImportResult(indicators_created=created, values_written=len(values), figure_import_id=figure_import.pk)


def _check_units_unchanged(columns: list[Column]) -> None:
    """A column whose unit changed between years cannot share a trend line with its past."""
    known = dict(
        Indicator.objects.filter(municipality__isnull=True, code__in=[column.code for column in columns]).values_list(
            "code", "unit"
        )
    )
    problems = [
        f"column {column.key}: unit “{column.unit}” differs from “{known[column.code]}” of the figures already imported"
        for column in columns
        if column.code in known and known[column.code] != column.unit
    ]
    if problems:
        raise KwbFileError(problems)


def _shared_indicators(columns: list[Column], source: str) -> tuple[list[Indicator], int]:
    """The shared indicator of every column, in column order; titles and definitions follow CBS,
    a polarity set by staff is kept."""
    existing = {
        indicator.code: indicator
        for indicator in Indicator.objects.filter(municipality__isnull=True, code__in=[c.code for c in columns])
    }
    to_create: list[Indicator] = []
    to_update: list[Indicator] = []
    for column in columns:
        indicator = existing.get(column.code)
        fields = {
            "name": column.title[:200],
            "unit": column.unit[:60],
            "definition": column.definition,
            "source": source,
            "kind": column.kind,
            "decimals": column.decimals,
        }
        if indicator is None:
            indicator = Indicator(code=column.code, origin=Indicator.Origin.CBS, polarity=column.polarity, **fields)
            existing[column.code] = indicator
            to_create.append(indicator)
        elif any(getattr(indicator, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(indicator, name, value)
            to_update.append(indicator)
    Indicator.objects.bulk_create(to_create)
    if to_create and to_create[0].pk is None:  # backends that do not return keys from bulk inserts
        keys = dict(
            Indicator.objects.filter(municipality__isnull=True, code__in=[i.code for i in to_create]).values_list(
                "code", "id"
            )
        )
        for indicator in to_create:
            indicator.pk = keys[indicator.code]
    Indicator.objects.bulk_update(to_update, ["name", "unit", "definition", "source", "kind", "decimals"])
    return [existing[column.code] for column in columns], len(to_create)


def _kwb_rows(
    values: KwbValues, indicators: list[Indicator], area_ids: list[int], period: str, figure_import_id: int
) -> Iterable[tuple[int, int, str, float, int]]:
    indicator_ids = [indicator.pk for indicator in indicators]
    for column, area, value in zip(values.column_index, values.area_index, values.values, strict=True):
        yield indicator_ids[column], area_ids[area], period, value, figure_import_id


# --- writing observations ----------------------------------------------------------------------------


def _replace_observations(
    *, indicator_ids: list[int], area_ids: list[int], period: str, rows: Iterable[tuple[int, int, str, float, int]]
) -> None:
    """Remove the values these indicators had for these areas in this period, then write the new
    ones: one COPY on PostgreSQL, batched inserts elsewhere."""
    for start in range(0, len(area_ids), 5_000):
        Observation.objects.filter(
            indicator_id__in=indicator_ids, period=period, area_id__in=area_ids[start : start + 5_000]
        ).delete()
    _insert_observations(rows)


def _insert_observations(rows: Iterable[tuple[int, int, str, float, int]]) -> None:
    table = Observation._meta.db_table
    columns = "indicator_id, area_id, period, value, figure_import_id"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        chunk: list[tuple[int, int, str, float, int]] = []
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608 (names are ours)
        for row in rows:
            chunk.append(row)
            if len(chunk) >= INSERT_CHUNK:
                cursor.executemany(sql, chunk)
                chunk.clear()
        if chunk:
            cursor.executemany(sql, chunk)


# --- own indicators ----------------------------------------------------------------------------------


def indicator_define(
    *,
    actor: Actor,
    municipality: Municipality,
    code: str,
    name: str,
    unit: str,
    kind: str,
    definition: str,
    source: str,
    polarity: str,
    decimals: int = 0,
    numerator: Indicator | None = None,
    denominator: Indicator | None = None,
    factor: int = 1,
) -> Indicator:
    """A municipality's own indicator; with a numerator and denominator, a derived one
    (numerator / denominator x factor, per area and period, never stored)."""
    require_role(actor, *EDITORS, municipality_id=municipality.pk)
    derived = numerator is not None or denominator is not None
    indicator = Indicator(
        municipality=municipality,
        code=code.strip(),
        name=name.strip(),
        unit=unit.strip(),
        kind=kind,
        definition=definition.strip(),
        source=source.strip(),
        polarity=polarity,
        decimals=decimals,
        origin=Indicator.Origin.DERIVED if derived else Indicator.Origin.OWN,
        numerator=numerator,
        denominator=denominator,
        factor=factor,
    )
    indicator.full_clean(exclude=["municipality"])
    errors: dict[str, list[str]] = {}
    if Indicator.objects.filter(code=indicator.code, municipality__isnull=True).exists():
        errors.setdefault("code", []).append(_("CBS already uses this code; choose another."))
    if Indicator.objects.filter(code=indicator.code, municipality=municipality).exists():
        errors.setdefault("code", []).append(_("This municipality already has an indicator with this code."))
    if derived:
        for field, part in (("numerator", numerator), ("denominator", denominator)):
            if part is None:
                errors.setdefault(field, []).append(_("A derived indicator needs both a numerator and a denominator."))
            elif part.municipality_id not in (None, municipality.pk):
                errors.setdefault(field, []).append(_("Not an indicator of this municipality."))
            elif part.is_derived:
                errors.setdefault(field, []).append(_("Build on an indicator with figures, not on a derived one."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        indicator.save()
        record_change(
            actor=actor,
            action="compass.indicator_define",
            obj=indicator,
            municipality_id=municipality.pk,
            details={"code": indicator.code, "origin": indicator.origin},
        )
    return indicator


# --- own figures -------------------------------------------------------------------------------------


def figures_import(*, actor: Actor, municipality: Municipality, content: bytes, file_name: str) -> ImportResult:
    """Import own figures (CSV or XLSX: area, period, indicator, value, optionally unit) for the
    municipality's own indicators. Every problem is reported; on any problem nothing is written.
    A value already there for the same area, period and indicator is replaced."""
    require_role(actor, *EDITORS, municipality_id=municipality.pk)
    rows, problems = read_figures(content)
    areas = dict(Area.objects.filter(code__regex=rf"^(GM|WK|BU){municipality.code[2:6]}").values_list("code", "id"))
    indicators = {
        indicator.code: indicator
        for indicator in Indicator.objects.filter(municipality=municipality, origin=Indicator.Origin.OWN)
    }
    shared = set(Indicator.objects.filter(municipality__isnull=True).values_list("code", flat=True))
    granularity = _granularities(indicators.values())
    problems.extend(_check_rows(rows, areas, indicators, shared, granularity))
    if problems:
        raise FigureImportError(sorted(problems, key=lambda problem: (problem.row or 0, problem.column)))
    with transaction.atomic():
        figure_import = FigureImport.objects.create(
            municipality=municipality,
            origin=Indicator.Origin.OWN,
            file_name=file_name[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            imported_by_id=actor.user_id,
            values_written=len(rows),
        )
        keys = {(indicators[row.indicator_code].pk, areas[row.area_code], row.period) for row in rows}
        existing = Observation.objects.filter(
            indicator_id__in={key[0] for key in keys}, area_id__in={key[1] for key in keys}
        ).values_list("indicator_id", "area_id", "period", "id")
        Observation.objects.filter(pk__in=[pk for *key, pk in existing if tuple(key) in keys]).delete()
        _insert_observations(
            (indicators[row.indicator_code].pk, areas[row.area_code], row.period, row.value, figure_import.pk)
            for row in rows
        )
        record_change(
            actor=actor,
            action="compass.figures_import",
            obj=figure_import,
            municipality_id=municipality.pk,
            details={"values": len(rows), "indicators": len({row.indicator_code for row in rows})},
        )
    return ImportResult(indicators_created=0, values_written=len(rows), figure_import_id=figure_import.pk)


def _granularities(indicators: Iterable[Indicator]) -> dict[str, str]:
    """The kind of period (year, quarter, month) each indicator's figures already use."""
    by_id = {indicator.pk: indicator.code for indicator in indicators}
    found: dict[str, str] = {}
    for indicator_id, period in (
        Observation.objects.filter(indicator_id__in=by_id).values_list("indicator_id", "period").distinct()[:10_000]
    ):
        found.setdefault(by_id[indicator_id], period_granularity(period))
    return found


def _check_rows(
    rows: list[FigureRow],
    areas: Mapping[str, int],
    indicators: Mapping[str, Indicator],
    shared: set[str],
    granularity: dict[str, str],
) -> list[Problem]:
    problems: list[Problem] = []
    for row in rows:
        if row.area_code not in areas:
            problems.append(
                Problem(row.row, "gebied", _("%(code)s is not an area of this municipality") % {"code": row.area_code})
            )
        indicator = indicators.get(row.indicator_code)
        if indicator is None:
            reason = (
                _("“%(code)s” is a CBS indicator; CBS figures come from CBS, not from own files")
                if row.indicator_code in shared
                else _("“%(code)s” is not an own indicator of this municipality; define it first")
            )
            problems.append(Problem(row.row, "indicator", reason % {"code": row.indicator_code}))
            continue
        if row.unit and not _same_unit(row.unit, indicator.unit):
            problems.append(
                Problem(
                    row.row,
                    "eenheid",
                    _("unit “%(unit)s” differs from the indicator's unit “%(expected)s”")
                    % {"unit": row.unit, "expected": indicator.unit},
                )
            )
        expected = granularity.setdefault(row.indicator_code, period_granularity(row.period))
        if period_granularity(row.period) != expected:
            problems.append(
                Problem(
                    row.row,
                    "periode",
                    _("%(indicator)s has figures per %(expected)s; “%(period)s” is not one")
                    % {"indicator": row.indicator_code, "expected": GRANULARITY_LABELS[expected], "period": row.period},
                )
            )
        if indicator.is_count and (row.value < 0 or row.value != int(row.value)):
            problems.append(Problem(row.row, "waarde", _("a count is a whole number of 0 or more")))
        if indicator.kind == Indicator.Kind.PERCENTAGE and not 0 <= row.value <= 100:
            problems.append(Problem(row.row, "waarde", _("a percentage lies between 0 and 100")))
    return problems


def _same_unit(left: str, right: str) -> bool:
    return " ".join(left.lower().split()) == " ".join(right.lower().split())
