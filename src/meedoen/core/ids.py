"""Identifiers that sort by the time they were made.

``uuid7`` makes a UUID of version 7 (RFC 9562, section 5.7): 48 bits of Unix time in milliseconds,
then random bits. Rows that are written together get neighbouring keys, so a unique index on them
grows at its end, as a sequence's does, instead of at a random page for every row (which costs a
large table a page read and a full-page write to the WAL per row). The time an id shows is no
more than its row's own creation time.

The random bits come from the operating system (``os.urandom``), asked for 409 ids at a time:
each call lets go of the interpreter lock, and a thread that makes an id per row (the intake makes
three) would otherwise wait for the lock again on every row while another thread computes.
A process started by ``fork`` draws anew, so two processes never share bits.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0x2 << 62
_RANDOM_A = (1 << 12) - 1  # the 12 random bits after the version
_RANDOM_B = (1 << 62) - 1  # the 62 random bits after the variant
_RANDOM_BYTES = 10  # 80 bits drawn per id, of which 74 are used
_DRAWN_AT_ONCE = 4096 // _RANDOM_BYTES * _RANDOM_BYTES


class _Randomness:
    """Random bytes from the operating system, drawn in blocks and handed out once each."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.forget()

    def forget(self) -> None:
        self.block, self.at = b"", 0

    def take(self) -> int:
        with self.lock:
            if self.at == len(self.block):
                self.block, self.at = os.urandom(_DRAWN_AT_ONCE), 0
            start = self.at
            self.at += _RANDOM_BYTES
            return int.from_bytes(self.block[start : self.at])


_randomness = _Randomness()
# A child made by fork would otherwise hand out the very bits its parent hands out next.
os.register_at_fork(after_in_child=_randomness.forget)


def uuid7() -> uuid.UUID:
    """A new UUID of version 7: the current time in milliseconds, then 74 random bits."""
    milliseconds = time.time_ns() // 1_000_000
    bits = _randomness.take()
    value = (
        (milliseconds & ((1 << 48) - 1)) << 80
        | _VERSION_7
        | (bits >> 62 & _RANDOM_A) << 64
        | _VARIANT_RFC
        | bits & _RANDOM_B
    )
    return uuid.UUID(int=value)
