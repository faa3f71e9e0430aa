"""Reads of the local picture, for staff of a municipality.

Every figure leaves this module as a :class:`~meedoen.compass.suppression.Figure`: counts below 10,
and figures built on them, hold no value at all. Derived indicators are computed here, per area
and period, from their numerator and denominator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from meedoen.areas.models import Area
from meedoen.compass.models import Indicator, Observation, Polarity
from meedoen.compass.suppression import SMALL_COUNT, UNKNOWN, Figure, figure, ratio_figure
from meedoen.core.access import WORKSPACE_ROLES, Actor
from meedoen.organisations.models import Municipality

COUNTRY_CODE = "NL01"
CLASSES = 5


def require_reader(actor: Actor, municipality: Municipality) -> None:
    """The local picture is for every staff member of the municipality: figures are aggregates. A
    creditor's signal deliverer is not one."""
    if actor.is_system:
        return
    if not actor.second_factor or municipality.pk not in actor.municipality_ids(*WORKSPACE_ROLES):
        raise PermissionDenied("not a staff member of this municipality")


def indicators_of(municipality: Municipality) -> list[Indicator]:
    """Shared (CBS) indicators and the municipality's own, by name."""
    return list(
        Indicator.objects.filter(Q(municipality__isnull=True) | Q(municipality=municipality))
        .select_related("numerator", "denominator")
        .order_by("name", "code")
    )


def indicator_of(municipality: Municipality, indicator_id: int) -> Indicator | None:
    return (
        Indicator.objects.filter(Q(municipality__isnull=True) | Q(municipality=municipality), pk=indicator_id)
        .select_related("numerator", "denominator")
        .first()
    )


class Values:
    """Observed values by (indicator, area, period), and figures read from them."""

    def __init__(self, rows: Iterable[tuple[int, int, str, float]]) -> None:
        self._values: dict[tuple[int, int, str], float] = {(i, a, p): v for i, a, p, v in rows}

    def raw(self, indicator_id: int, area_id: int, period: str) -> float | None:
        return self._values.get((indicator_id, area_id, period))

    def figure(self, indicator: Indicator, area_id: int, period: str) -> Figure:
        if indicator.is_derived:
            numerator, denominator = indicator.numerator, indicator.denominator
            assert numerator is not None and denominator is not None
            return ratio_figure(
                self.raw(numerator.pk, area_id, period),
                self.raw(denominator.pk, area_id, period),
                factor=indicator.factor,
                numerator_is_count=numerator.is_count,
                denominator_is_count=denominator.is_count,
            )
        return figure(self.raw(indicator.pk, area_id, period), is_count=indicator.is_count)


def _stored_ids(indicators: Iterable[Indicator]) -> set[int]:
    """The indicators whose values are stored: derived ones are read through their two parts."""
    ids: set[int] = set()
    for indicator in indicators:
        if indicator.is_derived:
            ids.update((indicator.numerator_id or 0, indicator.denominator_id or 0))
        else:
            ids.add(indicator.pk)
    return ids


def _periods(indicator: Indicator, periods_by_stored_id: dict[int, set[str]]) -> list[str]:
    if indicator.is_derived:
        both = periods_by_stored_id.get(indicator.numerator_id or 0, set()) & periods_by_stored_id.get(
            indicator.denominator_id or 0, set()
        )
        return sorted(both)
    return sorted(periods_by_stored_id.get(indicator.pk, set()))


@dataclass(frozen=True)
class AreaFigure:
    area: Area
    figure: Figure
    rank_class: int | None = None  # 1..5 from the best fifth to the worst (or lowest to highest)


@dataclass
class DashboardRow:
    indicator: Indicator
    periods: list[str]
    municipality_series: list[Figure]
    country_series: list[Figure]
    latest_period: str | None
    municipality_latest: Figure
    country_latest: Figure
    lowest: AreaFigure | None = None
    highest: AreaFigure | None = None
    districts_hidden: int = 0


@dataclass
class Dashboard:
    municipality_area: Area | None
    country: Area | None
    districts: list[Area]
    rows: list[DashboardRow] = field(default_factory=list)


def _country() -> Area | None:
    return Area.objects.filter(code=COUNTRY_CODE).first()


def local_picture(*, actor: Actor, municipality: Municipality) -> Dashboard:
    """Per indicator: the municipality's trend next to the Netherlands, its latest value and the
    spread over its districts in that period. Three queries whatever the number of indicators."""
    require_reader(actor, municipality)
    municipality_area = Area.objects.filter(code=municipality.code).first()
    districts = list(Area.objects.filter(parent=municipality_area, level=Area.Level.DISTRICT).order_by("code"))
    country = _country()
    dashboard = Dashboard(municipality_area, country, districts)
    if municipality_area is None:
        return dashboard
    indicators = indicators_of(municipality)
    stored = _stored_ids(indicators)
    top_ids = [municipality_area.pk] + ([country.pk] if country else [])
    top_rows = list(
        Observation.objects.filter(indicator_id__in=stored, area_id__in=top_ids).values_list(
            "indicator_id", "area_id", "period", "value"
        )
    )
    periods_by_stored: dict[int, set[str]] = defaultdict(set)
    for indicator_id, area_id, period, _value in top_rows:
        if area_id == municipality_area.pk:
            periods_by_stored[indicator_id].add(period)
    latest = {
        indicator.pk: periods[-1] for indicator in indicators if (periods := _periods(indicator, periods_by_stored))
    }
    wanted_periods = set(latest.values())
    district_rows = (
        Observation.objects.filter(
            indicator_id__in=stored, area_id__in=[d.pk for d in districts], period__in=wanted_periods
        ).values_list("indicator_id", "area_id", "period", "value")
        if districts and wanted_periods
        else []
    )
    district_rows = list(district_rows)
    values = Values([*top_rows, *district_rows])
    by_indicator_period: dict[tuple[int, str], list[tuple[float, int]]] = defaultdict(list)
    for indicator_id, area_id, period, value in district_rows:
        by_indicator_period[(indicator_id, period)].append((value, area_id))
    district_by_id = {d.pk: d for d in districts}
    for indicator in indicators:
        periods = _periods(indicator, periods_by_stored)
        if not periods:
            continue
        last = periods[-1]
        row = DashboardRow(
            indicator=indicator,
            periods=periods,
            municipality_series=[values.figure(indicator, municipality_area.pk, p) for p in periods],
            country_series=[values.figure(indicator, country.pk, p) if country else UNKNOWN for p in periods],
            latest_period=last,
            municipality_latest=values.figure(indicator, municipality_area.pk, last),
            country_latest=values.figure(indicator, country.pk, last) if country else UNKNOWN,
        )
        _spread(row, values, districts, last, by_indicator_period.get((indicator.pk, last), []), district_by_id)
        dashboard.rows.append(row)
    return dashboard


def _spread(
    row: DashboardRow,
    values: Values,
    districts: Sequence[Area],
    period: str,
    stored: list[tuple[float, int]],
    district_by_id: dict[int, Area],
) -> None:
    """The lowest and highest district and how many are hidden. Stored counts are compared as raw
    numbers, so a page of 200 indicators x 100 districts builds two figures per row, not 100."""
    indicator = row.indicator
    if indicator.is_derived:
        figures = [(d, values.figure(indicator, d.pk, period)) for d in districts]
        known = [(f.value, d.pk) for d, f in figures if f.value is not None]
        row.districts_hidden = sum(1 for _d, f in figures if f.hidden)
    else:
        known = [pair for pair in stored if pair[0] >= SMALL_COUNT] if indicator.is_count else stored
        row.districts_hidden = len(stored) - len(known)
    if known:
        low, high = min(known), max(known)
        row.lowest = AreaFigure(district_by_id[low[1]], Figure(low[0]))
        row.highest = AreaFigure(district_by_id[high[1]], Figure(high[0]))


@dataclass
class Series:
    area: Area
    figures: list[Figure]
    role: str  # "area", "municipality" or "country"


@dataclass
class IndicatorDetail:
    indicator: Indicator
    periods: list[str]
    series: list[Series]
    period: str | None
    districts: list[AreaFigure]  # the districts, or the neighbourhoods when those were asked for
    chosen: Area | None
    level: str = Area.Level.DISTRICT
    choices: list[Area] = field(default_factory=list)
    has_neighbourhoods: bool = False


def rank_classes(figures: Sequence[AreaFigure], polarity: str) -> list[AreaFigure]:
    """Give every known figure a class 1..5 by its rank. With a polarity, 1 is the best fifth and
    5 the worst; without one, 1 is the lowest fifth and 5 the highest."""
    known = sorted((a for a in figures if a.figure.known), key=lambda a: a.figure.value or 0.0)
    if polarity == Polarity.HIGHER_IS_BETTER:
        known.reverse()
    classes: dict[int, int] = {}
    for position, item in enumerate(known):
        classes[item.area.pk] = 1 + (position * CLASSES) // len(known)
    return [AreaFigure(a.area, a.figure, classes.get(a.area.pk)) for a in figures]


def indicator_detail(
    *,
    actor: Actor,
    municipality: Municipality,
    indicator: Indicator,
    area_code: str = "",
    period: str = "",
    level: str = Area.Level.DISTRICT,
) -> IndicatorDetail:
    """One indicator: the trend of a chosen district or neighbourhood next to its municipality and
    the Netherlands, and every district (or neighbourhood) in one period, classed by value."""
    require_reader(actor, municipality)
    municipality_area = Area.objects.filter(code=municipality.code).first()
    districts = list(Area.objects.filter(parent=municipality_area, level=Area.Level.DISTRICT).order_by("code"))
    neighbourhoods = list(Area.objects.filter(parent__in=districts, level=Area.Level.NEIGHBOURHOOD).order_by("code"))
    chosen = next((a for a in (*districts, *neighbourhoods) if a.code == area_code), None)
    country = _country()
    areas = [a for a in (chosen, municipality_area, country) if a is not None]
    stored = _stored_ids([indicator])
    rows = list(
        Observation.objects.filter(
            indicator_id__in=stored, area_id__in=[a.pk for a in (*areas, *districts, *neighbourhoods)]
        ).values_list("indicator_id", "area_id", "period", "value")
    )
    values = Values(rows)
    periods_by_stored: dict[int, set[str]] = defaultdict(set)
    for indicator_id, _area, row_period, _value in rows:
        periods_by_stored[indicator_id].add(row_period)
    periods = _periods(indicator, periods_by_stored)
    series = [
        Series(
            area,
            [values.figure(indicator, area.pk, p) for p in periods],
            "area" if area is chosen else "municipality" if area is municipality_area else "country",
        )
        for area in areas
    ]
    chosen_period = period if period in periods else (periods[-1] if periods else None)
    with_figures = {area_id for _indicator, area_id, _period, _value in rows}
    has_neighbourhoods = any(n.pk in with_figures for n in neighbourhoods)
    parts = neighbourhoods if level == Area.Level.NEIGHBOURHOOD and has_neighbourhoods else districts
    part_figures = []
    if chosen_period:
        figures = [AreaFigure(a, values.figure(indicator, a.pk, chosen_period)) for a in parts]
        part_figures = rank_classes(figures, indicator.polarity)
    return IndicatorDetail(
        indicator,
        periods,
        series,
        chosen_period,
        part_figures,
        chosen,
        level=parts[0].level if parts else Area.Level.DISTRICT,
        choices=[a for a in (*districts, *neighbourhoods) if a.pk in with_figures],
        has_neighbourhoods=has_neighbourhoods,
    )


def indicator_figures(
    *, actor: Actor, municipality: Municipality, indicator: Indicator
) -> tuple[list[str], list[tuple[Area, list[Figure]]]]:
    """Every period, and per area (the municipality, its districts, the Netherlands) a figure for
    each: what an export of one indicator holds."""
    require_reader(actor, municipality)
    municipality_area = Area.objects.filter(code=municipality.code).first()
    if municipality_area is None:
        return [], []
    districts = list(Area.objects.filter(parent=municipality_area, level=Area.Level.DISTRICT).order_by("code"))
    areas = [municipality_area, *districts, *[a for a in (_country(),) if a is not None]]
    rows = list(
        Observation.objects.filter(
            indicator_id__in=_stored_ids([indicator]), area_id__in=[a.pk for a in areas]
        ).values_list("indicator_id", "area_id", "period", "value")
    )
    periods_by_stored: dict[int, set[str]] = defaultdict(set)
    for indicator_id, _area, period, _value in rows:
        periods_by_stored[indicator_id].add(period)
    periods = _periods(indicator, periods_by_stored)
    values = Values(rows)
    return periods, [(area, [values.figure(indicator, area.pk, p) for p in periods]) for area in areas]
