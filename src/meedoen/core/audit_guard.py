"""The database-level guard that makes the audit log append-only, whatever code or tool writes.

PostgreSQL: a trigger function refuses UPDATE, DELETE and TRUNCATE on the audit table.
SQLite: triggers refuse UPDATE and DELETE (SQLite has no TRUNCATE).
Installed by migration core/0002. ``suspended`` exists for the test suite alone, which must empty
every table between tests; no application code calls it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "core_auditevent"

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION meedoen_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
POSTGRESQL_TRIGGERS = f"""
CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION meedoen_audit_append_only();
CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION meedoen_audit_append_only();
"""
POSTGRESQL_DROP_TRIGGERS = f"""
DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};
DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};
"""
POSTGRESQL_DROP_FUNCTION = "DROP FUNCTION IF EXISTS meedoen_audit_append_only();"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;""",
]
SQLITE_DROP_TRIGGERS = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update;", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;"]


def _statements(vendor: str, *, install: bool, triggers_only: bool = False) -> list[str]:
    if vendor == "postgresql":
        if install:
            return [POSTGRESQL_TRIGGERS] if triggers_only else [POSTGRESQL_FUNCTION, POSTGRESQL_TRIGGERS]
        return [POSTGRESQL_DROP_TRIGGERS] if triggers_only else [POSTGRESQL_DROP_TRIGGERS, POSTGRESQL_DROP_FUNCTION]
    if vendor == "sqlite":
        return SQLITE_TRIGGERS if install else SQLITE_DROP_TRIGGERS
    raise NotImplementedError(f"no append-only guard for {vendor}; add one before using this database")


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=True):
            cursor.execute(statement)


def remove(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=False):
            cursor.execute(statement)


@contextmanager
def suspended(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Lift the guard for the duration of the block. For emptying test databases only."""
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=False, triggers_only=True):
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in _statements(connection.vendor, install=True, triggers_only=True):
                cursor.execute(statement)
