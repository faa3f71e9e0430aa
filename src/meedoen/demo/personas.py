"""The demo's municipalities, partner organisations and staff personas. All people are invented."""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass

from meedoen.core.access import Role
from meedoen.organisations.models import Organisation

DEMO_PASSWORD = "meedoen-demo-2026"
# One authenticator key for every persona, so one entry in an authenticator app serves the demo.
DEMO_TOTP_KEY_HEX = "4d656564656e2d64656d6f2d746f74702d6b6579"
DEMO_TOTP_SECRET = b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode()

MUNICIPALITIES = (("GM0867", "Waalwijk"), ("GM0938", "Meerssen"))

K = Organisation.Kind


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    name: str
    kind: str


def organisations_of(town: str) -> tuple[DemoOrganisation, ...]:
    """Local partners of one municipality, one of each kind in the poverty LAB's practice."""
    return (
        DemoOrganisation("gemeente", f"Gemeente {town}, team Werk en Inkomen", K.MUNICIPALITY_TEAM),
        DemoOrganisation("welzijn", f"Wijkteam {town}", K.WELFARE),
        DemoOrganisation("schuldhulp", f"Schuldhulp {town}", K.DEBT_HELP),
        DemoOrganisation("voedselbank", f"Voedselbank {town}", K.FOOD_BANK),
        DemoOrganisation("fonds", f"Stichting Kansen voor Kinderen {town}", K.FOUNDATION),
        DemoOrganisation("woningcorporatie", f"Woonstichting {town}", K.HOUSING_CORPORATION),
        DemoOrganisation("school", f"Basisschool De Regenboog {town}", K.SCHOOL),
        DemoOrganisation("vrijwilligers", f"Vrijwilligerscentrale {town}", K.VOLUNTEERS),
        DemoOrganisation("kerk", f"Diaconie Protestantse Gemeente {town}", K.FAITH_COMMUNITY),
        DemoOrganisation("winkel", f"Kringloopwinkel {town}", K.SHOP),
    )


# Regional creditors that work in both municipalities.
REGIONAL_ORGANISATIONS = (
    DemoOrganisation("energie", "Energie Zuid", K.ENERGY_SUPPLIER),
    DemoOrganisation("water", "Waterbedrijf Zuid", K.WATER_COMPANY),
    DemoOrganisation("zorgverzekeraar", "Zorgverzekeraar Zuid", K.HEALTH_INSURER),
)


@dataclass(frozen=True)
class Persona:
    username: str
    first_name: str
    last_name: str
    municipality_code: str
    organisation_key: str
    role: str


PERSONAS = (
    Persona("ww-beleid", "Fatima", "de Groot", "GM0867", "gemeente", Role.POLICY_OFFICER),
    Persona("ww-consulent", "Joost", "Verhoeven", "GM0867", "schuldhulp", Role.CASEWORKER),
    Persona("ww-vroegsignalering", "Anouk", "van Dijk", "GM0867", "gemeente", Role.EARLY_SIGNALS_OFFICER),
    Persona("ww-aanbieder", "Henk", "Smits", "GM0867", "voedselbank", Role.OFFER_MAINTAINER),
    Persona("ww-beheer", "Lotte", "Jansen", "GM0867", "gemeente", Role.APPLICATION_MANAGER),
    Persona("ww-auditor", "Mehmet", "Kaya", "GM0867", "gemeente", Role.AUDITOR),
    Persona("ms-beleid", "Sanne", "Coenen", "GM0938", "gemeente", Role.POLICY_OFFICER),
    Persona("ms-consulent", "Ruud", "Hermans", "GM0938", "welzijn", Role.CASEWORKER),
    Persona("ms-vroegsignalering", "Iris", "Lemmens", "GM0938", "gemeente", Role.EARLY_SIGNALS_OFFICER),
    Persona("ms-aanbieder", "Noor", "Bakker", "GM0938", "fonds", Role.OFFER_MAINTAINER),
    Persona("ms-beheer", "Tom", "Vroemen", "GM0938", "gemeente", Role.APPLICATION_MANAGER),
    Persona("ms-auditor", "Eva", "Willems", "GM0938", "gemeente", Role.AUDITOR),
    # One person, two tenants: the energy supplier keeps its offer in both municipalities.
    Persona("zuid-aanbieder", "Daan", "Peters", "GM0867", "energie", Role.OFFER_MAINTAINER),
    Persona("zuid-aanbieder", "Daan", "Peters", "GM0938", "energie", Role.OFFER_MAINTAINER),
    # A clerk of the energy supplier uploads its signals by hand, for both municipalities it has an
    # agreement with (see demo.early_signals), and sees nothing else of them.
    Persona("zuid-aanlevering", "Priya", "Ramdin", "GM0867", "energie", Role.CREDITOR_DELIVERER),
    Persona("zuid-aanlevering", "Priya", "Ramdin", "GM0938", "energie", Role.CREDITOR_DELIVERER),
)
