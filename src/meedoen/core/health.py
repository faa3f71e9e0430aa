"""Health check: is the database reachable and are all migrations applied?"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import Error as DatabaseError


@dataclass(frozen=True)
class Health:
    database: bool
    migrations: bool
    pending: int

    @property
    def ok(self) -> bool:
        return self.database and self.migrations


def check_health() -> Health:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return Health(database=False, migrations=False, pending=-1)
    return Health(database=True, migrations=not pending, pending=len(pending))
