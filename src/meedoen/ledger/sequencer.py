"""The sequencer: one at a time per log, it gives queued entries their index, stores the new
complete-subtree hashes and publishes a signed checkpoint for the new size.

"One at a time" is the row lock on the log (SELECT ... FOR UPDATE on PostgreSQL; SQLite lets one
writer in at a time anyway), so concurrent writers queue entries freely and never fork the tree.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from meedoen.ledger.merkle import root_nodes, stored_hashes_for_appends, tree_root
from meedoen.ledger.models import Checkpoint, Entry, Log, Node, SequencingAsked
from meedoen.ledger.publish import checkpoint_note
from meedoen.ledger.selectors import stored_hashes

BATCH_SIZE = 10_000
"""Entries per batch: a batch holds the log's lock for about half a second at most, and its fixed
costs (reading the queue, signing a checkpoint, committing) are shared by many entries."""


def sequence_queued(log_id: int, *, batch_size: int = BATCH_SIZE) -> int:
    """Sequence everything queued in the log by now, batch by batch; returns how many.

    It stops after a batch that was not full: that batch took every entry committed before it
    began, and a transaction that commits later asks for a sequencing again (``ask``). So it never
    runs an extra, empty batch, whose queue scan is most of the cost of a small one.
    """
    total = 0
    while True:
        taken = sequence(log_id, batch_size=batch_size)
        total += taken
        if taken < batch_size:
            return total


ASK_AGAIN_AFTER = timedelta(minutes=1)
"""How long an ask for a sequencing stands before a writer asks again: longer than a task waits in
a working queue, short enough that entries never wait long on a task that was lost."""


def ask(log_id: int, *, now: datetime | None = None) -> bool:
    """Note, after a commit that queued entries in the log, that it needs sequencing; returns
    whether a task must be queued for it: no task is waiting, or the one asked for has waited
    longer than ``ASK_AGAIN_AFTER``.

    A waiting task has not begun (``begin``), so the queue it will read holds these entries. One
    statement writes the ask and says whether it was standing, so of writers that commit at the same
    time one queues a task. A million signals queue about 17,000 entries in chunks; without this
    each chunk's commit queued a task per log, and a worker that keeps up ran them all.

    Most commits find an ask standing, and only read it: writing (or merely locking) the row would
    make the ask a transaction of its own that PostgreSQL flushes to disk, several milliseconds for
    every chunk an intake commits. Reading is enough. These entries were committed before the read;
    a task that begins after it clears the ask after that, and reads the queue after clearing.
    """
    now = now or timezone.now()
    moment, stale = (connection.ops.adapt_datetimefield_value(value) for value in (now, now - ASK_AGAIN_AFTER))
    with connection.cursor() as cursor:
        # The table of SequencingAsked; SQLite (3.35 and later) and PostgreSQL both read this.
        cursor.execute("SELECT 1 FROM ledger_sequencingasked WHERE log_id = %s AND asked_at >= %s", [log_id, stale])
        if cursor.fetchone() is not None:
            return False
        cursor.execute(
            "INSERT INTO ledger_sequencingasked (log_id, asked_at) VALUES (%s, %s)"
            " ON CONFLICT (log_id) DO UPDATE SET asked_at = excluded.asked_at"
            " WHERE ledger_sequencingasked.asked_at IS NULL OR ledger_sequencingasked.asked_at < %s"
            " RETURNING log_id",
            [log_id, moment, stale],
        )
        return cursor.fetchone() is not None


def clear(log_id: int) -> None:
    """No task waits for the log any more: the next commit asks for one (``ask``). For a task that
    begins (``begin``), and for an ask whose task could not be queued."""
    SequencingAsked.objects.filter(log_id=log_id).update(asked_at=None)


def begin(log_id: int) -> None:
    """A sequencing task begins: from now on a commit asks for a task of its own. Committed at
    once, before the task reads the queue; inside a longer transaction a writer's ask would wait
    for it, and find the ask standing again if it rolled back."""
    with transaction.atomic(durable=True):
        clear(log_id)


def sequence_asked(log_id: int) -> int:
    """What a sequencing task does: it begins, then sequences everything queued by then; returns
    how many entries it sequenced."""
    begin(log_id)
    return sequence_queued(log_id)


def logs_waiting(older_than: timedelta, *, now: datetime | None = None) -> list[int]:
    """The logs with an entry queued longer ago than ``older_than`` and still without its place."""
    queued_before = (now or timezone.now()) - older_than
    waiting = Entry.objects.filter(index__isnull=True, queued_at__lt=queued_before)
    return sorted(set(waiting.values_list("log_id", flat=True)))


def sequence(log_id: int, *, batch_size: int = BATCH_SIZE) -> int:
    """Sequence up to ``batch_size`` queued entries of one log; returns how many."""
    with transaction.atomic():
        log = Log.objects.select_for_update().get(pk=log_id)
        leaf_hashes = _take_queued(log, batch_size)
        if not leaf_hashes:
            return 0
        nodes = stored_hashes(log, root_nodes(log.size))

        def read(level: int, index: int) -> bytes:
            return nodes[(level, index)]

        new_nodes = stored_hashes_for_appends(log.size, leaf_hashes, read)
        nodes.update(((level, index), digest) for level, index, digest in new_nodes)
        size = log.size + len(leaf_hashes)
        _store_nodes(log, new_nodes)
        log.size = size
        log.root_hash = tree_root(size, read)
        # A new checkpoint has no cosignatures yet; witnesses add theirs (services.cosignature_add).
        log.checkpoint = checkpoint_note(log.origin, size, log.root_hash)
        log.save(update_fields=["size", "root_hash", "checkpoint"])
        Checkpoint.objects.create(log=log, size=size, root_hash=log.root_hash, note=log.checkpoint)
    return len(leaf_hashes)


def _take_queued(log: Log, batch_size: int) -> list[bytes]:
    """Give the oldest ``batch_size`` queued entries of the log the next indexes, in the order
    they were queued (their primary keys); returns their leaf hashes in index order."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Read the queue with an index scan, not a bitmap scan. Every sequenced entry leaves a
            # dead row version in the queue index (its index was NULL) until VACUUM removes it. A
            # bitmap scan, which the planner picks for the few rows it expects, visits every one
            # of them again on each run: 0.4 s per batch with a million of them. An index scan
            # marks them dead as it passes, so later runs skip them. Only for this statement:
            # other reads could be planned worse without bitmap scans.
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            # One statement picks the batch, numbers it in queue order and writes the numbers.
            cursor.execute(
                "WITH batch AS ("
                '  SELECT id, leaf_hash FROM ledger_entry WHERE log_id = %s AND "index" IS NULL ORDER BY id LIMIT %s'
                "), numbered AS ("
                "  SELECT id, leaf_hash, %s + row_number() OVER (ORDER BY id) - 1 AS position FROM batch"
                ') UPDATE ledger_entry AS entry SET "index" = numbered.position FROM numbered'
                " WHERE entry.id = numbered.id RETURNING numbered.position, numbered.leaf_hash",
                [log.pk, batch_size, log.size],
            )
            taken = sorted(cursor.fetchall())
            cursor.execute("SET LOCAL enable_bitmapscan = DEFAULT")
        return [bytes(digest) for _, digest in taken]
    queued = list(
        Entry.objects.filter(log=log, index__isnull=True).order_by("pk").values_list("pk", "leaf_hash")[:batch_size]
    )
    Entry.objects.bulk_update(
        [Entry(pk=pk, index=log.size + offset) for offset, (pk, _) in enumerate(queued)], ["index"], batch_size=500
    )
    return [bytes(digest) for _, digest in queued]


def _store_nodes(log: Log, new_nodes: list[tuple[int, int, bytes]]) -> None:
    """Write the new subtree hashes: one COPY on PostgreSQL, batched INSERTs elsewhere."""
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.copy('COPY ledger_node (log_id, level, "index", hash) FROM STDIN (FORMAT BINARY)') as copy,
        ):
            copy.set_types(["int8", "int2", "int8", "bytea"])
            for level, index, digest in new_nodes:
                copy.write_row((log.pk, level, index, digest))
        return
    Node.objects.bulk_create(
        [Node(log=log, level=level, index=index, hash=digest) for level, index, digest in new_nodes], batch_size=5000
    )
