"""Reads of the compass cycle, already checked against the actor's role and municipality.

The compass is shared: the policy officer and application manager who keep it, and partner staff
(offer maintainers and case workers) who report on its activities, all read it. Figures count
approved measurements only, and leave this module as text in which counts below 10 read "< 10",
and percentages of fewer than 10 people "not shown" (see ``compass.suppression``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from meedoen.areas.models import Area
from meedoen.compass.models import (
    Activity,
    Compass,
    FollowUpAction,
    Indicator,
    Measurement,
    Observation,
    PerformanceMeasure,
    Polarity,
    ReflectionSession,
    ReportingPeriod,
    ResultIndicator,
    SocietalResult,
    Story,
    TurnTheCurve,
)
from meedoen.compass.suppression import HIDDEN, SMALL_COUNT, UNKNOWN, Figure, figure, ratio_figure
from meedoen.core.access import Actor, Role, require_role
from meedoen.core.indicators import OperationalIndicator, operational_indicator, operational_indicators
from meedoen.core.indicators import Period as IndicatorPeriod
from meedoen.organisations.models import Municipality, Organisation

EDITORS = (Role.POLICY_OFFICER, Role.APPLICATION_MANAGER)
REVIEWERS = (Role.POLICY_OFFICER,)
REPORTERS = (Role.OFFER_MAINTAINER, Role.CASEWORKER)
READERS = (*EDITORS, *REPORTERS)


# --- who may do what ---------------------------------------------------------------------------------


def may_edit(actor: Actor, municipality_id: int) -> bool:
    return actor.second_factor and any(actor.has_role(role, municipality_id=municipality_id) for role in EDITORS)


def may_review(actor: Actor, municipality_id: int) -> bool:
    return actor.second_factor and any(actor.has_role(role, municipality_id=municipality_id) for role in REVIEWERS)


def require_editor(actor: Actor, municipality_id: int) -> None:
    require_role(actor, *EDITORS, municipality_id=municipality_id)


def require_reviewer(actor: Actor, municipality_id: int) -> None:
    require_role(actor, *REVIEWERS, municipality_id=municipality_id)


def reporting_organisations(actor: Actor, activity: Activity) -> list[Organisation]:
    """The organisations carrying ``activity`` for which the actor reports (as offer maintainer or
    case worker there); empty for everyone else."""
    if not actor.second_factor:
        return []
    own = actor.organisation_ids(activity.compass.municipality_id, *REPORTERS)
    return [carrier for carrier in activity.carriers.all() if carrier.pk in own]


# --- figures -----------------------------------------------------------------------------------------


def share_figure(percentage: float | None, base: int | None) -> Figure:
    """A percentage of ``base`` people or households: hidden, like the count it is built on, when
    fewer than 10 people are behind it."""
    if percentage is None or base is None:
        return UNKNOWN
    return HIDDEN if base < SMALL_COUNT else Figure(percentage)


def measure_figure(measure: PerformanceMeasure, approved: Sequence[Measurement]) -> Figure:
    """The figure of one measure in one period, from the approved values of its partners: counts
    add up, percentages are weighted by how many people each is about, other figures averaged."""
    values = [m for m in approved if m.status == Measurement.Status.APPROVED]
    if not values:
        return UNKNOWN
    if measure.is_count:
        return figure(sum(m.value for m in values), is_count=True)
    if measure.is_percentage:
        base = sum(m.base or 0 for m in values)
        if base == 0:
            return UNKNOWN
        return share_figure(sum(m.value * (m.base or 0) for m in values) / base, base)
    return Figure(sum(m.value for m in values) / len(values))


def decimals_of(measure: PerformanceMeasure) -> int:
    return 0 if measure.is_count else 1


def measurement_text(measurement: Measurement) -> str:
    """One partner's value as text, under the same small-count rule as every figure."""
    measure = measurement.measure
    if measure.is_count:
        shown = figure(measurement.value, is_count=True)
    elif measure.is_percentage:
        shown = share_figure(measurement.value, measurement.base)
    else:
        shown = Figure(measurement.value)
    return shown.text(decimals_of(measure))


# --- single objects of the actor's municipality; None for anything else ---------------------------


def compasses_of(*, actor: Actor, municipality_id: int) -> QuerySet[Compass]:
    require_role(actor, *READERS, municipality_id=municipality_id)
    return Compass.objects.filter(municipality_id=municipality_id).order_by("-start_year", "pk")


def current_compass(*, actor: Actor, municipality_id: int, today: date | None = None) -> Compass | None:
    """The compass whose horizon holds this year, else the most recent one."""
    year = (today or timezone.localdate()).year
    compasses = list(compasses_of(actor=actor, municipality_id=municipality_id))
    return next((c for c in compasses if c.covers(year)), compasses[0] if compasses else None)


def compass_of(*, actor: Actor, municipality_id: int, compass_id: int) -> Compass | None:
    return compasses_of(actor=actor, municipality_id=municipality_id).filter(pk=compass_id).first()


def result_of(*, actor: Actor, municipality_id: int, result_id: int) -> SocietalResult | None:
    require_role(actor, *READERS, municipality_id=municipality_id)
    return (
        SocietalResult.objects.filter(pk=result_id, compass__municipality_id=municipality_id)
        .select_related("compass")
        .first()
    )


def result_indicator_of(*, actor: Actor, municipality_id: int, indicator_id: int) -> ResultIndicator | None:
    require_role(actor, *READERS, municipality_id=municipality_id)
    return (
        ResultIndicator.objects.filter(pk=indicator_id, result__compass__municipality_id=municipality_id)
        .select_related("result__compass", "monitor_indicator")
        .first()
    )


def activity_of(*, actor: Actor, municipality_id: int, activity_id: int) -> Activity | None:
    require_role(actor, *READERS, municipality_id=municipality_id)
    return (
        Activity.objects.filter(pk=activity_id, compass__municipality_id=municipality_id)
        .select_related("compass")
        .first()
    )


def measure_of(*, actor: Actor, municipality_id: int, measure_id: int) -> PerformanceMeasure | None:
    require_role(actor, *READERS, municipality_id=municipality_id)
    return (
        PerformanceMeasure.objects.filter(pk=measure_id, activity__compass__municipality_id=municipality_id)
        .select_related("activity__compass")
        .first()
    )


def period_of(*, actor: Actor, municipality_id: int, period_id: int) -> ReportingPeriod | None:
    require_role(actor, *READERS, municipality_id=municipality_id)
    return (
        ReportingPeriod.objects.filter(pk=period_id, compass__municipality_id=municipality_id)
        .select_related("compass")
        .first()
    )


def reflection_of(*, actor: Actor, municipality_id: int, session_id: int) -> ReflectionSession | None:
    require_role(actor, *EDITORS, municipality_id=municipality_id)
    return (
        ReflectionSession.objects.filter(pk=session_id, compass__municipality_id=municipality_id)
        .select_related("compass")
        .first()
    )


def follow_up_of(*, actor: Actor, municipality_id: int, action_id: int) -> FollowUpAction | None:
    require_role(actor, *EDITORS, municipality_id=municipality_id)
    return (
        FollowUpAction.objects.filter(pk=action_id, session__compass__municipality_id=municipality_id)
        .select_related("session__compass")
        .first()
    )


def measurement_of_reporter(*, actor: Actor, municipality_id: int, measurement_id: int) -> Measurement | None:
    """A value the actor's own organisation reports; None for another partner's."""
    require_role(actor, *REPORTERS, municipality_id=municipality_id)
    return (
        Measurement.objects.filter(
            pk=measurement_id,
            measure__activity__compass__municipality_id=municipality_id,
            organisation__in=actor.organisation_ids(municipality_id, *REPORTERS),
        )
        .select_related("measure__activity__compass", "period", "organisation")
        .first()
    )


def measurement_for_review(*, actor: Actor, municipality_id: int, measurement_id: int) -> Measurement | None:
    require_reviewer(actor, municipality_id)
    return (
        Measurement.objects.filter(pk=measurement_id, measure__activity__compass__municipality_id=municipality_id)
        .select_related("measure__activity__compass", "period", "organisation")
        .first()
    )


# --- choices for the forms -------------------------------------------------------------------------


def monitor_indicators_for(municipality: Municipality) -> QuerySet[Indicator]:
    """The figures of the local picture a municipality can point at: shared (CBS) ones and its own.
    Figures are public statistics or aggregates, so this read needs no actor."""
    return Indicator.objects.filter(Q(municipality__isnull=True) | Q(municipality=municipality)).order_by(
        "name", "code"
    )


def operational_indicator_choices() -> list[tuple[str, str]]:
    return [(item.code, f"{item.name} ({item.code})") for item in operational_indicators()]


def partners_of(municipality: Municipality) -> QuerySet[Organisation]:
    return municipality.organisations.order_by("name")


def periods_of(compass: Compass) -> QuerySet[ReportingPeriod]:
    return compass.periods.order_by("starts_on", "code")


def measures_of(activity: Activity) -> QuerySet[PerformanceMeasure]:
    """The measures of an activity in the order of the three questions, then by name."""
    order = Case(
        *(
            When(question=value, then=Value(position))
            for position, value in enumerate(PerformanceMeasure.Question.values)
        ),
        output_field=IntegerField(),
    )
    return activity.measures.order_by(order, "name", "pk")


# --- indicators of results: source, baseline, target, latest value ---------------------------------


@dataclass(frozen=True)
class IndicatorLine:
    indicator: ResultIndicator
    name: str
    unit: str
    source: str
    baseline: str
    target: str
    latest: str
    latest_period: str
    # "better", "worse" or "same" compared with the baseline, as the polarity reads it; "" when
    # unknown, hidden or neutral.
    direction: str


def _latest_monitor_value(indicator: Indicator, area: Area | None) -> tuple[Figure, str]:
    if area is None:
        return UNKNOWN, ""
    parts = [indicator.numerator, indicator.denominator] if indicator.is_derived else [indicator]
    rows: dict[int, dict[str, float]] = defaultdict(dict)
    for indicator_id, period, value in Observation.objects.filter(
        indicator__in=[p for p in parts if p is not None], area=area
    ).values_list("indicator_id", "period", "value"):
        rows[indicator_id][period] = value
    if not indicator.is_derived:
        periods = sorted(rows[indicator.pk])
        if not periods:
            return UNKNOWN, ""
        return figure(rows[indicator.pk][periods[-1]], is_count=indicator.is_count), periods[-1]
    numerator, denominator = indicator.numerator, indicator.denominator
    assert numerator is not None and denominator is not None
    periods = sorted(set(rows[numerator.pk]) & set(rows[denominator.pk]))
    if not periods:
        return UNKNOWN, ""
    last = periods[-1]
    return (
        ratio_figure(
            rows[numerator.pk][last],
            rows[denominator.pk][last],
            factor=indicator.factor,
            numerator_is_count=numerator.is_count,
            denominator_is_count=denominator.is_count,
        ),
        last,
    )


def _latest_operational_value(item: OperationalIndicator, municipality: Municipality, today: date) -> Figure:
    values = item.compute(municipality.pk, IndicatorPeriod.year(today.year))
    return figure(values.get(municipality.code), is_count=item.is_count)


def _direction(polarity: str, baseline: float, latest: Figure) -> str:
    if latest.hidden or latest.value is None or polarity == Polarity.NEUTRAL:
        return ""
    if latest.value == baseline:
        return "same"
    higher = latest.value > baseline
    return "better" if higher == (polarity == Polarity.HIGHER_IS_BETTER) else "worse"


def indicator_line(indicator: ResultIndicator, municipality: Municipality, today: date | None = None) -> IndicatorLine:
    today = today or timezone.localdate()
    monitor = indicator.monitor_indicator
    if monitor is not None:
        is_count, decimals = monitor.is_count, monitor.decimals
        name, unit, source = monitor.name, monitor.unit, monitor.source
        latest, latest_period = _latest_monitor_value(monitor, Area.objects.filter(code=municipality.code).first())
    else:
        item = operational_indicator(indicator.operational_code)
        if item is None:
            # A module that published this figure is gone: show the code, without values.
            is_count, decimals = True, 0
            name, unit, source = indicator.operational_code, "", "Meedoen"
            latest, latest_period = UNKNOWN, ""
        else:
            is_count, decimals = item.is_count, 0 if item.is_count else 1
            name, unit, source = str(item.name), str(item.unit), f"Meedoen ({item.code})"
            latest, latest_period = _latest_operational_value(item, municipality, today), str(today.year)
    return IndicatorLine(
        indicator=indicator,
        name=name,
        unit=unit,
        source=source,
        baseline=figure(indicator.baseline_value, is_count=is_count).text(decimals),
        target=figure(indicator.target_value, is_count=is_count).text(decimals),
        latest=latest.text(decimals),
        latest_period=latest_period,
        direction=_direction(indicator.polarity, indicator.baseline_value, latest),
    )


# --- the overview of one compass ---------------------------------------------------------------------


@dataclass(frozen=True)
class FigureCell:
    period: ReportingPeriod
    text: str
    known: bool


@dataclass(frozen=True)
class MeasureLine:
    measure: PerformanceMeasure
    cells: list[FigureCell]


@dataclass(frozen=True)
class QuestionBlock:
    question: str
    label: str
    measures: list[MeasureLine]


@dataclass(frozen=True)
class ActivityLine:
    activity: Activity
    carriers: list[Organisation]
    results: list[SocietalResult]
    blocks: list[QuestionBlock]
    reports: bool  # the actor reports on this activity for one of its carriers


@dataclass(frozen=True)
class ResultLine:
    result: SocietalResult
    indicators: list[IndicatorLine]
    activities: list[Activity]


@dataclass(frozen=True)
class LocalFigure:
    indicator: Indicator
    latest: str
    period: str


@dataclass(frozen=True)
class CompassOverview:
    compass: Compass
    local_picture: list[LocalFigure]
    results: list[ResultLine]
    activities: list[ActivityLine]
    periods: list[ReportingPeriod]
    reflections: list[ReflectionSession]
    open_actions: int
    overdue_actions: int
    waiting_for_review: int
    may_edit: bool
    may_review: bool
    reports: bool


def _question_blocks(
    measures: Iterable[PerformanceMeasure],
    periods: Sequence[ReportingPeriod],
    approved: dict[tuple[int, int], list[Measurement]],
) -> list[QuestionBlock]:
    by_question: dict[str, list[MeasureLine]] = defaultdict(list)
    for measure in measures:
        cells = []
        for period in periods:
            shown = measure_figure(measure, approved.get((measure.pk, period.pk), []))
            cells.append(FigureCell(period, shown.text(decimals_of(measure)), shown.known or shown.hidden))
        by_question[measure.question].append(MeasureLine(measure, cells))
    return [
        QuestionBlock(question, str(label), by_question[question])
        for question, label in PerformanceMeasure.Question.choices
        if by_question[question]
    ]


def _approved_by_measure_and_period(measures: Iterable[PerformanceMeasure]) -> dict[tuple[int, int], list[Measurement]]:
    approved: dict[tuple[int, int], list[Measurement]] = defaultdict(list)
    for measurement in Measurement.objects.filter(
        measure__in=list(measures), status=Measurement.Status.APPROVED
    ).select_related("measure"):
        approved[(measurement.measure_id, measurement.period_id)].append(measurement)
    return approved


def compass_overview(*, actor: Actor, compass: Compass, today: date | None = None) -> CompassOverview:
    """Everything of one compass on one page: the local picture, the results with their indicators,
    the activities with their approved figures per period, and the improvement cycle."""
    municipality = compass.municipality
    require_role(actor, *READERS, municipality_id=municipality.pk)
    today = today or timezone.localdate()
    area = Area.objects.filter(code=municipality.code).first()
    local = []
    for indicator in compass.indicators.select_related("numerator", "denominator").order_by("name", "code"):
        latest, period = _latest_monitor_value(indicator, area)
        local.append(LocalFigure(indicator, latest.text(indicator.decimals), period))
    periods = list(periods_of(compass))
    activities = list(compass.activities.prefetch_related("carriers", "results", "measures").order_by("name", "pk"))
    measures = [measure for activity in activities for measure in activity.measures.all()]
    approved = _approved_by_measure_and_period(measures)
    activity_lines = [
        ActivityLine(
            activity=activity,
            carriers=list(activity.carriers.all()),
            results=list(activity.results.all()),
            blocks=_question_blocks(activity.measures.all(), periods, approved),
            reports=bool(reporting_organisations(actor, activity)),
        )
        for activity in activities
    ]
    activities_of_result: dict[int, list[Activity]] = defaultdict(list)
    for activity in activities:
        for result in activity.results.all():
            activities_of_result[result.pk].append(activity)
    results = [
        ResultLine(
            result=result,
            indicators=[indicator_line(i, municipality, today) for i in result.indicators.all()],
            activities=activities_of_result[result.pk],
        )
        for result in compass.results.prefetch_related("indicators__monitor_indicator").order_by("position", "pk")
    ]
    editor = may_edit(actor, municipality.pk)
    actions = FollowUpAction.objects.filter(session__compass=compass, done_on__isnull=True)
    return CompassOverview(
        compass=compass,
        local_picture=local,
        results=results,
        activities=activity_lines,
        periods=periods,
        reflections=list(compass.reflections.all()) if editor else [],
        open_actions=actions.count() if editor else 0,
        overdue_actions=actions.filter(due_on__lt=today).count() if editor else 0,
        waiting_for_review=(
            Measurement.objects.filter(period__compass=compass, status=Measurement.Status.SUBMITTED).count()
            if may_review(actor, municipality.pk)
            else 0
        ),
        may_edit=editor,
        may_review=may_review(actor, municipality.pk),
        reports=any(line.reports for line in activity_lines),
    )


# --- one activity ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityDetail:
    activity: Activity
    carriers: list[Organisation]
    results: list[SocietalResult]
    offers: list[object]
    periods: list[ReportingPeriod]
    blocks: list[QuestionBlock]
    stories: list[Story]
    may_edit: bool
    reporting_organisations: list[Organisation]


def activity_detail(*, actor: Actor, activity: Activity) -> ActivityDetail:
    """An activity with its evidence, input quality and approved figures. Stories from practice are
    for the compass's keepers and the partners that carry the activity."""
    municipality_id = activity.compass.municipality_id
    require_role(actor, *READERS, municipality_id=municipality_id)
    periods = list(periods_of(activity.compass))
    measures = list(activity.measures.all())
    own = reporting_organisations(actor, activity)
    editor = may_edit(actor, municipality_id)
    stories = (
        list(activity.stories.select_related("organisation", "period").order_by("-period__starts_on", "-pk"))
        if editor or own
        else []
    )
    return ActivityDetail(
        activity=activity,
        carriers=list(activity.carriers.order_by("name")),
        results=list(activity.results.order_by("position", "pk")),
        offers=list(activity.offers.select_related("organisation").order_by("name")),
        periods=periods,
        blocks=_question_blocks(measures, periods, _approved_by_measure_and_period(measures)),
        stories=stories,
        may_edit=editor,
        reporting_organisations=own,
    )


# --- one result indicator and its turn-the-curve sheet ---------------------------------------------


@dataclass(frozen=True)
class IndicatorSheet:
    line: IndicatorLine
    result: SocietalResult
    sheet: TurnTheCurve | None
    forecast: str
    partners: list[Organisation]
    may_edit: bool


def indicator_sheet(*, actor: Actor, indicator: ResultIndicator, today: date | None = None) -> IndicatorSheet:
    compass = indicator.result.compass
    require_role(actor, *READERS, municipality_id=compass.municipality_id)
    line = indicator_line(indicator, compass.municipality, today)
    sheet = TurnTheCurve.objects.filter(indicator=indicator).prefetch_related("partners").first()
    is_count = (
        indicator.monitor_indicator.is_count
        if indicator.monitor_indicator is not None
        else getattr(operational_indicator(indicator.operational_code), "is_count", True)
    )
    forecast = figure(sheet.forecast_value if sheet else None, is_count=is_count).text(0 if is_count else 1)
    return IndicatorSheet(
        line=line,
        result=indicator.result,
        sheet=sheet,
        forecast=forecast,
        partners=list(sheet.partners.order_by("name")) if sheet else [],
        may_edit=may_edit(actor, compass.municipality_id),
    )


# --- partners: what to report ------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasurementLine:
    measurement: Measurement
    text: str


@dataclass(frozen=True)
class ReportedActivity:
    activity: Activity
    organisations: list[Organisation]
    measures: list[PerformanceMeasure]
    measurements: list[MeasurementLine]


@dataclass(frozen=True)
class ReportingWork:
    compass: Compass | None
    activities: list[ReportedActivity]
    open_periods: list[ReportingPeriod]


def reporting_work(*, actor: Actor, municipality_id: int, today: date | None = None) -> ReportingWork:
    """The activities of the current compass that the actor's organisations carry, with the values
    those organisations reported, whatever their status."""
    require_role(actor, *REPORTERS, municipality_id=municipality_id)
    compass = current_compass(actor=actor, municipality_id=municipality_id, today=today)
    if compass is None:
        return ReportingWork(None, [], [])
    own = actor.organisation_ids(municipality_id, *REPORTERS)
    activities = (
        compass.activities.filter(carriers__in=own).distinct().prefetch_related("carriers", "measures").order_by("name")
    )
    lines = []
    for activity in activities:
        measurements = (
            Measurement.objects.filter(measure__activity=activity, organisation__in=own)
            .select_related("measure", "period", "organisation")
            .order_by("-period__starts_on", "measure__question", "measure__name", "organisation__name")
        )
        lines.append(
            ReportedActivity(
                activity=activity,
                organisations=[carrier for carrier in activity.carriers.all() if carrier.pk in own],
                measures=list(activity.measures.all()),
                measurements=[MeasurementLine(m, measurement_text(m)) for m in measurements],
            )
        )
    return ReportingWork(
        compass=compass,
        activities=lines,
        open_periods=[period for period in periods_of(compass) if not period.is_closed],
    )


def review_queue(*, actor: Actor, municipality_id: int) -> list[MeasurementLine]:
    """Submitted values of every partner of the municipality, oldest first, for the policy officer."""
    require_reviewer(actor, municipality_id)
    waiting = (
        Measurement.objects.filter(
            measure__activity__compass__municipality_id=municipality_id, status=Measurement.Status.SUBMITTED
        )
        .select_related("measure__activity", "period", "organisation")
        .order_by("submitted_at", "pk")
    )
    return [MeasurementLine(m, measurement_text(m)) for m in waiting]


# --- the improvement cycle -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReflectionDetail:
    session: ReflectionSession
    actions: list[FollowUpAction]
    overdue: set[int]


def reflection_detail(*, actor: Actor, session: ReflectionSession, today: date | None = None) -> ReflectionDetail:
    require_editor(actor, session.compass.municipality_id)
    today = today or timezone.localdate()
    actions = list(session.actions.all())
    return ReflectionDetail(session, actions, {a.pk for a in actions if a.is_overdue(today)})
