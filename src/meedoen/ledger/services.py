"""Writes to the shared log. Modules call ``entry_append`` inside the transaction of their own
change; the entry is queued there and sequenced into the tree after the commit."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from meedoen.core.access import WORKSPACE_ROLES, Actor
from meedoen.core.audit import record_change
from meedoen.ledger import batches, keys, publish
from meedoen.ledger.entries import BatchSigner, canonical, entry_parts, entry_time, leaf_from_parts
from meedoen.ledger.merkle import EMPTY_ROOT, leaf_hash
from meedoen.ledger.models import Batch, Checkpoint, Cosignature, Entry, Log
from meedoen.ledger.notes import (
    NoteSignature,
    VerifierKey,
    open_checkpoint,
    verify_cosignature,
    with_signature_lines,
)
from meedoen.organisations.models import Municipality, Organisation

COPY_FROM = 3
"""``entries_append`` writes this many entries or more with COPY on PostgreSQL."""


class LedgerOutsideTransactionError(RuntimeError):
    pass


def origin_for(municipality: Municipality) -> str:
    return f"{settings.LEDGER_ORIGIN_PREFIX.rstrip('/')}/{municipality.code}"


def log_for(municipality: Municipality) -> Log:
    log, _ = Log.objects.get_or_create(
        municipality=municipality, defaults={"origin": origin_for(municipality), "root_hash": EMPTY_ROOT}
    )
    return log


@dataclass(frozen=True)
class NewEntry:
    """One entry to queue with ``entries_append``; the arguments of ``entry_append``."""

    municipality: Municipality
    kind: str
    acting: Organisation
    payload: bytes | dict[str, Any]
    receiving: Organisation | None = None
    subject_ref: str = ""
    refers_to: bytes = b""


def entry_append(
    *,
    municipality: Municipality,
    kind: str,
    acting: Organisation,
    payload: bytes | dict[str, Any],
    receiving: Organisation | None = None,
    subject_ref: str = "",
    refers_to: bytes = b"",
) -> Entry:
    """Queue an entry, signed by the acting organisation. Call inside the change's transaction:
    the entry then exists exactly when the change does."""
    new = NewEntry(
        municipality=municipality,
        kind=kind,
        acting=acting,
        payload=payload,
        receiving=receiving,
        subject_ref=subject_ref,
        refers_to=refers_to,
    )
    [queued], [log] = _append([new])
    entry = Entry(
        pk=queued.pk,
        log=log,
        kind=kind,
        acting_organisation=acting,
        receiving_organisation=receiving,
        leaf=queued.leaf,
        leaf_hash=queued.leaf_hash,
        queued_at=queued.queued_at,
    )
    entry._state.adding, entry._state.db = False, connection.alias  # as the ORM marks what it saved
    return entry


@dataclass(frozen=True, slots=True)
class QueuedEntry:
    """An entry as ``entries_append`` queued it; the sequencer gives it its index later."""

    pk: int
    log_id: int
    kind: str
    leaf: bytes
    leaf_hash: bytes
    queued_at: datetime


def entries_append(new_entries: Iterable[NewEntry]) -> list[QueuedEntry]:
    """Queue several entries, in order, as ``entry_append`` queues one: inside the change's
    transaction, each signed by its acting organisation. Nothing is written when any of them is
    refused. A change that logs many entries saves a round trip per entry: they are written
    together (one COPY on PostgreSQL), and a log is looked up once per transaction. Entries
    queued by one call carry the same time, to the second."""
    queued, _ = _append(list(new_entries))
    return queued


def _append(wanted: list[NewEntry]) -> tuple[list[QueuedEntry], list[Log]]:
    """``entries_append``, also returning the log of each entry."""
    if not connection.in_atomic_block:
        kinds = ", ".join(dict.fromkeys(new.kind for new in wanted)) or "entries"
        raise LedgerOutsideTransactionError(f"{kinds} must be logged inside the transaction of the change")
    known_kinds = frozenset(Entry.Kind.values)
    for new in wanted:
        if new.kind not in known_kinds:
            raise ValueError(f"unknown entry kind {new.kind!r}")
    logs: dict[int, Log] = {}
    to_sequence: list[Log] = []  # the logs this transaction queues its first entries in
    # The logs of the municipalities this transaction has not queued in yet: one query for all.
    first_time = {new.municipality.pk for new in wanted} - {
        pending.log.municipality_id for pending in _pending_sequencings()
    }
    existing = {log.municipality_id: log for log in Log.objects.filter(municipality_id__in=first_time)}
    queued_at = timezone.now()
    time = entry_time(queued_at)
    key_version = settings.LEDGER_SUBJECT_KEY_VERSION
    entry_logs: list[Log] = []
    parts: list[tuple[bytes, bytes]] = []
    signer = BatchSigner()
    for new in wanted:
        municipality = new.municipality
        log = logs.get(municipality.pk)
        if log is None:
            pending = _pending_sequencing(municipality)
            if pending is None:
                log = existing.get(municipality.pk) or log_for(municipality)
                to_sequence.append(log)
            else:
                log = pending.log
            logs[municipality.pk] = log
        entry_logs.append(log)
        acting = new.acting.slug
        head, tail = entry_parts(
            kind=new.kind,
            log=log.origin,
            acting=acting,
            receiving=new.receiving.slug if new.receiving else "",
            subject=_subject(municipality.code, new.subject_ref),
            subject_key_version=key_version,
            payload_sha256=_payload_sha256(new.payload),
            time=time,
            refers_to=new.refers_to.hex(),
        )
        parts.append((head, tail))
        signer.add(keys.organisation_key(acting), head + tail)
    queued = _insert(wanted, entry_logs, _leaves(parts, signer), queued_at)
    for log in to_sequence:
        # One ask per log and transaction, however many entries it queues: a task sequences
        # everything queued by the time it begins.
        transaction.on_commit(_SequenceAfterCommit(log))
    return queued, entry_logs


def _payload_sha256(payload: bytes | dict[str, Any]) -> str:
    """The hash an entry or item holds of its payload: of the bytes, or of a dictionary's canonical JSON."""
    return hashlib.sha256(payload if isinstance(payload, bytes) else canonical(payload)).hexdigest()


def _subject(municipality_code: str, subject_ref: str) -> str:
    """The pseudonym an entry or item names its subject by; empty without a subject."""
    return keys.subject_pseudonym(municipality_code, subject_ref) if subject_ref else ""


def _leaves(parts: list[tuple[bytes, bytes]], signer: BatchSigner) -> Iterator[bytes]:
    """The entries' leaves in order, each as soon as its signature is there."""
    for start, signatures in signer.in_order():
        for (head, tail), signature in zip(parts[start : start + len(signatures)], signatures, strict=True):
            yield leaf_from_parts(head, tail, signature)


def _insert(wanted: list[NewEntry], logs: list[Log], leaves: Iterator[bytes], queued_at: datetime) -> list[QueuedEntry]:
    """Write queued entries and return them with their primary keys, in order. On PostgreSQL
    three or more go in with COPY (their keys drawn from the table's sequence first), which costs
    a third to a quarter of a multi-row INSERT; elsewhere, and for one or two, a plain INSERT.

    The entries are still being signed as they are written: each goes into the COPY as soon as its
    leaf is made, so the database stores the first ones while the helper threads sign the rest."""
    if connection.vendor != "postgresql" or len(wanted) < COPY_FROM:
        leaves_made = list(leaves)
        hashes = [leaf_hash(leaf) for leaf in leaves_made]
        entries = [
            Entry(
                log=log,
                kind=new.kind,
                acting_organisation=new.acting,
                receiving_organisation=new.receiving,
                leaf=leaf,
                leaf_hash=digest,
            )
            for new, log, leaf, digest in zip(wanted, logs, leaves_made, hashes, strict=True)
        ]
        Entry.objects.bulk_create(entries, batch_size=1000)
        return [
            QueuedEntry(entry.pk, entry.log_id, entry.kind, leaf, digest, entry.queued_at)
            for entry, leaf, digest in zip(entries, leaves_made, hashes, strict=True)
        ]
    queued: list[QueuedEntry] = []
    keys_in_order = _new_keys(len(wanted))
    columns = "id, log_id, kind, acting_organisation_id, receiving_organisation_id, leaf, leaf_hash, queued_at"
    # The binary format: the leaves go as they are, not as hex digits both sides must convert.
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY ledger_entry ({columns}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types(["int8", "int8", "varchar", "int8", "int8", "bytea", "bytea", "timestamptz"])
        write = copy.write_row
        for pk, new, log, leaf in zip(keys_in_order, wanted, logs, leaves, strict=True):
            digest = leaf_hash(leaf)
            receiving = new.receiving.pk if new.receiving else None
            write((pk, log.pk, new.kind, new.acting.pk, receiving, leaf, digest, queued_at))
            queued.append(QueuedEntry(pk, log.pk, new.kind, leaf, digest, queued_at))
    return queued


def _new_keys(count: int) -> list[int]:
    """``count`` new primary keys of ``ledger_entry``, ascending, drawn with the table's sequence
    looked up once rather than once per key."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(sequence) FROM CAST(pg_get_serial_sequence('ledger_entry', 'id') AS regclass) AS sequence,"
            " generate_series(1, %s)",
            [count],
        )
        return sorted(row[0] for row in cursor.fetchall())


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One item of a batch: what an entry of its own would hash and name as its subject."""

    payload: bytes | dict[str, Any]
    subject_ref: str = ""


@dataclass(frozen=True)
class NewBatch:
    """Many items of one kind that one entry of ``kind``, signed by the acting organisation,
    stands for in the municipality's log (``ledger.batches``)."""

    municipality: Municipality
    kind: str
    item_kind: str
    acting: Organisation
    items: Sequence[BatchItem]


def batches_append(new_batches: Iterable[NewBatch]) -> list[QueuedEntry]:
    """Queue an entry per batch, as ``entries_append`` queues entries (inside the change's
    transaction, signed by the acting organisation), and keep each batch's items: the entry's
    payload is the root of the items' tree, so each item can be proven. One signature and one
    place in the log per batch instead of per item."""
    wanted = list(new_batches)
    key_version = settings.LEDGER_SUBJECT_KEY_VERSION
    kept: list[tuple[str, list[bytes]]] = []
    entries: list[NewEntry] = []
    for batch in wanted:
        code = batch.municipality.code
        item_kind = batch.item_kind
        items = [
            batches.item_leaf(
                kind=item_kind,
                payload_sha256=_payload_sha256(item.payload),
                subject=_subject(code, item.subject_ref),
                subject_key_version=key_version,
            )
            for item in batch.items
        ]
        tree = batches.BatchTree(items)
        payload = batches.batch_payload(item_kind=item_kind, size=tree.size, root=tree.root)
        entries.append(NewEntry(municipality=batch.municipality, kind=batch.kind, acting=batch.acting, payload=payload))
        kept.append((item_kind, items))
    queued = entries_append(entries)
    Batch.objects.bulk_create(
        Batch(entry_id=entry.pk, item_kind=item_kind, size=len(items), items=batches.joined(items))
        for entry, (item_kind, items) in zip(queued, kept, strict=True)
    )
    return queued


def entry_accept(*, actor: Actor, entry: Entry) -> Entry:
    """The receiving organisation countersigns: a new entry that refers to the received one."""
    receiving = entry.receiving_organisation
    municipality = entry.log.municipality
    if receiving is None:
        raise PermissionDenied("this entry has no receiving organisation")
    if not actor.is_system and receiving.pk not in actor.organisation_ids(municipality.pk, *WORKSPACE_ROLES):
        raise PermissionDenied("only the receiving organisation accepts")
    if not actor.is_system and not actor.second_factor:
        raise PermissionDenied("a second factor is required")
    with transaction.atomic():
        accepted = entry_append(
            municipality=municipality,
            kind=Entry.Kind.ACCEPTED,
            acting=receiving,
            payload=bytes(entry.leaf_hash),
            refers_to=bytes(entry.leaf_hash),
        )
        record_change(
            actor=actor,
            action="ledger.accept",
            obj=entry,
            municipality_id=municipality.pk,
            organisation_id=receiving.pk,
        )
    return accepted


class UnknownWitnessError(Exception):
    pass


def witness_verifiers() -> dict[str, VerifierKey]:
    """The witnesses this installation trusts (LEDGER_WITNESS_KEYS), by name."""
    verifiers = [VerifierKey.parse(text) for text in settings.LEDGER_WITNESS_KEYS]
    return {verifier.name: verifier for verifier in verifiers}


def cosignature_add(*, log: Log, size: int, signature_line: str) -> str:
    """Keep a known witness's valid cosignature of one of the log's checkpoints; returns its name.
    A cosignature of the latest checkpoint is served with it from then on."""
    checkpoint = Checkpoint.objects.filter(log=log, size=size).first()
    if checkpoint is None:
        raise ValueError(f"the log has no checkpoint of size {size}")
    signature = NoteSignature.parse(signature_line)
    verifier = witness_verifiers().get(signature.name)
    if verifier is None:
        raise UnknownWitnessError(f"{signature.name} is not a witness of this log")
    text = open_checkpoint(checkpoint.note.encode(), publish.log_verifier(log.origin)).text
    verify_cosignature(text, signature, verifier)
    with transaction.atomic():
        # The sequencer's lock: the latest checkpoint cannot change while it is republished.
        locked = Log.objects.select_for_update().get(pk=log.pk)
        Cosignature.objects.update_or_create(
            checkpoint=checkpoint, witness=signature.name, defaults={"signature_line": signature.line().rstrip("\n")}
        )
        if checkpoint.size == locked.size:
            lines = checkpoint.cosignatures.order_by("witness").values_list("signature_line", flat=True)
            locked.checkpoint = with_signature_lines(checkpoint.note, lines)
            locked.save(update_fields=["checkpoint"])
    return signature.name


class _SequenceAfterCommit:
    """The on-commit callback that has a log sequenced; remembers whether it has run.

    While it is pending it also means "this transaction has queued entries in this log": later
    entries of the transaction reuse its log and register no callback of their own. That is as
    safe as a fresh look-up and a new callback, because only rolling back a savepoint it was
    registered in discards it (with the log, if that savepoint created it), and such a rollback
    discards the later entries too.
    """

    def __init__(self, log: Log) -> None:
        self.log = log
        self.done = False

    def __call__(self) -> None:
        self.done = True
        _sequence_soon(self.log.pk)


def _pending_sequencings() -> Iterator[_SequenceAfterCommit]:
    for pending in connection.run_on_commit:  # (savepoint ids, callback, robust)
        callback = pending[1]
        if isinstance(callback, _SequenceAfterCommit) and not callback.done:
            yield callback


def _pending_sequencing(municipality: Municipality) -> _SequenceAfterCommit | None:
    return next((pending for pending in _pending_sequencings() if pending.log.municipality_id == municipality.pk), None)


def _sequence_soon(log_id: int) -> None:
    """Queue a sequencing task for the log, unless one is waiting that will take these entries."""
    from meedoen.ledger.sequencer import ask, clear
    from meedoen.ledger.tasks import sequence_log

    if ask(log_id):
        try:
            sequence_log.enqueue(log_id)
        except BaseException:
            clear(log_id)
            raise


__all__ = ["NewEntry", "QueuedEntry", "entries_append", "entry_accept", "entry_append", "log_for", "origin_for"]
