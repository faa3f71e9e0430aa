"""What residents see of the social map: public reads, no login, no personal data."""

from __future__ import annotations

import uuid

from meedoen.organisations.models import Municipality
from meedoen.socialmap.models import Offer


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
