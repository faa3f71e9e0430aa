from __future__ import annotations

import factory

from meedoen.areas.models import Area


class MunicipalityAreaFactory(factory.django.DjangoModelFactory[Area]):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"GM{9000 + n:04d}")
    name = factory.Sequence(lambda n: f"Testgemeente {n}")
    level = Area.Level.MUNICIPALITY
    population = 20_000
    dwellings = 9_000
    reference_year = 2024


class DistrictFactory(factory.django.DjangoModelFactory[Area]):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    parent = factory.SubFactory(MunicipalityAreaFactory)
    code = factory.LazyAttributeSequence(lambda area, n: f"WK{area.parent.code[2:]}{n % 100:02d}")
    name = factory.LazyAttribute(lambda area: f"Wijk {area.code[-2:]}")
    level = Area.Level.DISTRICT
    population = 5_000
    dwellings = 2_200
    reference_year = 2024


class NeighbourhoodFactory(factory.django.DjangoModelFactory[Area]):
    """A CBS neighbourhood (buurt) in a district: its code is the district's with two digits more."""

    class Meta:
        model = Area
        django_get_or_create = ("code",)

    parent = factory.SubFactory(DistrictFactory)
    code = factory.LazyAttributeSequence(lambda area, n: f"BU{area.parent.code[2:]}{n % 100:02d}")
    name = factory.LazyAttribute(lambda area: f"Buurt {area.code[-4:]}")
    level = Area.Level.NEIGHBOURHOOD
    population = 800
    dwellings = 350
    reference_year = 2024
