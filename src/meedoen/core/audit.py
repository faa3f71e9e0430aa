"""Write the audit log. Changes are recorded in the transaction of the change; reads of personal
data are recorded before the data is shown.

Other modules call these helpers; nothing else writes :class:`AuditEvent`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, models

from meedoen.core.access import Actor
from meedoen.core.models import AuditEvent
from meedoen.core.requests import current_request_id


class AuditOutsideTransactionError(RuntimeError):
    """A change was recorded outside the transaction that makes it: the two could come apart."""


def _object_fields(obj: models.Model | None) -> dict[str, str]:
    if obj is None:
        return {"object_type": "", "object_id": ""}
    return {"object_type": obj._meta.label_lower, "object_id": str(obj.pk)}


def record_change(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    municipality_id: int | None = None,
    organisation_id: int | None = None,
    reason: str = "",
    subject_ref: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Record a change. Must be called inside the ``transaction.atomic`` block that makes it."""
    if not connection.in_atomic_block:
        raise AuditOutsideTransactionError(f"{action} must be recorded inside the transaction of the change")
    return AuditEvent.objects.create(
        kind=AuditEvent.Kind.CHANGE,
        action=action,
        actor_id=actor.user_id,
        actor_label=actor.label,
        municipality_id=municipality_id,
        organisation_id=organisation_id,
        reason=reason,
        subject_ref=subject_ref,
        details=dict(details or {}),
        request_id=current_request_id.get(),
        **_object_fields(obj),
    )


def record_read(
    *,
    actor: Actor,
    subject_ref: str,
    purpose: str,
    fields: Sequence[str],
    municipality_id: int,
    organisation_id: int | None = None,
    obj: models.Model | None = None,
) -> AuditEvent:
    """Record that ``actor`` saw personal data of the resident ``subject_ref``, and why.

    Call it before the data leaves the server. The resident sees these records in "Mijn gegevens".
    """
    if not subject_ref:
        raise ValueError("a read of personal data needs the pseudonymous reference of whose data it is")
    if not purpose.strip():
        raise ValueError("a read of personal data needs a purpose")
    return AuditEvent.objects.create(
        kind=AuditEvent.Kind.READ,
        action="personal_data.read",
        actor_id=actor.user_id,
        actor_label=actor.label,
        municipality_id=municipality_id,
        organisation_id=organisation_id,
        subject_ref=subject_ref,
        reason=purpose,
        details={"fields": sorted(fields)},
        request_id=current_request_id.get(),
        **_object_fields(obj),
    )


def record_access(
    *, action: str, actor_id: int | None, actor_label: str, details: Mapping[str, Any] | None = None
) -> AuditEvent:
    """Record a login, logout, lockout or refused access."""
    return AuditEvent.objects.create(
        kind=AuditEvent.Kind.ACCESS,
        action=action,
        actor_id=actor_id,
        actor_label=actor_label,
        details=dict(details or {}),
        request_id=current_request_id.get(),
    )
