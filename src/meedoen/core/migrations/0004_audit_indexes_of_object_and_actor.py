"""The audit log page's filters by object (a case and its signals) and by person, without a scan of
the table: at a million records a case's trail took 0.9 s and a person's year 0.9 s, with these
indexes 6 ms and 84 ms (docs/benchmarks.md, "The audit log page at a municipality's scale").

On PostgreSQL both are built with CREATE INDEX CONCURRENTLY, outside a transaction: every service
writes an audit record in its transaction, and a plain CREATE INDEX would hold them all back while
it reads the table (seconds per million records)."""

from django.db import migrations, models

OBJECT_INDEX = models.Index(
    condition=models.Q(("object_id", ""), _negated=True),
    fields=["municipality_id", "object_type", "object_id"],
    name="core_audit_of_object",
)
# The selector compares UPPER(actor_label) with = (iexact) and LIKE 'NAME:%' (istartswith); the
# pattern operator class lets a LIKE with a fixed start use the index whatever the collation.
# PostgreSQL only: SQLite has no operator classes, and the demo's log is small.
ACTOR_INDEX = (
    "CREATE INDEX CONCURRENTLY core_audit_of_actor ON core_auditevent"
    " (municipality_id, UPPER(actor_label::text) text_pattern_ops, created_at)"
)


def create_indexes(apps, schema_editor):
    model = apps.get_model("core", "AuditEvent")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(model, OBJECT_INDEX)
        return
    # An interrupted build leaves an invalid index of that name behind: dropped first, so that
    # running migrate again completes the migration.
    schema_editor.remove_index(model, OBJECT_INDEX, concurrently=True)
    schema_editor.add_index(model, OBJECT_INDEX, concurrently=True)
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS core_audit_of_actor")
    schema_editor.execute(ACTOR_INDEX)


def drop_indexes(apps, schema_editor):
    model = apps.get_model("core", "AuditEvent")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.remove_index(model, OBJECT_INDEX)
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS core_audit_of_actor")
    schema_editor.remove_index(model, OBJECT_INDEX, concurrently=True)


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("core", "0003_audit_indexes_for_its_reads"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="auditevent", index=OBJECT_INDEX)],
            database_operations=[migrations.RunPython(create_indexes, drop_indexes, elidable=False)],
        ),
    ]
