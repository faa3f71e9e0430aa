"""The audit table is indexed for its two reads: a municipality's records, newest first, and the
reads of one resident's data. The single-column indexes before were written with every record and
read by nobody.

The old indexes are dropped by name rather than by altering the fields: on SQLite, altering a field
rebuilds the table, and the rebuilt table would lack the triggers that keep the log append-only.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.utils import timezone

OLD_INDEXES = {
    # name: (column, whether PostgreSQL also had a pattern index for LIKE on it)
    "core_auditevent_created_at_bef733d2": ("created_at", False),
    "core_auditevent_action_b3c9b7a8": ("action", True),
    "core_auditevent_actor_id_3bd0c673": ("actor_id", False),
    "core_auditevent_municipality_id_6b929433": ("municipality_id", False),
    "core_auditevent_subject_ref_f211e662": ("subject_ref", True),
}


def drop_old_indexes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    quote = schema_editor.quote_name
    for name, (_, with_pattern) in OLD_INDEXES.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")
        if with_pattern:
            schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name + '_like')}")


def create_old_indexes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    quote = schema_editor.quote_name
    for name, (column, with_pattern) in OLD_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON core_auditevent ({quote(column)})")
        if with_pattern and schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE INDEX {quote(name + '_like')} ON core_auditevent ({quote(column)} varchar_pattern_ops)"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_append_only"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="action",
                    field=models.CharField(max_length=100, verbose_name="action"),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor_id",
                    field=models.BigIntegerField(blank=True, null=True, verbose_name="actor"),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="created_at",
                    field=models.DateTimeField(default=timezone.now, verbose_name="when"),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="municipality_id",
                    field=models.BigIntegerField(blank=True, null=True, verbose_name="municipality"),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="subject_ref",
                    field=models.CharField(blank=True, max_length=64, verbose_name="whose data"),
                ),
            ],
            database_operations=[migrations.RunPython(drop_old_indexes, create_old_indexes)],
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["municipality_id", "created_at", "id"], name="core_audit_of_municipality"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(kind="read"),
                fields=["subject_ref", "created_at"],
                name="core_audit_reads_of_subject",
            ),
        ),
    ]
