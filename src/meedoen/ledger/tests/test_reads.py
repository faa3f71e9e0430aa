"""Reads of the log as partners meet them: the checkpoint served is always the latest one with the
cosignatures collected for it, proofs are read with one query and equal RFC 9162's definitions,
and the stored hashes are looked up by index whatever the planner is allowed to do."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings

from meedoen.ledger import selectors
from meedoen.ledger.merkle import inclusion_nodes, leaf_hash, root_nodes
from meedoen.ledger.models import Checkpoint, Entry, Log
from meedoen.ledger.notes import COSIGNATURE_V1, SignerKey, cosign, open_checkpoint
from meedoen.ledger.publish import checkpoint_problem, log_verifier
from meedoen.ledger.sequencer import _take_queued
from meedoen.ledger.services import cosignature_add, entry_append
from meedoen.ledger.tests.test_merkle import rfc_path, rfc_subproof
from meedoen.ledger.verify import verify_log

pytestmark = pytest.mark.django_db

WITNESS = SignerKey.generate("partner.example/witness", COSIGNATURE_V1)
OTHER_WITNESS = SignerKey.generate("another.example/witness", COSIGNATURE_V1)
TRUSTED = [WITNESS.verifier.format(), OTHER_WITNESS.verifier.format()]
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="issue 7: query plans are PostgreSQL's; SQLite plans differently"
)


@pytest.fixture
def grow(world, django_capture_on_commit_callbacks) -> Callable[[int], Log]:
    """Queue ``count`` entries in one transaction; the sequencing task runs after the commit."""

    def add(count: int) -> Log:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            for number in range(count):
                entry_append(
                    municipality=world.waalwijk,
                    kind=Entry.Kind.OFFER_PUBLISHED,
                    acting=world.ww_team,
                    payload={"n": number},
                )
        return Log.objects.get(municipality=world.waalwijk)

    return add


def served(client, log: Log) -> bytes:
    response = client.get(f"/log/{log.municipality.code}/checkpoint")
    assert response.status_code == 200
    return response.content


def cosignature(log: Log, size: int, signer: SignerKey) -> str:
    note = Checkpoint.objects.get(log=log, size=size).note.encode()
    text = open_checkpoint(note, log_verifier(log.origin)).text
    return cosign(text, signer, 1_800_000_000).line()


def witnesses(note: bytes, log: Log) -> list[str]:
    opened = open_checkpoint(note, log_verifier(log.origin), [WITNESS.verifier, OTHER_WITNESS.verifier])
    return [item.name for item in opened.cosignatures]


def leaf_hashes(log: Log) -> list[bytes]:
    rows = Entry.objects.filter(log=log).order_by("index").values_list("leaf_hash", flat=True)
    return [bytes(digest) for digest in rows]


# --- The checkpoint served --------------------------------------------------------------------


def test_the_checkpoint_served_is_replaced_when_a_new_one_is_signed(grow, client):
    log = grow(3)
    assert open_checkpoint(served(client, log), log_verifier(log.origin)).checkpoint.size == 3
    log = grow(2)
    checkpoint = open_checkpoint(served(client, log), log_verifier(log.origin)).checkpoint
    assert (checkpoint.size, checkpoint.root_hash) == (5, bytes(log.root_hash))
    proof = client.get(f"/api/v1/ledger/{log.municipality.code}/entries/0/proof/").json()
    assert proof["checkpoint"].encode() == served(client, log)


@override_settings(LEDGER_WITNESS_KEYS=TRUSTED)
def test_cosignatures_are_served_with_the_checkpoint_they_cosign_and_only_with_it(grow, client):
    log = grow(3)
    log = grow(2)
    cosignature_add(log=log, size=3, signature_line=cosignature(log, 3, WITNESS))
    assert witnesses(served(client, log), log) == []  # an older checkpoint was cosigned
    older = client.get(f"/api/v1/ledger/{log.municipality.code}/entries/1/proof/", {"size": 3}).json()
    assert witnesses(older["checkpoint"].encode(), log) == ["partner.example/witness"]

    cosignature_add(log=log, size=5, signature_line=cosignature(log, 5, WITNESS))
    cosignature_add(log=log, size=5, signature_line=cosignature(log, 5, OTHER_WITNESS))
    assert witnesses(served(client, log), log) == ["another.example/witness", "partner.example/witness"]
    latest = client.get(f"/api/v1/ledger/{log.municipality.code}/entries/4/proof/").json()
    assert latest["checkpoint"].encode() == served(client, log)

    log = grow(1)  # a new checkpoint has no cosignatures yet
    assert open_checkpoint(served(client, log), log_verifier(log.origin)).checkpoint.size == 6
    assert witnesses(served(client, log), log) == []


def test_a_log_without_checkpoints_serves_none(world, client):
    from meedoen.ledger.services import log_for

    log_for(world.waalwijk)
    assert client.get(f"/log/{world.waalwijk.code}/checkpoint").status_code == 404


def test_a_checkpoint_served_that_is_not_the_latest_is_found_by_verification(world, grow):
    log = grow(3)
    older = log.checkpoint
    log = grow(2)
    assert verify_log(log, check_checkpoint=checkpoint_problem).ok
    Log.objects.filter(pk=log.pk).update(checkpoint=older)  # a rollback of what the log serves
    report = verify_log(Log.objects.get(pk=log.pk), check_checkpoint=checkpoint_problem)
    assert report.problems == ["the checkpoint the log serves is not its latest checkpoint with its cosignatures"]
    with pytest.raises(CommandError):
        call_command("ledger_verify", "--municipality", world.waalwijk.code)


@override_settings(LEDGER_WITNESS_KEYS=TRUSTED)
def test_the_migration_fills_in_the_checkpoint_served_for_logs_sequenced_before_it(grow):
    log = grow(4)
    cosignature_add(log=log, size=4, signature_line=cosignature(log, 4, WITNESS))
    expected = Log.objects.get(pk=log.pk).checkpoint
    assert witnesses(expected.encode(), log) == ["partner.example/witness"]
    Log.objects.update(checkpoint="")
    migration = importlib.import_module("meedoen.ledger.migrations.0002_lighter_writes_latest_checkpoint")
    migration.publish_latest_checkpoints(apps, None)
    assert Log.objects.get(pk=log.pk).checkpoint == expected


# --- Proofs -----------------------------------------------------------------------------------


def test_proofs_equal_the_rfc_definitions_for_every_entry_and_checkpoint(grow):
    for count in (1, 4, 8, 24):  # checkpoints of 1, 5, 13 and 37 entries
        log = grow(count)
    leaves = leaf_hashes(log)
    sizes = sorted(Checkpoint.objects.filter(log=log).values_list("size", flat=True))
    assert sizes == [1, 5, 13, 37]
    for size in sizes:
        for index in range(size):
            found = selectors.inclusion(log, index, size)
            assert found is not None
            assert found.proof == rfc_path(index, leaves[:size]), (index, size)
            assert found.leaf_hash == leaves[index] == leaf_hash(found.leaf)
        for older in sizes:
            if older < size:
                assert selectors.consistency(log, older, size) == rfc_subproof(older, leaves[:size], True)


def test_an_inclusion_proof_is_one_query_at_the_latest_checkpoint(grow, django_assert_num_queries):
    log = grow(5)
    log = grow(20)
    with django_assert_num_queries(1):
        latest = selectors.inclusion(log, 7, log.size)
    assert latest is not None
    assert latest.checkpoint_note == log.checkpoint
    with django_assert_num_queries(3):  # the proof, the earlier checkpoint, its cosignatures
        earlier = selectors.inclusion(log, 3, 5)
    assert earlier is not None
    assert open_checkpoint(earlier.checkpoint_note.encode(), log_verifier(log.origin)).checkpoint.size == 5


def test_an_inclusion_proof_of_an_entry_or_checkpoint_that_does_not_exist_is_none(grow):
    log = grow(5)
    log = grow(3)
    assert selectors.inclusion(log, 8, 8) is None  # past the end
    assert selectors.inclusion(log, 2, 4) is None  # no checkpoint of size 4
    Entry.objects.filter(log=log, index=6).delete()
    assert selectors.inclusion(log, 6, 8) is None


@on_postgresql
@pytest.mark.parametrize("size", [1_000, 1_234_567, 987_654_321])
def test_stored_hashes_are_looked_up_by_index_even_without_bitmap_scans(grow, size):
    """The sequencer reads the queue without bitmap scans; an OR of exact look-ups was then
    planned as a scan of every stored hash of the log, once per batch."""
    log = grow(1)
    sql, params = selectors._read_query(log.pk, [*root_nodes(size), *inclusion_nodes(size // 3, size)], size // 3)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on ledger_node" not in plan, plan
    assert "Filter" not in plan, plan
    assert "ledger_node_unique" in plan, plan


@on_postgresql
def test_the_sequencer_turns_bitmap_scans_off_for_reading_the_queue_only(world, grow):
    log = grow(2)
    with transaction.atomic():
        entry_append(municipality=world.waalwijk, kind=Entry.Kind.OFFER_PUBLISHED, acting=world.ww_team, payload=b"x")
        locked = Log.objects.select_for_update().get(pk=log.pk)
        assert len(_take_queued(locked, 10)) == 1
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_bitmapscan")
            assert cursor.fetchone()[0] == "on"


def test_a_consistency_proof_is_one_query(grow, django_assert_num_queries):
    log = grow(13)
    log = grow(30)
    with django_assert_num_queries(1):
        proof = selectors.consistency(log, 13, 43)
    assert proof == rfc_subproof(13, leaf_hashes(log), True)
