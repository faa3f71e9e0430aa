"""A creditor withdraws a signal it delivered, by its own reference and for a reason from a fixed
choice: the arrears were paid, a payment arrangement was made with the creditor, or the signal was
sent in error. Through the API a batch of them, answered per item as the intake answers per row;
on the signal deliverer's page one at a time.

What a withdrawal does, in one transaction per signal, with the case locked first:

- the signal is marked withdrawn (when and why; the creditor that delivered it is who withdrew);
- the case's counts, priority and threat follow the signals that still stand;
- a case whose every signal is withdrawn and that the team has not yet tried to reach (no attempt,
  still in the tray "new" or "to contact") is closed as withdrawn by the creditor, signed in the
  shared log as the retention run signs a closing; a case the team is working on stays where it
  is, and its page says which signal was withdrawn, when and why, so the team decides;
- a signal withdrawn as sent in error keeps no personal data: it is replaced by its tombstone at
  once, as the retention run does, and a case the withdrawal closed loses its personal data too;
- the shared log gets an entry signed by the creditor that names no household, the audit log a
  record of the change.

Only the creditor's own signals are found: another creditor's reference is answered as an unknown
one. A person withdraws only signals about residents of the municipalities of their role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meedoen.core.access import Actor
from meedoen.core.audit import record_change
from meedoen.early_signals import formats, retention
from meedoen.early_signals.deliveries import deliverer_municipality_ids
from meedoen.early_signals.formats import ERROR, WARNING, Problem, RawRow
from meedoen.early_signals.linking import case_priority
from meedoen.early_signals.models import (
    THREATENING_KINDS,
    UNTOUCHED,
    Case,
    Signal,
    SignalTombstone,
    WithdrawalReason,
)
from meedoen.early_signals.rows import check_withdrawal
from meedoen.early_signals.services import LEDGER_SIGNAL_WITHDRAWN, case_closing_write, last_attempt_at
from meedoen.ledger.services import entry_append
from meedoen.organisations.models import Municipality, Organisation

log = structlog.get_logger(__name__)

WITHDRAWN = "withdrawn"
ALREADY_WITHDRAWN = "already_withdrawn"
REFUSED = "refused"
OUTCOMES = (WITHDRAWN, ALREADY_WITHDRAWN, REFUSED)
WITHDRAW_ACTION = "early_signals.signal.withdraw"


@dataclass(frozen=True)
class WithdrawalAnswer:
    """The answer to one withdrawal: ``row`` is its place in the batch (from 1), ``reason`` and
    ``withdrawn_at`` those recorded for the signal (once withdrawn, also before this request)."""

    row: int
    reference: str
    outcome: str
    reason: str = ""
    withdrawn_at: datetime | None = None
    problems: tuple[Problem, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "reference": self.reference,
            "outcome": self.outcome,
            "reason": self.reason or None,
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
            "problems": [problem.as_dict() for problem in self.problems],
        }


@dataclass(frozen=True)
class WithdrawalsAnswer:
    """The answer to a batch of withdrawals: one per item, and the problems of the batch as a whole
    (a fatal one refuses it whole, and nothing is withdrawn)."""

    items: tuple[WithdrawalAnswer, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def fatal(self) -> bool:
        return any(problem.severity == formats.FATAL for problem in self.problems)

    def summary(self) -> dict[str, Any]:
        """How many items, and how many of each outcome: counts only, for the answer and the log."""
        counts = {outcome: sum(1 for item in self.items if item.outcome == outcome) for outcome in OUTCOMES}
        return {"items": len(self.items), **counts, "fatal": self.fatal}

    def as_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "problems": [problem.as_dict() for problem in self.problems],
            "results": [item.as_dict() for item in self.items],
        }


@dataclass(frozen=True)
class WithdrawalPreview:
    """What a withdrawal would take, before it is made: the signal's kind, when it came in and about a
    resident of which municipality (nothing of the person), and the reason it was withdrawn for
    before, when this withdrawal would correct that to sent in error."""

    reference: str
    reason: str
    kind: str
    received_at: datetime
    municipality: Municipality
    reason_before: str = ""


def reason_label(reason: str) -> str:
    return str(WithdrawalReason(reason).label) if reason in WithdrawalReason.values else reason


@dataclass
class _Withdrawing:
    """Who withdraws: the actor for the creditor, the municipalities they may reach (None: all of
    the creditor's), and the organisation that signs a closing in each municipality, looked up once
    per request however many of its cases close."""

    actor: Actor
    creditor: Organisation
    within: frozenset[int] | None
    teams: dict[int, Organisation | None] = field(default_factory=dict)

    @classmethod
    def of(cls, actor: Actor, creditor: Organisation) -> _Withdrawing:
        return cls(actor, creditor, deliverer_municipality_ids(actor, creditor))

    def may_reach(self, municipality_id: int) -> bool:
        return self.within is None or municipality_id in self.within

    def signing_team(self, municipality: Municipality) -> Organisation | None:
        if municipality.pk not in self.teams:
            self.teams[municipality.pk] = retention.signing_team(municipality)
        return self.teams[municipality.pk]


# --- the services ----------------------------------------------------------------------------------------


def signals_withdraw_json(*, actor: Actor, creditor: Organisation, content: bytes) -> WithdrawalsAnswer:
    """Withdraw the signals a JSON batch names, each on its own (``formats.read_withdrawals``): from
    the creditor's token, the platform operator, or a person with the role signal deliverer in the
    creditor, who withdraws signals about residents of the municipalities of their role only."""
    withdrawing = _Withdrawing.of(actor, creditor)
    parsed = formats.read_withdrawals(content)
    if parsed.fatal:
        answer = WithdrawalsAnswer(problems=tuple(parsed.problems))
    else:
        answer = WithdrawalsAnswer(
            items=tuple(_withdraw_row(withdrawing, raw) for raw in parsed.rows),
            problems=tuple(parsed.problems),
        )
    log.info("early_signals.withdrawals", creditor=creditor.slug, size_bytes=len(content), **answer.summary())
    return answer


def signal_withdraw(*, actor: Actor, creditor: Organisation, reference: str, reason: str) -> WithdrawalAnswer:
    """Withdraw one signal of ``creditor`` by its reference (who may: see ``signals_withdraw_json``),
    checked and answered as an item of a batch."""
    raw = RawRow(number=1, values={"reference": reference, "reason": reason})
    answer = _withdraw_row(_Withdrawing.of(actor, creditor), raw)
    log.info("early_signals.withdrawal", creditor=creditor.slug, outcome=answer.outcome)
    return answer


def withdrawal_preview(
    *, actor: Actor, creditor: Organisation, reference: str, reason: str
) -> WithdrawalPreview | WithdrawalAnswer:
    """What withdrawing the signal would take, read without changing anything, for the web page to
    ask the clerk to confirm; or, when there is nothing to confirm, the answer the withdrawal would
    give now (refused, or withdrawn before). Who may: as ``signal_withdraw``."""
    withdrawing = _Withdrawing.of(actor, creditor)
    checked = _checked(RawRow(number=1, values={"reference": reference, "reason": reason}))
    if isinstance(checked, WithdrawalAnswer):
        return checked
    reference, reason, warnings = checked
    signal = (
        Signal.objects.filter(creditor=creditor, creditor_reference=reference)
        .select_related("municipality")
        .only("kind", "received_at", "withdrawn_at", "withdrawal_reason", "municipality")
        .first()
    )
    if signal is None:
        return _without_signal(withdrawing, 1, reference, warnings)
    if not withdrawing.may_reach(signal.municipality_id):
        return _refused(1, reference, warnings, _not_granted(1, signal.municipality_id))
    if signal.withdrawn_at is not None and not _corrects(signal, reason):
        return _already(1, reference, signal.withdrawn_at, signal.withdrawal_reason, warnings)
    return WithdrawalPreview(
        reference=reference,
        reason=reason,
        kind=signal.get_kind_display(),
        received_at=signal.received_at,
        municipality=signal.municipality,
        reason_before=signal.withdrawal_reason if signal.withdrawn_at is not None else "",
    )


def _withdraw_row(withdrawing: _Withdrawing, raw: RawRow) -> WithdrawalAnswer:
    checked = _checked(raw)
    if isinstance(checked, WithdrawalAnswer):
        return checked
    reference, reason, warnings = checked
    with transaction.atomic():
        return _withdraw(withdrawing, raw.number, reference, reason, warnings)


def _checked(raw: RawRow) -> tuple[str, str, tuple[Problem, ...]] | WithdrawalAnswer:
    """The reference and reason of a withdrawal as read, with their warnings; or its refusal."""
    reference, reason, problems = check_withdrawal(raw)
    if any(problem.severity == ERROR for problem in problems):
        return WithdrawalAnswer(raw.number, reference or _reference_shown(raw), REFUSED, problems=tuple(problems))
    return reference, reason, tuple(problems)


def _corrects(signal: Signal, reason: str) -> bool:
    """Whether withdrawing ``signal`` for ``reason`` corrects an earlier withdrawal as paid or as an
    arrangement to one as sent in error."""
    in_error = WithdrawalReason.SENT_IN_ERROR
    return signal.withdrawn_at is not None and reason == in_error and signal.withdrawal_reason != in_error


def _reference_shown(raw: RawRow) -> str:
    value = raw.values.get("reference")
    return formats.shown(value).strip()[:64] if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _withdraw(
    withdrawing: _Withdrawing, row: int, reference: str, reason: str, warnings: tuple[Problem, ...]
) -> WithdrawalAnswer:
    found = (
        Signal.objects.filter(creditor=withdrawing.creditor, creditor_reference=reference)
        .values_list("pk", "case_id", "municipality_id")
        .first()
    )
    if found is None:
        return _without_signal(withdrawing, row, reference, warnings)
    signal_id, case_id, municipality_id = found
    if not withdrawing.may_reach(municipality_id):
        return _refused(row, reference, warnings, _not_granted(row, municipality_id))
    # The case first, as every service that changes it locks it; then the signal, read again: the
    # retention run may have removed it, or another request withdrawn it, before the lock; or the
    # team joined its case with another (services.case_join), and the signal is in that one now.
    case, signal = _locked(case_id, signal_id)
    while signal is not None and signal.case_id != case.pk:
        case, signal = _locked(signal.case_id, signal_id)
    if signal is None:
        return _without_signal(withdrawing, row, reference, warnings)
    if _corrects(signal, reason):
        return _correct_to_error(withdrawing, case, signal, row, reference, warnings)
    if signal.withdrawn_at is not None:
        return _already(row, reference, signal.withdrawn_at, signal.withdrawal_reason, warnings)

    now = timezone.now()
    # The team has begun on the case once it moved it on, made an offer, or opened its page.
    begun = case.status not in UNTOUCHED or case.first_offer_at is not None or case.signals_seen > 0
    signal.withdrawn_at, signal.withdrawal_reason = now, reason
    signal.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    signals = _signals_of(case)
    _seen_before(case, signal, signals)
    _recount(case, signals)
    _record_withdrawal(withdrawing, case, signal, reference)
    _follow(withdrawing, case, signal, now, signals, begun=begun)
    return WithdrawalAnswer(row, reference, WITHDRAWN, reason, now, warnings)


def _locked(case_id: int, signal_id: int) -> tuple[Case, Signal | None]:
    case = Case.objects.select_for_update(of=("self",)).select_related("municipality").get(pk=case_id)
    return case, Signal.objects.select_for_update().filter(pk=signal_id).first()


def _record_withdrawal(
    withdrawing: _Withdrawing, case: Case, signal: Signal, reference: str, *, reason_before: str = ""
) -> None:
    """The withdrawal, or its correction to sent in error, in the shared log and the audit log. The
    log's entry is signed by the creditor and, like the signal's own item, names no household: the
    creditor could find the household's other entries in the log by it."""
    assert signal.withdrawn_at is not None
    before = {"reason_before": reason_before} if reason_before else {}
    entry_append(
        municipality=case.municipality,
        kind=LEDGER_SIGNAL_WITHDRAWN,
        acting=withdrawing.creditor,
        payload={
            "creditor_reference": reference,
            "reason": signal.withdrawal_reason,
            **before,
            "withdrawn_on": timezone.localdate(signal.withdrawn_at).isoformat(),
        },
    )
    record_change(
        actor=withdrawing.actor,
        action=WITHDRAW_ACTION,
        obj=signal,
        municipality_id=case.municipality_id,
        organisation_id=withdrawing.creditor.pk,
        subject_ref=signal.resident_ref or case.household_ref,
        details={"reason": signal.withdrawal_reason, **before, "case": str(case.uuid)},
    )


def _follow(
    withdrawing: _Withdrawing, case: Case, signal: Signal, now: datetime, signals: list[_Read], *, begun: bool
) -> None:
    """What the case does now that ``signal`` is withdrawn (or its reason corrected), one rule
    whatever the order of the withdrawals:

    - no signal stands and every one was sent in error: no arrears ever stood, so the case keeps none
      of the household's data, whatever its tray. It is closed as sent in error (one the team closed
      keeps its outcome) and its personal data removed, contact notes included;
    - else no signal stands and nobody began on it: closed as withdrawn, its data kept for the
      retention term like any case without help (a signal sent in error among them goes at once);
    - else the case stays as it is, and its page says what was withdrawn; a signal sent in error
      loses its personal data at once.
    """
    live = sum(1 for other in signals if other.standing)
    if live == 0 and _every_signal_in_error(case, signals):
        if case.status != Case.Status.CLOSED:
            _close(withdrawing, case, signal, now, Case.Outcome.WITHDRAWN_IN_ERROR)
        elif case.outcome == Case.Outcome.WITHDRAWN:
            _outcome_corrected(withdrawing.actor, case, signal)
        if case.status == Case.Status.CLOSED and case.erased_at is None:
            retention.erase_cases([case], actor=withdrawing.actor, term=retention.SENT_IN_ERROR, now=now)
            return
    elif live == 0 and not begun and case.status != Case.Status.CLOSED:
        _close(withdrawing, case, signal, now, Case.Outcome.WITHDRAWN)
    if signal.withdrawal_reason == WithdrawalReason.SENT_IN_ERROR:
        retention.remove_signals(
            Signal.objects.filter(pk=signal.pk), {case.pk: case}, reason=SignalTombstone.Reason.SENT_IN_ERROR, now=now
        )


def _correct_to_error(
    withdrawing: _Withdrawing,
    case: Case,
    signal: Signal,
    row: int,
    reference: str,
    warnings: tuple[Problem, ...],
) -> WithdrawalAnswer:
    """A signal withdrawn before as paid or arranged is withdrawn again as sent in error: the
    creditor found it was about the wrong person, whose data must not wait for the retention term.
    The reason changes, and the case follows the same rule as after any withdrawal (``_follow``)."""
    now = timezone.now()
    before = signal.withdrawal_reason
    in_error = WithdrawalReason.SENT_IN_ERROR
    signal.withdrawal_reason = in_error
    signal.save(update_fields=["withdrawal_reason"])
    _record_withdrawal(withdrawing, case, signal, reference, reason_before=before)
    _follow(withdrawing, case, signal, now, _signals_of(case), begun=True)
    problem = Problem(
        WARNING,
        "reason_corrected",
        _("Withdrawn before on %(date)s (%(reason)s); now as sent in error, and its personal data is removed.")
        % {"date": timezone.localdate(signal.withdrawn_at).isoformat(), "reason": reason_label(before)},
        row=row,
        field="reason",
    )
    return WithdrawalAnswer(row, reference, WITHDRAWN, in_error, signal.withdrawn_at, (*warnings, problem))


def _outcome_corrected(actor: Actor, case: Case, signal: Signal) -> None:
    """A case closed as withdrawn whose every signal turns out to be sent in error is closed as such."""
    case.outcome = Case.Outcome.WITHDRAWN_IN_ERROR
    case.save(update_fields=["outcome", "updated_at"])
    record_change(
        actor=actor,
        action="early_signals.case.outcome_corrected",
        obj=case,
        municipality_id=case.municipality_id,
        subject_ref=case.household_ref,
        details={"outcome": case.outcome, "outcome_before": Case.Outcome.WITHDRAWN, "signal": str(signal.uuid)},
    )


@dataclass(frozen=True)
class _Read:
    """A signal of the case as the rules after a withdrawal read it."""

    pk: int
    kind: str
    creditor_id: int
    received_at: datetime
    standing: bool
    withdrawal_reason: str


def _signals_of(case: Case) -> list[_Read]:
    """The case's signals as they are now, the withdrawn one included: one query (a case holds a
    few), which counting, the signals seen and the rule for closing all read."""
    found = Signal.objects.filter(case_id=case.pk).values_list(
        "pk", "kind", "creditor_id", "received_at", "withdrawn_at", "withdrawal_reason"
    )
    return [
        _Read(pk, kind, creditor_id, received_at, withdrawn_at is None, reason)
        for pk, kind, creditor_id, received_at, withdrawn_at, reason in found
    ]


def _every_signal_in_error(case: Case, signals: list[_Read]) -> bool:
    """Every signal of the case was withdrawn as sent in error: those that stand as signals, and
    those already replaced by their tombstones (while a case is open, its tombstones are those of
    its signals withdrawn as sent in error; the index holds those)."""
    in_error = WithdrawalReason.SENT_IN_ERROR
    withdrawn = SignalTombstone.objects.filter(case_uuid=case.uuid, withdrawn_at__isnull=False)
    if not signals and not withdrawn.exists():
        return False  # no signal at all (a case joined with another): none was sent in error
    return all(other.withdrawal_reason == in_error for other in signals) and not (
        withdrawn.exclude(withdrawal_reason=in_error).exists()
    )


def _seen_before(case: Case, signal: Signal, signals: list[_Read]) -> None:
    """Keep the count of signals the team has seen right: the team saw the case's first
    ``signals_seen`` standing signals, in the order they came in; ``signal`` is now withdrawn."""
    came_before = (signal.received_at, signal.pk)
    standing_before = sum(1 for other in signals if other.standing and (other.received_at, other.pk) < came_before)
    if standing_before < case.signals_seen:
        case.signals_seen -= 1


def _recount(case: Case, signals: list[_Read]) -> None:
    """Count the case's standing signals again, with its creditors, threat and priority, and save
    them. Its term for the first offer stays as it was (the team keeps the term it had); a new
    threat's term goes when no standing threat is left to answer."""
    standing = [other for other in signals if other.standing]
    threats = [other for other in standing if other.kind in THREATENING_KINDS]
    case.signal_count, case.creditor_count = len(standing), len({other.creditor_id for other in standing})
    case.threatening = bool(threats)
    case.priority = case_priority(
        creditor_count=case.creditor_count, signal_count=case.signal_count, threatening=case.threatening
    )
    if case.threat_due is not None:
        last_attempt = last_attempt_at(case)
        if not any(last_attempt is None or threat.received_at > last_attempt for threat in threats):
            case.threat_due = None
    case.save(
        update_fields=[
            "signal_count",
            "creditor_count",
            "threatening",
            "priority",
            "threat_due",
            "signals_seen",
            "updated_at",
        ]
    )


def _close(withdrawing: _Withdrawing, case: Case, signal: Signal, now: datetime, outcome: str) -> bool:
    """Close a case whose creditors withdrew every signal (``_follow`` says when, and with which
    outcome). The closing is written to the shared log signed by the municipality's team, as the
    retention run signs a closing it makes, and naming no household: right after the creditor's
    own entry, a pseudonym would tell the creditor which household its reference was about, and
    let it follow that household's later entries. A municipality without a team to sign keeps the
    case open, as the retention run does. Whether it closed."""
    team = withdrawing.signing_team(case.municipality)
    if team is None:
        log.warning("early_signals.withdrawal.no_team_to_close", case=str(case.uuid))
        return False
    case_closing_write(
        actor=withdrawing.actor,
        case=case,
        outcome=outcome,
        signed_by=team,
        at=now,
        names_household=False,
        details={"withdrawn_signal": str(signal.uuid)},
    )
    return True


# --- the answers ------------------------------------------------------------------------------------------


def _without_signal(
    withdrawing: _Withdrawing, row: int, reference: str, warnings: tuple[Problem, ...]
) -> WithdrawalAnswer:
    """The answer for a reference without a signal: withdrawn before (as sent in error, so only its
    tombstone is left), its data removed after the retention term, or never delivered by this
    creditor (another creditor's reference is not looked for)."""
    tombstone = SignalTombstone.objects.filter(creditor=withdrawing.creditor, creditor_reference=reference).first()
    if tombstone is not None and not withdrawing.may_reach(tombstone.municipality_id):
        return _refused(row, reference, warnings, _not_granted(row, tombstone.municipality_id))
    if tombstone is not None and tombstone.withdrawn_at is not None:
        return _already(row, reference, tombstone.withdrawn_at, tombstone.withdrawal_reason, warnings)
    if tombstone is not None:
        problem = Problem(
            ERROR,
            "reference_removed",
            _(
                "The personal data of this signal was removed on %(date)s, after the retention term; there is "
                "nothing left to withdraw."
            )
            % {"date": timezone.localdate(tombstone.removed_at).isoformat()},
            row=row,
            field="reference",
        )
        return _refused(row, reference, warnings, problem)
    problem = Problem(
        ERROR,
        "unknown_reference",
        _("Your organisation delivered no signal with this reference."),
        row=row,
        field="reference",
    )
    return _refused(row, reference, warnings, problem)


def _already(
    row: int, reference: str, withdrawn_at: datetime, reason: str, warnings: tuple[Problem, ...]
) -> WithdrawalAnswer:
    problem = Problem(
        WARNING,
        "already_withdrawn",
        _("Already withdrawn on %(date)s (%(reason)s); nothing changed.")
        % {"date": timezone.localdate(withdrawn_at).isoformat(), "reason": reason_label(reason)},
        row=row,
        field="reference",
    )
    return WithdrawalAnswer(row, reference, ALREADY_WITHDRAWN, reason, withdrawn_at, (*warnings, problem))


def _refused(row: int, reference: str, warnings: Sequence[Problem], problem: Problem) -> WithdrawalAnswer:
    return WithdrawalAnswer(row, reference, REFUSED, problems=(*warnings, problem))


def _not_granted(row: int, municipality_id: int) -> Problem:
    municipality = Municipality.objects.get(pk=municipality_id)
    return Problem(
        ERROR,
        "not_granted",
        _(
            "This signal is about a resident of %(name)s (%(code)s). You may not withdraw it yourself: your role "
            "as signal deliverer is for other municipalities. Ask whoever manages your access."
        )
        % {"name": municipality.name, "code": municipality.code},
        row=row,
        field="reference",
    )
