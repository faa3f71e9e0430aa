"""A municipality's social map as Open Referral HSDS 3.0 objects: what the public HSDS API serves and
``hsds_export`` writes.

Two halves. The reads at the top fetch only the public social map of one municipality: active offers
offered there, the places in that municipality where they are given, the organisations behind them,
and the managed taxonomies. The translations below them are pure functions from already fetched
model instances to JSON-ready dicts; they never query (every relation they read is fetched by the
reads) and never write.

Choices a reader of the output might question:

- Every object's HSDS ``id`` is its ``uuid``. Objects Meedoen does not store on their own (an
  address, a phone, a language, an attribute) get a UUID derived with ``uuid5`` from their parent's
  id and their role, so every export gives them the same id. An organisation without a social map
  profile gets one derived from its slug (``organisation_hsds_id``); exports never write, so they do
  not create profiles, and a profile made later keeps that id (``new_profile``).
- ``state_province`` is required in an HSDS address, but Dutch addresses have no such line and
  Meedoen stores no provinces. It holds the municipality (gemeente) of the place: the
  administrative area that runs the social domain, always known, and never wrong (a province
  guessed from the postcode would be, near borders).
- Opening hours are weekly schedules in local Dutch time, "09:00" without an offset: a fixed UTC
  offset would be wrong for half the year.
- Ways in (walk in, phone, ...) have no HSDS field; they are named at the end of
  ``application_process``. A free offer gets ``cost_options`` with amount 0 besides its
  ``fees_description``.
- ``hsds_extra`` (HSDS fields Meedoen does not model, kept from an import) is merged back, but only
  fields the HSDS schema defines for that object and Meedoen does not produce itself, and never
  ``contacts`` or ``metadata``, nor the ``attention`` of an address, at any depth: those name
  people, and the social map is public.
- Of the lists Meedoen reads only in part (phones, languages, addresses, accessibility, schedules,
  cost options) the imported list comes back as it came while it still says what Meedoen stores
  (the rules of ``mapping``); once the offer or place is changed in Meedoen, the list is built from
  what Meedoen stores. Attributes of other taxonomies and imported service areas come back next to
  Meedoen's own.
- Text Meedoen composes (eligibility, fees, ways in, language names) is in the language of the
  data, ``settings.LANGUAGE_CODE``, whatever language the caller reads the site in.
"""

from __future__ import annotations

import copy
import math
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap.hsds.mapping import (
    accessibility_text,
    chosen_address,
    first_phone,
    language_codes,
    says_free,
    weekly_hours,
    whatsapp_phone,
)
from meedoen.socialmap.languages import language_name
from meedoen.socialmap.models import (
    Location,
    Offer,
    OfferLocation,
    OpeningHours,
    OrganisationProfile,
    Taxonomy,
    TaxonomyTerm,
)
from meedoen.socialmap.taxonomy import TARGET_GROUPS_CODE, THEMES_CODE

HsdsObject = dict[str, Any]

HSDS_VERSION = "3.0"
# The namespace of ids Meedoen derives for objects without a stored UUID of their own.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:meedoen:hsds")
COUNTRY = "NL"
CURRENCY = "EUR"

# The fields HSDS 3.0 defines, per object (schema/*.json). List pages carry only the plain fields.
SERVICE_FIELDS = (
    "id",
    "organization_id",
    "program_id",
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "status",
    "interpretation_services",
    "application_process",
    "fees_description",
    "wait_time",
    "fees",
    "accreditations",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "assured_date",
    "assurer_email",
    "licenses",
    "alert",
    "last_modified",
)
SERVICE_LISTS = (
    "phones",
    "schedules",
    "service_areas",
    "service_at_locations",
    "languages",
    "funding",
    "cost_options",
    "required_documents",
    "contacts",
    "attributes",
    "metadata",
)
SERVICE_OBJECTS = ("organization", "program")
ORGANIZATION_FIELDS = (
    "id",
    "name",
    "alternate_name",
    "description",
    "email",
    "website",
    "tax_status",
    "tax_id",
    "year_incorporated",
    "legal_status",
    "logo",
    "uri",
    "parent_organization_id",
)
ORGANIZATION_LISTS = (
    "funding",
    "contacts",
    "phones",
    "locations",
    "programs",
    "organization_identifiers",
    "attributes",
    "metadata",
)
LOCATION_FIELDS = (
    "id",
    "location_type",
    "url",
    "organization_id",
    "name",
    "alternate_name",
    "description",
    "transportation",
    "latitude",
    "longitude",
    "external_identifier",
    "external_identifier_type",
)
LOCATION_LISTS = (
    "languages",
    "addresses",
    "contacts",
    "accessibility",
    "phones",
    "schedules",
    "attributes",
    "metadata",
)
SERVICE_AT_LOCATION_FIELDS = ("id", "service_id", "location_id", "description")
SERVICE_AT_LOCATION_LISTS = ("contacts", "phones", "schedules", "attributes", "metadata")
PROGRAM_FIELDS = ("id", "organization_id", "name", "alternate_name", "description")

# What Meedoen produces itself; an imported value of these in ``hsds_extra`` is stale by definition,
# or, for the lists Meedoen reads in part, given back only after checking it still agrees.
SERVICE_MODELLED = frozenset(
    {
        "id",
        "organization_id",
        "name",
        "description",
        "url",
        "email",
        "status",
        "application_process",
        "fees_description",
        "fees",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "assured_date",
        "last_modified",
        "phones",
        "service_areas",
        "service_at_locations",
        "languages",
        "organization",
        "cost_options",
        "attributes",
    }
)
ORGANIZATION_MODELLED = frozenset({"id", "name", "description", "email", "website", "phones", "locations"})
LOCATION_MODELLED = frozenset(
    {
        "id",
        "location_type",
        "organization_id",
        "name",
        "description",
        "transportation",
        "latitude",
        "longitude",
        "addresses",
        "accessibility",
        "schedules",
    }
)
SERVICE_AT_LOCATION_MODELLED = frozenset({"id", "service_id", "location_id", "location"})
# HSDS objects that name people (contact persons; who changed what): never published.
NEVER_PUBLISHED = frozenset({"contacts", "metadata"})
# Fields of imported objects that name a person: an address's "for the attention of".
PERSONAL_FIELDS = frozenset({"attention"})

STATUS = {
    Offer.Status.ACTIVE: "active",
    Offer.Status.TEMPORARILY_CLOSED: "temporarily closed",
    Offer.Status.INACTIVE: "inactive",
    Offer.Status.DEFUNCT: "defunct",
}
BYDAY = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}
# How an offer relates to a term, in ``attribute.link_type``.
LINK_THEME = "theme"
LINK_TARGET_GROUP = "target_group"
# Taxonomies whose term names Meedoen writes, in Dutch (see socialmap.taxonomy).
DUTCH_TAXONOMIES = frozenset({THEMES_CODE, TARGET_GROUPS_CODE})

P = ParamSpec("P")
R = TypeVar("R")


# --- reads: the public social map of one municipality -----------------------------------------------


def municipality_by_code(code: str) -> Municipality | None:
    return Municipality.objects.filter(code=code).first()


def active_offers(municipality: Municipality) -> QuerySet[Offer]:
    """Offers residents of the municipality can use now: the only offers the HSDS output shows."""
    return Offer.objects.filter(municipalities=municipality, status=Offer.Status.ACTIVE)


def offers_for_export(municipality: Municipality) -> QuerySet[Offer]:
    """Active offers with everything ``service_to_hsds`` reads, in a fixed order."""
    return (
        active_offers(municipality)
        .select_related("organisation__socialmap_profile")
        .prefetch_related(
            Prefetch("municipalities", queryset=Municipality.objects.order_by("name", "pk")),
            Prefetch("themes", queryset=_terms()),
            Prefetch("target_groups", queryset=_terms()),
            Prefetch("offer_locations", queryset=_offer_locations(municipality)),
        )
        .order_by("name", "pk")
    )


def service_at_locations_for_export(municipality: Municipality) -> QuerySet[OfferLocation]:
    """Active offers at places in the municipality. A place elsewhere (an offer given in two
    municipalities) belongs to the other municipality's map."""
    return (
        _offer_locations(municipality)
        .filter(offer__in=active_offers(municipality))
        .select_related("offer")
        .order_by("offer__name", "location__name", "pk")
    )


def locations_for_export(municipality: Municipality) -> QuerySet[Location]:
    """Places in the municipality where at least one active offer is given."""
    offered = OfferLocation.objects.filter(offer__in=active_offers(municipality)).values("location_id")
    return (
        Location.objects.filter(municipality=municipality, pk__in=offered)
        .select_related("organisation__socialmap_profile", "municipality")
        .prefetch_related(Prefetch("opening_hours", queryset=_opening_hours()))
        .order_by("name", "pk")
    )


def organisations_for_export(municipality: Municipality) -> QuerySet[Organisation]:
    """Organisations with an active offer in the municipality, or keeping a place where one is given."""
    offering = active_offers(municipality).values("organisation_id")
    keeping = locations_for_export(municipality).values("organisation_id")
    return (
        Organisation.objects.filter(Q(pk__in=offering) | Q(pk__in=keeping))
        .select_related("socialmap_profile")
        .order_by("name", "pk")
    )


def organisation_by_hsds_id(municipality: Municipality, hsds_id: uuid.UUID) -> Organisation | None:
    """The organisation of the municipality's social map with this HSDS id. Ids derived from a slug
    exist only in the output, so they are matched there; a municipality has at most a few hundred
    organisations."""
    wanted = str(hsds_id)
    return next(
        (o for o in organisations_for_export(municipality) if organisation_hsds_id(o) == wanted),
        None,
    )


def taxonomies_for_export() -> QuerySet[Taxonomy]:
    """The taxonomies are shared by every municipality: the same words everywhere."""
    return Taxonomy.objects.order_by("code", "pk")


def taxonomy_terms_for_export() -> QuerySet[TaxonomyTerm]:
    return _terms().order_by("taxonomy__code", "position", "name", "pk")


def _terms() -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.select_related("taxonomy", "parent").order_by("position", "name", "pk")


def _opening_hours() -> QuerySet[OpeningHours]:
    return OpeningHours.objects.order_by("weekday", "opens_at", "pk")


def _offer_locations(municipality: Municipality) -> QuerySet[OfferLocation]:
    return (
        OfferLocation.objects.filter(location__municipality=municipality)
        .select_related("location__organisation__socialmap_profile", "location__municipality")
        .prefetch_related(Prefetch("location__opening_hours", queryset=_opening_hours()))
        .order_by("location__name", "pk")
    )


def export_municipality(municipality: Municipality) -> dict[str, list[HsdsObject]]:
    """The whole public social map of a municipality, each object as its HSDS API detail shows it."""
    offers = list(offers_for_export(municipality))
    services = {offer.pk: service_to_hsds(offer) for offer in offers}
    locations = list(locations_for_export(municipality))
    organisations = list(organisations_for_export(municipality))
    service_at_locations = [
        service_at_location_to_hsds(offer_location, service=without(services[offer.pk], "service_at_locations"))
        for offer in offers
        for offer_location in offer.offer_locations.all()
    ]
    return {
        "services": list(services.values()),
        "organizations": [
            organization_with_services(
                organisation,
                services=[services[offer.pk] for offer in offers if offer.organisation_id == organisation.pk],
                locations=[location_to_hsds(place) for place in locations if place.organisation_id == organisation.pk],
            )
            for organisation in organisations
        ],
        "locations": [location_to_hsds(place) for place in locations],
        "service_at_locations": service_at_locations,
        "taxonomies": [taxonomy_to_hsds(taxonomy) for taxonomy in taxonomies_for_export()],
        "taxonomy_terms": [taxonomy_term_to_hsds(term) for term in taxonomy_terms_for_export()],
    }


# --- translations: model instances to HSDS objects ----------------------------------------------------


def derived_id(parent: uuid.UUID, role: str) -> str:
    """A stable id for a part of ``parent`` that Meedoen does not store on its own."""
    return str(uuid.uuid5(parent, role))


def organisation_hsds_id(organisation: Organisation) -> str:
    """The organisation's profile UUID, or one derived from its slug while it has no profile."""
    profile = _profile(organisation)
    if profile is not None:
        return str(profile.uuid)
    return str(organisation_slug_id(organisation))


def organisation_slug_id(organisation: Organisation) -> uuid.UUID:
    """The HSDS id of an organisation without a profile."""
    return uuid.uuid5(ID_NAMESPACE, f"organisation/{organisation.slug}")


def new_profile(organisation: Organisation) -> OrganisationProfile:
    """An unsaved profile for an organisation that has none, with the id the exports gave it so far:
    the model's default (a random UUID) would change the organisation's HSDS id."""
    return OrganisationProfile(organisation=organisation, uuid=organisation_slug_id(organisation))


def in_data_language(function: Callable[P, R]) -> Callable[P, R]:
    """Compose text in the language the social map is written in, not the caller's."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translation.override(settings.LANGUAGE_CODE):
            return function(*args, **kwargs)

    return wrapper


def taxonomy_to_hsds(taxonomy: Taxonomy) -> HsdsObject:
    return _compact(
        {
            "id": str(taxonomy.uuid),
            "name": taxonomy.name,
            "description": taxonomy.description,
            "uri": taxonomy.uri,
            "version": taxonomy.version,
        },
        keep=("description",),
    )


def taxonomy_term_to_hsds(term: TaxonomyTerm) -> HsdsObject:
    taxonomy = term.taxonomy
    return _compact(
        {
            "id": str(term.uuid),
            "code": term.code,
            "name": term.name,
            "description": term.description,
            "parent_id": str(term.parent.uuid) if term.parent is not None else None,
            "taxonomy": taxonomy.uri or taxonomy.name,
            "taxonomy_id": str(taxonomy.uuid),
            "language": settings.LANGUAGE_CODE if taxonomy.code in DUTCH_TAXONOMIES else None,
            "taxonomy_detail": taxonomy_to_hsds(taxonomy),
        },
        keep=("description",),
    )


@in_data_language
def organization_to_hsds(
    organisation: Organisation,
    *,
    services: Sequence[HsdsObject] | None = None,
    locations: Sequence[HsdsObject] | None = None,
) -> HsdsObject:
    """An organisation; with ``services`` and ``locations`` the fully nested form of its API detail."""
    profile = _profile(organisation)
    organization_id = organisation_hsds_id(organisation)
    extra = profile.hsds_extra if profile is not None else {}
    phones = _imported(extra, "phones")
    if phones is None or profile is None or first_phone(phones)[1] != profile.phone:
        phones = []
        if profile is not None and profile.phone:
            phones.append(
                {
                    "id": derived_id(uuid.UUID(organization_id), "phone/voice"),
                    "organization_id": organization_id,
                    "number": profile.phone,
                    "type": "voice",
                }
            )
    data = _compact(
        {
            "id": organization_id,
            "name": organisation.name,
            # Required by HSDS; until the organisation writes its own, say what kind it is.
            "description": (profile.description if profile is not None else "")
            or capfirst(str(organisation.get_kind_display())),
            "email": profile.email if profile is not None else "",
            "website": profile.website if profile is not None else "",
            "phones": phones,
        },
        keep=("description", "phones"),
    )
    if locations is not None:
        data["locations"] = list(locations)
    if services is not None:
        data["services"] = list(services)
    return _merge_extra(
        data,
        extra,
        fields=ORGANIZATION_FIELDS,
        lists=ORGANIZATION_LISTS,
        objects=(),
        modelled=ORGANIZATION_MODELLED,
    )


def organization_with_services(
    organisation: Organisation,
    *,
    services: Sequence[HsdsObject],
    locations: Sequence[HsdsObject],
    full_services: bool = False,
) -> HsdsObject:
    """The fully nested organisation of its API detail. Its services are plain unless
    ``full_services``; they leave out the organisation they are nested in."""
    nested = [without(service if full_services else service_summary(service), "organization") for service in services]
    return organization_to_hsds(organisation, services=nested, locations=locations)


@in_data_language
def location_to_hsds(location: Location) -> HsdsObject:
    location_id = str(location.uuid)
    key = location.uuid
    addresses = _imported(location.hsds_extra, "addresses")
    if addresses is None or not _is_address_of(addresses, location):
        addresses = [
            {
                "id": derived_id(key, "address/physical"),
                "location_id": location_id,
                "address_1": location.street_address,
                "city": location.city,
                "state_province": location.municipality.name,
                "postal_code": location.postal_code,
                "country": location.country or COUNTRY,
                "address_type": "physical",
            }
        ]
    accessibility = _imported(location.hsds_extra, "accessibility")
    if accessibility is None or accessibility_text(accessibility) != location.accessibility:
        accessibility = (
            [
                {
                    "id": derived_id(key, "accessibility"),
                    "location_id": location_id,
                    "description": location.accessibility,
                }
            ]
            if location.accessibility
            else []
        )
    opening_hours = list(location.opening_hours.all())
    schedules = _imported(location.hsds_extra, "schedules")
    if schedules is None or sorted(hours.key for hours in weekly_hours(schedules)) != sorted(
        (hours.weekday, hours.opens_at, hours.closes_at, hours.notes) for hours in opening_hours
    ):
        schedules = [schedule_to_hsds(hours, location_id=location_id) for hours in opening_hours]
    data = _compact(
        {
            "id": location_id,
            "location_type": "physical",
            "organization_id": organisation_hsds_id(location.organisation),
            "name": location.name,
            "description": location.description,
            "transportation": location.transportation,
            "latitude": _number(location.latitude),
            "longitude": _number(location.longitude),
            "addresses": addresses,
            "accessibility": accessibility,
            "schedules": schedules,
        },
        keep=("addresses", "accessibility", "schedules"),
    )
    return _merge_extra(
        data,
        location.hsds_extra,
        fields=LOCATION_FIELDS,
        lists=LOCATION_LISTS,
        objects=(),
        modelled=LOCATION_MODELLED,
    )


@in_data_language
def schedule_to_hsds(hours: OpeningHours, *, location_id: str) -> HsdsObject:
    """Opening hours on one weekday, every week, in local Dutch time."""
    opens, closes = f"{hours.opens_at:%H:%M}", f"{hours.closes_at:%H:%M}"
    return _compact(
        {
            "id": str(hours.uuid),
            "location_id": location_id,
            "freq": "WEEKLY",
            "interval": 1,
            "byday": BYDAY[hours.weekday],
            "opens_at": opens,
            "closes_at": closes,
            "description": f"{capfirst(str(hours.get_weekday_display()))} {opens}-{closes}",
            "notes": hours.notes,
        }
    )


def service_at_location_to_hsds(offer_location: OfferLocation, *, service: HsdsObject | None = None) -> HsdsObject:
    """An offer at a place, with the place; with ``service`` the fully nested form of its API detail."""
    data: HsdsObject = {
        "id": str(offer_location.uuid),
        "service_id": str(offer_location.offer.uuid),
        "location_id": str(offer_location.location.uuid),
        "location": location_to_hsds(offer_location.location),
    }
    if service is not None:
        data["service"] = service
    return _merge_extra(
        data,
        offer_location.hsds_extra,
        fields=SERVICE_AT_LOCATION_FIELDS,
        lists=SERVICE_AT_LOCATION_LISTS,
        objects=(),
        modelled=SERVICE_AT_LOCATION_MODELLED,
    )


@in_data_language
def service_to_hsds(offer: Offer) -> HsdsObject:
    """An offer as a fully nested HSDS service, with its organisation and places."""
    service_id = str(offer.uuid)
    key = offer.uuid
    extra = offer.hsds_extra
    municipalities = list(offer.municipalities.all())
    attributes = [
        _attribute(key, term, link_type)
        for link_type, terms in ((LINK_THEME, offer.themes.all()), (LINK_TARGET_GROUP, offer.target_groups.all()))
        for term in terms
    ]
    data = _compact(
        {
            "id": service_id,
            "organization_id": organisation_hsds_id(offer.organisation),
            "name": offer.name,
            "description": offer.description,
            "url": offer.url,
            "email": offer.email,
            "status": STATUS[Offer.Status(offer.status)],
            "application_process": application_process_text(offer),
            "fees_description": fees_text(offer),
            "eligibility_description": eligibility_text(offer, municipalities),
            "minimum_age": offer.minimum_age,
            "maximum_age": offer.maximum_age,
            "assured_date": offer.last_checked.isoformat(),
            "last_modified": _timestamp(offer.updated_at),
            "organization": organization_to_hsds(offer.organisation),
            "service_at_locations": [
                service_at_location_to_hsds(offer_location) for offer_location in offer.offer_locations.all()
            ],
            "phones": _service_phones(offer),
            "languages": _service_languages(offer),
            "cost_options": _cost_options(offer),
            "service_areas": _service_areas(offer, municipalities),
            # Terms of other taxonomies, as imported, next to Meedoen's themes and target groups.
            "attributes": _joined(attributes, _imported(extra, "attributes") or []),
        },
        keep=("service_at_locations", "phones", "languages", "cost_options", "service_areas", "attributes"),
    )
    return _merge_extra(
        data,
        extra,
        fields=SERVICE_FIELDS,
        lists=SERVICE_LISTS,
        objects=SERVICE_OBJECTS,
        modelled=SERVICE_MODELLED,
    )


@in_data_language
def application_process_text(offer: Offer) -> str:
    """How to apply, followed by the ways in, which HSDS has no field for."""
    parts = [offer.application_process.strip()]
    ways = [str(Offer.WayIn(code).label) for code in offer.ways_in if code in Offer.WayIn.values]
    if ways:
        parts.append(_("Ways in: %(ways)s.") % {"ways": ", ".join(ways)})
    return "\n\n".join(part for part in parts if part)


@in_data_language
def fees_text(offer: Offer) -> str:
    costs = offer.costs.strip()
    if offer.is_free:
        return " ".join(part for part in (_("Free of charge."), costs) if part)
    return costs or _("Not free of charge; ask about the costs.")


@in_data_language
def eligibility_text(offer: Offer, municipalities: Iterable[Municipality]) -> str:
    parts = [offer.conditions.strip()]
    if offer.income_limit_percent is not None:
        parts.append(
            _("For an income up to %(percent)s%% of the social minimum.") % {"percent": offer.income_limit_percent}
        )
    if offer.residents_only:
        names = [municipality.name for municipality in municipalities]
        parts.append(_("Only for residents of %(places)s.") % {"places": ", ".join(names)})
    return " ".join(part for part in parts if part)


def _service_phones(offer: Offer) -> list[HsdsObject]:
    imported = _imported(offer.hsds_extra, "phones")
    if imported is not None and (first_phone(imported)[1], whatsapp_phone(imported)[1]) == (
        offer.phone,
        offer.whatsapp,
    ):
        return imported
    service_id, key = str(offer.uuid), offer.uuid
    phones = []
    if offer.phone:
        phones.append(
            {"id": derived_id(key, "phone/voice"), "service_id": service_id, "number": offer.phone, "type": "voice"}
        )
    if offer.whatsapp:
        phones.append(
            {
                "id": derived_id(key, "phone/whatsapp"),
                "service_id": service_id,
                "number": offer.whatsapp,
                "type": "text",
                "description": "WhatsApp",
            }
        )
    return phones


def _service_languages(offer: Offer) -> list[HsdsObject]:
    imported = _imported(offer.hsds_extra, "languages")
    if imported is not None and language_codes(imported) == list(offer.languages):
        return imported
    return [
        _compact(
            {
                "id": derived_id(offer.uuid, f"language/{code}"),
                "service_id": str(offer.uuid),
                "name": _language_name(code),
                "code": code,
            }
        )
        for code in offer.languages
    ]


def _cost_options(offer: Offer) -> list[HsdsObject]:
    """The imported cost options while they agree on whether the offer is free; else the option
    "free of charge" for a free offer, and none for one that is not (its fees_description says it)."""
    imported = _imported(offer.hsds_extra, "cost_options")
    if imported is not None and (says_free(imported) is True) == offer.is_free:
        return imported
    if not offer.is_free:
        return []
    return [
        {
            "id": derived_id(offer.uuid, "cost_option/free"),
            "service_id": str(offer.uuid),
            "option": _("Free of charge"),
            "currency": CURRENCY,
            "amount": 0,
        }
    ]


def _service_areas(offer: Offer, municipalities: Sequence[Municipality]) -> list[HsdsObject]:
    """A service area per municipality the offer is offered in, then the imported ones; a
    municipality an imported area already names (by name) is not named twice."""
    imported = _imported(offer.hsds_extra, "service_areas") or []
    named = {str(area.get("name", "")).strip().casefold() for area in imported}
    own = [
        {
            "id": derived_id(offer.uuid, f"service_area/{municipality.code}"),
            "service_id": str(offer.uuid),
            "name": municipality.name,
            "description": _("The municipality of %(name)s (CBS code %(code)s).")
            % {"name": municipality.name, "code": municipality.code},
        }
        for municipality in municipalities
        if municipality.name.strip().casefold() not in named
    ]
    return _joined(own, imported)


def _attribute(service_key: uuid.UUID, term: TaxonomyTerm, link_type: str) -> HsdsObject:
    return {
        "id": derived_id(service_key, f"attribute/{term.uuid}"),
        "link_id": str(service_key),
        "link_type": link_type,
        "link_entity": "service",
        "taxonomy_term_id": str(term.uuid),
        "taxonomy_term": taxonomy_term_to_hsds(term),
    }


def _language_name(code: str) -> str:
    name = str(language_name(code))
    return "" if name == code else name


# --- list pages ---------------------------------------------------------------------------------------


def service_summary(service: Mapping[str, Any]) -> HsdsObject:
    """A service with only its plain fields and its organisation's, as list pages show it."""
    summary = pick(service, SERVICE_FIELDS)
    if isinstance(service.get("organization"), Mapping):
        summary["organization"] = organization_summary(service["organization"])
    if isinstance(service.get("program"), Mapping):
        summary["program"] = pick(service["program"], PROGRAM_FIELDS)
    return summary


def organization_summary(organization: Mapping[str, Any]) -> HsdsObject:
    return pick(organization, ORGANIZATION_FIELDS)


def location_summary(location: Mapping[str, Any]) -> HsdsObject:
    return pick(location, LOCATION_FIELDS)


def service_at_location_summary(service_at_location: Mapping[str, Any], service: Mapping[str, Any]) -> HsdsObject:
    summary = pick(service_at_location, SERVICE_AT_LOCATION_FIELDS)
    summary["location"] = location_summary(service_at_location["location"])
    summary["service"] = service_summary(service)
    return summary


def hsds_page(contents: Sequence[HsdsObject], *, total_items: int, page_number: int, per_page: int) -> HsdsObject:
    """One page of a list, in the envelope of the HSDS OpenAPI description (``Page``).

    A page past the last one is empty rather than an error, so a client that walks the pages stops
    cleanly; ``size`` is the number of objects on this page.
    """
    total_pages = math.ceil(total_items / per_page)
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not contents,
        "contents": list(contents),
    }


def pick(data: Mapping[str, Any], keys: Iterable[str]) -> HsdsObject:
    return {key: data[key] for key in keys if key in data}


def without(data: Mapping[str, Any], *keys: str) -> HsdsObject:
    return {key: value for key, value in data.items() if key not in keys}


# --- helpers ---------------------------------------------------------------------------------------------


def _profile(organisation: Organisation) -> OrganisationProfile | None:
    # A missing profile raises RelatedObjectDoesNotExist, an AttributeError.
    profile = getattr(organisation, "socialmap_profile", None)
    assert profile is None or isinstance(profile, OrganisationProfile)
    return profile


def _compact(data: HsdsObject, *, keep: Iterable[str] = ()) -> HsdsObject:
    """Leave out what is unknown (None or empty) unless HSDS requires the field or it is a list."""
    kept = set(keep)
    return {key: value for key, value in data.items() if key in kept or value not in (None, "", [])}


def _imported(extra: object, key: str) -> list[HsdsObject] | None:
    """The list ``key`` as imported, ready to publish; None when there is none."""
    value = extra.get(key) if isinstance(extra, Mapping) else None
    if not value or not _is_list_of_objects(value):
        return None
    published: list[HsdsObject] = _published(value)
    return published


def _joined(own: list[HsdsObject], imported: Iterable[Mapping[str, Any]]) -> list[HsdsObject]:
    """Meedoen's own objects, then the imported ones with another id."""
    seen = {str(item.get("id")) for item in own}
    return [*own, *(dict(item) for item in imported if str(item.get("id")) not in seen)]


def _is_address_of(addresses: Sequence[Mapping[str, Any]], location: Location) -> bool:
    """Whether the address Meedoen keeps of ``addresses`` is still the place's."""
    index = chosen_address(addresses)
    if index is None:
        return False
    address = addresses[index]
    return (
        str(address.get("address_1", "")),
        str(address.get("postal_code", "")),
        str(address.get("city", "")),
        str(address.get("country", "")).strip().upper(),
    ) == (location.street_address, location.postal_code, location.city, location.country)


def _published(value: Any) -> Any:
    """A deep copy without what names people (contacts, metadata, attention), at any depth."""
    if isinstance(value, Mapping):
        return {
            key: _published(child)
            for key, child in value.items()
            if key not in NEVER_PUBLISHED and key not in PERSONAL_FIELDS
        }
    if isinstance(value, list):
        return [_published(child) for child in value]
    return copy.deepcopy(value)


def _merge_extra(
    data: HsdsObject,
    extra: object,
    *,
    fields: Iterable[str],
    lists: Iterable[str],
    objects: Iterable[str],
    modelled: frozenset[str],
) -> HsdsObject:
    """Add the imported HSDS fields Meedoen does not model, each only in the shape HSDS gives it."""
    if not isinstance(extra, Mapping):
        return data
    shapes: dict[str, Callable[[object], bool]] = {}
    for key in fields:
        shapes[key] = _is_plain
    for key in lists:
        shapes[key] = _is_list_of_objects
    for key in objects:
        shapes[key] = _is_object
    for key, value in extra.items():
        if key in modelled or key in NEVER_PUBLISHED or key in data:
            continue
        shape = shapes.get(key)
        if shape is not None and shape(value):
            data[key] = _published(value)
    return data


def _is_plain(value: object) -> bool:
    return isinstance(value, str | int | float | bool)


def _is_object(value: object) -> bool:
    return isinstance(value, Mapping)


def _is_list_of_objects(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, Mapping) for item in value)


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as HSDS asks of ``last_modified``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
