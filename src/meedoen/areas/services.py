"""Writes of areas: the CBS import, the one path by which areas come in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from meedoen.areas.cbs import AreaRecord, parse_areas
from meedoen.areas.models import Area, PostcodeArea
from meedoen.core.access import Actor, Role, require_role
from meedoen.core.audit import record_change


@dataclass(frozen=True)
class AreaImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def default_name(code: str) -> str:
    """CBS extracts may lack names; a district then reads "Wijk 00" until someone names it."""
    if code.startswith("WK"):
        return f"Wijk {code[6:8]}"
    if code.startswith("BU"):
        return f"Buurt {code[8:10]}"
    if code == "NL01":
        return "Nederland"
    return code


def areas_import_cbs(*, actor: Actor, data: object, reference_year: int | None) -> AreaImportResult:
    """Create or update areas from CBS data. All or nothing: a single bad value imports nothing.

    Running it again with the same file changes nothing. Names already known are kept when the
    file has none.
    """
    known = frozenset(Area.objects.values_list("code", flat=True))
    records = parse_areas(data, known_codes=known)
    with transaction.atomic():
        existing = {
            area.code: area for area in Area.objects.select_for_update().filter(code__in=[r.code for r in records])
        }
        created = updated = unchanged = 0
        by_code: dict[str, Area] = dict(existing)
        for level in ("land", "gemeente", "wijk", "buurt"):
            level_records = [r for r in records if r.level == level]
            parents = _parents_for(level_records, by_code)
            to_create: list[Area] = []
            to_update: list[Area] = []
            for record in level_records:
                parent = parents.get(record.parent_code) if record.parent_code else None
                area = existing.get(record.code)
                if area is None:
                    to_create.append(_new_area(record, parent, reference_year))
                elif _apply(area, record, parent, reference_year):
                    to_update.append(area)
                else:
                    unchanged += 1
            for area in Area.objects.bulk_create(to_create, batch_size=500):
                by_code[area.code] = area
            Area.objects.bulk_update(
                to_update, ["name", "parent", "population", "dwellings", "reference_year"], batch_size=500
            )
            created += len(to_create)
            updated += len(to_update)
        result = AreaImportResult(created=created, updated=updated, unchanged=unchanged)
        record_change(
            actor=actor,
            action="areas.import_cbs",
            details={"created": created, "updated": updated, "unchanged": unchanged, "year": reference_year},
        )
    return result


def _parents_for(records: list[AreaRecord], by_code: dict[str, Area]) -> dict[str, Area]:
    wanted = {r.parent_code for r in records if r.parent_code} - by_code.keys()
    if wanted:
        by_code.update({a.code: a for a in Area.objects.filter(code__in=wanted)})
    return by_code


def _new_area(record: AreaRecord, parent: Area | None, reference_year: int | None) -> Area:
    return Area(
        code=record.code,
        name=record.name or default_name(record.code),
        level=record.level,
        parent=parent,
        population=record.population,
        dwellings=record.dwellings,
        reference_year=reference_year,
    )


def _apply(area: Area, record: AreaRecord, parent: Area | None, reference_year: int | None) -> bool:
    """Copy the record onto ``area``; return whether anything changed."""
    wanted = {
        "name": record.name or area.name,
        "parent_id": parent.pk if parent else None,
        "population": record.population,
        "dwellings": record.dwellings,
        "reference_year": reference_year,
    }
    changed = False
    for attribute, value in wanted.items():
        if getattr(area, attribute) != value:
            setattr(area, attribute, value)
            changed = True
    return changed


def area_rename(*, actor: Actor, municipality_id: int, municipality_code: str, area: Area, name: str) -> Area:
    """Give a district or neighbourhood its local name (CBS extracts may carry none)."""
    require_role(actor, Role.APPLICATION_MANAGER, municipality_id=municipality_id)
    if area.level == Area.Level.MUNICIPALITY or area.code[2:6] != municipality_code[2:6]:
        raise PermissionDenied("only districts and neighbourhoods of the actor's own municipality")
    cleaned = " ".join(name.split())
    if not 1 <= len(cleaned) <= 200:
        raise ValidationError({"name": _("A name has 1 to 200 characters.")})
    with transaction.atomic():
        old = area.name
        area.name = cleaned
        area.save(update_fields=["name"])
        record_change(
            actor=actor,
            action="area.rename",
            obj=area,
            municipality_id=municipality_id,
            details={"code": area.code, "from": old, "to": cleaned},
        )
    return area


POSTCODE_PREFIX = re.compile(r"^[0-9]{4}([A-Z]{2})?$")


def postcode_areas_import(*, actor: Actor, data: object) -> int:
    """Say which district or neighbourhood postcodes lie in: ``{"GM0867": {"5141": "WK086700", ...}}``
    (a four-digit postcode area, or a whole postcode). All or nothing; for commands and the demo.
    Running it again with the same data changes and records nothing. Returns how many rows changed."""
    if not actor.is_system:
        raise PermissionDenied("only the platform loads postcode areas")
    if not isinstance(data, dict):
        raise ValidationError(_("Expected an object with a CBS municipality code per key."))
    wanted: list[tuple[str, str, str]] = []
    for municipality_code, prefixes in data.items():
        if not isinstance(prefixes, dict):
            raise ValidationError(_("%(code)s: expected an object of postcodes.") % {"code": municipality_code})
        for prefix, area_code in prefixes.items():
            if not isinstance(area_code, str) or not POSTCODE_PREFIX.match(prefix):
                raise ValidationError(
                    _("%(code)s: %(prefix)s is not four digits (and two capitals) with an area code.")
                    % {"code": municipality_code, "prefix": prefix}
                )
            wanted.append((municipality_code, prefix, area_code))
    areas = {area.code: area for area in Area.objects.filter(code__in={c for row in wanted for c in (row[0], row[2])})}
    for municipality_code, prefix, area_code in wanted:
        municipality, area = areas.get(municipality_code), areas.get(area_code)
        if municipality is None or municipality.level != Area.Level.MUNICIPALITY:
            raise ValidationError(_("%(code)s is not a known municipality.") % {"code": municipality_code})
        if area is None or area.level == Area.Level.MUNICIPALITY or area.code[2:6] != municipality_code[2:6]:
            raise ValidationError(
                _("%(prefix)s: %(area)s is not a district or neighbourhood of %(code)s.")
                % {"prefix": prefix, "area": area_code, "code": municipality_code}
            )
    with transaction.atomic():
        existing = {
            (row.municipality_id, row.prefix): row
            for row in PostcodeArea.objects.select_for_update().filter(
                municipality__code__in={row[0] for row in wanted}
            )
        }
        changed = 0
        for municipality_code, prefix, area_code in wanted:
            municipality, area = areas[municipality_code], areas[area_code]
            row = existing.get((municipality.pk, prefix))
            if row is None:
                PostcodeArea.objects.create(municipality=municipality, prefix=prefix, area=area)
            elif row.area_id != area.pk:
                row.area = area
                row.save(update_fields=["area"])
            else:
                continue
            changed += 1
        if changed:
            record_change(actor=actor, action="areas.import_postcodes", details={"changed": changed})
    return changed
