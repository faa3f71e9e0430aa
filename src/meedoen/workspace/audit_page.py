"""The audit log page of a municipality, for its auditors (the view is ``views.audit``): who did or
saw what, for whom, why and when; narrowed by object, person, action, days or request, and
exported as CSV. The reads one request made of many residents' data (a creditor's feedback, the
opening of a case) are one line."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import islice
from typing import TypedDict
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone, translation

from meedoen.core.access import Actor, Role
from meedoen.core.audit import record_access
from meedoen.core.models import AuditEvent
from meedoen.core.selectors import (
    AuditQuery,
    ReadTogether,
    audit_events_for_municipality,
    audit_lines_for_municipality,
    reads_together,
)
from meedoen.core.spreadsheets import csv_download_streamed
from meedoen.organisations.models import Municipality
from meedoen.organisations.selectors import members_of_municipality, partner_organisations
from meedoen.workspace.audit_forms import AuditFilterForm
from meedoen.workspace.audit_labels import CREDITOR, EXPORT_ACTION, SYSTEM, action_shown, actor_shown, reason_shown
from meedoen.workspace.audit_objects import ShownObject, objects_named, objects_shown

PAGE_SIZE = 50
RECENT_DAYS = 31
EXPORT, CSV = "formaat", "csv"
"""``?formaat=csv`` asks the page for its records as CSV."""
EXPORT_CHUNK = 1000
CSV_COLUMNS = (
    "when",
    "kind",
    "action_code",
    "action",
    "actor",
    "organisation",
    "object_kind",
    "object",
    "reason_recorded",
    "reason",
    "fields",
    "request_id",
)


@dataclass(frozen=True)
class AuditLine:
    """One line of the page: a record, or the first of the reads one request made together."""

    event: AuditEvent
    who: str
    organisation: str
    action: str
    object: ShownObject | None
    object_trail: str
    reason: str
    together: ReadTogether | None
    together_trail: str


class PageContext(TypedDict):
    page: Page[AuditEvent]
    lines: list[AuditLine]
    filtered: bool
    recent_days: int | None
    unknown_object: bool
    filter_query: str


def page_context(request: HttpRequest, actor: Actor, municipality: Municipality, form: AuditFilterForm) -> PageContext:
    """What the page shows for a valid filter: one page of lines, newest first. Without a first day,
    an object or a request, the lines of the last ``RECENT_DAYS`` days: taking reads together looks
    at every read the filter lets through, and a municipality's log holds millions."""
    query, unknown_object = _query(form, municipality)
    recent_only = query.start is None and query.objects is None and not query.request_id
    if recent_only:
        query = replace(query, start=timezone.now() - timedelta(days=RECENT_DAYS))
    # Asked for one request, the page shows each of its records.
    grouped = not query.request_id
    select = audit_lines_for_municipality if grouped else audit_events_for_municipality
    lines = select(actor=actor, municipality_id=municipality.pk, query=query)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("pagina"))
    events: list[AuditEvent] = list(page.object_list)
    together = (
        reads_together(actor=actor, municipality_id=municipality.pk, lines=events, query=query) if grouped else {}
    )
    filters = form.used()
    return {
        "page": page,
        "lines": _lines(events, together, filters, set(query.objects or ()), actor=actor, municipality=municipality),
        "filtered": bool(filters),
        "recent_days": RECENT_DAYS if recent_only else None,
        "unknown_object": unknown_object,
        "filter_query": urlencode(filters),
    }


def actors(actor: Actor, municipality: Municipality) -> list[str]:
    """Suggestions for "who": the municipality's staff, the platform itself and creditors."""
    names = members_of_municipality(actor=actor, municipality_id=municipality.pk).values_list(
        "user__username", flat=True
    )
    return [*sorted(set(names)), SYSTEM, CREDITOR]


def export(actor: Actor, municipality: Municipality, form: AuditFilterForm) -> HttpResponseBase:
    """The records that fit the filter, each on its own line (reads made together too), newest
    first, as they stood when the export began. The export is itself recorded first."""
    if not form.is_valid():
        return HttpResponse(
            "\n".join(
                f"{form.fields[name].label if name in form.fields else name}: {message}"
                for name, messages in form.errors.items()
                for message in messages
            ),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    query, _unknown = _query(form, municipality)
    events = audit_events_for_municipality(actor=actor, municipality_id=municipality.pk, query=query)
    last = events.aggregate(last=Max("id"))["last"] or 0
    events = events.filter(id__lte=last)
    teams = actor.organisation_ids(municipality.pk, Role.AUDITOR)
    record_access(
        action=EXPORT_ACTION,
        actor_id=actor.user_id,
        actor_label=actor.label,
        municipality_id=municipality.pk,
        organisation_id=min(teams) if len(teams) == 1 else None,
        details={"filters": form.used(), "records": events.count()},
    )
    filename = f"logboek-{municipality.code}-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_download_streamed(
        filename,
        CSV_COLUMNS,
        _csv_rows(events, actor=actor, municipality=municipality, language=translation.get_language()),
    )


def _query(form: AuditFilterForm, municipality: Municipality) -> tuple[AuditQuery, bool]:
    """The selector's query for a valid filter, and whether it named an object this municipality
    does not know (then no record fits)."""
    identifier = form.cleaned_data["object"]
    objects = objects_named(identifier, municipality=municipality) if identifier else None
    return form.query(objects), objects == ()


def _organisation_names(events: Sequence[AuditEvent], municipality: Municipality) -> dict[int, str]:
    ids = {event.organisation_id for event in events if event.organisation_id is not None}
    if not ids:
        return {}
    return dict(partner_organisations(municipality).filter(pk__in=ids).values_list("pk", "name"))


def _lines(
    events: list[AuditEvent],
    together: dict[int, ReadTogether],
    filters: dict[str, str],
    narrowed_to: set[tuple[str, str]],
    *,
    actor: Actor,
    municipality: Municipality,
) -> list[AuditLine]:
    shown = objects_shown(events, actor=actor, municipality=municipality)
    organisations = _organisation_names(events, municipality)

    def trail(**narrower: str) -> str:
        return f"?{urlencode(filters | narrower)}"

    lines = []
    for event in events:
        shown_object = shown.get((event.object_type, event.object_id)) if event.object_type else None
        identifier = shown_object.identifier if shown_object is not None else ""
        lines.append(
            AuditLine(
                event=event,
                who=actor_shown(event.actor_label),
                organisation=organisations.get(event.organisation_id or 0, ""),
                action=action_shown(event.action),
                object=shown_object,
                # An object's trail is all of it, whatever else the page was narrowed to; none for
                # the objects the page is narrowed to already.
                object_trail=f"?{urlencode({'object': identifier})}"
                if identifier and (event.object_type, event.object_id) not in narrowed_to
                else "",
                reason=reason_shown(event.reason),
                together=together.get(event.pk),
                together_trail=trail(verzoek=event.request_id) if event.pk in together else "",
            )
        )
    return lines


def _csv_rows(
    events: QuerySet[AuditEvent], *, actor: Actor, municipality: Municipality, language: str
) -> Iterator[tuple[object, ...]]:
    with translation.override(language):
        records = events.iterator(chunk_size=EXPORT_CHUNK)
        while chunk := list(islice(records, EXPORT_CHUNK)):
            shown = objects_shown(chunk, actor=actor, municipality=municipality, links=False)
            organisations = _organisation_names(chunk, municipality)
            for event in chunk:
                yield _csv_row(event, shown, organisations)


def _csv_row(
    event: AuditEvent, shown: dict[tuple[str, str], ShownObject], organisations: dict[int, str]
) -> tuple[object, ...]:
    shown_object = shown.get((event.object_type, event.object_id)) if event.object_type else None
    fields = event.details.get("fields", []) if isinstance(event.details, dict) else []
    return (
        _moment(event.created_at),
        AuditEvent.Kind(event.kind).label if event.kind in AuditEvent.Kind.values else event.kind,
        event.action,
        action_shown(event.action),
        event.actor_label,
        organisations.get(event.organisation_id or 0, ""),
        shown_object.kind if shown_object is not None else "",
        shown_object.identifier if shown_object is not None else "",
        event.reason,
        reason_shown(event.reason),
        " ".join(str(field) for field in fields) if isinstance(fields, list) else "",
        event.request_id,
    )


def _moment(when: datetime) -> str:
    return timezone.localtime(when).isoformat(timespec="seconds")
