"""The Merkle tree core against RFC 9162: the transparency-dev test vectors, an independent
recursive implementation of the RFC's proof definitions, and every small tree exhaustively."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from functools import cache
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meedoen.ledger.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_nodes,
    consistency_proof,
    inclusion_nodes,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    root_nodes,
    stored_hashes_for_append,
    stored_hashes_for_appends,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

REPO_ROOT = Path(__file__).resolve().parents[4]
TESTDATA = REPO_ROOT.parent / "shared" / "standards" / "merkle-testdata" / "testdata"
VECTORS_ABSENT = f"the Merkle test vectors are not at {TESTDATA} (shared/standards/merkle-testdata)"

Store = dict[tuple[int, int], bytes]


# --- Reference: RFC 9162 section 2.1 written out literally, on lists of leaf hashes -----------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def rfc_mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _k(len(leaves))
    return sha256(b"\x01" + rfc_mth(leaves[:k]) + rfc_mth(leaves[k:])).digest()


def rfc_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*rfc_path(m, leaves[:k]), rfc_mth(leaves[k:])]
    return [*rfc_path(m - k, leaves[k:]), rfc_mth(leaves[:k])]


def rfc_path_length(m: int, n: int) -> int:
    """len(rfc_path(m, leaves)) for n leaves, without hashing."""
    if n == 1:
        return 0
    k = _k(n)
    return 1 + (rfc_path_length(m, k) if m < k else rfc_path_length(m - k, n - k))


def rfc_subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [rfc_mth(leaves)]
    k = _k(n)
    if m <= k:
        return [*rfc_subproof(m, leaves[:k], b), rfc_mth(leaves[k:])]
    return [*rfc_subproof(m - k, leaves[k:], False), rfc_mth(leaves[:k])]


# --- Helpers ------------------------------------------------------------------------------------

LEAVES = [leaf_hash(f"entry {i}".encode()) for i in range(4096)]


def full_store(size: int) -> Store:
    """Every complete subtree of the first ``size`` leaves, computed from scratch."""
    store: Store = {}
    level = 0
    while (1 << level) <= size:
        for index in range(size >> level):
            store[(level, index)] = cached_subtree(level, index)
        level += 1
    return store


@cache
def cached_subtree(level: int, index: int) -> bytes:
    if level == 0:
        return LEAVES[index]
    return node_hash(cached_subtree(level - 1, 2 * index), cached_subtree(level - 1, 2 * index + 1))


def recording_reader(
    size: int, store: Store | None = None
) -> tuple[Callable[[int, int], bytes], list[tuple[int, int]]]:
    """A reader that refuses hashes of subtrees that are not complete at ``size`` and remembers
    what it was asked for."""
    asked: list[tuple[int, int]] = []

    def read(level: int, index: int) -> bytes:
        assert (index + 1) << level <= size, f"read incomplete subtree ({level}, {index}) at size {size}"
        asked.append((level, index))
        return store[(level, index)] if store is not None else cached_subtree(level, index)

    return read, asked


def flip_bit(data: bytes, bit: int = 0) -> bytes:
    return bytes([data[0] ^ (1 << bit), *data[1:]])


# --- Known answers ------------------------------------------------------------------------------


def test_hashes_use_the_rfc_domain_separation() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    # RFC 6962 reference vector: the hash of the empty leaf.
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(left, right) == sha256(b"\x01" + left + right).digest()
    assert node_hash(left, right) != node_hash(right, left)


def test_root_of_the_empty_tree() -> None:
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert tree_root(0, lambda level, index: pytest.fail("the empty tree reads nothing")) == EMPTY_ROOT
    assert root_nodes(0) == []


# --- Test vectors ------------------------------------------------------------------------------


def _vector_files(kind: str) -> list[object]:
    folder = TESTDATA / kind
    if not folder.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=VECTORS_ABSENT), id="vectors-absent")]
    files = sorted(folder.rglob("*.json"))
    return [pytest.param(path, id=str(path.relative_to(TESTDATA))) for path in files]


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _accepts_inclusion(case: dict[str, Any]) -> bool:
    proof = [_b64(item) for item in case["proof"] or []]
    try:
        verify_inclusion(_b64(case["leafHash"]), case["leafIdx"], case["treeSize"], proof, _b64(case["root"]))
    except ProofError:
        return False
    return True


def _accepts_consistency(case: dict[str, Any]) -> bool:
    proof = [_b64(item) for item in case["proof"] or []]
    try:
        verify_consistency(case["size1"], case["size2"], proof, _b64(case["root1"]), _b64(case["root2"]))
    except ProofError:
        return False
    return True


@pytest.mark.parametrize("path", _vector_files("inclusion"))
def test_inclusion_vector(path: Path) -> None:
    case = json.loads(path.read_text())
    assert _accepts_inclusion(case) is not case["wantErr"], case["desc"]


@pytest.mark.parametrize("path", _vector_files("consistency"))
def test_consistency_vector(path: Path) -> None:
    case = json.loads(path.read_text())
    assert _accepts_consistency(case) is not case["wantErr"], case["desc"]


def test_the_vectors_contain_accepting_and_refusing_cases() -> None:
    if not TESTDATA.is_dir():
        pytest.skip(VECTORS_ABSENT)
    wanted = {"inclusion": 0, "consistency": 0}
    refused = {"inclusion": 0, "consistency": 0}
    for kind in wanted:
        for path in (TESTDATA / kind).rglob("*.json"):
            if json.loads(path.read_text())["wantErr"]:
                refused[kind] += 1
            else:
                wanted[kind] += 1
    assert wanted == {"inclusion": 6, "consistency": 6}
    assert refused["inclusion"] > 80
    assert refused["consistency"] > 80


RFC6962_LEAVES = ("", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")


@pytest.mark.parametrize("kind", ["inclusion", "consistency"])
def test_our_proofs_are_the_happy_path_vectors(kind: str) -> None:
    """Every happy-path vector is a tree over the RFC 6962 reference leaves; we make the same proofs."""
    if not TESTDATA.is_dir():
        pytest.skip(VECTORS_ABSENT)
    leaves = [leaf_hash(bytes.fromhex(data)) for data in RFC6962_LEAVES]
    store = {(0, i): leaf for i, leaf in enumerate(leaves)}
    for level in (1, 2, 3):
        for index in range(len(leaves) >> level):
            store[(level, index)] = node_hash(store[(level - 1, 2 * index)], store[(level - 1, 2 * index + 1)])
    cases = [json.loads(path.read_text()) for path in sorted((TESTDATA / kind).glob("*/happy-path.json"))]
    assert len(cases) == 5
    for case in cases:
        expected = [_b64(item) for item in case["proof"] or []]
        if kind == "inclusion":
            read, _ = recording_reader(case["treeSize"], store)
            assert _b64(case["leafHash"]) == leaves[case["leafIdx"]]
            assert tree_root(case["treeSize"], read) == _b64(case["root"])
            assert inclusion_proof(case["leafIdx"], case["treeSize"], read) == expected
        else:
            read, _ = recording_reader(case["size2"], store)
            assert tree_root(case["size1"], read) == _b64(case["root1"])
            assert tree_root(case["size2"], read) == _b64(case["root2"])
            assert consistency_proof(case["size1"], case["size2"], read) == expected


# --- Every small tree --------------------------------------------------------------------------


@pytest.mark.parametrize("size", range(65))
def test_roots_agree_with_the_recursive_definition(size: int) -> None:
    store = full_store(size)
    read, asked = recording_reader(size, store)
    expected = rfc_mth(LEAVES[:size])
    assert root_from_leaf_hashes(LEAVES[:size]) == expected
    assert tree_root(size, read) == expected
    assert asked == root_nodes(size)


@pytest.mark.parametrize("size", range(1, 65))
def test_inclusion_proofs_for_every_leaf(size: int) -> None:
    store = full_store(size)
    root = root_from_leaf_hashes(LEAVES[:size])
    for index in range(size):
        read, asked = recording_reader(size, store)
        proof = inclusion_proof(index, size, read)
        assert proof == rfc_path(index, LEAVES[:size])
        assert asked == inclusion_nodes(index, size)
        verify_inclusion(LEAVES[index], index, size, proof, root)
        _assert_inclusion_refused_when_tampered(index, size, proof, root)


def _assert_inclusion_refused_when_tampered(index: int, size: int, proof: list[bytes], root: bytes) -> None:
    leaf = LEAVES[index]
    with pytest.raises(ProofError):
        verify_inclusion(flip_bit(leaf), index, size, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, proof, flip_bit(root))
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, [*proof, EMPTY_ROOT], root)
    if proof:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, proof[:-1], root)
        for position in range(len(proof)):
            tampered = list(proof)
            tampered[position] = flip_bit(tampered[position], 7)
            with pytest.raises(ProofError):
                verify_inclusion(leaf, index, size, tampered, root)
    for other in range(size):
        if other != index:
            with pytest.raises(ProofError):
                verify_inclusion(leaf, other, size, proof, root)
    # The tree size is bound by the signed checkpoint, not by the proof: a proof also verifies
    # for other sizes whose path has the same shape. Sizes with another path length must fail.
    for other_size in range(index + 1, 2 * size + 2):
        if rfc_path_length(index, other_size) != len(proof):
            with pytest.raises(ProofError):
                verify_inclusion(leaf, index, other_size, proof, root)


@pytest.mark.parametrize("size2", range(1, 65))
def test_consistency_proofs_for_every_older_size(size2: int) -> None:
    store = full_store(size2)
    root2 = root_from_leaf_hashes(LEAVES[:size2])
    for size1 in range(1, size2 + 1):
        root1 = root_from_leaf_hashes(LEAVES[:size1])
        read, asked = recording_reader(size2, store)
        proof = consistency_proof(size1, size2, read)
        assert proof == rfc_subproof(size1, LEAVES[:size2], True)
        assert asked == consistency_nodes(size1, size2)
        verify_consistency(size1, size2, proof, root1, root2)
        _assert_consistency_refused_when_tampered(size1, size2, proof, root1, root2)


def _assert_consistency_refused_when_tampered(
    size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes
) -> None:
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, flip_bit(root1), root2)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, root1, flip_bit(root2))
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, [*proof, EMPTY_ROOT], root1, root2)
    if proof:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof[:-1], root1, root2)
        for position in range(len(proof)):
            tampered = list(proof)
            tampered[position] = flip_bit(tampered[position], 3)
            with pytest.raises(ProofError):
                verify_consistency(size1, size2, tampered, root1, root2)
    for other in (size1 - 1, size1 + 1, size2 + 1):
        if 0 < other <= size2 and other != size1:
            with pytest.raises(ProofError):
                verify_consistency(other, size2, proof, root1, root2)


# --- Larger trees ------------------------------------------------------------------------------


@settings(max_examples=150)
@given(data=st.data(), size=st.integers(min_value=65, max_value=len(LEAVES)))
def test_proofs_in_larger_trees(data: st.DataObject, size: int) -> None:
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    size1 = data.draw(st.integers(min_value=1, max_value=size), label="size1")
    read, asked = recording_reader(size)
    root = tree_root(size, read)
    assert root == root_from_leaf_hashes(LEAVES[:size])

    asked.clear()
    proof = inclusion_proof(index, size, read)
    assert asked == inclusion_nodes(index, size)
    verify_inclusion(LEAVES[index], index, size, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(LEAVES[index], index ^ 1, size, proof, root)

    asked.clear()
    consistency = consistency_proof(size1, size, read)
    assert asked == consistency_nodes(size1, size)
    verify_consistency(size1, size, consistency, tree_root(size1, read), root)


def periodic_reader(size: int) -> Callable[[int, int], bytes]:
    """Stored hashes of a consistent tree of any size without building it: leaf i is leaf
    i mod 1024, so above level 10 all subtrees of a level are equal."""

    def read(level: int, index: int) -> bytes:
        assert (index + 1) << level <= size
        if level <= 10:
            return cached_subtree(level, index % (1 << (10 - level)))
        digest = cached_subtree(10, 0)
        for _ in range(level - 10):
            digest = node_hash(digest, digest)
        return digest

    return read


@settings(max_examples=200)
@given(data=st.data(), size=st.integers(min_value=1, max_value=(1 << 62)))
def test_proofs_in_huge_trees(data: st.DataObject, size: int) -> None:
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    size1 = data.draw(st.integers(min_value=1, max_value=size), label="size1")
    read = periodic_reader(size)
    root = tree_root(size, read)
    proof = inclusion_proof(index, size, read)
    assert len(proof) <= (size - 1).bit_length()
    verify_inclusion(read(0, index), index, size, proof, root)
    consistency = consistency_proof(size1, size, read)
    verify_consistency(size1, size, consistency, tree_root(size1, read), root)


# --- Appending ---------------------------------------------------------------------------------


def test_appending_one_by_one_stores_every_complete_subtree() -> None:
    store: Store = {}
    for size in range(300):
        read, asked = recording_reader(size, store)
        for level, index, digest in stored_hashes_for_append(size, LEAVES[size], read):
            assert (level, index) not in store
            store[(level, index)] = digest
        assert set(asked) <= set(root_nodes(size))
        if size in (0, 1, 2, 3, 7, 8, 63, 64, 100, 255, 256):
            assert store == full_store(size + 1)
    assert store == full_store(300)


@settings(max_examples=60)
@given(start=st.integers(min_value=0, max_value=600), count=st.integers(min_value=0, max_value=300))
def test_appending_a_batch_equals_appending_one_by_one(start: int, count: int) -> None:
    existing = full_store(start)
    read, asked = recording_reader(start, existing)
    batch = stored_hashes_for_appends(start, LEAVES[start : start + count], read)
    assert asked == root_nodes(start)
    assert len({(level, index) for level, index, _ in batch}) == len(batch)
    assert {**existing, **{(level, index): digest for level, index, digest in batch}} == full_store(start + count)
    one_by_one: list[tuple[int, int, bytes]] = []
    store = dict(existing)
    for size in range(start, start + count):
        for level, index, digest in stored_hashes_for_append(
            size, LEAVES[size], lambda level, index: store[(level, index)]
        ):
            store[(level, index)] = digest
            one_by_one.append((level, index, digest))
    assert batch == one_by_one


def test_appending_refuses_a_hash_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        stored_hashes_for_append(0, b"short", lambda level, index: b"")
    with pytest.raises(ValueError, match="32 bytes"):
        stored_hashes_for_appends(0, [LEAVES[0], b"short"], lambda level, index: b"")


# --- Malformed questions -----------------------------------------------------------------------


def test_inclusion_questions_outside_the_tree_are_refused() -> None:
    root = root_from_leaf_hashes(LEAVES[:4])
    proof = rfc_path(0, LEAVES[:4])
    for index, size in ((-1, 4), (4, 4), (5, 4), (0, 0), (0, -1)):
        with pytest.raises(ProofError):
            verify_inclusion(LEAVES[0], index, size, proof, root)
        with pytest.raises(ProofError):
            inclusion_proof(index, size, lambda level, i: pytest.fail("nothing to read"))
        with pytest.raises(ProofError):
            inclusion_nodes(index, size)


def test_hashes_of_the_wrong_length_are_refused() -> None:
    root = root_from_leaf_hashes(LEAVES[:4])
    proof = rfc_path(1, LEAVES[:4])
    with pytest.raises(ProofError, match="leaf hash must be 32 bytes"):
        verify_inclusion(LEAVES[1][:31], 1, 4, proof, root)
    with pytest.raises(ProofError, match="root must be 32 bytes"):
        verify_inclusion(LEAVES[1], 1, 4, proof, root + b"\x00")
    with pytest.raises(ProofError, match=r"proof\[1\] must be 32 bytes"):
        verify_inclusion(LEAVES[1], 1, 4, [proof[0], proof[1][:16]], root)
    with pytest.raises(ProofError, match="32 bytes"):
        verify_inclusion(b"", 0, 1, [], b"")

    root2 = root_from_leaf_hashes(LEAVES[:5])
    consistency = rfc_subproof(3, LEAVES[:5], True)
    root1 = root_from_leaf_hashes(LEAVES[:3])
    verify_consistency(3, 5, consistency, root1, root2)
    with pytest.raises(ProofError, match="root1 must be 32 bytes"):
        verify_consistency(3, 5, consistency, root1[:31], root2)
    with pytest.raises(ProofError, match="root2 must be 32 bytes"):
        verify_consistency(3, 5, consistency, root1, root2 * 2)
    with pytest.raises(ProofError, match=r"proof\[0\] must be 32 bytes"):
        verify_consistency(3, 5, [b"x", *consistency[1:]], root1, root2)


def test_consistency_questions_that_prove_nothing_are_refused() -> None:
    root = root_from_leaf_hashes(LEAVES[:4])
    with pytest.raises(ProofError, match="larger than size2"):
        verify_consistency(5, 4, [], root, root)
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 4, [], EMPTY_ROOT, root)
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    with pytest.raises(ProofError, match="negative"):
        verify_consistency(-1, 4, [], root, root)
    with pytest.raises(ProofError, match="must be empty"):
        verify_consistency(4, 4, [root], root, root)
    with pytest.raises(ProofError, match="roots differ"):
        verify_consistency(4, 4, [], root, flip_bit(root))
    with pytest.raises(ProofError, match="proof is empty"):
        verify_consistency(2, 4, [], root_from_leaf_hashes(LEAVES[:2]), root)
    verify_consistency(4, 4, [], root, root)
    with pytest.raises(ProofError):
        consistency_proof(5, 4, lambda level, index: b"")
    with pytest.raises(ProofError):
        consistency_nodes(-1, 4)
    assert consistency_proof(0, 4, lambda level, index: pytest.fail("nothing to read")) == []
    assert consistency_proof(4, 4, lambda level, index: pytest.fail("nothing to read")) == []
    assert consistency_nodes(4, 4) == []
