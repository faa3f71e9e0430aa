"""Batches: one entry of the log for many items, each item proven by its path to the batch's root
(the RFC 9162 tree of the log itself) and the entry by the log's own inclusion proof."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from meedoen.ledger import batches, keys
from meedoen.ledger.entries import EntryError, canonical, read_leaf
from meedoen.ledger.merkle import ProofError, leaf_hash, root_from_leaf_hashes
from meedoen.ledger.models import Batch, Entry, Log
from meedoen.ledger.selectors import batch_item
from meedoen.ledger.services import BatchItem, NewBatch, batches_append, entry_append
from meedoen.ledger.verify import verify_log
from meedoen.organisations.tests.factories import MunicipalityFactory, OrganisationFactory


def items(count: int) -> list[bytes]:
    return [
        batches.item_leaf(kind="thing.done", payload_sha256=f"{n:064x}", subject=f"s{n}", subject_key_version=1)
        for n in range(count)
    ]


@settings(max_examples=60)
@given(st.integers(min_value=1, max_value=300))
def test_the_root_is_the_rfc_9162_tree_hash_and_every_item_has_a_path_to_it(count):
    leaves = items(count)
    tree = batches.BatchTree(leaves)

    assert tree.root == root_from_leaf_hashes([leaf_hash(leaf) for leaf in leaves])
    for position in {0, count // 2, count - 1}:
        batches.verify_item(leaves[position], position, count, tree.path(position), tree.root)


def test_a_path_proves_its_own_item_only():
    leaves = items(5)
    tree = batches.BatchTree(leaves)

    with pytest.raises(ProofError):
        batches.verify_item(leaves[1], 2, 5, tree.path(2), tree.root)
    with pytest.raises(ProofError):
        batches.verify_item(leaves[2], 2, 5, tree.path(2), batches.BatchTree(leaves[:4]).root)
    with pytest.raises(ProofError):
        batches.verify_item(leaves[4], 4, 5, tree.path(2), tree.root)
    with pytest.raises(ProofError):
        batches.verify_item(leaves[2] + b" ", 2, 5, tree.path(2), tree.root)


def test_a_batch_holds_at_least_one_and_at_most_max_items():
    with pytest.raises(ValueError, match="at least one"):
        batches.BatchTree([])
    with pytest.raises(ValueError, match="at most"):
        batches.BatchTree([b"x"] * (batches.MAX_ITEMS + 1))


@given(kind=st.text(max_size=40), payload=st.text(max_size=64), subject=st.text(max_size=64), version=st.integers(0, 9))
def test_an_item_is_the_canonical_json_of_its_fields_for_any_text(kind, payload, subject, version):
    item = batches.item_leaf(kind=kind, payload_sha256=payload, subject=subject, subject_key_version=version)

    fields = {"kind": kind, "payload_sha256": payload, "subject": subject, "subject_key": version, "v": 1}
    assert item == canonical(fields)
    assert batches.read_item(item) == fields
    assert b"\n" not in item  # the items of a batch are kept a line each
    assert batches.split(batches.joined([item, item])) == [item, item]


@pytest.mark.parametrize(
    "bad", [b"not json", b'{"v":2}', b'{"kind": "x", "v": 1}', b"\xff", b'{"v":' + b"1" * 5_000 + b"}", b"[" * 100_000]
)
def test_what_is_not_an_item_in_canonical_form_is_refused(bad):
    with pytest.raises(EntryError):
        batches.read_item(bad)


@pytest.mark.django_db
def test_batches_append_queues_one_signed_entry_per_batch_and_keeps_its_items():
    municipality = MunicipalityFactory(code="GM0867")
    other = MunicipalityFactory(code="GM0938")
    acting = OrganisationFactory()
    payloads = [{"reference": f"R-{n}"} for n in range(4)]
    with transaction.atomic():
        queued = batches_append(
            [
                NewBatch(
                    municipality=municipality,
                    kind="signals.received",
                    item_kind="signal.received",
                    acting=acting,
                    items=[BatchItem(payload, subject_ref=f"household-{n}") for n, payload in enumerate(payloads)],
                ),
                NewBatch(
                    municipality=other,
                    kind="signals.received",
                    item_kind="signal.received",
                    acting=acting,
                    items=[BatchItem(b"raw bytes")],
                ),
            ]
        )

    assert Entry.objects.count() == Batch.objects.count() == 2
    first = Entry.objects.get(pk=queued[0].pk)
    assert first.log.municipality == municipality
    assert (first.batch.size, first.batch.item_kind) == (4, "signal.received")
    for position, payload in enumerate(payloads):
        proof = batch_item(first.pk, position)
        assert proof is not None
        batches.verify_item(proof.item, proof.position, proof.size, proof.path, proof.root)
        item = batches.read_item(proof.item)
        assert item["payload_sha256"] == hashlib.sha256(canonical(payload)).hexdigest()
        assert item["subject"] == keys.subject_pseudonym("GM0867", f"household-{position}")
    entry_fields = read_leaf(bytes(first.leaf))
    assert entry_fields["kind"] == "signals.received"
    assert entry_fields["payload_sha256"] == batches.payload_sha256(
        item_kind="signal.received", size=4, root=proof.root
    )
    second = batch_item(queued[1].pk, 0)
    assert second is not None
    assert batches.read_item(second.item)["payload_sha256"] == hashlib.sha256(b"raw bytes").hexdigest()
    assert batches.read_item(second.item)["subject"] == ""
    assert batch_item(queued[1].pk, 1) is None
    assert batch_item(queued[1].pk + 1000, 0) is None


@pytest.fixture
def batch_log(world, django_capture_on_commit_callbacks):
    """A sequenced log of three entries, the middle one a batch of five items."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        entry_append(municipality=world.waalwijk, kind="offer.published", acting=world.ww_foodbank, payload=b"a")
        batches_append(
            [
                NewBatch(
                    municipality=world.waalwijk,
                    kind="signals.received",
                    item_kind="signal.received",
                    acting=world.ww_foodbank,
                    items=[BatchItem({"n": n}, subject_ref=f"h{n}") for n in range(5)],
                )
            ]
        )
        entry_append(municipality=world.waalwijk, kind="offer.published", acting=world.ww_foodbank, payload=b"b")
    return Log.objects.get(municipality=world.waalwijk)


@pytest.mark.django_db
def test_verification_passes_on_a_log_with_a_batch(batch_log):
    report = verify_log(batch_log)
    assert report.ok, report.problems
    assert Entry.objects.get(batch__isnull=False).index == 1


@pytest.mark.django_db
@pytest.mark.parametrize("tampering", ["change", "remove", "reorder", "size", "batch"])
def test_a_batch_whose_items_were_altered_is_found_at_its_entry(batch_log, tampering):
    batch = Batch.objects.get()
    kept = batches.split(batch.items)
    if tampering == "change":
        kept[2] = kept[2].replace(b'"subject":"', b'"subject":"0')
    elif tampering == "remove":
        del kept[4]
    elif tampering == "reorder":
        kept[0], kept[1] = kept[1], kept[0]
    size = batch.size + 1 if tampering == "size" else batch.size
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_batch SET items = %s, size = %s WHERE entry_id = %s",
            [batches.joined(kept), size, batch.pk],
        )
        if tampering == "batch":
            cursor.execute("DELETE FROM ledger_batch WHERE entry_id = %s", [batch.pk])

    report = verify_log(batch_log)
    assert not report.ok
    assert report.first_bad_index == 1, report.problems
