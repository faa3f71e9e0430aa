"""Resident pages. Nothing a resident types or clicks here is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from meedoen.core.access import actor_of
from meedoen.core.models import AuditEvent
from meedoen.core.selectors import reads_of_my_data
from meedoen.early_signals import reads
from meedoen.organisations.models import Municipality, Organisation
from meedoen.organisations.selectors import municipality_by_slug, public_municipalities
from meedoen.portal import check_views
from meedoen.portal.forms import HelpSearchForm
from meedoen.socialmap import directory
from meedoen.socialmap.search import OfferQuery, search_offers
from meedoen.socialmap.selectors import taxonomy_terms
from meedoen.socialmap.taxonomy import THEMES_CODE

# A resident reads the first few dozen answers at most; the print view shows the same list.
RESULTS_PER_PAGE = 50


def _municipality(slug: str) -> Municipality:
    municipality = municipality_by_slug(slug)
    if municipality is None:
        raise Http404("no such municipality")
    return municipality


def home(request: HttpRequest) -> HttpResponse:
    municipalities = list(public_municipalities())
    if len(municipalities) == 1:
        return redirect("portal:municipality", slug=municipalities[0].slug)
    return render(request, "portal/choose_municipality.html", {"municipalities": municipalities})


def municipality_home(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "portal/landing.html", {"municipality": _municipality(slug)})


def find_help(request: HttpRequest, slug: str) -> HttpResponse:
    """Search the social map. The question travels in the address (so it can be printed, shared and
    reopened without JavaScript) and is never stored or logged with anything that identifies anyone."""
    municipality = _municipality(slug)
    form = HelpSearchForm(request.GET or None, municipality=municipality)
    query = OfferQuery()
    if form.is_bound and form.is_valid():
        query = OfferQuery(
            text=form.cleaned_data["q"],
            themes=tuple(form.cleaned_data["thema"]),
            target_groups=tuple(form.cleaned_data["doelgroep"]),
            district=form.cleaned_data["wijk"],
        )
    results = search_offers(municipality, query, limit=RESULTS_PER_PAGE) if not form.errors else None
    return render(
        request,
        "portal/find_help.html",
        {
            "municipality": municipality,
            "form": form,
            "query": query,
            "results": results,
            "synonym_theme_names": _names_of(results.synonym_themes if results else []),
        },
    )


def _names_of(theme_codes: list[str]) -> list[str]:
    names = dict(taxonomy_terms(THEMES_CODE).filter(code__in=theme_codes).values_list("code", "name"))
    return [names[code] for code in theme_codes if code in names]


def offer_detail(request: HttpRequest, slug: str, offer_uuid: str) -> HttpResponse:
    municipality = _municipality(slug)
    offer = directory.public_offer(municipality, offer_uuid)
    if offer is None:
        raise Http404("no such offer")
    return render(request, "portal/offer_detail.html", {"municipality": municipality, "offer": offer})


def entitlements(request: HttpRequest, slug: str) -> HttpResponse:
    """The regelingencheck starts here; its steps and outcome are in check_views."""
    return check_views.start(request, _municipality(slug))


@dataclass(frozen=True)
class ReadShown:
    """A read of the resident's data as "Mijn gegevens" shows it: when, who, why and what."""

    when: datetime
    who: str
    why: str
    what: str


def _reads_shown(events: list[AuditEvent]) -> list[ReadShown]:
    """Who is the organisation that read, else the municipality; why and what in words."""
    organisations = dict(
        Organisation.objects.filter(pk__in={e.organisation_id for e in events}).values_list("pk", "name")
    )
    municipalities = dict(
        Municipality.objects.filter(pk__in={e.municipality_id for e in events}).values_list("pk", "name")
    )

    def who(event: AuditEvent) -> str:
        if event.organisation_id in organisations:
            return organisations[event.organisation_id]
        return municipalities.get(event.municipality_id, "") if event.municipality_id is not None else ""

    return [
        ReadShown(
            when=event.created_at,
            who=who(event),
            why=reads.purpose_shown(event.reason),
            what=reads.fields_shown(list(event.details.get("fields", []))),
        )
        for event in events
    ]


def my_data(request: HttpRequest, slug: str) -> HttpResponse:
    municipality = _municipality(slug)
    actor = actor_of(request)
    reads = _reads_shown(list(reads_of_my_data(actor=actor)[:200])) if actor.is_resident else []
    return render(
        request,
        "portal/my_data.html",
        {"municipality": municipality, "reads": reads, "digid_enabled": settings.DIGID_OIDC_ENABLED},
    )
