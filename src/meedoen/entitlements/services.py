"""Writes of the schemes, each with its audit record. Policy officers and application managers of the
municipality keep its schemes; the demo loader and imports use the same functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from meedoen.core.access import Actor, Role, require_role
from meedoen.core.audit import record_change
from meedoen.entitlements.models import Scheme
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


def _only(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(SCHEME_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    return dict(fields)
