"""Writes to the shared log. Modules call ``entry_append`` inside the transaction of their own
change; the entry is queued there and sequenced into the tree after the commit."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from meedoen.core.access import Actor
from meedoen.core.audit import record_change
from meedoen.ledger import keys, publish
from meedoen.ledger.entries import EntryBody, canonical, signed_leaf
from meedoen.ledger.merkle import EMPTY_ROOT, leaf_hash
from meedoen.ledger.models import Checkpoint, Cosignature, Entry, Log
from meedoen.ledger.notes import NoteSignature, VerifierKey, open_checkpoint, verify_cosignature
from meedoen.organisations.models import Municipality, Organisation


class LedgerOutsideTransactionError(RuntimeError):
    pass


def origin_for(municipality: Municipality) -> str:
    return f"{settings.LEDGER_ORIGIN_PREFIX.rstrip('/')}/{municipality.code}"


def log_for(municipality: Municipality) -> Log:
    log, _ = Log.objects.get_or_create(
        municipality=municipality, defaults={"origin": origin_for(municipality), "root_hash": EMPTY_ROOT}
    )
    return log


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
    if not connection.in_atomic_block:
        raise LedgerOutsideTransactionError(f"{kind} must be logged inside the transaction of the change")
    if kind not in Entry.Kind.values:
        raise ValueError(f"unknown entry kind {kind!r}")
    log = log_for(municipality)
    raw = payload if isinstance(payload, bytes) else canonical(payload)
    body = EntryBody(
        kind=kind,
        log=log.origin,
        acting=acting.slug,
        receiving=receiving.slug if receiving else "",
        subject=keys.subject_pseudonym(municipality.code, subject_ref) if subject_ref else "",
        subject_key_version=settings.LEDGER_SUBJECT_KEY_VERSION,
        payload_sha256=hashlib.sha256(raw).hexdigest(),
        time=timezone.now().replace(microsecond=0),
        refers_to=refers_to.hex(),
    )
    leaf = signed_leaf(body, keys.organisation_key(acting.slug))
    entry = Entry.objects.create(
        log=log,
        kind=kind,
        acting_organisation=acting,
        receiving_organisation=receiving,
        leaf=leaf,
        leaf_hash=leaf_hash(leaf),
    )
    transaction.on_commit(lambda: _sequence_soon(log.pk))
    return entry


def entry_accept(*, actor: Actor, entry: Entry) -> Entry:
    """The receiving organisation countersigns: a new entry that refers to the received one."""
    receiving = entry.receiving_organisation
    municipality = entry.log.municipality
    if receiving is None:
        raise PermissionDenied("this entry has no receiving organisation")
    if not actor.is_system and receiving.pk not in actor.organisation_ids(municipality.pk):
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
    """Keep a known witness's valid cosignature of one of the log's checkpoints; returns its name."""
    checkpoint = Checkpoint.objects.filter(log=log, size=size).first()
    if checkpoint is None:
        raise ValueError(f"the log has no checkpoint of size {size}")
    signature = NoteSignature.parse(signature_line)
    verifier = witness_verifiers().get(signature.name)
    if verifier is None:
        raise UnknownWitnessError(f"{signature.name} is not a witness of this log")
    text = open_checkpoint(checkpoint.note.encode(), publish.log_verifier(log.origin)).text
    verify_cosignature(text, signature, verifier)
    Cosignature.objects.update_or_create(
        checkpoint=checkpoint, witness=signature.name, defaults={"signature_line": signature.line().rstrip("\n")}
    )
    return signature.name


def _sequence_soon(log_id: int) -> None:
    from meedoen.ledger.tasks import sequence_log

    sequence_log.enqueue(log_id)


__all__ = ["entry_accept", "entry_append", "log_for", "origin_for"]
