"""Recompute a log from its stored entries and compare with everything stored and published:
entry hashes, subtree hashes, the root, every checkpoint, and the items kept for an entry that
stands for a batch. Reports the first entry that does not match, so tampering in the database (a
changed, removed, reordered or added row) is found."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from meedoen.ledger import batches
from meedoen.ledger.entries import EntryError, read_leaf
from meedoen.ledger.merkle import EMPTY_ROOT, leaf_hash, node_hash, tree_root
from meedoen.ledger.models import BATCH_KINDS, Batch, Checkpoint, Entry, Log, Node
from meedoen.ledger.notes import with_signature_lines

CHUNK = 10_000


@dataclass
class Report:
    origin: str
    size: int
    problems: list[str] = field(default_factory=list)
    first_bad_index: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def bad(self, index: int | None, message: str) -> None:
        self.problems.append(message)
        if index is not None and (self.first_bad_index is None or index < self.first_bad_index):
            self.first_bad_index = index


def verify_log(log: Log, *, check_checkpoint: Callable[[str, str, int, bytes], str | None] | None = None) -> Report:
    """``check_checkpoint(note, origin, size, root)`` returns a problem or None (the signature
    check, passed in so this module does not depend on key handling)."""
    report = Report(origin=log.origin, size=log.size)
    levels: list[list[bytes]] = [[]]
    problems_at: dict[int, bool] = {}
    for expected, (index, leaf, stored_hash) in enumerate(_entries(log)):
        if index != expected:
            report.bad(expected, f"entry {expected} is missing or out of order (found {index} in its place)")
            return report
        computed = leaf_hash(leaf)
        if computed != stored_hash:
            problems_at[index] = True
            report.bad(index, f"entry {index}: its content does not match its hash")
        levels[0].append(computed)
    count = len(levels[0])
    if count != log.size:
        report.bad(min(count, log.size), f"the log says {log.size} entries, {count} are stored")
    # Every complete subtree, level by level, compared with the stored hashes.
    level = 0
    while len(levels[level]) >= 2:
        below = levels[level]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
        level += 1
    bad_leaves = [index for index in range(count) if problems_at.get(index)]
    mismatched: set[tuple[int, int]] = set()
    for stored_level, index, digest in _nodes(log):
        span = 1 << stored_level
        first, last = index * span, (index + 1) * span - 1
        known: list[bytes] = levels[stored_level] if stored_level < len(levels) else []
        if index >= len(known):
            report.bad(max(first, count), f"stored hash ({stored_level}, {index}) covers entries that are not stored")
            continue
        if known[index] == digest:
            continue
        mismatched.add((stored_level, index))
        children = {(stored_level - 1, 2 * index), (stored_level - 1, 2 * index + 1)}
        # A mismatch above a changed entry or a changed lower hash is its consequence; only the
        # lowest one tells where the log was altered.
        if any(first <= leaf <= last for leaf in bad_leaves) or children & mismatched:
            continue
        report.bad(first, f"stored hash ({stored_level}, {index}) does not match entries {first} to {last}")

    def read(node_level: int, node_index: int) -> bytes:
        return levels[node_level][node_index]

    root = tree_root(count, read) if count else EMPTY_ROOT
    if root != bytes(log.root_hash):
        report.bad(None, "the log's root hash does not match its entries")
    latest = Checkpoint.objects.filter(log=log).order_by("-size").first()
    if latest is not None:
        lines = latest.cosignatures.order_by("witness").values_list("signature_line", flat=True)
        if log.checkpoint != with_signature_lines(latest.note, lines):
            report.bad(None, "the checkpoint the log serves is not its latest checkpoint with its cosignatures")
    for checkpoint in Checkpoint.objects.filter(log=log).order_by("size").iterator():
        if checkpoint.size > count:
            report.bad(count, f"checkpoint of size {checkpoint.size} is beyond the {count} stored entries")
            continue
        expected_root = tree_root(checkpoint.size, read) if checkpoint.size else EMPTY_ROOT
        if expected_root != bytes(checkpoint.root_hash):
            report.bad(None, f"checkpoint of size {checkpoint.size} does not match the entries")
        if check_checkpoint is not None:
            problem = check_checkpoint(checkpoint.note, log.origin, checkpoint.size, expected_root)
            if problem:
                report.bad(None, f"checkpoint of size {checkpoint.size}: {problem}")
    _check_batches(log, report)
    return report


def _check_batches(log: Log, report: Report) -> None:
    """Each batch's items against the root its entry signed: an item changed, removed, added or
    moved changes the root, so the entry's payload hash no longer matches. An entry of a kind that
    stands for a batch must have one."""
    without = Entry.objects.filter(log=log, kind__in=BATCH_KINDS, batch__isnull=True).order_by("id")
    for index in without.values_list("index", flat=True):
        report.bad(index, f"{_entry_named(index)}: its batch of items is missing")
    batches_of_log = (
        Batch.objects.filter(entry__log=log)
        .order_by("entry_id")
        .values_list("entry__index", "entry__leaf", "item_kind", "size", "items")
    )
    for index, leaf, item_kind, size, items in batches_of_log.iterator(chunk_size=100):
        at = _entry_named(index)
        kept = batches.split(items)
        try:
            signed = read_leaf(bytes(leaf))["payload_sha256"]
            root = batches.BatchTree(kept).root
        except (EntryError, KeyError, ValueError):
            report.bad(index, f"{at}: its batch of items cannot be read")
            continue
        if len(kept) != size or batches.payload_sha256(item_kind=item_kind, size=size, root=root) != signed:
            report.bad(index, f"{at}: its batch of items does not match the root it signed")


def _entry_named(index: int | None) -> str:
    return f"entry {index}" if index is not None else "a queued entry"


def _entries(log: Log) -> Iterator[tuple[int, bytes, bytes]]:
    last = -1
    while True:
        chunk = list(
            Entry.objects.filter(log=log, index__isnull=False, index__gt=last)
            .order_by("index")
            .values_list("index", "leaf", "leaf_hash")[:CHUNK]
        )
        if not chunk:
            return
        for index, leaf, digest in chunk:
            yield int(index or 0), bytes(leaf), bytes(digest)
        last = int(chunk[-1][0] or 0)


def _nodes(log: Log) -> Iterator[tuple[int, int, bytes]]:
    rows = Node.objects.filter(log=log).order_by("level", "index").values_list("level", "index", "hash")
    for level, index, digest in rows.iterator(chunk_size=CHUNK):
        yield level, index, bytes(digest)
