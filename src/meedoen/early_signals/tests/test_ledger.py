"""Every signal received is written to the municipality's shared log in its own transaction, signed
by the creditor, about the household's pseudonym, with the hash of the creditor's reference and
dates: never a name, an address or a BSN. The audit log and the application log hold none either."""

from __future__ import annotations

import hashlib
import json

import pytest
from structlog.testing import capture_logs

from meedoen.core.models import AuditEvent
from meedoen.early_signals.models import Case
from meedoen.early_signals.tests.factories import csv_bytes, deliver_file, deliver_rows, signal_row
from meedoen.ledger import keys
from meedoen.ledger.entries import canonical
from meedoen.ledger.models import Entry

pytestmark = pytest.mark.django_db

PERSONAL = (
    "Jolien",
    "Voorbeeld",
    "Verzonnenstraat",
    "5141 ZX",
    "1984-03-17",
    "0612345678",
    "111222333",
    "jolien@example.invalid",
    "412.50",
)


def test_a_received_signal_is_in_the_shared_log_without_personal_data(creditors, world):
    deliver_rows(creditors.housing, signal_row(bsn="111222333", email="jolien@example.invalid"))

    entry = Entry.objects.get()
    case = Case.objects.get()
    leaf = json.loads(bytes(entry.leaf))
    assert entry.kind == "signal.received"
    assert entry.acting_organisation == creditors.housing
    assert leaf["acting"] == creditors.housing.slug
    assert leaf["subject"] == keys.subject_pseudonym("GM0867", case.household_ref)
    expected_payload = {"creditor_reference": "WS-0001", "reminder_date": "2026-03-02", "signal_date": "2026-03-16"}
    assert leaf["payload_sha256"] == hashlib.sha256(canonical(expected_payload)).hexdigest()
    text = bytes(entry.leaf).decode()
    for personal in PERSONAL:
        assert personal not in text


def test_refused_and_repeated_rows_write_nothing_to_the_log(creditors):
    content = csv_bytes([signal_row(), signal_row(creditor_reference="WS-0002", postcode="nope")])
    deliver_file(creditors.housing, content)
    deliver_file(creditors.housing, content)

    assert Entry.objects.count() == 1


def test_each_accepted_signal_has_one_entry_and_one_audit_record(creditors):
    deliver_rows(creditors.housing, signal_row(), signal_row(creditor_reference="WS-0002", surname="Voorbeelt"))

    assert Entry.objects.filter(kind="signal.received").count() == 2
    events = AuditEvent.objects.filter(action="early_signals.signal.receive")
    assert events.count() == 2
    assert {event.subject_ref for event in events} == {Case.objects.get().household_ref}


def test_the_log_is_sequenced_after_the_delivery_commits(creditors, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deliver_rows(creditors.housing, signal_row(), signal_row(creditor_reference="WS-0002", postcode="5142 ZY"))

    assert sorted(Entry.objects.values_list("index", flat=True)) == [0, 1]


def test_the_audit_log_and_the_application_log_hold_no_personal_data(creditors):
    with capture_logs() as logged:
        deliver_rows(
            creditors.housing,
            signal_row(bsn="111222333", email="jolien@example.invalid"),
            signal_row(creditor_reference="WS-0002", date_of_birth="1984-02-30"),
        )

    assert logged, "the delivery is logged"
    text = json.dumps(logged, default=str) + json.dumps(
        list(AuditEvent.objects.values("action", "actor_label", "reason", "details", "object_type")), default=str
    )
    for personal in PERSONAL:
        assert personal not in text
