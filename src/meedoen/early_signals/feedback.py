"""Feedback to creditors: per signal they delivered, how far the municipality got with it.

A creditor learns, per reference of its own signals, only this: whether the case was received, is in
progress or was closed; whether help was accepted (yes once help runs or the case closed with help,
no once it closed without); and the day it closed.
That is enough to pause collection while the household takes up help, and it tells nothing else
about the household: not the tray, the attempts, the kind of help, other creditors or signals.
A signal the creditor withdrew is answered as withdrawn, with the day and the reason it gave, and
from then on with nothing about the case: the feedback served the collection the creditor stopped.

Every answer is audited before it leaves: one access record for the call, and a read of personal
data for every household it tells about, so the resident sees that the creditor was told.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import DateTimeField, F, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from meedoen.core.access import Actor, Role, require_role
from meedoen.core.audit import record_access, record_read
from meedoen.core.spreadsheets import safe_cell
from meedoen.early_signals.models import (
    HELP_ACCEPTED,
    Case,
    CreditorAgreement,
    CreditorToken,
    Signal,
    SignalTombstone,
)
from meedoen.organisations.models import Municipality, Organisation

# What the creditor sees of a case.
RECEIVED = "received"
IN_PROGRESS = "in_progress"
CLOSED = "closed"
WITHDRAWN = "withdrawn"
STATUSES = (RECEIVED, IN_PROGRESS, CLOSED, WITHDRAWN)
YES, NO, UNKNOWN = "yes", "no", "unknown"
HELP_ANSWERS = (YES, NO, UNKNOWN)

CSV_COLUMNS = (
    "creditor_reference",
    "municipality",
    "status",
    "help_accepted",
    "closed_on",
    "changed_at",
    "withdrawn_on",
    "withdrawal_reason",
)
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_CURSOR_LENGTH = 200
PURPOSE = "feedback to the creditor that delivered the signal (Wgs)"
DISCLOSED_FIELDS = ("case_status", "help_accepted", "closed_on")
# Order of the two sources among items changed at the same moment (part of the cursor).
_LIVE, _REMOVED = 0, 1


class CursorError(ValueError):
    """A cursor that this server did not hand out."""


class CreditorNotFoundError(Exception):
    """No creditor with an agreement with this municipality by that name."""


@dataclass(frozen=True)
class FeedbackItem:
    creditor_reference: str
    municipality: str
    status: str
    help_accepted: str
    closed_on: date | None
    changed_at: datetime
    withdrawn_on: date | None = None
    withdrawal_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "creditor_reference": self.creditor_reference,
            "municipality": self.municipality,
            "status": self.status,
            "help_accepted": self.help_accepted,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "changed_at": self.changed_at.isoformat(),
            "withdrawn_on": self.withdrawn_on.isoformat() if self.withdrawn_on else None,
            "withdrawal_reason": self.withdrawal_reason or None,
        }


@dataclass(frozen=True)
class FeedbackPage:
    items: tuple[FeedbackItem, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class CreditorSummary:
    """A creditor with an agreement with the municipality, and how many of its signals are where."""

    slug: str
    name: str
    kind: str
    active: bool
    signals: int
    open: int
    closed: int
    withdrawn: int = 0


@dataclass(frozen=True)
class _Row:
    """An item with what the audit needs and the key it is ordered by."""

    item: FeedbackItem
    key: tuple[datetime, int, int]
    municipality_id: int
    subject_refs: tuple[str, ...]


# --- the rules --------------------------------------------------------------------------------------


def status_of(case_status: str) -> str:
    if case_status == Case.Status.CLOSED:
        return CLOSED
    if case_status == Case.Status.NEW:
        return RECEIVED
    return IN_PROGRESS


def help_answer(*, case_status: str, outcome: str) -> str:
    """Yes once the household has taken up help: the team put the case in the tray "in help", or
    closed it with help. No once it is closed without help. Unknown before either."""
    if case_status == Case.Status.IN_HELP:
        return YES
    if case_status != Case.Status.CLOSED or not outcome:
        return UNKNOWN
    return YES if outcome in HELP_ACCEPTED else NO


# --- reading -----------------------------------------------------------------------------------------


def _live(creditor_id: int, municipality_ids: QuerySet[Any] | Sequence[int]) -> QuerySet[Signal]:
    return (
        Signal.objects.filter(creditor_id=creditor_id, municipality_id__in=municipality_ids)
        # A signal that joins an older case changes what the creditor sees at its receipt; once
        # withdrawn, what the creditor sees changes no more.
        .annotate(
            changed_at=Coalesce(
                "withdrawn_at", Greatest("case__updated_at", "received_at"), output_field=DateTimeField()
            )
        )
        .select_related("municipality", "case")
        # Nothing of the signal's personal data is needed, so none of it is read.
        .only(
            "id",
            "creditor_reference",
            "received_at",
            "resident_ref",
            "withdrawn_at",
            "withdrawal_reason",
            "municipality",
            "case",
            "municipality__code",
            "case__status",
            "case__outcome",
            "case__closed_at",
            "case__updated_at",
            "case__household_ref",
        )
    )


def _removed(creditor_id: int, municipality_ids: QuerySet[Any] | Sequence[int]) -> QuerySet[SignalTombstone]:
    # The removal is the last change of a removed signal: its outcome is answered once more then.
    return (
        SignalTombstone.objects.filter(creditor_id=creditor_id, municipality_id__in=municipality_ids)
        .annotate(changed_at=F("removed_at"))
        .select_related("municipality")
    )


def _after(queryset: QuerySet[Any], source: int, key: tuple[datetime, int, int] | None) -> QuerySet[Any]:
    if key is None:
        return queryset
    at, key_source, key_id = key
    later = Q(changed_at__gt=at)
    if source > key_source:
        return queryset.filter(later | Q(changed_at=at))
    if source == key_source:
        return queryset.filter(later | Q(changed_at=at, id__gt=key_id))
    return queryset.filter(later)


def _withdrawn_item(
    reference: str, municipality: str, withdrawn_at: datetime, reason: str, changed_at: datetime
) -> FeedbackItem:
    return FeedbackItem(
        creditor_reference=reference,
        municipality=municipality,
        status=WITHDRAWN,
        help_accepted=UNKNOWN,
        closed_on=None,
        changed_at=changed_at,
        withdrawn_on=timezone.localdate(withdrawn_at),
        withdrawal_reason=reason,
    )


def _live_row(signal: Signal) -> _Row:
    case = signal.case
    changed_at: datetime = signal.changed_at  # type: ignore[attr-defined]
    if signal.withdrawn_at is not None:
        # Nothing about the household is told: no read to record.
        item = _withdrawn_item(
            signal.creditor_reference,
            signal.municipality.code,
            signal.withdrawn_at,
            signal.withdrawal_reason,
            changed_at,
        )
        return _Row(item, (changed_at, _LIVE, signal.pk), signal.municipality_id, ())
    closed = case.status == Case.Status.CLOSED
    item = FeedbackItem(
        creditor_reference=signal.creditor_reference,
        municipality=signal.municipality.code,
        status=status_of(case.status),
        help_accepted=help_answer(case_status=case.status, outcome=case.outcome),
        closed_on=timezone.localdate(case.closed_at) if closed and case.closed_at else None,
        changed_at=changed_at,
    )
    subjects = tuple(ref for ref in (case.household_ref, signal.resident_ref) if ref)
    return _Row(item, (changed_at, _LIVE, signal.pk), signal.municipality_id, subjects)


def _removed_row(tombstone: SignalTombstone) -> _Row:
    changed_at: datetime = tombstone.changed_at  # type: ignore[attr-defined]
    if tombstone.withdrawn_at is not None:
        item = _withdrawn_item(
            tombstone.creditor_reference,
            tombstone.municipality.code,
            tombstone.withdrawn_at,
            tombstone.withdrawal_reason,
            changed_at,
        )
        return _Row(item, (changed_at, _REMOVED, tombstone.pk), tombstone.municipality_id, ())
    item = FeedbackItem(
        creditor_reference=tombstone.creditor_reference,
        municipality=tombstone.municipality.code,
        # Personal data is removed only after a case closed (or at once from a withdrawn signal).
        status=CLOSED,
        help_accepted=help_answer(case_status=Case.Status.CLOSED, outcome=tombstone.outcome),
        closed_on=timezone.localdate(tombstone.case_closed_at) if tombstone.case_closed_at else None,
        changed_at=changed_at,
    )
    # A tombstone keeps no pseudonym: there is no one left to record the read for.
    return _Row(item, (changed_at, _REMOVED, tombstone.pk), tombstone.municipality_id, ())


def _rows(
    *,
    creditor_id: int,
    municipality_ids: QuerySet[Any] | Sequence[int],
    start: datetime | None,
    end: datetime | None,
    after: tuple[datetime, int, int] | None = None,
    limit: int | None = None,
) -> list[_Row]:
    """The creditor's items changed from ``start`` up to (not including) ``end``, oldest change
    first, after the item ``after``; at most ``limit`` (and one more, to tell whether more follow)."""
    sources: list[tuple[int, QuerySet[Any]]] = [
        (_LIVE, _live(creditor_id, municipality_ids)),
        (_REMOVED, _removed(creditor_id, municipality_ids)),
    ]
    rows: list[_Row] = []
    for source, queryset in sources:
        if start is not None:
            queryset = queryset.filter(changed_at__gte=start)
        if end is not None:
            queryset = queryset.filter(changed_at__lt=end)
        queryset = _after(queryset, source, after).order_by("changed_at", "id")
        if limit is not None:
            queryset = queryset[: limit + 1]
        build = _live_row if source == _LIVE else _removed_row
        rows.extend(build(found) for found in queryset)
    rows.sort(key=lambda row: row.key)
    return rows


def _audit(
    *, actor: Actor, organisation_id: int | None, creditor: Organisation, rows: Sequence[_Row], via: str
) -> None:
    """Record the call, and a read for every household the answer tells about, before it leaves.
    The call is recorded once for each municipality it tells about, so that municipality's auditors
    see it (an answer without items is recorded without a municipality)."""
    by_municipality: dict[int | None, list[_Row]] = {}
    for row in rows:
        by_municipality.setdefault(row.municipality_id, []).append(row)
    with transaction.atomic():
        for municipality_id, told_here in (by_municipality or {None: []}).items():
            record_access(
                action="early_signals.feedback.read",
                actor_id=actor.user_id,
                actor_label=actor.label,
                details={
                    "creditor": creditor.slug,
                    "via": via,
                    "items": len(told_here),
                    "removed": sum(1 for row in told_here if row.key[1] == _REMOVED),
                    "withdrawn": sum(1 for row in told_here if row.item.status == WITHDRAWN),
                },
                municipality_id=municipality_id,
                organisation_id=organisation_id,
            )
        told: set[tuple[str, int]] = set()
        for row in rows:
            for subject_ref in row.subject_refs:
                if (subject_ref, row.municipality_id) in told:
                    continue
                told.add((subject_ref, row.municipality_id))
                record_read(
                    actor=actor,
                    subject_ref=subject_ref,
                    purpose=PURPOSE,
                    fields=DISCLOSED_FIELDS,
                    municipality_id=row.municipality_id,
                    organisation_id=organisation_id,
                )


def encode_cursor(key: tuple[datetime, int, int]) -> str:
    at, source, pk = key
    raw = json.dumps([at.isoformat(), source, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int, int]:
    # A cursor handed out here is about 60 characters; a longer one was made elsewhere, and may be
    # nested deeper than the JSON reader goes.
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise CursorError(cursor)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at_text, source, pk = json.loads(raw)
        at = datetime.fromisoformat(at_text)
        # In UTC, as the database compares it; a moment that falls off the calendar there is refused.
        at = at.astimezone(UTC) if timezone.is_aware(at) else at
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError, RecursionError) as error:
        raise CursorError(cursor) from error
    valid = (
        timezone.is_aware(at)
        and source in (_LIVE, _REMOVED)
        and isinstance(pk, int)
        and not isinstance(pk, bool)
        and 0 <= pk < 2**63
    )
    if not valid:
        raise CursorError(cursor)
    return at, source, pk


def creditor_feedback(
    *,
    token: CreditorToken,
    actor: Actor,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    via: str = "api",
) -> FeedbackPage:
    """One page of feedback on the signals of the token's creditor, about residents of the
    municipalities it has an active agreement with, changed at or after ``since``; oldest change
    first. ``cursor`` continues where the previous page ended. Raises CursorError for a cursor that
    was not handed out."""
    limit = max(1, min(limit, MAX_LIMIT))
    creditor = token.organisation
    after = decode_cursor(cursor) if cursor else None
    agreed = CreditorAgreement.objects.filter(organisation=creditor, active=True).values("municipality_id")
    rows = _rows(creditor_id=creditor.pk, municipality_ids=agreed, start=since, end=None, after=after, limit=limit)
    page, more = rows[:limit], len(rows) > limit
    _audit(actor=actor, organisation_id=creditor.pk, creditor=creditor, rows=page, via=via)
    return FeedbackPage(
        items=tuple(row.item for row in page),
        next_cursor=encode_cursor(page[-1].key) if more and page else None,
    )


def _officer_organisation(actor: Actor, municipality: Municipality) -> int | None:
    organisations = actor.organisation_ids(municipality.pk, Role.EARLY_SIGNALS_OFFICER)
    return min(organisations) if len(organisations) == 1 else None


def creditors_of_municipality(*, actor: Actor, municipality: Municipality) -> list[CreditorSummary]:
    """The creditors with an agreement (active or ended) with the municipality, with counts of
    their signals there. No personal data."""
    require_role(actor, Role.EARLY_SIGNALS_OFFICER, municipality_id=municipality.pk)
    agreements = (
        CreditorAgreement.objects.filter(municipality=municipality)
        .select_related("organisation")
        .order_by("organisation__name", "organisation_id")
    )
    summaries = []
    for agreement in agreements:
        creditor = agreement.organisation
        live = Signal.objects.filter(creditor=creditor, municipality=municipality)
        removed = SignalTombstone.objects.filter(creditor=creditor, municipality=municipality)
        total, removed_total = live.count(), removed.count()
        withdrawn = live.filter(withdrawn_at__isnull=False).count() + removed.filter(withdrawn_at__isnull=False).count()
        still_open = live.filter(withdrawn_at__isnull=True).exclude(case__status=Case.Status.CLOSED).count()
        summaries.append(
            CreditorSummary(
                slug=creditor.slug,
                name=creditor.name,
                kind=str(Organisation.Kind(creditor.kind).label),
                active=agreement.active,
                signals=total + removed_total,
                open=still_open,
                closed=total + removed_total - still_open - withdrawn,
                withdrawn=withdrawn,
            )
        )
    return summaries


def municipality_feedback(
    *,
    actor: Actor,
    municipality: Municipality,
    creditor_slug: str,
    changed_from: date | None = None,
    changed_to: date | None = None,
) -> tuple[Organisation, list[FeedbackItem]]:
    """The feedback on one creditor's signals about residents of the municipality, changed on the
    days from ``changed_from`` to ``changed_to`` (both included), for the early-signalling officer
    to hand to the creditor. Raises CreditorNotFoundError unless the creditor has (had) an agreement
    with the municipality."""
    require_role(actor, Role.EARLY_SIGNALS_OFFICER, municipality_id=municipality.pk)
    agreement = (
        CreditorAgreement.objects.filter(municipality=municipality, organisation__slug=creditor_slug)
        .select_related("organisation")
        .first()
    )
    if agreement is None:
        raise CreditorNotFoundError(creditor_slug)
    creditor = agreement.organisation
    rows = _rows(
        creditor_id=creditor.pk,
        municipality_ids=[municipality.pk],
        start=_start_of(changed_from),
        end=_start_of(changed_to + timedelta(days=1)) if changed_to else None,
    )
    _audit(
        actor=actor,
        organisation_id=_officer_organisation(actor, municipality),
        creditor=creditor,
        rows=rows,
        via="workspace",
    )
    return creditor, [row.item for row in rows]


def _start_of(day: date | None) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


# --- CSV ------------------------------------------------------------------------------------------------


def csv_rows(items: Iterable[Mapping[str, object]]) -> Iterator[list[object]]:
    """The cells of feedback items (as :meth:`FeedbackItem.as_dict` gives them), in the order of
    :data:`CSV_COLUMNS`."""
    for item in items:
        yield [item.get(column) for column in CSV_COLUMNS]


def csv_text(items: Iterable[Mapping[str, object]]) -> str:
    """Feedback items as the API's CSV, as the format documents it: comma-delimited, with a header
    row. (The workspace's download is written for a spreadsheet with Dutch settings instead.)"""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(items):
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()


def describe_columns() -> dict[str, str]:
    """What each column means, for the pages and the API description."""
    return {
        "creditor_reference": _("Your reference of the signal."),
        "municipality": _("CBS code of the municipality."),
        "status": _("received, in_progress, closed, or withdrawn (you withdrew the signal)."),
        "help_accepted": _(
            "yes once the household has taken up help (the case is in help, or closed with help); no once it "
            "is closed without help; unknown before either, and for a withdrawn signal."
        ),
        "closed_on": _("The day the case was closed; empty while it is open, and for a withdrawn signal."),
        "changed_at": _("When this feedback last changed."),
        "withdrawn_on": _("The day you withdrew the signal; empty for a signal that stands."),
        "withdrawal_reason": _(
            "Why you withdrew it: paid, arrangement or sent_in_error; empty for a signal that stands."
        ),
    }
