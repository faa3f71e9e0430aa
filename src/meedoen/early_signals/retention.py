"""The retention terms of early signals: once a case is closed and its term has passed, the personal
data of its signals is removed and a tombstone without personal data is left for each signal. The
rules, the legal sources and what stays are in docs/early-signals-retention.md.

A municipality has two terms, each its own or else the installation's, both counted from the day
the case closed:

- the **retention term** for a case **closed with an outcome in which no help was accepted** (no
  contact, solves it themselves, declines help), and for a case **still open that nobody ever
  reached** (no attempt that reached them is recorded, whatever tray it is in) whose **last
  signal** is older than that term: such a case is first closed as "no contact" through
  :func:`services.case_close`, so the closing reaches the shared log like any other, signed by the
  organisation of the municipality's early-signalling officers (else its municipality team), and
  then removed at once;
- the **retention term after help** for a case **closed with help accepted** (solved directly,
  payment arrangement, referred to debt help or to another partner): the household's help goes on
  in the file of that help, outside Meedoen, and what the signals still serve here (the feedback to
  the creditor, the figures) their tombstones keep.

Open cases in which the household was reached are the team's: they are never closed by the clock.
The run counts those without activity for longer than the retention term, which the team's trays
show as well (:func:`selectors.reached_without_activity`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime

import structlog
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from meedoen.core.access import Actor, Role
from meedoen.core.audit import Change, record_changes
from meedoen.early_signals import services
from meedoen.early_signals.models import (
    HELP_ACCEPTED,
    OPEN_STATUSES,
    Case,
    ContactAttempt,
    MunicipalitySettings,
    Signal,
    SignalTombstone,
)
from meedoen.early_signals.selectors import (
    RetentionTerms,
    first_day_in_term,
    reached_without_activity,
    retention_terms_of,
    start_of,
)
from meedoen.organisations.models import Municipality, Organisation

log = structlog.get_logger(__name__)

ACTOR = Actor.system("early_signals_retention")
BATCH_CASES = 200
"""Cases removed per transaction: every statement of a batch covers all its cases and signals."""
ERASE_ACTION = "early_signals.case.erase"
# Why a case's data was removed, in its audit record: the term that passed, or the creditor's
# withdrawal of a signal as sent in error, which closed the case (early_signals.withdrawals).
WITHOUT_HELP, AFTER_HELP, SENT_IN_ERROR = "without_help", "after_help", "sent_in_error"
REASONS = {
    WITHOUT_HELP: "retention term passed",
    AFTER_HELP: "retention term after help passed",
    SENT_IN_ERROR: "withdrawn by the creditor as sent in error",
}
# The fields of a signal its tombstone keeps: ids, dates and its withdrawal, never personal data or
# a pseudonym.
TOMBSTONE_FIELDS = (
    "uuid",
    "creditor_reference",
    "kind",
    "signal_date",
    "received_at",
    "ledger_entry_id",
    "ledger_position",
    "withdrawn_at",
    "withdrawal_reason",
)


@dataclass(frozen=True)
class MunicipalityRetention:
    """What one run did (or, in a dry run, would do) in one municipality. Counts only."""

    municipality: str  # CBS code
    term_days: int
    # Cases closed without help, or open, unreached and last signalled, before this day have their
    # personal data removed.
    removed_before: date
    term_after_help_days: int
    # Cases closed with help accepted before this day have their personal data removed.
    removed_after_help_before: date
    closed_without_contact: int = 0
    # Every case whose data was removed; of them, those closed with help accepted.
    cases_erased: int = 0
    helped_cases_erased: int = 0
    signals_removed: int = 0
    notes_cleared: int = 0
    # Kept: open cases in which the household was reached, without activity (attempt, move,
    # signal) for longer than the retention term; the team closes or continues them.
    open_reached_without_activity: int = 0
    # Kept: open cases past the term nobody reached, in a municipality without a team to sign
    # their closing (no organisation of early-signalling officers, no municipality team).
    open_without_team: int = 0


# The counts are the fields that start at 0; the others say which terms applied.
COUNTS = tuple(field.name for field in fields(MunicipalityRetention) if field.default == 0)


@dataclass(frozen=True)
class RetentionReport:
    at: datetime
    dry_run: bool
    municipalities: tuple[MunicipalityRetention, ...]

    def totals(self) -> dict[str, int]:
        return {name: sum(getattr(row, name) for row in self.municipalities) for name in COUNTS}


def retention_run(*, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Remove, per municipality, the personal data of the closed cases whose term has passed, and of
    the open cases nobody reached past the retention term. Safe to run again: a case once removed is
    not touched again. ``dry_run`` counts what would be removed and changes nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    own_terms = {row.municipality_id: row for row in MunicipalitySettings.objects.all()}
    holding_data = Case.objects.filter(erased_at__isnull=True).values("municipality_id")
    results = tuple(
        _municipality_run(
            municipality,
            retention_terms_of(own_terms.get(municipality.pk)),
            today=today,
            now=now,
            dry_run=dry_run,
        )
        for municipality in Municipality.objects.filter(pk__in=holding_data).order_by("code")
    )
    report = RetentionReport(at=now, dry_run=dry_run, municipalities=results)
    log.info("early_signals.retention.run", dry_run=dry_run, municipalities=len(results), **report.totals())
    return report


def _closed_before(municipality_id: int, before: datetime) -> QuerySet[Case]:
    return Case.objects.filter(
        municipality_id=municipality_id,
        status=Case.Status.CLOSED,
        erased_at__isnull=True,
        closed_at__lt=before,
    )


def _closed_without_help(municipality_id: int, before: datetime) -> QuerySet[Case]:
    return _closed_before(municipality_id, before).exclude(outcome__in=HELP_ACCEPTED)


def _closed_with_help(municipality_id: int, before: datetime) -> QuerySet[Case]:
    return _closed_before(municipality_id, before).filter(outcome__in=HELP_ACCEPTED)


def _open_past_term(municipality_id: int, before: datetime) -> QuerySet[Case]:
    """Open cases whose every signal was received before ``before``."""
    later_signal = Signal.objects.filter(case_id=OuterRef("pk"), received_at__gte=before)
    return Case.objects.filter(
        municipality_id=municipality_id,
        status__in=OPEN_STATUSES,
        erased_at__isnull=True,
        opened_at__lt=before,
    ).exclude(Exists(later_signal))


def _municipality_run(
    municipality: Municipality, terms: RetentionTerms, *, today: date, now: datetime, dry_run: bool
) -> MunicipalityRetention:
    first_kept = first_day_in_term(today, terms.without_help_days)
    before = start_of(first_kept)
    first_kept_after_help = first_day_in_term(today, terms.after_help_days)
    before_after_help = start_of(first_kept_after_help)
    closed = _closed_without_help(municipality.pk, before)
    helped = _closed_with_help(municipality.pk, before_after_help)
    unreached = _open_past_term(municipality.pk, before).filter(first_contact_at__isnull=True)
    team = signing_team(municipality) if unreached.exists() else None
    counts = Counter(
        open_reached_without_activity=reached_without_activity(
            Case.objects.filter(municipality_id=municipality.pk), before
        ).count(),
        open_without_team=unreached.count() if team is None else 0,
    )
    if dry_run:
        counts["closed_without_contact"] = unreached.count() if team is not None else 0
        counts["helped_cases_erased"] = helped.count()
        for cases in [closed, helped, unreached] if team is not None else [closed, helped]:
            counts["cases_erased"] += cases.count()
            counts["signals_removed"] += Signal.objects.filter(case__in=cases).count()
            counts["notes_cleared"] += ContactAttempt.objects.filter(case__in=cases).exclude(note="").count()
    else:
        counts.update(_erase_closed(closed, term=WITHOUT_HELP, term_days=terms.without_help_days, now=now))
        erased_after_help = _erase_closed(helped, term=AFTER_HELP, term_days=terms.after_help_days, now=now)
        counts.update(erased_after_help)
        counts["helped_cases_erased"] = erased_after_help["cases_erased"]
        if team is not None:
            counts.update(_close_and_erase(unreached, team, term_days=terms.without_help_days, now=now))
    return MunicipalityRetention(
        municipality=municipality.code,
        term_days=terms.without_help_days,
        removed_before=first_kept,
        term_after_help_days=terms.after_help_days,
        removed_after_help_before=first_kept_after_help,
        **{name: counts[name] for name in COUNTS},
    )


def _erase_closed(closed: QuerySet[Case], *, term: str, term_days: int, now: datetime) -> Counter[str]:
    counts: Counter[str] = Counter()
    for ids in _batches(closed):
        with transaction.atomic():
            # Checked again under the lock: another run may have removed it meanwhile.
            locked = list(closed.filter(pk__in=ids).select_for_update().order_by("pk"))
            counts.update(_erase(locked, term, term_days, now))
    return counts


def _close_and_erase(unreached: QuerySet[Case], team: Organisation, *, term_days: int, now: datetime) -> Counter[str]:
    """Close the open cases nobody reached as "no contact", signed by ``team``, and remove them."""
    counts: Counter[str] = Counter()
    for ids in _batches(unreached):
        with transaction.atomic():
            # Checked again under the lock: a signal may have joined, or the team reached them. And
            # once more after it, in a statement of its own: while the lock was awaited, an intake or
            # a join may have added signals, which the locking statement's own look at the signals
            # does not see (PostgreSQL checks again only the locked row itself).
            locked = list(unreached.filter(pk__in=ids).select_for_update().order_by("pk"))
            still = set(unreached.filter(pk__in=[case.pk for case in locked]).values_list("pk", flat=True))
            locked = [case for case in locked if case.pk in still]
            closed = [
                services.case_close(actor=ACTOR, case=case, organisation=team, outcome=Case.Outcome.NO_CONTACT)
                for case in locked
            ]
            counts["closed_without_contact"] += len(closed)
            counts.update(_erase(closed, WITHOUT_HELP, term_days, now))
    return counts


def signing_team(municipality: Municipality) -> Organisation | None:
    """Who signs the closing of a case that no officer closed (nobody reached it in its term, or its
    creditors withdrew every signal before anyone tried): the organisation of the municipality's
    early-signalling officers (the first, should there be several), else its municipality team."""
    officers = (
        Organisation.objects.filter(
            memberships__municipality=municipality, memberships__role=Role.EARLY_SIGNALS_OFFICER
        )
        .order_by("pk")
        .first()
    )
    if officers is not None:
        return officers
    return (
        Organisation.objects.filter(municipalities=municipality, kind=Organisation.Kind.MUNICIPALITY_TEAM)
        .order_by("pk")
        .first()
    )


def _batches(cases: QuerySet[Case]) -> Iterator[list[int]]:
    """The keys of ``cases``, a batch at a time, in key order; each batch is looked up afresh, after
    the one before was handled."""
    last = 0
    while True:
        ids = list(cases.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH_CASES])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _erase(cases: list[Case], term: str, term_days: int, now: datetime) -> Counter[str]:
    return erase_cases(cases, actor=ACTOR, term=term, term_days=term_days, now=now)


def erase_cases(
    cases: list[Case], *, actor: Actor, term: str, now: datetime, term_days: int | None = None
) -> Counter[str]:
    """Replace the signals of closed ``cases`` by tombstones, clear their contact notes and their
    pseudonyms, and record it, with why (``term``: ``WITHOUT_HELP`` or ``AFTER_HELP`` that passed,
    or ``SENT_IN_ERROR``): a statement per table for all of them, however many signals. Call inside
    the transaction that locked the cases. Returns what it removed."""
    if not cases:
        return Counter()
    by_id = {case.pk: case for case in cases}
    reason = SignalTombstone.Reason.SENT_IN_ERROR if term == SENT_IN_ERROR else SignalTombstone.Reason.RETENTION
    signals = remove_signals(Signal.objects.filter(case_id__in=by_id), by_id, reason=reason, now=now)
    noted = ContactAttempt.objects.filter(case_id__in=by_id).exclude(note="")
    notes = Counter(noted.values_list("case_id", flat=True))
    noted.update(note="")
    Case.objects.filter(pk__in=by_id).update(household_ref="", address_ref="", erased_at=now, updated_at=now)
    per_case = Counter(signal.case_id for signal in signals)
    term_of: dict[str, object] = {"term": term} if term_days is None else {"term": term, "term_days": term_days}
    record_changes(
        actor=actor,
        changes=[
            Change(
                action=ERASE_ACTION,
                obj=case,
                municipality_id=case.municipality_id,
                reason=REASONS[term],
                details={
                    **term_of,
                    "outcome": case.outcome,
                    "signals": per_case[case.pk],
                    "notes_cleared": notes[case.pk],
                },
            )
            for case in cases
        ],
    )
    return Counter(cases_erased=len(cases), signals_removed=len(signals), notes_cleared=notes.total())


def remove_signals(signals: QuerySet[Signal], cases: Mapping[int, Case], *, reason: str, now: datetime) -> list[Signal]:
    """Replace ``signals`` by tombstones (``cases`` holds their cases by key): a statement per table,
    however many. Only what a tombstone keeps is read, none of the personal data. Call inside the
    transaction that locked the cases. Returns the signals as read, with those fields only."""
    removed = list(
        signals.select_related("delivery")
        .only(*TOMBSTONE_FIELDS, "case_id", "municipality_id", "creditor_id", "delivery__uuid")
        .order_by("pk")
    )
    SignalTombstone.objects.bulk_create(
        [
            SignalTombstone(
                signal_uuid=signal.uuid,
                case_uuid=cases[signal.case_id].uuid,
                delivery_uuid=signal.delivery.uuid,
                municipality_id=signal.municipality_id,
                creditor_id=signal.creditor_id,
                creditor_reference=signal.creditor_reference,
                kind=signal.kind,
                signal_date=signal.signal_date,
                received_at=signal.received_at,
                case_closed_at=cases[signal.case_id].closed_at,
                outcome=cases[signal.case_id].outcome,
                reason=reason,
                ledger_entry_id=signal.ledger_entry_id,
                ledger_position=signal.ledger_position,
                removed_at=now,
                withdrawn_at=signal.withdrawn_at,
                withdrawal_reason=signal.withdrawal_reason,
            )
            for signal in removed
        ],
        batch_size=500,
    )
    Signal.objects.filter(pk__in=[signal.pk for signal in removed]).delete()
    return removed
