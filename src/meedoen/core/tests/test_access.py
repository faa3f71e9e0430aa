"""The access layer: grants per municipality, organisation and role; nothing without a second factor."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given
from hypothesis import strategies as st

from meedoen.core.access import ANONYMOUS, Actor, Grant, Role, require_role, scope_to_municipalities
from meedoen.core.models import AuditEvent

WAALWIJK, MEERSSEN = 1, 2
TEAM, FOODBANK = 10, 20


def actor(*grants: tuple[int, int, str], second_factor: bool = True) -> Actor:
    return Actor(
        user_id=5,
        label="x",
        grants=frozenset(Grant(municipality_id=m, organisation_id=o, role=r) for m, o, r in grants),
        second_factor=second_factor,
    )


def test_a_role_counts_only_in_its_own_municipality():
    auditor = actor((WAALWIJK, TEAM, Role.AUDITOR))
    require_role(auditor, Role.AUDITOR, municipality_id=WAALWIJK)
    with pytest.raises(PermissionDenied):
        require_role(auditor, Role.AUDITOR, municipality_id=MEERSSEN)


def test_a_role_counts_only_for_its_own_organisation_when_asked():
    maintainer = actor((WAALWIJK, FOODBANK, Role.OFFER_MAINTAINER))
    require_role(maintainer, Role.OFFER_MAINTAINER, municipality_id=WAALWIJK, organisation_id=FOODBANK)
    with pytest.raises(PermissionDenied):
        require_role(maintainer, Role.OFFER_MAINTAINER, municipality_id=WAALWIJK, organisation_id=TEAM)


def test_another_role_does_not_count():
    with pytest.raises(PermissionDenied):
        require_role(actor((WAALWIJK, TEAM, Role.POLICY_OFFICER)), Role.AUDITOR, municipality_id=WAALWIJK)


def test_without_second_factor_no_role_counts():
    with pytest.raises(PermissionDenied):
        require_role(actor((WAALWIJK, TEAM, Role.AUDITOR), second_factor=False), Role.AUDITOR, municipality_id=WAALWIJK)


def test_anonymous_has_nothing():
    assert ANONYMOUS.is_anonymous
    assert not ANONYMOUS.municipality_ids()
    with pytest.raises(PermissionDenied):
        require_role(ANONYMOUS, *Role.values, municipality_id=WAALWIJK)


def test_the_platform_itself_may_act_everywhere():
    require_role(Actor.system("test"), Role.APPLICATION_MANAGER, municipality_id=MEERSSEN)


@pytest.mark.django_db
def test_scoping_a_queryset_keeps_only_municipalities_of_the_role():
    AuditEvent.objects.create(kind="change", action="a", municipality_id=WAALWIJK)
    AuditEvent.objects.create(kind="change", action="b", municipality_id=MEERSSEN)
    auditor = actor((WAALWIJK, TEAM, Role.AUDITOR), (MEERSSEN, TEAM, Role.POLICY_OFFICER))
    scoped = scope_to_municipalities(AuditEvent.objects.all(), auditor, Role.AUDITOR, field="municipality_id")
    assert list(scoped.values_list("action", flat=True)) == ["a"]
    unverified = actor((WAALWIJK, TEAM, Role.AUDITOR), second_factor=False)
    assert not scope_to_municipalities(AuditEvent.objects.all(), unverified, Role.AUDITOR, field="municipality_id")


grants = st.frozensets(
    st.builds(
        Grant,
        municipality_id=st.integers(1, 4),
        organisation_id=st.integers(1, 4),
        role=st.sampled_from(Role.values),
    ),
    max_size=8,
)


@given(grants=grants, municipality=st.integers(1, 4), role=st.sampled_from(Role.values))
def test_has_role_agrees_with_the_grants(grants, municipality, role):
    someone = Actor(user_id=1, label="x", grants=grants, second_factor=True)
    expected = any(g.municipality_id == municipality and g.role == role for g in grants)
    assert someone.has_role(role, municipality_id=municipality) is expected
    assert (municipality in someone.municipality_ids(role)) is expected
