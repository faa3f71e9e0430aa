"""Writes of the schemes, the population assumptions and the recipient counts, each with its audit
record. Policy officers and application managers of the municipality keep them; the demo loader and
imports use the same functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from meedoen.areas.selectors import districts_of
from meedoen.core.access import Actor, Role, require_role
from meedoen.core.audit import record_change
from meedoen.entitlements.models import PopulationAssumptions, RecipientCount, Scheme
from meedoen.entitlements.recipients import Problem, column_title, quoted, read_recipients
from meedoen.organisations.models import Municipality

# Fields of a scheme a maintainer edits directly.
SCHEME_FIELDS = (
    "code",
    "name",
    "description",
    "kind",
    "organisation",
    "offer",
    "income_test",
    "income_limit_percent_single",
    "income_limit_percent_single_parent",
    "income_limit_percent_couple",
    "asset_test",
    "asset_limit_single",
    "asset_limit_family",
    "minimum_age",
    "maximum_age",
    "below_pension_age",
    "child_minimum_age",
    "child_maximum_age",
    "reference_years",
    "amount",
    "amount_unit",
    "amount_period",
    "amount_per_child",
    "how_to_apply",
    "website",
    "legal_source",
    "legal_source_url",
    "valid_from",
    "valid_until",
)
KEEPERS = (Role.POLICY_OFFICER, Role.APPLICATION_MANAGER)


def scheme_create(*, actor: Actor, municipality: Municipality, fields: Mapping[str, Any]) -> Scheme:
    require_role(actor, *KEEPERS, municipality_id=municipality.pk)
    scheme = Scheme(municipality=municipality, **_only(fields))
    scheme.full_clean()
    with transaction.atomic():
        scheme.save()
        record_change(
            actor=actor,
            action="scheme.create",
            obj=scheme,
            municipality_id=municipality.pk,
            details={"code": scheme.code, "name": scheme.name},
        )
    return scheme


def scheme_update(*, actor: Actor, scheme: Scheme, fields: Mapping[str, Any]) -> Scheme:
    require_role(actor, *KEEPERS, municipality_id=scheme.municipality_id)
    wanted = _only(fields)
    changed = sorted(name for name, value in wanted.items() if getattr(scheme, name) != value)
    for name, value in wanted.items():
        setattr(scheme, name, value)
    scheme.full_clean()
    with transaction.atomic():
        scheme.save()
        record_change(
            actor=actor,
            action="scheme.update",
            obj=scheme,
            municipality_id=scheme.municipality_id,
            details={"fields": changed},
        )
    return scheme


def scheme_delete(*, actor: Actor, scheme: Scheme) -> None:
    require_role(actor, *KEEPERS, municipality_id=scheme.municipality_id)
    with transaction.atomic():
        record_change(
            actor=actor,
            action="scheme.delete",
            obj=scheme,
            municipality_id=scheme.municipality_id,
            details={"code": scheme.code, "name": scheme.name},
        )
        scheme.delete()


def scheme_save(*, actor: Actor, municipality: Municipality, fields: Mapping[str, Any]) -> Scheme:
    """Create the scheme with this code, or bring an existing one up to date (for loaders: safe to run again)."""
    existing = Scheme.objects.filter(municipality=municipality, code=fields.get("code")).first()
    if existing is None:
        return scheme_create(actor=actor, municipality=municipality, fields=fields)
    if all(getattr(existing, name) == value for name, value in _only(fields).items()):
        return existing
    return scheme_update(actor=actor, scheme=existing, fields=fields)


def _ran_in(scheme: Scheme, year: int) -> bool:
    return scheme.valid_from.year <= year and (scheme.valid_until is None or scheme.valid_until.year >= year)


def _only(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(SCHEME_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    return dict(fields)


# --- the population assumptions and the recipient counts -----------------------------------------------

POPULATION_FIELDS = tuple(
    field.name
    for field in PopulationAssumptions._meta.concrete_fields
    if field.name not in {"id", "municipality", "updated_at"}
)


def population_assumptions_save(
    *, actor: Actor, municipality: Municipality, fields: Mapping[str, Any]
) -> PopulationAssumptions:
    """Create or change the municipality's assumptions; fields left out keep their value (or default)."""
    require_role(actor, *KEEPERS, municipality_id=municipality.pk)
    unknown = set(fields) - set(POPULATION_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    assumptions = PopulationAssumptions.objects.filter(municipality=municipality).first()
    created = assumptions is None
    if assumptions is None:
        assumptions = PopulationAssumptions(municipality=municipality)
    changed = sorted(name for name, value in fields.items() if getattr(assumptions, name) != value)
    if not created and not changed:
        return assumptions
    for name, value in fields.items():
        setattr(assumptions, name, value)
    assumptions.full_clean()
    with transaction.atomic():
        assumptions.save()
        record_change(
            actor=actor,
            action="population_assumptions.create" if created else "population_assumptions.update",
            obj=assumptions,
            municipality_id=municipality.pk,
            details={"fields": changed},
        )
    return assumptions


class RecipientImportError(Exception):
    """The file was refused; nothing was imported. ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass(frozen=True)
class RecipientImport:
    rows: int
    years: tuple[int, ...]


def recipients_import(*, actor: Actor, municipality: Municipality, content: bytes, file_name: str) -> RecipientImport:
    """Import recipient counts per scheme, area and year. A count already there for the same scheme, area
    and year is replaced. Any problem in the file refuses the whole file."""
    require_role(actor, *KEEPERS, municipality_id=municipality.pk)
    rows, problems = read_recipients(content)
    schemes = {scheme.code: scheme for scheme in Scheme.objects.filter(municipality=municipality)}
    areas = {municipality.code, *districts_of(municipality.code).values_list("code", flat=True)}
    for row in rows:
        scheme = schemes.get(row.scheme_code)
        if row.scheme_code and scheme is None:
            problems.append(
                Problem(
                    row.row,
                    column_title("scheme"),
                    _("“%(code)s” is not the code of a scheme of %(name)s")
                    % {"code": quoted(row.scheme_code), "name": municipality.name},
                )
            )
        elif scheme is not None and row.year is not None and not _ran_in(scheme, row.year):
            problems.append(
                Problem(
                    row.row,
                    column_title("year"),
                    _("%(code)s did not run in %(year)s") % {"code": row.scheme_code, "year": row.year},
                )
            )
        if row.has_area_code and row.area_code not in areas:
            problems.append(
                Problem(
                    row.row,
                    column_title("area"),
                    _("%(code)s is not %(name)s or one of its districts")
                    % {"code": row.area_code, "name": municipality.name},
                )
            )
    if problems:
        problems.sort(key=lambda problem: (problem.row or 0, problem.column))
        raise RecipientImportError(problems)
    name = file_name[:255]
    with transaction.atomic():
        for row in rows:
            assert row.year is not None and row.households is not None  # a file without problems is complete
            RecipientCount.objects.update_or_create(
                scheme=schemes[row.scheme_code],
                area_code=row.area_code,
                year=row.year,
                defaults={"households": row.households, "file_name": name},
            )
        years = tuple(sorted({row.year for row in rows if row.year is not None}))
        record_change(
            actor=actor,
            action="recipients.import",
            municipality_id=municipality.pk,
            details={"file_name": name, "rows": len(rows), "years": list(years)},
        )
    return RecipientImport(rows=len(rows), years=years)
