"""RFC 9162 (Certificate Transparency 2.0) section 2.1 Merkle trees: hashing, proofs and their
verification, computed from stored complete-subtree hashes as C2SP tlog-tiles logs store them.

A stored hash is addressed by (level, index): the hash of the 2**level leaves starting at leaf
index * 2**level. Only complete subtrees are ever stored, so a stored hash never changes once
written. Every other hash a proof or a root needs is folded from stored ones here. The ``*_nodes``
functions name the stored hashes a computation will read, so a caller can fetch them in one query
and hand a dictionary lookup to the computation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from hashlib import sha256

HASH_SIZE = 32

HashReader = Callable[[int, int], bytes]
"""Returns the stored hash at (level, index)."""

NodeId = tuple[int, int]
"""(level, index) of a stored hash."""

EMPTY_ROOT = sha256(b"").digest()
"""The root hash of the empty tree."""


class ProofError(ValueError):
    """A proof does not verify, or the question it answers is malformed."""


def leaf_hash(data: bytes) -> bytes:
    """The hash of one log entry: SHA-256(0x00 || entry)."""
    return sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly smaller than ``size`` (``size`` >= 2): where RFC 9162
    splits a range of ``size`` leaves into a complete left subtree and the rest."""
    return 1 << ((size - 1).bit_length() - 1)


def _range_nodes(start: int, end: int, out: list[NodeId]) -> None:
    """Append the complete subtrees that make up leaves [start, end), largest (leftmost) first.

    Only valid for the ranges RFC 9162 hashes: ``start`` is a multiple of a power of two that is
    at least ``end - start``, so the set bits of the width, high to low, are aligned subtrees.
    """
    width = end - start
    while width:
        level = width.bit_length() - 1
        out.append((level, start >> level))
        start += 1 << level
        width -= 1 << level


def _fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from its complete subtrees (largest first): RFC 9162 splits off the
    largest power of two on the left, so the subtrees combine from the right."""
    result = hashes[-1]
    for i in range(len(hashes) - 2, -1, -1):
        result = sha256(b"\x01" + hashes[i] + result).digest()
    return result


def _range_hash(start: int, end: int, read: HashReader) -> bytes:
    nodes: list[NodeId] = []
    _range_nodes(start, end, nodes)
    return _fold([read(level, index) for level, index in nodes])


def _check_size(name: str, value: int) -> None:
    if value < 0:
        raise ProofError(f"{name} must not be negative, got {value}")


# --- Roots ------------------------------------------------------------------------------------


def root_nodes(size: int) -> list[NodeId]:
    """The stored hashes that make up the root of a tree of ``size`` leaves, largest first.

    These are also the only existing stored hashes that appending to the tree reads.
    """
    _check_size("size", size)
    nodes: list[NodeId] = []
    _range_nodes(0, size, nodes)
    return nodes


def tree_root(size: int, read: HashReader) -> bytes:
    """The root hash of the tree of the first ``size`` leaves."""
    _check_size("size", size)
    if size == 0:
        return EMPTY_ROOT
    return _range_hash(0, size, read)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of the given leaf hashes, computed by RFC 9162's recursive definition
    (independent of the stored-hash machinery, so it can check it)."""
    if not hashes:
        return EMPTY_ROOT

    def mth(start: int, end: int) -> bytes:
        if end - start == 1:
            return hashes[start]
        middle = start + _split(end - start)
        return sha256(b"\x01" + mth(start, middle) + mth(middle, end)).digest()

    return mth(0, len(hashes))


# --- Appending --------------------------------------------------------------------------------


def stored_hashes_for_append(size: int, new_leaf_hash: bytes, read: HashReader) -> list[tuple[int, int, bytes]]:
    """The stored hashes that become complete when leaf number ``size`` is appended to a tree of
    ``size`` leaves: the leaf itself at level 0, then each parent that it completes.

    ``read`` is asked only for hashes in ``root_nodes(size)``.
    """
    _check_size("size", size)
    if len(new_leaf_hash) != HASH_SIZE:
        raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, got {len(new_leaf_hash)}")
    stored = [(0, size, new_leaf_hash)]
    level, index, digest = 0, size, new_leaf_hash
    while index & 1:
        digest = sha256(b"\x01" + read(level, index - 1) + digest).digest()
        level += 1
        index >>= 1
        stored.append((level, index, digest))
    return stored


def stored_hashes_for_appends(
    size: int, new_leaf_hashes: Iterable[bytes], read: HashReader
) -> list[tuple[int, int, bytes]]:
    """``stored_hashes_for_append`` for a batch of leaves appended to a tree of ``size`` leaves,
    in order. ``read`` is asked only for hashes in ``root_nodes(size)``; hashes made by the batch
    itself are remembered here."""
    # The right edge of the tree: the hashes of root_nodes(size), largest first. Appending a leaf
    # merges it with the edge's smallest subtrees for as long as they have its size.
    edge = [read(level, index) for level, index in root_nodes(size)]
    stored: list[tuple[int, int, bytes]] = []
    append = stored.append
    for digest in new_leaf_hashes:
        if len(digest) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, got {len(digest)}")
        append((0, size, digest))
        level, index = 0, size
        while index & 1:
            digest = sha256(b"\x01" + edge.pop() + digest).digest()
            level += 1
            index >>= 1
            append((level, index, digest))
        edge.append(digest)
        size += 1
    return stored


# --- Inclusion proofs -------------------------------------------------------------------------


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form RFC 9162's PATH(index, D[0:size]), leaf side first."""
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            ranges.append((middle, end))
            end = middle
        else:
            ranges.append((start, middle))
            start = middle
    ranges.reverse()
    return ranges


def _check_inclusion_question(index: int, size: int) -> None:
    _check_size("index", index)
    _check_size("size", size)
    if index >= size:
        raise ProofError(f"index {index} is not in a tree of size {size}")


def inclusion_nodes(index: int, size: int) -> list[NodeId]:
    """The stored hashes ``inclusion_proof(index, size, read)`` reads, in the order it reads them."""
    _check_inclusion_question(index, size)
    nodes: list[NodeId] = []
    for start, end in _inclusion_ranges(index, size):
        _range_nodes(start, end, nodes)
    return nodes


def inclusion_proof(index: int, size: int, read: HashReader) -> list[bytes]:
    """The RFC 9162 inclusion proof (audit path) of leaf ``index`` in the tree of ``size`` leaves."""
    _check_inclusion_question(index, size)
    return [_range_hash(start, end, read) for start, end in _inclusion_ranges(index, size)]


# --- Consistency proofs -----------------------------------------------------------------------


def _consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form RFC 9162's PROOF(size1, D[0:size2]), in proof order."""
    ranges: list[tuple[int, int]] = []
    start, end = 0, size2
    whole_old_tree = True  # the "b" flag of SUBPROOF: still on the old tree's own root
    while size1 - start != end - start:
        middle = start + _split(end - start)
        if size1 <= middle:
            ranges.append((middle, end))
            end = middle
        else:
            ranges.append((start, middle))
            start = middle
            whole_old_tree = False
    if not whole_old_tree:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def _check_consistency_question(size1: int, size2: int) -> None:
    _check_size("size1", size1)
    _check_size("size2", size2)
    if size1 > size2:
        raise ProofError(f"size1 ({size1}) is larger than size2 ({size2})")


def consistency_nodes(size1: int, size2: int) -> list[NodeId]:
    """The stored hashes ``consistency_proof(size1, size2, read)`` reads, in the order it reads them."""
    _check_consistency_question(size1, size2)
    nodes: list[NodeId] = []
    if size1 == 0:
        return nodes
    for start, end in _consistency_ranges(size1, size2):
        _range_nodes(start, end, nodes)
    return nodes


def consistency_proof(size1: int, size2: int, read: HashReader) -> list[bytes]:
    """The RFC 9162 consistency proof from the tree of ``size1`` leaves to that of ``size2``.

    Empty when the sizes are equal, and when ``size1`` is 0 (nothing to prove; verifiers refuse
    that question).
    """
    _check_consistency_question(size1, size2)
    if size1 == 0:
        return []
    return [_range_hash(start, end, read) for start, end in _consistency_ranges(size1, size2)]


# --- Verification -----------------------------------------------------------------------------


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} must be {HASH_SIZE} bytes, got {len(value)}")


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``
    (RFC 9162 section 2.1.3.2). Raises ProofError when it is not."""
    _check_inclusion_question(index, size)
    _check_hash("leaf hash", leaf_hash)
    _check_hash("root", root)
    fn, sn = index, size - 1
    result = leaf_hash
    for position, sibling in enumerate(proof):
        _check_hash(f"proof[{position}]", sibling)
        if sn == 0:
            raise ProofError(f"proof is too long: {len(proof)} hashes")
        if fn & 1 or fn == sn:
            result = sha256(b"\x01" + sibling + result).digest()
            # A right-edge node without a sibling is promoted: skip the levels it climbs alone.
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            result = sha256(b"\x01" + result + sibling).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"proof is too short: {len(proof)} hashes")
    if result != root:
        raise ProofError("proof does not lead to the root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Check that the tree of ``size2`` leaves with ``root2`` extends the tree of ``size1`` leaves
    with ``root1`` (RFC 9162 section 2.1.4.2). Raises ProofError when it does not.

    A proof from the empty tree proves nothing and is refused. Equal sizes need an empty proof
    and identical roots.
    """
    _check_consistency_question(size1, size2)
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise ProofError("sizes are equal, so the proof must be empty")
        if root1 != root2:
            raise ProofError("sizes are equal but the roots differ")
        return
    _check_hash("root1", root1)
    _check_hash("root2", root2)
    if not proof:
        raise ProofError("proof is empty")
    for position, node in enumerate(proof):
        _check_hash(f"proof[{position}]", node)
    path: Sequence[bytes] = proof
    if size1 & (size1 - 1) == 0:
        # The old tree is a complete subtree of the new one, so its root starts the path.
        path = [root1, *proof]
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = path[0]
    for node in path[1:]:
        if sn == 0:
            raise ProofError(f"proof is too long: {len(proof)} hashes")
        if fn & 1 or fn == sn:
            first = sha256(b"\x01" + node + first).digest()
            second = sha256(b"\x01" + node + second).digest()
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            second = sha256(b"\x01" + second + node).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"proof is too short: {len(proof)} hashes")
    if first != root1:
        raise ProofError("proof does not lead to root1")
    if second != root2:
        raise ProofError("proof does not lead to root2")
