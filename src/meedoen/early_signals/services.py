"""Writes of early signalling: receive a delivery of signals, link each into a case, close a case,
and keep the agreements, tokens and settings that govern the intake.

A delivery is checked row by row before anything is written; a fatal problem (an unreadable file,
a missing column) stops it whole. Then the valid rows are written in chunks, each chunk in one
transaction and together (a statement per table); a chunk that cannot be written together is
written row by row, each row in a savepoint. Either way a signal, its case, its item in the
chunk's shared-log entry and the audit record commit together or not at all, so a row is never
half-written, a bad row never stops a good one, and a delivery that is cut off can simply be sent
again (rows already received are recognised by the creditor's reference).
"""

from __future__ import annotations

import enum
import gc
import hashlib
import operator
import secrets
import threading
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal, TypeVar

import structlog
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import F, Lookup, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meedoen.areas.selectors import PostcodeTable, area_of_postcode, postcode_table
from meedoen.core.access import Actor, Role, require_role
from meedoen.core.audit import Change, record_change, record_changes
from meedoen.core.copying import column_types
from meedoen.early_signals import formats, letters
from meedoen.early_signals.deadlines import first_offer_due
from meedoen.early_signals.deliveries import deliverer_municipality_ids
from meedoen.early_signals.formats import ERROR, WARNING, ParsedDelivery, Problem
from meedoen.early_signals.linking import (
    Person,
    address_key,
    address_ref,
    case_priority,
    fold,
    household_ref,
    initials_of,
    likeness,
    same_person,
    surname_key,
)
from meedoen.early_signals.models import (
    CREDITOR_KINDS,
    OPEN_STATUSES,
    TEAM_OUTCOMES,
    THREATENING_KINDS,
    UNTOUCHED,
    Case,
    CaseJoin,
    CaseSeparation,
    ContactAttempt,
    CreditorAgreement,
    CreditorKindThreshold,
    CreditorToken,
    Delivery,
    LetterTemplate,
    MunicipalitySettings,
    Signal,
    SignalTombstone,
    WithdrawalReason,
)
from meedoen.early_signals.rows import SignalInput, check_row, noted_warnings
from meedoen.ledger.services import BatchItem, NewBatch, batches_append, entry_append
from meedoen.organisations.models import Municipality, Organisation

log = structlog.get_logger(__name__)
_C = TypeVar("_C")  # an open case as one path of the intake holds it

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
REFUSED = "refused"
# In the shared log (ledger.models.Entry.Kind), the signals a chunk of a delivery stored about one
# municipality are one entry of the first kind, each signal an item of it of the second kind (ADR
# 0010); a closed case is an entry of the third kind, and a signal its creditor withdrew
# (early_signals.withdrawals) one of the last.
LEDGER_SIGNALS_RECEIVED = "signals.received"
LEDGER_SIGNAL_ITEM = "signal.received"
LEDGER_CASE_CLOSED = "signal.case_closed"
LEDGER_CASE_REOPENED = "signal.case_reopened"
LEDGER_SIGNAL_WITHDRAWN = "signal.withdrawn"
CHUNK_ROWS = 500
TOKEN_START = "mes_"  # noqa: S105  (the visible start of every token, not a secret)


# --- answers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowAnswer:
    row: int
    creditor_reference: str
    outcome: str
    problems: tuple[Problem, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "creditor_reference": self.creditor_reference,
            "outcome": self.outcome,
            "problems": [problem.as_dict() for problem in self.problems],
        }


@dataclass(frozen=True)
class Receipt:
    delivery: uuid.UUID | None
    creditor: str
    channel: str
    format_version: str
    received_at: datetime
    sha256: str
    size_bytes: int
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    refused: int = 0
    warnings: int = 0
    fatal: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivery": str(self.delivery) if self.delivery else None,
            "creditor": self.creditor,
            "channel": self.channel,
            "format_version": self.format_version,
            "received_at": self.received_at.isoformat(),
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "rows": self.rows,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "refused": self.refused,
            "warnings": self.warnings,
            "fatal": self.fatal,
        }


@dataclass(frozen=True)
class DeliveryAnswer:
    """The answer to a delivery: its receipt, an answer per row, and problems of the whole."""

    receipt: Receipt
    rows: tuple[RowAnswer, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def fatal(self) -> bool:
        return self.receipt.fatal

    def all_problems(self) -> list[Problem]:
        return [*self.problems, *(problem for row in self.rows for problem in row.problems)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "receipt": self.receipt.as_dict(),
            "problems": [problem.as_dict() for problem in self.problems],
            "rows": [row.as_dict() for row in self.rows],
        }


# --- receiving a delivery -------------------------------------------------------------------------------


def creditor_actor(token: CreditorToken) -> Actor:
    """The actor in the audit log for a delivery through the API: the creditor's token."""
    return Actor(user_id=None, label=f"creditor:{token.organisation.slug}:{token.prefix}")


def delivery_refused_unread(
    *,
    creditor: Organisation,
    size_bytes: int,
    channel: str,
    format_version: str,
    problems: list[Problem] | None = None,
    sha256: str = "",
) -> DeliveryAnswer:
    """The answer to a delivery refused before it was read: too large (unless other ``problems``
    are given, such as a request without a file). Nothing is stored. ``size_bytes`` and ``sha256``
    are those of the file when it could be taken from the request, else the request's size and no
    hash."""
    if problems is None:
        limit = formats.MAX_JSON_BYTES if channel == "json" else formats.MAX_FILE_BYTES
        too_large = formats.too_large(size_bytes, limit)
        assert too_large is not None
        problems = [too_large]
    receipt = Receipt(
        delivery=None,
        creditor=creditor.slug,
        channel=channel,
        format_version=format_version,
        received_at=timezone.now(),
        sha256=sha256,
        size_bytes=size_bytes,
        fatal=True,
    )
    log.info("early_signals.delivery.refused_unread", creditor=creditor.slug, size_bytes=size_bytes)
    return DeliveryAnswer(receipt=receipt, problems=tuple(problems))


def signals_deliver_file(
    *, actor: Actor, creditor: Organisation, content: bytes, format_version: str = formats.FORMAT_VERSION
) -> DeliveryAnswer:
    """Receive a CSV or XLSX file of signals (format ``format_version``): from the creditor's token
    (``creditor_actor``), the platform operator, or a person with the role signal deliverer in the
    creditor, who delivers to the municipalities of their role only."""
    within = deliverer_municipality_ids(actor, creditor)
    with _collecting_less():
        return _deliver(
            actor=actor,
            creditor=creditor,
            content=content,
            parsed=formats.read_file(content, format_version=format_version),
            within=within,
        )


def signals_deliver_json(*, actor: Actor, creditor: Organisation, content: bytes) -> DeliveryAnswer:
    """Receive a JSON batch of signals, as the API does (who may: see ``signals_deliver_file``)."""
    within = deliverer_municipality_ids(actor, creditor)
    with _collecting_less():
        return _deliver(
            actor=actor, creditor=creditor, content=content, parsed=formats.read_json(content), within=within
        )


COLLECT_AFTER = 100_000
"""While a delivery is taken in, Python's cycle collector first runs after this many new objects
instead of 700: a delivery makes millions of short-lived rows, answers and values, almost none in
cycles, and the collections of the older generations walk all the rows still held (a quarter of
the main thread's CPU in docs/benchmarks.md). Its memory is bounded by the chunks all the same."""


class _CollectingLess:
    """Raises the collector's first threshold while at least one delivery of this process is
    taken in, and puts back what it was when the last one ends: the threshold is the whole
    process's, and deliveries may overlap in threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.before: tuple[int, int, int] = gc.get_threshold()

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self.lock:
            if self.running == 0:
                self.before = gc.get_threshold()
                gc.set_threshold(max(self.before[0], COLLECT_AFTER), *self.before[1:])
            self.running += 1
        try:
            yield
        finally:
            with self.lock:
                self.running -= 1
                if self.running == 0:
                    gc.set_threshold(*self.before)


_collecting_less = _CollectingLess()


@dataclass
class _Place:
    """What the intake needs to know about one municipality, looked up once per delivery."""

    code: str
    municipality: Municipality | None = None
    agreement: bool = False
    # Whether the person who delivers may deliver here (a web upload is limited to their grants).
    granted: bool = True
    settings: MunicipalitySettings | None = None
    threshold: CreditorKindThreshold | None = None


@dataclass
class _Intake:
    actor: Actor
    creditor: Organisation
    delivery: Delivery
    within: frozenset[int] | None = None  # see signals_deliver_file
    places: dict[str, _Place] = field(default_factory=dict)
    places_read: bool = False  # those of the creditor's agreements, at the first row that needs one
    # creditor_reference -> (row, content hash) of the valid rows seen in this delivery
    seen: dict[str, tuple[int, str]] = field(default_factory=dict)
    # municipality code -> its postcode table, to check a postcode and find the district of a new case
    postcodes: dict[str, PostcodeTable] = field(default_factory=dict)

    def postcode_table(self, code: str) -> PostcodeTable:
        if code not in self.postcodes:
            self.postcodes[code] = postcode_table(code)
        return self.postcodes[code]

    def place(self, code: str) -> _Place:
        if not self.places_read:
            self._read_places()
        place = self.places.get(code)
        if place is None:
            # No active agreement: known or not, the rows about it are refused.
            place = self.places[code] = _Place(code=code, municipality=Municipality.objects.filter(code=code).first())
        elif place.agreement and place.settings is None:
            assert place.municipality is not None
            place.settings = MunicipalitySettings.objects.get_or_create(municipality=place.municipality)[0]
        return place

    def _read_places(self) -> None:
        """The municipalities the creditor has an active agreement with, with their settings and
        thresholds for its kind: three queries for the delivery rather than four per municipality."""
        agreements = CreditorAgreement.objects.filter(organisation=self.creditor, active=True)
        agreed = list(Municipality.objects.filter(pk__in=agreements.values("municipality_id")))
        found = {row.municipality_id: row for row in MunicipalitySettings.objects.filter(municipality__in=agreed)}
        thresholds = {
            row.municipality_id: row
            for row in CreditorKindThreshold.objects.filter(municipality__in=agreed, creditor_kind=self.creditor.kind)
        }
        for municipality in agreed:
            self.places[municipality.code] = _Place(
                code=municipality.code,
                municipality=municipality,
                agreement=True,
                granted=self.within is None or municipality.pk in self.within,
                settings=found.get(municipality.pk),
                threshold=thresholds.get(municipality.pk),
            )
        self.places_read = True


def _deliver(
    *,
    actor: Actor,
    creditor: Organisation,
    content: bytes,
    parsed: ParsedDelivery,
    within: frozenset[int] | None = None,
) -> DeliveryAnswer:
    sha256 = hashlib.sha256(content).hexdigest()
    received_at = timezone.now()
    with transaction.atomic():
        delivery = Delivery.objects.create(
            creditor=creditor,
            received_at=received_at,
            channel=parsed.channel,
            format_version=formats.shown(parsed.format_version)[:10],
            sha256=sha256,
            size_bytes=len(content),
            rows=len(parsed.rows),
            fatal=parsed.fatal,
            completed_at=received_at if parsed.fatal else None,  # refused whole: done as it came in
            delivered_by=actor.label,
        )
        record_change(
            actor=actor,
            action="early_signals.delivery.receive",
            obj=delivery,
            organisation_id=creditor.pk,
            details={"channel": parsed.channel, "sha256": sha256, "size_bytes": len(content), "fatal": parsed.fatal},
        )
    if parsed.fatal:
        answer = DeliveryAnswer(
            receipt=_receipt(delivery, creditor, parsed.problems, ()), problems=tuple(parsed.problems)
        )
        _log(answer)
        return answer

    intake = _Intake(actor=actor, creditor=creditor, delivery=delivery, within=within)
    chunks = [parsed.rows[start : start + CHUNK_ROWS] for start in range(0, len(parsed.rows), CHUNK_ROWS)]
    answers: list[RowAnswer] = []
    with _Reader(timezone.localdate()) as reader:
        for index, chunk in enumerate(chunks):
            checked = [_check(intake, raw, read) for raw, read in zip(chunk, reader.read(chunk), strict=True)]
            upcoming = chunks[index + 1] if index + 1 < len(chunks) else []
            written = _write_chunk(
                intake, [row for row in checked if isinstance(row, _Checked)], before_commit=reader.ahead(upcoming)
            )
            answers.extend(row if isinstance(row, RowAnswer) else written[row.raw.number] for row in checked)
    counts = {
        outcome: sum(1 for answer in answers if answer.outcome == outcome) for outcome in (ACCEPTED, DUPLICATE, REFUSED)
    }
    with transaction.atomic():
        delivery.accepted = counts[ACCEPTED]
        delivery.duplicates = counts[DUPLICATE]
        delivery.refused = counts[REFUSED]
        delivery.warnings = _warnings(parsed.problems, answers)
        delivery.completed_at = timezone.now()
        delivery.save(update_fields=["accepted", "duplicates", "refused", "warnings", "completed_at"])
        record_change(
            actor=actor,
            action="early_signals.delivery.complete",
            obj=delivery,
            organisation_id=creditor.pk,
            details={"rows": delivery.rows, **counts, "warnings": delivery.warnings},
        )
    answer = DeliveryAnswer(
        receipt=_receipt(delivery, creditor, parsed.problems, answers),
        rows=tuple(answers),
        problems=tuple(parsed.problems),
    )
    _log(answer)
    return answer


def _warnings(problems: list[Problem], answers: list[RowAnswer] | tuple[RowAnswer, ...]) -> int:
    found = [*problems, *(problem for answer in answers for problem in answer.problems)]
    return sum(1 for problem in found if problem.severity == WARNING)


def _receipt(
    delivery: Delivery,
    creditor: Organisation,
    problems: list[Problem],
    answers: list[RowAnswer] | tuple[RowAnswer, ...],
) -> Receipt:
    return Receipt(
        delivery=delivery.uuid,
        creditor=creditor.slug,
        channel=delivery.channel,
        format_version=delivery.format_version,
        received_at=delivery.received_at,
        sha256=delivery.sha256,
        size_bytes=delivery.size_bytes,
        rows=delivery.rows,
        accepted=delivery.accepted,
        duplicates=delivery.duplicates,
        refused=delivery.refused,
        warnings=_warnings(problems, answers),
        fatal=delivery.fatal,
    )


def _log(answer: DeliveryAnswer) -> None:
    receipt = answer.receipt
    log.info(
        "early_signals.delivery.received",
        delivery=str(receipt.delivery),
        creditor=receipt.creditor,
        channel=receipt.channel,
        rows=receipt.rows,
        accepted=receipt.accepted,
        duplicates=receipt.duplicates,
        refused=receipt.refused,
        warnings=receipt.warnings,
        fatal=receipt.fatal,
    )


@dataclass(frozen=True)
class _Checked:
    """A row that passed every check and is to be written."""

    raw: formats.RawRow
    item: SignalInput
    municipality: Municipality
    settings: MunicipalitySettings
    content_sha256: str
    problems: tuple[Problem, ...]
    address: tuple[str, str]  # as linking compares it, and its pseudonym (``_Read.address``)


@dataclass(frozen=True)
class _Read:
    """A row as ``check_row`` reads it; when it is valid, with the hash of its content, and its
    address as linking compares it with that address's pseudonym (the address is locked, then
    linked)."""

    item: SignalInput | None
    problems: list[Problem]
    content_sha256: str
    address: tuple[str, str]


class _Reader:
    """Reads the rows of a delivery with ``check_row``, chunk by chunk, and reads the next chunk
    in a helper thread while the database commits the current one: reading is plain Python and
    needs no database, and during the commit the main thread only waits, so the two overlap. The
    helper writes its messages in the language of the delivery."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.language = translation.get_language()
        self.helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="early-signals-read")
        self.pending: tuple[Sequence[formats.RawRow], Future[list[_Read]]] | None = None

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.helper.shutdown(wait=True, cancel_futures=True)

    def read(self, rows: Sequence[formats.RawRow]) -> list[_Read]:
        """The rows read: by the helper when it was asked to read them ahead, else here."""
        if self.pending is not None and self.pending[0] is rows:
            future, self.pending = self.pending[1], None
            return future.result()
        return [self._one(raw) for raw in rows]

    def ahead(self, rows: Sequence[formats.RawRow]) -> Callable[[], None]:
        """What starts reading ``rows`` in the helper (called just before a commit)."""

        def start() -> None:
            if rows:
                self.pending = (rows, self.helper.submit(self._in_helper, rows))

        return start

    def _in_helper(self, rows: Sequence[formats.RawRow]) -> list[_Read]:
        with translation.override(self.language):
            return [self._one(raw) for raw in rows]

    def _one(self, raw: formats.RawRow) -> _Read:
        item, problems = check_row(raw, today=self.today)
        if item is None:
            return _Read(None, problems, "", ("", ""))
        address = address_key(item.postcode, item.house_number, item.house_number_addition)
        return _Read(item, problems, item.content_sha256(), (address, address_ref(item.municipality, address)))


def _check(intake: _Intake, raw: formats.RawRow, read: _Read) -> RowAnswer | _Checked:
    """The answer for a row that is refused (or repeats an earlier row); else the row to write."""
    item, problems = read.item, read.problems
    reference = item.creditor_reference if item else _reference_shown(raw)
    if item is None:
        return RowAnswer(raw.number, reference, REFUSED, tuple(problems))
    place = intake.place(item.municipality)
    refusals = _admission_problems(intake, place, item, raw.number)
    if refusals:
        return RowAnswer(raw.number, reference, REFUSED, (*problems, *refusals))
    elsewhere = _postcode_elsewhere(intake, place, item, raw.number, problems)
    if elsewhere is not None:
        if elsewhere.severity == ERROR:
            return RowAnswer(raw.number, reference, REFUSED, (*problems, elsewhere))
        problems = [*problems, elsewhere]
    content_sha256 = read.content_sha256
    earlier = intake.seen.get(item.creditor_reference)
    if earlier is not None:
        row, earlier_sha256 = earlier
        if earlier_sha256 == content_sha256:
            problem = Problem(
                WARNING,
                "duplicate_in_delivery",
                _("The same signal as row %(row)s; taken once.") % {"row": row},
                row=raw.number,
                field="creditor_reference",
            )
            return RowAnswer(raw.number, reference, DUPLICATE, (*problems, problem))
        problem = Problem(
            ERROR,
            "reference_reused",
            _("The same reference as row %(row)s, with other details; give every signal its own reference.")
            % {"row": row},
            row=raw.number,
            field="creditor_reference",
        )
        return RowAnswer(raw.number, reference, REFUSED, (*problems, problem))
    intake.seen[item.creditor_reference] = (raw.number, content_sha256)
    assert place.municipality is not None and place.settings is not None
    return _Checked(raw, item, place.municipality, place.settings, content_sha256, tuple(problems), read.address)


TOGETHER_FROM = 3
"""Chunks with this many rows to write or more are written together, a statement per table; fewer
go row by row, where the look-ups made up front for a chunk would cost as much as they save."""


def _write_chunk(
    intake: _Intake, rows: list[_Checked], *, before_commit: Callable[[], None] | None = None
) -> dict[int, RowAnswer]:
    """Write checked rows in one transaction: a row is stored completely or not at all, and the
    shared log is sequenced once per chunk, not once per row. ``before_commit`` is called when
    everything is written, just before the commit (when there was something to write).

    The rows are written together (see ``_write_together``). Should that fail, for instance
    because another delivery of the creditor stored one of the references since it was checked,
    it is undone whole and each row is written in a savepoint of its own, so that row is answered
    and the others are stored."""
    if not rows:
        return {}
    with transaction.atomic():
        _lock_addresses(rows)
        written: dict[int, RowAnswer] | None = None
        if len(rows) >= TOGETHER_FROM:
            try:
                # The log's and the tables' COPY raise the driver's errors: made Django's here.
                with transaction.atomic(), connection.wrap_database_errors:
                    written = _write_together(intake, rows)
            except DatabaseError:
                log.info("early_signals.chunk.row_by_row", delivery=str(intake.delivery.uuid), rows=len(rows))
        if written is None:
            written = _write_each(intake, rows)
        if before_commit is not None:
            before_commit()
    return written


ADDRESS_LOCKS = 0x5E51
"""The first key of the intake's advisory locks on PostgreSQL; the second is drawn from the
address's pseudonym."""


def address_lock_key(at_address: str) -> int:
    """The second key of the advisory lock on an address: the first 32 bits of its pseudonym, as
    PostgreSQL's signed integer."""
    return int(at_address[:8], 16) - 2**31


def _lock_addresses(rows: list[_Checked]) -> None:
    """One intake at a time per address, so two signals about one household that arrive together
    cannot open two cases: linking only ever joins cases at the signal's own address. Deliveries
    about other addresses, in the same municipality too, go on side by side. Held until the
    transaction ends, taken in one order, so two deliveries cannot deadlock; two addresses that
    share a key only wait for each other. (On SQLite the write transaction lets one intake in at a
    time already.)"""
    lock_addresses(row.address[1] for row in rows)


def lock_addresses(at_addresses: Iterable[str]) -> None:
    """Take the advisory locks of these addresses (their pseudonyms) until the transaction ends, in
    one order: see ``_lock_addresses``. Whatever else changes which case a household's signals are
    in takes them first too (``case_join``)."""
    if connection.vendor != "postgresql":
        return
    keys = sorted({address_lock_key(at_address) for at_address in at_addresses})
    with connection.cursor() as cursor:
        # unnest gives the keys in the array's order, so they are locked in that order.
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, key)) FROM unnest(%s::int4[]) AS key",
            [ADDRESS_LOCKS, _array_literal(keys)],
        )


def _write_each(intake: _Intake, rows: list[_Checked]) -> dict[int, RowAnswer]:
    answers: dict[int, RowAnswer] = {}
    signals: list[Signal] = []
    received: list[_Checked] = []  # the rows of the stored signals
    for row in rows:
        try:
            outcome, problem, signal = _write(intake, row)
        except IntegrityError:
            # Another delivery stored the same reference between our check and our write.
            outcome, problem = _known(intake.creditor, row.item, row.content_sha256, row.raw.number)
            if outcome == ACCEPTED:
                raise
        else:
            if signal is not None:
                signals.append(signal)
                received.append(row)
        problems = (*row.problems, problem) if problem is not None else row.problems
        answers[row.raw.number] = RowAnswer(row.raw.number, row.item.creditor_reference, outcome, problems)
    if signals:
        # The chunk's entry is written once its rows are: each stored signal learns its place with
        # a second write (this path takes the few rows of an API call, and chunks that conflict).
        for signal, (entry_id, position) in zip(signals, _write_to_log(intake, received), strict=True):
            signal.ledger_entry_id, signal.ledger_position = entry_id, position
        Signal.objects.bulk_update(signals, ["ledger_entry", "ledger_position"])
    return answers


def _write_to_log(intake: _Intake, received: Sequence[_Checked]) -> list[tuple[int, int]]:
    """Write the signals a chunk received to the shared log: one entry per municipality, signed
    by the creditor, whose items are the signals, each the hash of its ``ledger_payload`` (ADR
    0010). An item names no household: a creditor is handed its items to check them, and a
    household's pseudonym would let it find the household's other entries in the log (a closed
    case names it). Returned is each row's place in the log: its entry and its position there."""
    groups: dict[int, list[int]] = {}
    for index, row in enumerate(received):
        groups.setdefault(row.municipality.pk, []).append(index)
    queued = batches_append(
        NewBatch(
            municipality=received[indexes[0]].municipality,
            kind=LEDGER_SIGNALS_RECEIVED,
            item_kind=LEDGER_SIGNAL_ITEM,
            acting=intake.creditor,
            items=[BatchItem(received[i].item.ledger_payload()) for i in indexes],
        )
        for indexes in groups.values()
    )
    places = [(0, 0)] * len(received)
    for entry, indexes in zip(queued, groups.values(), strict=True):
        for position, index in enumerate(indexes):
            places[index] = (entry.pk, position)
    return places


def _postcode_elsewhere(
    intake: _Intake, place: _Place, item: SignalInput, row: int, problems: list[Problem]
) -> Problem | None:
    """A postcode that the municipality's postcode table does not hold: a warning, since the table
    may hold only part of the municipality, or an error when the postcode was read from look-alike
    characters (a guess that lands outside the municipality is more likely wrong than right). No
    check for a municipality without a postcode table."""
    assert place.municipality is not None
    table = intake.postcode_table(place.code)
    if not table.area_ids or table.area_id(item.postcode) is not None:
        return None
    values = {"postcode": item.postcode, "name": place.municipality.name}
    if any(problem.code == "postcode_lookalike" for problem in problems):
        message = _("Read as %(postcode)s, which is not a postcode of %(name)s; check the postcode.") % values
        return Problem(ERROR, "postcode_elsewhere", message, row=row, field="postcode")
    message = (
        _("%(postcode)s is not among the postcodes of %(name)s; check that the signal is for this municipality.")
        % values
    )
    return Problem(WARNING, "postcode_elsewhere", message, row=row, field="postcode")


def _reference_shown(raw: formats.RawRow) -> str:
    value = raw.values.get("creditor_reference")
    return formats.shown(value).strip()[:64] if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _admission_problems(intake: _Intake, place: _Place, item: SignalInput, row: int) -> list[Problem]:
    if place.municipality is None:
        return [
            Problem(
                ERROR,
                "municipality_unknown",
                _("No municipality with code %(code)s takes part in this platform.") % {"code": place.code},
                row=row,
                field="municipality",
            )
        ]
    if not place.agreement:
        return [
            Problem(
                ERROR,
                "no_agreement",
                _("Your organisation has no active agreement to deliver signals to %(name)s (%(code)s).")
                % {"name": place.municipality.name, "code": place.code},
                row=row,
                field="municipality",
            )
        ]
    if not place.granted:
        return [
            Problem(
                ERROR,
                "not_granted",
                _(
                    "You may not deliver signals to %(name)s (%(code)s) yourself: your role as signal deliverer is "
                    "for other municipalities. Ask whoever manages your access."
                )
                % {"name": place.municipality.name, "code": place.code},
                row=row,
                field="municipality",
            )
        ]
    threshold = place.threshold
    if threshold is None or item.kind != Signal.Kind.ARREARS:
        return []
    problems = []
    kind = Organisation.Kind(intake.creditor.kind).label
    if item.arrears_amount < threshold.minimum_amount:
        problems.append(
            Problem(
                ERROR,
                "below_threshold",
                _("Below the minimum of € %(minimum)s that %(name)s takes up from creditors of this kind (%(kind)s).")
                % {"minimum": threshold.minimum_amount, "name": place.municipality.name, "kind": kind},
                row=row,
                field="arrears_amount",
            )
        )
    if item.months_in_arrears < threshold.minimum_months_in_arrears:
        problems.append(
            Problem(
                ERROR,
                "below_threshold",
                _(
                    "Fewer than the %(minimum)s months in arrears that %(name)s takes up from creditors of this "
                    "kind (%(kind)s)."
                )
                % {"minimum": threshold.minimum_months_in_arrears, "name": place.municipality.name, "kind": kind},
                row=row,
                field="months_in_arrears",
            )
        )
    return problems


@dataclass(frozen=True)
class _Earlier:
    """A signal the creditor delivered before under the same reference, or what remains of it
    after its personal data was removed (``removed``); ``withdrawn_at`` when the creditor withdrew it."""

    content_sha256: str
    received_at: datetime
    removed: bool = False
    withdrawn_at: datetime | None = None


def _known(creditor: Organisation, item: SignalInput, content_sha256: str, row: int) -> tuple[str, Problem | None]:
    """Whether the creditor delivered this reference before: the same signal, or another one."""
    return _known_answer(
        _earlier(creditor, [item.creditor_reference]).get(item.creditor_reference), content_sha256, row
    )


def _earlier(creditor: Organisation, references: list[str]) -> dict[str, _Earlier]:
    """What the creditor delivered before under these references: two queries, however many."""
    found = {
        reference: _Earlier(content_sha256, received_at, withdrawn_at=withdrawn_at)
        for reference, content_sha256, received_at, withdrawn_at in Signal.objects.filter(
            _one_of("creditor_reference", references), creditor=creditor
        )
        .order_by()
        .values_list("creditor_reference", "content_sha256", "received_at", "withdrawn_at")
    }
    missing = [reference for reference in references if reference not in found]
    if missing:
        # A signal whose personal data was removed keeps its reference: the same reference again is
        # told apart neither from a repeat nor from reuse, so it is refused with its own reason.
        for reference, received_at, withdrawn_at in (
            SignalTombstone.objects.filter(_one_of("creditor_reference", missing), creditor=creditor)
            .order_by()
            .values_list("creditor_reference", "received_at", "withdrawn_at")
        ):
            found[reference] = _Earlier("", received_at, removed=True, withdrawn_at=withdrawn_at)
    return found


class _AnyOf(Lookup[Any]):
    """``field = ANY(%s)``: a list of values as one array parameter, however long, where ``IN``
    takes a parameter per value, each prepared by Django and quoted by the driver. PostgreSQL.

    The array goes as one string in PostgreSQL's text form of an array, cast to the field's type
    without its length (a cast to ``varchar(64)`` would cut a longer value to a stored one's
    length instead of comparing it whole): Django's driver binds parameters in the client, and
    would otherwise quote each value of the list in Python, which cost a chunk more than the rest
    of the look-up."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        element_type = self.lhs.output_field.db_type(connection).partition("(")[0]
        return f"{lhs} = ANY(%s::{element_type}[])", [*lhs_params, _array_literal(self.rhs)]


def _array_literal(values: Iterable[object]) -> str:
    """``values`` in PostgreSQL's text form of an array (its documentation, "Arrays", section
    "Array Value Input"): each element in double quotes, with its backslashes and double quotes
    escaped, so no value is read as NULL, a separator or a nested array."""
    return "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _one_of(name: str, values: list[Any]) -> Q | _AnyOf:
    """The rows whose field ``name`` holds one of ``values``: one parameter on PostgreSQL."""
    if connection.vendor == "postgresql":
        return _AnyOf(F(name), values)
    return Q(**{f"{name}__in": values})


def _known_answer(earlier: _Earlier | None, content_sha256: str, row: int) -> tuple[str, Problem | None]:
    if earlier is None:
        return ACCEPTED, None
    received = timezone.localdate(earlier.received_at).isoformat()
    if earlier.withdrawn_at is not None:
        # Taken back for good: sent again, it would neither stand again nor be a mere repeat.
        return REFUSED, Problem(
            ERROR,
            "reference_withdrawn",
            _(
                "You withdrew the signal with this reference on %(date)s; for arrears that stand, send a new signal "
                "with a new reference."
            )
            % {"date": timezone.localdate(earlier.withdrawn_at).isoformat()},
            row=row,
            field="creditor_reference",
        )
    if earlier.removed:
        return REFUSED, Problem(
            ERROR,
            "reference_removed",
            _(
                "A signal with this reference was received on %(date)s and its data has been removed after the "
                "retention term; send a new signal with a new reference."
            )
            % {"date": received},
            row=row,
            field="creditor_reference",
        )
    if earlier.content_sha256 == content_sha256:
        return DUPLICATE, Problem(
            WARNING,
            "duplicate",
            _("Already received on %(date)s; nothing changed.") % {"date": received},
            row=row,
            field="creditor_reference",
        )
    return REFUSED, Problem(
        ERROR,
        "reference_reused",
        _(
            "This reference was already used for another signal, received on %(date)s; give every signal its "
            "own reference."
        )
        % {"date": received},
        row=row,
        field="creditor_reference",
    )


def _write(intake: _Intake, row: _Checked) -> tuple[str, Problem | None, Signal | None]:
    """Store one signal with its case and audit record, all in one savepoint; the stored signal
    comes back for the chunk's shared-log entry."""
    item, municipality, municipality_settings = row.item, row.municipality, row.settings
    content_sha256 = row.content_sha256
    with transaction.atomic():
        outcome, problem = _known(intake.creditor, item, content_sha256, row.raw.number)
        if outcome != ACCEPTED:
            return outcome, problem, None
        received_at = timezone.now()
        case, linked = _case_for(municipality, municipality_settings, item, row.address, received_at)
        signal = Signal(**_signal_fields(intake, row, case.pk, received_at))
        signal.save(force_insert=True)
        _count_signal(case, intake.creditor, item, municipality_settings, received_at, first=not linked)
        record_changes(actor=intake.actor, changes=[_received(intake, signal.pk, row, case, linked)])
    return ACCEPTED, None, signal


def _signal_fields(
    intake: _Intake, row: _Checked, case_id: int, received_at: datetime, place: tuple[int, int] | None = None
) -> dict[str, Any]:
    """The signal of a row, by attribute name; ``place`` its entry and position in the shared log
    when they are known (else they are filled in once the chunk's entry is written)."""
    item = row.item
    entry_id, position = place if place is not None else (None, None)
    return {
        "ledger_entry_id": entry_id,
        "ledger_position": position,
        "municipality_id": row.municipality.pk,
        "case_id": case_id,
        "delivery_id": intake.delivery.pk,
        "creditor_id": intake.creditor.pk,
        "creditor_reference": item.creditor_reference,
        "content_sha256": row.content_sha256,
        "kind": item.kind,
        "received_at": received_at,
        "initials": item.initials,
        "given_name": item.given_name,
        "surname_prefix": item.surname_prefix,
        "surname": item.surname,
        "date_of_birth": item.date_of_birth,
        "street": item.street,
        "house_number": item.house_number,
        "house_number_addition": item.house_number_addition,
        "postcode": item.postcode,
        "city": item.city,
        "phone": item.phone,
        "email": item.email,
        "resident_ref": item.resident_ref,
        "arrears_amount": item.arrears_amount,
        "months_in_arrears": item.months_in_arrears,
        "reminder_date": item.reminder_date,
        "signal_date": item.signal_date,
        "receipt_warnings": noted_warnings(row.problems),
    }


def _received(intake: _Intake, signal_id: int, row: _Checked, case: Case | _CaseRow, linked: bool) -> Change:
    """The audit record of a received signal."""
    return Change(
        action="early_signals.signal.receive",
        object_type=SIGNAL_TYPE,
        object_id=str(signal_id),
        municipality_id=row.municipality.pk,
        organisation_id=intake.creditor.pk,
        subject_ref=row.item.resident_ref or case.household_ref,
        details={"delivery": str(intake.delivery.uuid), "case": str(case.uuid), "linked": linked},
    )


SIGNAL_TYPE = Signal._meta.label_lower


class _CaseRow:
    """A case while a chunk is linked, as the values of its columns by attribute name, read and
    raised as one by linking and counting: a case that a row of the chunk opens, with every column
    as a new ``Case`` would hold them until it is written, or an open case stored before, with the
    columns that linking and counting read (``OPEN_CASE_COLUMNS``). Building a model instance per
    case cost more than the rest of opening or joining it."""

    id: int | None
    uuid: uuid.UUID
    municipality_id: int
    address_ref: str
    household_ref: str
    threatening: bool
    first_offer_due: date
    first_offer_at: datetime | None
    threat_due: date | None
    priority: int
    signal_count: int
    creditor_count: int

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    @property
    def pk(self) -> int:
        assert self.id is not None, "read once the case is written"
        return self.id


@dataclass
class _OpenCase:
    """An open case while a chunk is linked: stored before, or new in this chunk."""

    case: _CaseRow
    persons: list[Person]
    creditor_ids: set[int]
    new: bool = False
    changed: bool = False


COUNT_FIELDS = ("signal_count", "creditor_count", "threatening", "first_offer_due", "threat_due", "priority")


def _write_together(intake: _Intake, rows: list[_Checked]) -> dict[int, RowAnswer]:
    """Store a chunk's new signals with their cases, shared-log entry and audit records, a statement
    per table instead of several per row, with the same outcome as writing them one by one: the
    references are looked up at once; the open cases at the chunk's addresses are read (and
    locked) with the people of their signals, and each row is linked in memory, in order, so a
    row can join a case that an earlier row of the chunk opened or joined."""
    creditor = intake.creditor
    answers: dict[int, RowAnswer] = {}
    earlier = _earlier(creditor, [row.item.creditor_reference for row in rows])
    new_rows: list[_Checked] = []
    for row in rows:
        outcome, problem = _known_answer(earlier.get(row.item.creditor_reference), row.content_sha256, row.raw.number)
        if outcome == ACCEPTED:
            new_rows.append(row)
        else:
            assert problem is not None
            answers[row.raw.number] = RowAnswer(
                row.raw.number, row.item.creditor_reference, outcome, (*row.problems, problem)
            )
    if not new_rows:
        return answers
    received_at = timezone.now()
    open_cases = _open_cases_at(new_rows)
    due: dict[tuple[int, bool], date] = {}  # by settings and whether the signal threatens
    linked_rows: list[tuple[_Checked, _OpenCase, bool]] = []
    created: list[_CaseRow] = []  # in the order of their first rows, as one by one
    for row in new_rows:
        item, (address, at_address) = row.item, row.address
        if (row.settings.pk, item.threatening) not in due:
            due[row.settings.pk, item.threatening] = _due(row.settings, item, received_at)
        due_on = due[row.settings.pk, item.threatening]
        person = _person(item)
        candidates = open_cases.setdefault((row.municipality.pk, at_address), [])
        found = _likeliest(person, candidates, lambda candidate: candidate.persons)
        if found is None:
            case = _CaseRow(_CASES.named(_case_fields(intake, row, received_at, address, at_address, due_on)))
            found = _OpenCase(case, [], set(), new=True)
            candidates.append(found)
            created.append(case)
        linked = not found.new or bool(found.persons)
        _raise_counts(found.case, item, due_on, new_creditor=creditor.pk not in found.creditor_ids)
        found.persons.append(person)
        found.creditor_ids.add(creditor.pk)
        found.changed = True
        linked_rows.append((row, found, linked))

    for case, key in zip(created, _CASES.insert([_CASES.values_of(case) for case in created]), strict=True):
        case.id = key
    places = _write_to_log(intake, [row for row, _, _ in linked_rows])
    signal_ids = _SIGNALS.insert(
        [
            _SIGNALS.values(_signal_fields(intake, row, c.case.pk, received_at, place))
            for (row, c, _), place in zip(linked_rows, places, strict=True)
        ]
    )
    _save_counts([c.case for cases in open_cases.values() for c in cases if c.changed and not c.new])
    record_changes(
        actor=intake.actor,
        changes=[
            _received(intake, signal_id, row, c.case, linked)
            for signal_id, (row, c, linked) in zip(signal_ids, linked_rows, strict=True)
        ],
    )
    for row in new_rows:
        answers[row.raw.number] = RowAnswer(row.raw.number, row.item.creditor_reference, ACCEPTED, row.problems)
    return answers


def _case_fields(
    intake: _Intake, row: _Checked, received_at: datetime, address: str, at_address: str, due_on: date
) -> dict[str, Any]:
    """A new case for the household of a row, by attribute name; ``_raise_counts`` counts the row."""
    code = row.municipality.code
    return {
        "municipality_id": row.municipality.pk,
        "household_ref": household_ref(code, address, row.item.date_of_birth),
        "address_ref": at_address,
        "opened_at": received_at,
        "threatening": row.item.threatening,
        "first_offer_due": due_on,
        "district_id": intake.postcode_table(code).area_id(row.item.postcode),
    }


OPEN_CASE_COLUMNS = ("id", "uuid", "municipality_id", "address_ref", "household_ref", "first_offer_at", *COUNT_FIELDS)
"""What the intake reads of an open case at a chunk's address: what linking compares, what the
audit record names, and what counting raises."""


def _open_cases_at(rows: list[_Checked]) -> dict[tuple[int, str], list[_OpenCase]]:
    """The open cases at the rows' addresses, oldest first, with the people and creditors of their
    signals: two queries. The cases are locked, so none is closed while signals join it.

    Asked by the addresses' pseudonyms alone, which lead their index: a pseudonym is drawn from
    the municipality's code and the address, so it names one municipality's address. (Asked per
    municipality as well, PostgreSQL chose the index of a municipality's cases by date whenever
    its statistics were older than the municipality's first cases, and read all of them.) "Open"
    is asked as "not closed", which the index reads without a list of values."""
    wanted = {(row.municipality.pk, row.address[1]) for row in rows}
    found_rows = (
        Case.objects.select_for_update()
        .filter(_one_of("address_ref", sorted({at_address for _, at_address in wanted})))
        .exclude(status=Case.Status.CLOSED)
        .order_by("opened_at", "id")
        .values_list(*OPEN_CASE_COLUMNS)
    )
    cases = [_CaseRow(dict(zip(OPEN_CASE_COLUMNS, values, strict=True))) for values in found_rows]
    cases = [case for case in cases if (case.municipality_id, case.address_ref) in wanted]
    by_id = {case.pk: _OpenCase(case, [], set()) for case in cases}
    stored = (
        Signal.objects.filter(_one_of("case_id", list(by_id)))
        .order_by()
        .values_list(
            "case_id", "creditor_id", "surname", "surname_prefix", "initials", "given_name", "date_of_birth",
            "resident_ref", "withdrawn_at",
        )
    )  # fmt: skip
    for case_id, creditor_id, surname, prefix, initials, given_name, date_of_birth, resident_ref, withdrawn in stored:
        known = by_id[case_id]
        known.persons.append(
            Person(
                surname=surname_key(surname, prefix),
                initials=initials_of(initials, given_name),
                date_of_birth=date_of_birth,
                resident_ref=resident_ref,
                given_name=fold(given_name),
            )
        )
        # A withdrawn signal still names the household, but its creditor counts only by a standing one.
        if withdrawn is None:
            known.creditor_ids.add(creditor_id)
    found: dict[tuple[int, str], list[_OpenCase]] = {}
    for case in cases:
        found.setdefault((case.municipality_id, case.address_ref), []).append(by_id[case.pk])
    return found


class _Table:
    """How the intake writes new rows of one model together. A row is a value per concrete field,
    in the model's order; a field a row does not give has its default (an ``auto_now`` field: the
    time of writing), as a new instance would."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.names = [field.attname for field in self.fields]
        # A default that is made anew for every row (a UUID, the time) is called per row; any
        # other is the same for every row and taken once.
        makers = [_made_default(field) for field in self.fields]
        self.made = [(index, self.names[index], make) for index, make in enumerate(makers) if make is not None]
        self.fixed = {
            name: field.get_default() if make is None else None
            for name, field, make in zip(self.names, self.fields, makers, strict=True)
        }
        self.in_order = operator.itemgetter(*self.names)

    @cached_property
    def types(self) -> list[str]:
        """Each column's type, for a binary COPY."""
        return column_types(self.fields, connection)

    def values(self, given: dict[str, Any]) -> list[Any]:
        row = list(self.in_order(self.fixed | given))
        for index, name, make in self.made:
            if name not in given:
                row[index] = make()
        return row

    def values_of(self, obj: object) -> list[Any]:
        """The row of an object that holds a value for every column (made with ``named``)."""
        return list(self.in_order(obj.__dict__))

    def named(self, given: dict[str, Any]) -> dict[str, Any]:
        """Every column's value by attribute name: ``given``, else the default."""
        return dict(zip(self.names, self.values(given), strict=True))

    def insert(self, rows: list[list[Any]]) -> list[int]:
        """Write new rows and return their keys, in order: with one binary COPY on PostgreSQL
        (``core.copying``), the keys drawn from the table's sequence first, as the shared log
        writes its entries (a fraction of the cost of a multi-row INSERT, whose every value Django
        prepares and the server parses); elsewhere with ``bulk_create``."""
        if not rows:
            return []
        meta = self.model._meta
        assert meta.pk is not None
        if connection.vendor != "postgresql":
            made = self.model._default_manager.bulk_create([self.model(*row) for row in rows])
            return [obj.pk for obj in made]
        key_at = self.fields.index(meta.pk)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in self.fields)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(sequence) FROM CAST(pg_get_serial_sequence(%s, %s) AS regclass) AS sequence,"
                " generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            keys = sorted(row[0] for row in cursor.fetchall())
            with (
                connection.wrap_database_errors,
                cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN (FORMAT BINARY)") as copy,
            ):
                copy.set_types(self.types)
                for key, row in zip(keys, rows, strict=True):
                    row[key_at] = key
                    copy.write_row(row)
        return keys


def _made_default(field: models.Field[Any, Any]) -> Callable[[], Any] | None:
    """What makes the default of ``field`` anew for each row; None for a default that is the same
    for every row (the key has none: the table's sequence gives it)."""
    if field.primary_key:
        return None
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now
    if field.has_default() and callable(field.default):
        return field.default  # type: ignore[no-any-return]
    return None


_CASES = _Table(Case)
_SIGNALS = _Table(Signal)


def _save_counts(cases: list[_CaseRow]) -> None:
    """Write the counts, priority and deadline of stored cases that signals joined: one statement."""
    if not cases:
        return
    if connection.vendor != "postgresql":
        Case.objects.bulk_update(
            [Case(id=case.pk, **{name: getattr(case, name) for name in COUNT_FIELDS}) for case in cases], COUNT_FIELDS
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE early_signals_case AS c SET signal_count = v.signal_count, creditor_count = v.creditor_count,"
            " threatening = v.threatening, first_offer_due = v.first_offer_due, threat_due = v.threat_due,"
            " priority = v.priority FROM unnest(%s::bigint[], %s::integer[], %s::integer[], %s::boolean[],"
            " %s::date[], %s::date[], %s::smallint[])"
            " AS v (id, signal_count, creditor_count, threatening, first_offer_due, threat_due, priority)"
            " WHERE c.id = v.id",
            [[case.pk for case in cases], *([getattr(case, name) for case in cases] for name in COUNT_FIELDS)],
        )


def person_of(signal: Signal) -> Person:
    return Person(
        surname=surname_key(signal.surname, signal.surname_prefix),
        initials=initials_of(signal.initials, signal.given_name),
        date_of_birth=signal.date_of_birth,
        resident_ref=signal.resident_ref,
        given_name=fold(signal.given_name),
    )


def _person(item: SignalInput) -> Person:
    return Person(
        surname=surname_key(item.surname, item.surname_prefix),
        initials=initials_of(item.initials, item.given_name),
        date_of_birth=item.date_of_birth,
        resident_ref=item.resident_ref,
        given_name=fold(item.given_name),
    )


def _case_for(
    municipality: Municipality,
    municipality_settings: MunicipalitySettings,
    item: SignalInput,
    at: tuple[str, str],
    received_at: datetime,
) -> tuple[Case, bool]:
    """The open case of this household, or a new one; and whether the signal joins an open case.
    ``at`` is the address as linking compares it and its pseudonym (``_Checked.address``). The
    open cases at the address are locked, so none is closed while the signal joins it."""
    address, at_address = at
    person = _person(item)
    candidates = list(
        Case.objects.select_for_update()
        .filter(municipality=municipality, address_ref=at_address, status__in=OPEN_STATUSES)
        .order_by("opened_at", "id")
    )
    signals = Signal.objects.filter(case_id__in=[case.pk for case in candidates]).only(
        "case_id", "surname", "surname_prefix", "initials", "given_name", "date_of_birth", "resident_ref"
    )
    persons: dict[int, list[Person]] = {}
    for signal in signals:
        persons.setdefault(signal.case_id, []).append(person_of(signal))
    found = _likeliest(person, candidates, lambda case: persons.get(case.pk, []))
    if found is not None:
        return found, True
    due_on = _due(municipality_settings, item, received_at)
    case = _new_case(municipality, item, received_at, address, at_address, due_on)
    case.district = area_of_postcode(municipality.code, item.postcode)
    case.save(force_insert=True)
    return case, False


def _likeliest(person: Person, candidates: Iterable[_C], persons_of: Callable[[_C], Iterable[Person]]) -> _C | None:
    """Of the open ``candidates`` at an address (oldest first), the case one of whose signals names
    ``person`` (linking's ``same_person``); of several, the one that names them most alike
    (``likeness``), the oldest of equals."""
    found: _C | None = None
    best = -1
    for candidate in candidates:
        alike = max(
            (likeness(person, other) for other in persons_of(candidate) if same_person(person, other)), default=-1
        )
        if alike > best:
            found, best = candidate, alike
    return found


def _new_case(
    municipality: Municipality, item: SignalInput, received_at: datetime, address: str, at_address: str, due_on: date
) -> Case:
    """A new case for the household of ``item``, not yet saved and without its district."""
    return Case(
        municipality=municipality,
        household_ref=household_ref(municipality.code, address, item.date_of_birth),
        address_ref=at_address,
        opened_at=received_at,
        threatening=item.threatening,
        first_offer_due=due_on,
    )


def _due(municipality_settings: MunicipalitySettings, item: SignalInput, received_at: datetime) -> date:
    return _term(municipality_settings, threatening=item.threatening, received_at=received_at)


def _count_signal(
    case: Case,
    creditor: Organisation,
    item: SignalInput,
    municipality_settings: MunicipalitySettings,
    received_at: datetime,
    *,
    first: bool,
) -> None:
    """Raise the case's counts and priority; a threatening signal can bring its deadline forward."""
    # The signal is stored already: it is the creditor's first on this case when it is its only one.
    new_creditor = first or Signal.objects.filter(case=case, creditor=creditor, withdrawn_at__isnull=True).count() == 1
    _raise_counts(case, item, _due(municipality_settings, item, received_at), new_creditor=new_creditor)
    case.save(update_fields=list(COUNT_FIELDS))


def _raise_counts(case: Case | _CaseRow, item: SignalInput, due_on: date, *, new_creditor: bool) -> None:
    """``_count_signal`` in memory, ``due_on`` the deadline of ``item`` alone: the caller saves.

    Before the first offer, the case's term is the soonest of its signals' terms. After it, a
    threatening signal (an eviction, the end of supply) still needs a response within the urgent
    term: that is the case's ``threat_due``, until an attempt is recorded after the signal."""
    case.signal_count += 1
    case.creditor_count += 1 if new_creditor else 0
    case.threatening = case.threatening or item.threatening
    if case.first_offer_at is None:
        case.first_offer_due = min(case.first_offer_due, due_on)
    elif item.threatening:
        case.threat_due = due_on if case.threat_due is None else min(case.threat_due, due_on)
    case.priority = case_priority(
        creditor_count=case.creditor_count, signal_count=case.signal_count, threatening=case.threatening
    )


# --- cases ------------------------------------------------------------------------------------------------


def _locked_case(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("municipality").get(pk=case.pk)


def _locked_open_case(case: Case) -> Case:
    locked = _locked_case(case)
    if locked.status == Case.Status.CLOSED:
        raise ValidationError({"status": _("This case is closed already.")})
    return locked


def _require_officer(actor: Actor, case: Case, organisation: Organisation) -> None:
    require_role(
        actor, Role.EARLY_SIGNALS_OFFICER, municipality_id=case.municipality_id, organisation_id=organisation.pk
    )


def case_seen(*, actor: Actor, case: Case) -> None:
    """The team has opened ``case`` and seen all its signals (the read itself is recorded by
    ``selectors.case_detail``)."""
    require_role(actor, Role.EARLY_SIGNALS_OFFICER, municipality_id=case.municipality_id)
    Case.objects.filter(pk=case.pk, signals_seen__lt=F("signal_count")).update(signals_seen=F("signal_count"))


def case_move(*, actor: Actor, case: Case, organisation: Organisation, status: str) -> Case:
    """Put an open case in another tray (new, to contact, contacted, in help); a case someone tried
    to reach is no longer new, and cannot go back there. Closing a case takes an outcome: see
    :func:`case_close`."""
    _require_officer(actor, case, organisation)
    if status not in OPEN_STATUSES:
        raise ValidationError({"status": _("Choose one of the trays of open cases.")})
    with transaction.atomic():
        locked = _locked_open_case(case)
        if status == Case.Status.NEW and locked.first_offer_at is not None:
            raise ValidationError(
                {"status": _("Someone has tried to reach this household; the case is no longer new.")}
            )
        before = locked.status
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        record_change(
            actor=actor,
            action="early_signals.case.move",
            obj=locked,
            municipality_id=locked.municipality_id,
            organisation_id=organisation.pk,
            details={"from": before, "to": status},
        )
    return locked


def attempt_record(
    *,
    actor: Actor,
    case: Case,
    organisation: Organisation,
    channel: str,
    attempted_at: datetime,
    reached: bool,
    note: str = "",
) -> ContactAttempt:
    """Record an attempt to reach the household. The first attempt is the offer of help the legal
    term is about; the first that reached them is the first contact. A case still in "new" moves to
    "to contact", or to "contacted" once the household is reached."""
    _require_officer(actor, case, organisation)
    if channel not in ContactAttempt.Channel.values:
        raise ValidationError({"channel": _("Unknown way of contact.")})
    if attempted_at > timezone.now():
        raise ValidationError({"attempted_at": _("An attempt cannot lie in the future.")})
    if len(note) > ContactAttempt._meta.get_field("note").max_length:  # type: ignore[operator]
        raise ValidationError({"note": _("Keep the note under 500 characters.")})
    with transaction.atomic():
        locked = _locked_open_case(case)
        if attempted_at < locked.opened_at:
            raise ValidationError({"attempted_at": _("An attempt cannot lie before the case was opened.")})
        attempt = ContactAttempt.objects.create(
            case=locked,
            channel=channel,
            attempted_at=attempted_at,
            reached=reached,
            note=note.strip(),
            recorded_by_id=actor.user_id,
        )
        if locked.first_offer_at is None or attempted_at < locked.first_offer_at:
            locked.first_offer_at = attempted_at
        if locked.threat_due is not None and attempted_at >= _last_threat_at(locked):
            locked.threat_due = None
        if reached and (locked.first_contact_at is None or attempted_at < locked.first_contact_at):
            locked.first_contact_at = attempted_at
        if reached and locked.status in (Case.Status.NEW, Case.Status.TO_CONTACT):
            locked.status = Case.Status.CONTACTED
        elif locked.status == Case.Status.NEW:
            locked.status = Case.Status.TO_CONTACT
        locked.save(update_fields=["first_offer_at", "first_contact_at", "threat_due", "status", "updated_at"])
        record_change(
            actor=actor,
            action="early_signals.case.attempt",
            obj=locked,
            municipality_id=locked.municipality_id,
            organisation_id=organisation.pk,
            details={"attempt": str(attempt.uuid), "channel": channel, "reached": reached},
        )
    return attempt


def last_attempt_at(case: Case) -> datetime | None:
    """When the latest attempt to reach the household of ``case`` was made; None before any."""
    last: datetime | None = ContactAttempt.objects.filter(case_id=case.pk).aggregate(last=Max("attempted_at"))["last"]
    return last


def _last_threat_at(case: Case) -> datetime:
    """When the latest threatening signal of ``case`` came in."""
    last: datetime | None = Signal.objects.filter(case=case, kind__in=THREATENING_KINDS).aggregate(
        last=Max("received_at")
    )["last"]
    assert last is not None, "a case with a threat to respond to has a threatening signal"
    return last


def case_close(*, actor: Actor, case: Case, organisation: Organisation, outcome: str) -> Case:
    """Close a case with its outcome; the closing is written to the shared log, signed by the
    organisation of the early-signalling officer. An outcome after contact needs a recorded attempt
    that reached the household; "no contact" needs an attempt to reach them, except when the
    retention run closes a case nobody reached within its term (a system actor)."""
    _require_officer(actor, case, organisation)
    # The outcomes of a withdrawal are the creditors' to set (early_signals.withdrawals), not the team's.
    if outcome not in TEAM_OUTCOMES:
        raise ValidationError({"outcome": _("Unknown outcome.")})
    with transaction.atomic():
        locked = _locked_open_case(case)
        if outcome == Case.Outcome.NO_CONTACT and locked.first_offer_at is None and not actor.is_system:
            raise ValidationError(
                {"outcome": _("Nobody has tried to reach this household yet; record an attempt before you close it.")}
            )
        if outcome != Case.Outcome.NO_CONTACT and locked.first_contact_at is None:
            raise ValidationError(
                {
                    "outcome": _(
                        "No contact has been recorded for this case; record the attempt that reached them first."
                    )
                }
            )
        case_closing_write(actor=actor, case=locked, outcome=outcome, signed_by=organisation, at=timezone.now())
    return locked


def case_closing_write(
    *,
    actor: Actor,
    case: Case,
    outcome: str,
    signed_by: Organisation,
    at: datetime,
    names_household: bool = True,
    details: dict[str, str] | None = None,
) -> None:
    """Write the closing of an open case whoever closes it (``case_close``, a withdrawal by its
    creditors): its outcome and time, an entry in the shared log signed by ``signed_by``, and the
    audit record. Call it inside the transaction that locked the case. The entry names the household
    unless ``names_household`` is false."""
    case.status, case.outcome, case.closed_at = Case.Status.CLOSED, outcome, at
    case.threat_due = None  # a closed case has nothing left to respond to, also once reopened
    case.save(update_fields=["status", "outcome", "closed_at", "threat_due", "updated_at"])
    entry_append(
        municipality=case.municipality,
        kind=LEDGER_CASE_CLOSED,
        acting=signed_by,
        payload={"outcome": outcome, "closed_on": timezone.localdate(at).isoformat()},
        subject_ref=case.household_ref if names_household else "",
    )
    record_change(
        actor=actor,
        action="early_signals.case.close",
        obj=case,
        municipality_id=case.municipality_id,
        organisation_id=signed_by.pk,
        subject_ref=case.household_ref,
        details={"outcome": outcome, **(details or {})},
    )


def case_reopen(*, actor: Actor, case: Case, organisation: Organisation, reason: str) -> Case:
    """Open a closed case again, in the tray "contacted" when the household was reached before and
    "to contact" otherwise; its outcome is cleared, so it is closed again with the right one. The
    reopening is written to the shared log and the audit log, and the creditors hear "in progress"
    again. A case whose personal data the retention term removed cannot be opened again: a new
    signal opens a new case."""
    _require_officer(actor, case, organisation)
    if reason not in Case.ReopenReason.values:
        raise ValidationError({"reason": _("Choose why the case is opened again.")})
    with transaction.atomic():
        locked = _locked_case(case)
        if locked.status != Case.Status.CLOSED:
            raise ValidationError({"reason": _("This case is open already.")})
        if locked.erased_at is not None:
            raise ValidationError(
                {"reason": _("The personal data of this case has been removed; it cannot be opened again.")}
            )
        if locked.outcome == Case.Outcome.JOINED:
            raise ValidationError({"reason": _("This case was joined with another case; open that one instead.")})
        outcome = locked.outcome
        locked.status = Case.Status.CONTACTED if locked.first_contact_at is not None else Case.Status.TO_CONTACT
        locked.outcome = ""
        locked.closed_at = None
        locked.save(update_fields=["status", "outcome", "closed_at", "updated_at"])
        _reopening_write(actor=actor, case=locked, organisation=organisation, reason=reason, outcome_before=outcome)
    return locked


def _reopening_write(*, actor: Actor, case: Case, organisation: Organisation, reason: str, outcome_before: str) -> None:
    """Write the reopening of a case, saved open again: an entry in the shared log signed by
    ``organisation`` (the creditors hear "in progress" again) and the audit record."""
    entry_append(
        municipality=case.municipality,
        kind=LEDGER_CASE_REOPENED,
        acting=organisation,
        payload={"reason": reason, "reopened_on": timezone.localdate().isoformat()},
        subject_ref=case.household_ref,
    )
    record_change(
        actor=actor,
        action="early_signals.case.reopen",
        obj=case,
        municipality_id=case.municipality_id,
        organisation_id=organisation.pk,
        subject_ref=case.household_ref,
        details={"reason": reason, "outcome_before": outcome_before, "to": case.status},
    )


def case_join(*, actor: Actor, case: Case, other: Case, organisation: Organisation) -> Case:
    """Join ``other`` with ``case``: the team has found that both are about the same person, at the
    same address, under names linking could not join with certainty (a call name beside initials, a
    date of birth mistyped by a creditor). Both must be open. ``case`` takes the signals of
    ``other``, its attempts and its withdrawn signals, and is counted again as if it had had them
    all along: opened when the first of the two was, its first offer, first contact and term the
    earliest of the two, the tray the furthest of the two. ``other`` is closed as joined, through
    the shared log like any closing, and points at ``case``, so that its number on a letter still
    leads to the household. A join made in error is undone with ``case_split``."""
    _require_officer(actor, case, organisation)
    _require_officer(actor, other, organisation)
    if case.pk == other.pk:
        raise ValidationError({"other": _("A case cannot be joined with itself.")})
    with transaction.atomic():
        # The address first, as an intake takes it, so that no signal is linked to a case while it
        # is joined; then both cases, in the order of their keys, as two joins of a pair take them.
        lock_addresses([case.address_ref])
        in_order = sorted((case, other), key=operator.attrgetter("pk"))
        locked = {found.pk: found for found in map(_locked_case, in_order)}
        into, joined = locked[case.pk], locked[other.pk]
        if Case.Status.CLOSED in (into.status, joined.status):
            raise ValidationError({"other": _("Only open cases can be joined.")})
        same_address = into.address_ref and into.address_ref == joined.address_ref
        if into.municipality_id != joined.municipality_id or not same_address:
            raise ValidationError({"other": _("Only cases at the same address can be joined.")})
        standing = _standing_of(into, joined)
        # What moves is kept with the join and named in the audit record, so that a join made in
        # error can be traced back and undone (case_split).
        join = CaseJoin.objects.create(
            kept=into,
            joined=joined,
            signals=_uuids(Signal.objects.filter(case=joined)),
            attempts=_uuids(ContactAttempt.objects.filter(case=joined)),
            tombstones=[
                str(key)
                for key in SignalTombstone.objects.filter(case_uuid=joined.uuid).values_list("signal_uuid", flat=True)
            ],
            kept_signals=_uuids(Signal.objects.filter(case=into)),
            kept_attempts=_uuids(ContactAttempt.objects.filter(case=into)),
            kept_status=into.status,
            kept_opened_at=into.opened_at,
            kept_first_offer_due=into.first_offer_due,
            kept_threat_due=into.threat_due,
            kept_seen=_seen_of(into),
            joined_status=joined.status,
            joined_threat_due=joined.threat_due,
            joined_seen=_seen_of(joined),
        )
        moved = {
            "signals": join.signals,
            "attempts": join.attempts,
            "withdrawn_signals_removed": len(join.tombstones),
        }
        Signal.objects.filter(case=joined).update(case=into)
        ContactAttempt.objects.filter(case=joined).update(case=into)
        SignalTombstone.objects.filter(case_uuid=joined.uuid).update(case_uuid=into.uuid)
        _count_joined(into, joined, standing)
        joined.signal_count = joined.creditor_count = joined.signals_seen = 0
        joined.threatening, joined.priority, joined.joined_into = False, 1, into
        joined.first_offer_at = joined.first_contact_at = None
        joined.save(
            update_fields=[
                "signal_count",
                "creditor_count",
                "signals_seen",
                "threatening",
                "priority",
                "joined_into",
                "first_offer_at",
                "first_contact_at",
                "updated_at",
            ]
        )
        case_closing_write(
            actor=actor,
            case=joined,
            outcome=Case.Outcome.JOINED,
            signed_by=organisation,
            at=timezone.now(),
            details={"joined_into": str(into.uuid)},
        )
        record_change(
            actor=actor,
            action="early_signals.case.join",
            obj=into,
            municipality_id=into.municipality_id,
            organisation_id=organisation.pk,
            subject_ref=into.household_ref,
            details={"joined": str(joined.uuid), **moved},
        )
    return into


@dataclass(frozen=True)
class _Standing:
    """A standing signal of one of two cases being joined, read once before the join."""

    case_id: int
    received_at: datetime
    pk: int
    kind: str
    creditor_id: int


def _standing_of(into: Case, joined: Case) -> list[_Standing]:
    """The standing signals of both cases, in the order they came in: one query."""
    found = (
        Signal.objects.filter(case__in=(into, joined), withdrawn_at__isnull=True)
        .order_by("received_at", "pk")
        .values_list("case_id", "received_at", "pk", "kind", "creditor_id")
    )
    return [_Standing(*values) for values in found]


def _seen_when_joined(into: Case, joined: Case, standing: list[_Standing]) -> int:
    """How many standing signals of the two cases together the team has seen, counted as a case
    counts them (``Case.signals_seen``): those that came in before the first one it has not seen in
    either case. A case's first ``signals_seen`` standing signals, in the order they came in, are the
    ones seen; of a case never opened, none."""
    unseen = [
        (signal.received_at, signal.pk)
        for one in (into, joined)
        for signal in [signal for signal in standing if signal.case_id == one.pk][one.signals_seen :]
    ]
    if not unseen:
        return len(standing)
    first_unseen = min(unseen)
    return sum(1 for signal in standing if (signal.received_at, signal.pk) < first_unseen)


def _count_joined(into: Case, joined: Case, standing: list[_Standing]) -> None:
    """Count ``into`` again now that it holds the signals and attempts of ``joined`` (``standing``:
    the standing signals of both, read before they moved), and save it."""
    both = (into, joined)
    # Each case's threat terms as it had them, read before ``into`` is counted again: a threatening
    # case nobody had tried to reach has its threat's term as its term for the first offer.
    threat_terms = [one.threat_due for one in both if one.threat_due is not None]
    threat_terms += [one.first_offer_due for one in both if one.threatening and one.first_offer_at is None]
    into.signals_seen = _seen_when_joined(into, joined, standing)
    _set_counts(into, standing)
    threats = [signal.received_at for signal in standing if signal.kind in THREATENING_KINDS]
    into.opened_at = min(one.opened_at for one in both)
    into.first_offer_due = min(one.first_offer_due for one in both)
    into.first_offer_at = min((one.first_offer_at for one in both if one.first_offer_at), default=None)
    into.first_contact_at = min((one.first_contact_at for one in both if one.first_contact_at), default=None)
    into.status = max((one.status for one in both), key=OPEN_STATUSES.index)
    # After the first offer, a standing threat that came after the last attempt still needs a
    # response, by the term it had: as a threat after an offer, or, in a case nobody had tried to
    # reach, that case's term (which the threat brought forward, or an older signal before it).
    last_threat = max(threats, default=None)
    into.threat_due = None
    if into.first_offer_at is not None and last_threat is not None and threat_terms:
        last_attempt = last_attempt_at(into)
        if last_attempt is None or last_attempt < last_threat:
            into.threat_due = min(threat_terms)
    into.save(
        update_fields=[
            *COUNT_FIELDS,
            "signals_seen",
            "opened_at",
            "first_offer_at",
            "first_contact_at",
            "status",
            "updated_at",
        ]
    )


def case_split(*, actor: Actor, case: Case, joined: Case, organisation: Organisation) -> Case:
    """Undo the latest join into ``case``, that of ``joined``: the team found they are about two
    people after all. What the join moved goes back (signals, attempts, withdrawn signals whose
    data is gone), and so does a signal that came since and names the person of ``joined`` rather
    than the person of ``case``; attempts made since stay with ``case``. ``joined`` is opened again
    in the tray it had, through the shared log like any reopening. Both are counted again from what
    each holds: each keeps its own opening and term (``case`` those from before the join, brought
    forward by a signal since), the signals the team had seen stay seen, and the term to answer a
    threat is the one each had when joined, followed through what happened since. A case that the
    creditors' withdrawals since the join would have closed is not opened again: the join stays.

    Joins into one case are undone the latest first, each giving back the state before it. ``case``
    must be open: a closing after the join may have been about either person. Returns ``joined``."""
    _require_officer(actor, case, organisation)
    _require_officer(actor, joined, organisation)
    with transaction.atomic():
        # Locked as a join locks them (case_join), so that no signal is linked meanwhile.
        lock_addresses([case.address_ref])
        in_order = sorted((case, joined), key=operator.attrgetter("pk"))
        locked = {found.pk: found for found in map(_locked_case, in_order)}
        kept, split = locked[case.pk], locked[joined.pk]
        join = CaseJoin.latest_standing(kept)
        if join is None or split.outcome != Case.Outcome.JOINED or split.joined_into_id != kept.pk:
            raise ValidationError({"joined": _("That case is not joined with this one.")})
        if join.joined_id != split.pk:
            raise ValidationError({"joined": _("Undo the latest join with this case first.")})
        if kept.status == Case.Status.CLOSED:
            raise ValidationError({"joined": _("Open this case again before you undo the join.")})
        if split.erased_at is not None:
            raise ValidationError(
                {"joined": _("The personal data of that case has been removed; the join cannot be undone.")}
            )
        # Which standing signals the team has seen, read before they move (Case.signals_seen).
        seen = set(_seen_of(kept))
        moved = {
            "signals": [*_uuids(kept.signals.filter(uuid__in=join.signals)), *_named_since(kept, join)],
            "attempts": _uuids(kept.attempts.filter(uuid__in=join.attempts)),
        }
        Signal.objects.filter(case=kept, uuid__in=moved["signals"]).update(case=split)
        ContactAttempt.objects.filter(case=kept, uuid__in=moved["attempts"]).update(case=split)
        tombstones = SignalTombstone.objects.filter(
            case_uuid=kept.uuid, signal_uuid__in=[*join.signals, *join.tombstones]
        ).update(case_uuid=split.uuid)
        terms = MunicipalitySettings.of(kept.municipality_id)
        tray_after_join = max(join.kept_status, join.joined_status, key=OPEN_STATUSES.index)
        before_join = {*join.kept_signals, *join.signals}
        opened: set[int] = set()  # the cases the team opened: it began on them
        for one, seen_before, due_before, threat_due_before in (
            (kept, join.kept_seen, join.kept_first_offer_due, join.kept_threat_due),
            (split, join.joined_seen, split.first_offer_due, join.joined_threat_due),
        ):
            signals = _count_split(one, join, seen | set(seen_before), threat_due_before, terms)
            if seen_before or seen & {str(signal.uuid) for signal in signals}:
                opened.add(one.pk)
            # A signal that came since the join brings the term forward while no offer was made.
            one.first_offer_due = min(
                [
                    due_before,
                    *(
                        _term(terms, threatening=signal.kind in THREATENING_KINDS, received_at=signal.received_at)
                        for signal in signals
                        if str(signal.uuid) not in before_join
                        and (one.first_offer_at is None or signal.received_at < one.first_offer_at)
                    ),
                ]
            )
        # The case kept opened as before the join, unless an attempt made since lies before that.
        kept.opened_at = min(join.kept_opened_at, kept.first_offer_at or join.kept_opened_at)
        # The tray the team moved the case kept to since the join stays; otherwise the one it had.
        kept.status = join.kept_status if kept.status == tray_after_join else kept.status
        split.status = join.joined_status
        split.outcome, split.closed_at, split.joined_into = "", None, None
        for one in (kept, split):
            _tray_after_attempts(one)
        if any(_withdrawn_whole(one, join, opened=one.pk in opened) for one in (kept, split)):
            raise ValidationError(
                {
                    "joined": _(
                        "Since the join, the creditors withdrew every signal of one of the two cases. A case like "
                        "that is not opened again, so the join stays."
                    )
                }
            )
        for one in (kept, split):
            one.save(
                update_fields=[
                    *COUNT_FIELDS,
                    "signals_seen",
                    "opened_at",
                    "first_offer_at",
                    "first_contact_at",
                    "status",
                    "outcome",
                    "closed_at",
                    "joined_into",
                    "updated_at",
                ]
            )
        join.undone_at = timezone.now()
        join.save(update_fields=["undone_at"])
        _reopening_write(
            actor=actor,
            case=split,
            organisation=organisation,
            reason=Case.ReopenReason.JOINED_IN_ERROR.value,
            outcome_before=Case.Outcome.JOINED.value,
        )
        record_change(
            actor=actor,
            action="early_signals.case.split",
            obj=kept,
            municipality_id=kept.municipality_id,
            organisation_id=organisation.pk,
            subject_ref=kept.household_ref,
            details={"split": str(split.uuid), **moved, "withdrawn_signals_removed": tombstones},
        )
    return split


def _named_since(kept: Case, join: CaseJoin) -> list[str]:
    """The signals that came to ``kept`` since ``join`` and name the person of the joined case
    (linking's ``same_person`` with one of the signals the join moved) but not the person of
    ``kept`` before it: they go back with the joined case. A signal that names both or neither
    stays."""
    earlier: dict[str, list[Person]] = {"kept": [], "joined": []}
    moved, had = set(join.signals), set(join.kept_signals)
    since: list[Signal] = []
    for signal in Signal.objects.filter(case=kept):
        key = str(signal.uuid)
        if key in moved:
            earlier["joined"].append(person_of(signal))
        elif key in had:
            earlier["kept"].append(person_of(signal))
        else:
            since.append(signal)
    return [
        str(signal.uuid)
        for signal in since
        if any(same_person(person_of(signal), other) for other in earlier["joined"])
        and not any(same_person(person_of(signal), other) for other in earlier["kept"])
    ]


def _withdrawn_whole(case: Case, join: CaseJoin, *, opened: bool) -> bool:
    """``case``, counted again, has no standing signal since its creditors withdrew one after the
    join, and their withdrawals would have closed it (early_signals.withdrawals): every signal was
    sent in error, or nobody began on it (moved it on, made an offer, or ``opened`` it)."""
    if case.signal_count:
        return False
    since = Q(withdrawn_at__gt=join.joined_at)
    if not (
        Signal.objects.filter(since, case=case).exists()
        or SignalTombstone.objects.filter(since, case_uuid=case.uuid).exists()
    ):
        return False  # as it was when joined: its withdrawals left it open then
    began = opened or case.status not in UNTOUCHED or case.first_offer_at is not None
    return _every_signal_sent_in_error(case) or not began


def _every_signal_sent_in_error(case: Case) -> bool:
    """Every signal of ``case`` was withdrawn as sent in error (standing or as a tombstone): a case
    whose data a withdrawal removes at once (early_signals.withdrawals)."""
    reasons = [
        *Signal.objects.filter(case=case).values_list("withdrawal_reason", flat=True),
        *SignalTombstone.objects.filter(case_uuid=case.uuid, withdrawn_at__isnull=False).values_list(
            "withdrawal_reason", flat=True
        ),
    ]
    return bool(reasons) and all(reason == WithdrawalReason.SENT_IN_ERROR for reason in reasons)


def _seen_of(case: Case) -> list[str]:
    """The ids of the signals of ``case`` the team has seen: its first ``signals_seen`` standing
    signals, in the order they came in."""
    standing = Signal.objects.filter(case=case, withdrawn_at__isnull=True).order_by("received_at", "pk")
    return _uuids(standing[: case.signals_seen]) if case.signals_seen else []


@dataclass(frozen=True)
class _Happened:
    """A signal of a case being split, or the tombstone of one: what its threat term depends on."""

    uuid: str
    kind: str
    received_at: datetime
    withdrawn_at: datetime | None
    since_the_join: bool


def _count_split(
    case: Case, join: CaseJoin, seen: set[str], threat_due_before: date | None, terms: MunicipalitySettings
) -> list[Any]:
    """Count ``case`` again from the signals and attempts it holds after the split of ``join``, in
    memory (the caller saves): its standing signals, creditors, threat and priority; those in
    ``seen`` as seen; its first offer and contact; and the term of a threat still to answer, from
    ``threat_due_before`` (the term it had when it was joined) and what happened since. Returns its
    signals, withdrawn ones too (uuid, kind, received_at)."""
    signals: list[Any] = list(
        Signal.objects.filter(case=case)
        .order_by("received_at", "pk")
        .values_list("uuid", "kind", "creditor_id", "received_at", "withdrawn_at", named=True)
    )
    standing = [signal for signal in signals if signal.withdrawn_at is None]
    case.signals_seen = sum(1 for signal in standing if str(signal.uuid) in seen)
    _set_counts(case, standing)
    attempts: list[Any] = list(
        ContactAttempt.objects.filter(case=case).values_list(
            "uuid", "attempted_at", "reached", "recorded_at", named=True
        )
    )
    case.first_offer_at = min((attempt.attempted_at for attempt in attempts), default=None)
    case.first_contact_at = min((attempt.attempted_at for attempt in attempts if attempt.reached), default=None)
    before = {*join.signals, *join.kept_signals, *join.tombstones}
    tombstones = SignalTombstone.objects.filter(case_uuid=case.uuid).values_list(
        "signal_uuid", "kind", "received_at", "withdrawn_at"
    )
    happened = [
        _Happened(
            str(signal.uuid), signal.kind, signal.received_at, signal.withdrawn_at, str(signal.uuid) not in before
        )
        for signal in signals
    ] + [
        _Happened(str(key), kind, received_at, withdrawn_at, received_at > join.joined_at)
        for key, kind, received_at, withdrawn_at in tombstones
    ]
    attempts_since = {str(attempt.uuid) for attempt in attempts} - {*join.attempts, *join.kept_attempts}
    case.threat_due = _threat_due_replayed(happened, attempts, attempts_since, join.joined_at, threat_due_before, terms)
    return signals


def _threat_due_replayed(
    happened: Sequence[_Happened],
    attempts: Sequence[Any],
    attempts_since: set[str],
    joined_at: datetime,
    due_when_joined: date | None,
    terms: MunicipalitySettings,
) -> date | None:
    """The term by which a case must answer a threat that came after its first offer: the term it
    had when it was joined, followed through what happened to it since in the order it happened, as
    the services keep it. A threat that comes when an offer was recorded sets its term
    (_raise_counts), an attempt made after the latest threat clears it (attempt_record), and so does
    a withdrawal that leaves no standing threat after the last attempt (withdrawals). What happened
    before the join only tells which threats had come, which were withdrawn and when the last
    attempt was made."""
    events = sorted(
        [
            *((item.since_the_join, item.received_at, 0, item) for item in happened),
            *((str(attempt.uuid) in attempts_since, attempt.recorded_at, 1, attempt) for attempt in attempts),
            *(
                (item.withdrawn_at > joined_at, item.withdrawn_at, 2, item)
                for item in happened
                if item.withdrawn_at is not None
            ),
        ],
        key=lambda event: event[:3],
    )
    due = due_when_joined
    threats: list[_Happened] = []
    withdrawn: set[str] = set()
    last_attempt: datetime | None = None
    for since, _at, what, item in events:
        if what == 0 and item.kind in THREATENING_KINDS:
            threats.append(item)
            if since and last_attempt is not None:
                term = _term(terms, threatening=True, received_at=item.received_at)
                due = term if due is None else min(due, term)
        elif what == 1:
            last_attempt = item.attempted_at if last_attempt is None else max(last_attempt, item.attempted_at)
            latest = max((threat.received_at for threat in threats), default=None)
            if since and due is not None and (latest is None or item.attempted_at >= latest):
                due = None
        elif what == 2:
            withdrawn.add(item.uuid)
            if (
                since
                and due is not None
                and not any(
                    threat.uuid not in withdrawn and (last_attempt is None or threat.received_at > last_attempt)
                    for threat in threats
                )
            ):
                due = None
    return due


def _set_counts(case: Case, standing: Sequence[Any]) -> None:
    """A case's counts from its standing signals (each with a ``kind`` and a ``creditor_id``)."""
    case.signal_count = len(standing)
    case.creditor_count = len({signal.creditor_id for signal in standing})
    case.threatening = any(signal.kind in THREATENING_KINDS for signal in standing)
    case.priority = case_priority(
        creditor_count=case.creditor_count, signal_count=case.signal_count, threatening=case.threatening
    )


def _uuids(rows: models.QuerySet[Any]) -> list[str]:
    """The ids of ``rows`` as text, as a join records them."""
    return [str(key) for key in rows.values_list("uuid", flat=True)]


def _term(terms: MunicipalitySettings, *, threatening: bool, received_at: datetime) -> date:
    """The term for the first offer of a signal received at ``received_at``."""
    return first_offer_due(
        received_on=timezone.localdate(received_at),
        threatening=threatening,
        regular_term_days=terms.regular_term_days,
        urgent_term_working_days=terms.urgent_term_working_days,
    )


def _tray_after_attempts(case: Case) -> None:
    """The tray a case's attempts take it to at least, as recording them does (attempt_record)."""
    if case.first_contact_at is not None and case.status in (Case.Status.NEW, Case.Status.TO_CONTACT):
        case.status = Case.Status.CONTACTED
    elif case.first_offer_at is not None and case.status == Case.Status.NEW:
        case.status = Case.Status.TO_CONTACT


def case_separate(*, actor: Actor, case: Case, signals: Collection[str], organisation: Organisation) -> Case:
    """Move ``signals`` (their ids) out of ``case`` into a case of their own: the team found they
    are about someone else at the address, whom linking took for the same person (twins with the
    same initials, a date of birth a creditor gave wrongly, a signal since a join that names the
    other person). ``case`` must be open and keep a standing signal; at least one standing signal
    moves, and signals withdrawn by their creditors may move with it (their data is that person's
    too). Signals whose data is gone stay, as do the attempts: they were made to reach the person of
    ``case``.

    The new case is opened as linking would have opened it had it told the people apart: on the day
    the first of its signals came in, in the tray "new", its term for the first offer the earliest
    of its signals' terms (with the municipality's current terms; it may have passed: nobody has
    offered that person help yet), the signals the team had seen still seen. ``case`` keeps its
    opening, attempts and tray and is counted again; a term that the moved signals set goes to the
    term of the signals that stay (``_terms_left``). Signals that a standing join brought together
    move only once it is undone: undoing it gives back what it recorded. Both cases are under the
    address's lock, as in the intake and a join. A separation is undone by joining the two cases
    again (``case_join``). Returns the new case."""
    _require_officer(actor, case, organisation)
    chosen = set(map(str, signals))
    if not chosen:
        raise ValidationError({"signals": _("Choose the signals that are about someone else.")})
    with transaction.atomic():
        lock_addresses([case.address_ref])
        locked = _locked_case(case)
        if locked.status == Case.Status.CLOSED:
            raise ValidationError({"signals": _("Open this case again before you move signals out of it.")})
        held = list(
            Signal.objects.filter(case=locked)
            .order_by("received_at", "pk")
            .only(
                "uuid", "kind", "creditor", "received_at", "withdrawn_at",
                "postcode", "house_number", "house_number_addition", "date_of_birth",
            )
        )  # fmt: skip
        moving = [signal for signal in held if str(signal.uuid) in chosen]
        if len(moving) != len(chosen):
            raise ValidationError(
                {"signals": _("Choose among the signals of this case; the page may have changed since you opened it.")}
            )
        joined = CaseJoin.objects.filter(kept=locked, undone_at__isnull=True).values_list("signals", "kept_signals")
        if chosen & {key for lists in joined for keys in lists for key in keys}:
            # Undoing the join gives back what it recorded; a signal moved since would be missing there.
            raise ValidationError(
                {
                    "signals": _(
                        "One of these signals was in this case, or came with the other case, when another case was "
                        "joined with it. Undo that join first, then move the signals."
                    )
                }
            )
        standing = [signal for signal in held if signal.withdrawn_at is None]
        staying = [signal for signal in standing if str(signal.uuid) not in chosen]
        if len(staying) == len(standing):
            raise ValidationError(
                {"signals": _("Choose at least one signal that has not been withdrawn: it opens the new case.")}
            )
        if not staying:
            raise ValidationError(
                {
                    "signals": _(
                        "Leave at least one signal that has not been withdrawn in this case. When every signal is "
                        "about someone else, the case is theirs: nothing needs to move."
                    )
                }
            )
        seen = set(_seen_of(locked))
        terms = MunicipalitySettings.of(locked.municipality_id)
        first = moving[0]
        address = address_key(first.postcode, first.house_number, first.house_number_addition)
        into = Case(
            municipality=locked.municipality,
            district_id=locked.district_id,
            household_ref=household_ref(locked.municipality.code, address, first.date_of_birth),
            address_ref=locked.address_ref,
            opened_at=first.received_at,
            first_offer_due=min(
                _term(terms, threatening=signal.kind in THREATENING_KINDS, received_at=signal.received_at)
                for signal in moving
            ),
        )
        moving_standing = [signal for signal in moving if signal.withdrawn_at is None]
        _set_counts(into, moving_standing)
        into.signals_seen = sum(1 for signal in moving_standing if str(signal.uuid) in seen)
        into.save(force_insert=True)
        Signal.objects.filter(pk__in=[signal.pk for signal in moving]).update(case=into)
        # The team saw the first ``signals_seen`` standing signals; those left are still a beginning.
        locked.signals_seen = sum(1 for signal in staying if str(signal.uuid) in seen)
        _set_counts(locked, staying)
        _terms_left(locked, [signal for signal in held if signal not in moving], moving, terms)
        locked.save(update_fields=[*COUNT_FIELDS, "signals_seen", "updated_at"])
        separation = CaseSeparation.objects.create(case=locked, into=into, signals=[str(s.uuid) for s in moving])
        for one, details in (
            (locked, {"into": str(into.uuid)}),
            (into, {"separated_from": str(locked.uuid)}),
        ):
            record_change(
                actor=actor,
                action="early_signals.case.separate",
                obj=one,
                municipality_id=one.municipality_id,
                organisation_id=organisation.pk,
                subject_ref=one.household_ref,
                details={**details, "separation": str(separation.uuid), "signals": separation.signals},
            )
    return into


def _terms_left(case: Case, staying: Sequence[Signal], moved: Sequence[Signal], terms: MunicipalitySettings) -> None:
    """The terms of ``case`` once the ``moved`` signals, about someone else, left it (``staying``:
    its other signals, withdrawn ones too), in memory: a term that one of them may have set goes to
    the earliest of those that stay. For the first offer, of the signals that came before it (all
    while none was made), withdrawn ones and those whose data is gone too, as a withdrawal keeps the
    term; for a threat after the offer, of the standing threats that came after the last attempt,
    and none when no such threat stays. Never earlier than the term was: the terms of the signals
    that stay are in it already, perhaps under terms the municipality has changed since."""

    def before_offer(signal: Any) -> bool:
        return case.first_offer_at is None or signal.received_at < case.first_offer_at

    def term(signal: Any) -> date:
        return _term(terms, threatening=signal.kind in THREATENING_KINDS, received_at=signal.received_at)

    gone = SignalTombstone.objects.filter(case_uuid=case.uuid).only("kind", "received_at")
    left = [signal for signal in [*staying, *gone] if before_offer(signal)]
    if left and any(term(signal) <= case.first_offer_due for signal in moved if before_offer(signal)):
        case.first_offer_due = max(case.first_offer_due, min(map(term, left)))
    if case.threat_due is None:
        return
    last_attempt = last_attempt_at(case)

    def to_answer(signals: Iterable[Signal]) -> list[Signal]:
        return [
            signal
            for signal in signals
            if signal.withdrawn_at is None
            and signal.kind in THREATENING_KINDS
            and (last_attempt is None or signal.received_at > last_attempt)
        ]

    threats = to_answer(staying)
    if not threats:
        case.threat_due = None
    elif any(term(signal) <= case.threat_due for signal in to_answer(moved)):
        case.threat_due = max(case.threat_due, min(map(term, threats)))


# --- agreements, tokens, settings ----------------------------------------------------------------------


def agreement_set(
    *, actor: Actor, organisation: Organisation, municipality: Municipality, active: bool = True
) -> CreditorAgreement:
    """Let a creditor deliver signals about residents of ``municipality`` (or stop it)."""
    require_role(actor, Role.APPLICATION_MANAGER, municipality_id=municipality.pk)
    if organisation.kind not in CREDITOR_KINDS:
        raise ValidationError(
            {
                "organisation": _(
                    "Only housing corporations, energy suppliers, drinking-water companies and health insurers "
                    "deliver signals."
                )
            }
        )
    with transaction.atomic():
        agreement, created = CreditorAgreement.objects.get_or_create(
            organisation=organisation, municipality=municipality, defaults={"active": active}
        )
        if not created and agreement.active != active:
            agreement.active = active
            agreement.save(update_fields=["active", "updated_at"])
        record_change(
            actor=actor,
            action="early_signals.agreement.set",
            obj=agreement,
            municipality_id=municipality.pk,
            organisation_id=organisation.pk,
            details={"active": active},
        )
    return agreement


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(
    *, actor: Actor, organisation: Organisation, label: str = "", raw: str = ""
) -> tuple[CreditorToken, str]:
    """A new API token for a creditor: the token itself is returned once and never stored. Only the
    demo passes ``raw``, a token fixed in advance (and therefore public)."""
    if not actor.is_system:
        raise PermissionDenied("only the platform operator issues creditor tokens")
    if raw and (not raw.startswith(TOKEN_START) or not 40 <= len(raw) <= 100):
        raise ValueError("a fixed token starts with the token start and has 40 to 100 characters")
    raw = raw or TOKEN_START + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = CreditorToken.objects.create(
            organisation=organisation, token_sha256=token_digest(raw), prefix=raw[:12], label=label[:100]
        )
        record_change(
            actor=actor,
            action="early_signals.token.create",
            obj=token,
            organisation_id=organisation.pk,
            details={"prefix": token.prefix},
        )
    return token, raw


def token_revoke(*, actor: Actor, token: CreditorToken) -> None:
    if not actor.is_system:
        raise PermissionDenied("only the platform operator revokes creditor tokens")
    with transaction.atomic():
        updated = CreditorToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if updated:
            record_change(
                actor=actor,
                action="early_signals.token.revoke",
                obj=token,
                organisation_id=token.organisation_id,
                details={"prefix": token.prefix},
            )


def token_authenticate(raw: str) -> CreditorToken | None:
    """The active token ``raw`` is, with its organisation; notes when it was last used."""
    if not raw.startswith(TOKEN_START) or len(raw) > 100:
        return None
    token = (
        CreditorToken.objects.select_related("organisation")
        .filter(token_sha256=token_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        CreditorToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


class Unchanged(enum.Enum):
    """Said for a setting the caller leaves as it is."""

    KEEP = "keep"


def municipality_settings_update(
    *,
    actor: Actor,
    municipality: Municipality,
    regular_term_days: int,
    urgent_term_working_days: int,
    retention_days: int | Literal[Unchanged.KEEP] | None = Unchanged.KEEP,
    retention_after_help_days: int | Literal[Unchanged.KEEP] | None = Unchanged.KEEP,
) -> MunicipalitySettings:
    """Set the terms for a first offer and, when given, the retention terms (None: the
    installation's term). The terms for an offer apply to signals received from now on; the
    retention terms from the next retention run to every case, also those closed before."""
    require_role(actor, Role.APPLICATION_MANAGER, municipality_id=municipality.pk)
    with transaction.atomic():
        row = MunicipalitySettings.objects.select_for_update().get_or_create(municipality=municipality)[0]
        row.regular_term_days = regular_term_days
        row.urgent_term_working_days = urgent_term_working_days
        details: dict[str, Any] = {
            "regular_term_days": regular_term_days,
            "urgent_term_working_days": urgent_term_working_days,
        }
        if retention_days is not Unchanged.KEEP:
            row.retention_days = retention_days
            details["retention_days"] = retention_days
        if retention_after_help_days is not Unchanged.KEEP:
            row.retention_after_help_days = retention_after_help_days
            details["retention_after_help_days"] = retention_after_help_days
        row.full_clean()
        row.save(update_fields=list(details))
        record_change(
            actor=actor,
            action="early_signals.settings.update",
            obj=row,
            municipality_id=municipality.pk,
            details=details,
        )
    return row


def threshold_set(
    *,
    actor: Actor,
    municipality: Municipality,
    creditor_kind: str,
    minimum_amount: Decimal,
    minimum_months_in_arrears: int,
) -> CreditorKindThreshold:
    require_role(actor, Role.APPLICATION_MANAGER, municipality_id=municipality.pk)
    with transaction.atomic():
        threshold = CreditorKindThreshold.objects.filter(municipality=municipality, creditor_kind=creditor_kind).first()
        threshold = threshold or CreditorKindThreshold(municipality=municipality, creditor_kind=creditor_kind)
        threshold.minimum_amount = minimum_amount
        threshold.minimum_months_in_arrears = minimum_months_in_arrears
        threshold.full_clean()
        threshold.save()
        record_change(
            actor=actor,
            action="early_signals.threshold.set",
            obj=threshold,
            municipality_id=municipality.pk,
            details={
                "creditor_kind": creditor_kind,
                "minimum_amount": str(minimum_amount),
                "minimum_months_in_arrears": minimum_months_in_arrears,
            },
        )
    return threshold


def letter_template_set(
    *,
    actor: Actor,
    municipality: Municipality,
    subject: str,
    body: str,
    sender: str,
    contact: str = "",
    urgent_subject: str = "",
    urgent_body: str = "",
) -> LetterTemplate:
    """Save the municipality's own text of the offer letter, and of the letter for a threatening
    situation (left empty: the standard text for it). A placeholder the letter cannot fill is
    refused, with the field it is in."""
    require_role(actor, Role.APPLICATION_MANAGER, municipality_id=municipality.pk)
    fields = {
        "subject": subject.strip(),
        "body": body.strip(),
        "sender": sender.strip(),
        "contact": contact.strip(),
        "urgent_subject": urgent_subject.strip(),
        "urgent_body": urgent_body.strip(),
    }
    # The contact is a value the letter names, not a text with placeholders.
    letters.check_letter_text({name: text for name, text in fields.items() if name != "contact"})
    with transaction.atomic():
        template = LetterTemplate.objects.select_for_update().filter(municipality=municipality).first()
        template = template or LetterTemplate(municipality=municipality)
        changed = sorted(name for name, value in fields.items() if getattr(template, name) != value)
        for name, value in fields.items():
            setattr(template, name, value)
        template.full_clean()
        template.save()
        record_change(
            actor=actor,
            action="early_signals.letter_template.set",
            obj=template,
            municipality_id=municipality.pk,
            details={"fields": changed},
        )
    return template


def letter_template_clear(*, actor: Actor, municipality: Municipality) -> None:
    """Go back to the standard text of the offer letter."""
    require_role(actor, Role.APPLICATION_MANAGER, municipality_id=municipality.pk)
    with transaction.atomic():
        template = LetterTemplate.objects.select_for_update().filter(municipality=municipality).first()
        if template is None:
            return
        record_change(
            actor=actor,
            action="early_signals.letter_template.clear",
            obj=template,
            municipality_id=municipality.pk,
        )
        template.delete()
