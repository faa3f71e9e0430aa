"""Writes of the social map, each with its audit record and a fresh search index entry.

Partner staff with the role aanbieder maintain their own organisation's offers and locations, and
only those: every write checks the grant for the organisation in each municipality it touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import structlog
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations import Migration
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from meedoen.core.access import Actor, Role, require_role
from meedoen.core.audit import record_change
from meedoen.ledger.models import Entry
from meedoen.ledger.services import entry_append
from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap.models import Location, Offer, OfferLocation, OpeningHours, Taxonomy, TaxonomyTerm
from meedoen.socialmap.search import index_offers, index_offers_with_terms, refresh_search_rows, unindex_offer
from meedoen.socialmap.taxonomy import MANAGED, TARGET_GROUPS_CODE, THEMES_CODE

log = structlog.get_logger(__name__)

# Fields of an offer a maintainer edits directly; relations are passed separately.
OFFER_FIELDS = (
    "name",
    "description",
    "status",
    "conditions",
    "income_limit_percent",
    "minimum_age",
    "maximum_age",
    "residents_only",
    "is_free",
    "costs",
    "ways_in",
    "languages",
    "application_process",
    "url",
    "email",
    "phone",
    "whatsapp",
)
LOCATION_FIELDS = (
    "name",
    "description",
    "street_address",
    "postal_code",
    "city",
    "area",
    "latitude",
    "longitude",
    "accessibility",
    "transportation",
)


@dataclass(frozen=True)
class OfferRelations:
    municipalities: tuple[Municipality, ...]
    themes: tuple[TaxonomyTerm, ...] = ()
    target_groups: tuple[TaxonomyTerm, ...] = ()
    locations: tuple[Location, ...] = ()


def _require_maintainer(actor: Actor, organisation: Organisation, municipalities: Iterable[Municipality]) -> None:
    chosen = list(municipalities)
    if not chosen:
        raise ValidationError({"municipalities": _("Choose at least one municipality.")})
    served = set(organisation.municipalities.values_list("pk", flat=True))
    for municipality in chosen:
        if municipality.pk not in served:
            raise ValidationError(
                {
                    "municipalities": _("%(organisation)s does not work in %(municipality)s.")
                    % {"organisation": organisation.name, "municipality": municipality.name}
                }
            )
        require_role(actor, Role.OFFER_MAINTAINER, municipality_id=municipality.pk, organisation_id=organisation.pk)


def _check_relations(organisation: Organisation, relations: OfferRelations) -> None:
    if any(term.taxonomy.code != THEMES_CODE for term in relations.themes):
        raise ValidationError({"themes": _("Choose themes from the list.")})
    if any(term.taxonomy.code != TARGET_GROUPS_CODE for term in relations.target_groups):
        raise ValidationError({"target_groups": _("Choose target groups from the list.")})
    offered_in = {municipality.pk for municipality in relations.municipalities}
    if any(location.municipality_id not in offered_in for location in relations.locations):
        raise ValidationError({"locations": _("Choose places in the municipalities where the offer is given.")})


def _apply_relations(offer: Offer, relations: OfferRelations) -> None:
    offer.municipalities.set(relations.municipalities)
    offer.themes.set(relations.themes)
    offer.target_groups.set(relations.target_groups)
    wanted = {location.pk for location in relations.locations}
    OfferLocation.objects.filter(offer=offer).exclude(location_id__in=wanted).delete()
    present = set(OfferLocation.objects.filter(offer=offer).values_list("location_id", flat=True))
    OfferLocation.objects.bulk_create([OfferLocation(offer=offer, location_id=pk) for pk in sorted(wanted - present)])


def offer_create(
    *, actor: Actor, organisation: Organisation, fields: Mapping[str, Any], relations: OfferRelations
) -> Offer:
    _require_maintainer(actor, organisation, relations.municipalities)
    _check_relations(organisation, relations)
    offer = Offer(organisation=organisation, last_checked=timezone.localdate(), **_only(fields, OFFER_FIELDS))
    offer.full_clean()
    with transaction.atomic():
        offer.save()
        _apply_relations(offer, relations)
        index_offers([offer])
        _publish_in_shared_log(offer, relations.municipalities)
        for municipality in relations.municipalities:
            record_change(
                actor=actor,
                action="offer.create",
                obj=offer,
                municipality_id=municipality.pk,
                organisation_id=organisation.pk,
                details={"name": offer.name},
            )
    return offer


def offer_update(*, actor: Actor, offer: Offer, fields: Mapping[str, Any], relations: OfferRelations) -> Offer:
    """Change an offer. Saving it counts as checking it: the maintainer has just looked at all of it."""
    organisation = offer.organisation
    before = set(offer.municipalities.all())
    _require_maintainer(actor, organisation, set(relations.municipalities) | before)
    _check_relations(organisation, relations)
    changed = sorted(name for name, value in _only(fields, OFFER_FIELDS).items() if getattr(offer, name) != value)
    for name, value in _only(fields, OFFER_FIELDS).items():
        setattr(offer, name, value)
    offer.last_checked = timezone.localdate()
    offer.full_clean()
    with transaction.atomic():
        offer.save()
        _apply_relations(offer, relations)
        index_offers([offer])
        _publish_in_shared_log(offer, relations.municipalities)
        for municipality in before | set(relations.municipalities):
            record_change(
                actor=actor,
                action="offer.update",
                obj=offer,
                municipality_id=municipality.pk,
                organisation_id=organisation.pk,
                details={"fields": changed},
            )
    return offer


def offer_mark_checked(*, actor: Actor, offer: Offer, on: date | None = None) -> Offer:
    """The maintainer confirms the offer is still right as it stands."""
    municipalities = list(offer.municipalities.all())
    _require_maintainer(actor, offer.organisation, municipalities)
    with transaction.atomic():
        offer.last_checked = on or timezone.localdate()
        offer.save(update_fields=["last_checked", "updated_at"])
        for municipality in municipalities:
            record_change(
                actor=actor,
                action="offer.checked",
                obj=offer,
                municipality_id=municipality.pk,
                organisation_id=offer.organisation_id,
            )
    return offer


def offer_delete(*, actor: Actor, offer: Offer) -> None:
    municipalities = list(offer.municipalities.all())
    _require_maintainer(actor, offer.organisation, municipalities)
    offer_id = offer.pk
    with transaction.atomic():
        for municipality in municipalities:
            record_change(
                actor=actor,
                action="offer.delete",
                obj=offer,
                municipality_id=municipality.pk,
                organisation_id=offer.organisation_id,
                details={"name": offer.name},
            )
        offer.delete()
        unindex_offer(offer_id)


def location_save(
    *,
    actor: Actor,
    organisation: Organisation,
    municipality: Municipality,
    fields: Mapping[str, Any],
    opening_hours: Iterable[tuple[int, Any, Any]] = (),
    location: Location | None = None,
) -> Location:
    """Create or change a place the actor's organisation keeps, with its weekly opening hours as
    (weekday, opens_at, closes_at)."""
    _require_maintainer(actor, organisation, [municipality])
    if location is not None and location.organisation_id != organisation.pk:
        raise PermissionDenied("a location kept by another organisation")
    area = fields.get("area")
    if area is not None and area.code[2:6] != municipality.code[2:6]:
        raise ValidationError(
            {"area": _("Choose a district of %(municipality)s.") % {"municipality": municipality.name}}
        )
    location = location or Location(organisation=organisation)
    location.municipality = municipality
    for name, value in _only(fields, LOCATION_FIELDS).items():
        setattr(location, name, value)
    location.full_clean()
    hours = [OpeningHours(weekday=day, opens_at=opens, closes_at=closes) for day, opens, closes in opening_hours]
    with transaction.atomic():
        created = location.pk is None
        location.save()
        location.opening_hours.all().delete()
        for entry in hours:
            entry.location = location
            entry.full_clean()
        OpeningHours.objects.bulk_create(hours)
        if not created:
            # The search rows of the offers given here hold the area of this place.
            refresh_search_rows(OfferLocation.objects.filter(location=location).values_list("offer_id", flat=True))
        record_change(
            actor=actor,
            action="location.create" if created else "location.update",
            obj=location,
            municipality_id=municipality.pk,
            organisation_id=organisation.pk,
        )
    return location


def _publish_in_shared_log(offer: Offer, municipalities: Iterable[Municipality]) -> None:
    """Partners can later show what the social map said on a given day: each published version of
    an offer is an entry in the municipality's shared log (its hash, not its text)."""
    version = {
        "offer": str(offer.uuid),
        "name": offer.name,
        "description": offer.description,
        "status": offer.status,
        "checked": offer.last_checked.isoformat(),
    }
    for municipality in municipalities:
        entry_append(
            municipality=municipality,
            kind=Entry.Kind.OFFER_PUBLISHED,
            acting=offer.organisation,
            payload=version,
        )


def _only(fields: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    return dict(fields)


def taxonomies_sync(*, using: str, plan: list[tuple[Migration, bool]] | None = None, **_: Any) -> None:
    """Bring the managed taxonomies in line with the code after ``migrate`` (and ``flush``, which
    emptied them), and index again the offers of a renamed term (ADR 0013). Connected to
    ``post_migrate``. Only when every migration of the social map is applied, so that the code's
    models, with which the terms and the search index are written, match the tables: not after a
    migration backwards nor one to an earlier target. The search index lives on the default
    database."""
    if using != DEFAULT_DB_ALIAS or any(backwards for _migration, backwards in plan or ()):
        return
    if not _fully_migrated(using):
        log.info("socialmap.taxonomies.sync_postponed", reason="not every migration of the social map is applied")
        return
    with transaction.atomic(using=using):
        if renamed := _taxonomies_write():
            index_offers_with_terms(renamed)


def _fully_migrated(using: str) -> bool:
    loader = MigrationLoader(connections[using])
    return set(loader.graph.leaf_nodes("socialmap")) <= set(loader.applied_migrations)


def _taxonomies_write() -> list[int]:
    """Create or update the managed taxonomies (``taxonomy.MANAGED``), writing only what differs;
    returns the ids of the stored terms whose name changed."""
    renamed: list[int] = []
    for code, name, description, terms in MANAGED:
        taxonomy = _as_wanted(
            Taxonomy,
            Taxonomy.objects.filter(code=code).first(),
            {"name": name, "description": description, "version": "1"},
            code=code,
        )
        stored = {row.code: row for row in TaxonomyTerm.objects.filter(taxonomy=taxonomy)}
        for position, term in enumerate(terms):
            row = stored.get(term.code)
            if row is not None and row.name != term.name:
                renamed.append(row.pk)
            _as_wanted(
                TaxonomyTerm,
                row,
                {"name": term.name, "description": term.description, "position": position},
                taxonomy=taxonomy,
                code=term.code,
            )
    return renamed


_Row = TypeVar("_Row", Taxonomy, TaxonomyTerm)


def _as_wanted(model: type[_Row], row: _Row | None, wanted: dict[str, Any], **keys: Any) -> _Row:
    """``row`` with the ``wanted`` values: created with ``keys`` when there is none, updated only
    when a value differs."""
    if row is None:
        return model.objects.create(**keys, **wanted)
    if any(getattr(row, field) != value for field, value in wanted.items()):
        model.objects.filter(pk=row.pk).update(**wanted)
    return row
