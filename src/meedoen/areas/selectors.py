"""Reads of areas. Area figures are public statistics: no actor scoping is needed."""

from __future__ import annotations

from django.db.models import QuerySet

from meedoen.areas.models import Area


def area_by_code(code: str) -> Area | None:
    return Area.objects.filter(code=code).first()


def districts_of(municipality_code: str) -> QuerySet[Area]:
    return Area.objects.filter(parent__code=municipality_code, level=Area.Level.DISTRICT).order_by("code")


def areas_within(municipality_code: str) -> QuerySet[Area]:
    """The municipality, its districts and their neighbourhoods."""
    return Area.objects.filter(code__regex=rf"^(GM|WK|BU){municipality_code[2:6]}").order_by("code")
