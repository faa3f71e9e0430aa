"""Write many rows with PostgreSQL's ``COPY ... FROM STDIN`` in its binary form.

Each value goes as the server stores it (a date as a day number, a time as microseconds) instead
of as text that the client formats and the server parses again; for a table of dates, times,
amounts and UUIDs that halves the client's share of a COPY. The server checks a value against its
column as it does for text: a text longer than its ``varchar`` is refused, an amount is rounded to
its scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


def column_types(fields: Sequence[models.Field[Any, Any]], connection: BaseDatabaseWrapper) -> list[str]:
    """The PostgreSQL type of each field's column, without its length or precision (``varchar``,
    ``numeric``), as ``Copy.set_types`` takes them for a binary COPY."""
    return [str(field.db_type(connection)).partition("(")[0].strip() for field in fields]
