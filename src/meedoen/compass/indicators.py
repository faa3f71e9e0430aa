"""Operational indicators this module publishes (see ``meedoen.core.indicators``).

Both are computed from approved measurements only, for the whole municipality, and count a
reporting period when it lies entirely within the period asked for.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from meedoen.compass.models import Activity, Measurement, PerformanceMeasure
from meedoen.core.indicators import OperationalIndicator, Period, register
from meedoen.organisations.models import Municipality


def _approved_in(municipality_id: int, period: Period) -> QuerySet[Measurement]:
    return Measurement.objects.filter(
        status=Measurement.Status.APPROVED,
        period__compass__municipality_id=municipality_id,
        period__starts_on__gte=period.start,
        period__ends_on__lt=period.end,
    )


def _area_code(municipality_id: int) -> str | None:
    return Municipality.objects.filter(pk=municipality_id).values_list("code", flat=True).first()


def approved_measurements(municipality_id: int, period: Period) -> Mapping[str, float]:
    code = _area_code(municipality_id)
    if code is None:
        return {}
    return {code: float(_approved_in(municipality_id, period).count())}


def activities_better_off(municipality_id: int, period: Period) -> Mapping[str, float]:
    """The share of the activities of compasses running in the period that have an approved value
    for "is anyone better off?" in it: how much of the work shows its effect, not only its volume."""
    code = _area_code(municipality_id)
    if code is None:
        return {}
    running = Activity.objects.filter(
        compass__municipality_id=municipality_id,
        compass__start_year__lte=period.end.year,
    ).select_related("compass")
    activity_ids = [a.pk for a in running if a.compass.end_year >= period.start.year]
    if not activity_ids:
        return {}
    shown = (
        _approved_in(municipality_id, period)
        .filter(measure__activity_id__in=activity_ids, measure__question=PerformanceMeasure.Question.BETTER_OFF)
        .values("measure__activity_id")
        .distinct()
        .count()
    )
    return {code: 100.0 * shown / len(activity_ids)}


APPROVED_MEASUREMENTS = register(
    OperationalIndicator(
        code="compass.approved_measurements",
        name=_("Approved measurements of the compass"),
        unit=_("measurements"),
        definition=_(
            "The number of values partners reported on the performance measures of the compass's "
            "activities that the municipality approved, for reporting periods within the period."
        ),
        polarity="neutraal",
        is_count=True,
        compute=approved_measurements,
    )
)

ACTIVITIES_BETTER_OFF = register(
    OperationalIndicator(
        code="compass.activities_better_off",
        name=_("Activities that show whether anyone is better off"),
        unit=_("percentage of activities"),
        definition=_(
            "Of the activities of the compass running in the period: the percentage with at least one "
            "approved value for the question “Is anyone better off?” in the period."
        ),
        polarity="hoger_beter",
        is_count=False,
        compute=activities_better_off,
    )
)
