"""Social map test data, made through the services as staff would: places in a municipality's
districts, and offers with themes and target groups that residents reach at a place or by phone."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from meedoen.areas.models import Area
from meedoen.core.access import Actor, Grant, Role
from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap.models import Location, Offer, TaxonomyTerm
from meedoen.socialmap.services import OfferRelations, location_save, offer_create


def maintainer_of(organisation: Organisation, *municipalities: Municipality, user_id: int = 11) -> Actor:
    return Actor(
        user_id=user_id,
        label=f"aanbieder-{organisation.slug}",
        grants=frozenset(Grant(m.pk, organisation.pk, Role.OFFER_MAINTAINER) for m in municipalities),
        second_factor=True,
    )


def term(code: str) -> TaxonomyTerm:
    return TaxonomyTerm.objects.get(code=code)


def make_offer(
    organisation: Organisation,
    municipality: Municipality,
    *,
    name: str = "Spreekuur",
    description: str = "Kom langs met je vragen.",
    themes: tuple[str, ...] = (),
    target_groups: tuple[str, ...] = (),
    locations: tuple[Location, ...] = (),
    **fields: Any,
) -> Offer:
    return offer_create(
        actor=Actor.system("test"),
        organisation=organisation,
        fields={"name": name, "description": description, **fields},
        relations=OfferRelations(
            municipalities=(municipality,),
            themes=tuple(term(code) for code in themes),
            target_groups=tuple(term(code) for code in target_groups),
            locations=locations,
        ),
    )


def walk_in_offer(organisation: Organisation, place: Location, name: str, **fields: Any) -> Offer:
    """An offer residents walk in for at ``place``: a search by district finds it in the place's
    district only (in none, when the place has no district)."""
    return make_offer(organisation, place.municipality, name=name, locations=(place,), ways_in=["inloop"], **fields)


def phone_offer(organisation: Organisation, municipality: Municipality, name: str, **fields: Any) -> Offer:
    """An offer residents reach by phone: it reaches every district of the municipality."""
    return make_offer(organisation, municipality, name=name, ways_in=["telefoon"], **fields)


def districts_in(municipality: Municipality) -> list[Area]:
    """The municipality's districts by code (the ``world`` fixture gives each municipality three)."""
    return list(Area.objects.filter(parent__code=municipality.code).order_by("code"))


def make_location(
    organisation: Organisation, municipality: Municipality, *, area: Any = None, name: str = "Buurthuis"
) -> Location:
    return location_save(
        actor=Actor.system("test"),
        organisation=organisation,
        municipality=municipality,
        fields={
            "name": name,
            "street_address": "Dorpsstraat 1",
            "postal_code": "5141 AB",
            "city": "Waalwijk",
            "area": area,
        },
    )


def today() -> Any:
    return timezone.localdate()
