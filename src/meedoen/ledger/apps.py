import sqlite3
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db import connections
from django.utils.translation import gettext_lazy as _

# ``sequencer.ask`` reads and writes an ask in one INSERT ... ON CONFLICT ... RETURNING.
SQLITE_AT_LEAST = (3, 35)


class LedgerConfig(AppConfig):
    name = "meedoen.ledger"
    label = "ledger"
    verbose_name = _("Shared log")

    def ready(self) -> None:
        checks.register(sqlite_can_return, checks.Tags.database)


def sqlite_can_return(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The shared log's sequencer needs RETURNING, which SQLite has from 3.35 (Django 5.2 runs on 3.31)."""
    uses_sqlite = any(connections[alias].vendor == "sqlite" for alias in databases or ())
    if not uses_sqlite or sqlite3.sqlite_version_info >= SQLITE_AT_LEAST:
        return []
    needed = ".".join(map(str, SQLITE_AT_LEAST))
    return [
        checks.Error(
            f"SQLite {sqlite3.sqlite_version} is too old for the shared log: it needs {needed} or later.",
            hint="Use a Python built with a newer SQLite, or PostgreSQL.",
            id="ledger.E001",
        )
    ]
