"""The public HSDS 3.0 API of a municipality's social map: read-only, no login, no personal data.

It follows the Open Referral HSDS OpenAPI description (``schema/openapi.json`` of HSDS 3.0): a root
with the HSDS version, and for services, organizations, services at locations, taxonomies and
taxonomy terms a paginated list and a detail by id. Only active offers of the municipality in the
path are shown. The objects come from ``socialmap.hsds.export``, the same as ``hsds_export`` writes.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from meedoen.core.numbers import whole_number
from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap.hsds.export import (
    HSDS_VERSION,
    HsdsObject,
    active_offers,
    hsds_page,
    location_to_hsds,
    locations_for_export,
    municipality_by_code,
    offers_for_export,
    organisation_by_hsds_id,
    organisations_for_export,
    organization_summary,
    organization_to_hsds,
    organization_with_services,
    service_at_location_summary,
    service_at_location_to_hsds,
    service_at_locations_for_export,
    service_summary,
    service_to_hsds,
    taxonomies_for_export,
    taxonomy_term_to_hsds,
    taxonomy_terms_for_export,
    taxonomy_to_hsds,
    without,
)
from meedoen.socialmap.models import Offer, OfferLocation, Taxonomy, TaxonomyTerm
from meedoen.socialmap.search import OfferQuery, search_offer_ids
from meedoen.socialmap.text import query_words

PER_PAGE = 50
MAX_PER_PAGE = 100
# Text search ranks at most this many offers; more than a municipality's social map holds.
MAX_SEARCH_RESULTS = 1000
MAX_SEARCH_LENGTH = 200
MUNICIPALITY_CODE = re.compile(r"^GM[0-9]{4}$")
F = TypeVar("F", bound=Callable[..., Any])
HSDS_SCHEMA = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


# --- request parameters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageRequest:
    number: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    def slice(self, total: int) -> tuple[int, int] | None:
        """The rows of this page, or None when the page lies past the last one."""
        if self.offset >= total:
            return None
        return self.offset, self.offset + self.per_page


def page_request(request: Request) -> PageRequest:
    """``page`` (from 1) and ``per_page`` (1 to 100; more is cut to 100)."""
    number = _positive_int(request, "page", default=1)
    per_page = min(_positive_int(request, "per_page", default=PER_PAGE), MAX_PER_PAGE)
    return PageRequest(number=number, per_page=per_page)


def _positive_int(request: Request, name: str, *, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    number = whole_number(raw, digits=9)
    if number is None or number < 1:
        raise ValidationError({name: [_("Give a whole number from 1 to 999999999, not “%(value)s”.") % {"value": raw}]})
    return number


def _uuid(request: Request, name: str) -> uuid.UUID | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValidationError({name: [_("Give an HSDS id (a UUID), not “%(value)s”.") % {"value": raw}]}) from None


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "").lower()
    if raw in ("", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise ValidationError({name: [_("Give true or false.")]})


def _since(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            {name: [_("Give a date and time such as 2026-01-31T09:00:00Z, not “%(value)s”.") % {"value": raw}]}
        ) from None
    try:
        # HSDS: times without an offset are in UTC.
        return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    except OverflowError:
        raise ValidationError({name: [_("Give a date and time between the years 1 and 9999.")]}) from None


def _search(request: Request) -> str:
    text = request.query_params.get("search") or request.query_params.get("q") or ""
    if len(text) > MAX_SEARCH_LENGTH:
        raise ValidationError(
            {"search": [_("Search with at most %(count)s characters.") % {"count": MAX_SEARCH_LENGTH}]}
        )
    if any(unicodedata.category(char) == "Cc" for char in text):
        # Control characters mean nothing in a search, and PostgreSQL refuses NUL in text.
        raise ValidationError({"search": [_("Search with letters, digits and punctuation only.")]})
    return text


def _hsds_id(raw: str, kind: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound(_("No %(kind)s with id “%(id)s”.") % {"kind": kind, "id": raw}) from None


# --- documentation --------------------------------------------------------------------------------------


class HsdsRootSerializer(serializers.Serializer[Any]):
    version = serializers.CharField(help_text="HSDS version of this API.")
    openapi_url = serializers.URLField(help_text="URL of the OpenAPI description of this API.")


class HsdsPageSerializer(serializers.Serializer[Any]):
    total_items = serializers.IntegerField(help_text="The number of objects in all pages together.")
    total_pages = serializers.IntegerField()
    page_number = serializers.IntegerField()
    size = serializers.IntegerField(help_text="The number of objects on this page.")
    first_page = serializers.BooleanField()
    last_page = serializers.BooleanField()
    empty = serializers.BooleanField(help_text="True when this page holds no objects.")
    contents = serializers.ListField(child=serializers.DictField())


class HsdsErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


MUNICIPALITY = OpenApiParameter(
    "municipality",
    str,
    OpenApiParameter.PATH,
    pattern=r"^GM[0-9]{4}$",
    description="CBS code of the municipality, such as GM0867.",
)
ID = OpenApiParameter("hsds_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The HSDS id of the object.")
PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1."),
    OpenApiParameter("per_page", int, description=f"Objects per page (default {PER_PAGE}, at most {MAX_PER_PAGE})."),
]
SEARCH = OpenApiParameter("search", str, description="Full text search (also accepted as `q`).")
FULL = OpenApiParameter("full", bool, description="Fully nested objects instead of their plain fields.")
FULL_SERVICE = OpenApiParameter("full_service", bool, description="Fully nested services within an organization.")
SERVICE_FILTERS = [
    OpenApiParameter("taxonomy_term_id", OpenApiTypes.UUID, description="Only services with this taxonomy term."),
    OpenApiParameter("taxonomy_id", OpenApiTypes.UUID, description="Only services with a term of this taxonomy."),
    OpenApiParameter("organization_id", OpenApiTypes.UUID, description="Only services of this organization."),
    OpenApiParameter(
        "modified_after", OpenApiTypes.DATETIME, description="Only services changed at or after this time (UTC)."
    ),
]
ERRORS = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description='A query parameter is malformed: its name and what is wrong, such as {"page": ["..."]}.',
    ),
    404: OpenApiResponse(HsdsErrorSerializer, description="No such municipality or object."),
}


def _list_schema(
    name: str, summary: str, parameters: Sequence[OpenApiParameter], item_schema: str, full_schema: str = ""
) -> Callable[[F], F]:
    described = f"Each object in `contents` follows HSDS 3.0 `{item_schema}`"
    if full_schema:
        described += f"; with `full=true`, `{full_schema}`"
    return extend_schema(
        operation_id=f"hsds_{name}_list",
        tags=["hsds"],
        summary=summary,
        description=f"A page of objects. {described}.",
        parameters=[MUNICIPALITY, *parameters, *PAGE_PARAMETERS],
        responses={200: HsdsPageSerializer, **ERRORS},
    )


def _detail_schema(
    name: str, summary: str, schema: str, parameters: Sequence[OpenApiParameter] = ()
) -> Callable[[F], F]:
    return extend_schema(
        operation_id=f"hsds_{name}_retrieve",
        tags=["hsds"],
        summary=summary,
        description=f"Follows HSDS 3.0 `{schema}` ({HSDS_SCHEMA}{schema}).",
        parameters=[MUNICIPALITY, ID, *parameters],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description=f"HSDS 3.0 `{schema}`"), **ERRORS},
    )


# --- views ------------------------------------------------------------------------------------------------


class HsdsView(APIView):
    """Public and read-only: no session is read, so no cookie and no CSRF token are involved."""

    permission_classes = [AllowAny]
    authentication_classes = []
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # HSDS lets clients ask for ?format=ndjson; say plainly that only JSON is offered.
        requested = request.query_params.get("format", "")
        if not force and requested not in ("", "json"):
            raise ValidationError({"format": [_("Only json is offered, not “%(value)s”.") % {"value": requested}]})
        return super().perform_content_negotiation(request, force)

    def get_municipality(self, code: str) -> Municipality:
        municipality = municipality_by_code(code) if MUNICIPALITY_CODE.match(code) else None
        if municipality is None:
            raise NotFound(_("No municipality with code “%(code)s” here.") % {"code": code})
        return municipality


class RootView(HsdsView):
    @extend_schema(
        operation_id="hsds_root",
        tags=["hsds"],
        summary="About this HSDS API",
        parameters=[MUNICIPALITY],
        responses={200: HsdsRootSerializer, 404: ERRORS[404]},
    )
    def get(self, request: Request, municipality: str) -> Response:
        self.get_municipality(municipality)
        openapi_url = request.build_absolute_uri(reverse("api-schema")) + "?format=json"
        return Response({"version": HSDS_VERSION, "openapi_url": openapi_url})


class ServiceListView(HsdsView):
    @_list_schema(
        "services",
        "Services",
        [SEARCH, FULL, *SERVICE_FILTERS],
        "compiled/service_list.json",
        "compiled/service.json",
    )
    def get(self, request: Request, municipality: str) -> Response:
        place = self.get_municipality(municipality)
        page = page_request(request)
        full = _flag(request, "full")
        ranked = _ranked_offer_ids(request, place)
        rows = page.slice(len(ranked))
        page_ids = ranked[rows[0] : rows[1]] if rows else []
        offers = {offer.pk: offer for offer in offers_for_export(place).filter(pk__in=page_ids)}
        services = [service_to_hsds(offers[pk]) for pk in page_ids]
        contents = services if full else [service_summary(service) for service in services]
        return Response(hsds_page(contents, total_items=len(ranked), page_number=page.number, per_page=page.per_page))


class ServiceDetailView(HsdsView):
    @_detail_schema("services", "A service, fully nested", "compiled/service.json")
    def get(self, request: Request, municipality: str, hsds_id: str) -> Response:
        place = self.get_municipality(municipality)
        offer = offers_for_export(place).filter(uuid=_hsds_id(hsds_id, "service")).first()
        if offer is None:
            raise NotFound(_("No service with id “%(id)s”.") % {"id": hsds_id})
        return Response(service_to_hsds(offer))


class OrganizationListView(HsdsView):
    @_list_schema(
        "organizations",
        "Organizations",
        [SEARCH, FULL, FULL_SERVICE],
        "compiled/organization_list.json",
        "compiled/organization.json",
    )
    def get(self, request: Request, municipality: str) -> Response:
        place = self.get_municipality(municipality)
        page = page_request(request)
        full, full_service = _flag(request, "full"), _flag(request, "full_service")
        organisations = organisations_for_export(place)
        text = _search(request).strip()
        if text:
            organisations = organisations.filter(name__icontains=text)
        total = organisations.count()
        rows = page.slice(total)
        chosen = list(organisations[rows[0] : rows[1]]) if rows else []
        if full:
            contents = _full_organizations(place, chosen, full_service=full_service)
        else:
            contents = [organization_summary(organization_to_hsds(organisation)) for organisation in chosen]
        return Response(hsds_page(contents, total_items=total, page_number=page.number, per_page=page.per_page))


class OrganizationDetailView(HsdsView):
    @_detail_schema(
        "organizations", "An organization with its services and locations", "compiled/organization.json", [FULL_SERVICE]
    )
    def get(self, request: Request, municipality: str, hsds_id: str) -> Response:
        place = self.get_municipality(municipality)
        full_service = _flag(request, "full_service")
        organisation = organisation_by_hsds_id(place, _hsds_id(hsds_id, "organization"))
        if organisation is None:
            raise NotFound(_("No organization with id “%(id)s”.") % {"id": hsds_id})
        return Response(_full_organizations(place, [organisation], full_service=full_service)[0])


class ServiceAtLocationListView(HsdsView):
    @_list_schema(
        "service_at_locations",
        "Services at locations",
        [SEARCH, FULL, *SERVICE_FILTERS],
        "compiled/service_at_location_list.json",
        "compiled/service_at_location.json",
    )
    def get(self, request: Request, municipality: str) -> Response:
        place = self.get_municipality(municipality)
        page = page_request(request)
        full = _flag(request, "full")
        rank = {pk: position for position, pk in enumerate(_ranked_offer_ids(request, place))}
        links = service_at_locations_for_export(place).filter(offer_id__in=list(rank))
        ordered = sorted(links.values_list("pk", "offer_id"), key=lambda row: rank[row[1]])
        rows = page.slice(len(ordered))
        chosen = ordered[rows[0] : rows[1]] if rows else []
        offers = {o.pk: o for o in offers_for_export(place).filter(pk__in={offer_id for _pk, offer_id in chosen})}
        contents = []
        for pk, offer_id in chosen:
            offer = offers[offer_id]
            service = service_to_hsds(offer)
            link = service_at_location_to_hsds(_link_of(offer, pk), service=without(service, "service_at_locations"))
            contents.append(link if full else service_at_location_summary(link, service))
        return Response(hsds_page(contents, total_items=len(ordered), page_number=page.number, per_page=page.per_page))


class ServiceAtLocationDetailView(HsdsView):
    @_detail_schema(
        "service_at_locations", "A service at a location, fully nested", "compiled/service_at_location.json"
    )
    def get(self, request: Request, municipality: str, hsds_id: str) -> Response:
        place = self.get_municipality(municipality)
        key = _hsds_id(hsds_id, "service at location")
        found = service_at_locations_for_export(place).filter(uuid=key).values_list("pk", "offer_id").first()
        if found is None:
            raise NotFound(_("No service at location with id “%(id)s”.") % {"id": hsds_id})
        offer = offers_for_export(place).get(pk=found[1])
        service = without(service_to_hsds(offer), "service_at_locations")
        return Response(service_at_location_to_hsds(_link_of(offer, found[0]), service=service))


class TaxonomyListView(HsdsView):
    @_list_schema("taxonomies", "Taxonomies", [SEARCH], "taxonomy.json")
    def get(self, request: Request, municipality: str) -> Response:
        self.get_municipality(municipality)
        page = page_request(request)
        taxonomies: QuerySet[Taxonomy] = taxonomies_for_export()
        text = _search(request).strip()
        if text:
            taxonomies = taxonomies.filter(Q(name__icontains=text) | Q(description__icontains=text))
        return Response(_page_of(taxonomies, page, taxonomy_to_hsds))


class TaxonomyDetailView(HsdsView):
    @_detail_schema("taxonomies", "A taxonomy", "taxonomy.json")
    def get(self, request: Request, municipality: str, hsds_id: str) -> Response:
        self.get_municipality(municipality)
        taxonomy = taxonomies_for_export().filter(uuid=_hsds_id(hsds_id, "taxonomy")).first()
        if taxonomy is None:
            raise NotFound(_("No taxonomy with id “%(id)s”.") % {"id": hsds_id})
        return Response(taxonomy_to_hsds(taxonomy))


class TaxonomyTermListView(HsdsView):
    @_list_schema(
        "taxonomy_terms",
        "Taxonomy terms",
        [
            SEARCH,
            OpenApiParameter("taxonomy_id", OpenApiTypes.UUID, description="Only terms of this taxonomy."),
            OpenApiParameter("parent_id", OpenApiTypes.UUID, description="Only terms with this broader term."),
            OpenApiParameter("top_only", bool, description="Only terms without a broader term."),
        ],
        "taxonomy_term.json",
    )
    def get(self, request: Request, municipality: str) -> Response:
        self.get_municipality(municipality)
        page = page_request(request)
        terms: QuerySet[TaxonomyTerm] = taxonomy_terms_for_export()
        text = _search(request).strip()
        if text:
            terms = terms.filter(Q(name__icontains=text) | Q(description__icontains=text))
        taxonomy_id = _uuid(request, "taxonomy_id")
        if taxonomy_id is not None:
            terms = terms.filter(taxonomy__uuid=taxonomy_id)
        parent_id = _uuid(request, "parent_id")
        if parent_id is not None:
            terms = terms.filter(parent__uuid=parent_id)
        if _flag(request, "top_only"):
            terms = terms.filter(parent__isnull=True)
        return Response(_page_of(terms, page, taxonomy_term_to_hsds))


class TaxonomyTermDetailView(HsdsView):
    @_detail_schema("taxonomy_terms", "A taxonomy term", "taxonomy_term.json")
    def get(self, request: Request, municipality: str, hsds_id: str) -> Response:
        self.get_municipality(municipality)
        term = taxonomy_terms_for_export().filter(uuid=_hsds_id(hsds_id, "taxonomy term")).first()
        if term is None:
            raise NotFound(_("No taxonomy term with id “%(id)s”.") % {"id": hsds_id})
        return Response(taxonomy_term_to_hsds(term))


# --- helpers ------------------------------------------------------------------------------------------------


def _ranked_offer_ids(request: Request, municipality: Municipality) -> list[int]:
    """Ids of the active offers the query asks for: best text match first when there are search
    words, by name otherwise."""
    offers = _filtered_offers(request, municipality)
    text = _search(request)
    if not query_words(text):
        return list(offers.order_by("name", "pk").values_list("pk", flat=True))
    wanted = set(offers.values_list("pk", flat=True))
    found = search_offer_ids(municipality, OfferQuery(text=text), limit=MAX_SEARCH_RESULTS)
    return [pk for pk in found if pk in wanted]


def _filtered_offers(request: Request, municipality: Municipality) -> QuerySet[Offer]:
    offers = active_offers(municipality)
    term_id = _uuid(request, "taxonomy_term_id")
    if term_id is not None:
        offers = offers.filter(
            Q(pk__in=Offer.objects.filter(themes__uuid=term_id).values("pk"))
            | Q(pk__in=Offer.objects.filter(target_groups__uuid=term_id).values("pk"))
        )
    taxonomy_id = _uuid(request, "taxonomy_id")
    if taxonomy_id is not None:
        offers = offers.filter(
            Q(pk__in=Offer.objects.filter(themes__taxonomy__uuid=taxonomy_id).values("pk"))
            | Q(pk__in=Offer.objects.filter(target_groups__taxonomy__uuid=taxonomy_id).values("pk"))
        )
    organization_id = _uuid(request, "organization_id")
    if organization_id is not None:
        organisation = organisation_by_hsds_id(municipality, organization_id)
        offers = offers.filter(organisation=organisation) if organisation is not None else offers.none()
    since = _since(request, "modified_after")
    if since is not None:
        offers = offers.filter(updated_at__gte=since)
    return offers


def _full_organizations(
    municipality: Municipality, organisations: Sequence[Organisation], *, full_service: bool
) -> list[HsdsObject]:
    offers = list(offers_for_export(municipality).filter(organisation__in=organisations))
    places = list(locations_for_export(municipality).filter(organisation__in=organisations))
    return [
        organization_with_services(
            organisation,
            services=[service_to_hsds(offer) for offer in offers if offer.organisation_id == organisation.pk],
            locations=[location_to_hsds(place) for place in places if place.organisation_id == organisation.pk],
            full_services=full_service,
        )
        for organisation in organisations
    ]


def _link_of(offer: Offer, pk: int) -> OfferLocation:
    return next(link for link in offer.offer_locations.all() if link.pk == pk)


def _page_of(queryset: QuerySet[Any], page: PageRequest, translate: Callable[[Any], HsdsObject]) -> HsdsObject:
    total = queryset.count()
    rows = page.slice(total)
    contents = [translate(item) for item in queryset[rows[0] : rows[1]]] if rows else []
    return hsds_page(contents, total_items=total, page_number=page.number, per_page=page.per_page)
