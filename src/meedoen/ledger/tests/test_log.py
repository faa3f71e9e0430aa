"""The shared log as partners meet it: entries queued with the change, sequenced into a signed
tree, served as tiles any client can check, proofs that verify, and tampering that is found."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from meedoen.core.access import Actor, Grant, Role
from meedoen.ledger.entries import read_leaf, verify_leaf_signature
from meedoen.ledger.keys import organisation_key
from meedoen.ledger.merkle import leaf_hash, root_from_leaf_hashes, verify_consistency, verify_inclusion
from meedoen.ledger.models import Checkpoint, Entry, Log, Node
from meedoen.ledger.notes import open_checkpoint
from meedoen.ledger.publish import log_verifier
from meedoen.ledger.services import LedgerOutsideTransactionError, entry_accept, entry_append
from meedoen.ledger.tiles import TILE_WIDTH
from meedoen.ledger.verify import verify_log

pytestmark = pytest.mark.django_db


def append(world, count: int, *, kind: str = Entry.Kind.OFFER_PUBLISHED, **extra) -> list[Entry]:
    entries = []
    with transaction.atomic():
        for number in range(count):
            entries.append(
                entry_append(
                    municipality=world.waalwijk,
                    kind=kind,
                    acting=world.ww_foodbank,
                    payload={"number": number},
                    **extra,
                )
            )
    return entries


@pytest.fixture
def sequenced(world, django_capture_on_commit_callbacks):
    def make(count: int, **extra) -> Log:
        with django_capture_on_commit_callbacks(execute=True):
            append(world, count, **extra)
        return Log.objects.get(municipality=world.waalwijk)

    return make


def checkpoint_of(log: Log):
    note = Checkpoint.objects.filter(log=log).order_by("-size").first().note
    return open_checkpoint(note.encode(), log_verifier(log.origin)).checkpoint


def test_entries_are_queued_with_the_change_and_sequenced_after_it(world, sequenced):
    log = sequenced(3)
    assert log.size == 3
    assert list(Entry.objects.filter(log=log).order_by("index").values_list("index", flat=True)) == [0, 1, 2]
    checkpoint = checkpoint_of(log)
    assert (checkpoint.origin, checkpoint.size) == (log.origin, 3)
    leaves = [bytes(leaf) for leaf in Entry.objects.filter(log=log).order_by("index").values_list("leaf", flat=True)]
    assert checkpoint.root_hash == root_from_leaf_hashes([leaf_hash(leaf) for leaf in leaves])


@pytest.mark.django_db(transaction=True)
def test_an_entry_outside_a_transaction_is_refused(world):
    with pytest.raises(LedgerOutsideTransactionError):
        entry_append(municipality=world.waalwijk, kind=Entry.Kind.OFFER_PUBLISHED, acting=world.ww_team, payload=b"x")


def test_an_entry_that_is_rolled_back_never_reaches_the_log(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        append(world, 1)
        raise RuntimeError("the change fails")
    assert not Entry.objects.exists()


def test_entries_carry_no_personal_data_and_are_signed_by_the_acting_organisation(world, sequenced):
    resident_ref = "r" * 64
    log = sequenced(1, subject_ref=resident_ref, receiving=world.ww_team)
    leaf = bytes(Entry.objects.get(log=log).leaf)
    assert resident_ref not in leaf.decode()
    fields = verify_leaf_signature(leaf, organisation_key(world.ww_foodbank.slug).public_key())
    assert fields["acting"] == world.ww_foodbank.slug
    assert fields["receiving"] == world.ww_team.slug
    assert len(fields["subject"]) == 64 and fields["subject"] != resident_ref
    assert set(read_leaf(leaf)) == {
        "v", "kind", "log", "acting", "receiving", "subject", "subject_key", "payload_sha256", "time", "refers_to",
        "signature",
    }  # fmt: skip


def test_the_receiving_organisation_countersigns_and_nobody_else_can(world, sequenced):
    log = sequenced(1, receiving=world.ww_team)
    received = Entry.objects.get(log=log)
    outsider = Actor(
        user_id=5,
        label="x",
        grants=frozenset({Grant(world.waalwijk.pk, world.ww_foodbank.pk, Role.CASEWORKER)}),
        second_factor=True,
    )
    with pytest.raises(Exception, match="receiving organisation"):
        entry_accept(actor=outsider, entry=received)
    receiver = Actor(
        user_id=6,
        label="y",
        grants=frozenset({Grant(world.waalwijk.pk, world.ww_team.pk, Role.CASEWORKER)}),
        second_factor=True,
    )
    accepted = entry_accept(actor=receiver, entry=received)
    fields = verify_leaf_signature(bytes(accepted.leaf), organisation_key(world.ww_team.slug).public_key())
    assert fields["kind"] == "accepted"
    assert fields["refers_to"] == bytes(received.leaf_hash).hex()


def test_inclusion_and_consistency_proofs_from_the_api_verify(world, sequenced, client):
    first = sequenced(5)
    old_root = bytes(first.root_hash)
    log = sequenced(12)
    assert log.size == 17
    response = client.get(f"/api/v1/ledger/{world.waalwijk.code}/entries/3/proof/")
    assert response.status_code == 200
    body = response.json()
    checkpoint = open_checkpoint(body["checkpoint"].encode(), log_verifier(log.origin)).checkpoint
    proof = [base64.b64decode(item) for item in body["inclusion_proof"]]
    verify_inclusion(base64.b64decode(body["leaf_hash"]), 3, checkpoint.size, proof, checkpoint.root_hash)
    assert leaf_hash(base64.b64decode(body["leaf"])) == base64.b64decode(body["leaf_hash"])

    consistency = client.get(f"/api/v1/ledger/{world.waalwijk.code}/consistency/", {"from": 5, "to": 17}).json()
    verify_consistency(5, 17, [base64.b64decode(p) for p in consistency["proof"]], old_root, checkpoint.root_hash)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("entries/999/proof/", 404),
        ("entries/0/proof/?size=abc", 400),
        ("entries/0/proof/?size=%C2%B2", 400),  # ², which str.isdigit() calls a digit
        ("consistency/?from=%C2%B2&to=2", 400),
        ("consistency/?from=1&to=%D9%A2", 400),  # an Arabic-Indic 2
        ("entries/0/proof/?size=99999999999999999999", 400),
        ("entries/0/proof/?size=0", 404),
        ("consistency/?from=3&to=2", 400),
        ("consistency/?from=0&to=2", 400),
        ("consistency/?from=1&to=999", 400),
        ("consistency/", 400),
    ],
)
def test_bad_proof_requests_are_refused_clearly(world, sequenced, client, path, status):
    sequenced(3)
    response = client.get(f"/api/v1/ledger/{world.waalwijk.code}/{path}")
    assert response.status_code == status, response.content


def test_a_tiles_client_can_rebuild_the_tree_from_the_static_resources(world, sequenced, client):
    log = sequenced(TILE_WIDTH + 44)
    code = world.waalwijk.code
    note = client.get(f"/log/{code}/checkpoint").content
    checkpoint = open_checkpoint(note, log_verifier(log.origin)).checkpoint
    full = client.get(f"/log/{code}/tile/0/000")
    partial = client.get(f"/log/{code}/tile/0/001.p/44")
    assert full["Content-Type"] == "application/octet-stream"
    assert len(full.content) == TILE_WIDTH * 32 and len(partial.content) == 44 * 32
    level1 = client.get(f"/log/{code}/tile/1/000.p/1").content
    hashes = [full.content[i : i + 32] for i in range(0, len(full.content), 32)]
    hashes += [partial.content[i : i + 32] for i in range(0, len(partial.content), 32)]
    assert root_from_leaf_hashes(hashes[:TILE_WIDTH]) == level1
    assert root_from_leaf_hashes(hashes) == checkpoint.root_hash
    bundle = client.get(f"/log/{code}/tile/entries/000").content
    leaves, offset = [], 0
    while offset < len(bundle):
        length = int.from_bytes(bundle[offset : offset + 2], "big")
        leaves.append(bundle[offset + 2 : offset + 2 + length])
        offset += 2 + length
    assert [leaf_hash(leaf) for leaf in leaves] == hashes[:TILE_WIDTH]


@pytest.mark.parametrize(
    "path",
    [
        "tile/00/000",
        "tile/64/000",
        "tile/0/1",
        "tile/0/x1/000",
        "tile/0/x000/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/entries/../000",
        "tile/0/" + "x999/" * 60 + "999",
    ],
)
def test_malformed_tile_paths_are_refused_before_the_database_is_asked(client, path, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(f"/log/GM0867/{path}").status_code == 400


def test_tiles_the_log_does_not_have_are_not_found(world, sequenced, client):
    sequenced(TILE_WIDTH + 44)
    code = world.waalwijk.code
    assert client.get(f"/log/{code}/tile/0/001").status_code == 404  # not full yet
    assert client.get(f"/log/{code}/tile/0/001.p/45").status_code == 404  # wider than the log
    assert client.get(f"/log/{code}/tile/0/000.p/10").status_code == 404  # the full tile exists
    assert client.get(f"/log/{code}/tile/2/000.p/1").status_code == 404
    assert client.get("/log/GM9999/tile/0/000").status_code == 404


def test_verification_passes_on_an_untouched_log(world, sequenced):
    sequenced(40)
    call_command("ledger_verify", "--municipality", world.waalwijk.code)


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("tampering", ["change", "delete", "reorder", "truncate", "node", "checkpoint"])
def test_tampering_in_the_database_is_detected_at_the_first_bad_entry(world, sequenced, tampering):
    log = sequenced(40)
    entry = Entry.objects.get(log=log, index=17)
    if tampering == "change":
        changed = json.loads(bytes(entry.leaf))
        changed["acting"] = "someone-else"
        _raw("UPDATE ledger_entry SET leaf = %s WHERE id = %s", [json.dumps(changed).encode(), entry.pk])
    elif tampering == "delete":
        _raw("DELETE FROM ledger_entry WHERE id = %s", [entry.pk])
    elif tampering == "reorder":
        other = Entry.objects.get(log=log, index=18)
        _raw('UPDATE ledger_entry SET "index" = NULL WHERE id = %s', [entry.pk])
        _raw('UPDATE ledger_entry SET "index" = 17 WHERE id = %s', [other.pk])
        _raw('UPDATE ledger_entry SET "index" = 18 WHERE id = %s', [entry.pk])
    elif tampering == "truncate":
        _raw('DELETE FROM ledger_entry WHERE log_id = %s AND "index" >= 17', [log.pk])
    elif tampering == "node":
        _raw('UPDATE ledger_node SET hash = %s WHERE log_id = %s AND level = 2 AND "index" = 4', [b"\0" * 32, log.pk])
    elif tampering == "checkpoint":
        last = Checkpoint.objects.get(log=log, size=40)
        _raw("UPDATE ledger_checkpoint SET note = %s WHERE id = %s", [last.note.replace("40", "41", 1), last.pk])
    report = verify_log(
        Log.objects.get(pk=log.pk),
        check_checkpoint=__import__("meedoen.ledger.publish", fromlist=["x"]).checkpoint_problem,
    )
    assert not report.ok
    if tampering in {"change", "delete", "reorder", "truncate"}:
        assert report.first_bad_index == 17, report.problems
    if tampering == "node":
        assert report.first_bad_index == 16, report.problems
    with pytest.raises(CommandError):
        call_command("ledger_verify", "--municipality", world.waalwijk.code)


def test_nodes_are_stored_for_every_complete_subtree(world, sequenced):
    log = sequenced(10)
    # 10 leaves + 5 pairs + 2 fours + 1 eight
    assert Node.objects.filter(log=log).count() == 18


def test_the_entry_page_shows_the_checked_proof_in_plain_words(world, sequenced, client):
    sequenced(9, subject_ref="r" * 64)
    html = client.get(f"/logboek/{world.waalwijk.code}/4/").content.decode()
    assert "Gecontroleerd: deze regel staat in het logboek." in html
    assert "r" * 64 not in html
    assert client.get(f"/logboek/{world.waalwijk.code}/9/").status_code == 404
    assert client.get("/logboek/GM9999/0/").status_code == 404


def test_the_entry_page_says_so_when_the_proof_fails(world, sequenced, client):
    log = sequenced(9)
    _raw('UPDATE ledger_node SET hash = %s WHERE log_id = %s AND level = 0 AND "index" = 5', [b"\0" * 32, log.pk])
    html = client.get(f"/logboek/{world.waalwijk.code}/4/").content.decode()
    assert "Deze regel kon niet worden gecontroleerd." in html
