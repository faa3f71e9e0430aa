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
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
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


class EntryError(ValueError):
    pass


def entry_time(time: datetime) -> str:
    """An entry's time as it is written: UTC to the second, e.g. 2026-11-28T09:30:00Z."""
    return time.isoformat(timespec="seconds").replace("+00:00", "Z")


def entry_fields(
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
) -> dict[str, Any]:
    """The fields of an entry, unsigned: what the acting organisation signs (``canonical`` of it)."""
    return {
        "v": FORMAT_VERSION,
        "kind": kind,
        "log": log,
        "acting": acting,
        "receiving": receiving,
        "subject": subject,
        "subject_key": subject_key_version,
        "payload_sha256": payload_sha256,
        "time": time,
        "refers_to": refers_to,
    }


def canonical(data: dict[str, Any]) -> bytes:
    return _CANONICAL.encode(data).encode()


def with_signature(unsigned: dict[str, Any], signature: bytes) -> bytes:
    """The leaf: the entry's fields with the acting organisation's signature of their canonical
    form (``canonical(unsigned)``)."""
    leaf = canonical({**unsigned, "signature": base64.b64encode(signature).decode()})
    if len(leaf) > MAX_LEAF_BYTES:
        raise EntryError(f"an entry is at most {MAX_LEAF_BYTES} bytes")
    return leaf


class BatchSigner:
    """Signs messages in the order they are added, sharing the work with helper threads.

    An Ed25519 signature costs about as much as everything else an entry needs in Python, and the
    signing library releases the interpreter lock while it signs. So once a batch is large
    enough, every full chunk of messages is handed to the helper threads as soon as it is added,
    and they sign while the caller prepares the next entries; ``signatures`` then signs the
    chunks no helper has started yet itself, from the last one back, and waits for the rest.
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

    def signatures(self) -> list[bytes]:
        keys, messages = self._keys, self._messages
        last = _sign_range(keys, messages, self._handed_out, len(messages))
        mine: dict[int, list[bytes]] = {}
        for start, end, future in reversed(self._chunks):
            if not future.cancel():  # a helper has it, and every chunk before it
                break
            mine[start] = _sign_range(keys, messages, start, end)
        signatures: list[bytes] = []
        for start, _, future in self._chunks:
            signatures += mine[start] if start in mine else future.result()
        return signatures + last


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
    try:
        data = json.loads(leaf)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EntryError("not an entry: invalid JSON") from error
    if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
        raise EntryError("not an entry of a known version")
    if canonical(data) != leaf:
        raise EntryError("entry is not in canonical form")
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
