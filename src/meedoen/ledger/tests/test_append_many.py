"""Queueing many entries at once: the same entries as one at a time, in order, all or nothing, and
one sequencing task per log and transaction however many entries it queues."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from meedoen.ledger.entries import read_leaf
from meedoen.ledger.merkle import leaf_hash, root_from_leaf_hashes
from meedoen.ledger.models import Entry, Log
from meedoen.ledger.services import (
    LedgerOutsideTransactionError,
    NewEntry,
    entries_append,
    entry_append,
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
