from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import factory
from django.utils import timezone

from meedoen.accounts.tests.factories import UserFactory
from meedoen.compass.models import (
    Activity,
    Compass,
    Measurement,
    PerformanceMeasure,
    ReportingPeriod,
    SocietalResult,
)
from meedoen.compass.services.cycle import period_bounds
from meedoen.core.access import Actor, Grant
from meedoen.organisations.models import Municipality, Organisation


def staff_actor(role: str, organisation: Organisation, municipality: Municipality) -> Actor:
    """An actor with one role, backed by a real user, as the services store who did what."""
    user = UserFactory()
    return Actor(
        user_id=user.pk,
        label=user.username,
        grants=frozenset({Grant(municipality.pk, organisation.pk, role)}),
        second_factor=True,
    )


class CompassFactory(factory.django.DjangoModelFactory[Compass]):
    class Meta:
        model = Compass

    title = "Samen tegen armoede 2025-2028"
    start_year = 2025
    horizon_years = 4
    approach = "breed"
    ambitions = "Armoede eerder zien en samen voorkomen."


class ResultFactory(factory.django.DjangoModelFactory[SocietalResult]):
    class Meta:
        model = SocietalResult

    compass = factory.SubFactory(CompassFactory)
    target_group = "gezinnen met kinderen"
    statement = "minder gezinnen met kinderen schulden hebben"
    domain = "inkomen"


class ActivityFactory(factory.django.DjangoModelFactory[Activity]):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    compass = factory.SubFactory(CompassFactory)
    name = factory.Sequence(lambda n: f"Activiteit {n}")
    description = "Een spreekuur in de wijk."

    @factory.post_generation
    def results(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.results.add(*extracted)

    @factory.post_generation
    def carriers(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.carriers.add(*extracted)


class MeasureFactory(factory.django.DjangoModelFactory[PerformanceMeasure]):
    class Meta:
        model = PerformanceMeasure

    activity = factory.SubFactory(ActivityFactory)
    question = PerformanceMeasure.Question.HOW_MUCH
    name = factory.Sequence(lambda n: f"Huishoudens geholpen {n}")
    kind = PerformanceMeasure.Kind.COUNT
    unit = "huishoudens"


class PeriodFactory(factory.django.DjangoModelFactory[ReportingPeriod]):
    class Meta:
        model = ReportingPeriod

    compass = factory.SubFactory(CompassFactory)
    code = "2025-Q1"
    starts_on = factory.LazyAttribute(lambda p: period_bounds(p.code)[0])
    ends_on = factory.LazyAttribute(lambda p: period_bounds(p.code)[1])


class MeasurementFactory(factory.django.DjangoModelFactory[Measurement]):
    class Meta:
        model = Measurement

    measure = factory.SubFactory(MeasureFactory)
    period = factory.SubFactory(PeriodFactory)
    value = 12
    status = Measurement.Status.APPROVED
    entered_at = factory.LazyFunction(timezone.now)


@dataclass(frozen=True)
class Cycle:
    """A small compass: one result, one activity carried by one partner, a measure and two periods."""

    compass: Compass
    result: SocietalResult
    activity: Activity
    measure: PerformanceMeasure
    period: ReportingPeriod
    closed_period: ReportingPeriod


def make_cycle(municipality: Municipality, carrier: Organisation) -> Cycle:
    compass = CompassFactory(municipality=municipality)
    result = ResultFactory(compass=compass)
    activity = ActivityFactory(compass=compass, name="Spreekuur geldzorgen", results=[result], carriers=[carrier])
    measure = MeasureFactory(activity=activity, name="Huishoudens geholpen")
    closed = PeriodFactory(compass=compass, code="2025-Q1", closed_at=timezone.now())
    period = PeriodFactory(compass=compass, code="2025-Q2")
    return Cycle(compass, result, activity, measure, period, closed)
