"""PostgreSQL: keep each offer's dutch tsvector in a stored generated column with its own GIN
index. With the index on an expression, ranking had to parse every matching document again (see
docs/benchmarks.md, "Social map search"). The column is PostgreSQL's own: Django never writes it,
and SQLite keeps its FTS5 table."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS socialmap_offer_search")
    schema_editor.execute(
        "ALTER TABLE socialmap_offer ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('dutch'::regconfig, search_document)) STORED"
    )
    schema_editor.execute("CREATE INDEX socialmap_offer_search_vector ON socialmap_offer USING gin (search_vector)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE socialmap_offer DROP COLUMN IF EXISTS search_vector")
    schema_editor.execute(
        "CREATE INDEX socialmap_offer_search ON socialmap_offer "
        "USING gin (to_tsvector('dutch'::regconfig, search_document))"
    )


class Migration(migrations.Migration):
    dependencies = [("socialmap", "0005_location_country")]

    operations = [migrations.RunPython(create, drop)]
