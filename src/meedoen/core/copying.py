"""Write many rows with PostgreSQL's ``COPY ... FROM STDIN`` in its binary form.

Each value goes as the server stores it (a date as a day number, a time as microseconds) instead
of as text that the client formats and the server parses again; for a table of dates, times,
amounts and UUIDs that halves the client's share of a COPY. The server checks a value against its
column as it does for text: a text longer than its ``varchar`` is refused, an amount is rounded to
its scale.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


def column_types(fields: Sequence[models.Field[Any, Any]], connection: BaseDatabaseWrapper) -> list[str]:
    """The PostgreSQL type of each field's column, without its length or precision (``varchar``,
    ``numeric``, ``varchar[]``), as ``Copy.set_types`` takes them for a binary COPY."""
    return [_LENGTH.sub("", str(field.db_type(connection))).strip() for field in fields]


_LENGTH = re.compile(r"\(\d+(?:,\s*\d+)?\)")
"""A type's length or precision and scale: ``(64)``, ``(10, 2)``."""
