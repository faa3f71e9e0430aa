"""A case after its first offer: a threatening signal that joins it later has a term of its own; a
case is closed as "no contact" only after someone tried; a closed case can be opened again, and its
creditors hear so."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meedoen.accounts.tests.factories import UserFactory
from meedoen.core.access import Actor, Grant, Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals import feedback
from meedoen.early_signals.models import Case
from meedoen.early_signals.selectors import tray_counts, tray_page
from meedoen.early_signals.services import (
    attempt_record,
    case_close,
    case_move,
    case_reopen,
    case_seen,
    token_create,
)
from meedoen.early_signals.tests.factories import SYSTEM, deliver_rows, signal_row
from meedoen.early_signals.withdrawals import signal_withdraw
from meedoen.ledger.models import Entry

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# The case is opened on Friday 20 March 2026 (the tests' day); its regular term ends on 17 April.
REGULAR_DUE = date(2026, 4, 17)
# A threat received on Tuesday 24 March is due three working days later.
THREAT_DAY = datetime(2026, 3, 24, 9, 0, tzinfo=AMSTERDAM)
THREAT_DUE = date(2026, 3, 27)


def officer_of(municipality, team) -> Actor:
    return Actor(
        user_id=UserFactory(username=f"vroeg-{municipality.code}").pk,
        label="vroeg",
        grants=frozenset({Grant(municipality.pk, team.pk, Role.EARLY_SIGNALS_OFFICER)}),
        second_factor=True,
    )


@pytest.fixture
def officer(world) -> Actor:
    return officer_of(world.waalwijk, world.ww_team)


def letter_sent(case: Case, officer: Actor, world, *, at: datetime | None = None, reached: bool = False) -> None:
    attempt_record(
        actor=officer,
        case=case,
        organisation=world.ww_team,
        channel="letter",
        attempted_at=at or timezone.now(),
        reached=reached,
    )


def threat(reference: str, **fields) -> dict:
    return signal_row(creditor_reference=reference, signal_kind="threat", signal_date="2026-03-23", **fields)


def other_household(number: int) -> dict:
    return signal_row(
        creditor_reference=f"OTHER-{number}",
        house_number=str(100 + number),
        surname=f"Ander{number}",
        reminder_date="2026-02-20",
        signal_date="2026-03-09",
    )


# --- a threat after the first offer ----------------------------------------------------------------------


@pytest.mark.parametrize("together", [False, True], ids=["alone", "in a delivery of several rows"])
def test_a_threat_after_the_first_offer_must_be_answered_within_three_working_days(creditors, world, officer, together):
    deliver_rows(creditors.housing, signal_row())
    case = Case.objects.get()
    letter_sent(case, officer, world)

    with time_machine.travel(THREAT_DAY, tick=False):
        others = [other_household(1), other_household(2)] if together else []
        answer = deliver_rows(creditors.energy, threat("EV-1"), *others)
        assert answer.receipt.accepted == 1 + len(others), answer.all_problems()

    case.refresh_from_db()
    assert case.signal_count == 2 and case.threatening
    assert case.threat_due == THREAT_DUE
    # The first offer was made, in time: its term is not moved, and it stays "in time".
    assert case.first_offer_due == REGULAR_DUE


def test_a_threat_before_the_first_offer_brings_the_offer_forward_and_sets_no_second_term(creditors):
    deliver_rows(creditors.housing, signal_row())
    with time_machine.travel(THREAT_DAY, tick=False):
        deliver_rows(creditors.energy, threat("EV-1"))

    case = Case.objects.get()
    assert (case.first_offer_due, case.threat_due) == (THREAT_DUE, None)


def test_a_regular_signal_after_the_first_offer_sets_no_term(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row())
    letter_sent(Case.objects.get(), officer, world)
    with time_machine.travel(THREAT_DAY, tick=False):
        deliver_rows(creditors.energy, signal_row(creditor_reference="EV-1"))

    case = Case.objects.get()
    assert (case.signal_count, case.first_offer_due, case.threat_due) == (2, REGULAR_DUE, None)


def test_an_attempt_after_the_threat_answers_it_and_one_before_it_does_not(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row())
    case = Case.objects.get()
    letter_sent(case, officer, world)
    with time_machine.travel(THREAT_DAY, tick=False):
        deliver_rows(creditors.energy, threat("EV-1"))
    with time_machine.travel(datetime(2026, 3, 26, 14, 0, tzinfo=AMSTERDAM), tick=False):
        # Recorded late, but made on Monday, before the threat came in.
        letter_sent(case, officer, world, at=datetime(2026, 3, 23, 11, 0, tzinfo=AMSTERDAM))
        case.refresh_from_db()
        assert case.threat_due == THREAT_DUE

        letter_sent(case, officer, world, at=datetime(2026, 3, 26, 13, 0, tzinfo=AMSTERDAM), reached=True)

    case.refresh_from_db()
    assert case.threat_due is None
    assert case.status == Case.Status.CONTACTED


def test_an_unanswered_threat_is_overdue_and_leads_its_tray(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row())
    threatened = Case.objects.get()
    letter_sent(threatened, officer, world)
    case_move(actor=officer, case=threatened, organisation=world.ww_team, status=Case.Status.IN_HELP)
    # Two more cases in help, with earlier regular terms, and offers made.
    for number in (1, 2):
        with time_machine.travel(datetime(2026, 3, 10 + number, 9, 0, tzinfo=AMSTERDAM), tick=False):
            deliver_rows(creditors.housing, other_household(number))
            case = Case.objects.get(signals__creditor_reference=f"OTHER-{number}")
            letter_sent(case, officer, world)
        case_move(actor=officer, case=case, organisation=world.ww_team, status=Case.Status.IN_HELP)
    with time_machine.travel(THREAT_DAY, tick=False):
        deliver_rows(creditors.energy, threat("EV-1"))

    with time_machine.travel(datetime(2026, 3, 30, 9, 0, tzinfo=AMSTERDAM), tick=False):
        page = tray_page(actor=officer, municipality_id=world.waalwijk.pk, status=Case.Status.IN_HELP)
        counts = {count.status: count for count in tray_counts(actor=officer, municipality_id=world.waalwijk.pk)}

        assert page.cases[0].uuid == threatened.uuid
        assert page.cases[0].threat_overdue
        assert not any(case.threat_overdue or case.offer_overdue for case in page.cases[1:])
        assert (counts[Case.Status.IN_HELP].count, counts[Case.Status.IN_HELP].overdue) == (3, 1)


def test_a_case_closed_with_a_threat_unanswered_is_not_overdue_once_opened_again(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row())
    case = Case.objects.get()
    letter_sent(case, officer, world, reached=True)
    with time_machine.travel(THREAT_DAY, tick=False):
        deliver_rows(creditors.energy, threat("EV-1"))
        case_close(actor=officer, case=case, organisation=world.ww_team, outcome=Case.Outcome.DECLINED)

    with time_machine.travel(datetime(2026, 4, 2, 9, 0, tzinfo=AMSTERDAM), tick=False):
        case_reopen(actor=officer, case=case, organisation=world.ww_team, reason="late_contact")
        (summary,) = tray_page(actor=officer, municipality_id=world.waalwijk.pk, status=Case.Status.CONTACTED).cases
        assert summary.threat_due is None and not summary.threat_overdue


# --- closing as "no contact" ----------------------------------------------------------------------------------


def test_a_case_is_closed_as_no_contact_only_after_an_attempt(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row())
    case = Case.objects.get()

    with pytest.raises(ValidationError) as refused:
        case_close(actor=officer, case=case, organisation=world.ww_team, outcome=Case.Outcome.NO_CONTACT)
    assert "record an attempt" in str(refused.value)
    case.refresh_from_db()
    assert case.status == Case.Status.NEW and not Entry.objects.filter(kind=Entry.Kind.SIGNAL_CASE_CLOSED).exists()

    letter_sent(case, officer, world)
    closed = case_close(actor=officer, case=case, organisation=world.ww_team, outcome=Case.Outcome.NO_CONTACT)
    assert (closed.status, closed.outcome) == (Case.Status.CLOSED, Case.Outcome.NO_CONTACT)


def test_the_retention_run_closes_a_case_nobody_tried_to_reach(creditors, world):
    deliver_rows(creditors.housing, signal_row())

    closed = case_close(
        actor=SYSTEM, case=Case.objects.get(), organisation=world.ww_team, outcome=Case.Outcome.NO_CONTACT
    )

    assert closed.status == Case.Status.CLOSED


# --- opening a closed case again ------------------------------------------------------------------------------


def closed_case(creditors, world, officer, *, reached: bool, outcome: str) -> Case:
    deliver_rows(creditors.housing, signal_row())
    case = Case.objects.get()
    letter_sent(case, officer, world, reached=reached)
    return case_close(actor=officer, case=case, organisation=world.ww_team, outcome=outcome)


def feedback_of(creditor) -> feedback.FeedbackItem:
    token, _ = token_create(actor=SYSTEM, organisation=creditor)
    (item,) = feedback.creditor_feedback(token=token, actor=SYSTEM).items
    return item


@pytest.mark.parametrize(
    ("reached", "outcome", "tray"),
    [
        (False, Case.Outcome.NO_CONTACT, Case.Status.TO_CONTACT),
        (True, Case.Outcome.DECLINED, Case.Status.CONTACTED),
    ],
)
def test_a_closed_case_is_opened_again_in_the_tray_it_left(creditors, world, officer, reached, outcome, tray):
    case = closed_case(creditors, world, officer, reached=reached, outcome=outcome)
    assert feedback_of(creditors.housing).help_accepted == "no"

    reopened = case_reopen(actor=officer, case=case, organisation=world.ww_team, reason="late_contact")

    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_at) == (tray, "", None)
    assert reopened.status == tray
    event = AuditEvent.objects.get(action="early_signals.case.reopen")
    assert event.details == {"reason": "late_contact", "outcome_before": outcome, "to": tray}
    assert event.subject_ref == case.household_ref
    entry = Entry.objects.get(kind=Entry.Kind.SIGNAL_CASE_REOPENED)
    assert entry.acting_organisation == world.ww_team
    item = feedback_of(creditors.housing)
    assert (item.status, item.help_accepted, item.closed_on) == ("in_progress", "unknown", None)

    # It is closed again with the right outcome, as any open case.
    letter_sent(case, officer, world, reached=True)
    case_close(actor=officer, case=case, organisation=world.ww_team, outcome=Case.Outcome.PAYMENT_ARRANGEMENT)
    assert feedback_of(creditors.housing).help_accepted == "yes"


def test_a_case_is_opened_again_only_when_closed_with_its_data_and_for_a_known_reason(creditors, world, officer):
    case = closed_case(creditors, world, officer, reached=True, outcome=Case.Outcome.DECLINED)

    with pytest.raises(ValidationError, match="Choose why"):
        case_reopen(actor=officer, case=case, organisation=world.ww_team, reason="felt like it")
    with pytest.raises(PermissionDenied):
        case_reopen(
            actor=officer_of(world.meerssen, world.ms_team),
            case=case,
            organisation=world.ms_team,
            reason="late_contact",
        )
    Case.objects.filter(pk=case.pk).update(erased_at=timezone.now())
    with pytest.raises(ValidationError, match="removed"):
        case_reopen(actor=officer, case=case, organisation=world.ww_team, reason="wrong_outcome")
    Case.objects.filter(pk=case.pk).update(erased_at=None)
    case_reopen(actor=officer, case=case, organisation=world.ww_team, reason="wrong_outcome")
    with pytest.raises(ValidationError, match="open already"):
        case_reopen(actor=officer, case=case, organisation=world.ww_team, reason="wrong_outcome")

    assert AuditEvent.objects.filter(action="early_signals.case.reopen").count() == 1
    assert Entry.objects.filter(kind=Entry.Kind.SIGNAL_CASE_REOPENED).count() == 1


# --- what the creditor hears while help runs ------------------------------------------------------------------


def test_the_creditor_hears_help_accepted_once_the_case_is_in_help(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row())
    case = Case.objects.get()
    letter_sent(case, officer, world, reached=True)
    assert feedback_of(creditors.housing).help_accepted == "unknown"

    case_move(actor=officer, case=case, organisation=world.ww_team, status=Case.Status.IN_HELP)

    item = feedback_of(creditors.housing)
    assert (item.status, item.help_accepted, item.closed_on) == ("in_progress", "yes", None)


# --- signals the team has not seen yet ----------------------------------------------------------------------


def test_only_the_municipalitys_officers_mark_a_case_seen(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row())
    case = Case.objects.get()

    with pytest.raises(PermissionDenied):
        case_seen(actor=officer_of(world.meerssen, world.ms_team), case=case)
    case_seen(actor=officer, case=case)
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-1"))

    case.refresh_from_db()
    assert (case.signal_count, case.signals_seen) == (2, 1)


def test_a_case_someone_tried_to_reach_is_no_longer_new(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row())
    case = Case.objects.get()
    case_move(actor=officer, case=case, organisation=world.ww_team, status=Case.Status.IN_HELP)
    case_move(actor=officer, case=case, organisation=world.ww_team, status=Case.Status.NEW)  # nobody tried yet
    letter_sent(case, officer, world)

    with pytest.raises(ValidationError, match="no longer new"):
        case_move(actor=officer, case=case, organisation=world.ww_team, status=Case.Status.NEW)
    case_move(actor=officer, case=case, organisation=world.ww_team, status=Case.Status.TO_CONTACT)
    assert Case.objects.get().status == Case.Status.TO_CONTACT


def test_a_tray_counts_withdrawn_signals_with_queries_that_do_not_grow_with_its_cases(
    creditors, world, officer, django_assert_num_queries
):
    def page_of_new():
        return tray_page(actor=officer, municipality_id=world.waalwijk.pk, status=Case.Status.NEW)

    for number in range(1, 4):
        rows = [signal_row(creditor_reference=f"WS-{number}-{n}", house_number=number) for n in (1, 2)]
        deliver_rows(creditors.housing, *rows)
    signal_withdraw(actor=SYSTEM, creditor=creditors.housing, reference="WS-1-1", reason="paid")
    signal_withdraw(actor=SYSTEM, creditor=creditors.housing, reference="WS-2-1", reason="sent_in_error")
    with CaptureQueriesContext(connection) as three:
        cases = page_of_new().cases
    assert sorted(case.withdrawn_signals for case in cases) == [0, 1, 1]

    Case.objects.exclude(pk=Case.objects.order_by("pk").values_list("pk", flat=True).first()).update(
        status=Case.Status.IN_HELP
    )
    with django_assert_num_queries(len(three.captured_queries)):
        page_of_new()
