"""Import an existing social map in Open Referral HSDS 3.0 into one municipality: all or nothing.

``reader`` reads the files and checks every object against the official schemas; this module checks
Meedoen's own rules (its model validation, references that must resolve, the managed taxonomies),
and only when nothing at all is wrong writes everything in one transaction. Every object is matched
by its HSDS ``id`` (our ``uuid``), so importing the same data again updates in place.

How HSDS maps onto Meedoen:

- organization -> Organisation (new ones get the kind the caller chooses) with its
  OrganisationProfile; matched by the profile's UUID, or by the id the export derives for an
  organisation without a profile (the profile the import then makes keeps that id). It is joined to
  the municipality.
- service -> Offer, offered in the municipality. Attributes whose term belongs to the managed
  taxonomies (``meedoen-thema``, ``meedoen-doelgroep``, matched by code) become themes and target
  groups; every other attribute is kept.
- location -> Location in the municipality, its address from the first physical address (else the
  first), a district or neighbourhood when ``external_identifier_type`` is ``CBS``. A weekly
  schedule that holds every week (``freq`` WEEKLY, ``byday``, opening and closing time in local
  time, no other restriction) becomes opening hours. ``mapping`` holds these rules, which the export
  shares.
- service_at_location -> OfferLocation.

``hsds_extra`` keeps, per object, every HSDS field Meedoen does not store as it came: plain fields
Meedoen has no column for, nested lists Meedoen has no table for (funding, contacts, programs,
cost options, ...), and of the lists Meedoen reads only in part (phones, languages, addresses,
accessibility, schedules, service areas, cost options, attributes of other taxonomies) the whole
imported list. Left out are the parts Meedoen derives itself on export (recognised by the ids
``export.derived_id`` gives them, and opening hours by their own UUID), and ``last_modified``, which
is Meedoen's own time of change. So importing an export of Meedoen changes nothing, and the export
gives an imported list back for as long as it still says what Meedoen stores.

The import writes one audit record for the municipality with the counts and the ids of what it
created and changed (organisations it creates or joins get their own records from the
organisation services). One record per object would add nothing the ids in the summary do not say,
at the cost of thousands of rows per import.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meedoen.areas.models import Area
from meedoen.core.access import Actor, Role, require_role
from meedoen.core.audit import record_change
from meedoen.core.text import refuse_hidden
from meedoen.organisations.models import Municipality, Organisation
from meedoen.organisations.services import organisation_create, organisation_join_municipality
from meedoen.socialmap.hsds.export import (
    ID_NAMESPACE,
    application_process_text,
    derived_id,
    eligibility_text,
    fees_text,
    new_profile,
)
from meedoen.socialmap.hsds.mapping import (
    WEEKDAYS,
    accessibility_text,
    as_list,
    chosen_address,
    first_phone,
    language_codes,
    says_free,
    schedule_days,
    weekly_hours,
    weekly_times,
    whatsapp_phone,
)
from meedoen.socialmap.hsds.reader import (
    Bundle,
    HsdsImportError,
    Item,
    Problem,
    read_hsds,
    shown,
)
from meedoen.socialmap.models import (
    Location,
    Offer,
    OfferLocation,
    OpeningHours,
    OrganisationProfile,
    Taxonomy,
    TaxonomyTerm,
)
from meedoen.socialmap.search import index_offers, refresh_search_rows
from meedoen.socialmap.taxonomy import TARGET_GROUPS_CODE, THEMES_CODE

__all__ = ["Counts", "HsdsImportError", "HsdsImportResult", "Problem", "hsds_import"]

DEFAULT_KIND = Organisation.Kind.VOLUNTEERS
AUDIT_ACTION = "socialmap.hsds_import"

# HSDS fields Meedoen stores in its own columns (or derives itself), per object: not kept in hsds_extra.
SERVICE_STORED = frozenset(
    {
        "id",
        "organization_id",
        "name",
        "description",
        "url",
        "email",
        "status",
        "application_process",
        "eligibility_description",
        "fees_description",
        "minimum_age",
        "maximum_age",
        "assured_date",
        "last_modified",
    }
)
ORGANIZATION_STORED = frozenset({"id", "name", "description", "email", "website"})
LOCATION_STORED = frozenset({"id", "organization_id", "name", "description", "transportation"})
SERVICE_AT_LOCATION_STORED = frozenset({"id", "service_id", "location_id"})
# Where Meedoen's model fields come from in HSDS, to name the place of a validation error.
OFFER_SOURCES: dict[str, tuple[str | int, ...]] = {
    "conditions": ("eligibility_description",),
    "costs": ("fees_description",),
    "last_checked": ("assured_date",),
}
CBS_IDENTIFIER_TYPES = frozenset({"cbs", "cbs-code", "cbs wijk- en buurtcode"})
CBS_AREA = re.compile(r"^(WK[0-9]{4}[0-9A-Z]{2}|BU[0-9]{4}[0-9A-Z]{4})$")


@dataclass(frozen=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class HsdsImportResult:
    organizations: Counts
    services: Counts
    locations: Counts
    service_at_locations: Counts
    warnings: tuple[Problem, ...] = ()
    dry_run: bool = False

    def by_type(self) -> dict[str, Counts]:
        return {
            "organizations": self.organizations,
            "services": self.services,
            "locations": self.locations,
            "service_at_locations": self.service_at_locations,
        }


def hsds_import(
    *,
    actor: Actor,
    municipality: Municipality,
    path: Path,
    organisation_kind: str = DEFAULT_KIND,
    dry_run: bool = False,
) -> HsdsImportResult:
    """Import the HSDS data at ``path`` (a JSON file, a directory of them, or a CSV package) into
    ``municipality``. Raises :class:`HsdsImportError` naming every problem; then nothing changed.

    With ``dry_run`` everything is checked and written, and then rolled back: the result says what
    an import would do.
    """
    require_role(actor, Role.APPLICATION_MANAGER, municipality_id=municipality.pk)
    if organisation_kind not in Organisation.Kind.values:
        raise ValueError(f"unknown organisation kind {organisation_kind!r}")
    bundle = read_hsds(path)
    try:
        with transaction.atomic():
            importer = _Importer(bundle, municipality, organisation_kind)
            importer.check()
            if importer.problems:
                raise HsdsImportError(importer.problems)
            result = importer.write(actor, dry_run=dry_run)
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError as exc:
        raise HsdsImportError(
            [Problem("", _("the database refused the import (%(reason)s); nothing was imported") % {"reason": exc})]
        ) from exc
    return result


# --- planning: every object checked, nothing written ------------------------------------------------


@dataclass
class _Plan:
    item: Item
    instance: Any
    created: bool
    before: Any = None
    organisation_ref: str | None = None  # HSDS id of the organisation (offers, locations)
    organisation: Organisation | None = None  # or the organisation itself, when only Meedoen knows it
    themes: list[TaxonomyTerm] = field(default_factory=list)
    target_groups: list[TaxonomyTerm] = field(default_factory=list)
    hours: list[OpeningHours] | None = None
    joins: bool = False  # the organisation is to start working in the municipality
    service_ref: str = ""
    location_ref: str = ""


class _Importer:
    def __init__(self, bundle: Bundle, municipality: Municipality, kind: str) -> None:
        self.bundle = bundle
        self.municipality = municipality
        self.kind = kind
        self.problems: list[Problem] = list(bundle.problems)
        self.warnings: list[Problem] = list(bundle.warnings)
        self.items = bundle.items
        self.organisations: dict[str, _Plan] = {}
        self.offers: dict[str, _Plan] = {}
        self.locations: dict[str, _Plan] = {}
        self.links: dict[str, _Plan] = {}
        self.used_terms: set[str] = set()
        self.renamed: list[Organisation] = []

    # -- helpers --

    def problem(self, item: Item, *path: str | int, message: str) -> None:
        self.problems.append(Problem(self.bundle.locate(item, *path), message))

    def warn(self, item: Item, *path: str | int, message: str) -> None:
        self.warnings.append(Problem(self.bundle.locate(item, *path), message))

    def valid(self, kind: str) -> list[Item]:
        return [item for item in self.items[kind].values() if item.valid]

    def model_problems(
        self, item: Item, instance: models.Model, sources: Mapping[str, tuple[str | int, ...]], exclude: list[str]
    ) -> None:
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                path = () if name == NON_FIELD_ERRORS else sources.get(name, (name,))
                for message in messages:
                    self.problem(item, *path, message=message)
        # Text that residents read holds no character nobody types, as in the workspace's forms.
        for column in instance._meta.concrete_fields:
            value = getattr(instance, column.attname)
            if column.name in exclude or not isinstance(value, str):
                continue
            try:
                refuse_hidden(value)
            except ValidationError as exc:
                self.problem(item, *sources.get(column.name, (column.name,)), message=exc.messages[0])

    # -- the checks --

    def check(self) -> None:
        self._load()
        for item in self.valid("organization"):
            self._plan_organisation(item)
        for item in self.valid("service"):
            self._plan_offer(item)
        for item in self.valid("location"):
            self._plan_location(item)
        for item in self.valid("service_at_location"):
            self._plan_link(item)
        for kind in ("organization", "location", "service_at_location"):
            for item in self.valid(kind):
                self._check_attributes(item)
        self._check_pairs()
        self._warn_unused_terms()

    def _load(self) -> None:
        """Fetch (and lock) what the import may change or refer to, in a few queries."""
        ids = {kind: [key for key in self.items[kind] if _is_uuid(key)] for kind in self.items}
        organisation_refs = set(ids["organization"])
        for item in self.items["service"].values():
            organisation_refs.add(str(item.data.get("organization_id", "")))
        for item in self.items["location"].values():
            organisation_refs.add(str(item.data.get("organization_id", "")))
        organisation_refs = {ref for ref in organisation_refs if _is_uuid(ref)}
        self.db_profiles = {
            str(profile.uuid): profile
            for profile in OrganisationProfile.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .filter(uuid__in=organisation_refs)
        }
        # Organisations without a profile appear in exports with an id derived from their slug.
        self.db_slug_ids = {
            str(uuid.uuid5(ID_NAMESPACE, f"organisation/{organisation.slug}")): organisation
            for organisation in Organisation.objects.filter(socialmap_profile__isnull=True)
        }
        service_refs = set(ids["service"]) | {
            str(item.data.get("service_id", "")) for item in self.items["service_at_location"].values()
        }
        location_refs = set(ids["location"]) | {
            str(item.data.get("location_id", "")) for item in self.items["service_at_location"].values()
        }
        self.db_offers = {
            str(offer.uuid): offer
            for offer in Offer.objects.select_for_update(of=("self",))
            .filter(uuid__in=[ref for ref in service_refs if _is_uuid(ref)])
            .select_related("organisation")
            .prefetch_related(
                models.Prefetch("municipalities", queryset=Municipality.objects.order_by("name", "pk")),
                "themes",
                "target_groups",
            )
        }
        self.db_locations = {
            str(location.uuid): location
            for location in Location.objects.select_for_update(of=("self",))
            .filter(uuid__in=[ref for ref in location_refs if _is_uuid(ref)])
            .select_related("municipality", "area", "organisation")
            .prefetch_related("opening_hours")
        }
        self.db_links = {
            str(link.uuid): link
            for link in OfferLocation.objects.select_for_update(of=("self",))
            .filter(uuid__in=ids["service_at_location"])
            .select_related("offer", "location")
        }
        self.services_at: dict[str, list[str]] = {}
        for link in self.items["service_at_location"].values():
            place, service = link.data.get("location_id"), link.data.get("service_id")
            if place and service:
                self.services_at.setdefault(str(place), []).append(str(service))
        self.taxonomies = {taxonomy.code: taxonomy for taxonomy in Taxonomy.objects.filter(code__in=_OURS)}
        self.terms = {
            (term.taxonomy.code, term.code): term
            for term in TaxonomyTerm.objects.filter(taxonomy__code__in=_OURS).select_related("taxonomy")
        }
        self.terms_by_uuid = {str(term.uuid): term for term in self.terms.values()}
        # The export gives each offer a service area per municipality, with an id derived from its code.
        self.service_area_roles = tuple(
            f"service_area/{code}" for code in Municipality.objects.values_list("code", flat=True)
        )
        codes = {
            str(item.data.get("external_identifier", ""))
            for item in self.items["location"].values()
            if str(item.data.get("external_identifier_type", "")).lower() in CBS_IDENTIFIER_TYPES
        }
        self.areas = {area.code: area for area in Area.objects.filter(code__in=codes)}
        self.same_name = {
            organisation.name.casefold(): organisation
            for organisation in Organisation.objects.filter(municipalities=self.municipality)
        }

    def _organisation_known(self, ref: Any) -> bool | None:
        """Whether the HSDS organization ``ref`` resolves; None when it is missing altogether."""
        if not ref:
            return None
        ref = str(ref)
        if ref in self.items["organization"]:
            return True  # an invalid one is reported already
        return ref in self.db_profiles or ref in self.db_slug_ids

    def _db_organisation(self, ref: str) -> Organisation | None:
        if ref in self.db_profiles:
            organisation = self.db_profiles[ref].organisation
            assert isinstance(organisation, Organisation)
            return organisation
        return self.db_slug_ids.get(ref)

    # organisations

    def _plan_organisation(self, item: Item) -> None:
        data = item.data
        profile = self.db_profiles.get(item.id)
        organisation = profile.organisation if profile is not None else self.db_slug_ids.get(item.id)
        created = organisation is None
        if profile is None and organisation is not None:
            profile = new_profile(organisation)  # with the id Meedoen's exports gave the organisation so far
        elif profile is None:
            profile = OrganisationProfile(uuid=uuid.UUID(item.id))  # a new organisation keeps the id it came with
        before = None if created else (_snapshot(profile, _PROFILE_FIELDS), organisation.name if organisation else "")
        name = str(data.get("name", ""))
        candidate = Organisation(name=name, kind=self.kind, slug="x")
        self.model_problems(item, candidate, {}, exclude=["slug"])
        phone_index, phone = first_phone(data.get("phones"))
        profile.description = str(data.get("description", ""))
        profile.website = str(data.get("website", ""))
        profile.email = str(data.get("email", ""))
        profile.phone = phone
        profile.hsds_extra = self._extra(item, ORGANIZATION_STORED, derived_roles={"phones": ("phone/voice",)})
        self.model_problems(
            item,
            profile,
            {"phone": ("phones", phone_index, "number")},
            exclude=["organisation", "uuid"],
        )
        joins = organisation is not None and not organisation.municipalities.filter(pk=self.municipality.pk).exists()
        if created and name.casefold() in self.same_name:
            self.warn(
                item,
                message=_(
                    "%(name)s is a new organisation in Meedoen, next to the organisation of the same name already "
                    "working in %(municipality)s; merge them by giving the id of the existing one"
                )
                % {"name": shown(name), "municipality": self.municipality.name},
            )
        self.organisations[item.id] = _Plan(item, profile, created, before=before, joins=joins)

    # offers

    def _plan_offer(self, item: Item) -> None:
        data = item.data
        ref = data.get("organization_id")
        known = self._organisation_known(ref)
        if known is None:
            self.problem(
                item,
                "organization_id",
                message=_("missing; Meedoen needs to know which organisation offers it (organization_id)"),
            )
        elif not known:
            self.problem(
                item,
                "organization_id",
                message=_("organization %(id)s is neither in this import nor in Meedoen") % {"id": shown(ref)},
            )
        existing = self.db_offers.get(item.id)
        offer = existing or Offer(uuid=uuid.UUID(item.id))
        before = (
            _offer_state(
                existing,
                existing.themes.all(),
                existing.target_groups.all(),
                (municipality.pk for municipality in existing.municipalities.all()),
            )
            if existing
            else None
        )
        fields = self._offer_fields(item, existing)
        for name, value in fields.items():
            setattr(offer, name, value)
        offer.hsds_extra = self._extra(
            item,
            SERVICE_STORED,
            derived_roles={
                "phones": ("phone/voice", "phone/whatsapp"),
                "languages": ("language/",),
                "cost_options": ("cost_option/free",),
                "service_areas": self.service_area_roles,
            },
            ours_attributes=True,
        )
        self.model_problems(item, offer, _offer_sources(data), exclude=["organisation"])
        if offer.minimum_age is not None and offer.maximum_age is not None and offer.minimum_age > offer.maximum_age:
            self.problem(item, "minimum_age", message=_("is more than maximum_age"))
        plan = _Plan(item, offer, existing is None, before=before, organisation_ref=str(ref) if ref else None)
        self._plan_attributes(item, plan)
        self.offers[item.id] = plan

    def _offer_fields(self, item: Item, existing: Offer | None) -> dict[str, Any]:
        data = item.data
        phones = data.get("phones")
        _index, phone = first_phone(phones)
        _index, whatsapp = whatsapp_phone(phones)
        fields: dict[str, Any] = {
            "name": str(data.get("name", "")),
            "description": str(data.get("description", "")),
            "status": data.get("status", Offer.Status.ACTIVE),
            "url": str(data.get("url", "")),
            "email": str(data.get("email", "")),
            "application_process": str(data.get("application_process", "")),
            "conditions": str(data.get("eligibility_description", "")),
            "minimum_age": self._whole(item, "minimum_age"),
            "maximum_age": self._whole(item, "maximum_age"),
            "phone": phone,
            "whatsapp": whatsapp,
            "languages": language_codes(data.get("languages")),
        }
        fees = data.get("fees_description")
        fields["costs"] = str(fees or "")
        fields["is_free"] = _is_free(fees, data.get("cost_options"))
        assured = data.get("assured_date")
        if isinstance(assured, str):
            fields["last_checked"] = date.fromisoformat(assured)
        else:
            fields["last_checked"] = existing.last_checked if existing else timezone.localdate()
        if existing is not None:
            # Text the export composes from the offer (ways in, income limit, "free of charge") is
            # not new text: importing Meedoen's own export leaves the offer as it is.
            municipalities = list(existing.municipalities.all())
            if fields["application_process"] == application_process_text(existing):
                fields["application_process"] = existing.application_process
            if fields["conditions"] == eligibility_text(existing, municipalities):
                fields["conditions"] = existing.conditions
            if fees is not None and fees == fees_text(existing):
                fields["costs"], fields["is_free"] = existing.costs, existing.is_free
        return fields

    def _whole(self, item: Item, name: str) -> int | None:
        value = item.data.get(name)
        if value is None:
            return None
        if isinstance(value, float) and not value.is_integer():
            self.problem(item, name, message=_("expected a whole number, got %(value)s") % {"value": value})
            return None
        return int(value)

    def _plan_attributes(self, item: Item, plan: _Plan) -> None:
        """Themes and target groups from the attributes whose terms are Meedoen's own."""
        for term in self._check_attributes(item):
            (plan.themes if term.taxonomy.code == THEMES_CODE else plan.target_groups).append(term)

    def _check_attributes(self, item: Item) -> list[TaxonomyTerm]:
        """Check that every attribute names a known term; return the managed terms among them."""
        found: list[TaxonomyTerm] = []
        attributes = item.data.get("attributes")
        for index, attribute in enumerate(as_list(attributes)):
            term = self._term_of(item, index, attribute)
            if term is not None and term not in found:
                found.append(term)
        return found

    def _term_of(self, item: Item, index: int, attribute: dict[str, Any]) -> TaxonomyTerm | None:
        """The managed term an attribute names; None for a term of another taxonomy (kept as HSDS data)
        and for a problem (reported)."""
        embedded = _dict(attribute.get("taxonomy_term"))
        term_id = attribute.get("taxonomy_term_id")
        if embedded is not None and term_id and embedded.get("id") != term_id:
            self.problem(
                item,
                "attributes",
                index,
                "taxonomy_term_id",
                message=_("differs from the id of its taxonomy_term (%(id)s)") % {"id": shown(embedded.get("id"))},
            )
            return None
        key = str(embedded.get("id") if embedded is not None else term_id or "")
        if not key:
            self.problem(
                item, "attributes", index, message=_("names no taxonomy term (taxonomy_term or taxonomy_term_id)")
            )
            return None
        if key in self.terms_by_uuid:
            return self.terms_by_uuid[key]
        term = embedded
        if term is None:
            known = self.items["taxonomy_term"].get(key)
            if known is None:
                self.problem(
                    item,
                    "attributes",
                    index,
                    "taxonomy_term_id",
                    message=_("taxonomy term %(id)s is neither in this import nor in Meedoen") % {"id": shown(key)},
                )
                return None
            if not known.valid:
                return None
            term = known.data
        taxonomy_code = self._our_taxonomy(term)
        if taxonomy_code is None:
            self.used_terms.add(key)
            return None
        found = self.terms.get((taxonomy_code, str(term.get("code", ""))))
        if found is None:
            where = ("attributes", index, "taxonomy_term", "code") if embedded is not None else ("attributes", index)
            self.problem(
                item,
                *where,
                message=_("%(code)s is not a term of %(taxonomy)s (those are %(codes)s)")
                % {
                    "code": shown(term.get("code")),
                    "taxonomy": taxonomy_code,
                    "codes": ", ".join(code for (tax, code) in self.terms if tax == taxonomy_code),
                },
            )
        return found

    def _our_taxonomy(self, term: Mapping[str, Any]) -> str | None:
        """The code of the managed taxonomy ``term`` belongs to, however the source names it."""
        detail = _dict(term.get("taxonomy_detail")) or {}
        if not detail and term.get("taxonomy_id") in self.items["taxonomy"]:
            detail = self.items["taxonomy"][str(term["taxonomy_id"])].data
        ids = {str(term.get("taxonomy_id", "")), str(detail.get("id", ""))}
        names = {str(term.get("taxonomy", "")), str(detail.get("name", "")), str(detail.get("uri", ""))} - {""}
        for code, taxonomy in self.taxonomies.items():
            if str(taxonomy.uuid) in ids or names & {code, taxonomy.name, taxonomy.uri} - {""}:
                return code
        return None

    # locations

    def _plan_location(self, item: Item) -> None:
        data = item.data
        existing = self.db_locations.get(item.id)
        if existing is not None and existing.municipality_id != self.municipality.pk:
            self.problem(
                item,
                message=_("this location belongs to %(other)s; an import into %(municipality)s cannot change it")
                % {"other": existing.municipality.name, "municipality": self.municipality.name},
            )
            return
        location = existing or Location(uuid=uuid.UUID(item.id))
        before = _location_state(existing) if existing else None
        location.municipality = self.municipality
        location.name = str(data.get("name", ""))
        location.description = str(data.get("description", ""))
        location.transportation = str(data.get("transportation", ""))
        address_index = self._address(item, location)
        location.accessibility = accessibility_text(data.get("accessibility"))
        if str(data.get("external_identifier_type", "")).lower() in CBS_IDENTIFIER_TYPES:
            location.area = self._area(item)
        elif existing is None:
            location.area = None  # a district is Meedoen's own knowledge: without a CBS code it stays
        stored = self._coordinates(item, location)
        hours_uuids = {str(hours.uuid) for hours in existing.opening_hours.all()} if existing else set()
        location.hsds_extra = self._extra(
            item,
            LOCATION_STORED | stored | ({"location_type"} if data.get("location_type") == "physical" else set()),
            derived_roles={"addresses": ("address/physical",), "accessibility": ("accessibility",)},
            derived_ids={"schedules": hours_uuids},
        )
        at = address_index or 0
        sources: dict[str, tuple[str | int, ...]] = {
            "street_address": ("addresses", at, "address_1"),
            "postal_code": ("addresses", at, "postal_code"),
            "city": ("addresses", at, "city"),
            "country": ("addresses", at, "country"),
            "accessibility": ("accessibility",),
            "area": ("external_identifier",),
        }
        exclude = ["organisation", "municipality"]
        if address_index is None:
            exclude += ["street_address", "postal_code", "city", "country"]
        self.model_problems(item, location, sources, exclude=exclude)
        hours = self._opening_hours(item, location, hours_uuids)
        plan = _Plan(item, location, existing is None, before=before, hours=hours)
        self._keeper(item, plan)
        self.locations[item.id] = plan

    def _keeper(self, item: Item, plan: _Plan) -> None:
        """The organisation that keeps the place: its own organization_id, else the organisation of a
        service given there, else the one keeping it in Meedoen already."""
        ref = item.data.get("organization_id")
        if ref and self._organisation_known(ref):
            plan.organisation_ref = str(ref)
            return
        for service_ref in self.services_at.get(item.id, []):
            service = self.items["service"].get(service_ref)
            if service is not None and self._organisation_known(service.data.get("organization_id")):
                plan.organisation_ref = str(service.data["organization_id"])
                break
            if service is None and service_ref in self.db_offers:
                plan.organisation = self.db_offers[service_ref].organisation
                break
        existing = self.db_locations.get(item.id)
        if plan.organisation_ref is None and plan.organisation is None and existing is not None:
            plan.organisation = existing.organisation  # as kept in Meedoen so far
        found = plan.organisation_ref is not None or plan.organisation is not None
        if ref and found:
            self.warn(
                item,
                "organization_id",
                message=_(
                    "organization %(id)s is neither in this import nor in Meedoen; the place is kept by the "
                    "organisation of a service given there, or by the one keeping it now"
                )
                % {"id": shown(ref)},
            )
        elif ref:
            self.problem(
                item,
                "organization_id",
                message=_("organization %(id)s is neither in this import nor in Meedoen") % {"id": shown(ref)},
            )
        elif not found:
            self.problem(
                item,
                "organization_id",
                message=_("missing; name the organisation that keeps this place, or a service given there"),
            )

    def _address(self, item: Item, location: Location) -> int | None:
        """Read the address into ``location``; its index in ``addresses``, None when there is none."""
        addresses = as_list(item.data.get("addresses"))
        if not addresses and "addresses" not in item.data and location.pk is not None:
            return None  # a summary of a place Meedoen knows (as in list pages): its address stays
        if not addresses:
            self.problem(
                item,
                "addresses",
                message=_("missing; Meedoen lists places people can visit, each with its address"),
            )
            return None
        index = chosen_address(addresses)
        assert index is not None
        address = addresses[index]
        location.street_address = str(address.get("address_1", ""))
        location.postal_code = str(address.get("postal_code", ""))
        location.city = str(address.get("city", ""))
        location.country = str(address.get("country", "")).strip().upper()
        return index

    def _area(self, item: Item) -> Area | None:
        code = str(item.data.get("external_identifier", ""))
        if not code:
            self.problem(
                item,
                "external_identifier",
                message=_("missing; external_identifier_type CBS needs a district or neighbourhood code"),
            )
            return None
        area = self.areas.get(code)
        if not CBS_AREA.match(code) or area is None:
            self.problem(
                item,
                "external_identifier",
                message=_("%(code)s is not a CBS district or neighbourhood code known to Meedoen")
                % {"code": shown(code)},
            )
            return None
        if code[2:6] != self.municipality.code[2:6]:
            self.problem(
                item,
                "external_identifier",
                message=_("%(code)s lies outside %(municipality)s")
                % {"code": code, "municipality": self.municipality.name},
            )
            return None
        return area

    def _coordinates(self, item: Item, location: Location) -> set[str]:
        """Store latitude and longitude that lie on earth; others stay HSDS data, with a warning."""
        stored: set[str] = set()
        for name, limit in (("latitude", 90), ("longitude", 180)):
            value = item.data.get(name)
            if value is None:
                setattr(location, name, None)
                stored.add(name)
            elif -limit <= value <= limit:
                setattr(location, name, Decimal(str(round(float(value), 6))))
                stored.add(name)
            else:
                setattr(location, name, None)
                self.warn(
                    item,
                    name,
                    message=_("%(value)s lies outside -%(limit)s to %(limit)s; the place is kept without it")
                    % {"value": value, "limit": limit},
                )
        return stored

    def _opening_hours(self, item: Item, location: Location, own_uuids: set[str]) -> list[OpeningHours]:
        """The weekly schedules as opening hours (``mapping.weekly_hours``), naming the days that are no
        days and the hours that close before they open."""
        schedules = as_list(item.data.get("schedules"))
        for index, schedule in enumerate(schedules):
            if schedule.get("freq") != "WEEKLY" or not schedule.get("byday"):
                continue
            wrong = [day for day in schedule_days(schedule) if day not in WEEKDAYS]
            if wrong:
                self.problem(
                    item,
                    "schedules",
                    index,
                    "byday",
                    message=_("%(days)s: not a day of the week (MO, TU, WE, TH, FR, SA, SU)")
                    % {"days": ", ".join(shown(day) for day in wrong)},
                )
                continue
            times = weekly_times(schedule)
            if times is not None and times[0] >= times[1]:
                self.warn(
                    item,
                    "schedules",
                    index,
                    message=_("closes at or before it opens; kept as HSDS data, not as opening hours"),
                )
        hours = []
        for found in weekly_hours(schedules):
            if found.only_day and found.schedule_id in own_uuids:
                key = uuid.UUID(found.schedule_id)  # Meedoen's own opening hours, exported
            else:
                key = uuid.uuid5(location.uuid, f"schedule/{found.schedule_id}/{found.day}")
            hours.append(
                OpeningHours(
                    uuid=key,
                    weekday=found.weekday,
                    opens_at=found.opens_at,
                    closes_at=found.closes_at,
                    notes=found.notes,
                )
            )
        return hours

    # services at locations

    def _plan_link(self, item: Item) -> None:
        data = item.data
        service_ref, location_ref = str(data.get("service_id") or ""), str(data.get("location_id") or "")
        for name, ref, kind, known in (
            ("service_id", service_ref, "service", self.db_offers),
            ("location_id", location_ref, "location", self.db_locations),
        ):
            if not ref:
                self.problem(item, name, message=_("missing; Meedoen links a service to a location"))
            elif ref not in self.items[kind] and ref not in known:
                self.problem(
                    item,
                    name,
                    message=_("%(kind)s %(id)s is neither in this import nor in Meedoen")
                    % {"kind": kind, "id": shown(ref)},
                )
        place = self.db_locations.get(location_ref)
        if (
            location_ref not in self.items["location"]
            and place is not None
            and place.municipality_id != self.municipality.pk
        ):
            self.problem(
                item,
                "location_id",
                message=_("location %(id)s lies in %(other)s, not in %(municipality)s")
                % {"id": location_ref, "other": place.municipality.name, "municipality": self.municipality.name},
            )
        existing = self.db_links.get(item.id)
        link = existing or OfferLocation(uuid=uuid.UUID(item.id))
        before = (str(existing.offer.uuid), str(existing.location.uuid), existing.hsds_extra) if existing else None
        link.hsds_extra = self._extra(item, SERVICE_AT_LOCATION_STORED)
        self.links[item.id] = _Plan(
            item, link, existing is None, before=before, service_ref=service_ref, location_ref=location_ref
        )

    def _check_pairs(self) -> None:
        """A service is given at a location once: one link per pair, in the import and in Meedoen."""
        seen: dict[tuple[str, str], Item] = {}
        for plan in self.links.values():
            pair = (plan.service_ref, plan.location_ref)
            if pair in seen:
                self.problem(
                    plan.item,
                    message=_("links the same service and location as %(other)s") % {"other": seen[pair].origin.where},
                )
            seen[pair] = plan.item
        pairs = OfferLocation.objects.filter(
            offer__uuid__in=[offer for offer, _place in seen if _is_uuid(offer)],
            location__uuid__in=[place for _offer, place in seen if _is_uuid(place)],
        ).values_list("offer__uuid", "location__uuid", "uuid")
        for offer_uuid, location_uuid, link_uuid in pairs:
            item = seen.get((str(offer_uuid), str(location_uuid)))
            if item is not None and str(link_uuid) != item.id:
                self.problem(
                    item,
                    message=_("Meedoen already links this service and location, as %(id)s") % {"id": link_uuid},
                )

    def _warn_unused_terms(self) -> None:
        """Terms and taxonomies of other sources live on inside the attributes that use them; say
        which ones no attribute uses, because those are not kept."""
        used_taxonomies: set[str] = set()
        for item in self.items["taxonomy_term"].values():
            if item.id in self.used_terms:
                detail = item.data.get("taxonomy_detail")
                used_taxonomies.add(str(item.data.get("taxonomy_id", "")))
                used_taxonomies.add(str(detail.get("id", "")) if isinstance(detail, Mapping) else "")
        message = _("used by no attribute in this import; Meedoen keeps other taxonomies only where they are used")
        for item in self.items["taxonomy_term"].values():
            unused = item.id not in self.used_terms and item.id not in self.terms_by_uuid
            if item.top_level and unused and self._our_taxonomy(item.data) is None:
                self.warn(item, message=message)
        ours = {str(taxonomy.uuid) for taxonomy in self.taxonomies.values()}
        for item in self.items["taxonomy"].values():
            unused = item.id not in used_taxonomies and item.id not in ours
            if item.top_level and unused and self._our_taxonomy({"taxonomy_detail": item.data}) is None:
                self.warn(item, message=message)

    # hsds_extra

    def _extra(
        self,
        item: Item,
        stored: Iterable[str],
        *,
        derived_roles: Mapping[str, tuple[str, ...]] | None = None,
        derived_ids: Mapping[str, set[str]] | None = None,
        ours_attributes: bool = False,
    ) -> dict[str, Any]:
        """The HSDS fields of ``item`` Meedoen does not store itself, without what it derives itself."""
        skipped = set(stored)
        extra: dict[str, Any] = {}
        parent = uuid.UUID(item.id)
        for key, value in item.data.items():
            if key in skipped:
                continue
            if ours_attributes and key == "attributes" and isinstance(value, list):
                value = [a for a in value if not self._is_ours(a)]
            roles = (derived_roles or {}).get(key)
            own = (derived_ids or {}).get(key, set())
            if (roles or own) and isinstance(value, list):
                value = [entry for entry in value if not _is_derived(parent, entry, roles or (), own)]
            if value == []:
                continue
            extra[key] = value
        return extra

    def _is_ours(self, attribute: Any) -> bool:
        if not isinstance(attribute, dict):
            return False
        term = attribute.get("taxonomy_term")
        key = str(term.get("id") if isinstance(term, dict) else attribute.get("taxonomy_term_id", ""))
        if key in self.terms_by_uuid:
            return True
        if not isinstance(term, dict):
            known = self.items["taxonomy_term"].get(key)
            term = known.data if known is not None else None
        return isinstance(term, dict) and self._our_taxonomy(term) is not None

    # -- writing --

    def write(self, actor: Actor, *, dry_run: bool) -> HsdsImportResult:
        counts: dict[str, list[int]] = {kind: [0, 0, 0] for kind in ("organizations", "services", "locations", "links")}
        changed: dict[str, dict[str, list[str]]] = {"created": {}, "updated": {}}

        def count(kind: str, plan: _Plan, is_changed: bool) -> None:
            position = 0 if plan.created else 1 if is_changed else 2
            counts[kind][position] += 1
            if position < 2:
                changed["created" if position == 0 else "updated"].setdefault(kind, []).append(plan.item.id)

        organisations = self._write_organisations(actor, count)
        offers_changed = self._write_offers(actor, organisations, count)
        moved_places = self._write_locations(actor, organisations, count)
        relinked_offers = self._write_links(count)
        # An offer's search text holds its organisation's name.
        renamed = Offer.objects.filter(organisation__in=self.renamed).exclude(pk__in=[o.pk for o in offers_changed])
        index_offers([*offers_changed, *renamed.select_related("organisation")])
        # Its search rows hold its municipalities and the areas of its places.
        at_moved_places = OfferLocation.objects.filter(location_id__in=moved_places).values_list("offer_id", flat=True)
        refresh_search_rows({*relinked_offers, *at_moved_places} - {offer.pk for offer in offers_changed})
        result = HsdsImportResult(
            organizations=Counts(*counts["organizations"]),
            services=Counts(*counts["services"]),
            locations=Counts(*counts["locations"]),
            service_at_locations=Counts(*counts["links"]),
            warnings=tuple(self.warnings),
            dry_run=dry_run,
        )
        record_change(
            actor=actor,
            action=AUDIT_ACTION,
            municipality_id=self.municipality.pk,
            details={
                "counts": {kind: vars(number) for kind, number in result.by_type().items()},
                **changed,
                "warnings": len(self.warnings),
            },
        )
        return result

    def _organisation_for(self, plan: _Plan, organisations: dict[str, Organisation]) -> Organisation:
        if plan.organisation is not None:
            return plan.organisation
        assert plan.organisation_ref is not None
        found = organisations.get(plan.organisation_ref) or self._db_organisation(plan.organisation_ref)
        assert found is not None
        return found

    def _write_organisations(self, actor: Actor, count: Any) -> dict[str, Organisation]:
        written: dict[str, Organisation] = {}
        for key, plan in self.organisations.items():
            profile: OrganisationProfile = plan.instance
            name = str(plan.item.data.get("name", ""))
            if plan.created:
                organisation = organisation_create(
                    actor=actor, municipality=self.municipality, name=name, kind=self.kind
                )
            else:
                organisation = self._db_organisation(key) or profile.organisation
                if organisation.name != name:
                    organisation.name = name
                    organisation.save(update_fields=["name"])
                    self.renamed.append(organisation)
                if plan.joins:
                    organisation_join_municipality(
                        actor=actor, organisation=organisation, municipality=self.municipality
                    )
            profile.organisation = organisation
            after = (_snapshot(profile, _PROFILE_FIELDS), name)
            is_changed = plan.created or plan.joins or profile.pk is None or after != plan.before
            if profile.pk is None or is_changed:
                profile.save()
            count("organizations", plan, is_changed)
            written[key] = organisation
        # An organisation only Meedoen knows must work where the offers and places of this import are.
        others: dict[int, Organisation] = {}
        for plan in [*self.offers.values(), *self.locations.values()]:
            if plan.organisation_ref in written:
                continue
            other = plan.organisation or self._db_organisation(str(plan.organisation_ref))
            if other is not None:
                others[other.pk] = other
        for organisation in others.values():
            if not organisation.municipalities.filter(pk=self.municipality.pk).exists():
                organisation_join_municipality(actor=actor, organisation=organisation, municipality=self.municipality)
        return written

    def _write_offers(self, actor: Actor, organisations: dict[str, Organisation], count: Any) -> list[Offer]:
        """Save what changed; an offer that stays as it is is not touched (its time of change stays)."""
        changed: list[Offer] = []
        for plan in self.offers.values():
            offer: Offer = plan.instance
            offer.organisation = self._organisation_for(plan, organisations)
            before_municipalities = plan.before[3] if plan.before else frozenset()
            after = _offer_state(offer, plan.themes, plan.target_groups, before_municipalities | {self.municipality.pk})
            if not plan.created and after == plan.before:
                count("services", plan, False)
                continue
            offer.save()
            offer.municipalities.add(self.municipality)
            offer.themes.set(plan.themes)
            offer.target_groups.set(plan.target_groups)
            changed.append(offer)
            count("services", plan, True)
        return changed

    def _write_locations(self, actor: Actor, organisations: dict[str, Organisation], count: Any) -> set[int]:
        """Save what changed; the ids of the places saved."""
        saved: set[int] = set()
        for plan in self.locations.values():
            location: Location = plan.instance
            location.organisation = self._organisation_for(plan, organisations)
            existing = self.db_locations.get(plan.item.id)
            current = {_hours_key(hours) for hours in existing.opening_hours.all()} if existing else set()
            wanted = {_hours_key(hours) for hours in plan.hours or []}
            is_changed = plan.created or _location_state(location) != plan.before or current != wanted
            if is_changed:
                location.save()
                saved.add(location.pk)
            if current != wanted:
                location.opening_hours.all().delete()
                for hours in plan.hours or []:
                    hours.location = location
                OpeningHours.objects.bulk_create(plan.hours or [])
            count("locations", plan, is_changed)
        return saved

    def _write_links(self, count: Any) -> set[int]:
        """Save what changed; the ids of the offers with a link saved or a municipality added."""
        relinked: set[int] = set()
        offers = {key: plan.instance for key, plan in self.offers.items()}
        locations = {key: plan.instance for key, plan in self.locations.items()}
        for plan in self.links.values():
            link: OfferLocation = plan.instance
            link.offer = offers.get(plan.service_ref) or self.db_offers[plan.service_ref]
            link.location = locations.get(plan.location_ref) or self.db_locations[plan.location_ref]
            after = (str(link.offer.uuid), str(link.location.uuid), link.hsds_extra)
            is_changed = plan.created or after != plan.before
            if is_changed:
                link.save()
                relinked.add(link.offer.pk)
            if (
                plan.service_ref not in offers
                and not link.offer.municipalities.filter(pk=self.municipality.pk).exists()
            ):
                link.offer.municipalities.add(self.municipality)  # an offer only Meedoen knew, now given here
                relinked.add(link.offer.pk)
            count("links", plan, is_changed)
        return relinked


# --- small pure helpers -----------------------------------------------------------------------------

_OURS = (THEMES_CODE, TARGET_GROUPS_CODE)
_PROFILE_FIELDS = ("uuid", "description", "website", "email", "phone", "hsds_extra")
_OFFER_FIELDS = (
    "name",
    "description",
    "status",
    "url",
    "email",
    "application_process",
    "conditions",
    "costs",
    "is_free",
    "minimum_age",
    "maximum_age",
    "phone",
    "whatsapp",
    "languages",
    "last_checked",
    "hsds_extra",
    "organisation_id",
)
_LOCATION_FIELDS = (
    "name",
    "description",
    "street_address",
    "postal_code",
    "city",
    "country",
    "area_id",
    "latitude",
    "longitude",
    "accessibility",
    "transportation",
    "hsds_extra",
    "organisation_id",
)


def _dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _is_uuid(text: object) -> bool:
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return len(str(text)) == 36


def _snapshot(instance: models.Model, names: Iterable[str]) -> tuple[Any, ...]:
    return tuple(getattr(instance, name) for name in names)


def _offer_state(
    offer: Offer, themes: Iterable[TaxonomyTerm], target_groups: Iterable[TaxonomyTerm], municipalities: Iterable[int]
) -> tuple[Any, ...]:
    return (
        _snapshot(offer, _OFFER_FIELDS),
        frozenset(term.pk for term in themes),
        frozenset(term.pk for term in target_groups),
        frozenset(municipalities),
    )


def _location_state(location: Location) -> tuple[Any, ...]:
    return _snapshot(location, _LOCATION_FIELDS)


def _hours_key(hours: OpeningHours) -> tuple[Any, ...]:
    return (str(hours.uuid), hours.weekday, hours.opens_at, hours.closes_at, hours.notes)


def _offer_sources(data: Mapping[str, Any]) -> dict[str, tuple[str | int, ...]]:
    index, _phone = first_phone(data.get("phones"))
    whatsapp, _number = whatsapp_phone(data.get("phones"))
    return {
        **OFFER_SOURCES,
        "phone": ("phones", index, "number"),
        "whatsapp": ("phones", whatsapp, "number"),
        "languages": ("languages",),
    }


def _is_free(fees: Any, cost_options: Any) -> bool:
    """Free when the cost options say so, or when nothing speaks of a cost."""
    said = says_free(cost_options)
    return not fees if said is None else said


def _is_derived(parent: uuid.UUID, entry: Any, roles: tuple[str, ...], own_ids: set[str]) -> bool:
    """Whether ``entry`` is a part the export derives for ``parent`` (so not imported data)."""
    if not isinstance(entry, Mapping):
        return False
    entry_id = str(entry.get("id", ""))
    if entry_id in own_ids:
        return True
    for role in roles:
        name = f"{role}{entry.get('code', '')}" if role.endswith("/") else role
        if entry_id == derived_id(parent, name):
            return True
    return False
