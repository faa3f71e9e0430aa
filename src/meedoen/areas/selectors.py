"""Reads of areas. Area figures are public statistics: no actor scoping is needed."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from meedoen.areas.models import Area, PostcodeArea


def area_by_code(code: str) -> Area | None:
    return Area.objects.filter(code=code).first()


def districts_of(municipality_code: str) -> QuerySet[Area]:
    return Area.objects.filter(parent__code=municipality_code, level=Area.Level.DISTRICT).order_by("code")


def areas_within(municipality_code: str) -> QuerySet[Area]:
    """The municipality, its districts and their neighbourhoods."""
    return Area.objects.filter(code__regex=rf"^(GM|WK|BU){municipality_code[2:6]}").order_by("code")


def area_of_postcode(municipality_code: str, postcode: str) -> Area | None:
    """The district or neighbourhood that ``postcode`` ("5141 AB" or "5141AB") lies in, by the
    longest known prefix; None when the municipality has not said."""
    compact = postcode.replace(" ", "").upper()
    found = (
        PostcodeArea.objects.filter(municipality__code=municipality_code, prefix__in=[compact[:6], compact[:4]])
        .select_related("area")
        .order_by("-prefix")
        .first()
    )
    return found.area if found is not None else None


@dataclass(frozen=True)
class PostcodeTable:
    """The postcode table of one municipality, read at once, for looking up many postcodes."""

    area_ids: dict[str, int]  # by prefix

    def area_id(self, postcode: str) -> int | None:
        """The id of the area that ``area_of_postcode`` gives."""
        compact = postcode.replace(" ", "").upper()
        return self.area_ids.get(compact[:6]) or self.area_ids.get(compact[:4])


def postcode_table(municipality_code: str) -> PostcodeTable:
    rows = PostcodeArea.objects.filter(municipality__code=municipality_code).values_list("prefix", "area_id")
    return PostcodeTable(area_ids=dict(rows))
