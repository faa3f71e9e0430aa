"""The demo's schemes: income supplement, special assistance, tax remission, collective health insurance,
a participation scheme and two partner schemes (a Leergeld-type foundation and the food bank) for each
demo municipality, read from the entitlements app's demo file. Safe to run again."""

from __future__ import annotations

from meedoen.core.access import Actor
from meedoen.entitlements.schemefile import DEMO_SCHEMES, read_scheme_file
from meedoen.entitlements.services import scheme_save
from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap.models import Offer


def load_schemes(actor: Actor, municipality: Municipality, organisations: dict[str, Organisation]) -> None:
    for entry in read_scheme_file(DEMO_SCHEMES):
        if entry.municipality_code != municipality.code:
            continue
        organisation = organisations[entry.organisation_key] if entry.organisation_key else None
        offer = (
            Offer.objects.filter(organisation=organisation, name=entry.offer_name, municipalities=municipality).first()
            if entry.offer_name and organisation is not None
            else None
        )
        scheme_save(
            actor=actor,
            municipality=municipality,
            fields={**entry.fields, "organisation": organisation, "offer": offer},
        )
