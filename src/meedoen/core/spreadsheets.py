"""Cells of the CSV files that people open in a spreadsheet.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and on
OWASP's list of "CSV injection" so do a tab and a carriage return. Text that anybody could have
typed (a creditor's reference, an offer's name, an area's name) is written so that it shows as
text: such a start gets a ``'`` before it.

Our files separate cells with ``,``. A spreadsheet with Dutch settings splits a CSV file on ``;``
instead, so what follows a ``;`` inside a cell becomes a cell of its own there: a formula start
after a ``;`` is neutralised the same way. Spaces before it do not stop a spreadsheet either.

A plain number (``-1250.5``, ``-5e-05``: as Python writes a number) is a number, not a formula, and
stays as it is, so a spreadsheet can add it up.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Where Dutch spreadsheets start a new cell, besides the start of the line.
CELL_BREAK = ";"
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def formula_start(text: str) -> str | None:
    """The character with which a spreadsheet would run (a part of) ``text`` as a formula, or
    None: at the start, or after a ``;``, spaces before it not counted."""
    for part in text.split(CELL_BREAK):
        if _runs(part):
            return part.lstrip(" ")[0]
    return None


def safe_cell(value: object) -> str:
    """``value`` as the text of a CSV cell that a spreadsheet shows as text and never runs: a
    formula start, at the beginning or after a ``;``, gets a ``'`` before it. None is an empty
    cell."""
    text = "" if value is None else str(value)
    return CELL_BREAK.join("'" + part if _runs(part) else part for part in text.split(CELL_BREAK))


def _runs(part: str) -> bool:
    start = part.lstrip(" ")
    return start.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(start)
