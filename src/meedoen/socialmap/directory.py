"""What residents see of the social map: public reads, no login, no personal data."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from meedoen.areas.models import Area
from meedoen.organisations.models import Municipality
from meedoen.socialmap.models import Offer, TaxonomyTerm
from meedoen.socialmap.taxonomy import TARGET_GROUPS_CODE, THEMES_CODE


def themes() -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.filter(taxonomy__code=THEMES_CODE).order_by("position")


def target_groups() -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.filter(taxonomy__code=TARGET_GROUPS_CODE).order_by("position")


def districts(municipality: Municipality) -> QuerySet[Area]:
    return Area.objects.filter(parent__code=municipality.code, level=Area.Level.DISTRICT).order_by("name")


def public_offer(municipality: Municipality, offer_uuid: str) -> Offer | None:
    """An active offer of the municipality, with everything its page shows; None when there is none."""
    try:
        key = uuid.UUID(offer_uuid)
    except ValueError:
        return None
    return (
        Offer.objects.filter(uuid=key, municipalities=municipality, status=Offer.Status.ACTIVE)
        .select_related("organisation")
        .prefetch_related(
            "themes",
            "target_groups",
            "offer_locations__location__area",
            "offer_locations__location__opening_hours",
        )
        .first()
    )
