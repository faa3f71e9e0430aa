"""Identifiers that sort by the time they were made.

``uuid7`` makes a UUID of version 7 (RFC 9562, section 5.7): 48 bits of Unix time in milliseconds,
then random bits. Rows that are written together get neighbouring keys, so a unique index on them
grows at its end, as a sequence's does, instead of at a random page for every row (which costs a
large table a page read and a full-page write to the WAL per row). The time an id shows is no
more than its row's own creation time.
"""

from __future__ import annotations

import os
import time
import uuid

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0x2 << 62
_RANDOM_A = (1 << 12) - 1  # the 12 random bits after the version
_RANDOM_B = (1 << 62) - 1  # the 62 random bits after the variant


def uuid7() -> uuid.UUID:
    """A new UUID of version 7: the current time in milliseconds, then 74 random bits."""
    milliseconds = time.time_ns() // 1_000_000
    bits = int.from_bytes(os.urandom(10))
    value = (
        (milliseconds & ((1 << 48) - 1)) << 80
        | _VERSION_7
        | (bits >> 62 & _RANDOM_A) << 64
        | _VARIANT_RFC
        | bits & _RANDOM_B
    )
    return uuid.UUID(int=value)
