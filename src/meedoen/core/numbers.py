"""Whole numbers written in a request: page numbers, years, ids, sizes.

``str.isdigit()`` is no check for ``int()``: it also says yes to "²" (which ``int()`` refuses) and
to digits of other scripts such as "٢٠٢٤" (which ``int()`` reads), and ``int()`` refuses text of
more than 4,300 digits. So every number a request writes is read here: ASCII digits, and not more
of them than a number of its kind can have.
"""

from __future__ import annotations

# Enough for any id or size the database holds (a signed 64-bit integer has 19 digits).
MAX_DIGITS = 18


def whole_number(text: str | None, *, digits: int = MAX_DIGITS) -> int | None:
    """The number ``text`` writes in at most ``digits`` ASCII digits, else None."""
    if text is None or not 0 < len(text) <= digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)
