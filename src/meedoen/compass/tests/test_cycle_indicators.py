"""The operational indicators the compass publishes, read through the registry as any module would."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from meedoen.compass.models import Measurement, PerformanceMeasure
from meedoen.compass.tests.factories import (
    ActivityFactory,
    MeasureFactory,
    MeasurementFactory,
    PeriodFactory,
    make_cycle,
)
from meedoen.core.indicators import (
    IndicatorRegistryError,
    OperationalIndicator,
    Period,
    operational_indicator,
    operational_indicators,
    register,
)

pytestmark = pytest.mark.django_db


def test_the_compass_publishes_its_indicators_in_the_registry():
    codes = [item.code for item in operational_indicators()]
    assert {"compass.approved_measurements", "compass.activities_better_off"} <= set(codes)
    assert codes == sorted(codes)
    approved = operational_indicator("compass.approved_measurements")
    assert approved is not None
    assert (approved.is_count, approved.polarity) == (True, "neutraal")
    assert str(approved.name) and str(approved.unit) and str(approved.definition)
    share = operational_indicator("compass.activities_better_off")
    assert share is not None
    assert (share.is_count, share.polarity) == (False, "hoger_beter")


def test_registering_the_same_indicator_again_is_harmless_but_another_under_its_code_is_refused():
    approved = operational_indicator("compass.approved_measurements")
    assert approved is not None
    assert register(approved) is approved
    with pytest.raises(IndicatorRegistryError):
        register(dataclasses.replace(approved, name="Iets anders"))
    assert operational_indicator("compass.approved_measurements") is approved


@pytest.mark.parametrize(
    ("code", "polarity"), [("Compass.Upper", "neutraal"), ("no_module", "neutraal"), ("compass.x", "better")]
)
def test_the_registry_refuses_malformed_indicators(code, polarity):
    with pytest.raises(IndicatorRegistryError):
        register(
            OperationalIndicator(
                code=code, name="x", unit="x", definition="x", polarity=polarity, is_count=True, compute=lambda m, p: {}
            )
        )
    assert operational_indicator(code) is None


def test_approved_measurements_count_only_approved_values_within_the_period(world):
    cycle = make_cycle(world.waalwijk, world.ww_foodbank)
    third = PeriodFactory(compass=cycle.compass, code="2025-Q3")
    next_year = PeriodFactory(compass=cycle.compass, code="2026")
    for period in (cycle.closed_period, cycle.period, third):
        MeasurementFactory(measure=cycle.measure, period=period, organisation=world.ww_foodbank)
    MeasurementFactory(measure=cycle.measure, period=next_year, organisation=world.ww_foodbank)
    for status in (Measurement.Status.DRAFT, Measurement.Status.SUBMITTED, Measurement.Status.RETURNED):
        other = MeasureFactory(activity=cycle.activity)
        MeasurementFactory(measure=other, period=third, organisation=world.ww_foodbank, status=status)
    # Meerssen's values never count for Waalwijk.
    theirs = make_cycle(world.meerssen, world.ms_team)
    MeasurementFactory(measure=theirs.measure, period=theirs.period, organisation=world.ms_team)

    compute = operational_indicator("compass.approved_measurements").compute  # type: ignore[union-attr]
    assert compute(world.waalwijk.pk, Period.year(2025)) == {"GM0867": 3.0}
    assert compute(world.waalwijk.pk, Period(date(2025, 4, 1), date(2025, 7, 1))) == {"GM0867": 1.0}
    assert compute(world.waalwijk.pk, Period(date(2025, 4, 1), date(2025, 6, 30))) == {"GM0867": 0.0}
    assert compute(world.waalwijk.pk, Period.year(2026)) == {"GM0867": 1.0}
    assert compute(world.meerssen.pk, Period.year(2025)) == {"GM0938": 1.0}
    assert compute(0, Period.year(2025)) == {}


def test_the_share_of_activities_that_show_whether_anyone_is_better_off(world):
    cycle = make_cycle(world.waalwijk, world.ww_foodbank)
    better_off = MeasureFactory(activity=cycle.activity, question=PerformanceMeasure.Question.BETTER_OFF)
    quiet = ActivityFactory(compass=cycle.compass, results=[cycle.result], carriers=[world.ww_foodbank])
    quiet_better_off = MeasureFactory(activity=quiet, question=PerformanceMeasure.Question.BETTER_OFF)
    MeasurementFactory(measure=better_off, period=cycle.period, organisation=world.ww_foodbank)
    MeasurementFactory(
        measure=quiet_better_off,
        period=cycle.period,
        organisation=world.ww_foodbank,
        status=Measurement.Status.SUBMITTED,
    )
    # A "how much" value says nothing about anyone being better off.
    MeasurementFactory(measure=cycle.measure, period=cycle.period, organisation=world.ww_foodbank)

    compute = operational_indicator("compass.activities_better_off").compute  # type: ignore[union-attr]
    assert compute(world.waalwijk.pk, Period.year(2025)) == {"GM0867": 50.0}
    assert compute(world.waalwijk.pk, Period.year(2030)) == {}  # no compass runs then
    assert compute(world.meerssen.pk, Period.year(2025)) == {}
