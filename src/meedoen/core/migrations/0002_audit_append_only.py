"""Make the audit log append-only in the database itself, not only in the ORM.

The SQL lives in meedoen.core.audit_guard; changing it there needs a new migration.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from meedoen.core import audit_guard


def create_guard(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    audit_guard.install(schema_editor.connection)


def drop_guard(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    audit_guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
