from __future__ import annotations

from typing import Any

from django.utils import timezone

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
