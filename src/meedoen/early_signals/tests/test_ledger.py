"""Every signal received is in the municipality's shared log: an item of the entry that the creditor
signs for the signals of a written chunk (ADR 0010), with the hash of the creditor's reference and
dates: never a name, an address, a BSN or the household's pseudonym. Each signal keeps its
place in the log, from which its proof is given. The audit log and the application log hold none
either."""

from __future__ import annotations

import hashlib
import json

import pytest
from structlog.testing import capture_logs

from meedoen.core.models import AuditEvent
from meedoen.early_signals.models import Case, Signal
from meedoen.early_signals.tests.factories import (
    csv_bytes,
    deliver_file,
    deliver_rows,
    signal_row,
    signals_in_log,
)
from meedoen.ledger import batches, keys
from meedoen.ledger.entries import canonical, read_leaf
from meedoen.ledger.merkle import ProofError
from meedoen.ledger.models import Batch, Entry
from meedoen.ledger.selectors import batch_item

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
    signal = Signal.objects.get()
    leaf = read_leaf(bytes(entry.leaf))
    assert entry.kind == "signals.received"
    assert entry.acting_organisation == creditors.housing
    assert leaf["acting"] == creditors.housing.slug
    assert leaf["subject"] == ""
    assert (signal.ledger_entry_id, signal.ledger_position) == (entry.pk, 0)
    proof = batch_item(entry.pk, 0)
    assert proof is not None
    item = batches.read_item(proof.item)
    assert item["kind"] == "signal.received"
    # The item names no household: the creditor is handed it, and a pseudonym would link it to the
    # household's other entries (its closed cases).
    assert item["subject"] == ""
    assert keys.subject_pseudonym("GM0867", case.household_ref) not in bytes(Batch.objects.get().items).decode()
    expected_payload = {"creditor_reference": "WS-0001", "reminder_date": "2026-03-02", "signal_date": "2026-03-16"}
    assert item["payload_sha256"] == hashlib.sha256(canonical(expected_payload)).hexdigest()
    # The entry's payload is the batch's root: one item, so the root is the item's own leaf hash.
    assert leaf["payload_sha256"] == batches.payload_sha256(item_kind="signal.received", size=1, root=proof.root)
    text = bytes(entry.leaf).decode() + bytes(Batch.objects.get().items).decode()
    for personal in PERSONAL:
        assert personal not in text


def test_refused_and_repeated_rows_write_nothing_to_the_log(creditors):
    content = csv_bytes([signal_row(), signal_row(creditor_reference="WS-0002", postcode="nope")])
    deliver_file(creditors.housing, content)
    deliver_file(creditors.housing, content)

    assert Entry.objects.count() == 1
    assert signals_in_log() == 1


def test_the_signals_of_a_chunk_are_one_entry_and_each_is_proven_in_two_steps(creditors):
    rows = [signal_row(creditor_reference=f"WS-{n:04}", house_number=str(n + 1)) for n in range(7)]
    deliver_rows(creditors.housing, *rows)

    entry = Entry.objects.get()
    assert entry.kind == "signals.received"
    signals = list(Signal.objects.order_by("ledger_position"))
    assert [signal.ledger_position for signal in signals] == list(range(7))
    assert {signal.ledger_entry_id for signal in signals} == {entry.pk}
    entry_payload = read_leaf(bytes(entry.leaf))["payload_sha256"]
    for signal in signals:
        proof = batch_item(entry.pk, signal.ledger_position)
        assert proof is not None
        # Step one: the item in its batch; step two (the entry in the log) is the log's own proof.
        batches.verify_item(proof.item, proof.position, proof.size, proof.path, proof.root)
        assert batches.payload_sha256(item_kind="signal.received", size=7, root=proof.root) == entry_payload
        payload = {
            "creditor_reference": signal.creditor_reference,
            "reminder_date": signal.reminder_date.isoformat(),
            "signal_date": signal.signal_date.isoformat(),
        }
        assert batches.read_item(proof.item)["payload_sha256"] == hashlib.sha256(canonical(payload)).hexdigest()
    # A path does not prove another item.
    first, second = batch_item(entry.pk, 0), batch_item(entry.pk, 1)
    assert first is not None and second is not None
    with pytest.raises(ProofError):
        batches.verify_item(second.item, 0, 7, first.path, first.root)
    assert batch_item(entry.pk, 7) is None


def test_each_accepted_signal_is_one_item_with_one_audit_record(creditors):
    deliver_rows(creditors.housing, signal_row(), signal_row(creditor_reference="WS-0002", surname="Voorbeelt"))

    assert signals_in_log() == 2
    assert Entry.objects.filter(kind="signals.received").count() == 1
    events = AuditEvent.objects.filter(action="early_signals.signal.receive")
    assert events.count() == 2
    assert {event.subject_ref for event in events} == {Case.objects.get().household_ref}


def test_the_log_is_sequenced_after_the_delivery_commits(creditors, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deliver_rows(creditors.housing, signal_row(), signal_row(creditor_reference="WS-0002", postcode="5142 ZY"))

    assert list(Entry.objects.values_list("index", flat=True)) == [0]


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
