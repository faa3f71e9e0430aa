"""Tenants, organisations and memberships: who may change them, and the audit trail they leave."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from meedoen.accounts.tests.factories import UserFactory
from meedoen.core.access import Actor, Grant, Role
from meedoen.core.models import AuditEvent
from meedoen.organisations.middleware import actor_for_request
from meedoen.organisations.models import Membership, Organisation
from meedoen.organisations.services import (
    membership_grant,
    membership_revoke,
    municipality_create,
    organisation_create,
    organisation_join_municipality,
)


def manager_of(municipality) -> Actor:
    return Actor(
        user_id=1,
        label="beheer",
        grants=frozenset({Grant(municipality.pk, 1, Role.APPLICATION_MANAGER)}),
        second_factor=True,
    )


@pytest.mark.django_db
def test_only_the_platform_adds_municipalities(world):
    with pytest.raises(PermissionError):
        municipality_create(actor=manager_of(world.waalwijk), code="GM0123", name="Nieuwegemeente")
    created = municipality_create(actor=Actor.system("test"), code="GM0123", name="Nieuw Dorp")
    assert created.slug == "nieuw-dorp"
    assert AuditEvent.objects.filter(action="municipality.create", municipality_id=created.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["0867", "GM867", "GM08670", "gm0867", "<GM0867>"])
def test_municipality_codes_are_checked(code):
    with pytest.raises(ValidationError):
        municipality_create(actor=Actor.system("test"), code=code, name="Fout")


@pytest.mark.django_db
def test_an_application_manager_registers_a_partner_in_their_own_municipality(world):
    organisation = organisation_create(
        actor=manager_of(world.waalwijk),
        municipality=world.waalwijk,
        name="Stichting Leergeld Waalwijk",
        kind=Organisation.Kind.FOUNDATION,
    )
    assert list(organisation.municipalities.all()) == [world.waalwijk]
    event = AuditEvent.objects.get(action="organisation.create")
    assert (event.municipality_id, event.organisation_id) == (world.waalwijk.pk, organisation.pk)


@pytest.mark.django_db
def test_an_application_manager_cannot_touch_another_municipality(world):
    before = Organisation.objects.count()
    with pytest.raises(PermissionDenied):
        organisation_create(
            actor=manager_of(world.waalwijk), municipality=world.meerssen, name="X", kind=Organisation.Kind.SHOP
        )
    with pytest.raises(PermissionDenied):
        organisation_join_municipality(
            actor=manager_of(world.waalwijk), organisation=world.ww_foodbank, municipality=world.meerssen
        )
    assert Organisation.objects.count() == before
    assert not world.ww_foodbank.municipalities.filter(pk=world.meerssen.pk).exists()


@pytest.mark.django_db
def test_an_unknown_kind_is_refused(world):
    with pytest.raises(ValidationError):
        organisation_create(actor=manager_of(world.waalwijk), municipality=world.waalwijk, name="X", kind="bank")


@pytest.mark.django_db
def test_slugs_stay_unique(world):
    first = organisation_create(
        actor=manager_of(world.waalwijk), municipality=world.waalwijk, name="Kledingbank", kind="winkel"
    )
    second = organisation_create(
        actor=manager_of(world.waalwijk), municipality=world.waalwijk, name="Kledingbank", kind="winkel"
    )
    assert first.slug != second.slug


@pytest.mark.django_db
def test_granting_a_role_is_idempotent_and_audited(world):
    user = UserFactory()
    actor = manager_of(world.waalwijk)
    for _ in range(2):
        membership_grant(
            actor=actor, user=user, organisation=world.ww_foodbank, municipality=world.waalwijk, role=Role.CASEWORKER
        )
    assert Membership.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action="membership.grant").count() == 1


@pytest.mark.django_db
def test_only_the_platform_operator_grants_the_role_signal_deliverer(world):
    """A deliverer writes in the creditor's name to the shared log, which the municipality must not
    be able to do itself: its application manager cannot grant the role, the operator can."""
    user = UserFactory()
    with pytest.raises(PermissionDenied):
        membership_grant(
            actor=manager_of(world.waalwijk),
            user=user,
            organisation=world.ww_foodbank,
            municipality=world.waalwijk,
            role=Role.CREDITOR_DELIVERER,
        )
    assert not Membership.objects.filter(user=user).exists()

    membership_grant(
        actor=Actor.system("onboarding"),
        user=user,
        organisation=world.ww_foodbank,
        municipality=world.waalwijk,
        role=Role.CREDITOR_DELIVERER,
    )
    assert Membership.objects.filter(user=user, role=Role.CREDITOR_DELIVERER).count() == 1


@pytest.mark.django_db
def test_a_role_needs_an_organisation_that_works_in_the_municipality(world):
    actor = manager_of(world.meerssen)
    with pytest.raises(ValidationError):
        membership_grant(
            actor=actor, user=UserFactory(), organisation=world.ww_foodbank, municipality=world.meerssen, role="auditor"
        )
    with pytest.raises(ValidationError):
        membership_grant(
            actor=actor, user=UserFactory(), organisation=world.ms_team, municipality=world.meerssen, role="koning"
        )
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_revoking_a_role_takes_effect_on_the_next_request(world, rf, personas):
    user = personas["ww_auditor"]
    user.is_verified = lambda: True  # as the OTP middleware marks a user who passed the second step

    def grants_now():
        request = rf.get("/")
        request.user = user
        request.session = {}
        return actor_for_request(request).grants

    assert grants_now()
    membership_revoke(actor=manager_of(world.waalwijk), membership=Membership.objects.get(user=user))
    assert not grants_now()
    assert AuditEvent.objects.filter(action="membership.revoke").exists()
