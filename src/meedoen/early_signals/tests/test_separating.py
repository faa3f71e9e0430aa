"""Moving signals about someone else out of a case: twins at one address, with the same initial, are
linked as one person; the team finds out and gives the brother's signals a case of their own, opened
as linking would have opened it for him. Only while the case is open, by an officer of its
municipality; undone by joining the two cases again."""

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
from meedoen.early_signals import feedback, monitor, retention, services
from meedoen.early_signals.models import Case, CaseSeparation, ContactAttempt, MunicipalitySettings, Signal
from meedoen.early_signals.selectors import CASE_PURPOSE, case_detail, case_summary
from meedoen.early_signals.services import attempt_record, case_close, case_join, case_move, case_seen
from meedoen.early_signals.tests.concurrency import CONCURRENT, at_once
from meedoen.early_signals.tests.conftest import TODAY
from meedoen.early_signals.tests.factories import SYSTEM, deliver_dated_now, deliver_rows, signal_row
from meedoen.early_signals.tests.test_case_lifecycle import feedback_of, officer_of
from meedoen.early_signals.tests.test_joining import attempt, case_of
from meedoen.early_signals.withdrawals import signal_withdraw
from meedoen.organisations.models import Organisation

pytestmark = pytest.mark.django_db
# Her twin brother: the same surname, date of birth, address and first initial.
TWIN = {"given_name": "Joost"}


@pytest.fixture
def officer(world):
    return officer_of(world.waalwijk, world.ww_team)


def twins(creditors, *, days_between: int = 3, brother: dict | None = None) -> Case:
    """Jolien's case from her landlord, and days later a signal about her twin brother from his
    energy supplier, which linking put in her case."""
    with time_machine.travel(TODAY - timedelta(days=days_between), tick=False):
        deliver_rows(creditors.housing, signal_row())
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-1", **TWIN, **(brother or {})))
    case = case_of("WS-0001")
    assert case_of("EV-1").pk == case.pk
    return case


def separate(officer, world, case: Case, *references: str) -> Case:
    keys = [str(key) for key in Signal.objects.filter(creditor_reference__in=references).values_list("uuid", flat=True)]
    return services.case_separate(actor=officer, case=case, signals=keys, organisation=world.ww_team)


def references(case: Case) -> list[str]:
    return sorted(Signal.objects.filter(case=case).values_list("creditor_reference", flat=True))


def test_signals_about_someone_else_get_a_case_of_their_own_as_linking_would_have_opened_it(creditors, world, officer):
    case = twins(creditors)
    before = Case.objects.get(pk=case.pk)

    his = separate(officer, world, case, "EV-1")

    case.refresh_from_db()
    his.refresh_from_db()
    assert (references(case), references(his)) == (["WS-0001"], ["EV-1"])
    assert his.opened_at == Signal.objects.get(creditor_reference="EV-1").received_at == TODAY
    assert (his.status, his.first_offer_due, his.first_offer_at) == (Case.Status.NEW, date(2026, 4, 17), None)
    assert (his.signal_count, his.creditor_count, his.priority, his.threatening) == (1, 1, 1, False)
    assert (his.municipality_id, his.district_id, his.address_ref) == (
        case.municipality_id,
        case.district_id,
        case.address_ref,
    )
    # Her case keeps its opening and term; it is counted again from what stays.
    assert (case.opened_at, case.first_offer_due) == (before.opened_at, before.first_offer_due)
    assert (case.signal_count, case.creditor_count, case.priority, case.status) == (1, 1, 1, Case.Status.NEW)


def test_the_attempts_stay_and_nobody_has_offered_him_help_yet(creditors, world, officer):
    case = twins(creditors)
    attempt(officer, world, case, "letter", reached=False)  # a letter to her

    his = separate(officer, world, case, "EV-1")

    case.refresh_from_db()
    his.refresh_from_db()
    assert ContactAttempt.objects.filter(case=case).count() == 1
    assert (case.status, case.first_offer_at is not None) == (Case.Status.TO_CONTACT, True)
    assert (his.status, his.first_offer_at, his.first_contact_at) == (Case.Status.NEW, None, None)


def test_a_term_that_passed_while_his_signal_was_in_her_case_shows_as_passed(creditors, world, officer):
    dated = {"signal_date": "2026-02-05", "reminder_date": "2026-01-20"}
    with time_machine.travel(TODAY - timedelta(days=42), tick=False):
        deliver_rows(creditors.housing, signal_row(**dated))
    with time_machine.travel(TODAY - timedelta(days=40), tick=False):
        deliver_rows(creditors.energy, signal_row(creditor_reference="EV-1", **TWIN, **dated))
        case = case_of("EV-1")
        attempt(officer, world, case, "phone", reached=True)

    his = separate(officer, world, case, "EV-1")

    assert his.first_offer_due == date(2026, 3, 9)  # 28 days from 8 February is a Sunday: the Monday after
    assert case_summary(his).offer_overdue


def test_a_threat_about_him_takes_its_term_along(creditors, world, officer):
    with time_machine.travel(TODAY - timedelta(days=3), tick=False):
        deliver_rows(creditors.housing, signal_row())
    case = case_of("WS-0001")
    attempt(officer, world, case, "letter", reached=False)
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        deliver_rows(creditors.energy, signal_row(creditor_reference="EV-1", signal_kind="end_of_supply", **TWIN))
    case.refresh_from_db()
    assert (case.threat_due, case.threatening, case.priority) == (date(2026, 3, 25), True, 8)

    his = separate(officer, world, case, "EV-1")

    case.refresh_from_db()
    assert (case.threat_due, case.threatening, case.priority) == (None, False, 1)
    # Nobody offered him help: the end of supply's three working days are his term for the first offer.
    assert (his.first_offer_due, his.threat_due, his.threatening, his.priority) == (date(2026, 3, 25), None, True, 6)


def test_a_threat_about_her_that_is_still_to_answer_keeps_its_term(creditors, world, officer):
    case = twins(creditors)
    attempt(officer, world, case, "letter", reached=False)
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        deliver_rows(creditors.housing, signal_row(creditor_reference="WS-0002", signal_kind="threat"))

    separate(officer, world, case, "EV-1")

    case.refresh_from_db()
    assert (case.threat_due, case.threatening, case.signal_count) == (date(2026, 3, 25), True, 2)


def test_a_threat_of_his_that_set_her_term_to_answer_leaves_her_own_later_term(creditors, world, officer):
    case = twins(creditors)
    attempt(officer, world, case, "letter", reached=False)
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", signal_kind="end_of_supply", **TWIN))
    with time_machine.travel(TODAY + timedelta(days=3), tick=False):  # Monday
        deliver_rows(creditors.housing, signal_row(creditor_reference="WS-0002", signal_kind="threat"))
    case.refresh_from_db()
    assert case.threat_due == date(2026, 3, 25)  # his end of supply, three working days from Friday

    separate(officer, world, case, "EV-1", "EV-2")

    case.refresh_from_db()
    assert (case.threat_due, case.threatening) == (date(2026, 3, 26), True)  # her threat, from Monday


def test_his_threat_that_set_her_term_for_the_first_offer_leaves_her_own_term(creditors, world, officer):
    case = twins(creditors, brother={"signal_kind": "end_of_supply"})
    case.refresh_from_db()
    assert (case.first_offer_due, case.threatening) == (date(2026, 3, 25), True)

    his = separate(officer, world, case, "EV-1")

    case.refresh_from_db()
    assert (case.first_offer_due, case.threatening) == (date(2026, 4, 14), False)  # 28 days from 17 March
    assert his.first_offer_due == date(2026, 3, 25)


def test_a_term_her_own_signal_set_stays(creditors, world, officer):
    case = twins(creditors)  # her landlord's signal came first: 28 days from 17 March
    case.refresh_from_db()
    assert case.first_offer_due == date(2026, 4, 14)

    separate(officer, world, case, "EV-1")

    case.refresh_from_db()
    assert case.first_offer_due == date(2026, 4, 14)


def test_signals_that_came_since_a_join_move_but_those_it_brought_together_wait_for_its_undoing(
    creditors, world, officer
):
    case = twins(creditors)
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-L", given_name="Lien", initials=""))
    case_join(actor=officer, case=case, other=case_of("EV-L"), organisation=world.ww_team)
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", **TWIN))

    with pytest.raises(ValidationError, match="Undo that join first"):
        separate(officer, world, case, "EV-1")
    his = separate(officer, world, case, "EV-2")

    assert references(his) == ["EV-2"]
    assert references(case) == ["EV-1", "EV-L", "WS-0001"]


def test_what_the_team_had_seen_stays_seen(creditors, world, officer):
    with time_machine.travel(TODAY - timedelta(days=3), tick=False):
        deliver_rows(creditors.housing, signal_row())
    case = case_of("WS-0001")
    case_seen(actor=officer, case=case)  # the team saw her signal, not yet his
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-1", **TWIN))
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", **TWIN))

    his = separate(officer, world, case, "EV-1")

    case.refresh_from_db()
    his.refresh_from_db()
    assert (case.signals_seen, case.signal_count, his.signals_seen) == (1, 2, 0)
    case_seen(actor=officer, case=case)

    brothers = separate(officer, world, case, "EV-2")

    case.refresh_from_db()
    brothers.refresh_from_db()
    assert (case.signals_seen, case.signal_count, brothers.signals_seen) == (1, 1, 1)


def test_his_withdrawn_signals_may_move_with_him_but_do_not_open_a_case_alone(creditors, world, officer):
    case = twins(creditors)
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", **TWIN))
    signal_withdraw(actor=SYSTEM, creditor=creditors.energy, reference="EV-1", reason="paid")

    with pytest.raises(ValidationError, match="not been withdrawn"):
        separate(officer, world, case, "EV-1")
    his = separate(officer, world, case, "EV-1", "EV-2")

    case.refresh_from_db()
    his.refresh_from_db()
    assert (references(case), references(his)) == (["WS-0001"], ["EV-1", "EV-2"])
    assert (his.signal_count, his.creditor_count, case.signal_count, case.creditor_count) == (1, 1, 1, 1)
    assert his.opened_at == Signal.objects.get(creditor_reference="EV-1").received_at


@pytest.mark.parametrize(
    ("why", "message"),
    [
        ("nothing", "Choose the signals that are about someone else"),
        ("every_standing_one", "Leave at least one signal"),
        ("not_of_this_case", "Choose among the signals of this case"),
        ("closed", "Open this case again"),
        ("unknown_id", "Choose among the signals of this case"),
        ("joined", "Undo that join first"),
    ],
)
def test_only_some_of_the_signals_of_an_open_case_move(creditors, world, officer, why, message):
    case = twins(creditors)
    deliver_rows(creditors.housing, signal_row(creditor_reference="WS-9", house_number="99"))
    chosen = [str(Signal.objects.get(creditor_reference="EV-1").uuid)]
    if why == "nothing":
        chosen = []
    elif why == "every_standing_one":
        chosen += [str(Signal.objects.get(creditor_reference="WS-0001").uuid)]
    elif why == "not_of_this_case":
        chosen = [str(Signal.objects.get(creditor_reference="WS-9").uuid)]
    elif why == "closed":
        attempt(officer, world, case, "phone", reached=True)
        case_close(actor=officer, case=case, organisation=world.ww_team, outcome="self_resolved")
    elif why == "unknown_id":
        chosen += ["not an id"]
    elif why == "joined":
        deliver_rows(creditors.energy, signal_row(creditor_reference="EV-L", given_name="Lien", initials=""))
        case_join(actor=officer, case=case, other=case_of("EV-L"), organisation=world.ww_team)
    before = sorted(Case.objects.values_list("pk", "status", "signal_count", "priority"))

    with pytest.raises(ValidationError, match=message):
        services.case_separate(actor=officer, case=case, signals=chosen, organisation=world.ww_team)

    assert sorted(Case.objects.values_list("pk", "status", "signal_count", "priority")) == before
    assert not CaseSeparation.objects.exists()
    assert not AuditEvent.objects.filter(action="early_signals.case.separate").exists()


def test_only_the_municipalitys_officers_move_signals(creditors, world, officer):
    case = twins(creditors)
    outsider = officer_of(world.meerssen, world.ms_team)
    keys = [str(Signal.objects.get(creditor_reference="EV-1").uuid)]

    with pytest.raises(PermissionDenied):
        services.case_separate(actor=outsider, case=case, signals=keys, organisation=world.ms_team)

    assert Case.objects.count() == 1


def test_the_move_is_recorded_on_both_cases_and_each_leads_to_the_other(creditors, world, officer):
    case = twins(creditors)

    his = separate(officer, world, case, "EV-1")

    separation = CaseSeparation.objects.get()
    moved = [str(Signal.objects.get(creditor_reference="EV-1").uuid)]
    assert (separation.case_id, separation.into_id, separation.signals) == (case.pk, his.pk, moved)
    records = {event.object_id: event for event in AuditEvent.objects.filter(action="early_signals.case.separate")}
    assert records[str(case.pk)].details == {
        "into": str(his.uuid),
        "separation": str(separation.uuid),
        "signals": moved,
    }
    assert records[str(his.pk)].details == {
        "separated_from": str(case.uuid),
        "separation": str(separation.uuid),
        "signals": moved,
    }
    assert (records[str(case.pk)].subject_ref, records[str(his.pk)].subject_ref) == (
        case.household_ref,
        his.household_ref,
    )
    (out,) = case_detail(actor=officer, case_id=case.uuid, purpose=CASE_PURPOSE).separations
    (opened,) = case_detail(actor=officer, case_id=his.uuid, purpose=CASE_PURPOSE).separations
    assert (out.other, out.moved_out, out.signal_count) == (his.uuid, True, 1)
    assert (opened.other, opened.moved_out) == (case.uuid, False)


@pytest.mark.parametrize("others", [0, 2], ids=["row by row", "rows together"])
def test_his_next_signal_goes_to_his_own_case_by_his_given_name(creditors, world, officer, others):
    case = twins(creditors)
    his = separate(officer, world, case, "EV-1")
    elsewhere = [signal_row(creditor_reference=f"EV-X{n}", house_number=str(50 + n)) for n in range(others)]

    deliver_rows(
        creditors.energy,
        signal_row(creditor_reference="EV-2", **TWIN),
        signal_row(creditor_reference="EV-3", given_name="Jolien"),
        *elsewhere,
    )

    assert (references(case), references(his)) == (["EV-3", "WS-0001"], ["EV-1", "EV-2"])
    his.refresh_from_db()
    assert (his.signal_count, his.priority) == (2, 2)


def test_his_next_signal_with_his_bsn_goes_to_his_own_case(creditors, world, officer):
    case = twins(creditors, brother={"bsn": "111222333"})
    his = separate(officer, world, case, "EV-1")

    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", given_name="", bsn="111222333"))

    assert (references(case), references(his)) == (["WS-0001"], ["EV-1", "EV-2"])


def test_with_his_initials_alone_linking_cannot_tell_them_apart_and_takes_the_oldest_case(creditors, world, officer):
    case = twins(creditors)
    his = separate(officer, world, case, "EV-1")

    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", given_name=""))

    assert (references(case), references(his)) == (["EV-2", "WS-0001"], ["EV-1"])


def test_joining_the_two_again_undoes_the_move(creditors, world, officer):
    case = twins(creditors)
    his = separate(officer, world, case, "EV-1")

    case_join(actor=officer, case=case, other=his, organisation=world.ww_team)

    case.refresh_from_db()
    assert references(case) == ["EV-1", "WS-0001"]
    assert (case.signal_count, case.creditor_count, case.priority) == (2, 2, 3)


def test_his_creditor_hears_how_his_own_case_goes(creditors, world, officer):
    case = twins(creditors)
    attempt(officer, world, case, "phone", reached=True)
    case_move(actor=officer, case=case, organisation=world.ww_team, status=Case.Status.IN_HELP)
    assert feedback_of(creditors.energy).status == feedback.IN_PROGRESS  # her help, said of his signal

    separate(officer, world, case, "EV-1")

    his_feedback = feedback_of(creditors.energy)
    assert (his_feedback.status, his_feedback.help_accepted) == (feedback.RECEIVED, "unknown")
    assert feedback_of(creditors.housing).status == feedback.IN_PROGRESS


def test_both_count_in_the_monitor_as_cases_of_one_signal(creditors, world, officer):
    case = twins(creditors)

    separate(officer, world, case, "EV-1")

    total = monitor.Tally()
    for tally in monitor.tallies(world.waalwijk.pk, date(2026, 3, 1), date(2026, 4, 1)).values():
        total.add(tally)
    assert (total.signals, total.cases_opened, total.single, total.multiple) == (2, 2, 2, 0)


def test_his_creditor_withdrawing_his_signal_closes_his_case_and_leaves_hers(creditors, world, officer):
    case = twins(creditors)
    his = separate(officer, world, case, "EV-1")

    signal_withdraw(actor=SYSTEM, creditor=creditors.energy, reference="EV-1", reason="paid")

    his.refresh_from_db()
    case.refresh_from_db()
    assert (his.status, his.outcome) == (Case.Status.CLOSED, Case.Outcome.WITHDRAWN)
    assert (case.status, case.signal_count) == (Case.Status.NEW, 1)


def test_moved_signals_older_than_the_retention_term_lose_their_data_unless_someone_reaches_him(
    creditors, world, officer
):
    MunicipalitySettings.objects.update_or_create(municipality=world.waalwijk, defaults={"retention_days": 10})
    case = twins(creditors)
    attempt(officer, world, case, "phone", reached=True)  # she was reached; he never was
    with time_machine.travel(TODAY + timedelta(days=12), tick=False):
        his = separate(officer, world, case, "EV-1")

        retention.retention_run()

    his.refresh_from_db()
    case.refresh_from_db()
    assert (his.status, his.outcome, his.erased_at is not None) == (Case.Status.CLOSED, "no_contact", True)
    assert not Signal.objects.filter(case=his).exists()
    assert (case.erased_at, case.signal_count) == (None, 1)


@pytest.mark.django_db(transaction=True)
@CONCURRENT
def test_a_signal_about_him_delivered_while_his_signals_move_lands_in_his_new_case(
    creditors, world, officer, monkeypatch
):
    """While the move holds the address's lock: the intake waits for it, then finds his new case
    and links the signal there by his given name."""
    case = twins(creditors)
    moving = threading.Event()
    set_counts = services._set_counts

    def slowly(*args, **kwargs):
        set_counts(*args, **kwargs)
        if not moving.is_set():
            moving.set()
            time.sleep(1)  # the case locked, the new case not yet written

    monkeypatch.setattr(services, "_set_counts", slowly)

    def deliver_while_moving():
        assert moving.wait(timeout=30)
        return deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", **TWIN))

    at_once(lambda: separate(officer, world, case, "EV-1"), deliver_while_moving)

    his = case_of("EV-1")
    assert case_of("EV-2").pk == his.pk != case.pk
    assert (Case.objects.get(pk=his.pk).signal_count, Case.objects.get(pk=case.pk).signal_count) == (2, 1)


# --- after any story, a move leaves both cases counted as their signals say, and a join takes it back -------

# What can happen to the twins' one case, an hour apart: a signal about either twin from either
# creditor, an attempt (made some hours before it is recorded, reached or not), the team opening the
# case, a creditor withdrawing one of its signals (paid, or sent in error).
EVENT = st.one_of(
    st.tuples(st.just("signal"), st.booleans(), st.booleans(), st.sampled_from(["arrears", "threat", "end_of_supply"])),
    st.tuples(st.just("attempt"), st.booleans(), st.integers(0, 30)),
    st.tuples(st.just("seen")),
    st.tuples(st.just("withdraw"), st.integers(0, 5), st.sampled_from(["paid", "sent_in_error"])),
)
STORY_STARTS = TODAY - timedelta(days=12)
HOUSES = itertools.count(100)
# What a move leaves as it was on the case the signals leave, and a join of the two gives back.
KEPT = ("opened_at", "first_offer_at", "first_contact_at", "status")
RESTORED = (*KEPT, "signal_count", "creditor_count", "threatening", "priority", "signals_seen")


def values(case: Case, names: tuple[str, ...]) -> dict[str, object]:
    case.refresh_from_db()
    return {name: getattr(case, name) for name in names}


def counted_from_its_signals(case: Case) -> dict[str, object]:
    """What a case's counts should be: from the signals it holds that stand."""
    standing = list(Signal.objects.filter(case=case, withdrawn_at__isnull=True))
    expected = Case(first_offer_due=case.first_offer_due)
    services._set_counts(expected, standing)
    return {name: getattr(expected, name) for name in ("signal_count", "creditor_count", "threatening", "priority")}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(EVENT, max_size=10))
def moved_and_joined_back(creditors, world, officer, events) -> None:
    house = str(next(HOUSES))
    delivered: list[tuple[Organisation, str]] = []

    def deliver(brother: bool, energy: bool, kind: str) -> None:
        creditor = creditors.energy if energy else creditors.housing
        reference = f"T-{house}-{len(delivered)}"
        deliver_dated_now(
            creditor, creditor_reference=reference, signal_kind=kind, house_number=house, **(TWIN if brother else {})
        )
        delivered.append((creditor, reference))

    with time_machine.travel(STORY_STARTS, tick=False):
        deliver(False, False, "arrears")
        deliver(True, True, "arrears")
    case = Case.objects.get(signals__creditor_reference=f"T-{house}-0")
    for hour, event in enumerate(events, start=1):
        with time_machine.travel(STORY_STARTS + timedelta(hours=hour), tick=False):
            case.refresh_from_db()
            if event[0] == "signal":
                deliver(*event[1:])
            elif event[0] == "withdraw":
                creditor, reference = delivered[event[1] % len(delivered)]
                signal_withdraw(actor=SYSTEM, creditor=creditor, reference=reference, reason=event[2])
            elif case.status == Case.Status.CLOSED:
                continue  # closed by its creditors' withdrawals
            elif event[0] == "seen":
                case_seen(actor=officer, case=case)
            else:
                made = max(timezone.now() - timedelta(hours=event[2]), case.opened_at)
                attempt_record(
                    actor=officer, case=case, organisation=world.ww_team, channel="phone", attempted_at=made,
                    reached=event[1],
                )  # fmt: skip
    case.refresh_from_db()
    his = list(Signal.objects.filter(case=case, given_name=TWIN["given_name"]))
    assume(case.status != Case.Status.CLOSED)
    assume(any(signal.withdrawn_at is None for signal in his))
    assume(Signal.objects.filter(case=case, withdrawn_at__isnull=True).exclude(pk__in=[s.pk for s in his]).exists())
    before = values(case, RESTORED)
    terms_before = (case.first_offer_due, case.threat_due)
    terms = MunicipalitySettings.of(case.municipality_id)
    all_signals = set(Signal.objects.filter(case=case).values_list("pk", flat=True))
    finished = STORY_STARTS + timedelta(hours=len(events) + 1)

    with time_machine.travel(finished, tick=False):
        into = services.case_separate(
            actor=officer, case=case, signals=[str(signal.uuid) for signal in his], organisation=world.ww_team
        )

        for one in (case, into):
            one.refresh_from_db()
            assert values(one, ("signal_count", "creditor_count", "threatening", "priority")) == (
                counted_from_its_signals(one)
            )
            assert one.signals_seen <= one.signal_count
        assert values(case, KEPT) == {name: before[name] for name in KEPT}
        assert case.signals_seen + into.signals_seen == before["signals_seen"]
        assert (into.status, into.first_offer_at, into.threat_due) == (Case.Status.NEW, None, None)
        # Terms: his own for his case; hers never earlier than they were, and a term to answer a
        # threat only while one of hers came after the last attempt.
        assert into.first_offer_due == min(
            services._term(terms, threatening=s.threatening, received_at=s.received_at) for s in his
        )
        assert case.first_offer_due >= terms_before[0]
        if case.threat_due is not None:
            assert terms_before[1] is not None and case.threat_due >= terms_before[1]
            last = ContactAttempt.objects.filter(case=case).order_by("attempted_at").last()
            threats = Signal.objects.filter(case=case, withdrawn_at__isnull=True, kind__in=["threat", "end_of_supply"])
            assert last is not None and threats.filter(received_at__gt=last.attempted_at).exists()
        assert set(Signal.objects.filter(case=into).values_list("pk", flat=True)) == {signal.pk for signal in his}

        case_join(actor=officer, case=case, other=into, organisation=world.ww_team)

    assert values(case, RESTORED) == before
    assert set(Signal.objects.filter(case=case).values_list("pk", flat=True)) == all_signals


def test_a_move_leaves_both_cases_counted_by_their_signals_and_a_join_takes_it_back(creditors, world, officer):
    moved_and_joined_back(creditors, world, officer)
