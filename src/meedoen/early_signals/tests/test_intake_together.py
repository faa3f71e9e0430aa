"""A chunk of signals is written together: a statement per table instead of several per row. The
outcome is the same as writing the rows one by one (answers, cases, links, counts, deadlines,
districts, log entries, audit records); a chunk that fails to write together is written row by row,
so one row's conflict never stops the others and no row is half-written; and the number of queries
no longer grows with the number of rows."""

from __future__ import annotations

import gc
import hashlib
import json
import threading
import uuid
from dataclasses import asdict
from datetime import date

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext
from hypothesis import given, settings
from hypothesis import strategies as st

from meedoen.areas.models import Area, PostcodeArea
from meedoen.areas.selectors import area_of_postcode, postcode_table
from meedoen.core.access import Actor, Grant, Role
from meedoen.core.audit import AuditOutsideTransactionError, Change, record_change, record_changes
from meedoen.core.models import AuditEvent
from meedoen.early_signals import services
from meedoen.early_signals.formats import RawRow
from meedoen.early_signals.linking import address_key, address_ref
from meedoen.early_signals.models import Case, Delivery, Signal, SignalTombstone
from meedoen.early_signals.rows import REFERENCE_LENGTH, check_row
from meedoen.early_signals.services import case_close
from meedoen.early_signals.tests.factories import (
    csv_bytes,
    deliver_file,
    deliver_rows,
    signal_row,
    signals_in_log,
    unanswered_letter,
)
from meedoen.ledger.models import Entry

pytestmark = pytest.mark.django_db

ALWAYS_TOGETHER = 1
NEVER_TOGETHER = 10**9


@pytest.fixture
def postcodes(world):
    """Postcode areas of Waalwijk: 5141 and 5142 in two districts, one street of 5141 in a third."""
    top = Area.objects.get(code="GM0867")
    districts = {area.code: area for area in Area.objects.filter(parent=top)}
    for prefix, district in (("5141", "WK086700"), ("5142", "WK086701"), ("5141ZX", "WK086702")):
        PostcodeArea.objects.create(municipality=top, prefix=prefix, area=districts[district])


PEOPLE = {
    "jolien": {},
    # another person at Jolien's address
    "kees": {"initials": "K.", "given_name": "Kees", "surname_prefix": "", "surname": "Verzonnen",
             "date_of_birth": "1971-11-02"},
    "pieter": {"initials": "P.", "given_name": "Pieter", "surname_prefix": "de", "surname": "Boer",
               "date_of_birth": "1960-05-05", "street": "Bedachtstraat", "house_number": "3", "postcode": "5142 AB"},
    "ans": {"initials": "A.", "given_name": "Ans", "surname_prefix": "", "surname": "Denkbeeld",
            "date_of_birth": "1990-09-09", "street": "Ontwerppad", "house_number": "40", "postcode": "5143 CD"},
    "wim": {"initials": "W.", "given_name": "Wim", "surname_prefix": "ter", "surname": "Brugge",
            "date_of_birth": "1955-01-31", "street": "Schetsweg", "house_number": "8", "house_number_addition": "B",
            "postcode": "5144 EF"},
}  # fmt: skip


def about(person: str, **fields: str) -> dict[str, str]:
    return signal_row(**{**PEOPLE[person], **fields})


def jolien(**fields):
    return about("jolien", **fields)


def kees(**fields):
    return about("kees", **fields)


def pieter(**fields):
    return about("pieter", **fields)


def ans(**fields):
    return about("ans", **fields)


def wim(**fields):
    return about("wim", **fields)


def first_delivery():
    return [
        jolien(),
        kees(creditor_reference="WS-0002"),
        jolien(creditor_reference="WS-0003", surname="Voorbeelt", signal_kind="threat"),
        pieter(creditor_reference="WS-0004", bsn="111222333"),
        pieter(creditor_reference="WS-0005", bsn="123456782"),
        jolien(creditor_reference="WS-0006", date_of_birth="1984-02-30"),
        jolien(),
        jolien(creditor_reference="WS-0008", house_number_addition="A"),
        jolien(creditor_reference="WS-0009", initials="", surname_prefix="", surname="van Voorbeeld"),
        wim(creditor_reference="WS-0010", signal_kind="end_of_supply"),
    ]


def second_delivery():
    return [
        jolien(creditor_reference="EV-1", postcode="5141zx", signal_kind="arrears"),
        pieter(creditor_reference="EV-2", bsn="111222333", surname="Boër"),
        ans(creditor_reference="EV-3"),
        wim(creditor_reference="EV-4", house_number="8b", house_number_addition=""),
    ]


def third_delivery():
    rows = first_delivery()
    rows[3] = pieter(creditor_reference="WS-0004", bsn="111222333", arrears_amount="999.00")
    return [*rows, ans(creditor_reference="WS-0011"), jolien(creditor_reference="WS-0099")]


def officer(world) -> Actor:
    return Actor(
        user_id=99,
        label="ww-vroeg",
        grants=frozenset({Grant(world.waalwijk.pk, world.ww_team.pk, Role.EARLY_SIGNALS_OFFICER)}),
        second_factor=True,
    )


def run_scenario(world, creditors):
    """Three deliveries (the third repeats the first, reuses a reference, names a removed one and a
    household whose case was closed): what was answered and stored, without keys or random ids."""
    SignalTombstone.objects.create(
        signal_uuid=uuid.uuid4(),
        case_uuid=uuid.uuid4(),
        delivery_uuid=uuid.uuid4(),
        municipality=world.waalwijk,
        creditor=creditors.housing,
        creditor_reference="WS-0099",
        kind="arrears",
        signal_date=date(2025, 1, 6),
        received_at=timezone.now(),
        reason=SignalTombstone.Reason.RETENTION,
    )
    answers = [deliver_rows(creditors.housing, *first_delivery()), deliver_rows(creditors.energy, *second_delivery())]
    ans_case = Case.objects.get(signals__creditor_reference="EV-3")
    unanswered_letter(ans_case, world.ww_team)
    case_close(actor=officer(world), case=ans_case, organisation=world.ww_team, outcome=Case.Outcome.NO_CONTACT)
    answers.append(deliver_rows(creditors.housing, *third_delivery()))
    return snapshot(answers)


def snapshot(answers):
    signals = {signal.pk: signal for signal in Signal.objects.select_related("creditor", "case")}
    reference = {pk: (signal.creditor.slug, signal.creditor_reference) for pk, signal in signals.items()}
    cases = []
    for case in Case.objects.select_related("district").order_by("pk"):
        cases.append(
            (
                tuple(sorted(reference[s.pk] for s in signals.values() if s.case_id == case.pk)),
                case.status,
                case.signal_count,
                case.creditor_count,
                case.priority,
                case.threatening,
                case.first_offer_due,
                case.district.code if case.district else None,
                case.household_ref,
                case.address_ref,
            )
        )
    stored_signals = sorted(
        (
            reference[signal.pk],
            signal.content_sha256,
            signal.kind,
            signal.surname,
            signal.postcode,
            signal.house_number_addition,
            signal.resident_ref,
            str(signal.arrears_amount),
        )
        for signal in signals.values()
    )
    entries = [
        (
            entry.kind,
            entry.acting_organisation_id,
            {k: v for k, v in json.loads(bytes(entry.leaf)).items() if k != "signature"},
            bytes(entry.batch.items) if hasattr(entry, "batch") else None,
        )
        for entry in Entry.objects.select_related("batch").order_by("pk")
    ]
    # Each signal's place in the log: which of the entries above (in order) and where in its batch.
    order = {pk: number for number, pk in enumerate(Entry.objects.order_by("pk").values_list("pk", flat=True))}
    entries.extend(
        sorted(
            (reference[signal.pk], order[signal.ledger_entry_id], signal.ledger_position) for signal in signals.values()
        )
    )
    audit = sorted(
        (
            reference[int(event.object_id)],
            event.action,
            event.actor_label,
            event.municipality_id,
            event.organisation_id,
            event.object_type,
            event.subject_ref,
            event.details["linked"],
        )
        for event in AuditEvent.objects.filter(action="early_signals.signal.receive")
    )
    answered = [
        (
            [(row.row, row.creditor_reference, row.outcome, [problem.as_dict() for problem in row.problems])
             for row in answer.rows],
            {k: v for k, v in answer.receipt.as_dict().items() if k not in ("delivery", "received_at")},
        )
        for answer in answers
    ]  # fmt: skip
    return {"cases": cases, "signals": stored_signals, "entries": entries, "audit": audit, "answers": answered}


def in_a_rolled_back_transaction(work):
    with transaction.atomic():
        result = work()
        transaction.set_rollback(True)
    return result


def test_writing_together_stores_and_answers_exactly_what_writing_row_by_row_does(
    world, creditors, postcodes, monkeypatch
):
    monkeypatch.setattr(services, "TOGETHER_FROM", NEVER_TOGETHER)
    one_by_one = in_a_rolled_back_transaction(lambda: run_scenario(world, creditors))
    monkeypatch.setattr(services, "TOGETHER_FROM", ALWAYS_TOGETHER)
    together = in_a_rolled_back_transaction(lambda: run_scenario(world, creditors))

    for part in ("answers", "cases", "signals", "entries", "audit"):
        assert together[part] == one_by_one[part], part


def test_the_scenario_links_as_the_format_says(world, creditors, postcodes, monkeypatch):
    """What the comparison above compares: the scenario exercises every way of linking."""
    monkeypatch.setattr(services, "TOGETHER_FROM", ALWAYS_TOGETHER)
    result = run_scenario(world, creditors)
    by_signals = {case[0]: case for case in result["cases"]}
    jolien_case = by_signals[
        (
            ("energie-verzonnen", "EV-1"),
            ("woonstichting-langstraat", "WS-0001"),
            ("woonstichting-langstraat", "WS-0003"),
            ("woonstichting-langstraat", "WS-0009"),
        )
    ]
    # Three signals of the housing corporation and one of the energy supplier: 1 + 2 + 2 + 5.
    assert jolien_case[1:8] == ("new", 4, 2, 10, True, date(2026, 3, 25), "WK086702")
    assert (("woonstichting-langstraat", "WS-0002"),) in by_signals  # Kees: the same address, another person
    assert (("woonstichting-langstraat", "WS-0008"),) in by_signals  # the same name, another dwelling
    assert (("energie-verzonnen", "EV-2"), ("woonstichting-langstraat", "WS-0004")) in by_signals  # one BSN
    assert (("woonstichting-langstraat", "WS-0005"),) in by_signals  # another BSN: another person
    assert by_signals[(("energie-verzonnen", "EV-3"),)][1] == "closed"
    assert by_signals[(("woonstichting-langstraat", "WS-0011"),)][1] == "new"  # after the case was closed
    wim_case = by_signals[(("energie-verzonnen", "EV-4"), ("woonstichting-langstraat", "WS-0010"))]
    assert wim_case[7] is None  # no district is known for 5144
    assert by_signals[(("woonstichting-langstraat", "WS-0005"),)][7] == "WK086701"
    third = result["answers"][2][0]
    outcomes = {}
    for _, reference, outcome, problems in third:
        outcomes.setdefault(reference, (outcome, [p["code"] for p in problems]))
    assert third[6][2:] == ("duplicate", [third[6][3][0]]) and third[6][3][0]["code"] == "duplicate_in_delivery"
    assert outcomes["WS-0001"] == ("duplicate", ["duplicate"])
    assert outcomes["WS-0004"] == ("refused", ["reference_reused"])
    assert outcomes["WS-0099"] == ("refused", ["reference_removed"])
    assert outcomes["WS-0006"] == ("refused", ["impossible_date"])
    assert outcomes["WS-0011"] == ("accepted", ["postcode_elsewhere"])  # 5143: not in the table above
    linked = {reference: linked for reference, *_, linked in result["audit"]}
    assert linked[("woonstichting-langstraat", "WS-0001")] is False
    assert linked[("woonstichting-langstraat", "WS-0003")] is True  # joined the case WS-0001 opened in its chunk
    assert linked[("energie-verzonnen", "EV-1")] is True


def households(count: int, start: int = 0) -> list[dict[str, str]]:
    return [
        signal_row(creditor_reference=f"WS-{start + n:05d}", house_number=str(1 + n), postcode=f"51{41 + n % 6} AB")
        for n in range(count)
    ]


def test_the_queries_of_a_chunk_do_not_grow_with_its_rows(creditors, postcodes):
    deliver_rows(creditors.housing, *households(3, start=90_000))  # the log and settings exist from now on
    with CaptureQueriesContext(connection) as few:
        deliver_file(creditors.housing, csv_bytes(households(10)))
    with CaptureQueriesContext(connection) as many:
        deliver_file(creditors.housing, csv_bytes(households(400, start=1_000)))

    assert Signal.objects.count() == 413
    # One by one, each row took a dozen queries. PostgreSQL writes each table with one COPY;
    # SQLite takes an INSERT per few dozen rows (it binds at most 999 values per statement).
    assert len(few.captured_queries) < 40
    assert len(many.captured_queries) < len(few.captured_queries) + 400 / 10
    if connection.vendor == "postgresql":
        assert len(many.captured_queries) == len(few.captured_queries)


def test_rows_read_ahead_while_a_chunk_commits_are_answered_as_rows_read_in_turn(creditors, postcodes, monkeypatch):
    """The next chunk's rows are read in a helper thread while the current chunk commits: with
    the same answers as rows read one after the other, in the language of the delivery (English
    here, where the installation's language is Dutch)."""
    rows = [
        signal_row(creditor_reference=f"WS-{n:04d}", house_number=str(n), postcode="51411" if n % 3 else "5141 ZX")
        for n in range(1, 12)
    ]
    readers = []
    real_check_row = services.check_row

    def check_row_noting_the_thread(*args, **kwargs):
        readers.append(threading.current_thread().name)
        return real_check_row(*args, **kwargs)

    monkeypatch.setattr(services, "check_row", check_row_noting_the_thread)

    def answers(chunk_rows):
        monkeypatch.setattr(services, "CHUNK_ROWS", chunk_rows)
        readers.clear()
        return in_a_rolled_back_transaction(lambda: deliver_rows(creditors.housing, *rows).as_dict()["rows"])

    in_turn = answers(len(rows))
    assert not any(name.startswith("early-signals-read") for name in readers)
    ahead = answers(3)
    assert sum(name.startswith("early-signals-read") for name in readers) == 8  # every chunk but the first

    assert ahead == in_turn
    assert [row["outcome"] for row in ahead] == ["refused", "refused", "accepted"] * 3 + ["refused", "refused"]
    message = "“%(value)s” is not a Dutch postcode: four digits and two letters, such as 5141 AB."
    with translation.override(django_settings.LANGUAGE_CODE):
        assert gettext(message) != message  # what a helper without the delivery's language would write
    assert {problem["message"] for row in ahead for problem in row["problems"]} == {message % {"value": "51411"}}


def test_a_reference_stored_meanwhile_by_another_delivery_is_answered_and_the_others_stored(
    creditors, postcodes, monkeypatch
):
    deliver_rows(creditors.housing, jolien())
    looked_up = []
    real_earlier = services._earlier

    def earlier_as_if_not_yet_stored(creditor, references):
        # The first look-up (the chunk's) happens before the other delivery commits.
        looked_up.append(references)
        return {} if len(looked_up) == 1 else real_earlier(creditor, references)

    monkeypatch.setattr(services, "_earlier", earlier_as_if_not_yet_stored)
    answer = deliver_rows(
        creditors.housing, kees(creditor_reference="WS-0002"), jolien(), pieter(creditor_reference="WS-0004")
    )

    assert [(row.creditor_reference, row.outcome) for row in answer.rows] == [
        ("WS-0002", "accepted"),
        ("WS-0001", "duplicate"),
        ("WS-0004", "accepted"),
    ]
    assert (answer.receipt.accepted, answer.receipt.duplicates) == (2, 1)
    assert Signal.objects.count() == 3
    assert signals_in_log() == 3
    assert AuditEvent.objects.filter(action="early_signals.signal.receive").count() == 3
    assert Case.objects.get(signals__creditor_reference="WS-0001").signal_count == 1


def test_a_chunk_that_fails_while_it_is_written_together_leaves_nothing_behind(creditors, postcodes, monkeypatch):
    original = services.record_changes

    def failing_record_changes(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "record_changes", failing_record_changes)
    with pytest.raises(RuntimeError):
        deliver_rows(creditors.housing, *first_delivery())

    assert (Signal.objects.count(), Case.objects.count(), Entry.objects.count()) == (0, 0, 0)
    assert not AuditEvent.objects.filter(action="early_signals.signal.receive").exists()
    monkeypatch.setattr(services, "record_changes", original)
    assert deliver_rows(creditors.housing, *first_delivery()).receipt.accepted == 8
    assert Signal.objects.count() == signals_in_log() == 8


def test_a_signal_does_not_join_a_case_that_was_closed(world, creditors, postcodes):
    deliver_rows(creditors.housing, *households(3))
    first = Case.objects.get(signals__creditor_reference="WS-00000")
    unanswered_letter(first, world.ww_team)
    case_close(actor=officer(world), case=first, organisation=world.ww_team, outcome=Case.Outcome.NO_CONTACT)

    deliver_rows(creditors.energy, *(dict(row, creditor_reference=f"EV-{n}") for n, row in enumerate(households(3))))

    first.refresh_from_db()
    assert first.signal_count == 1
    assert Case.objects.filter(status="new", signal_count=1).count() == 1
    assert Case.objects.filter(signal_count=2).count() == 2


# --- the pieces ---------------------------------------------------------------------------------------------


def test_the_postcode_table_gives_the_areas_of_area_of_postcode(world, postcodes):
    table = postcode_table("GM0867")

    for postcode in ("5141 ZX", "5141zx", "5141 AB", "5142 AB", "5143 AB", "1011 AB"):
        found = area_of_postcode("GM0867", postcode)
        assert table.area_id(postcode) == (found.pk if found else None), postcode
    assert postcode_table("GM0938").area_ids == {}


def test_changes_recorded_together_are_recorded_as_one_by_one(world, creditors):
    actor = Actor.system("test")
    change = {
        "action": "early_signals.test",
        "municipality_id": world.waalwijk.pk,
        "organisation_id": creditors.housing.pk,
        "subject_ref": "abc",
        "details": {"n": 1, "text": "<b>é</b>"},
    }
    with transaction.atomic():
        alone = record_change(actor=actor, obj=creditors.housing, **change)
        ids = record_changes(actor=actor, changes=[Change(obj=creditors.housing, **change)] * 3)
        ids += record_changes(
            actor=actor,
            changes=[Change(object_type="organisations.organisation", object_id=str(creditors.housing.pk), **change)],
        )

    fields = ["kind", "action", "actor_id", "actor_label", "municipality_id", "organisation_id", "object_type",
              "object_id", "subject_ref", "reason", "details", "request_id"]  # fmt: skip
    expected = AuditEvent.objects.filter(pk=alone.pk).values(*fields).get()
    assert list(AuditEvent.objects.filter(pk__in=ids).values(*fields)) == [expected] * 4
    assert sorted(ids) == ids and alone.pk < ids[0]


@pytest.mark.django_db(transaction=True)
def test_changes_cannot_be_recorded_outside_the_transaction_of_the_change():
    with pytest.raises(AuditOutsideTransactionError):
        record_changes(actor=Actor.system("test"), changes=[Change(action="early_signals.test")])


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"surname": "Çelik-Öztürk", "bsn": "111222333", "house_number": "12a", "arrears_amount": "0,50"},
        {"given_name": "Ĳsbrand", "email": "ijsbrand@example.invalid", "signal_kind": "threat"},
        {"surname": 'O"Brien\\Ünal 😀', "street": "Straße \U0001d518 <b>", "city": "'s-Hertogenbosch\u200b"},
    ],
)
def test_the_content_hash_is_the_one_signals_were_stored_with(fields):
    """Signals stored before are recognised by this hash: it must never change."""
    item, _ = check_row(RawRow(number=2, values=signal_row(**fields)), today=date(2026, 3, 20))
    assert item is not None
    as_before = {key: str(value) for key, value in asdict(item).items()}

    assert item.content_sha256() == hashlib.sha256(json.dumps(as_before, sort_keys=True).encode()).hexdigest()


# --- two deliveries at once ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="issue 7: concurrent deliveries need a database server; SQLite lets one writer in at a time",
)
def test_two_deliveries_about_the_same_households_at_once_open_one_case_each(creditors, postcodes):
    rows = households(60)
    files = {
        creditors.housing: csv_bytes(rows),
        creditors.energy: csv_bytes([dict(row, creditor_reference=f"EV-{n}") for n, row in enumerate(rows)]),
    }
    errors: list[BaseException] = []
    start = threading.Barrier(len(files))

    def deliver(creditor, content):
        try:
            start.wait()
            assert deliver_file(creditor, content).receipt.accepted == len(rows)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=item) for item in files.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    assert Delivery.objects.count() == 2
    assert Case.objects.count() == len(rows)
    assert set(Case.objects.values_list("signal_count", "creditor_count", "priority")) == {(2, 2, 3)}


def _address_lock_key(row: dict[str, str]) -> int:
    address = address_key(row["postcode"], int(row["house_number"]), "")
    return services.address_lock_key(address_ref("GM0867", address))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="issue 5: concurrent deliveries need a database server; SQLite lets one writer in at a time",
)
def test_a_delivery_waits_only_for_intakes_at_its_own_addresses(creditors, postcodes):
    """While another intake holds one address, a delivery about another address of the same
    municipality is stored at once, and one about the held address waits until it is let go."""
    held, other = households(2)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [services.ADDRESS_LOCKS, _address_lock_key(held)]
                )
                holding.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    outcomes: list[str] = []

    def deliver(row: dict[str, str]) -> None:
        try:
            outcomes.append(deliver_rows(creditors.housing, row).rows[0].outcome)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(timeout=30)
    free = threading.Thread(target=deliver, args=(other,))
    free.start()
    free.join(timeout=30)
    assert outcomes == ["accepted"], "a delivery about another address did not wait"
    waiting = threading.Thread(target=deliver, args=(held,))
    waiting.start()
    waiting.join(timeout=2)
    assert waiting.is_alive(), "a delivery about the held address went on"
    release.set()
    waiting.join(timeout=30)
    holder.join(timeout=30)
    assert outcomes == ["accepted", "accepted"]
    assert Case.objects.count() == 2


def test_a_delivery_collects_cycles_less_often_and_puts_the_collector_back(creditors, postcodes, monkeypatch):
    seen: list[int] = []
    original = services._deliver

    def deliver_and_look(**kwargs):
        seen.append(gc.get_threshold()[0])
        return original(**kwargs)

    before = gc.get_threshold()
    monkeypatch.setattr(services, "_deliver", deliver_and_look)
    deliver_rows(creditors.housing, *households(3))
    assert seen == [max(before[0], services.COLLECT_AFTER)]
    assert gc.get_threshold() == before

    monkeypatch.setattr(services, "_deliver", lambda **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        deliver_rows(creditors.housing, *households(3))
    assert gc.get_threshold() == before


def test_overlapping_deliveries_put_the_collector_back_when_the_last_one_ends():
    before = gc.get_threshold()
    first, second = services._collecting_less(), services._collecting_less()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold()[0] == max(before[0], services.COLLECT_AFTER)
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


AWKWARD_REFERENCES = ['WS "7"', "WS\\8", "WS,9", "{WS-10}", "NULL", "WS-'11'", 'WS\\"12', "WS 13 ü"]


def test_references_with_quotes_backslashes_and_separators_are_looked_up_as_they_were_stored(
    creditors, postcodes, monkeypatch
):
    monkeypatch.setattr(services, "TOGETHER_FROM", ALWAYS_TOGETHER)
    rows = [
        jolien(creditor_reference=reference, house_number=str(number))
        for number, reference in enumerate(AWKWARD_REFERENCES, start=1)
    ]

    first = deliver_rows(creditors.housing, *rows)
    again = deliver_rows(creditors.housing, *rows)

    assert [row.outcome for row in first.rows] == ["accepted"] * len(rows)
    assert [(row.creditor_reference, row.outcome) for row in again.rows] == [
        (reference, "duplicate") for reference in AWKWARD_REFERENCES
    ]
    assert sorted(Signal.objects.values_list("creditor_reference", flat=True)) == sorted(AWKWARD_REFERENCES)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="issue 5: the text form of an array is PostgreSQL's")
@given(values=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))))
@settings(max_examples=200)
def test_a_list_in_the_text_form_of_an_array_reads_back_as_the_same_list(values):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [services._array_literal(values)])
        assert cursor.fetchone()[0] == values


@pytest.mark.skipif(connection.vendor != "postgresql", reason="issue 5: the array lookup is PostgreSQL's")
def test_a_looked_up_value_longer_than_the_column_is_compared_whole_not_cut_to_its_length(creditors, postcodes):
    stored = "R" * REFERENCE_LENGTH
    deliver_rows(creditors.housing, jolien(creditor_reference=stored))

    def found(reference):
        return Signal.objects.filter(services._one_of("creditor_reference", [reference])).count()

    assert found(stored) == 1
    assert found(stored + "S") == 0
