"""Joining two cases the team found to be about the same person: one case keeps the signals, the
attempts and the earliest term of both; the other is closed as joined, leads to the first, and is
counted nowhere. Only open cases at the same address, of the officer's own municipality."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from meedoen.core.access import Actor, Grant, Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals import feedback, letters, monitor, services, withdrawals
from meedoen.early_signals.models import Case, ContactAttempt, Signal, SignalTombstone
from meedoen.early_signals.selectors import CASE_PURPOSE, case_detail, case_summary
from meedoen.early_signals.services import attempt_record, case_join, case_move, case_reopen, case_seen
from meedoen.early_signals.tests.concurrency import CONCURRENT, at_once
from meedoen.early_signals.tests.conftest import TODAY
from meedoen.early_signals.tests.factories import SYSTEM, deliver_rows, signal_row
from meedoen.early_signals.tests.test_case_lifecycle import feedback_of, officer_of
from meedoen.early_signals.withdrawals import signal_withdraw
from meedoen.ledger.models import Entry

pytestmark = pytest.mark.django_db
# The name she is called by, beside the initials of her given names: linking keeps them apart.
CALLED_BY = {"initials": "", "given_name": "Lien"}


@pytest.fixture
def officer(world):
    return officer_of(world.waalwijk, world.ww_team)


def case_of(reference: str) -> Case:
    return Case.objects.get(signals__creditor_reference=reference)


def attempt(officer, world, case: Case, channel: str, *, reached: bool) -> None:
    """An attempt of the Waalwijk team, now (the present moment of the test)."""
    attempt_record(
        actor=officer,
        case=case,
        organisation=world.ww_team,
        channel=channel,
        attempted_at=timezone.now(),
        reached=reached,
    )


def two_cases(creditors, *, second: dict | None = None, days_between: int = 3) -> tuple[Case, Case]:
    """Jolien's case from her landlord, and days later one from her energy supplier under her call name."""
    with time_machine.travel(TODAY - timedelta(days=days_between), tick=False):
        deliver_rows(creditors.housing, signal_row())
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-1", **(second or CALLED_BY)))
    first, later = case_of("WS-0001"), case_of("EV-1")
    assert first.pk != later.pk
    return first, later


def test_the_case_kept_takes_the_signals_attempts_and_earliest_term_of_both(creditors, world, officer):
    first, later = two_cases(creditors)
    attempt(officer, world, later, "phone", reached=True)
    later.refresh_from_db()

    kept = case_join(actor=officer, case=later, other=first, organisation=world.ww_team)

    kept.refresh_from_db()
    first.refresh_from_db()
    assert sorted(Signal.objects.filter(case=kept).values_list("creditor_reference", flat=True)) == ["EV-1", "WS-0001"]
    assert ContactAttempt.objects.filter(case=kept).count() == 1
    assert (kept.signal_count, kept.creditor_count, kept.priority) == (2, 2, 3)
    assert kept.signals_seen == 0  # the team opened neither case
    assert kept.opened_at == first.opened_at  # when the first of the two was opened, three days before
    assert kept.first_offer_due == date(2026, 4, 14)  # her landlord's signal came first: 28 days from 17 March
    assert kept.first_contact_at is not None and kept.status == Case.Status.CONTACTED
    assert (first.status, first.outcome, first.joined_into_id) == (Case.Status.CLOSED, Case.Outcome.JOINED, kept.pk)
    assert (first.signal_count, first.creditor_count, first.first_offer_at) == (0, 0, None)


def test_the_joining_is_recorded_and_the_closing_is_in_the_shared_log(creditors, world, officer):
    first, later = two_cases(creditors)

    case_join(actor=officer, case=first, other=later, organisation=world.ww_team)

    joined = AuditEvent.objects.get(action="early_signals.case.join")
    moved = Signal.objects.get(creditor_reference="EV-1")
    assert joined.details == {
        "joined": str(later.uuid),
        "signals": [str(moved.uuid)],
        "attempts": [],
        "withdrawn_signals_removed": 0,
    }
    assert (joined.object_type, joined.object_id, joined.subject_ref) == (
        "early_signals.case",
        str(first.pk),
        first.household_ref,
    )
    closed = AuditEvent.objects.get(action="early_signals.case.close")
    assert closed.details == {"outcome": "joined", "joined_into": str(first.uuid)}
    entry = Entry.objects.get(kind=Entry.Kind.SIGNAL_CASE_CLOSED)
    assert entry.acting_organisation == world.ww_team


def test_a_threat_in_the_case_joined_keeps_its_term_after_the_first_offer(creditors, world, officer):
    first, later = two_cases(creditors, second={**CALLED_BY, "signal_kind": "threat"})
    with time_machine.travel(TODAY - timedelta(days=2), tick=False):
        attempt(officer, world, first, "letter", reached=False)
    first.refresh_from_db()
    later.refresh_from_db()
    assert later.threatening and later.first_offer_at is None

    kept = case_join(actor=officer, case=first, other=later, organisation=world.ww_team)

    kept.refresh_from_db()
    assert kept.threatening
    assert kept.first_offer_at is not None
    assert kept.threat_due == later.first_offer_due == date(2026, 3, 25)  # three working days from today


def test_a_threat_answered_after_it_came_leaves_no_term(creditors, world, officer):
    first, later = two_cases(creditors, second={**CALLED_BY, "signal_kind": "threat"})
    with time_machine.travel(TODAY - timedelta(days=2), tick=False):
        attempt(officer, world, first, "letter", reached=False)
    attempt(officer, world, later, "letter", reached=False)
    first.refresh_from_db()
    later.refresh_from_db()

    kept = case_join(actor=officer, case=first, other=later, organisation=world.ww_team)

    kept.refresh_from_db()
    assert kept.threatening and kept.threat_due is None
    assert kept.first_offer_at == first.first_offer_at


def test_withdrawn_signals_go_along_with_their_tombstones(creditors, world, officer):
    first, later = two_cases(creditors)
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", **CALLED_BY))
    attempt(officer, world, later, "letter", reached=False)
    # The team began on it, so the case stays open whatever its creditor withdraws.
    signal_withdraw(actor=SYSTEM, creditor=creditors.energy, reference="EV-2", reason="paid")
    signal_withdraw(actor=SYSTEM, creditor=creditors.energy, reference="EV-1", reason="sent_in_error")
    later.refresh_from_db()
    assert later.status == Case.Status.TO_CONTACT

    kept = case_join(actor=officer, case=first, other=later, organisation=world.ww_team)

    kept.refresh_from_db()
    assert (kept.signal_count, kept.creditor_count) == (1, 1)  # only her landlord's stands
    assert Signal.objects.get(creditor_reference="EV-2").case_id == kept.pk
    assert SignalTombstone.objects.filter(case_uuid=kept.uuid).count() == 1  # the one sent in error
    assert not SignalTombstone.objects.filter(case_uuid=later.uuid).exists()


def test_the_creditor_hears_how_the_case_kept_goes(creditors, world, officer):
    first, later = two_cases(creditors)
    case_join(actor=officer, case=first, other=later, organisation=world.ww_team)
    assert feedback_of(creditors.energy).status == feedback.RECEIVED

    attempt(officer, world, first, "phone", reached=True)
    case_move(actor=officer, case=first, organisation=world.ww_team, status=Case.Status.IN_HELP)

    item = feedback_of(creditors.energy)
    assert (item.creditor_reference, item.status, item.help_accepted) == ("EV-1", feedback.IN_PROGRESS, "yes")


def test_a_case_joined_is_counted_once_in_the_monitor(creditors, world, officer):
    first, later = two_cases(creditors)

    case_join(actor=officer, case=first, other=later, organisation=world.ww_team)

    tallies = monitor.tallies(world.waalwijk.pk, date(2026, 3, 1), date(2026, 4, 1))
    total = monitor.Tally()
    for tally in tallies.values():
        total.add(tally)
    assert (total.signals, total.cases_opened, total.single, total.multiple, total.closed) == (2, 1, 0, 1, 0)


@pytest.mark.parametrize(
    "why",
    ["itself", "closed", "elsewhere", "other_municipality"],
)
def test_only_two_open_cases_at_one_address_of_the_municipality_are_joined(creditors, world, officer, why):
    first, later = two_cases(creditors)
    if why == "itself":
        later = first
    elif why == "closed":
        Case.objects.filter(pk=later.pk).update(status=Case.Status.CLOSED, outcome="declined")
    elif why == "elsewhere":
        deliver_rows(creditors.energy, signal_row(creditor_reference="EV-9", house_number="14"))
        later = case_of("EV-9")
    else:
        deliver_rows(creditors.water, signal_row(creditor_reference="WB-1", municipality="GM0938", postcode="6241 ZT"))
        later = case_of("WB-1")
    before = sorted(Case.objects.values_list("pk", "status", "signal_count"))

    with pytest.raises((ValidationError, PermissionDenied)):
        case_join(actor=officer, case=first, other=later, organisation=world.ww_team)

    assert sorted(Case.objects.values_list("pk", "status", "signal_count")) == before
    assert not AuditEvent.objects.filter(action="early_signals.case.join").exists()


def test_only_the_municipalitys_officers_join_cases(creditors, world):
    first, later = two_cases(creditors)
    outsider = officer_of(world.meerssen, world.ms_team)

    with pytest.raises(PermissionDenied):
        case_join(actor=outsider, case=first, other=later, organisation=world.ms_team)

    assert Case.objects.filter(status=Case.Status.CLOSED).count() == 0


def test_a_case_joined_is_not_opened_again(creditors, world, officer):
    first, later = two_cases(creditors)
    case_join(actor=officer, case=first, other=later, organisation=world.ww_team)

    with pytest.raises(ValidationError, match="joined with another case"):
        case_reopen(actor=officer, case=later, organisation=world.ww_team, reason="closed_by_mistake")


def test_the_signals_the_team_had_not_seen_are_new_in_the_case_kept(creditors, world, officer):
    first, later = two_cases(creditors)
    case_seen(actor=officer, case=first)  # her landlord's signal seen; the energy supplier's not yet
    first.refresh_from_db()

    kept = case_join(actor=officer, case=first, other=later, organisation=world.ww_team)

    kept.refresh_from_db()
    assert (kept.signal_count, kept.signals_seen) == (2, 1)
    assert case_summary(kept).new_signals == 1


def test_a_threat_its_creditor_withdrew_sets_no_term_when_joined(creditors, world, officer):
    first, later = two_cases(creditors, second={**CALLED_BY, "signal_kind": "threat"})
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", **CALLED_BY))
    signal_withdraw(actor=SYSTEM, creditor=creditors.energy, reference="EV-1", reason="paid")
    with time_machine.travel(TODAY - timedelta(days=1), tick=False):
        attempt(officer, world, first, "letter", reached=False)
    first.refresh_from_db()
    later.refresh_from_db()

    kept = case_join(actor=officer, case=first, other=later, organisation=world.ww_team)

    kept.refresh_from_db()
    assert (kept.threatening, kept.threat_due) == (False, None)


def test_a_withdrawal_that_read_its_signal_before_a_join_follows_it_to_the_case_kept(
    creditors, world, officer, monkeypatch
):
    """The creditor's withdrawal looks the signal up, the team joins its case meanwhile, then the
    withdrawal locks the case it read: it finds the signal gone from there and follows it."""
    first, later = two_cases(creditors)
    may_reach = withdrawals._Withdrawing.may_reach

    def joined_meanwhile(self, municipality_id: int) -> bool:
        if not Case.objects.filter(outcome=Case.Outcome.JOINED).exists():
            case_join(actor=officer, case=first, other=later, organisation=world.ww_team)
        return may_reach(self, municipality_id)

    monkeypatch.setattr(withdrawals._Withdrawing, "may_reach", joined_meanwhile)

    answer = signal_withdraw(actor=SYSTEM, creditor=creditors.energy, reference="EV-1", reason="sent_in_error")

    assert answer.outcome == withdrawals.WITHDRAWN
    kept, joined = Case.objects.get(pk=first.pk), Case.objects.get(pk=later.pk)
    assert (kept.status, kept.signal_count, kept.creditor_count, kept.priority) == (Case.Status.NEW, 1, 1, 1)
    assert not Signal.objects.filter(creditor_reference="EV-1").exists()  # sent in error: its data went at once
    assert SignalTombstone.objects.get().case_uuid == kept.uuid
    assert (joined.outcome, joined.erased_at) == (Case.Outcome.JOINED, None)
    withdrawal = AuditEvent.objects.get(action=withdrawals.WITHDRAW_ACTION)
    assert withdrawal.details["case"] == str(kept.uuid)


def test_a_case_of_another_municipality_is_not_joined_even_by_an_officer_of_both(creditors, world):
    first, _later = two_cases(creditors)
    deliver_rows(creditors.water, signal_row(creditor_reference="WB-1", municipality="GM0938", postcode="6241 ZT"))
    elsewhere = case_of("WB-1")
    both = Actor(
        user_id=officer_of(world.waalwijk, world.ww_team).user_id,
        label="vroeg",
        grants=frozenset(
            {
                Grant(world.waalwijk.pk, world.ww_team.pk, Role.EARLY_SIGNALS_OFFICER),
                Grant(world.meerssen.pk, world.ww_team.pk, Role.EARLY_SIGNALS_OFFICER),
            }
        ),
        second_factor=True,
    )

    with pytest.raises(ValidationError, match="same address"):
        case_join(actor=both, case=first, other=elsewhere, organisation=world.ww_team)

    assert not Case.objects.filter(status=Case.Status.CLOSED).exists()


def test_the_offer_letter_records_no_read_of_the_other_cases_at_the_address(creditors, world, officer):
    # A date of birth one day off: another household pseudonym, so the reads can be told apart.
    first, later = two_cases(creditors, second={**CALLED_BY, "date_of_birth": "1984-03-18"})
    assert first.household_ref != later.household_ref

    letters.offer_letter(actor=officer, municipality=world.waalwijk, case_id=first.uuid)

    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.READ, subject_ref=later.household_ref).exists()
    case_detail(actor=officer, case_id=first.uuid, purpose=CASE_PURPOSE, with_same_address=True)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.READ, subject_ref=later.household_ref).count() == 1


def test_a_closed_case_at_the_address_is_not_listed_but_one_joined_with_this_one_is(creditors, world, officer):
    first, later = two_cases(creditors)
    # Someone who lived there before, whose case is closed.
    deliver_rows(
        creditors.housing,
        signal_row(creditor_reference="WS-OLD", initials="B.", given_name="Bert", date_of_birth="1950-01-01"),
    )
    before = case_of("WS-OLD")
    Case.objects.filter(pk=before.pk).update(status=Case.Status.CLOSED, outcome="declined")
    case_join(actor=officer, case=first, other=later, organisation=world.ww_team)

    detail = case_detail(actor=officer, case_id=first.uuid, purpose=CASE_PURPOSE, with_same_address=True)

    assert [(other.uuid, other.outcome) for other in detail.same_address] == [(later.uuid, Case.Outcome.JOINED)]


def test_with_an_offer_in_both_the_earliest_counts_and_the_furthest_tray(creditors, world, officer):
    first, later = two_cases(creditors)
    with time_machine.travel(TODAY - timedelta(days=2), tick=False):
        attempt(officer, world, first, "letter", reached=False)
    attempt(officer, world, later, "phone", reached=True)
    case_move(actor=officer, case=later, organisation=world.ww_team, status=Case.Status.IN_HELP)
    first.refresh_from_db()
    later.refresh_from_db()

    kept = case_join(actor=officer, case=first, other=later, organisation=world.ww_team)

    kept.refresh_from_db()
    assert kept.first_offer_at == first.first_offer_at  # the letter, two days before the call
    assert kept.first_contact_at == later.first_contact_at
    assert kept.status == Case.Status.IN_HELP
    assert ContactAttempt.objects.filter(case=kept).count() == 2
    tallies = monitor.tallies(world.waalwijk.pk, date(2026, 3, 1), date(2026, 4, 1))
    total = monitor.Tally()
    for tally in tallies.values():
        total.add(tally)
    assert (total.cases_opened, total.cases_reached, total.term_decided, total.within_term) == (1, 1, 1, 1)


@pytest.mark.django_db(transaction=True)
@CONCURRENT
def test_a_signal_delivered_while_two_cases_are_joined_lands_in_the_case_kept(creditors, world, officer, monkeypatch):
    first, later = two_cases(creditors)
    joining = threading.Event()
    count_joined = services._count_joined

    def slowly(*args, **kwargs) -> None:
        count_joined(*args, **kwargs)
        joining.set()
        time.sleep(1)  # both cases locked, the signals moved, not yet committed

    monkeypatch.setattr(services, "_count_joined", slowly)

    def deliver_after_the_join_began():
        assert joining.wait(timeout=30)
        return deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", **CALLED_BY))

    at_once(
        lambda: case_join(actor=officer, case=first, other=later, organisation=world.ww_team),
        deliver_after_the_join_began,
    )

    kept, joined = Case.objects.get(pk=first.pk), Case.objects.get(pk=later.pk)
    assert Signal.objects.get(creditor_reference="EV-2").case_id == kept.pk
    assert (kept.signal_count, joined.signal_count) == (3, 0)
    assert Signal.objects.filter(case=joined).count() == 0
