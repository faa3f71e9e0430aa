"""Undoing a join the team made in error: what the join moved goes back to the case it came from,
which is opened again as it was; what came to the case kept since stays there. Only while the case
kept is open, by an officer of the municipality, once per join."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from meedoen.core.models import AuditEvent
from meedoen.early_signals import feedback, monitor, services
from meedoen.early_signals.models import OPEN_STATUSES, Case, CaseJoin, ContactAttempt, Signal, SignalTombstone
from meedoen.early_signals.services import (
    attempt_record,
    case_close,
    case_join,
    case_move,
    case_reopen,
    case_seen,
    case_split,
)
from meedoen.early_signals.tests.concurrency import CONCURRENT, at_once
from meedoen.early_signals.tests.conftest import TODAY
from meedoen.early_signals.tests.factories import SYSTEM, deliver_dated_now, deliver_rows, signal_row
from meedoen.early_signals.tests.test_case_lifecycle import feedback_of, officer_of
from meedoen.early_signals.tests.test_joining import CALLED_BY, attempt, case_of, two_cases
from meedoen.early_signals.withdrawals import signal_withdraw
from meedoen.ledger.models import Entry
from meedoen.organisations.models import Organisation

pytestmark = pytest.mark.django_db
MISTYPED = {"date_of_birth": "1984-03-18"}

# What a case is counted by; a split gives each case back what the join took from it.
COUNTED = (
    "status",
    "outcome",
    "opened_at",
    "first_offer_due",
    "first_offer_at",
    "first_contact_at",
    "threat_due",
    "threatening",
    "signal_count",
    "creditor_count",
    "priority",
    "signals_seen",
    "closed_at",
    "joined_into_id",
)


@pytest.fixture
def officer(world):
    return officer_of(world.waalwijk, world.ww_team)


def counted(case: Case) -> dict[str, object]:
    case.refresh_from_db()
    return {name: getattr(case, name) for name in COUNTED}


def join(officer, world, kept: Case, joined: Case) -> None:
    case_join(actor=officer, case=kept, other=joined, organisation=world.ww_team)


def split(officer, world, kept: Case, joined: Case) -> Case:
    return case_split(actor=officer, case=kept, joined=joined, organisation=world.ww_team)


def test_undoing_a_join_gives_both_cases_back_as_they_were(creditors, world, officer):
    first, later = two_cases(creditors)
    case_seen(actor=officer, case=first)  # the team opened her landlord's case
    attempt(officer, world, later, "phone", reached=True)
    case_move(actor=officer, case=later, organisation=world.ww_team, status=Case.Status.IN_HELP)
    before = {first.pk: counted(first), later.pk: counted(later)}
    join(officer, world, later, first)  # the later one kept: it was opened after the other

    reopened = split(officer, world, later, first)

    assert reopened.pk == first.pk
    assert {first.pk: counted(first), later.pk: counted(later)} == before
    assert list(Signal.objects.filter(case=first).values_list("creditor_reference", flat=True)) == ["WS-0001"]
    assert list(Signal.objects.filter(case=later).values_list("creditor_reference", flat=True)) == ["EV-1"]
    assert ContactAttempt.objects.filter(case=later).count() == 1
    assert CaseJoin.objects.get().undone_at is not None


def test_what_came_since_the_join_stays_with_the_case_kept(creditors, world, officer):
    first, later = two_cases(creditors)
    join(officer, world, first, later)
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2"))  # under her initials, since
    attempt(officer, world, first, "letter", reached=False)

    split(officer, world, first, later)

    first.refresh_from_db()
    later.refresh_from_db()
    assert sorted(Signal.objects.filter(case=first).values_list("creditor_reference", flat=True)) == [
        "EV-2",
        "WS-0001",
    ]
    assert (first.signal_count, first.creditor_count, first.status) == (2, 2, Case.Status.TO_CONTACT)
    assert first.first_offer_at is not None and ContactAttempt.objects.filter(case=first).count() == 1
    assert (later.signal_count, later.first_offer_at, later.status) == (1, None, Case.Status.NEW)


def test_a_threat_since_the_join_brings_the_term_of_the_case_kept_forward_once_it_has_no_offer(
    creditors, world, officer
):
    first, later = two_cases(creditors)
    attempt(officer, world, later, "letter", reached=False)  # the offer went out under her call name
    join(officer, world, first, later)
    deliver_rows(creditors.housing, signal_row(creditor_reference="WS-0002", signal_kind="threat"))
    first.refresh_from_db()
    assert first.threat_due == date(2026, 3, 25)  # after the offer: a threat's own term

    split(officer, world, first, later)

    first.refresh_from_db()
    later.refresh_from_db()
    # Her landlord's case has no offer of its own: the threat's three working days are its term.
    assert (first.first_offer_at, first.first_offer_due, first.threat_due) == (None, date(2026, 3, 25), None)
    assert first.opened_at < later.opened_at and first.status == Case.Status.NEW
    assert (later.first_offer_due, later.status, later.threat_due) == (date(2026, 4, 17), Case.Status.TO_CONTACT, None)


def test_joins_into_one_case_are_undone_the_latest_first_each_giving_back_the_state_before_it(
    creditors, world, officer
):
    first, later = two_cases(creditors)
    # A threat ten days ago about her under a date of birth mistyped by a day: a third case.
    with time_machine.travel(TODAY - timedelta(days=10), tick=False):
        deliver_rows(
            creditors.housing,
            signal_row(
                creditor_reference="WS-0003",
                signal_kind="threat",
                signal_date="2026-03-09",
                reminder_date="2026-02-20",
                **MISTYPED,
            ),
        )
    third = case_of("WS-0003")
    before = counted(first)
    join(officer, world, first, later)
    after_first_join = counted(first)
    join(officer, world, first, third)
    assert counted(first)["first_offer_due"] == date(2026, 3, 13)  # the threat's three working days

    with pytest.raises(ValidationError, match="latest join"):
        split(officer, world, first, later)
    split(officer, world, first, third)

    assert counted(first) == after_first_join
    assert (counted(third)["first_offer_due"], counted(third)["signal_count"]) == (date(2026, 3, 13), 1)
    split(officer, world, first, later)
    assert counted(first) == before


def test_a_signal_since_the_join_about_the_person_split_off_goes_back_with_her(creditors, world, officer):
    first, later = two_cases(creditors)
    join(officer, world, first, later)
    # Her energy supplier again under her call name, and her landlord again under her initials.
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", signal_kind="threat", **CALLED_BY))
    deliver_rows(creditors.housing, signal_row(creditor_reference="WS-0002"))
    assert Signal.objects.filter(case=first).count() == 4

    split(officer, world, first, later)

    assert sorted(Signal.objects.filter(case=later).values_list("creditor_reference", flat=True)) == ["EV-1", "EV-2"]
    assert sorted(Signal.objects.filter(case=first).values_list("creditor_reference", flat=True)) == [
        "WS-0001",
        "WS-0002",
    ]
    later.refresh_from_db()
    assert (later.signal_count, later.threatening, later.first_offer_due) == (2, True, date(2026, 3, 25))
    undone = AuditEvent.objects.get(action="early_signals.case.split")
    assert len(undone.details["signals"]) == 2


def test_what_the_team_had_seen_of_the_case_split_off_stays_seen(creditors, world, officer):
    first, later = two_cases(creditors)
    case_seen(actor=officer, case=later)  # her energy supplier's signal seen; her landlord's case never opened
    join(officer, world, first, later)
    assert counted(first)["signals_seen"] == 0  # the landlord's signal, the older one, is new

    split(officer, world, first, later)

    assert (counted(later)["signals_seen"], counted(first)["signals_seen"]) == (1, 0)


def test_an_attempt_since_the_join_dated_before_the_case_kept_opened_moves_its_opening(creditors, world, officer):
    first, later = two_cases(creditors)
    join(officer, world, later, first)  # the later case kept: it opens three days earlier now
    letter_sent = TODAY - timedelta(days=2)
    attempt_record(
        actor=officer,
        case=later,
        organisation=world.ww_team,
        channel="letter",
        attempted_at=letter_sent,
        reached=False,
    )

    split(officer, world, later, first)

    assert counted(later)["opened_at"] == counted(later)["first_offer_at"] == letter_sent


def test_a_threat_the_first_offer_answered_needs_no_answer_of_its_own_after_the_split(creditors, world, officer):
    """A call made before her energy supplier's notice came, recorded after it: the offer the term
    of the notice asked for, not an answer still owed."""
    first, later = two_cases(creditors)
    called = TODAY + timedelta(hours=1)
    with time_machine.travel(TODAY + timedelta(hours=2), tick=False):
        deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", signal_kind="end_of_supply", **CALLED_BY))
    with time_machine.travel(TODAY + timedelta(hours=3), tick=False):
        attempt_record(
            actor=officer, case=later, organisation=world.ww_team, channel="phone", attempted_at=called, reached=True
        )
    before = counted(later)
    assert before["threat_due"] is None and before["first_offer_at"] == called
    join(officer, world, first, later)

    with time_machine.travel(TODAY + timedelta(hours=4), tick=False):
        split(officer, world, first, later)

    assert counted(later) == before


def test_a_threat_after_the_offer_is_answered_by_its_own_term_again_after_the_split(creditors, world, officer):
    first, later = two_cases(creditors)
    attempt(officer, world, later, "letter", reached=False)
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", signal_kind="threat", **CALLED_BY))
    before = counted(later)
    assert before["threat_due"] == date(2026, 3, 25)
    join(officer, world, first, later)

    with time_machine.travel(TODAY + timedelta(hours=2), tick=False):
        split(officer, world, first, later)

    assert counted(later) == before


def test_a_case_nobody_began_on_whose_signals_were_all_withdrawn_since_the_join_is_not_opened_again(
    creditors, world, officer
):
    first, later = two_cases(creditors)
    join(officer, world, first, later)
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        signal_withdraw(actor=SYSTEM, creditor=creditors.energy, reference="EV-1", reason="paid")

    with pytest.raises(ValidationError, match="withdrew every signal"):
        split(officer, world, first, later)

    assert Case.objects.get(pk=later.pk).outcome == Case.Outcome.JOINED


def test_a_threat_term_closing_cleared_stays_cleared(creditors, world, officer):
    first, later = two_cases(creditors)
    attempt(officer, world, later, "letter", reached=False)
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", signal_kind="threat", **CALLED_BY))
    with time_machine.travel(TODAY + timedelta(hours=2), tick=False):
        case_close(actor=officer, case=later, organisation=world.ww_team, outcome=Case.Outcome.NO_CONTACT)
        case_reopen(actor=officer, case=later, organisation=world.ww_team, reason="closed_by_mistake")
    before = counted(later)
    assert before["threat_due"] is None
    with time_machine.travel(TODAY + timedelta(hours=3), tick=False):
        join(officer, world, first, later)
        split(officer, world, first, later)

    assert counted(later) == before


def test_a_threat_withdrawn_as_sent_in_error_keeps_the_term_it_set(creditors, world, officer):
    first, later = two_cases(creditors)
    attempt(officer, world, later, "letter", reached=False)
    for days, reference in ((1, "EV-2"), (4, "EV-3")):
        with time_machine.travel(TODAY + timedelta(days=days), tick=False):
            deliver_rows(creditors.energy, signal_row(creditor_reference=reference, signal_kind="threat", **CALLED_BY))
    with time_machine.travel(TODAY + timedelta(days=5), tick=False):
        signal_withdraw(actor=SYSTEM, creditor=creditors.energy, reference="EV-2", reason="sent_in_error")
    before = counted(later)
    assert before["threat_due"] == date(2026, 3, 25)  # the withdrawn threat's term: EV-3 still stands

    with time_machine.travel(TODAY + timedelta(days=6), tick=False):
        join(officer, world, first, later)
        split(officer, world, first, later)

    assert counted(later) == before


def test_a_seen_signal_withdrawn_since_the_join_leaves_the_unseen_one_unseen(creditors, world, officer):
    first, later = two_cases(creditors)
    case_seen(actor=officer, case=later)
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", **CALLED_BY))
    with time_machine.travel(TODAY + timedelta(hours=2), tick=False):
        join(officer, world, first, later)
    with time_machine.travel(TODAY + timedelta(hours=3), tick=False):
        signal_withdraw(actor=SYSTEM, creditor=creditors.energy, reference="EV-1", reason="paid")

    with time_machine.travel(TODAY + timedelta(hours=4), tick=False):
        split(officer, world, first, later)

    assert (counted(later)["signal_count"], counted(later)["signals_seen"]) == (1, 0)


def test_a_join_stacked_on_another_is_undone_to_the_state_between_them(creditors, world, officer):
    first, later = two_cases(creditors)
    attempt(officer, world, later, "letter", reached=False)
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        deliver_rows(creditors.housing, signal_row(creditor_reference="WS-0002", signal_kind="threat"))
        join(officer, world, first, later)
    between = counted(first)
    with time_machine.travel(TODAY + timedelta(hours=2), tick=False):
        deliver_rows(creditors.housing, signal_row(creditor_reference="WS-0003", **MISTYPED))
    third = case_of("WS-0003")
    assert third.pk not in (first.pk, later.pk)

    with time_machine.travel(TODAY + timedelta(hours=3), tick=False):
        join(officer, world, first, third)
        split(officer, world, first, third)

    assert counted(first) == between


def test_the_undoing_is_recorded_and_the_reopening_is_in_the_shared_log(creditors, world, officer):
    first, later = two_cases(creditors)
    join(officer, world, first, later)

    split(officer, world, first, later)

    undone = AuditEvent.objects.get(action="early_signals.case.split")
    assert undone.details == {
        "split": str(later.uuid),
        "signals": [str(Signal.objects.get(creditor_reference="EV-1").uuid)],
        "attempts": [],
        "withdrawn_signals_removed": 0,
    }
    assert (undone.object_id, undone.subject_ref) == (str(first.pk), first.household_ref)
    reopened = AuditEvent.objects.get(action="early_signals.case.reopen")
    assert (reopened.object_id, reopened.details["reason"]) == (str(later.pk), "joined_in_error")
    entry = Entry.objects.get(kind=Entry.Kind.SIGNAL_CASE_REOPENED)
    assert entry.acting_organisation == world.ww_team


def test_withdrawn_signals_go_back_with_their_tombstones(creditors, world, officer):
    first, later = two_cases(creditors)
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", **CALLED_BY))
    attempt(officer, world, later, "letter", reached=False)
    signal_withdraw(actor=SYSTEM, creditor=creditors.energy, reference="EV-2", reason="sent_in_error")
    join(officer, world, first, later)
    signal_withdraw(actor=SYSTEM, creditor=creditors.energy, reference="EV-1", reason="paid")

    split(officer, world, first, later)

    assert SignalTombstone.objects.get().case_uuid == later.uuid
    assert Signal.objects.get(creditor_reference="EV-1").case_id == later.pk
    later.refresh_from_db()
    # The team began on it, so it stays open with no signal standing, as a withdrawal leaves it.
    assert (later.status, later.signal_count, later.outcome) == (Case.Status.TO_CONTACT, 0, "")


def test_a_case_whose_every_signal_was_sent_in_error_since_the_join_is_not_opened_again(creditors, world, officer):
    first, later = two_cases(creditors)
    join(officer, world, first, later)
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        signal_withdraw(actor=SYSTEM, creditor=creditors.energy, reference="EV-1", reason="sent_in_error")

    with pytest.raises(ValidationError, match="withdrew every signal"):
        split(officer, world, first, later)

    assert SignalTombstone.objects.get().case_uuid == first.uuid
    assert Case.objects.get(pk=later.pk).outcome == Case.Outcome.JOINED


def test_each_creditor_hears_how_its_own_case_goes_again(creditors, world, officer):
    first, later = two_cases(creditors)
    attempt(officer, world, later, "phone", reached=True)
    case_move(actor=officer, case=later, organisation=world.ww_team, status=Case.Status.IN_HELP)

    def heard() -> list[tuple[str, str, str]]:
        return [
            (item.creditor_reference, item.status, item.help_accepted)
            for item in (feedback_of(creditors.housing), feedback_of(creditors.energy))
        ]

    before = heard()
    join(officer, world, first, later)
    assert heard()[0] == ("WS-0001", feedback.IN_PROGRESS, "yes")  # the case kept is in help now

    split(officer, world, first, later)

    assert heard() == before == [("WS-0001", feedback.RECEIVED, "unknown"), ("EV-1", feedback.IN_PROGRESS, "yes")]


def test_both_cases_count_in_the_monitor_again(creditors, world, officer):
    first, later = two_cases(creditors)
    join(officer, world, first, later)

    split(officer, world, first, later)

    total = monitor.Tally()
    for tally in monitor.tallies(world.waalwijk.pk, date(2026, 3, 1), date(2026, 4, 1)).values():
        total.add(tally)
    assert (total.signals, total.cases_opened, total.single, total.multiple) == (2, 2, 2, 0)


def test_a_split_case_can_be_joined_again_and_split_again(creditors, world, officer):
    first, later = two_cases(creditors)
    join(officer, world, first, later)
    split(officer, world, first, later)

    join(officer, world, later, first)
    split(officer, world, later, first)

    assert CaseJoin.objects.filter(undone_at__isnull=False).count() == 2
    assert Case.objects.filter(status=Case.Status.NEW).count() == 2


@pytest.mark.parametrize("why", ["not_joined", "undone_already", "kept_closed", "data_removed", "other_way"])
def test_only_a_standing_join_into_an_open_case_is_undone(creditors, world, officer, why):
    first, later = two_cases(creditors)
    if why != "not_joined":
        join(officer, world, first, later)
    if why == "undone_already":
        split(officer, world, first, later)
    elif why == "kept_closed":
        attempt(officer, world, first, "phone", reached=True)
        case_close(actor=officer, case=first, organisation=world.ww_team, outcome="self_resolved")
    elif why == "data_removed":
        Case.objects.filter(pk=later.pk).update(erased_at=timezone.now())
    elif why == "other_way":
        first, later = later, first
    before = sorted(Case.objects.values_list("pk", "status", "signal_count", "outcome"))

    with pytest.raises(ValidationError):
        split(officer, world, first, later)

    assert sorted(Case.objects.values_list("pk", "status", "signal_count", "outcome")) == before
    assert AuditEvent.objects.filter(action="early_signals.case.split").count() == (why == "undone_already")


def test_only_the_municipalitys_officers_undo_a_join(creditors, world, officer):
    first, later = two_cases(creditors)
    join(officer, world, first, later)
    outsider = officer_of(world.meerssen, world.ms_team)

    with pytest.raises(PermissionDenied):
        case_split(actor=outsider, case=first, joined=later, organisation=world.ms_team)

    assert case_of("EV-1").pk == first.pk


def test_a_withdrawal_after_the_split_counts_in_the_case_the_signal_went_back_to(creditors, world, officer):
    first, later = two_cases(creditors)
    attempt(officer, world, later, "letter", reached=False)
    join(officer, world, first, later)
    split(officer, world, first, later)

    signal_withdraw(actor=SYSTEM, creditor=creditors.energy, reference="EV-1", reason="paid")

    later.refresh_from_db()
    first.refresh_from_db()
    assert (later.signal_count, later.status) == (0, Case.Status.TO_CONTACT)  # the team began on it
    assert first.signal_count == 1


@pytest.mark.django_db(transaction=True)
@CONCURRENT
def test_a_signal_delivered_while_a_join_is_undone_lands_in_the_case_it_is_about(
    creditors, world, officer, monkeypatch
):
    """Under her call name, while the join is being undone: the intake waits for the address, then
    finds the case split off open again and links the signal there, not to a new case."""
    first, later = two_cases(creditors)
    join(officer, world, first, later)
    splitting = threading.Event()
    count_split = services._count_split

    def slowly(*args, **kwargs):
        counted = count_split(*args, **kwargs)
        splitting.set()
        time.sleep(1)  # both cases locked, the signals moved back, not yet committed
        return counted

    monkeypatch.setattr(services, "_count_split", slowly)

    def deliver_after_the_undoing_began():
        assert splitting.wait(timeout=30)
        return deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", **CALLED_BY))

    at_once(lambda: split(officer, world, first, later), deliver_after_the_undoing_began)

    assert Signal.objects.get(creditor_reference="EV-2").case_id == later.pk
    assert Case.objects.count() == 2
    assert (Case.objects.get(pk=later.pk).signal_count, Case.objects.get(pk=first.pk).signal_count) == (2, 1)


# --- a join undone at once gives back exactly what was there ---------------------------------------------

# What can happen to the two cases before the join, an hour apart: a signal about either person from
# either creditor, an attempt (made some hours before it is recorded, reached or not), the team
# opening a case, a creditor withdrawing one of its signals (paid, or sent in error), a case closed and
# opened again.
EVENT = st.one_of(
    st.tuples(st.just("signal"), st.booleans(), st.booleans(), st.sampled_from(["arrears", "threat", "end_of_supply"])),
    st.tuples(st.just("attempt"), st.booleans(), st.booleans(), st.integers(0, 30)),
    st.tuples(st.just("seen"), st.booleans()),
    st.tuples(st.just("withdraw"), st.integers(0, 5), st.sampled_from(["paid", "sent_in_error"])),
    st.tuples(st.just("close_and_reopen"), st.booleans()),
)
STORY_STARTS = TODAY - timedelta(days=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(EVENT, max_size=10), st.booleans())
def joined_and_undone(creditors, world, officer, events, keep_the_first) -> None:
    house = str(next(HOUSES))
    delivered: list[tuple[Organisation, str]] = []

    def deliver(called_by: bool, energy: bool, kind: str) -> None:
        creditor = creditors.energy if energy else creditors.housing
        reference = f"P-{house}-{len(delivered)}"
        deliver_dated_now(
            creditor,
            creditor_reference=reference,
            signal_kind=kind,
            house_number=house,
            **(CALLED_BY if called_by else {}),
        )
        delivered.append((creditor, reference))

    def case_about(called_by: bool) -> Case:
        name = CALLED_BY["given_name"] if called_by else "Jolien"
        about = Case.objects.filter(address_ref=address, signals__given_name=name, status__in=OPEN_STATUSES)
        return about.distinct().get()

    with time_machine.travel(STORY_STARTS, tick=False):
        deliver(False, False, "arrears")
        deliver(True, True, "arrears")
    address = Case.objects.get(signals__creditor_reference=f"P-{house}-0").address_ref
    for hour, event in enumerate(events, start=1):
        with time_machine.travel(STORY_STARTS + timedelta(hours=hour), tick=False):
            if event[0] == "signal":
                deliver(*event[1:])
                continue
            if event[0] == "withdraw":
                creditor, reference = delivered[event[1] % len(delivered)]
                signal_withdraw(actor=SYSTEM, creditor=creditor, reference=reference, reason=event[2])
                continue
            try:
                case = case_about(event[1])
            except Case.DoesNotExist:
                continue  # closed by its creditors' withdrawals
            if event[0] == "seen":
                case_seen(actor=officer, case=case)
            elif event[0] == "close_and_reopen":
                try:
                    case_close(actor=officer, case=case, organisation=world.ww_team, outcome="no_contact")
                except ValidationError:
                    continue  # nobody tried to reach them yet
                case_reopen(actor=officer, case=case, organisation=world.ww_team, reason="closed_by_mistake")
            else:
                made = max(timezone.now() - timedelta(hours=event[3]), case.opened_at)
                attempt_record(
                    actor=officer,
                    case=case,
                    organisation=world.ww_team,
                    channel="phone",
                    attempted_at=made,
                    reached=event[2],
                )
    open_cases = list(Case.objects.filter(address_ref=address, status__in=OPEN_STATUSES).order_by("pk"))
    assume(len(open_cases) == 2)
    kept, other = open_cases if keep_the_first else reversed(open_cases)
    before = {kept.pk: counted(kept), other.pk: counted(other)}
    finished = STORY_STARTS + timedelta(hours=len(events) + 1)

    with time_machine.travel(finished, tick=False):
        join(officer, world, kept, other)
        split(officer, world, kept, other)

    assert {kept.pk: counted(kept), other.pk: counted(other)} == before


HOUSES = itertools.count(100)


def test_a_join_undone_at_once_gives_both_cases_back_exactly(creditors, world, officer):
    joined_and_undone(creditors, world, officer)
