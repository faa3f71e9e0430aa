"""Batches: one signed entry of the shared log that stands for many items of one kind (ADR 0010).

An item says what an entry of its own would say about one event, without what the batch's entry
says once for all of them (the acting organisation, the log, the time and the signature): the
item's kind, the SHA-256 of its payload and the pseudonym of its subject, as canonical JSON. The
batch's entry has as its payload the items' kind, their number and the root of an RFC 9162 Merkle
tree over the items (the same leaf and node hashes as the log's own tree). So an item is proven in
two steps, both RFC 9162 inclusion proofs: the item in its batch's tree (``BatchTree.path``),
and the batch's entry in the log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from meedoen.ledger.entries import canonical, json_string, read_canonical
from meedoen.ledger.merkle import inclusion_proof, leaf_hash, node_hash, tree_root, verify_inclusion

ITEM_FORMAT_VERSION = 1
BATCH_FORMAT_VERSION = 1
MAX_ITEMS = 65_536
"""Items per batch at most: the proof of one item reads every item of its batch."""

_ITEM = b'{"kind":%b,"payload_sha256":%b,"subject":%b,"subject_key":%d,"v":%d}'
_SEPARATOR = b"\n"  # canonical JSON with ASCII escapes holds no line break of its own


def item_leaf(*, kind: str, payload_sha256: str, subject: str, subject_key_version: int) -> bytes:
    """An item as its batch's tree hashes it: the canonical JSON (keys sorted, no spaces, ASCII)
    of ``kind``, ``payload_sha256``, ``subject`` (a pseudonym, or empty), ``subject_key`` (the
    pseudonym key's version) and ``v``, written from a byte template."""
    return _ITEM % (
        json_string(kind),
        json_string(payload_sha256),
        json_string(subject),
        subject_key_version,
        ITEM_FORMAT_VERSION,
    )


def read_item(item: bytes) -> dict[str, Any]:
    """The fields of an item; EntryError when the bytes are not an item in canonical form."""
    return read_canonical(item, version=ITEM_FORMAT_VERSION, what="item")


def batch_payload(*, item_kind: str, size: int, root: bytes) -> bytes:
    """What the batch's entry holds the SHA-256 of: the items' kind, their number and their root."""
    return canonical({"items": size, "kind": item_kind, "root": root.hex(), "v": BATCH_FORMAT_VERSION})


def payload_sha256(*, item_kind: str, size: int, root: bytes) -> str:
    return hashlib.sha256(batch_payload(item_kind=item_kind, size=size, root=root)).hexdigest()


def joined(items: Sequence[bytes]) -> bytes:
    """The items as the batch keeps them: one after the other, a line each."""
    return _SEPARATOR.join(items)


def split(stored: bytes | memoryview) -> list[bytes]:
    return bytes(stored).split(_SEPARATOR)


class BatchTree:
    """The RFC 9162 Merkle tree over a batch's items, with every complete subtree's hash, from
    which its root and the path of any item are folded as the log's own tree folds them."""

    def __init__(self, items: Sequence[bytes]) -> None:
        if not items:
            raise ValueError("a batch holds at least one item")
        if len(items) > MAX_ITEMS:
            raise ValueError(f"a batch holds at most {MAX_ITEMS} items")
        level = [leaf_hash(item) for item in items]
        self.levels = [level]
        while len(level) > 1:
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            self.levels.append(level)
        self.size = len(items)
        self.root = tree_root(self.size, self._read)

    def _read(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def path(self, position: int) -> list[bytes]:
        """The audit path of the item at ``position``: the hashes ``verify_item`` needs."""
        return inclusion_proof(position, self.size, self._read)


def verify_item(item: bytes, position: int, size: int, path: Sequence[bytes], root: bytes) -> None:
    """Check that ``item`` is the item at ``position`` of a batch of ``size`` items with ``root``;
    ProofError when it is not."""
    verify_inclusion(leaf_hash(item), position, size, path, root)
