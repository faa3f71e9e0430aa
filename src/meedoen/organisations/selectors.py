"""Reads of tenants, organisations and memberships, scoped to what the actor may see."""

from __future__ import annotations

from django.db.models import QuerySet

from meedoen.core.access import WORKSPACE_ROLES, Actor, Role, require_role
from meedoen.organisations.models import Membership, Municipality, Organisation


def municipalities_for(actor: Actor) -> QuerySet[Municipality]:
    """Municipalities whose workspace the actor works in: where it holds a role other than a
    creditor's signal deliverer."""
    return Municipality.objects.filter(pk__in=actor.municipality_ids(*WORKSPACE_ROLES))


def municipality_by_slug(slug: str) -> Municipality | None:
    """Municipalities are public: residents pick theirs by its address name."""
    return Municipality.objects.filter(slug=slug).first()


def public_municipalities() -> QuerySet[Municipality]:
    return Municipality.objects.all()


def partner_organisations(municipality: Municipality) -> QuerySet[Organisation]:
    """The organisations that work in a municipality. Names and kinds are public."""
    return municipality.organisations.order_by("kind", "name")


def members_of_municipality(*, actor: Actor, municipality_id: int) -> QuerySet[Membership]:
    """Who holds which role, for the municipality's application managers and auditors."""
    require_role(actor, Role.APPLICATION_MANAGER, Role.AUDITOR, municipality_id=municipality_id)
    return (
        Membership.objects.filter(municipality_id=municipality_id)
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__username", "role")
    )
