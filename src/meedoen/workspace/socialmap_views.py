"""Social map pages of the workspace. Partner staff with the role aanbieder keep their own
organisation's offers and places; policy officers, case workers and application managers read every
offer of the municipality, with the offers nobody checked for six months flagged."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meedoen.core.access import Actor, Role
from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap import services
from meedoen.socialmap.models import Location, Offer
from meedoen.socialmap.selectors import (
    OFFER_READERS,
    STALE_AFTER_MONTHS,
    location_maintained_by,
    locations_maintained_by,
    may_maintain,
    offer_maintained_by,
    offers_maintained_by,
    offers_of_municipality,
    organisations_maintained_by,
)
from meedoen.workspace.decorators import staff_view
from meedoen.workspace.form_handling import Saved, form_page, submitted
from meedoen.workspace.socialmap_forms import LocationForm, OfferForm
from meedoen.workspace.views import _page

PAGE_SIZE = 50
OFFER_FORM_PAGE = "workspace/socialmap/offer_form.html"
LOCATION_FORM_PAGE = "workspace/socialmap/location_form.html"


def _is_maintainer(actor: Actor, municipality: Municipality) -> bool:
    return actor.has_role(Role.OFFER_MAINTAINER, municipality_id=municipality.pk)


def _is_reader(actor: Actor, municipality: Municipality) -> bool:
    return any(actor.has_role(role, municipality_id=municipality.pk) for role in OFFER_READERS)


def _own_offer(actor: Actor, municipality: Municipality, offer_uuid: UUID) -> Offer:
    """An offer the actor keeps; 404 for any other, so that ids of other partners tell nothing."""
    offer = offer_maintained_by(actor=actor, municipality_id=municipality.pk, offer_uuid=offer_uuid)
    if offer is None:
        raise Http404("no offer of this maintainer")
    if not may_maintain(actor, offer):
        raise PermissionDenied("the offer is also given where this maintainer holds no role")
    return offer


def _own_location(actor: Actor, municipality: Municipality, location_uuid: UUID) -> Location:
    location = location_maintained_by(actor=actor, municipality_id=municipality.pk, location_uuid=location_uuid)
    if location is None:
        raise Http404("no place of this maintainer")
    return location


@dataclass(frozen=True)
class OwnOffers:
    """What a maintainer keeps: each offer with whether they may change it, and how many are stale."""

    organisations: list[Organisation]
    offers: list[tuple[Offer, bool]]
    stale: int


@dataclass(frozen=True)
class AllOffers:
    """Every offer of the municipality, a page at a time, for the readers."""

    page: Page[Offer]
    stale_only: bool
    # Only the application manager, who chases partners, gets the count of stale offers.
    stale_count: int | None


@staff_view
def socialmap(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    """The page "Our offers" for a maintainer; every offer of the municipality, read-only, for the readers."""
    maintainer, reader = _is_maintainer(actor, municipality), _is_reader(actor, municipality)
    if not maintainer and not reader:
        raise PermissionDenied("no role that reads the social map")
    own = None
    if maintainer:
        offers = list(offers_maintained_by(actor=actor, municipality_id=municipality.pk))
        own = OwnOffers(
            organisations=list(organisations_maintained_by(actor=actor, municipality_id=municipality.pk)),
            offers=[(offer, may_maintain(actor, offer)) for offer in offers],
            stale=sum(1 for offer in offers if getattr(offer, "is_stale", False)),
        )
    everyone = None
    if reader:
        stale_only = request.GET.get("verouderd") == "1"
        chases_partners = actor.has_role(Role.APPLICATION_MANAGER, municipality_id=municipality.pk)
        everyone = AllOffers(
            page=Paginator(
                offers_of_municipality(actor=actor, municipality_id=municipality.pk, stale_only=stale_only), PAGE_SIZE
            ).get_page(request.GET.get("pagina")),
            stale_only=stale_only,
            stale_count=(
                offers_of_municipality(actor=actor, municipality_id=municipality.pk, stale_only=True).count()
                if chases_partners
                else None
            ),
        )
    return _page(
        request,
        actor,
        municipality,
        "workspace/socialmap/offers.html",
        own=own,
        everyone=everyone,
        stale_months=STALE_AFTER_MONTHS,
    )


def _offer_form_page(
    request: HttpRequest, actor: Actor, municipality: Municipality, offer: Offer | None
) -> HttpResponse:
    organisations = organisations_maintained_by(actor=actor, municipality_id=municipality.pk)
    form = OfferForm(
        submitted(request), actor=actor, municipality=municipality, organisations=organisations, offer=offer
    )

    def save() -> Saved:
        if offer is None:
            created = services.offer_create(
                actor=actor,
                organisation=form.keeping_organisation(),
                fields=form.offer_fields(),
                relations=form.relations(),
            )
            message = _("“%(name)s” is added to the social map.") % {"name": created.name}
        else:
            services.offer_update(actor=actor, offer=offer, fields=form.offer_fields(), relations=form.relations())
            message = _("Your changes to “%(name)s” are saved.") % {"name": offer.name}
        return Saved(message, reverse("workspace:socialmap"))

    return form_page(request, actor, municipality, OFFER_FORM_PAGE, form, save, lambda: {"offer": offer})


@staff_view
def offer_create(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    return _offer_form_page(request, actor, municipality, None)


@staff_view
def offer_edit(request: HttpRequest, actor: Actor, municipality: Municipality, offer: UUID) -> HttpResponse:
    return _offer_form_page(request, actor, municipality, _own_offer(actor, municipality, offer))


@require_POST
@staff_view
def offer_checked(request: HttpRequest, actor: Actor, municipality: Municipality, offer: UUID) -> HttpResponse:
    """The maintainer confirms the offer is still right as it stands."""
    current = _own_offer(actor, municipality, offer)
    services.offer_mark_checked(actor=actor, offer=current)
    messages.success(request, _("Thank you: “%(name)s” is marked as checked today.") % {"name": current.name})
    return redirect("workspace:socialmap")


@staff_view
def offer_delete(request: HttpRequest, actor: Actor, municipality: Municipality, offer: UUID) -> HttpResponse:
    """Ask first; only a POST from the confirmation page deletes."""
    current = _own_offer(actor, municipality, offer)
    if request.method == "POST":
        name = current.name
        services.offer_delete(actor=actor, offer=current)
        messages.success(request, _("“%(name)s” is deleted from the social map.") % {"name": name})
        return redirect("workspace:socialmap")
    return _page(request, actor, municipality, "workspace/socialmap/offer_delete.html", offer=current)


@staff_view
def locations(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    return _page(
        request,
        actor,
        municipality,
        "workspace/socialmap/locations.html",
        locations=locations_maintained_by(actor=actor, municipality_id=municipality.pk),
        organisations=organisations_maintained_by(actor=actor, municipality_id=municipality.pk),
    )


def _location_form_page(
    request: HttpRequest, actor: Actor, municipality: Municipality, location: Location | None
) -> HttpResponse:
    organisations = organisations_maintained_by(actor=actor, municipality_id=municipality.pk)
    form = LocationForm(submitted(request), municipality=municipality, organisations=organisations, location=location)

    def save() -> Saved:
        saved = services.location_save(
            actor=actor,
            organisation=form.keeping_organisation(),
            municipality=municipality,
            fields=form.location_fields(),
            opening_hours=form.opening_hours(),
            location=location,
        )
        return Saved(_("The place “%(name)s” is saved.") % {"name": saved.name}, reverse("workspace:locations"))

    return form_page(request, actor, municipality, LOCATION_FORM_PAGE, form, save, lambda: {"location": location})


@staff_view
def location_create(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    return _location_form_page(request, actor, municipality, None)


@staff_view
def location_edit(request: HttpRequest, actor: Actor, municipality: Municipality, location: UUID) -> HttpResponse:
    return _location_form_page(request, actor, municipality, _own_location(actor, municipality, location))
