"""The audit log page's filters by object (a case and its signals) and by person, without a scan of
the table: at a million records a case's trail took 0.9 s and a person's year 0.9 s, with these
indexes 6 ms and 84 ms (docs/benchmarks.md, "The audit log page at a municipality's scale")."""

from django.db import migrations, models

# The selector compares UPPER(actor_label) with = (iexact) and LIKE 'NAME:%' (istartswith); the
# pattern operator class lets a LIKE with a fixed start use the index whatever the collation.
# PostgreSQL only: SQLite has no operator classes, and the demo's log is small.
ACTOR_INDEX = (
    "CREATE INDEX core_audit_of_actor ON core_auditevent"
    " (municipality_id, UPPER(actor_label::text) text_pattern_ops, created_at)"
)


def create_actor_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ACTOR_INDEX)


def drop_actor_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS core_audit_of_actor")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_indexes_for_its_reads"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("object_id", ""), _negated=True),
                fields=["municipality_id", "object_type", "object_id"],
                name="core_audit_of_object",
            ),
        ),
        migrations.RunPython(create_actor_index, drop_actor_index, elidable=False),
    ]
