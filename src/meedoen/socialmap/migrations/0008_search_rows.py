"""The resident search reads one narrow table, ``socialmap_search_row``, instead of the offer rows
and the tables around them (see socialmap.search_rows, where the SQL lives; changing it there needs
a new migration). Filled here from the offers that exist.

What the search no longer needs goes: on PostgreSQL the stored ``tsvector`` column of the offers
(with its GIN index; the vector now lives in the narrow row), and on both engines the index
``socialmap_offer_search_rows`` of migration 0007.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from meedoen.socialmap import search_rows

OLD_INDEX = "socialmap_offer_search_rows"


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
    if vendor == "postgresql":
        schema_editor.execute("ALTER TABLE socialmap_offer DROP COLUMN IF EXISTS search_vector")
    search_rows.install(schema_editor.connection)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    search_rows.remove(schema_editor.connection)
    if vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE socialmap_offer ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('dutch'::regconfig, search_document)) STORED"
        )
        schema_editor.execute("CREATE INDEX socialmap_offer_search_vector ON socialmap_offer USING gin (search_vector)")
        schema_editor.execute(
            f"CREATE INDEX {OLD_INDEX} ON socialmap_offer (id) INCLUDE (status, search_name, ways_in)"
        )
    else:
        schema_editor.execute(f"CREATE INDEX {OLD_INDEX} ON socialmap_offer (id, status, search_name, ways_in)")


class Migration(migrations.Migration):
    dependencies = [("socialmap", "0007_offer_search_name")]

    operations = [migrations.RunPython(create, drop)]
