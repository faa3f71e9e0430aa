"""The full-text index of offers: an expression index for PostgreSQL's dutch configuration, an
FTS5 table of stems on SQLite (see socialmap.search)."""

from django.db import migrations


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX socialmap_offer_search ON socialmap_offer "
            "USING gin (to_tsvector('dutch'::regconfig, search_document))"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE socialmap_offer_fts USING fts5(document, tokenize = 'unicode61 remove_diacritics 2')"
        )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS socialmap_offer_search")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS socialmap_offer_fts")


class Migration(migrations.Migration):
    dependencies = [("socialmap", "0002_managed_taxonomies")]

    operations = [migrations.RunPython(create, drop)]
