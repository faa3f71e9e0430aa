"""Reads of the shared log: checkpoints and proofs, computed from the stored subtree hashes.

Proofs are the hot read path (every resident's entry page, every partner's check), so they read
with one SQL statement each: the entry and exactly the stored hashes the proof folds, whose
coordinates ``merkle`` computes up front. The latest checkpoint comes with the log's own row.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from meedoen.ledger.batches import BatchTree, split
from meedoen.ledger.entries import EntryError, read_leaf
from meedoen.ledger.merkle import (
    ProofError,
    consistency_nodes,
    consistency_proof,
    inclusion_nodes,
    inclusion_proof,
    leaf_hash,
    verify_inclusion,
)
from meedoen.ledger.models import Batch, Checkpoint, Log
from meedoen.ledger.notes import NoteError, open_checkpoint, with_signature_lines
from meedoen.ledger.publish import log_verifier
from meedoen.ledger.services import witness_verifiers

NodeId = tuple[int, int]


@dataclass(frozen=True)
class Inclusion:
    leaf: bytes
    leaf_hash: bytes
    proof: list[bytes]
    checkpoint_note: str


def latest_checkpoint_note(log: Log) -> str | None:
    """The latest checkpoint with every cosignature collected for it, as one signed note: as the
    log's row keeps it, else (a log without checkpoints) from the checkpoints themselves."""
    if log.checkpoint:
        return log.checkpoint
    latest = Checkpoint.objects.filter(log=log).order_by("-size").first()
    return None if latest is None else with_cosignatures(latest)


def with_cosignatures(checkpoint: Checkpoint) -> str:
    lines = checkpoint.cosignatures.order_by("witness").values_list("signature_line", flat=True)
    return with_signature_lines(checkpoint.note, lines)


def stored_hashes(log: Log, wanted: list[NodeId]) -> dict[NodeId, bytes]:
    """The stored hashes at exactly these (level, index), fetched in one query. Raises
    ProofError when one is missing."""
    found, _ = _read(log.pk, wanted, None)
    return found


def _read(
    log_id: int, wanted: list[NodeId], entry_index: int | None
) -> tuple[dict[NodeId, bytes], tuple[bytes, bytes] | None]:
    """The stored hashes at ``wanted`` and, with ``entry_index``, that entry's leaf and leaf hash
    (None when there is no such entry), in one statement. Raises ProofError when a wanted hash
    is missing."""
    found: dict[NodeId, bytes] = {}
    entry: tuple[bytes, bytes] | None = None
    if wanted or entry_index is not None:
        with connection.cursor() as cursor:
            cursor.execute(*_read_query(log_id, wanted, entry_index))
            for level, index, digest, leaf in cursor.fetchall():
                if level < 0:
                    entry = (bytes(leaf), bytes(digest))
                else:
                    found[(level, index)] = bytes(digest)
    missing = [node for node in wanted if node not in found]
    if missing:
        raise ProofError(f"the log is missing stored hashes {missing[:3]}")
    return found, entry


def _read_query(log_id: int, wanted: list[NodeId], entry_index: int | None) -> tuple[str, list[int]]:
    """The SELECT of ``_read``: rows of level, index, hash and leaf; the entry's row has level -1.

    The hashes are joined with the wanted coordinates as a list of VALUES, so that on both
    engines each one is looked up in the unique (log, level, index) index, whatever else the
    planner would pick (an OR of exact look-ups, for one, becomes a scan of every hash of the log
    when bitmap scans are off, as they are while the sequencer reads the queue).
    """
    unique = list(dict.fromkeys(wanted))
    parts: list[str] = []
    params: list[int] = []
    if unique:
        rows = ", ".join(["(%s, %s)"] * len(unique))
        parts.append(
            'SELECT node.level, node."index", node.hash, NULL AS leaf'  # noqa: S608 (only placeholders)
            f" FROM ledger_node AS node JOIN (VALUES {rows}) AS wanted"
            ' ON node.level = wanted.column1 AND node."index" = wanted.column2 WHERE node.log_id = %s'
        )
        params += [*(coordinate for node in unique for coordinate in node), log_id]
    if entry_index is not None:
        parts.append(
            'SELECT -1, entry."index", entry.leaf_hash, entry.leaf FROM ledger_entry AS entry'
            ' WHERE entry.log_id = %s AND entry."index" = %s'
        )
        params += [log_id, entry_index]
    return " UNION ALL ".join(parts), params


def inclusion(log: Log, index: int, size: int) -> Inclusion | None:
    """Entry ``index`` with its proof against the checkpoint of ``size``; None if either is absent.

    One query reads the entry and every stored hash the proof folds. The latest checkpoint, with
    its cosignatures, comes with the log; an earlier one takes two more queries."""
    if not 0 <= index < size <= log.size:
        return None
    nodes, entry = _read(log.pk, inclusion_nodes(index, size), index)
    if entry is None:
        return None
    if size == log.size and log.checkpoint:
        note = log.checkpoint
    else:
        checkpoint = Checkpoint.objects.filter(log=log, size=size).first()
        if checkpoint is None:
            return None
        note = with_cosignatures(checkpoint)
    proof = inclusion_proof(index, size, lambda level, i: nodes[(level, i)])
    return Inclusion(leaf=entry[0], leaf_hash=entry[1], proof=proof, checkpoint_note=note)


def consistency(log: Log, size1: int, size2: int) -> list[bytes]:
    if size1 < 1:
        raise ProofError("a consistency proof starts from a tree of at least one entry")
    if size2 > log.size:
        raise ProofError(f"the log has {log.size} entries, not {size2}")
    nodes = stored_hashes(log, consistency_nodes(size1, size2))
    return consistency_proof(size1, size2, lambda level, i: nodes[(level, i)])


@dataclass(frozen=True)
class InclusionCheck:
    fields: dict[str, object]
    verified: bool
    problem: str
    tree_size: int
    witnesses: list[str]


def check_inclusion(log: Log, index: int, found: Inclusion) -> InclusionCheck:
    """Verify an entry's proof the way an outsider would: the checkpoint's signature by the log,
    the cosignatures by known witnesses, and the Merkle path from the entry to the root."""
    try:
        fields: dict[str, object] = read_leaf(found.leaf)
    except EntryError:
        fields = {}
    try:
        opened = open_checkpoint(found.checkpoint_note.encode(), log_verifier(log.origin), witness_verifiers().values())
        if leaf_hash(found.leaf) != found.leaf_hash:
            raise ProofError("the entry does not match its hash")
        verify_inclusion(found.leaf_hash, index, opened.checkpoint.size, found.proof, opened.checkpoint.root_hash)
    except (NoteError, ProofError) as error:
        return InclusionCheck(fields, False, str(error), log.size, [])
    return InclusionCheck(
        fields, True, "", opened.checkpoint.size, [cosignature.name for cosignature in opened.cosignatures]
    )


@dataclass(frozen=True)
class BatchItemProof:
    """An item of a batch with its path to the batch's root, and the batch's entry with its proof
    of inclusion in the log: the item is proven by the path, then the entry by the inclusion."""

    item: bytes
    position: int
    size: int
    path: list[bytes]
    root: bytes
    origin: str  # the log's
    entry_index: int | None  # None while the entry is queued
    entry_leaf: bytes
    entry_leaf_hash: bytes
    tree_size: int  # the log's, at its latest checkpoint
    inclusion: Inclusion | None  # against that checkpoint; None until one includes the entry


def batch_item(entry_id: int, position: int) -> BatchItemProof | None:
    """The item at ``position`` of the batch of entry ``entry_id``, with its path and the entry's
    inclusion in the log's latest checkpoint; None if there is no such item. Reads the batch's
    items (at most ``batches.MAX_ITEMS``) in one query, the inclusion in one more."""
    batch = Batch.objects.select_related("entry__log").filter(pk=entry_id).first()
    if batch is None:
        return None
    items = split(batch.items)
    if not 0 <= position < len(items):
        return None
    tree = BatchTree(items)
    entry, log = batch.entry, batch.entry.log
    included = None
    if entry.index is not None:
        try:
            included = inclusion(log, entry.index, log.size)
        except ProofError:
            included = None  # a stored hash is missing: ledger_verify names it
    return BatchItemProof(
        item=items[position],
        position=position,
        size=tree.size,
        path=tree.path(position),
        root=tree.root,
        origin=log.origin,
        entry_index=entry.index,
        entry_leaf=bytes(entry.leaf),
        entry_leaf_hash=bytes(entry.leaf_hash),
        tree_size=log.size,
        inclusion=included,
    )
