"""Reads of the audit log, already scoped to what the actor may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q, QuerySet

from meedoen.core.access import Actor, Role, require_role
from meedoen.core.models import AuditEvent

# The records that together are one read: those of one request, by one actor, for one purpose, of
# one object (or of none). A case's opening writes one per resident it names; a creditor's
# feedback call one per household it tells about.
_READ_TOGETHER = ("request_id", "actor_label", "reason", "object_type", "object_id")


@dataclass(frozen=True)
class AuditQuery:
    """What an auditor narrows a municipality's records to; every condition is optional.

    ``objects`` are (object type, object id) pairs as the records name them: None for any object,
    an empty tuple when the object asked for has no records (it matches nothing). ``actor`` is a
    login name, or the start of a name before its ``:`` (``system``, ``creditor:<slug>``). The
    period runs from ``start`` up to, not including, ``end``."""

    objects: tuple[tuple[str, str], ...] | None = None
    actor: str = ""
    action: str = ""
    start: datetime | None = None
    end: datetime | None = None
    request_id: str = ""


@dataclass(frozen=True)
class ReadTogether:
    """The records of one read of many residents' data, shown as one line."""

    records: int
    residents: int


def audit_events_for_municipality(
    *, actor: Actor, municipality_id: int, query: AuditQuery | None = None
) -> QuerySet[AuditEvent]:
    """The audit events of one municipality, for its auditors only; narrowed by ``query``."""
    require_role(actor, Role.AUDITOR, municipality_id=municipality_id)
    events = AuditEvent.objects.filter(municipality_id=municipality_id)
    return _narrowed(events, query) if query is not None else events


def audit_lines_for_municipality(
    *, actor: Actor, municipality_id: int, query: AuditQuery | None = None
) -> QuerySet[AuditEvent]:
    """As :func:`audit_events_for_municipality`, but the reads of personal data made together
    (one request, one actor, one purpose, one object or none) only by their first record, which
    stands for them all (:func:`reads_together` counts them). Records without a request id (from
    commands and tasks) are never taken together."""
    events = audit_events_for_municipality(actor=actor, municipality_id=municipality_id, query=query)
    together = events.filter(kind=AuditEvent.Kind.READ).exclude(request_id="")
    first = together.order_by().values(*_READ_TOGETHER).annotate(first=Min("id")).values("first")
    return events.filter(~Q(kind=AuditEvent.Kind.READ) | Q(request_id="") | Q(id__in=first))


def reads_together(
    *, actor: Actor, municipality_id: int, lines: Iterable[AuditEvent], query: AuditQuery | None = None
) -> dict[int, ReadTogether]:
    """For each line of :func:`audit_lines_for_municipality` that stands for more than one record:
    how many records, about how many residents (by their pseudonyms), keyed by the line's id."""
    reads = [line for line in lines if line.kind == AuditEvent.Kind.READ and line.request_id]
    if not reads:
        return {}
    events = audit_events_for_municipality(actor=actor, municipality_id=municipality_id, query=query)
    counted = (
        events.filter(kind=AuditEvent.Kind.READ, request_id__in={line.request_id for line in reads})
        .order_by()
        .values(*_READ_TOGETHER)
        .annotate(records=Count("id"), residents=Count("subject_ref", distinct=True))
    )
    counts = {tuple(row[name] for name in _READ_TOGETHER): row for row in counted}
    found: dict[int, ReadTogether] = {}
    for line in reads:
        row = counts.get(tuple(getattr(line, name) for name in _READ_TOGETHER))
        if row is not None and row["records"] > 1:
            found[line.pk] = ReadTogether(records=row["records"], residents=row["residents"])
    return found


def _narrowed(events: QuerySet[AuditEvent], query: AuditQuery) -> QuerySet[AuditEvent]:
    if query.objects is not None:
        events = events.filter(_any_object(query.objects))
    if query.actor:
        events = events.filter(Q(actor_label__iexact=query.actor) | Q(actor_label__istartswith=f"{query.actor}:"))
    if query.action:
        events = events.filter(action=query.action)
    if query.start is not None:
        events = events.filter(created_at__gte=query.start)
    if query.end is not None:
        events = events.filter(created_at__lt=query.end)
    if query.request_id:
        events = events.filter(request_id=query.request_id)
    return events


def _any_object(objects: tuple[tuple[str, str], ...]) -> Q:
    if not objects:
        # No object matched: no record either.
        return Q(pk__in=[])
    by_type: dict[str, list[str]] = {}
    for object_type, object_id in objects:
        by_type.setdefault(object_type, []).append(object_id)
    matches = Q()
    for object_type, ids in by_type.items():
        matches |= Q(object_type=object_type, object_id__in=ids)
    # Said outright, so that SQLite too reads the partial index of records with an object (it
    # cannot tell that an id in the list is never empty).
    return matches & ~Q(object_id="")


def reads_of_my_data(*, actor: Actor) -> QuerySet[AuditEvent]:
    """Who saw the resident's data, for the resident themself."""
    if not actor.is_resident:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(subject_ref=actor.resident_ref, kind=AuditEvent.Kind.READ)
