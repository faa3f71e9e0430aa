"""Reads of the audit log, already scoped to what the actor may see."""

from __future__ import annotations

from django.db.models import QuerySet

from meedoen.core.access import Actor, Role, require_role
from meedoen.core.models import AuditEvent


def audit_events_for_municipality(*, actor: Actor, municipality_id: int) -> QuerySet[AuditEvent]:
    """Every audit event of one municipality, for its auditors only."""
    require_role(actor, Role.AUDITOR, municipality_id=municipality_id)
    return AuditEvent.objects.filter(municipality_id=municipality_id)


def reads_of_my_data(*, actor: Actor) -> QuerySet[AuditEvent]:
    """Who saw the resident's data, for the resident themself."""
    if not actor.is_resident:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(subject_ref=actor.resident_ref, kind=AuditEvent.Kind.READ)
