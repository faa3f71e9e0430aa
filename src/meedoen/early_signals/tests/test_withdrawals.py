"""A creditor withdraws a signal it delivered: paid, a payment arrangement, or sent in error. The
signal is marked, the case follows the signals that still stand, a case nobody began on closes,
a case the team works on stays and shows why, a signal sent in error loses its personal data at
once; the shared log and the audit log record it without personal data; the feedback, the monitor,
the intake and the retention run know of it. Every bad input is answered precisely, and nothing is
half-written."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from structlog.testing import capture_logs

from meedoen.core.access import Actor, Grant, Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals import feedback, letters, retention, withdrawals
from meedoen.early_signals.models import (
    Case,
    ContactAttempt,
    CreditorAgreement,
    Signal,
    SignalTombstone,
)
from meedoen.early_signals.monitor import tallies
from meedoen.early_signals.selectors import CASE_PURPOSE, case_detail
from meedoen.early_signals.services import case_close, case_move, case_seen, creditor_actor, token_create
from meedoen.early_signals.tests.concurrency import CONCURRENT, at_once
from meedoen.early_signals.tests.conftest import AMSTERDAM, TODAY
from meedoen.early_signals.tests.factories import SYSTEM, codes_of, deliver_rows, signal_row
from meedoen.early_signals.tests.test_retention import PERSONAL_VALUES, close, household, reach, rows_of
from meedoen.early_signals.withdrawals import (
    ALREADY_WITHDRAWN,
    REFUSED,
    WITHDRAWN,
    signal_withdraw,
    signals_withdraw_json,
)
from meedoen.ledger.entries import canonical, read_leaf
from meedoen.ledger.models import Entry

pytestmark = pytest.mark.django_db

PAID, ARRANGEMENT, IN_ERROR = "paid", "arrangement", "sent_in_error"


def receive(creditor, **fields) -> Case:
    answer = deliver_rows(creditor, signal_row(email="jolien@example.org") | fields)
    assert codes_of(answer) == []
    reference = fields.get("creditor_reference", "WS-0001")
    return Signal.objects.get(creditor=creditor, creditor_reference=reference).case


def withdraw(creditor, reference: str = "WS-0001", reason: str = PAID, actor: Actor = SYSTEM):
    return signal_withdraw(actor=actor, creditor=creditor, reference=reference, reason=reason)


def batch(creditor, *items: object, actor: Actor = SYSTEM):
    return signals_withdraw_json(
        actor=actor, creditor=creditor, content=json.dumps({"withdrawals": list(items)}).encode()
    )


def refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def codes(answer) -> list[tuple[str, str, str]]:
    return [(problem.severity, problem.field, problem.code) for problem in answer.problems]


def snapshot() -> tuple[object, ...]:
    """Everything a withdrawal may write."""
    return (
        list(Signal.objects.values()),
        list(Case.objects.values()),
        list(SignalTombstone.objects.values()),
        Entry.objects.count(),
        AuditEvent.objects.filter(kind="change").count(),
    )


def token_actor(creditor) -> Actor:
    token, _raw = token_create(actor=SYSTEM, organisation=creditor)
    return creditor_actor(token)


# --- what a withdrawal does -------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [PAID, ARRANGEMENT])
def test_a_signal_is_withdrawn_and_its_case_nobody_began_on_is_closed_as_withdrawn(creditors, reason):
    case = receive(creditors.housing)

    answer = withdraw(creditors.housing, reason=reason)

    assert (answer.outcome, answer.reference, answer.reason, answer.problems) == (WITHDRAWN, "WS-0001", reason, ())
    assert answer.withdrawn_at == TODAY
    signal = Signal.objects.get()
    assert (signal.withdrawn_at, signal.withdrawal_reason, signal.withdrawn) == (TODAY, reason, True)
    case = refresh(case)
    assert (case.status, case.outcome, case.closed_at) == (Case.Status.CLOSED, Case.Outcome.WITHDRAWN, TODAY)
    assert (case.signal_count, case.creditor_count) == (0, 0)
    # Paid or an arrangement: the signal keeps its data until the retention term, as any closed case.
    assert signal.surname == "Voorbeeld" and case.erased_at is None and case.household_ref


def test_the_withdrawal_is_in_the_shared_log_signed_by_the_creditor_naming_no_household(creditors, world):
    case = receive(creditors.housing)

    withdraw(creditors.housing)

    withdrawn = Entry.objects.get(kind="signal.withdrawn")
    leaf = read_leaf(bytes(withdrawn.leaf))
    assert withdrawn.acting_organisation == creditors.housing
    assert leaf["subject"] == ""
    payload = {"creditor_reference": "WS-0001", "reason": "paid", "withdrawn_on": "2026-03-20"}
    assert leaf["payload_sha256"] == hashlib.sha256(canonical(payload)).hexdigest()
    # The closing that followed is the municipality's, signed by its team as any closing nobody made by
    # hand, and names no household either: right after the creditor's entry, it would tell the creditor
    # which household its reference was about.
    closed = Entry.objects.get(kind="signal.case_closed")
    assert closed.acting_organisation == world.ww_team
    assert read_leaf(bytes(closed.leaf))["subject"] == ""
    expected = {"outcome": "withdrawn", "closed_on": "2026-03-20"}
    assert read_leaf(bytes(closed.leaf))["payload_sha256"] == hashlib.sha256(canonical(expected)).hexdigest()
    text = bytes(withdrawn.leaf).decode() + bytes(closed.leaf).decode()
    for value in (*PERSONAL_VALUES, case.household_ref, case.address_ref):
        assert value not in text


def test_the_withdrawal_is_in_the_audit_log_as_the_creditor_s_change_without_personal_data(creditors, world):
    case = receive(creditors.housing)
    actor = token_actor(creditors.housing)

    with capture_logs() as logged:
        withdraw(creditors.housing, actor=actor)

    signal = Signal.objects.get()
    record = AuditEvent.objects.get(action=withdrawals.WITHDRAW_ACTION)
    assert (record.kind, record.actor_label, record.organisation_id, record.municipality_id) == (
        "change",
        actor.label,
        creditors.housing.pk,
        world.waalwijk.pk,
    )
    assert (record.object_type, record.object_id, record.subject_ref) == (
        "early_signals.signal",
        str(signal.pk),
        case.household_ref,
    )
    assert record.details == {
        "reason": "paid",
        "case": str(case.uuid),
    }
    closing = AuditEvent.objects.get(action="early_signals.case.close")
    assert (closing.actor_label, closing.organisation_id) == (actor.label, world.ww_team.pk)
    assert closing.details == {"outcome": "withdrawn", "withdrawn_signal": str(signal.uuid)}
    text = repr(list(AuditEvent.objects.values("details", "reason"))) + repr(logged)
    for value in PERSONAL_VALUES:
        assert value not in text


def test_a_case_with_another_standing_signal_stays_open_and_its_counts_follow_the_standing_ones(creditors):
    case = receive(creditors.housing)
    receive(creditors.energy, creditor_reference="EN-1", signal_kind="threat")
    case = refresh(case)
    assert (case.signal_count, case.creditor_count, case.threatening, case.priority) == (2, 2, True, 8)

    withdraw(creditors.energy, "EN-1")

    case = refresh(case)
    assert (case.status, case.outcome) == (Case.Status.NEW, "")
    assert (case.signal_count, case.creditor_count, case.threatening, case.priority) == (1, 1, False, 1)
    # The term of the first offer stays as it was: the team keeps the term it had.
    assert case.first_offer_due == date(2026, 3, 25)


def test_a_new_threat_s_term_goes_with_the_threat_withdrawn(creditors, world):
    case = receive(creditors.housing)
    reach(case, reached=False)
    with time_machine.travel(datetime(2026, 3, 24, 9, 0, tzinfo=AMSTERDAM), tick=False):
        receive(creditors.energy, creditor_reference="EN-1", signal_kind="threat", signal_date="2026-03-23")
    assert refresh(case).threat_due == date(2026, 3, 27)

    with time_machine.travel(datetime(2026, 3, 25, 9, 0, tzinfo=AMSTERDAM), tick=False):
        withdraw(creditors.energy, "EN-1")

    case = refresh(case)
    assert (case.threat_due, case.threatening, case.status) == (None, False, Case.Status.TO_CONTACT)


def test_a_case_the_team_tried_to_reach_stays_open_when_every_signal_is_withdrawn(creditors, world):
    case = receive(creditors.housing)
    reach(case, reached=False)

    answer = withdraw(creditors.housing)

    case = refresh(case)
    assert answer.outcome == WITHDRAWN
    assert (case.status, case.outcome, case.signal_count) == (Case.Status.TO_CONTACT, "", 0)
    assert not Entry.objects.filter(kind="signal.case_closed").exists()
    officer = officer_actor(world)
    detail = case_detail(actor=officer, case_id=case.uuid, purpose=CASE_PURPOSE)
    assert detail.standing == ()
    (shown,) = detail.withdrawn
    assert (shown.withdrawn_at, shown.withdrawal_reason) == (TODAY, "paid")


def test_a_case_the_team_moved_on_by_hand_stays_open_too(creditors, world):
    case = receive(creditors.housing)
    case_move(actor=SYSTEM, case=case, organisation=world.ww_team, status=Case.Status.IN_HELP)

    withdraw(creditors.housing)

    assert refresh(case).status == Case.Status.IN_HELP


def test_a_case_already_closed_keeps_its_outcome(creditors):
    case = receive(creditors.housing)
    reach(case)
    close(case, Case.Outcome.REFERRED_DEBT_HELP)

    withdraw(creditors.housing)

    case = refresh(case)
    assert (case.outcome, case.signal_count) == (Case.Outcome.REFERRED_DEBT_HELP, 0)


# --- sent in error: no personal data kept -------------------------------------------------------------------


def test_a_signal_sent_in_error_loses_its_personal_data_at_once_with_its_case_that_closed(creditors):
    case = receive(creditors.housing, bsn="111222333")
    household_ref, address_ref = case.household_ref, case.address_ref
    resident_ref = Signal.objects.get().resident_ref
    signal_uuid = Signal.objects.get().uuid

    answer = withdraw(creditors.housing, reason=IN_ERROR)

    assert (answer.outcome, answer.reason) == (WITHDRAWN, IN_ERROR)
    assert not Signal.objects.exists()
    tombstone = SignalTombstone.objects.get()
    assert (tombstone.signal_uuid, tombstone.case_uuid, tombstone.reason) == (
        signal_uuid,
        case.uuid,
        SignalTombstone.Reason.SENT_IN_ERROR,
    )
    assert (tombstone.withdrawn_at, tombstone.withdrawal_reason, tombstone.removed_at) == (TODAY, IN_ERROR, TODAY)
    assert (tombstone.outcome, tombstone.case_closed_at) == (Case.Outcome.WITHDRAWN_IN_ERROR, TODAY)
    case = refresh(case)
    assert (case.status, case.outcome, case.erased_at) == (Case.Status.CLOSED, Case.Outcome.WITHDRAWN_IN_ERROR, TODAY)
    assert (case.household_ref, case.address_ref) == ("", "")
    stored = rows_of(Signal, SignalTombstone, Case)
    for value in (*PERSONAL_VALUES, household_ref, address_ref, resident_ref):
        assert value not in stored, value
    erased = AuditEvent.objects.get(action=retention.ERASE_ACTION)
    assert erased.reason == retention.REASONS[retention.SENT_IN_ERROR]
    assert erased.details == {
        "term": "sent_in_error",
        "outcome": "withdrawn_in_error",
        "signals": 1,
        "notes_cleared": 0,
    }


def test_a_signal_sent_in_error_on_a_case_that_stays_loses_only_its_own_data(creditors):
    case = receive(creditors.housing)
    receive(creditors.energy, creditor_reference="EN-1", surname="Voorbeeld", house_number="12")
    assert Signal.objects.filter(case=case).count() == 2

    withdraw(creditors.energy, "EN-1", reason=IN_ERROR)

    case = refresh(case)
    assert (case.status, case.erased_at, case.signal_count) == (Case.Status.NEW, None, 1)
    assert list(Signal.objects.values_list("creditor_reference", flat=True)) == ["WS-0001"]
    tombstone = SignalTombstone.objects.get()
    assert (tombstone.creditor_reference, tombstone.case_closed_at, tombstone.outcome) == ("EN-1", None, "")
    assert case.household_ref
    # Later the other signal is withdrawn as paid: the case closes as withdrawn, not as sent in error.
    withdraw(creditors.housing, reason=PAID)
    assert refresh(case).outcome == Case.Outcome.WITHDRAWN


@pytest.mark.parametrize(
    "order",
    [
        (("housing", PAID), ("energy", IN_ERROR)),
        (("energy", IN_ERROR), ("housing", PAID)),
    ],
)
def test_a_case_with_a_paid_signal_and_one_sent_in_error_ends_alike_in_either_order(creditors, order):
    case = receive(creditors.housing)
    receive(creditors.energy, creditor_reference="EN-1")
    references = {"housing": "WS-0001", "energy": "EN-1"}

    for creditor, reason in order:
        withdraw(getattr(creditors, creditor), references[creditor], reason=reason)

    # Arrears stood once (the paid signal): closed as withdrawn, its data kept for the retention
    # term; the signal sent in error is gone at once.
    case = refresh(case)
    assert (case.status, case.outcome, case.erased_at) == (Case.Status.CLOSED, Case.Outcome.WITHDRAWN, None)
    assert list(Signal.objects.values_list("creditor_reference", "withdrawal_reason")) == [("WS-0001", PAID)]
    assert list(SignalTombstone.objects.values_list("creditor_reference", "withdrawal_reason")) == [("EN-1", IN_ERROR)]


def test_a_case_the_team_works_on_whose_every_signal_was_sent_in_error_is_closed_and_erased(creditors, world):
    case = receive(creditors.housing)
    receive(creditors.energy, creditor_reference="EN-1")
    reach(case, note="Gebeld, terugbellen na vrijdag.")  # the team reached the household, with a note
    assert ContactAttempt.objects.filter(case=case).exclude(note="").exists()
    household_ref = refresh(case).household_ref

    withdraw(creditors.housing, reason=IN_ERROR)
    assert refresh(case).status == Case.Status.CONTACTED  # another signal stands
    withdraw(creditors.energy, "EN-1", reason=IN_ERROR)

    # No arrears ever stood: nothing of the household stays, whatever the team did.
    case = refresh(case)
    assert (case.status, case.outcome, case.erased_at) == (
        Case.Status.CLOSED,
        Case.Outcome.WITHDRAWN_IN_ERROR,
        TODAY,
    )
    assert (case.household_ref, case.address_ref) == ("", "")
    assert not Signal.objects.exists()
    assert not ContactAttempt.objects.filter(case=case).exclude(note="").exists()
    stored = rows_of(Signal, SignalTombstone, Case)
    for value in (*PERSONAL_VALUES, household_ref):
        assert value not in stored, value


def test_a_case_the_team_closed_whose_every_signal_was_sent_in_error_keeps_its_outcome_and_is_erased(creditors, world):
    case = receive(creditors.housing)
    reach(case)
    close(case, Case.Outcome.DECLINED)

    withdraw(creditors.housing, reason=IN_ERROR)

    case = refresh(case)
    assert (case.status, case.outcome, case.erased_at) == (Case.Status.CLOSED, Case.Outcome.DECLINED, TODAY)
    assert not Signal.objects.exists()


def test_a_case_the_team_opened_stays_when_its_signal_is_withdrawn_as_paid(creditors, world):
    case = receive(creditors.housing)
    case_seen(actor=officer_actor(world), case=refresh(case))  # the offer letter may be on its way

    withdraw(creditors.housing, reason=PAID)

    case = refresh(case)
    assert (case.status, case.signal_count) == (Case.Status.NEW, 0)


def test_a_case_closed_as_withdrawn_is_removed_after_the_retention_term_as_one_without_help(creditors, settings):
    settings.EARLY_SIGNALS_RETENTION_DAYS = 30
    case = receive(creditors.housing)
    withdraw(creditors.housing, reason=ARRANGEMENT)

    with time_machine.travel(TODAY + timedelta(days=31), tick=False):
        report = retention.retention_run()

    assert report.totals()["cases_erased"] == 1
    assert refresh(case).erased_at is not None
    tombstone = SignalTombstone.objects.get()
    assert (tombstone.reason, tombstone.withdrawal_reason, tombstone.withdrawn_at) == ("retention", ARRANGEMENT, TODAY)


# --- the same withdrawal again, and what cannot be withdrawn ----------------------------------------------


@pytest.mark.parametrize("reason", [PAID, IN_ERROR])
def test_the_same_withdrawal_twice_is_answered_already_withdrawn_and_changes_nothing(creditors, reason):
    receive(creditors.housing)
    withdraw(creditors.housing, reason=reason)
    before = snapshot()

    with time_machine.travel(TODAY + timedelta(days=2), tick=False):
        again = withdraw(creditors.housing, reason=PAID)

    assert (again.outcome, again.reason, again.withdrawn_at) == (ALREADY_WITHDRAWN, reason, TODAY)
    assert codes(again) == [("warning", "reference", "already_withdrawn")]
    label = {PAID: "arrears paid", IN_ERROR: "sent in error"}[reason]
    assert again.problems[0].message == f"Already withdrawn on 2026-03-20 ({label}); nothing changed."
    assert snapshot() == before


@pytest.mark.parametrize("first", [PAID, ARRANGEMENT])
def test_a_withdrawal_as_paid_corrected_to_sent_in_error_removes_the_data_of_it_and_its_case(creditors, world, first):
    case = receive(creditors.housing, bsn="111222333")
    withdraw(creditors.housing, reason=first)
    household_ref = refresh(case).household_ref
    entries_before = Entry.objects.count()

    with time_machine.travel(TODAY + timedelta(days=2), tick=False):
        answer = withdraw(creditors.housing, reason=IN_ERROR)

    assert (answer.outcome, answer.reason, answer.withdrawn_at) == (WITHDRAWN, IN_ERROR, TODAY)
    assert codes(answer) == [("warning", "reason", "reason_corrected")]
    label = {PAID: "arrears paid", ARRANGEMENT: "payment arrangement made with the creditor"}[first]
    assert answer.problems[0].message == (
        f"Withdrawn before on 2026-03-20 ({label}); now as sent in error, and its personal data is removed."
    )
    assert not Signal.objects.exists()
    tombstone = SignalTombstone.objects.get()
    assert (tombstone.withdrawal_reason, tombstone.withdrawn_at, tombstone.reason) == (
        IN_ERROR,
        TODAY,
        SignalTombstone.Reason.SENT_IN_ERROR,
    )
    case = refresh(case)
    assert (case.status, case.outcome) == (Case.Status.CLOSED, Case.Outcome.WITHDRAWN_IN_ERROR)
    assert (case.erased_at, case.household_ref, case.address_ref) == (TODAY + timedelta(days=2), "", "")
    stored = rows_of(Signal, SignalTombstone, Case)
    for value in (*PERSONAL_VALUES, household_ref):
        assert value not in stored, value
    # The shared log tells the correction, signed by the creditor, naming no household.
    assert Entry.objects.count() == entries_before + 1
    entry = Entry.objects.latest("pk")
    assert entry.kind == "signal.withdrawn"
    leaf = read_leaf(bytes(entry.leaf))
    assert leaf["subject"] == ""
    payload = {
        "creditor_reference": "WS-0001",
        "reason": IN_ERROR,
        "reason_before": first,
        "withdrawn_on": "2026-03-20",
    }
    assert leaf["payload_sha256"] == hashlib.sha256(canonical(payload)).hexdigest()
    withdrawal = AuditEvent.objects.filter(action=withdrawals.WITHDRAW_ACTION).latest("pk")
    assert withdrawal.details["reason_before"] == first
    corrected = AuditEvent.objects.get(action="early_signals.case.outcome_corrected")
    assert corrected.details["outcome_before"] == Case.Outcome.WITHDRAWN
    # Asked once more: already withdrawn, as sent in error.
    again = withdraw(creditors.housing, reason=IN_ERROR)
    assert (again.outcome, again.reason) == (ALREADY_WITHDRAWN, IN_ERROR)


def test_a_correction_to_sent_in_error_on_a_case_the_team_works_on_removes_only_that_signal(creditors, world):
    case = receive(creditors.housing)
    receive(creditors.energy, creditor_reference="EN-1")
    withdraw(creditors.energy, "EN-1", reason=PAID)

    answer = withdraw(creditors.energy, "EN-1", reason=IN_ERROR)

    assert answer.outcome == WITHDRAWN
    case = refresh(case)
    assert (case.status, case.erased_at, case.signal_count) == (Case.Status.NEW, None, 1)
    assert list(Signal.objects.values_list("creditor_reference", flat=True)) == ["WS-0001"]
    assert SignalTombstone.objects.get().creditor_reference == "EN-1"


def test_a_case_closed_as_withdrawn_keeps_its_outcome_when_another_of_its_signals_stays_paid(creditors):
    case = receive(creditors.housing)
    receive(creditors.energy, creditor_reference="EN-1")
    withdraw(creditors.housing, reason=PAID)
    withdraw(creditors.energy, "EN-1", reason=PAID)
    assert refresh(case).outcome == Case.Outcome.WITHDRAWN

    withdraw(creditors.energy, "EN-1", reason=IN_ERROR)

    case = refresh(case)
    assert (case.outcome, case.erased_at) == (Case.Outcome.WITHDRAWN, None)
    assert list(Signal.objects.values_list("creditor_reference", flat=True)) == ["WS-0001"]


def test_paid_after_sent_in_error_changes_nothing(creditors):
    receive(creditors.housing)
    receive(creditors.energy, creditor_reference="EN-1")
    withdraw(creditors.energy, "EN-1", reason=IN_ERROR)
    before = snapshot()

    again = withdraw(creditors.energy, "EN-1", reason=PAID)

    assert (again.outcome, again.reason) == (ALREADY_WITHDRAWN, IN_ERROR)
    assert snapshot() == before


def test_an_unknown_reference_and_another_creditor_s_reference_are_answered_alike(creditors):
    receive(creditors.energy, creditor_reference="EN-1")
    before = snapshot()

    unknown = withdraw(creditors.housing, "NOBODY-1")
    others = withdraw(creditors.housing, "EN-1")

    for answer, reference in ((unknown, "NOBODY-1"), (others, "EN-1")):
        assert answer.as_dict() == {
            "row": 1,
            "reference": reference,
            "outcome": REFUSED,
            "reason": None,
            "withdrawn_at": None,
            "problems": [
                {
                    "severity": "error",
                    "row": 1,
                    "field": "reference",
                    "code": "unknown_reference",
                    "message": "Your organisation delivered no signal with this reference.",
                }
            ],
        }
    assert snapshot() == before


def test_a_signal_whose_data_the_retention_run_removed_is_answered_so(creditors, settings):
    settings.EARLY_SIGNALS_RETENTION_DAYS = 30
    case = receive(creditors.housing)
    reach(case)
    close(case, Case.Outcome.SELF_RESOLVED)
    with time_machine.travel(TODAY + timedelta(days=31), tick=False):
        retention.retention_run()
        before = snapshot()

        answer = withdraw(creditors.housing)

    assert answer.outcome == REFUSED
    assert codes(answer) == [("error", "reference", "reference_removed")]
    assert "removed on 2026-04-20, after the retention term" in answer.problems[0].message
    assert snapshot() == before


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"reference": "WS-0001", "reason": "betaald"}, [("error", "reason", "invalid_choice")]),
        ({"reference": "WS-0001", "reason": ""}, [("error", "reason", "required")]),
        ({"reference": "WS-0001"}, [("error", "reason", "required")]),
        ({"reference": "", "reason": "paid"}, [("error", "reference", "required")]),
        ({"reason": "paid"}, [("error", "reference", "required")]),
        ({"reference": "WS\n0001", "reason": "paid"}, [("error", "reference", "control_characters")]),
        ({"reference": "W" * 65, "reason": "paid"}, [("error", "reference", "too_long")]),
        ({"reference": ["WS-0001"], "reason": "paid"}, [("error", "reference", "not_text")]),
        ({"reference": "WS-0001", "reason": 1}, [("error", "reason", "invalid_choice")]),
        ("WS-0001", [("error", "", "not_an_object")]),
    ],
)
def test_a_withdrawal_that_cannot_be_read_is_refused_with_the_field_and_why(creditors, item, expected):
    receive(creditors.housing)
    before = snapshot()

    answer = batch(creditors.housing, item)

    (refused,) = answer.items
    assert refused.outcome == REFUSED
    assert codes(refused) == expected
    assert snapshot() == before


def test_the_reason_is_read_without_regard_to_case_and_the_reference_as_the_intake_read_it(creditors):
    assert codes_of(deliver_rows(creditors.housing, signal_row(creditor_reference="WS  0001"))) == []

    answer = batch(creditors.housing, {"reference": " WS 0001 ", "reason": "PAID", "note": "x"})

    (item,) = answer.items
    assert (item.outcome, item.reference, item.reason) == (WITHDRAWN, "WS 0001", PAID)
    # A field the format does not know is ignored, with a warning.
    assert codes(item) == [("warning", "note", "unknown_field")]


def test_a_batch_is_answered_per_item_in_order_and_the_same_reference_twice_once(creditors):
    receive(creditors.housing)
    receive(creditors.housing, **household(1))

    answer = batch(
        creditors.housing,
        {"reference": "WS-0001", "reason": "paid"},
        {"reference": "WS-0001", "reason": "arrangement"},
        {"reference": "NOBODY", "reason": "paid"},
        {"reference": "RT-001", "reason": "nope"},
        {"reference": "RT-001", "reason": "arrangement"},
    )

    assert [(item.row, item.reference, item.outcome) for item in answer.items] == [
        (1, "WS-0001", WITHDRAWN),
        (2, "WS-0001", ALREADY_WITHDRAWN),
        (3, "NOBODY", REFUSED),
        (4, "RT-001", REFUSED),
        (5, "RT-001", WITHDRAWN),
    ]
    assert answer.as_dict()["summary"] == {
        "items": 5,
        "withdrawn": 2,
        "already_withdrawn": 1,
        "refused": 2,
        "fatal": False,
    }
    # The first reason holds: the second withdrawal changed nothing.
    assert Signal.objects.get(creditor_reference="WS-0001").withdrawal_reason == PAID


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "not_json"),
        (b"\xff\xfe{", "not_json"),
        (b'{"withdrawals": [', "not_json"),
        (b'{"withdrawals": [{"reference": NaN}]}', "not_json"),
        (b'{"withdrawals": [{"reference": -' + b"9" * 5_000 + b"}]}", "not_json"),
        (b"[" * 100_000, "not_json"),
        (b"[]", "batch_shape"),
        (b'{"withdrawals": {"reference": "WS-0001"}}', "batch_shape"),
        (b'{"withdrawals": []}', "no_rows"),
        (b"{}", "no_rows"),
    ],
)
def test_a_batch_that_cannot_be_read_is_refused_whole_and_nothing_is_withdrawn(creditors, content, code):
    receive(creditors.housing)
    before = snapshot()

    answer = signals_withdraw_json(actor=SYSTEM, creditor=creditors.housing, content=content)

    assert answer.fatal
    assert [problem.code for problem in answer.problems] == [code]
    assert answer.items == ()
    assert snapshot() == before


def test_a_batch_of_more_than_a_thousand_is_refused_whole(creditors):
    receive(creditors.housing)
    before = snapshot()

    answer = batch(creditors.housing, *({"reference": "WS-0001", "reason": "paid"} for _ in range(1001)))

    assert [(problem.severity, problem.code) for problem in answer.problems] == [("fatal", "batch_too_large")]
    assert "at most 1,000 withdrawals; this one has 1,001" in answer.problems[0].message
    assert snapshot() == before


def test_a_withdrawal_that_fails_halfway_leaves_nothing_written(creditors, monkeypatch):
    receive(creditors.housing)
    before = snapshot()

    def broken(**kwargs):
        raise RuntimeError("the shared log is gone")

    monkeypatch.setattr(withdrawals, "entry_append", broken)
    with pytest.raises(RuntimeError):
        withdraw(creditors.housing, reason=IN_ERROR)

    assert snapshot() == before


# --- who may withdraw ---------------------------------------------------------------------------------------


def deliverer(creditor, *municipalities, second_factor: bool = True) -> Actor:
    return Actor(
        user_id=4242,
        label="aanlevering",
        grants=frozenset(Grant(m.pk, creditor.pk, Role.CREDITOR_DELIVERER) for m in municipalities),
        second_factor=second_factor,
    )


def officer_actor(world) -> Actor:
    return Actor(
        user_id=4343,
        label="vroeg",
        grants=frozenset({Grant(world.waalwijk.pk, world.ww_team.pk, Role.EARLY_SIGNALS_OFFICER)}),
        second_factor=True,
    )


def test_a_person_withdraws_only_signals_about_residents_of_the_municipalities_of_their_role(creditors, world):
    CreditorAgreement.objects.create(organisation=creditors.housing, municipality=world.meerssen)
    receive(creditors.housing)
    receive(creditors.housing, creditor_reference="MS-1", municipality="GM0938", postcode="6241 ZT")
    clerk = deliverer(creditors.housing, world.waalwijk)

    elsewhere = withdraw(creditors.housing, "MS-1", actor=clerk)
    here = withdraw(creditors.housing, "WS-0001", actor=clerk)

    assert elsewhere.outcome == REFUSED
    assert codes(elsewhere) == [("error", "reference", "not_granted")]
    assert "Meerssen (GM0938)" in elsewhere.problems[0].message
    assert Signal.objects.get(creditor_reference="MS-1").withdrawn_at is None
    assert here.outcome == WITHDRAWN
    assert AuditEvent.objects.get(action=withdrawals.WITHDRAW_ACTION).actor_label == "aanlevering"


def test_a_person_hears_nothing_of_a_removed_signal_of_another_municipality(creditors, world):
    CreditorAgreement.objects.create(organisation=creditors.housing, municipality=world.meerssen)
    receive(creditors.housing, creditor_reference="MS-1", municipality="GM0938", postcode="6241 ZT")
    withdraw(creditors.housing, "MS-1", reason=IN_ERROR)  # by the token: only its tombstone is left
    clerk = deliverer(creditors.housing, world.waalwijk)

    answer = withdraw(creditors.housing, "MS-1", actor=clerk)

    assert (answer.outcome, answer.withdrawn_at, answer.reason) == (REFUSED, None, "")
    assert codes(answer) == [("error", "reference", "not_granted")]


@pytest.mark.parametrize(
    "who",
    ["deliverer of another creditor", "deliverer without a second factor", "officer", "nobody"],
)
def test_no_one_else_withdraws_a_creditor_s_signal(creditors, world, who):
    receive(creditors.housing)
    actor = {
        "deliverer of another creditor": deliverer(creditors.energy, world.waalwijk),
        "deliverer without a second factor": deliverer(creditors.housing, world.waalwijk, second_factor=False),
        "officer": officer_actor(world),
        "nobody": Actor(user_id=4444, label="niemand", second_factor=True),
    }[who]
    before = snapshot()

    for attempt in (
        lambda: withdraw(creditors.housing, actor=actor),
        lambda: batch(creditors.housing, {"reference": "WS-0001", "reason": "paid"}, actor=actor),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert snapshot() == before


def test_a_signal_in_a_municipality_whose_agreement_ended_can_still_be_withdrawn(creditors, world):
    receive(creditors.housing)
    CreditorAgreement.objects.filter(organisation=creditors.housing).update(active=False)

    assert withdraw(creditors.housing).outcome == WITHDRAWN


# --- the team's case, the intake, the letter -------------------------------------------------------------


def test_the_team_never_closes_a_case_with_the_outcome_of_a_withdrawal(creditors, world):
    case = receive(creditors.housing)
    reach(case)

    for outcome in (Case.Outcome.WITHDRAWN, Case.Outcome.WITHDRAWN_IN_ERROR):
        with pytest.raises(ValidationError):
            case_close(actor=SYSTEM, case=case, organisation=world.ww_team, outcome=outcome)
    assert refresh(case).status == Case.Status.CONTACTED


def test_the_signals_the_team_saw_are_counted_right_after_a_withdrawal(creditors, world):
    case = receive(creditors.housing)
    receive(creditors.energy, creditor_reference="EN-1")
    case_seen(actor=officer_actor(world), case=case)
    receive(creditors.housing, creditor_reference="WS-0002", signal_date="2026-03-17")
    assert (refresh(case).signal_count, refresh(case).signals_seen) == (3, 2)

    withdraw(creditors.energy, "EN-1")  # one the team saw
    assert (refresh(case).signal_count, refresh(case).signals_seen) == (2, 1)
    withdraw(creditors.housing, "WS-0002")  # the new one
    assert (refresh(case).signal_count, refresh(case).signals_seen) == (1, 1)


@pytest.mark.parametrize("together", [False, True], ids=["row by row", "written together"])
def test_the_same_reference_sent_again_after_a_withdrawal_is_refused_with_why(creditors, together):
    receive(creditors.housing)
    receive(creditors.housing, **household(1))
    withdraw(creditors.housing, "WS-0001", reason=PAID)
    withdraw(creditors.housing, "RT-001", reason=IN_ERROR)  # only its tombstone is left
    # Three rows or more are written together, fewer one by one: both look the references up.
    rows = [signal_row(), household(1), *([household(2)] if together else [])]

    answer = deliver_rows(creditors.housing, *rows)

    assert [row.outcome for row in answer.rows] == ["refused", "refused", *(["accepted"] if together else [])]
    assert [(p.row, p.code) for p in answer.all_problems()] == [(2, "reference_withdrawn"), (3, "reference_withdrawn")]
    assert "You withdrew the signal with this reference on 2026-03-20" in answer.rows[0].problems[0].message
    assert Signal.objects.get(creditor_reference="WS-0001").withdrawn_at == TODAY


@pytest.mark.parametrize("count", [1, 3], ids=["row by row", "written together"])
def test_a_creditor_s_new_signal_on_a_case_where_its_first_was_withdrawn_counts_the_creditor_again(creditors, count):
    case = receive(creditors.housing)
    receive(creditors.energy, creditor_reference="EN-1")
    withdraw(creditors.housing)
    assert (refresh(case).signal_count, refresh(case).creditor_count) == (1, 1)

    deliver_rows(creditors.housing, *(signal_row(creditor_reference=f"WS-1{n}") for n in range(count)))

    case = refresh(case)
    assert (case.signal_count, case.creditor_count, case.status) == (1 + count, 2, Case.Status.NEW)
    assert case.priority == 1 + 2 + (count - 1)


def test_the_offer_letter_speaks_of_a_signal_that_stands(creditors, world):
    case = receive(creditors.housing)
    receive(creditors.energy, creditor_reference="EN-1", signal_date="2026-03-18")
    officer = officer_actor(world)
    withdraw(creditors.energy, "EN-1")

    letter = letters.offer_letter(actor=officer, municipality=world.waalwijk, case_id=case.uuid)
    assert letter.creditor == creditors.housing.name

    withdraw(creditors.housing)
    with pytest.raises(letters.LetterUnavailableError):
        letters.offer_letter(actor=officer, municipality=world.waalwijk, case_id=case.uuid)


# --- the feedback and the monitor ------------------------------------------------------------------------------


def feedback_of(creditor) -> dict[str, dict]:
    token, _raw = token_create(actor=SYSTEM, organisation=creditor)
    page = feedback.creditor_feedback(token=token, actor=creditor_actor(token))
    return {item.creditor_reference: item.as_dict() for item in page.items}


def test_the_feedback_answers_a_withdrawn_signal_as_withdrawn_and_tells_nothing_of_its_case(creditors):
    case = receive(creditors.housing)
    receive(creditors.energy, creditor_reference="EN-1")
    receive(creditors.housing, **household(1))
    reach(case)
    with time_machine.travel(TODAY + timedelta(days=1), tick=False):
        withdraw(creditors.housing, "WS-0001", reason=ARRANGEMENT)
        withdraw(creditors.housing, "RT-001", reason=IN_ERROR)
    with time_machine.travel(TODAY + timedelta(days=2), tick=False):
        close(case, Case.Outcome.REFERRED_DEBT_HELP)
    reads_before = AuditEvent.objects.filter(kind="read").count()

    found = feedback_of(creditors.housing)

    withdrawn_at = TODAY + timedelta(days=1)
    for reference in found:
        # The case closed later, with help: the creditor that withdrew hears no more of it.
        assert datetime.fromisoformat(found[reference].pop("changed_at")) == withdrawn_at
    assert found == {
        "WS-0001": {
            "creditor_reference": "WS-0001",
            "municipality": "GM0867",
            "status": "withdrawn",
            "help_accepted": "unknown",
            "closed_on": None,
            "withdrawn_on": "2026-03-21",
            "withdrawal_reason": "arrangement",
        },
        "RT-001": {
            "creditor_reference": "RT-001",
            "municipality": "GM0867",
            "status": "withdrawn",
            "help_accepted": "unknown",
            "closed_on": None,
            "withdrawn_on": "2026-03-21",
            "withdrawal_reason": "sent_in_error",
        },
    }
    # Nothing about the households was told: no read recorded for them.
    assert AuditEvent.objects.filter(kind="read").count() == reads_before
    # The other creditor hears about its own signal as ever.
    assert feedback_of(creditors.energy)["EN-1"]["status"] == "closed"
    assert feedback_of(creditors.energy)["EN-1"]["help_accepted"] == "yes"


def test_the_monitor_counts_no_signal_sent_in_error_and_no_case_the_creditors_withdrew(creditors, world):
    kept = receive(creditors.housing)  # a case that stays, with one paid and one in error signal
    receive(creditors.energy, creditor_reference="EN-1")
    receive(creditors.energy, creditor_reference="EN-2")
    receive(creditors.housing, **household(1))  # a case withdrawn as paid before anyone tried
    receive(creditors.housing, **household(2))  # a case withdrawn in error
    before = tallies(world.waalwijk.pk, date(2026, 3, 1), date(2026, 4, 1))[(date(2026, 3, 1), "")]
    assert (before.signals, before.cases_opened) == (5, 3)

    withdraw(creditors.energy, "EN-1", reason=PAID)
    withdraw(creditors.energy, "EN-2", reason=IN_ERROR)
    withdraw(creditors.housing, "RT-001", reason=PAID)
    withdraw(creditors.housing, "RT-002", reason=IN_ERROR)

    after = tallies(world.waalwijk.pk, date(2026, 3, 1), date(2026, 4, 1))[(date(2026, 3, 1), "")]
    # Signals: those sent in error are gone from the count; the paid ones still count.
    assert after.signals == 3
    # Cases: the two the creditors withdrew before anyone tried are counted nowhere.
    assert (after.cases_opened, after.single, after.multiple, after.closed) == (1, 1, 0, 0)
    assert refresh(kept).status == Case.Status.NEW


def test_a_term_missed_before_the_withdrawal_stays_missed_in_the_monitor(creditors, world):
    case = receive(creditors.housing)
    due = refresh(case).first_offer_due
    month = (date(2026, 3, 1), "")

    with time_machine.travel(datetime.combine(due + timedelta(days=3), datetime.min.time(), AMSTERDAM), tick=False):
        withdraw(creditors.housing, reason=PAID)
        late = tallies(world.waalwijk.pk, date(2026, 3, 1), date(2026, 4, 1))[month]

    assert refresh(case).outcome == Case.Outcome.WITHDRAWN
    # Opened, its term decided and not met: the withdrawal came after the team should have offered help.
    assert (late.cases_opened, late.term_decided, late.within_term) == (1, 1, 0)


# --- at the same time -----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@CONCURRENT
def test_the_last_two_signals_of_a_case_withdrawn_at_once_close_it_once(creditors):
    case = receive(creditors.housing)
    receive(creditors.energy, creditor_reference="EN-1")

    answers = at_once(
        lambda: withdraw(creditors.housing, "WS-0001"),
        lambda: withdraw(creditors.energy, "EN-1", reason=IN_ERROR),
    )

    assert [answer.outcome for answer in answers] == [WITHDRAWN, WITHDRAWN]
    case = refresh(case)
    # The case is locked while each withdrawal counts what stands: the second sees the first.
    assert (case.status, case.outcome, case.signal_count, case.creditor_count) == (
        Case.Status.CLOSED,
        Case.Outcome.WITHDRAWN,
        0,
        0,
    )
    assert Entry.objects.filter(kind="signal.case_closed").count() == 1
    assert Entry.objects.filter(kind="signal.withdrawn").count() == 2


@pytest.mark.django_db(transaction=True)
@CONCURRENT
def test_the_same_signal_withdrawn_twice_at_once_is_withdrawn_once(creditors):
    receive(creditors.housing)

    answers = at_once(
        lambda: withdraw(creditors.housing, reason=PAID), lambda: withdraw(creditors.housing, reason=ARRANGEMENT)
    )

    assert sorted(answer.outcome for answer in answers) == [ALREADY_WITHDRAWN, WITHDRAWN]
    assert Entry.objects.filter(kind="signal.withdrawn").count() == 1
    assert AuditEvent.objects.filter(action=withdrawals.WITHDRAW_ACTION).count() == 1


@pytest.mark.django_db(transaction=True)
@CONCURRENT
def test_paid_and_sent_in_error_at_once_end_as_sent_in_error_whichever_comes_first(creditors):
    case = receive(creditors.housing)

    answers = at_once(
        lambda: withdraw(creditors.housing, reason=PAID), lambda: withdraw(creditors.housing, reason=IN_ERROR)
    )

    outcomes = sorted(answer.outcome for answer in answers)
    # Paid first: sent in error corrects it (two withdrawals); sent in error first: paid changes nothing.
    assert outcomes in ([WITHDRAWN, WITHDRAWN], [ALREADY_WITHDRAWN, WITHDRAWN])
    assert Entry.objects.filter(kind="signal.withdrawn").count() == outcomes.count(WITHDRAWN)
    assert not Signal.objects.exists()
    assert SignalTombstone.objects.get().withdrawal_reason == IN_ERROR
    case = refresh(case)
    assert (case.outcome, case.erased_at is not None) == (Case.Outcome.WITHDRAWN_IN_ERROR, True)
