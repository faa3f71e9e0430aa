"""The bytes of a log entry: canonical JSON that anyone can re-hash and check.

An entry names what happened (kind), who did it and who received it (organisation slugs), about
whom (a pseudonym, never a name or BSN), and what was shared (the SHA-256 of the payload, not the
payload). The acting organisation signs the entry; a receiving organisation's acceptance is a
later entry of kind "accepted" that refers to it by leaf hash and carries the receiver's signature.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT_VERSION = 1
MAX_LEAF_BYTES = 4096  # entry bundles prefix each entry with a 16-bit length
SIGN_IN_PARALLEL_FROM = 64
"""``BatchSigner`` shares out the signing of this many entries or more among the machine's cores."""
SIGNING_CHUNK = 32
"""Messages per chunk handed to a helper thread."""

# One encoder for every call: ``json.dumps`` with these options builds a new one each time.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)

# An entry's canonical form as a byte template, split where the leaf's "signature" goes:
# between "refers_to" and "subject" in key order. The fields are strings but for the version numbers.
_HEAD = b'{"acting":%b,"kind":%b,"log":%b,"payload_sha256":%b,"receiving":%b,"refers_to":%b,'
_TAIL = b'"subject":%b,"subject_key":%d,"time":%b,"v":%d}'
_SIGNATURE_BYTES = len(base64.b64encode(bytes(64)))
SIGNATURE_FIELD_BYTES = len(b'"signature":"",') + _SIGNATURE_BYTES
"""How many bytes the signature adds to an entry's canonical form to make its leaf."""


class EntryError(ValueError):
    pass


def entry_time(time: datetime) -> str:
    """An entry's time as it is written: UTC to the second, e.g. 2026-11-28T09:30:00Z."""
    return time.isoformat(timespec="seconds").replace("+00:00", "Z")


def canonical(data: dict[str, Any]) -> bytes:
    return _CANONICAL.encode(data).encode()


def entry_parts(
    *,
    kind: str,
    log: str,
    acting: str,
    receiving: str,
    subject: str,
    subject_key_version: int,
    payload_sha256: str,
    time: str,
    refers_to: str,
) -> tuple[bytes, bytes]:
    """An entry, unsigned, in two parts split where the leaf has the signature: the acting
    organisation signs ``head + tail``, and ``leaf_from_parts`` makes the leaf. Refused with
    ``EntryError`` when the leaf would be larger than ``MAX_LEAF_BYTES``, before anything is signed.

    ``head + tail`` is the canonical JSON (``canonical``: keys sorted, no spaces, ASCII) of the
    fields ``v`` (the format version), ``kind``, ``log``, ``acting``, ``receiving``, ``subject``,
    ``subject_key`` (the pseudonym key's version), ``payload_sha256``, ``time`` and ``refers_to``;
    the leaf is that of the same fields and ``signature`` (base64). The tests hold the bytes equal
    to what the JSON encoder makes of the dictionary, for any text. Built from a byte template it
    costs about a quarter of the dictionary and its two encodings, and a batch builds one for
    every entry; the texts that recur from entry to entry (kind, log, organisations, time) are
    escaped once.
    """
    head = _HEAD % (
        _json_text(acting),
        _json_text(kind),
        _json_text(log),
        json_string(payload_sha256),
        _json_text(receiving),
        json_string(refers_to),
    )
    tail = _TAIL % (json_string(subject), subject_key_version, _json_text(time), FORMAT_VERSION)
    if len(head) + len(tail) + SIGNATURE_FIELD_BYTES > MAX_LEAF_BYTES:
        raise EntryError(f"an entry is at most {MAX_LEAF_BYTES} bytes")
    return head, tail


def leaf_from_parts(head: bytes, tail: bytes, signature: bytes) -> bytes:
    """The leaf of an entry built by ``entry_parts``: the signature's field goes between the two
    parts, in its place in key order."""
    return b'%b"signature":"%b",%b' % (head, base64.b64encode(signature), tail)


def json_string(text: str) -> bytes:
    """``text`` as a JSON string in canonical form (quoted, non-ASCII escaped), as bytes."""
    return json.encoder.encode_basestring_ascii(text).encode()


_json_text = lru_cache(maxsize=1024)(json_string)
"""``json_string`` for the few texts that recur in every entry of a batch."""


class BatchSigner:
    """Signs messages in the order they are added, sharing the work with helper threads.

    An Ed25519 signature costs more than everything else an entry needs in Python, and the
    signing library releases the interpreter lock while it signs. So once a batch is large
    enough, every full chunk of messages is handed to the helper threads as soon as it is added,
    and they sign while the caller prepares the next entries. ``in_order`` then gives the
    signatures back chunk by chunk, so that the caller can store the first entries while the
    helpers still sign later ones; it signs every chunk no helper has started yet itself.
    """

    def __init__(self) -> None:
        self._keys: list[Ed25519PrivateKey] = []
        self._messages: list[bytes] = []
        self._handed_out = 0  # messages before this one are in a chunk handed to the helpers
        self._chunks: list[tuple[int, int, Future[list[bytes]]]] = []
        self._helped = _signing_workers() > 0

    def add(self, key: Ed25519PrivateKey, message: bytes) -> None:
        self._keys.append(key)
        self._messages.append(message)
        count = len(self._messages)
        if self._helped and count >= SIGN_IN_PARALLEL_FROM and count - self._handed_out >= SIGNING_CHUNK:
            start, self._handed_out = self._handed_out, count
            future = _signing_pool().submit(_sign_range, self._keys, self._messages, start, count)
            self._chunks.append((start, count, future))

    def in_order(self) -> Iterator[tuple[int, list[bytes]]]:
        """The signatures, a chunk at a time and in order: the position of the chunk's first
        message and its signatures. Add nothing while it runs.

        When the next chunk is still being signed by a helper, the caller signs a later chunk
        that no helper has started in the meantime, rather than wait; those are the ones that
        would be signed last.
        """
        keys, messages = self._keys, self._messages
        chunks: list[tuple[int, int, Future[list[bytes]] | None]] = [*self._chunks]
        chunks += [
            (start, min(start + SIGNING_CHUNK, len(messages)), None)
            for start in range(self._handed_out, len(messages), SIGNING_CHUNK)
        ]
        ahead: dict[int, list[bytes]] = {}  # chunks the caller signed before their turn
        for number, (start, end, future) in enumerate(chunks):
            signed = ahead.pop(start, None)
            while signed is None:
                if future is None or future.cancel():
                    signed = _sign_range(keys, messages, start, end)
                elif future.done():
                    signed = future.result()
                else:
                    later = next(
                        (
                            (later_start, later_end)
                            for later_start, later_end, later_future in chunks[number + 1 :]
                            if later_start not in ahead and (later_future is None or later_future.cancel())
                        ),
                        None,
                    )
                    if later is None:
                        signed = future.result()
                    else:
                        ahead[later[0]] = _sign_range(keys, messages, *later)
            yield start, signed


def _sign_range(keys: Sequence[Ed25519PrivateKey], messages: Sequence[bytes], start: int, end: int) -> list[bytes]:
    return [keys[i].sign(messages[i]) for i in range(start, end)]


def _signing_workers() -> int:
    """Helper threads besides the caller: one fewer than the cores this process may use."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(cores, 4) - 1


_pool_lock = threading.Lock()
_pools: list[ThreadPoolExecutor] = []  # the one pool, made on first use: importing starts no threads


def _signing_pool() -> ThreadPoolExecutor:
    with _pool_lock:
        if not _pools:
            _pools.append(ThreadPoolExecutor(max_workers=max(_signing_workers(), 1), thread_name_prefix="ledger-sign"))
        return _pools[0]


def _forget_pool() -> None:
    # A forked child has none of its parent's threads: it makes a pool of its own when it needs one.
    _pools.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def read_leaf(leaf: bytes) -> dict[str, Any]:
    return read_canonical(leaf, version=FORMAT_VERSION, what="entry")


def read_canonical(text: bytes, *, version: int, what: str) -> dict[str, Any]:
    """The fields of ``text``, canonical JSON of an object with ``"v": version``; EntryError,
    naming ``what`` was expected, when it is anything else."""
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # ValueError: JSONDecodeError, a number too long
        raise EntryError(f"not an {what}: invalid JSON") from error
    if not isinstance(data, dict) or data.get("v") != version:
        raise EntryError(f"not an {what} of a known version")
    if canonical(data) != text:
        raise EntryError(f"{what} is not in canonical form")
    return data


def verify_leaf_signature(leaf: bytes, public_key: Ed25519PublicKey) -> dict[str, Any]:
    """The entry's fields when the acting organisation's signature is valid; EntryError otherwise."""
    data = read_leaf(leaf)
    try:
        signature = base64.b64decode(str(data.pop("signature")), validate=True)
        public_key.verify(signature, canonical(data))
    except (KeyError, ValueError, InvalidSignature) as error:
        raise EntryError("the entry's signature does not verify") from error
    return data
