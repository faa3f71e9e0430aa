"""The log as static resources in the C2SP tlog-tiles layout: checkpoint, hash tiles, entry bundles.

Paths are parsed strictly; anything that is not a well-formed tile path, or asks for a tile the
log does not have yet, is refused before the database is asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection

from meedoen.ledger.models import Log

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
_SEGMENT = re.compile(r"(x[0-9]{3}/)*[0-9]{3}")
_LEVEL = re.compile(r"0|[1-9][0-9]?")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")


class TilePathError(ValueError):
    pass


@dataclass(frozen=True)
class TileRef:
    level: int | None  # None for an entry bundle
    index: int
    width: int  # TILE_WIDTH for a full tile

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH


def parse_tile_path(path: str) -> TileRef:
    """``<L>/<N>[.p/<W>]`` or ``entries/<N>[.p/<W>]``, as the spec writes them."""
    if len(path) > 200:
        raise TilePathError("path too long")
    head, _, rest = path.partition("/")
    if head == "entries":
        level = None
    elif _LEVEL.fullmatch(head) and int(head) <= MAX_LEVEL:
        level = int(head)
    else:
        raise TilePathError("level must be 0 to 63 without leading zeros, or 'entries'")
    index_part, partial, width_part = rest.partition(".p/")
    if not _SEGMENT.fullmatch(index_part):
        raise TilePathError("index must be zero-padded 3-digit elements, all but the last starting with x")
    index = int(index_part.replace("x", "").replace("/", ""))
    if format_index(index) != index_part:
        raise TilePathError("index has superfluous leading zero elements")
    width = TILE_WIDTH
    if partial:
        if not _WIDTH.fullmatch(width_part) or not 1 <= int(width_part) < TILE_WIDTH:
            raise TilePathError("partial width must be 1 to 255 without leading zeros")
        width = int(width_part)
    return TileRef(level=level, index=index, width=width)


def format_index(index: int) -> str:
    """1234067 -> x001/x234/067."""
    digits = f"{index:d}"
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{group}" for group in groups[:-1]), groups[-1]])


def tile_path(ref: TileRef) -> str:
    suffix = f".p/{ref.width}" if ref.is_partial else ""
    head = "entries" if ref.level is None else str(ref.level)
    return f"{head}/{format_index(ref.index)}{suffix}"


def available(ref: TileRef, size: int) -> bool:
    """Whether a log of ``size`` entries has this tile: every hash or entry in it exists, and a
    partial tile is only served while the full one does not exist yet."""
    level = ref.level or 0
    span: int = 1 << (TILE_HEIGHT * level)  # leaves per hash in this tile
    end = (ref.index * TILE_WIDTH + ref.width) * span
    if end > size:
        return False
    if ref.is_partial:
        return (ref.index + 1) * TILE_WIDTH * span > size
    return True


def read_tile(log: Log, ref: TileRef) -> bytes | None:
    """The tile's bytes, or None when the log does not have it."""
    if not available(ref, log.size):
        return None
    first = ref.index * TILE_WIDTH
    if ref.level is None:
        sql = 'SELECT leaf FROM ledger_entry WHERE log_id = %s AND "index" >= %s AND "index" < %s ORDER BY "index"'
        params = [log.pk, first, first + ref.width]
    else:
        sql = (
            'SELECT hash FROM ledger_node WHERE log_id = %s AND level = %s AND "index" >= %s AND "index" < %s'
            ' ORDER BY "index"'
        )
        params = [log.pk, ref.level * TILE_HEIGHT, first, first + ref.width]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if ref.level is None:
        return b"".join(len(leaf).to_bytes(2, "big") + bytes(leaf) for (leaf,) in rows)
    return b"".join(bytes(digest) for (digest,) in rows)
