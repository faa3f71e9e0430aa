"""Schemes are data that staff keep: the model refuses impossible schemes, the database refuses them too,
and only policy officers and application managers of the municipality change them, with an audit record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from meedoen.core.access import Actor, Role
from meedoen.core.models import AuditEvent
from meedoen.entitlements.models import Scheme
from meedoen.entitlements.rules.schemes import AmountUnit, AssetTest, IncomeTest, Kind
from meedoen.entitlements.services import scheme_create, scheme_delete, scheme_save, scheme_update
from meedoen.entitlements.tests.factories import keeper_of, make_scheme, scheme_fields
from meedoen.organisations.models import Organisation
from meedoen.organisations.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def make_offer(organisation, municipality, *, name):
    # The social map sits beside this app in the layers, so its model is reached through the relation.
    offer_model = Scheme._meta.get_field("offer").related_model
    offer = offer_model.objects.create(
        organisation=organisation, name=name, description="Voor kinderen.", last_checked=date(2026, 11, 1)
    )
    offer.municipalities.add(municipality)
    return offer


def refused(world, **overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        make_scheme(world.waalwijk, **overrides)
    assert not Scheme.objects.exists()
    return error.value.message_dict


@pytest.mark.parametrize("percent", [100, 200])
def test_income_limits_from_100_to_200_percent_are_accepted(world, percent):
    scheme = make_scheme(world.waalwijk, income_limit_percent_couple=percent)
    assert scheme.income_limit_percent_couple == percent


@pytest.mark.parametrize("percent", [0, 99, 201, 500])
def test_income_limits_outside_100_to_200_percent_are_refused(world, percent):
    assert "income_limit_percent_single" in refused(world, income_limit_percent_single=percent)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": Decimal(-1)}, "amount"),
        ({"amount_per_child": Decimal("-0.01")}, "amount_per_child"),
        ({"income_limit_percent_couple": None}, "income_limit_percent_couple"),
        ({"income_test": IncomeTest.NONE}, "income_limit_percent_single"),
        ({"asset_test": AssetTest.OWN}, "asset_limit_single"),
        (
            {"asset_test": AssetTest.OWN, "asset_limit_single": Decimal(-5), "asset_limit_family": Decimal(10)},
            "asset_limit_single",
        ),
        ({"asset_limit_family": Decimal(1000)}, "asset_limit_family"),
        ({"minimum_age": 67, "maximum_age": 21}, "maximum_age"),
        ({"maximum_age": 121}, "maximum_age"),
        ({"child_minimum_age": 12, "child_maximum_age": 4}, "child_maximum_age"),
        ({"child_maximum_age": 18}, "child_maximum_age"),
        ({"amount_unit": AmountUnit.CHILD}, "amount_unit"),
        ({"reference_years": 11}, "reference_years"),
        ({"valid_until": date(2025, 12, 31)}, "valid_until"),
        ({"kind": Kind.PARTNER}, "organisation"),
        ({"code": "Geen Slug!"}, "code"),
        ({"kind": "iets-anders"}, "kind"),
        ({"name": ""}, "name"),
    ],
)
def test_impossible_schemes_are_refused_with_the_field_named(world, overrides, field):
    assert field in refused(world, **overrides)


def test_a_partner_scheme_needs_an_organisation_and_an_offer_of_this_municipality(world):
    assert "organisation" in refused(world, kind=Kind.PARTNER, organisation=world.ms_team)
    offer_elsewhere = make_offer(world.ms_team, world.meerssen, name="Kindpakket")
    assert "offer" in refused(world, offer=offer_elsewhere)
    foundation = OrganisationFactory(kind=Organisation.Kind.FOUNDATION, municipalities=[world.waalwijk])
    offer = make_offer(foundation, world.waalwijk, name="Laptop voor school")
    scheme = make_scheme(world.waalwijk, kind=Kind.PARTNER, organisation=foundation, offer=offer)
    assert scheme.to_rule().kind == Kind.PARTNER


def test_a_code_is_unique_within_a_municipality_only(world):
    make_scheme(world.waalwijk)
    make_scheme(world.meerssen)
    with pytest.raises(ValidationError) as error:
        make_scheme(world.waalwijk)
    assert "__all__" in error.value.message_dict


@pytest.mark.parametrize(
    "overrides",
    [
        {"income_limit_percent_single": 99},
        {"income_limit_percent_couple": 201},
        {"amount": Decimal(-1)},
        {"asset_limit_single": Decimal(-1)},
        {"minimum_age": 30, "maximum_age": 20},
        {"child_minimum_age": 9, "child_maximum_age": 3},
        {"valid_until": date(2020, 1, 1)},
    ],
)
def test_the_database_refuses_impossible_schemes_that_skip_validation(world, overrides):
    with pytest.raises(IntegrityError), transaction.atomic():
        Scheme.objects.create(municipality=world.waalwijk, **scheme_fields(**overrides))


def test_a_policy_officer_keeps_the_schemes_of_their_municipality_with_an_audit_record(world):
    actor = keeper_of(world.waalwijk, world.ww_team)
    scheme = scheme_create(actor=actor, municipality=world.waalwijk, fields=scheme_fields())
    scheme = scheme_update(actor=actor, scheme=scheme, fields={"amount": Decimal(450)})
    assert scheme.amount == 450
    records = AuditEvent.objects.filter(action__startswith="scheme.").order_by("id")
    assert [(r.action, r.municipality_id, r.actor_id) for r in records] == [
        ("scheme.create", world.waalwijk.pk, actor.user_id),
        ("scheme.update", world.waalwijk.pk, actor.user_id),
    ]
    assert records[1].details == {"fields": ["amount"]}
    scheme_delete(actor=actor, scheme=scheme)
    assert not Scheme.objects.exists()
    assert AuditEvent.objects.filter(action="scheme.delete").count() == 1


@pytest.mark.parametrize(
    "who",
    [
        lambda world: keeper_of(world.waalwijk, world.ww_foodbank, Role.OFFER_MAINTAINER),
        lambda world: keeper_of(world.waalwijk, world.ww_team, Role.CASEWORKER),
        lambda world: keeper_of(world.meerssen, world.ms_team, Role.POLICY_OFFICER),
        lambda world: Actor(user_id=5, label="zonder tweede stap"),
    ],
    ids=["offer maintainer", "case worker", "policy officer elsewhere", "no second factor"],
)
def test_others_cannot_change_schemes_and_nothing_changes(world, who):
    scheme = make_scheme(world.waalwijk)
    actor = who(world)
    records = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        scheme_create(actor=actor, municipality=world.waalwijk, fields=scheme_fields(code="andere"))
    with pytest.raises(PermissionDenied):
        scheme_update(actor=actor, scheme=scheme, fields={"amount": Decimal(1)})
    with pytest.raises(PermissionDenied):
        scheme_delete(actor=actor, scheme=scheme)
    scheme.refresh_from_db()
    assert scheme.amount == 400
    assert Scheme.objects.count() == 1
    assert AuditEvent.objects.count() == records


def test_saving_the_same_scheme_again_changes_nothing(world):
    actor = Actor.system("test")
    first = scheme_save(actor=actor, municipality=world.waalwijk, fields=scheme_fields())
    records = AuditEvent.objects.count()
    again = scheme_save(actor=actor, municipality=world.waalwijk, fields=scheme_fields())
    assert again.pk == first.pk
    assert AuditEvent.objects.count() == records
    changed = scheme_save(actor=actor, municipality=world.waalwijk, fields=scheme_fields(amount=Decimal(500)))
    assert changed.pk == first.pk
    assert changed.amount == 500


def test_only_known_fields_are_written(world):
    with pytest.raises(ValueError, match="not editable"):
        scheme_create(actor=Actor.system("test"), municipality=world.waalwijk, fields=scheme_fields(uuid="0" * 32))


def test_a_scheme_row_becomes_the_rule_the_engine_reads(world):
    rule = make_scheme(world.waalwijk, amount=Decimal("412.50")).to_rule()
    assert rule.key == "gm0867_individuele_inkomenstoeslag"
    assert (rule.income_limit_percent_single, rule.reference_years, rule.amount) == (110, 3, Decimal("412.50"))
    assert rule.asset_test == AssetTest.PARTICIPATIEWET
