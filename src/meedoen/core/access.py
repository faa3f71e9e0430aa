"""The one access layer: who is acting, in which municipality, with which roles.

Every module asks these functions, never ``request.user`` directly. A staff member holds
grants: a role in an organisation, for one municipality (the tenant). Nothing is visible across
municipalities unless the actor holds a grant there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.http import HttpRequest


# Session key set when an external identity provider vouches for the second factor.
SECOND_FACTOR_BY_IDP = "second_factor_by_idp"


class Role(models.TextChoices):
    POLICY_OFFICER = "beleidsmedewerker", _("policy officer")
    CASEWORKER = "consulent", _("case worker")
    EARLY_SIGNALS_OFFICER = "vroegsignaleerder", _("early-signalling officer")
    OFFER_MAINTAINER = "aanbieder", _("offer maintainer")
    APPLICATION_MANAGER = "functioneel_beheerder", _("application manager")
    AUDITOR = "auditor", _("auditor")
    # Staff of a creditor (housing corporation, energy supplier, ...) who deliver its signals of
    # payment arrears; granted in the creditor for each municipality it has an agreement with.
    CREDITOR_DELIVERER = "aanleverancier", _("signal deliverer")


# The roles that open the workspace of a municipality. A creditor's signal deliverer is not among
# them: it opens only its own organisation's deliveries, nothing else of the municipality.
WORKSPACE_ROLES = tuple(role for role in Role.values if role != Role.CREDITOR_DELIVERER)


@dataclass(frozen=True)
class Grant:
    municipality_id: int
    organisation_id: int
    role: str


@dataclass(frozen=True)
class Actor:
    """Who is acting. Built once per request; carries no personal data beyond the login name."""

    user_id: int | None
    label: str
    grants: frozenset[Grant] = field(default_factory=frozenset)
    resident_ref: str = ""
    second_factor: bool = False
    is_system: bool = False

    @classmethod
    def system(cls, label: str) -> Actor:
        """The platform itself, acting for a command or task; never built from a request."""
        return cls(user_id=None, label=f"system:{label}", second_factor=True, is_system=True)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def is_staff_member(self) -> bool:
        return bool(self.grants)

    @property
    def is_resident(self) -> bool:
        return bool(self.resident_ref)

    def municipality_ids(self, *roles: str) -> frozenset[int]:
        """Municipalities where the actor holds any of ``roles`` (any role when none are given)."""
        return frozenset(g.municipality_id for g in self.grants if not roles or g.role in roles)

    def municipality_ids_in(self, organisation_id: int, *roles: str) -> frozenset[int]:
        """Municipalities where the actor holds any of ``roles`` in the organisation ``organisation_id``."""
        return frozenset(
            g.municipality_id
            for g in self.grants
            if g.organisation_id == organisation_id and (not roles or g.role in roles)
        )

    def organisation_ids(self, municipality_id: int, *roles: str) -> frozenset[int]:
        return frozenset(
            g.organisation_id
            for g in self.grants
            if g.municipality_id == municipality_id and (not roles or g.role in roles)
        )

    def roles_in(self, municipality_id: int) -> frozenset[str]:
        return frozenset(g.role for g in self.grants if g.municipality_id == municipality_id)

    def has_role(self, role: str, *, municipality_id: int, organisation_id: int | None = None) -> bool:
        for grant in self.grants:
            if grant.role != role:
                continue
            if grant.municipality_id != municipality_id:
                continue
            if organisation_id is not None and grant.organisation_id != organisation_id:
                continue
            return True
        return False


ANONYMOUS = Actor(user_id=None, label="")


def actor_of(request: HttpRequest) -> Actor:
    """The actor of a request, as resolved by the actor middleware."""
    actor = getattr(request, "actor", None)
    return actor if isinstance(actor, Actor) else ANONYMOUS


def require_role(actor: Actor, *roles: str, municipality_id: int, organisation_id: int | None = None) -> None:
    """Raise PermissionDenied unless the actor holds one of ``roles`` in this municipality."""
    if actor.is_system:
        return
    if not actor.second_factor:
        raise PermissionDenied("a second factor is required")
    for role in roles:
        if actor.has_role(role, municipality_id=municipality_id, organisation_id=organisation_id):
            return
    raise PermissionDenied("no role that allows this")


M = TypeVar("M", bound=models.Model)


def scope_to_municipalities(
    queryset: models.QuerySet[M], actor: Actor, *roles: str, field: str = "municipality"
) -> models.QuerySet[M]:
    """Narrow ``queryset`` to rows of municipalities where the actor holds one of ``roles``."""
    if not actor.second_factor:
        return queryset.none()
    allowed = actor.municipality_ids(*roles)
    return queryset.filter(**{f"{field}__in": allowed})


def scope_to_organisations(
    queryset: models.QuerySet[M],
    actor: Actor,
    *roles: str,
    municipality_id: int,
    field: str = "organisation",
) -> models.QuerySet[M]:
    """Narrow ``queryset`` to rows of the actor's own organisations in one municipality."""
    if not actor.second_factor:
        return queryset.none()
    allowed = actor.organisation_ids(municipality_id, *roles)
    return queryset.filter(**{f"{field}__in": allowed})


def grants_from(rows: Iterable[tuple[int, int, str]]) -> frozenset[Grant]:
    return frozenset(Grant(municipality_id=m, organisation_id=o, role=r) for m, o, r in rows)


def describe(actor: Actor) -> dict[str, Any]:
    """A log-safe description of the actor for the application log (no personal data)."""
    return {"actor_id": actor.user_id, "grants": len(actor.grants), "resident": actor.is_resident}
