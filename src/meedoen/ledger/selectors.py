"""Reads of the shared log: checkpoints and proofs, computed from the stored subtree hashes."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

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
from meedoen.ledger.models import Checkpoint, Entry, Log, Node
from meedoen.ledger.notes import NoteError, open_checkpoint
from meedoen.ledger.publish import log_verifier
from meedoen.ledger.services import witness_verifiers


@dataclass(frozen=True)
class Inclusion:
    leaf: bytes
    leaf_hash: bytes
    proof: list[bytes]
    checkpoint_note: str


def latest_checkpoint_note(log: Log) -> str | None:
    """The latest checkpoint with every cosignature collected for it, as one signed note."""
    latest = Checkpoint.objects.filter(log=log).order_by("-size").prefetch_related("cosignatures").first()
    if latest is None:
        return None
    return with_cosignatures(latest)


def with_cosignatures(checkpoint: Checkpoint) -> str:
    lines = [cosignature.signature_line for cosignature in checkpoint.cosignatures.order_by("witness")]
    return checkpoint.note + "".join(f"{line}\n" for line in lines)


def stored_hashes(log: Log, wanted: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes a proof needs, fetched in one query by their exact (level, index)."""
    if not wanted:
        return {}
    exact = Q()
    for level, index in set(wanted):
        exact |= Q(level=level, index=index)
    rows = Node.objects.filter(exact, log=log).values_list("level", "index", "hash")
    found = {(level, index): bytes(digest) for level, index, digest in rows}
    missing = [key for key in wanted if key not in found]
    if missing:
        raise ProofError(f"the log is missing stored hashes {missing[:3]}")
    return found


def inclusion(log: Log, index: int, size: int) -> Inclusion | None:
    """Entry ``index`` with its proof against the checkpoint of ``size``; None if either is absent."""
    if not 0 <= index < size <= log.size:
        return None
    checkpoint = Checkpoint.objects.filter(log=log, size=size).first()
    entry = Entry.objects.filter(log=log, index=index).values_list("leaf", "leaf_hash").first()
    if checkpoint is None or entry is None:
        return None
    nodes = stored_hashes(log, inclusion_nodes(index, size))
    proof = inclusion_proof(index, size, lambda level, i: nodes[(level, i)])
    return Inclusion(
        leaf=bytes(entry[0]), leaf_hash=bytes(entry[1]), proof=proof, checkpoint_note=with_cosignatures(checkpoint)
    )


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
