"""The shared log: one append-only transparency log per municipality (RFC 9162 Merkle tree).

Entries are queued in the transaction of the business change (``Entry`` with no index yet) and
given their place by the sequencer, which stores the tree's complete-subtree hashes (``Node``)
and signs a checkpoint. Nothing here holds personal data in clear: a subject is a keyed pseudonym
and a payload is represented by its hash.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from meedoen.organisations.models import Municipality, Organisation


class Log(models.Model):
    municipality = models.OneToOneField(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="ledger"
    )
    origin = models.CharField(_("origin"), max_length=200, unique=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    # What the log serves as its checkpoint: the latest Checkpoint's signed note with the
    # cosignatures collected for it. Written with every new checkpoint and every cosignature of
    # the latest one, under the log's row lock, so a reader gets it with the log's size.
    checkpoint = models.TextField(_("latest checkpoint with cosignatures"), blank=True, default="")

    class Meta:
        verbose_name = _("shared log")
        verbose_name_plural = _("shared logs")

    def __str__(self) -> str:
        return self.origin


class SequencingAsked(models.Model):
    """A sequencing of the log has been queued and has not begun yet.

    While it waits, a transaction that queues more entries in the log asks for no task of its own:
    the waiting one will take them (``services._sequence_soon``). The task clears ``asked_at`` as
    it begins, before it reads the queue. An ask older than ``ASK_AGAIN_AFTER`` (a task that was
    lost, a worker that stopped) is made again, so the queue never waits on a task that will not come.
    """

    log = models.OneToOneField(Log, verbose_name=_("shared log"), on_delete=models.CASCADE, primary_key=True)
    asked_at = models.DateTimeField(_("asked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sequencing asked for")
        verbose_name_plural = _("sequencings asked for")

    def __str__(self) -> str:
        return f"{self.log_id}: {self.asked_at}"


class Entry(models.Model):
    class Kind(models.TextChoices):
        SIGNAL_RECEIVED = "signal.received", _("signal received")
        # One entry for the signals of a batch (ADR 0010); each signal is an item of it (``Batch``).
        SIGNALS_RECEIVED = "signals.received", _("signals received")
        SIGNAL_CASE_CLOSED = "signal.case_closed", _("signal case closed")
        SIGNAL_CASE_REOPENED = "signal.case_reopened", _("signal case reopened")
        SIGNAL_WITHDRAWN = "signal.withdrawn", _("signal withdrawn by the creditor")
        OFFER_PUBLISHED = "offer.published", _("offer published")
        ACCEPTED = "accepted", _("accepted by the receiving organisation")

    # No index of its own on log, acting or receiving organisation: every entry would write them,
    # and nothing looks entries up by organisation; the unique (log, index) serves look-ups by log.
    log = models.ForeignKey(
        Log, verbose_name=_("log"), on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    # Empty while queued; the sequencer gives every entry its place in the tree.
    index = models.PositiveBigIntegerField(_("index"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    acting_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("acting organisation"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    receiving_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("receiving organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # The exact bytes that are hashed into the tree (canonical JSON, see ledger.entries).
    leaf = models.BinaryField(_("leaf"))
    leaf_hash = models.BinaryField(_("leaf hash"), max_length=32)
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        constraints = [
            # Only sequenced entries are in it: queueing an entry writes no entry into it.
            models.UniqueConstraint(
                fields=["log", "index"], condition=models.Q(index__isnull=False), name="ledger_entry_index_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["log", "id"], name="ledger_entry_queue", condition=models.Q(index__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.log} #{self.index}"


BATCH_KINDS = frozenset({Entry.Kind.SIGNALS_RECEIVED.value})
"""The kinds of entries that stand for a batch of items, kept in ``Batch``."""


class Batch(models.Model):
    """The items of an entry that stands for many (``ledger.batches``): kept so that the path of
    any item to the root in the entry's payload can be given. No personal data: an item holds a
    kind, a payload's hash and a pseudonym."""

    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, primary_key=True, related_name="batch")
    item_kind = models.CharField(_("kind of the items"), max_length=40)
    size = models.PositiveIntegerField(_("number of items"))
    # The items' canonical JSON, a line each, in the order of the tree's leaves.
    items = models.BinaryField(_("items"))

    class Meta:
        verbose_name = _("batch of log items")
        verbose_name_plural = _("batches of log items")

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.size} x {self.item_kind}"


class Node(models.Model):
    """The hash of a complete subtree: 2**level leaves starting at index * 2**level."""

    # Written only by the sequencer, for the log whose row it holds locked, and only for entries
    # that exist (whose own foreign key keeps the log from being deleted); a database constraint
    # would check that again for every hash, costing about as much as writing the hash. The
    # unique (log, level, index) serves look-ups by log.
    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="nodes", db_index=False, db_constraint=False)
    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["log", "level", "index"], name="ledger_node_unique")]

    def __str__(self) -> str:
        return f"({self.level}, {self.index})"


class Checkpoint(models.Model):
    """A signed tree head, as published, with the cosignatures witnesses returned for it."""

    log = models.ForeignKey(Log, verbose_name=_("log"), on_delete=models.PROTECT, related_name="checkpoints")
    size = models.PositiveBigIntegerField(_("size"))
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    note = models.TextField(_("signed note"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        constraints = [models.UniqueConstraint(fields=["log", "size"], name="ledger_checkpoint_size_unique")]
        ordering = ["log", "-size"]

    def __str__(self) -> str:
        return f"{self.log} @ {self.size}"


class Cosignature(models.Model):
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="cosignatures")
    witness = models.CharField(_("witness"), max_length=200)
    signature_line = models.TextField(_("signature line"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["checkpoint", "witness"], name="ledger_cosignature_unique")]

    def __str__(self) -> str:
        return f"{self.witness} on {self.checkpoint}"


class WitnessedCheckpoint(models.Model):
    """What a witness (a partner running ``ledger_witness``) has seen of a log: the latest
    checkpoint it verified. A later checkpoint must be consistent with it."""

    origin = models.CharField(_("origin"), max_length=200, unique=True)
    size = models.PositiveBigIntegerField(_("size"))
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    note = models.TextField(_("signed note"))
    verified_at = models.DateTimeField(_("verified at"), auto_now=True)

    def __str__(self) -> str:
        return f"{self.origin} @ {self.size}"
