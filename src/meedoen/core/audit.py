"""Write the audit log. Changes are recorded in the transaction of the change; reads of personal
data are recorded before the data is shown.

Other modules call these helpers; nothing else writes :class:`AuditEvent`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.utils import timezone

from meedoen.core.access import Actor
from meedoen.core.copying import column_types
from meedoen.core.models import AuditEvent
from meedoen.core.requests import current_request_id

COPY_FROM = 3
"""``record_changes`` writes this many records or more with COPY on PostgreSQL."""


class AuditOutsideTransactionError(RuntimeError):
    """A change was recorded outside the transaction that makes it: the two could come apart."""


def _object_of(obj: models.Model | None) -> tuple[str, str]:
    """The type and id a record names ``obj`` by; empty without an object."""
    return ("", "") if obj is None else (obj._meta.label_lower, str(obj.pk))


def _object_fields(obj: models.Model | None) -> dict[str, str]:
    object_type, object_id = _object_of(obj)
    return {"object_type": object_type, "object_id": object_id}


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


@dataclass(frozen=True)
class Change:
    """One change for ``record_changes``: what ``record_change`` takes besides the actor. The
    object changed is ``obj``, or given by ``object_type`` (its model's ``label_lower``) and
    ``object_id`` when the caller holds no instance of it."""

    action: str
    obj: models.Model | None = None
    object_type: str = ""
    object_id: str = ""
    municipality_id: int | None = None
    organisation_id: int | None = None
    reason: str = ""
    subject_ref: str = ""
    details: Mapping[str, Any] | None = None


def record_changes(*, actor: Actor, changes: Sequence[Change]) -> list[int]:
    """Record many changes of one actor at once, each as ``record_change`` records it, and return
    the records' ids. Must be called inside the ``transaction.atomic`` block that makes them. On
    PostgreSQL three or more go in with one COPY, their ids drawn from the table's sequence first."""
    if not connection.in_atomic_block:
        actions = ", ".join(dict.fromkeys(change.action for change in changes)) or "changes"
        raise AuditOutsideTransactionError(f"{actions} must be recorded inside the transaction of the change")
    request_id = current_request_id.get()
    now = timezone.now()
    kind = AuditEvent.Kind.CHANGE.value
    # Each record's values in the order of RECORD_COLUMNS, as tuples: a dictionary per record cost more
    # than the rest of writing it.
    records = [
        (
            now,
            kind,
            change.action,
            actor.user_id,
            actor.label,
            change.municipality_id,
            change.organisation_id,
            *(_object_of(change.obj) if change.obj is not None else (change.object_type, change.object_id)),
            change.subject_ref,
            change.reason,
            dict(change.details or {}),
            request_id,
        )
        for change in changes
    ]
    if connection.vendor != "postgresql" or len(records) < COPY_FROM:
        made = AuditEvent.objects.bulk_create(
            AuditEvent(**dict(zip(RECORD_COLUMNS, record, strict=True))) for record in records
        )
        return [event.pk for event in made]
    columns = ", ".join(["id", *(connection.ops.quote_name(name) for name in RECORD_COLUMNS)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(sequence) FROM CAST(pg_get_serial_sequence('core_auditevent', 'id') AS regclass)"
            " AS sequence, generate_series(1, %s)",
            [len(records)],
        )
        keys = sorted(row[0] for row in cursor.fetchall())
        with (
            connection.wrap_database_errors,
            cursor.copy(f"COPY core_auditevent ({columns}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            # Typed as its jsonb column, the details go as JSON without a wrapper.
            fields = {field.attname: field for field in AuditEvent._meta.concrete_fields}
            copy.set_types(["bigint", *column_types([fields[name] for name in RECORD_COLUMNS], connection)])
            write = copy.write_row
            for key, record in zip(keys, records, strict=True):
                write((key, *record))
    return keys


RECORD_COLUMNS = (
    "created_at",
    "kind",
    "action",
    "actor_id",
    "actor_label",
    "municipality_id",
    "organisation_id",
    "object_type",
    "object_id",
    "subject_ref",
    "reason",
    "details",
    "request_id",
)
"""The columns ``record_changes`` writes: every one but the key (a test holds them to the model)."""


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
    *,
    action: str,
    actor_id: int | None,
    actor_label: str,
    details: Mapping[str, Any] | None = None,
    municipality_id: int | None = None,
    organisation_id: int | None = None,
) -> AuditEvent:
    """Record a login, logout, lockout or refused access; or a look at records that hold no
    resident's data, such as an export of the audit log. With a municipality, its auditors see the
    record among the municipality's."""
    return AuditEvent.objects.create(
        kind=AuditEvent.Kind.ACCESS,
        action=action,
        actor_id=actor_id,
        actor_label=actor_label,
        municipality_id=municipality_id,
        organisation_id=organisation_id,
        details=dict(details or {}),
        request_id=current_request_id.get(),
    )
