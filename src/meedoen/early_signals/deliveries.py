"""Reads of a creditor's own deliveries: for its signal deliverers in the workspace, and for its API
token. A delivery's receipt holds counts, the file's size and hash, never the rows' contents: the
answer per row is given once, to whoever delivered, and not kept."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from meedoen.core.access import Actor, Role
from meedoen.early_signals.models import CreditorAgreement, Delivery
from meedoen.organisations.models import Municipality, Organisation


class DeliveryNotFoundError(Exception):
    """No such delivery, or one of another organisation: the two are not told apart."""


def deliverer_organisation_ids(actor: Actor) -> frozenset[int]:
    """The organisations for which the actor delivers signals (none without a second factor)."""
    if not actor.second_factor:
        return frozenset()
    return frozenset(grant.organisation_id for grant in actor.grants if grant.role == Role.CREDITOR_DELIVERER)


def deliverer_organisations(actor: Actor) -> list[Organisation]:
    return list(Organisation.objects.filter(pk__in=deliverer_organisation_ids(actor)).order_by("name", "pk"))


def require_deliverer(actor: Actor, creditor: Organisation) -> None:
    """Raise PermissionDenied unless the actor delivers signals for ``creditor``."""
    if actor.is_system:
        return
    if not actor.second_factor:
        raise PermissionDenied("a second factor is required")
    if creditor.pk not in deliverer_organisation_ids(actor):
        raise PermissionDenied("not a signal deliverer of this organisation")


def deliverer_municipality_ids(actor: Actor, creditor: Organisation) -> frozenset[int] | None:
    """The municipalities for which this person delivers (and withdraws) the creditor's signals: those
    of their role signal deliverer in it. None for the creditor's token and the platform operator,
    which reach every municipality of the creditor. A person without the role in the creditor (with a
    second factor) may do neither: PermissionDenied."""
    if actor.user_id is None:
        return None
    within = actor.municipality_ids_in(creditor.pk, Role.CREDITOR_DELIVERER)
    if not within or not actor.second_factor:
        raise PermissionDenied("no role to deliver signals for this creditor")
    return within


def agreed_municipalities(creditor: Organisation) -> list[Municipality]:
    """The municipalities whose residents ``creditor`` may deliver signals about now. Public facts
    between the creditor and the municipality; no personal data."""
    agreed = CreditorAgreement.objects.filter(organisation=creditor, active=True).values("municipality_id")
    return list(Municipality.objects.filter(pk__in=agreed).order_by("name"))


def deliverable_municipalities(actor: Actor, creditor: Organisation) -> list[Municipality]:
    """The municipalities this person may deliver the creditor's signals to: those of its active
    agreements for which they hold the role signal deliverer (the intake refuses rows about the
    others)."""
    granted = actor.municipality_ids_in(creditor.pk, Role.CREDITOR_DELIVERER)
    return [municipality for municipality in agreed_municipalities(creditor) if municipality.pk in granted]


def granted_municipalities(actor: Actor, creditor: Organisation) -> list[Municipality]:
    """The municipalities of this person's role signal deliverer in the creditor, whose residents'
    signals they withdraw (whether an agreement is still active or not)."""
    granted = actor.municipality_ids_in(creditor.pk, Role.CREDITOR_DELIVERER)
    return list(Municipality.objects.filter(pk__in=granted).order_by("name"))


def deliveries_of_creditor(*, creditor: Organisation) -> QuerySet[Delivery]:
    """Every delivery of ``creditor``, newest first: for its token, which stands for the
    organisation. Receipts only."""
    return Delivery.objects.filter(creditor=creditor).select_related("creditor").order_by("-received_at", "-pk")


def delivery_of_creditor(*, creditor: Organisation, delivery_id: uuid.UUID) -> Delivery:
    found = deliveries_of_creditor(creditor=creditor).filter(uuid=delivery_id).first()
    if found is None:
        raise DeliveryNotFoundError(delivery_id)
    return found


def deliveries_for_deliverer(*, actor: Actor, creditors: Sequence[Organisation]) -> QuerySet[Delivery]:
    """The deliveries of ``creditors``, newest first, for a person who delivers for each of them."""
    for creditor in creditors:
        require_deliverer(actor, creditor)
    return (
        Delivery.objects.filter(creditor__in=[creditor.pk for creditor in creditors])
        .select_related("creditor")
        .order_by("-received_at", "-pk")
    )


def delivery_for_deliverer(*, actor: Actor, delivery_id: uuid.UUID) -> Delivery:
    """One delivery of an organisation the actor delivers for; DeliveryNotFoundError for any other."""
    allowed = deliverer_organisation_ids(actor)
    if not allowed:
        raise PermissionDenied("not a signal deliverer of any organisation")
    found = Delivery.objects.filter(uuid=delivery_id, creditor__in=allowed).select_related("creditor").first()
    if found is None:
        raise DeliveryNotFoundError(delivery_id)
    return found


def receipt_of(delivery: Delivery) -> dict[str, Any]:
    """The receipt of a stored delivery, as the intake answered it, and when it was completed (None
    while it is taken in, or when it was cut off before the end: send the file again)."""
    return {
        "delivery": str(delivery.uuid),
        "creditor": delivery.creditor.slug,
        "channel": delivery.channel,
        "format_version": delivery.format_version,
        "received_at": delivery.received_at.isoformat(),
        "completed_at": delivery.completed_at.isoformat() if delivery.completed_at else None,
        "sha256": delivery.sha256,
        "size_bytes": delivery.size_bytes,
        "rows": delivery.rows,
        "accepted": delivery.accepted,
        "duplicates": delivery.duplicates,
        "refused": delivery.refused,
        "warnings": delivery.warnings,
        "fatal": delivery.fatal,
        "delivered_by": delivery.delivered_by or None,
    }
