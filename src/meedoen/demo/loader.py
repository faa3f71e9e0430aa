"""Load the demo: areas, two municipalities, their partners, staff, social map and early signalling.
Safe to run again."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from meedoen.accounts.models import User
from meedoen.accounts.services import staff_user_create, totp_device_set
from meedoen.areas.services import areas_import_cbs, postcode_areas_import
from meedoen.core.access import Actor
from meedoen.demo.compass import load_compass
from meedoen.demo.early_signals import load_early_signals
from meedoen.demo.entitlement_figures import load_entitlement_figures
from meedoen.demo.monitor import load_local_picture
from meedoen.demo.personas import (
    DEMO_PASSWORD,
    DEMO_TOTP_KEY_HEX,
    MUNICIPALITIES,
    PERSONAS,
    REGIONAL_ORGANISATIONS,
    DemoOrganisation,
    organisations_of,
)
from meedoen.demo.schemes import load_schemes
from meedoen.demo.socialmap import load_social_map
from meedoen.organisations.models import Membership, Municipality, Organisation
from meedoen.organisations.services import (
    membership_grant,
    municipality_create,
    organisation_create,
    organisation_join_municipality,
)

DEMO_AREAS = Path(__file__).resolve().parent.parent / "areas" / "data" / "demo-areas.json"
DEMO_POSTCODES = DEMO_AREAS.with_name("demo-postcodes.json")


def load_demo() -> None:
    actor = Actor.system("load_demo")
    areas_import_cbs(actor=actor, data=json.loads(DEMO_AREAS.read_text(encoding="utf-8")), reference_year=2024)
    postcode_areas_import(actor=actor, data=json.loads(DEMO_POSTCODES.read_text(encoding="utf-8")))
    with transaction.atomic():
        organisations: dict[tuple[str, str], Organisation] = {}
        municipalities: dict[str, Municipality] = {}
        for code, name in MUNICIPALITIES:
            municipality = Municipality.objects.filter(code=code).first() or municipality_create(
                actor=actor, code=code, name=name
            )
            municipalities[code] = municipality
            for item in organisations_of(name):
                organisations[(code, item.key)] = _organisation(actor, municipality, item)
            for item in REGIONAL_ORGANISATIONS:
                organisations[(code, item.key)] = _organisation(actor, municipality, item)
        for persona in PERSONAS:
            user = User.objects.filter(username=persona.username).first()
            if user is None:
                user = staff_user_create(
                    actor=actor,
                    username=persona.username,
                    first_name=persona.first_name,
                    last_name=persona.last_name,
                    email=f"{persona.username}@demo.invalid",
                    password=DEMO_PASSWORD,
                    validate=False,
                )
                totp_device_set(actor=actor, user=user, key_hex=DEMO_TOTP_KEY_HEX)
            membership_grant(
                actor=actor,
                user=user,
                organisation=organisations[(persona.municipality_code, persona.organisation_key)],
                municipality=municipalities[persona.municipality_code],
                role=persona.role,
            )
        for code, name in MUNICIPALITIES:
            own = {key: organisation for (town, key), organisation in organisations.items() if town == code}
            load_social_map(actor, municipalities[code], own, name)
            load_schemes(actor, municipalities[code], own)
    load_local_picture(actor)
    load_compass()
    load_entitlement_figures()
    load_early_signals(actor, municipalities, organisations)


def _organisation(actor: Actor, municipality: Municipality, item: DemoOrganisation) -> Organisation:
    existing = Organisation.objects.filter(name=item.name).first()
    if existing is None:
        return organisation_create(actor=actor, municipality=municipality, name=item.name, kind=item.kind)
    if not existing.municipalities.filter(pk=municipality.pk).exists():
        organisation_join_municipality(actor=actor, organisation=existing, municipality=municipality)
    return existing


def demo_memberships() -> list[Membership]:
    return list(
        Membership.objects.filter(user__username__in={p.username for p in PERSONAS})
        .select_related("user", "organisation", "municipality")
        .order_by("municipality__name", "user__username")
    )
