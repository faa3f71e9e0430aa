"""Queueing many entries at once: the same entries as one at a time, in order, all or nothing, and
one sequencing task per log and transaction however many entries it queues."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from dataclasses import FrozenInstanceError
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from meedoen.ledger import sequencer
from meedoen.ledger.entries import (
    FORMAT_VERSION,
    MAX_LEAF_BYTES,
    SIGN_IN_PARALLEL_FROM,
    SIGNING_CHUNK,
    BatchSigner,
    EntryError,
    canonical,
    entry_parts,
    leaf_from_parts,
    read_leaf,
)
from meedoen.ledger.keys import organisation_key, subject_pseudonym
from meedoen.ledger.merkle import leaf_hash, root_from_leaf_hashes
from meedoen.ledger.models import Entry, Log
from meedoen.ledger.sequencer import sequence_queued
from meedoen.ledger.services import (
    LedgerOutsideTransactionError,
    NewEntry,
    entries_append,
    entry_append,
    log_for,
)

pytestmark = pytest.mark.django_db


def offers(world, count: int, municipality=None) -> list[NewEntry]:
    return [
        NewEntry(
            municipality=municipality or world.waalwijk,
            kind=Entry.Kind.OFFER_PUBLISHED,
            acting=world.ww_foodbank,
            receiving=world.ww_team,
            payload={"number": number},
            subject_ref=f"resident-{number}",
        )
        for number in range(count)
    ]


def test_many_entries_are_queued_in_order_and_sequenced_after_the_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        queued = entries_append(offers(world, 5))
    assert len(callbacks) == 1
    assert all(entry.pk and entry.queued_at for entry in queued)
    assert Entry.objects.get(pk=queued[2].pk).leaf_hash == queued[2].leaf_hash
    log = Log.objects.get(municipality=world.waalwijk)
    assert log.size == 5
    stored = list(Entry.objects.filter(log=log).order_by("index").values_list("pk", "leaf"))
    assert [pk for pk, _ in stored] == [entry.pk for entry in queued]
    assert [read_leaf(bytes(leaf))["subject"] for _, leaf in stored] == [
        read_leaf(bytes(entry.leaf))["subject"] for entry in queued
    ]
    assert bytes(log.root_hash) == root_from_leaf_hashes([leaf_hash(bytes(leaf)) for _, leaf in stored])


def test_one_sequencing_task_per_log_and_transaction(world, django_capture_on_commit_callbacks):
    with mock.patch("meedoen.ledger.services._sequence_soon") as soon:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            for new in offers(world, 3):
                entry_append(municipality=new.municipality, kind=new.kind, acting=new.acting, payload=new.payload)
            entries_append(offers(world, 2) + offers(world, 2, municipality=world.meerssen))
        logs = dict(Log.objects.values_list("municipality_id", "pk"))
        assert sorted(call.args for call in soon.call_args_list) == sorted(
            [(logs[world.waalwijk.pk],), (logs[world.meerssen.pk],)]
        )
        # A later transaction gets its own task, also after the earlier one has run.
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            entries_append(offers(world, 1))
        assert soon.call_count == 3


def test_a_task_survives_a_rolled_back_savepoint_only_with_the_entries_it_covers(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            entries_append(offers(world, 2))
            raise RuntimeError("the inner change fails")
        entries_append(offers(world, 1))
    log = Log.objects.get(municipality=world.waalwijk)
    assert log.size == 1
    assert Entry.objects.filter(log=log).count() == 1


def test_nothing_is_queued_when_one_entry_is_refused(world):
    wrong = NewEntry(municipality=world.waalwijk, kind="no.such.kind", acting=world.ww_team, payload=b"x")
    with transaction.atomic(), pytest.raises(ValueError, match="unknown entry kind"):
        entries_append([*offers(world, 2), wrong])
    assert not Entry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_many_entries_outside_a_transaction_are_refused(world):
    with pytest.raises(LedgerOutsideTransactionError, match=r"offer\.published must be logged"):
        entries_append(offers(world, 2))
    assert not Entry.objects.exists()


def test_a_log_is_looked_up_once_per_transaction(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        entries_append(offers(world, 1))  # creates the log
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        for new in offers(world, 3):
            entry_append(municipality=new.municipality, kind=new.kind, acting=new.acting, payload=new.payload)
    assert sum("ledger_log" in query["sql"] for query in queries.captured_queries) == 1


def test_queued_entries_are_read_only_and_queued_by_one_call_carry_one_time(world):
    with transaction.atomic():
        queued = entries_append(offers(world, 4))
    assert len({read_leaf(entry.leaf)["time"] for entry in queued}) == 1
    with pytest.raises(FrozenInstanceError):
        queued[0].leaf = b"changed"  # type: ignore[misc]


def test_one_entry_comes_back_as_the_saved_entry_with_what_was_passed_in(world, django_assert_num_queries):
    with transaction.atomic():
        entry = entry_append(
            municipality=world.waalwijk,
            kind=Entry.Kind.OFFER_PUBLISHED,
            acting=world.ww_foodbank,
            receiving=world.ww_team,
            payload=b"x",
        )
    with django_assert_num_queries(0):
        assert (entry.log.municipality, entry.acting_organisation, entry.receiving_organisation) == (
            world.waalwijk,
            world.ww_foodbank,
            world.ww_team,
        )
    assert not entry._state.adding
    assert Entry.objects.get(pk=entry.pk).leaf == entry.leaf


def test_an_entry_too_large_is_refused_before_anything_is_written(world):
    too_large = NewEntry(
        municipality=world.waalwijk,
        kind=Entry.Kind.ACCEPTED,
        acting=world.ww_team,
        payload=b"x",
        refers_to=b"\1" * (MAX_LEAF_BYTES // 2),
    )
    with transaction.atomic():
        with pytest.raises(EntryError, match="at most"):
            entries_append([*offers(world, 5), too_large])
        # Nothing reached the database, so the change's transaction goes on.
        entries_append(offers(world, 3))
    assert Entry.objects.count() == 3


@pytest.mark.parametrize("helpers", [0, 1, 3])
@pytest.mark.parametrize("count", [0, 1, SIGN_IN_PARALLEL_FROM - 1, SIGN_IN_PARALLEL_FROM, 100, 1000])
def test_a_batch_is_signed_in_order_however_the_work_is_shared(helpers, count):
    signers = [organisation_key(f"organisation-{number}") for number in range(7)]
    keys = [signers[number % 7] for number in range(count)]
    messages = [b"entry %d" % number for number in range(count)]
    with mock.patch("meedoen.ledger.entries._signing_workers", return_value=helpers):
        batch = BatchSigner()
        for key, message in zip(keys, messages, strict=True):
            batch.add(key, message)
        signatures = [signature for _, chunk in batch.in_order() for signature in chunk]
    assert signatures == [key.sign(message) for key, message in zip(keys, messages, strict=True)]


@pytest.mark.parametrize("helpers", [0, 1])
def test_a_batch_gives_its_signatures_back_chunk_by_chunk_in_order(helpers):
    key = organisation_key("organisation")
    messages = [b"entry %d" % number for number in range(SIGN_IN_PARALLEL_FROM + 5 * SIGNING_CHUNK + 7)]
    with mock.patch("meedoen.ledger.entries._signing_workers", return_value=helpers):
        batch = BatchSigner()
        for message in messages:
            batch.add(key, message)
        chunks = list(batch.in_order())
    starts = [start for start, _ in chunks]
    assert starts == sorted(starts)
    assert all(len(signatures) <= SIGN_IN_PARALLEL_FROM for _, signatures in chunks)
    assert [signature for _, signatures in chunks for signature in signatures] == [key.sign(m) for m in messages]
    assert [start for start, _ in chunks] == list(
        itertools.accumulate([0, *(len(signatures) for _, signatures in chunks[:-1])])
    )


texts = st.text(max_size=30)
hex_texts = st.text("0123456789abcdef", max_size=64)


@given(
    kind=texts,
    log=texts,
    acting=texts,
    receiving=texts,
    subject=st.one_of(hex_texts, texts),
    subject_key_version=st.integers(min_value=0, max_value=2**40),
    payload_sha256=st.one_of(hex_texts, texts),
    time=texts,
    refers_to=st.one_of(hex_texts, texts),
    signature=st.binary(min_size=64, max_size=64),
)
def test_an_entry_built_in_parts_is_byte_for_byte_the_canonical_one(signature, **fields):
    unsigned = _fields(**fields)
    signed = {**unsigned, "signature": base64.b64encode(signature).decode()}
    leaf = canonical(signed)
    if len(leaf) > MAX_LEAF_BYTES:
        with pytest.raises(EntryError, match="at most"):
            entry_parts(**fields)
        return
    head, tail = entry_parts(**fields)
    assert head + tail == canonical(unsigned)
    assert leaf_from_parts(head, tail, signature) == leaf
    assert read_leaf(leaf) == signed


def _fields(*, subject_key_version: int, **fields: object) -> dict[str, object]:
    """An unsigned entry as the format describes it: the fields as a dictionary, to be encoded by
    the JSON encoder. ``entry_parts`` must give the same bytes."""
    return {"v": FORMAT_VERSION, "subject_key": subject_key_version, **fields}


def test_an_entry_in_parts_is_refused_before_signing_exactly_when_its_leaf_would_be_too_large():
    fields = dict(
        kind="accepted",
        log="log",
        acting="a",
        receiving="",
        subject="",
        subject_key_version=1,
        payload_sha256="",
        time="2026-11-28T09:30:00Z",
    )
    signature = bytes(64)  # every signature has the same length
    for padding in range(1000, MAX_LEAF_BYTES):
        unsigned = _fields(**fields, refers_to="0" * padding)
        fits = len(canonical({**unsigned, "signature": base64.b64encode(signature).decode()})) <= MAX_LEAF_BYTES
        if fits:
            head, tail = entry_parts(**fields, refers_to="0" * padding)
            assert len(leaf_from_parts(head, tail, signature)) <= MAX_LEAF_BYTES
        else:
            with pytest.raises(EntryError, match="at most"):
                entry_parts(**fields, refers_to="0" * padding)
            break
    else:
        pytest.fail("no entry was too large")


@override_settings(LEDGER_SUBJECT_KEY="one key")
def test_a_pseudonym_is_the_hmac_of_municipality_and_reference_with_the_subject_key():
    expected = hmac.new(b"one key", b"GM0867\nresident-1", hashlib.sha256).hexdigest()
    assert subject_pseudonym("GM0867", "resident-1") == expected
    assert subject_pseudonym("GM0867", "resident-1") == expected  # the keyed HMAC is reused, not changed
    with override_settings(LEDGER_SUBJECT_KEY="another key"):
        assert (
            subject_pseudonym("GM0867", "resident-1")
            == hmac.new(b"another key", b"GM0867\nresident-1", hashlib.sha256).hexdigest()
        )


@given(
    st.dictionaries(
        st.text(max_size=12),
        st.one_of(st.text(max_size=40), st.integers(), st.booleans(), st.none(), st.lists(st.integers(), max_size=3)),
        max_size=12,
    )
)
def test_canonical_json_is_sorted_compact_ascii_json(data):
    assert canonical(data) == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


@pytest.mark.parametrize(("queued", "runs"), [(0, 1), (3, 2), (4, 3), (5, 3)])
def test_a_sequencing_task_stops_after_a_batch_that_was_not_full(world, queued, runs):
    log = log_for(world.waalwijk)
    if queued:
        with transaction.atomic():
            entries_append(offers(world, queued))
    with mock.patch("meedoen.ledger.sequencer.sequence", wraps=sequencer.sequence) as sequence:
        assert sequence_queued(log.pk, batch_size=2) == queued
    assert sequence.call_count == runs
    assert Log.objects.get(pk=log.pk).size == queued
