"""Resident pages. Nothing a resident types or clicks here is stored."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from meedoen.core.access import actor_of
from meedoen.core.selectors import reads_of_my_data
from meedoen.organisations.models import Municipality, Organisation
from meedoen.organisations.selectors import municipality_by_slug, partner_organisations, public_municipalities

# Kinds of organisation a resident can walk into for help; creditors are not a door.
HELPING_KINDS = (
    Organisation.Kind.MUNICIPALITY_TEAM,
    Organisation.Kind.WELFARE,
    Organisation.Kind.DEBT_HELP,
    Organisation.Kind.FOOD_BANK,
    Organisation.Kind.FOUNDATION,
    Organisation.Kind.VOLUNTEERS,
    Organisation.Kind.FAITH_COMMUNITY,
)


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
    municipality = _municipality(slug)
    organisations = partner_organisations(municipality).filter(kind__in=HELPING_KINDS)
    return render(request, "portal/find_help.html", {"municipality": municipality, "organisations": organisations})


def entitlements(request: HttpRequest, slug: str) -> HttpResponse:
    municipality = _municipality(slug)
    organisations = partner_organisations(municipality).filter(
        kind__in=(Organisation.Kind.MUNICIPALITY_TEAM, Organisation.Kind.DEBT_HELP, Organisation.Kind.WELFARE)
    )
    return render(request, "portal/entitlements.html", {"municipality": municipality, "organisations": organisations})


def my_data(request: HttpRequest, slug: str) -> HttpResponse:
    municipality = _municipality(slug)
    actor = actor_of(request)
    reads = reads_of_my_data(actor=actor)[:200] if actor.is_resident else []
    return render(
        request,
        "portal/my_data.html",
        {"municipality": municipality, "reads": reads, "digid_enabled": settings.DIGID_OIDC_ENABLED},
    )
