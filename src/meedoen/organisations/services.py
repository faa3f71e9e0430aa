"""Writes of tenants, organisations and memberships, each with its audit record."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from meedoen.accounts.models import User
from meedoen.core.access import Actor, Role, require_role
from meedoen.core.audit import record_change
from meedoen.organisations.models import Membership, Municipality, Organisation


def municipality_create(*, actor: Actor, code: str, name: str) -> Municipality:
    """Add a tenant. Only the platform itself (a command) may do this."""
    if not actor.is_system:
        raise PermissionError("only the platform operator adds municipalities")
    with transaction.atomic():
        municipality = Municipality(code=code, name=name, slug=slugify(name))
        municipality.full_clean()
        municipality.save()
        record_change(actor=actor, action="municipality.create", obj=municipality, municipality_id=municipality.pk)
    return municipality


def organisation_create(*, actor: Actor, municipality: Municipality, name: str, kind: str) -> Organisation:
    """Register a partner organisation that works in ``municipality``."""
    require_role(actor, Role.APPLICATION_MANAGER, municipality_id=municipality.pk)
    with transaction.atomic():
        organisation = Organisation(name=name, kind=kind, slug=_free_slug(name))
        organisation.full_clean()
        organisation.save()
        organisation.municipalities.add(municipality)
        record_change(
            actor=actor,
            action="organisation.create",
            obj=organisation,
            municipality_id=municipality.pk,
            organisation_id=organisation.pk,
            details={"kind": kind},
        )
    return organisation


def organisation_join_municipality(*, actor: Actor, organisation: Organisation, municipality: Municipality) -> None:
    """Record that an organisation (an energy supplier, an insurer) also works in ``municipality``."""
    require_role(actor, Role.APPLICATION_MANAGER, municipality_id=municipality.pk)
    with transaction.atomic():
        organisation.municipalities.add(municipality)
        record_change(
            actor=actor,
            action="organisation.join_municipality",
            obj=organisation,
            municipality_id=municipality.pk,
            organisation_id=organisation.pk,
        )


def membership_grant(
    *, actor: Actor, user: User, organisation: Organisation, municipality: Municipality, role: str
) -> Membership:
    """Give ``user`` a role in ``organisation`` for ``municipality``. The role signal deliverer
    lets a person deliver in a creditor's name, whose entries in the shared log the municipality
    cannot write itself: only the platform operator grants it, as it issues the creditors' tokens."""
    require_role(actor, Role.APPLICATION_MANAGER, municipality_id=municipality.pk)
    if role not in Role.values:
        raise ValidationError({"role": f"unknown role {role!r}"})
    if role == Role.CREDITOR_DELIVERER and not actor.is_system:
        raise PermissionDenied("only the platform operator grants the role signal deliverer")
    with transaction.atomic():
        if not organisation.municipalities.filter(pk=municipality.pk).exists():
            raise ValidationError({"organisation": f"{organisation} does not work in {municipality}"})
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, municipality=municipality, role=role
        )
        if created:
            record_change(
                actor=actor,
                action="membership.grant",
                obj=membership,
                municipality_id=municipality.pk,
                organisation_id=organisation.pk,
                details={"user_id": user.pk, "role": role},
            )
    return membership


def membership_revoke(*, actor: Actor, membership: Membership) -> None:
    require_role(actor, Role.APPLICATION_MANAGER, municipality_id=membership.municipality_id)
    with transaction.atomic():
        record_change(
            actor=actor,
            action="membership.revoke",
            obj=membership,
            municipality_id=membership.municipality_id,
            organisation_id=membership.organisation_id,
            details={"user_id": membership.user_id, "role": membership.role},
        )
        membership.delete()


def _free_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisatie"
    slug, number = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug
