"""The retention terms: a closed case loses the personal data of its signals the day after its term
ends (the retention term without help, the term after help once help was accepted), per
municipality; what stays is a tombstone per signal without personal data. Open cases in which the
household was reached stay open, and those without activity past the term are counted. A dry run
changes nothing; a second run finds nothing to do."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from conftest import log_in
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meedoen.core.access import Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals import retention, services
from meedoen.early_signals.models import (
    Case,
    ContactAttempt,
    CreditorAgreement,
    MunicipalitySettings,
    Signal,
    SignalTombstone,
)
from meedoen.early_signals.selectors import case_detail
from meedoen.early_signals.services import attempt_record, case_close, case_join, case_move
from meedoen.early_signals.tasks import apply_retention
from meedoen.early_signals.tests.concurrency import CONCURRENT, at_once
from meedoen.early_signals.tests.conftest import AMSTERDAM, TODAY
from meedoen.early_signals.tests.factories import SYSTEM, codes_of, deliver_rows, signal_row
from meedoen.early_signals.tests.test_access import actor_for
from meedoen.early_signals.tests.test_feedback import URL as FEEDBACK_URL
from meedoen.early_signals.tests.test_feedback import client_of
from meedoen.ledger.models import Batch, Entry
from meedoen.organisations.models import Organisation
from meedoen.organisations.tests.factories import MembershipFactory, MunicipalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

TERM = 30
AFTER_HELP = 60
HELP_OUTCOMES = [
    Case.Outcome.QUICK_FIX,
    Case.Outcome.PAYMENT_ARRANGEMENT,
    Case.Outcome.REFERRED_DEBT_HELP,
    Case.Outcome.REFERRED_PARTNER,
]
# Jolien van Voorbeeld (factories.signal_row) as the signal gives her, and what stays must not hold.
PERSONAL_VALUES = (
    "Voorbeeld",
    "Jolien",
    "Verzonnenstraat",
    "1984-03-17",
    "06 12345678",
    "0612345678",
    "5141 ZX",
    "5141ZX",
    "412.50",
    "jolien@example.org",
)


@pytest.fixture(autouse=True)
def _installation_term(settings):
    settings.EARLY_SIGNALS_RETENTION_DAYS = TERM
    settings.EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS = AFTER_HELP


@contextlib.contextmanager
def on(day: date, hour: int = 10, minute: int = 0) -> Iterator[datetime]:
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMSTERDAM)
    with time_machine.travel(moment, tick=False):
        yield moment


def household(number: int, **fields) -> dict[str, str]:
    """Another invented household in Waalwijk: its own reference, person and address."""
    own = {
        "creditor_reference": f"RT-{number:03d}",
        "surname": f"Verzonnen{chr(ord('a') + number % 26)}",
        "given_name": "Kees",
        "initials": "K.",
        "house_number": str(200 + number),
    }
    return signal_row(**(own | fields))


def receive(creditor, **fields) -> Case:
    answer = deliver_rows(creditor, signal_row(email="jolien@example.org") | fields)
    assert codes_of(answer) == []
    reference = fields.get("creditor_reference", "WS-0001")
    return Signal.objects.get(creditor=creditor, creditor_reference=reference).case


def team_of(case: Case):
    return case.municipality.organisations.order_by("pk").first()


def reach(case: Case, *, reached: bool = True, note: str = "") -> None:
    attempt_record(
        actor=SYSTEM,
        case=case,
        organisation=team_of(case),
        channel="phone",
        attempted_at=datetime.now(tz=AMSTERDAM),
        reached=reached,
        note=note,
    )


def close(case: Case, outcome: str) -> Case:
    return case_close(actor=SYSTEM, case=case, organisation=team_of(case), outcome=outcome)


def refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def rows_of(*models) -> str:
    """Every stored value of these tables, as one text to search."""
    return "\n".join(repr(list(model.objects.values())) for model in models)


# --- the term ---------------------------------------------------------------------------------------


def test_a_case_closed_without_help_keeps_its_data_through_its_last_day_and_loses_it_the_day_after(creditors):
    case = receive(creditors.housing)
    reach(case, note="Mevrouw Voorbeeld belt terug")
    close(case, Case.Outcome.DECLINED)
    last_day = TODAY.date() + timedelta(days=TERM)

    with on(last_day, 23, 59):
        report = retention.retention_run()

    assert report.totals()["cases_erased"] == 0
    assert Signal.objects.filter(case=case).count() == 1
    assert ContactAttempt.objects.get(case=case).note == "Mevrouw Voorbeeld belt terug"
    assert refresh(case).erased_at is None

    with on(last_day + timedelta(days=1), 0, 1) as moment:
        report = retention.retention_run()

    [row] = report.municipalities
    assert (row.municipality, row.term_days, row.removed_before) == ("GM0867", TERM, date(2026, 3, 21))
    assert (row.term_after_help_days, row.removed_after_help_before) == (AFTER_HELP, date(2026, 2, 19))
    assert report.totals() == {
        "closed_without_contact": 0,
        "cases_erased": 1,
        "helped_cases_erased": 0,
        "signals_removed": 1,
        "notes_cleared": 1,
        "open_reached_without_activity": 0,
        "open_without_team": 0,
    }
    assert not Signal.objects.filter(case=case).exists()
    assert ContactAttempt.objects.get(case=case).note == ""
    erased = refresh(case)
    assert (erased.household_ref, erased.address_ref, erased.erased_at) == ("", "", moment)
    # What the case was stays: its tray, outcome and dates, for the monitor and the creditor.
    assert (erased.status, erased.outcome, erased.signal_count) == (Case.Status.CLOSED, Case.Outcome.DECLINED, 1)


@pytest.mark.parametrize(
    "outcome", [Case.Outcome.NO_CONTACT, Case.Outcome.SELF_RESOLVED, Case.Outcome.DECLINED], ids=str
)
def test_every_outcome_without_help_is_removed(creditors, outcome):
    case = receive(creditors.housing)
    if outcome != Case.Outcome.NO_CONTACT:
        reach(case)
    close(case, outcome)

    with on(TODAY.date() + timedelta(days=TERM + 1)):
        retention.retention_run()

    assert refresh(case).erased_at is not None
    assert SignalTombstone.objects.get().outcome == outcome


def test_a_case_joined_with_another_loses_its_pseudonyms_after_the_term_and_the_case_kept_stays(creditors):
    kept = receive(creditors.housing)
    joined = receive(creditors.energy, creditor_reference="EV-1", initials="", given_name="Lien")
    reach(kept)
    case_join(actor=SYSTEM, case=kept, other=joined, organisation=team_of(kept))

    with on(TODAY.date() + timedelta(days=TERM + 1)):
        report = retention.retention_run()

    assert report.totals()["cases_erased"] == 1
    erased = refresh(joined)
    assert (erased.household_ref, erased.address_ref, erased.outcome) == ("", "", Case.Outcome.JOINED)
    assert erased.erased_at is not None and erased.joined_into_id == kept.pk
    assert refresh(kept).erased_at is None and Signal.objects.filter(case=kept).count() == 2


@pytest.mark.parametrize("outcome", HELP_OUTCOMES, ids=str)
def test_a_case_in_which_help_was_accepted_keeps_its_data_through_the_term_after_help_and_loses_it_the_day_after(
    creditors, outcome
):
    case = receive(creditors.housing)
    reach(case, note="Afspraak gemaakt")
    close(case, outcome)
    last_day = TODAY.date() + timedelta(days=AFTER_HELP)

    # Past the retention term without help, and on the last day of the term after help: kept.
    for day, hour in ((TODAY.date() + timedelta(days=TERM + 1), 10), (last_day, 23)):
        with on(day, hour, 59):
            report = retention.retention_run()
        assert report.totals()["cases_erased"] == 0
        assert Signal.objects.filter(case=case).count() == 1
        assert ContactAttempt.objects.get(case=case).note == "Afspraak gemaakt"
        assert refresh(case).household_ref != ""
        assert not SignalTombstone.objects.exists()

    with on(last_day + timedelta(days=1), 0, 1) as moment:
        report = retention.retention_run()

    [row] = report.municipalities
    assert (row.term_after_help_days, row.removed_after_help_before) == (AFTER_HELP, date(2026, 3, 21))
    assert report.totals() == {
        "closed_without_contact": 0,
        "cases_erased": 1,
        "helped_cases_erased": 1,
        "signals_removed": 1,
        "notes_cleared": 1,
        "open_reached_without_activity": 0,
        "open_without_team": 0,
    }
    erased = refresh(case)
    assert (erased.household_ref, erased.address_ref, erased.erased_at) == ("", "", moment)
    assert (erased.status, erased.outcome) == (Case.Status.CLOSED, outcome)
    assert not Signal.objects.filter(case=case).exists()
    assert ContactAttempt.objects.get(case=case).note == ""
    assert SignalTombstone.objects.get().outcome == outcome


def test_a_term_after_help_shorter_than_the_retention_term_removes_helped_cases_first(creditors, settings):
    settings.EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS = 7
    helped = receive(creditors.housing, **household(1))
    reach(helped)
    close(helped, Case.Outcome.PAYMENT_ARRANGEMENT)
    declined = receive(creditors.housing, **household(2))
    reach(declined)
    close(declined, Case.Outcome.DECLINED)

    with on(TODAY.date() + timedelta(days=8)):
        report = retention.retention_run()

    assert (report.totals()["cases_erased"], report.totals()["helped_cases_erased"]) == (1, 1)
    assert refresh(helped).erased_at is not None
    assert refresh(declined).erased_at is None


# --- what stays ---------------------------------------------------------------------------------------


def test_a_tombstone_holds_ids_dates_and_the_outcome_and_no_personal_data_remains_anywhere(creditors, personas):
    case = receive(creditors.housing, bsn="111222333")
    second = receive(creditors.energy, creditor_reference="EN-77", signal_kind="end_of_supply")
    assert second.pk == case.pk
    household_ref, address_ref = case.household_ref, case.address_ref
    signals = {signal.creditor_reference: signal for signal in Signal.objects.filter(case=case)}
    resident_ref = signals["WS-0001"].resident_ref
    assert resident_ref
    reach(case, note="Jolien Voorbeeld, Verzonnenstraat 12: niet thuis")
    closed = close(case, Case.Outcome.SELF_RESOLVED)

    with on(TODAY.date() + timedelta(days=TERM + 1)) as moment:
        retention.retention_run()

    tombstones = {t.creditor_reference: t for t in SignalTombstone.objects.all()}
    assert sorted(tombstones) == ["EN-77", "WS-0001"]
    assert [field.name for field in SignalTombstone._meta.concrete_fields] == [
        "id",
        "ledger_entry",
        "ledger_position",
        "signal_uuid",
        "case_uuid",
        "delivery_uuid",
        "municipality",
        "creditor",
        "creditor_reference",
        "kind",
        "signal_date",
        "received_at",
        "case_closed_at",
        "outcome",
        "reason",
        "removed_at",
        "withdrawn_at",
        "withdrawal_reason",
    ]
    for reference, creditor, kind in (
        ("WS-0001", creditors.housing, "arrears"),
        ("EN-77", creditors.energy, "end_of_supply"),
    ):
        signal, tombstone = signals[reference], tombstones[reference]
        stored = SignalTombstone.objects.filter(pk=tombstone.pk).values().get()
        assert stored == {
            "id": tombstone.pk,
            "signal_uuid": signal.uuid,
            "case_uuid": case.uuid,
            "delivery_uuid": signal.delivery.uuid,
            "municipality_id": case.municipality_id,
            "creditor_id": creditor.pk,
            "creditor_reference": reference,
            "kind": kind,
            "signal_date": date(2026, 3, 16),
            "received_at": signal.received_at,
            "case_closed_at": closed.closed_at,
            "outcome": Case.Outcome.SELF_RESOLVED,
            "reason": SignalTombstone.Reason.RETENTION,
            # Where the shared log holds the signal: the creditor can still prove it was received.
            "ledger_entry_id": signal.ledger_entry_id,
            "ledger_position": signal.ledger_position,
            "removed_at": moment,
            # Neither signal was withdrawn by its creditor.
            "withdrawn_at": None,
            "withdrawal_reason": "",
        }
        assert signal.ledger_entry_id is not None

    assert not Signal.objects.filter(case=case).exists()
    stored = rows_of(Signal, SignalTombstone, Case, ContactAttempt, AuditEvent)
    for value in PERSONAL_VALUES:
        assert value not in stored, value
    # The case and its tombstones no longer carry a pseudonym; the audit log keeps its own records
    # of who saw the data, under the audit log's retention.
    assert household_ref not in rows_of(Case, SignalTombstone, ContactAttempt)
    assert address_ref not in rows_of(Case, SignalTombstone, ContactAttempt, AuditEvent)
    assert resident_ref not in rows_of(Case, SignalTombstone, ContactAttempt)
    # The shared log never held them.
    leaves = b"".join(bytes(leaf) for leaf in Entry.objects.values_list("leaf", flat=True))
    leaves += b"".join(bytes(items) for items in Batch.objects.values_list("items", flat=True))
    for value in PERSONAL_VALUES:
        assert value.encode() not in leaves


def test_the_removal_is_audited_per_case_with_counts_only(creditors):
    case = receive(creditors.housing)
    reach(case, note="Voorbeeld niet bereikt")
    close(case, Case.Outcome.DECLINED)

    with on(TODAY.date() + timedelta(days=TERM + 1)):
        retention.retention_run()

    event = AuditEvent.objects.get(action=retention.ERASE_ACTION)
    assert (event.actor_label, event.object_type, event.object_id) == (
        "system:early_signals_retention",
        "early_signals.case",
        str(case.pk),
    )
    assert (event.municipality_id, event.subject_ref, event.reason) == (
        case.municipality_id,
        "",
        "retention term passed",
    )
    assert event.details == {
        "term": "without_help",
        "term_days": TERM,
        "outcome": "declined",
        "signals": 1,
        "notes_cleared": 1,
    }


def test_a_helped_case_leaves_the_same_tombstone_and_record_and_the_creditor_still_hears_help_was_accepted(
    creditors,
):
    case = receive(creditors.housing, bsn="111222333")
    signal = Signal.objects.get(case=case)
    household_ref, resident_ref = case.household_ref, signal.resident_ref
    reach(case, note="Jolien Voorbeeld: afspraak bij de schuldhulp")
    closed = close(case, Case.Outcome.REFERRED_DEBT_HELP)
    entries = Entry.objects.count()

    with on(TODAY.date() + timedelta(days=AFTER_HELP + 1)) as moment:
        retention.retention_run()
        answer = client_of(creditors.housing).get(FEEDBACK_URL)

    assert SignalTombstone.objects.filter(signal_uuid=signal.uuid).values(
        "case_uuid", "creditor_reference", "case_closed_at", "outcome", "reason", "ledger_entry_id", "removed_at"
    ).get() == {
        "case_uuid": case.uuid,
        "creditor_reference": "WS-0001",
        "case_closed_at": closed.closed_at,
        "outcome": Case.Outcome.REFERRED_DEBT_HELP,
        "reason": SignalTombstone.Reason.RETENTION,
        "ledger_entry_id": signal.ledger_entry_id,
        "removed_at": moment,
    }
    stored = rows_of(Signal, SignalTombstone, Case, ContactAttempt, AuditEvent)
    for value in PERSONAL_VALUES:
        assert value not in stored, value
    assert household_ref not in rows_of(Case, SignalTombstone, ContactAttempt)
    assert resident_ref not in rows_of(Case, SignalTombstone, ContactAttempt)
    event = AuditEvent.objects.get(action=retention.ERASE_ACTION)
    assert (event.actor_label, event.object_id, event.subject_ref, event.reason) == (
        "system:early_signals_retention",
        str(case.pk),
        "",
        "retention term after help passed",
    )
    assert event.details == {
        "term": "after_help",
        "term_days": AFTER_HELP,
        "outcome": "referred_debt_help",
        "signals": 1,
        "notes_cleared": 1,
    }
    # Nothing new in the shared log: the closing is already there, and a removal holds nothing to log.
    assert Entry.objects.count() == entries
    assert answer.status_code == 200
    [item] = answer.json()["results"]
    assert (item["creditor_reference"], item["status"], item["help_accepted"], item["closed_on"]) == (
        "WS-0001",
        "closed",
        "yes",
        "2026-03-20",
    )


def test_an_officer_still_opens_a_removed_case_and_sees_no_personal_data_and_no_read_is_recorded(creditors, personas):
    case = receive(creditors.housing)
    close(case, Case.Outcome.NO_CONTACT)
    with on(TODAY.date() + timedelta(days=TERM + 1)):
        retention.retention_run()
    actor = actor_for(personas["ww_early_signals"])
    reads = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).count()

    detail = case_detail(actor=actor, case_id=case.uuid, purpose="checking the removal")

    assert detail.signals == ()
    assert detail.case.outcome == Case.Outcome.NO_CONTACT
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).count() == reads


def test_the_case_page_of_a_removed_case_opens_without_personal_data(creditors, personas):
    case = receive(creditors.housing)
    reach(case, note="Voorbeeld belt terug")
    close(case, Case.Outcome.DECLINED)

    with on(TODAY.date() + timedelta(days=TERM + 1)):
        retention.retention_run()
        client = log_in(Client(), personas["ww_early_signals"])
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
        page = client.get(reverse("workspace:early-signals-case", args=[case.uuid]))
        letter = client.get(reverse("workspace:early-signals-letter", args=[case.uuid]))

    assert page.status_code == 200
    text = page.content.decode()
    for value in PERSONAL_VALUES:
        assert value not in text, value
    assert letter.status_code == 404


def test_a_creditor_that_sends_a_removed_reference_again_is_told_why_it_is_refused(creditors):
    case = receive(creditors.housing)
    close(case, Case.Outcome.NO_CONTACT)

    with on(TODAY.date() + timedelta(days=TERM + 1)):
        retention.retention_run()
        again = deliver_rows(creditors.housing, signal_row(signal_date="2026-04-01"))

    # Row 2: the first row under the header.
    assert codes_of(again) == [("error", 2, "creditor_reference", "reference_removed")]
    assert "was received on 2026-03-20 and its data has been removed" in again.all_problems()[0].message
    assert again.receipt.refused == 1
    assert not Signal.objects.exists()


def test_a_removed_reference_is_refused_also_among_other_rows_written_together(creditors):
    case = receive(creditors.housing)
    close(case, Case.Outcome.NO_CONTACT)

    with on(TODAY.date() + timedelta(days=TERM + 1)):
        retention.retention_run()
        again = deliver_rows(creditors.housing, household(1), signal_row(), household(2))

    assert codes_of(again) == [("error", 3, "creditor_reference", "reference_removed")]
    assert (again.receipt.accepted, again.receipt.refused) == (2, 1)
    assert sorted(Signal.objects.values_list("creditor_reference", flat=True)) == ["RT-001", "RT-002"]


# --- open cases ------------------------------------------------------------------------------------------


def test_an_open_case_nobody_reached_is_closed_as_no_contact_and_removed_once_its_last_signal_is_past_the_term(
    creditors, personas, world
):
    case = receive(creditors.housing)
    reach(case, reached=False, note="Brief aan mevrouw Voorbeeld")
    later = TODAY.date() + timedelta(days=10)
    with on(later):
        joined = receive(creditors.energy, creditor_reference="EN-1", signal_date=later.isoformat())
    assert joined.pk == case.pk
    entries = Entry.objects.filter(kind="signal.case_closed").count()

    with on(TODAY.date() + timedelta(days=TERM + 1)):
        report = retention.retention_run()

    assert report.totals()["cases_erased"] == 0
    assert refresh(case).status == Case.Status.TO_CONTACT

    with on(later + timedelta(days=TERM + 1), 2, 30) as moment:
        report = retention.retention_run()

    assert report.totals() == {
        "closed_without_contact": 1,
        "cases_erased": 1,
        "helped_cases_erased": 0,
        "signals_removed": 2,
        "notes_cleared": 1,
        "open_reached_without_activity": 0,
        "open_without_team": 0,
    }
    erased = refresh(case)
    assert (erased.status, erased.outcome, erased.closed_at, erased.erased_at) == (
        Case.Status.CLOSED,
        Case.Outcome.NO_CONTACT,
        moment,
        moment,
    )
    # The closing went to the shared log like any other, signed by the officers' organisation.
    closings = Entry.objects.filter(kind="signal.case_closed")
    assert closings.count() == entries + 1
    assert closings.order_by("-pk").first().acting_organisation_id == world.ww_team.pk
    close_event = AuditEvent.objects.get(action="early_signals.case.close")
    assert close_event.actor_label == "system:early_signals_retention"
    assert {t.outcome for t in SignalTombstone.objects.all()} == {Case.Outcome.NO_CONTACT}
    assert {t.case_closed_at for t in SignalTombstone.objects.all()} == {moment}


def test_an_open_case_in_which_the_household_was_reached_is_kept_and_counted_once_without_activity_past_the_term(
    creditors,
):
    case = receive(creditors.housing)
    reach(case)

    with on(TODAY.date() + timedelta(days=TERM), 23, 59):
        report = retention.retention_run()
    assert report.totals()["open_reached_without_activity"] == 0

    with on(TODAY.date() + timedelta(days=TERM + 1), 0, 1):
        report = retention.retention_run()

    assert report.totals()["open_reached_without_activity"] == 1
    assert report.totals()["cases_erased"] == 0
    assert refresh(case).status == Case.Status.CONTACTED
    assert Signal.objects.filter(case=case).exists()
    assert not AuditEvent.objects.filter(action="early_signals.case.close").exists()


def move(case: Case, status: str) -> None:
    case_move(actor=SYSTEM, case=case, organisation=team_of(case), status=status)


@pytest.mark.parametrize(
    "activity",
    [
        pytest.param(lambda case, creditors: reach(case, reached=False), id="an attempt"),
        pytest.param(lambda case, creditors: move(case, Case.Status.IN_HELP), id="a move"),
        pytest.param(
            lambda case, creditors: receive(creditors.energy, creditor_reference="EN-9", signal_date="2026-04-09"),
            id="a signal",
        ),
    ],
)
def test_any_activity_starts_the_count_of_days_without_activity_again(creditors, activity):
    case = receive(creditors.housing)
    reach(case)
    with on(TODAY.date() + timedelta(days=20)):
        activity(case, creditors)
    assert refresh(case).status != Case.Status.CLOSED

    with on(TODAY.date() + timedelta(days=TERM + 1)):
        before = retention.retention_run()
    with on(TODAY.date() + timedelta(days=20 + TERM), 23, 59):
        last_day = retention.retention_run()
    with on(TODAY.date() + timedelta(days=20 + TERM + 1)):
        after = retention.retention_run()

    assert [report.totals()["open_reached_without_activity"] for report in (before, last_day, after)] == [0, 0, 1]
    assert refresh(case).erased_at is None


def test_without_a_team_to_sign_the_closing_an_open_case_is_kept_and_counted(creditors):
    elsewhere = MunicipalityFactory(code="GM0001", name="Nergenshuizen", slug="nergenshuizen")
    CreditorAgreement.objects.create(organisation=creditors.housing, municipality=elsewhere)
    case = receive(creditors.housing, municipality="GM0001")

    with on(TODAY.date() + timedelta(days=TERM + 1)):
        report = retention.retention_run()

    assert [(row.municipality, row.open_without_team, row.cases_erased) for row in report.municipalities] == [
        ("GM0001", 1, 0)
    ]
    assert refresh(case).status == Case.Status.NEW
    assert Signal.objects.filter(case=case).exists()


# --- per municipality ---------------------------------------------------------------------------------


def test_a_municipality_s_own_term_after_help_overrides_the_installation_s(creditors, world):
    MunicipalitySettings.objects.update_or_create(
        municipality=world.waalwijk, defaults={"retention_after_help_days": 100}
    )
    in_waalwijk = receive(creditors.housing)
    in_meerssen = receive(
        creditors.water, municipality="GM0938", creditor_reference="WB-1", postcode="6231 AB", city="Meerssen"
    )
    for case in (in_waalwijk, in_meerssen):
        reach(case)
        close(case, Case.Outcome.REFERRED_DEBT_HELP)

    with on(TODAY.date() + timedelta(days=AFTER_HELP + 1)):
        report = retention.retention_run()

    assert [
        (row.municipality, row.term_days, row.term_after_help_days, row.helped_cases_erased)
        for row in report.municipalities
    ] == [("GM0867", TERM, 100, 0), ("GM0938", TERM, AFTER_HELP, 1)]
    assert refresh(in_waalwijk).erased_at is None
    assert refresh(in_meerssen).erased_at is not None

    with on(TODAY.date() + timedelta(days=101)):
        report = retention.retention_run()

    assert [(row.municipality, row.helped_cases_erased) for row in report.municipalities] == [("GM0867", 1)]
    assert refresh(in_waalwijk).erased_at is not None


def test_a_municipality_s_own_term_overrides_the_installation_s(creditors, world):
    MunicipalitySettings.objects.update_or_create(municipality=world.waalwijk, defaults={"retention_days": 10})
    in_waalwijk = receive(creditors.housing)
    in_meerssen = receive(
        creditors.water, municipality="GM0938", creditor_reference="WB-1", postcode="6231 AB", city="Meerssen"
    )
    close(in_waalwijk, Case.Outcome.NO_CONTACT)
    close(in_meerssen, Case.Outcome.NO_CONTACT)

    with on(TODAY.date() + timedelta(days=11)):
        report = retention.retention_run()

    assert [(row.municipality, row.term_days, row.cases_erased) for row in report.municipalities] == [
        ("GM0867", 10, 1),
        ("GM0938", TERM, 0),
    ]
    assert refresh(in_waalwijk).erased_at is not None
    assert refresh(in_meerssen).erased_at is None

    with on(TODAY.date() + timedelta(days=TERM + 1)):
        report = retention.retention_run()

    assert [(row.municipality, row.cases_erased) for row in report.municipalities] == [("GM0938", 1)]
    assert refresh(in_meerssen).erased_at is not None


# --- dry run, again, at scale ---------------------------------------------------------------------------


def snapshot() -> tuple[object, ...]:
    return (
        list(Case.objects.order_by("pk").values()),
        list(Signal.objects.order_by("pk").values_list("pk", flat=True)),
        list(ContactAttempt.objects.order_by("pk").values()),
        SignalTombstone.objects.count(),
        AuditEvent.objects.count(),
        Entry.objects.count(),
    )


def some_cases(creditors) -> None:
    """A declined case, a helped case, an open case nobody reached and one that was reached."""
    declined = receive(creditors.housing, **household(1))
    reach(declined, note="Voorbeeld wil niet")
    close(declined, Case.Outcome.DECLINED)
    helped = receive(creditors.housing, **household(2))
    reach(helped)
    close(helped, Case.Outcome.REFERRED_DEBT_HELP)
    receive(creditors.housing, **household(3))
    reach(receive(creditors.housing, **household(4)))


def test_a_dry_run_counts_what_a_run_does_and_changes_nothing(creditors):
    some_cases(creditors)
    before = snapshot()

    with on(TODAY.date() + timedelta(days=TERM + 1)):
        dry = retention.retention_run(dry_run=True)
        assert snapshot() == before
        done = retention.retention_run()

    assert dry.dry_run and not done.dry_run
    assert (
        dry.totals()
        == done.totals()
        == {
            "closed_without_contact": 1,
            "cases_erased": 2,
            "helped_cases_erased": 0,
            "signals_removed": 2,
            "notes_cleared": 1,
            "open_reached_without_activity": 1,
            "open_without_team": 0,
        }
    )


def test_a_dry_run_after_both_terms_counts_the_helped_cases_too_and_changes_nothing(creditors):
    some_cases(creditors)
    before = snapshot()

    with on(TODAY.date() + timedelta(days=AFTER_HELP + 1)):
        dry = retention.retention_run(dry_run=True)
        assert snapshot() == before
        done = retention.retention_run()

    assert (
        dry.totals()
        == done.totals()
        == {
            "closed_without_contact": 1,
            "cases_erased": 3,
            "helped_cases_erased": 1,
            "signals_removed": 3,
            "notes_cleared": 1,
            "open_reached_without_activity": 1,
            "open_without_team": 0,
        }
    )


@pytest.mark.parametrize("days", [TERM + 1, AFTER_HELP + 1], ids=["past the retention term", "past both terms"])
def test_a_second_run_finds_nothing_to_do(creditors, days):
    some_cases(creditors)

    with on(TODAY.date() + timedelta(days=days)):
        first = retention.retention_run()
        after_first = snapshot()
        again = retention.retention_run()

    assert first.totals()["cases_erased"] == (2 if days == TERM + 1 else 3)
    # The open case in which the household was reached is counted again: it still waits on the team.
    assert again.totals() == dict.fromkeys(retention.COUNTS, 0) | {"open_reached_without_activity": 1}
    assert snapshot() == after_first


def test_cases_are_removed_in_batches_with_as_many_queries_however_many_signals(creditors, monkeypatch):
    monkeypatch.setattr(retention, "BATCH_CASES", 2)

    def run_for(signals_per_case: int, first: int) -> int:
        for number in range(first, first + 3):
            for extra in range(signals_per_case):
                case = receive(creditors.housing, **household(number, creditor_reference=f"RT-{number:03d}-{extra}"))
            close(case, Case.Outcome.NO_CONTACT)
        with on(TODAY.date() + timedelta(days=TERM + 1)), CaptureQueriesContext(connection) as queries:
            report = retention.retention_run()
        assert report.totals()["cases_erased"] == 3
        assert report.totals()["signals_removed"] == 3 * signals_per_case
        return len(queries)

    assert run_for(1, first=1) == run_for(4, first=10)
    assert not Signal.objects.exists()


# --- command and task --------------------------------------------------------------------------------------


def test_the_command_prints_counts_only(creditors):
    some_cases(creditors)
    out = StringIO()

    with on(TODAY.date() + timedelta(days=TERM + 1)):
        call_command("early_signals_retention", "--dry-run", stdout=out)
        dry = out.getvalue()
        out = StringIO()
        call_command("early_signals_retention", stdout=out)
        done = out.getvalue()

    assert "(dry run: nothing changed)" in dry
    assert (
        "GM0867: term 30 days, after help 60 days; the data of cases closed without help before 2026-03-21 "
        "and with help accepted before 2026-02-19 is removed"
    ) in done
    assert "  cases whose personal data was removed: 2" in done
    assert "    of which closed with help accepted: 0" in done
    assert "  signals replaced by a tombstone: 2" in done
    assert (
        "  kept: open cases in which the household was reached, without activity for longer than the term: 1"
    ) in done
    for value in (*PERSONAL_VALUES, "Verzonnen", "RT-00"):
        assert value not in dry + done
    assert SignalTombstone.objects.count() == 2


def test_the_task_runs_the_same_retention(creditors):
    some_cases(creditors)

    with on(TODAY.date() + timedelta(days=TERM + 1)):
        result = apply_retention.enqueue()

    assert result.return_value == {
        "closed_without_contact": 1,
        "cases_erased": 2,
        "helped_cases_erased": 0,
        "signals_removed": 2,
        "notes_cleared": 1,
        "open_reached_without_activity": 1,
        "open_without_team": 0,
    }
    assert SignalTombstone.objects.count() == 2


def test_the_closing_nobody_made_is_signed_by_the_officers_organisation_else_by_the_team(world):
    """``signing_team``: the organisation of the municipality's early-signalling officers (the
    first of several), else its municipality team; an officer or a team of another municipality,
    or another role, does not count."""
    assert retention.signing_team(world.waalwijk) == world.ww_team
    MembershipFactory(organisation=world.ww_foodbank, municipality=world.waalwijk, role=Role.CASEWORKER)
    MembershipFactory(organisation=world.ms_team, municipality=world.meerssen, role=Role.EARLY_SIGNALS_OFFICER)
    assert retention.signing_team(world.waalwijk) == world.ww_team
    bureau = OrganisationFactory(kind=Organisation.Kind.DEBT_HELP, municipalities=[world.waalwijk])
    later = OrganisationFactory(kind=Organisation.Kind.DEBT_HELP, municipalities=[world.waalwijk])
    for organisation in (later, bureau, bureau):
        MembershipFactory(organisation=organisation, municipality=world.waalwijk, role=Role.EARLY_SIGNALS_OFFICER)
    assert retention.signing_team(world.waalwijk) == bureau
    nowhere = MunicipalityFactory(code="GM0001", name="Nergens", slug="nergens")
    assert retention.signing_team(nowhere) is None


@pytest.mark.django_db(transaction=True)
@CONCURRENT
def test_a_case_past_its_term_that_a_join_gives_a_new_signal_meanwhile_is_not_closed(creditors, monkeypatch):
    """The retention run waits for the lock on a case past its term while the team joins a case
    with a fresh signal into it: once it has the lock, it sees the fresh signal and leaves the case."""
    with on(TODAY.date() - timedelta(days=TERM + 5)):
        old = receive(creditors.housing, reminder_date="2026-01-30", signal_date="2026-02-12")
    fresh = receive(creditors.energy, creditor_reference="EV-1", initials="", given_name="Lien")
    joining = threading.Event()
    count_joined = services._count_joined

    def slowly(*args, **kwargs) -> None:
        count_joined(*args, **kwargs)
        joining.set()
        time.sleep(1)  # the join holds the lock on the old case, its signals moved, not yet committed

    monkeypatch.setattr(services, "_count_joined", slowly)

    def run_after_the_join_began():
        assert joining.wait(timeout=30)
        return retention.retention_run()

    _joined, report = at_once(
        lambda: services.case_join(actor=SYSTEM, case=old, other=fresh, organisation=team_of(old)),
        run_after_the_join_began,
    )

    assert report.totals()["closed_without_contact"] == 0
    kept = refresh(old)
    assert (kept.status, kept.erased_at, kept.signal_count) == (Case.Status.NEW, None, 2)
    assert Signal.objects.filter(case=kept).count() == 2
