"""The compass as one report a council member can read: the results with their indicators drawn
against their target, the activities and who carries them, and what changed since the baseline.

Built on the compass overview and the local picture's selectors, so every figure in it passed the
small-count rule; the report adds the series behind each result indicator.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from meedoen.compass.models import Activity, Compass, ResultIndicator, SocietalResult, TurnTheCurve
from meedoen.compass.selectors.cycle import ActivityLine, CompassOverview, IndicatorLine, compass_overview
from meedoen.compass.selectors.monitor import indicator_figures
from meedoen.compass.suppression import Figure, figure
from meedoen.core.access import Actor
from meedoen.core.indicators import Period, operational_indicator
from meedoen.organisations.models import Organisation


@dataclass(frozen=True)
class IndicatorTrend:
    line: IndicatorLine
    periods: list[str]
    series: list[tuple[str, str, list[Figure]]]  # (label, css class, a figure per period)
    decimals: int
    target: float
    baseline: float
    baseline_date: date
    turn_the_curve: TurnTheCurve | None


@dataclass(frozen=True)
class ResultReport:
    result: SocietalResult
    trends: list[IndicatorTrend]
    activities: list[ActivityLine]


@dataclass(frozen=True)
class Contributor:
    organisation: Organisation
    activities: list[Activity]


@dataclass(frozen=True)
class CompassReport:
    overview: CompassOverview
    results: list[ResultReport]
    contributors: list[Contributor]
    made_on: date

    @property
    def compass(self) -> Compass:
        return self.overview.compass


def _trend(actor: Actor, compass: Compass, line: IndicatorLine, today: date) -> IndicatorTrend:
    indicator: ResultIndicator = line.indicator
    municipality = compass.municipality
    monitor = indicator.monitor_indicator
    periods: list[str] = []
    series: list[tuple[str, str, list[Figure]]] = []
    decimals = 1
    if monitor is not None:
        decimals = monitor.decimals
        periods, areas = indicator_figures(actor=actor, municipality=municipality, indicator=monitor)
        for area, figures in areas:
            if area.code == municipality.code:
                series.insert(0, (area.name, "meedoen-chart__line--municipality", figures))
            elif area.level == "land":
                series.append((area.name, "meedoen-chart__line--country", figures))
    else:
        published = operational_indicator(indicator.operational_code)
        if published is not None:
            decimals = 0 if published.is_count else 1
            last_year = min(today.year, compass.end_year)
            years = range(min(compass.start_year, indicator.baseline_date.year), last_year + 1)
            periods = [str(year) for year in years]
            figures = [
                figure(
                    published.compute(municipality.pk, Period.year(year)).get(municipality.code),
                    is_count=published.is_count,
                )
                for year in years
            ]
            series.append((municipality.name, "meedoen-chart__line--municipality", figures))
    turn_the_curve = TurnTheCurve.objects.filter(indicator=indicator).first()
    return IndicatorTrend(
        line=line,
        periods=periods,
        series=series,
        decimals=decimals,
        target=indicator.target_value,
        baseline=indicator.baseline_value,
        baseline_date=indicator.baseline_date,
        turn_the_curve=turn_the_curve,
    )


def compass_report(*, actor: Actor, compass: Compass, today: date | None = None) -> CompassReport:
    """The whole compass for the council. Readable by whoever may read the compass."""
    today = today or timezone.localdate()
    overview = compass_overview(actor=actor, compass=compass, today=today)
    lines_by_activity = {line.activity.pk: line for line in overview.activities}
    results = [
        ResultReport(
            result=result_line.result,
            trends=[_trend(actor, compass, line, today) for line in result_line.indicators],
            activities=[lines_by_activity[a.pk] for a in result_line.activities if a.pk in lines_by_activity],
        )
        for result_line in overview.results
    ]
    by_organisation: dict[int, list[Activity]] = defaultdict(list)
    organisations: dict[int, Organisation] = {}
    for line in overview.activities:
        for carrier in line.carriers:
            organisations[carrier.pk] = carrier
            by_organisation[carrier.pk].append(line.activity)
    contributors = sorted(
        (Contributor(organisations[pk], activities) for pk, activities in by_organisation.items()),
        key=lambda contributor: (-len(contributor.activities), contributor.organisation.name),
    )
    return CompassReport(overview=overview, results=results, contributors=contributors, made_on=today)
