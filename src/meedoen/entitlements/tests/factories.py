from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from meedoen.core.access import Actor, Grant, Role
from meedoen.entitlements.models import Scheme
from meedoen.entitlements.schemefile import DEMO_SCHEMES, read_scheme_file
from meedoen.entitlements.services import scheme_create
from meedoen.organisations.models import Municipality, Organisation
from meedoen.organisations.tests.factories import OrganisationFactory


def keeper_of(municipality: Municipality, organisation: Organisation, role: str = Role.POLICY_OFFICER) -> Actor:
    return Actor(
        user_id=21,
        label=f"{role}-{municipality.code}",
        grants=frozenset({Grant(municipality.pk, organisation.pk, role)}),
        second_factor=True,
    )


def scheme_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "code": "individuele-inkomenstoeslag",
        "name": "Individuele inkomenstoeslag",
        "description": "Eén keer per jaar extra geld bij een langdurig laag inkomen.",
        "kind": Scheme.Kind.INCOME_SUPPLEMENT,
        "income_limit_percent_single": 110,
        "income_limit_percent_single_parent": 110,
        "income_limit_percent_couple": 110,
        "asset_test": Scheme.AssetTest.PARTICIPATIEWET,
        "minimum_age": 21,
        "below_pension_age": True,
        "reference_years": 3,
        "amount": Decimal(400),
        "legal_source": "Verordening individuele inkomenstoeslag",
        "valid_from": date(2026, 1, 1),
    }
    fields.update(overrides)
    return fields


def make_scheme(municipality: Municipality, **overrides: Any) -> Scheme:
    return scheme_create(actor=Actor.system("test"), municipality=municipality, fields=scheme_fields(**overrides))


def load_demo_file_schemes(municipality: Municipality) -> list[Scheme]:
    """The demo file's schemes of one municipality, run by one partner organisation made for the test."""
    partner = OrganisationFactory(kind=Organisation.Kind.FOUNDATION, municipalities=[municipality])
    return [
        scheme_create(
            actor=Actor.system("test"),
            municipality=municipality,
            fields={**entry.fields, "organisation": partner},
        )
        for entry in read_scheme_file(DEMO_SCHEMES)
        if entry.municipality_code == municipality.code
    ]
