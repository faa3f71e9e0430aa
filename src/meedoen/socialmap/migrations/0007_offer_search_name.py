"""What the resident search reads of an offer, kept narrow (see socialmap.search).

- ``search_name``: the case-folded name, by which offers of equal score are ordered, so that the
  database can order and cut the page itself. Written with the search text; filled here for the
  offers that exist.
- ``socialmap_offer_search_rows``: an index by id that holds the status, that name and the ways in,
  so that ranking thousands of candidates reads this index instead of the wide offer rows.
  PostgreSQL keeps them as included columns; SQLite, which has none, as key columns.
"""

from django.db import migrations, models

INDEX = "socialmap_offer_search_rows"


def fill(apps, schema_editor):
    Offer = apps.get_model("socialmap", "Offer")
    offers = list(Offer.objects.only("pk", "name"))
    for offer in offers:
        offer.search_name = offer.name.casefold()
    Offer.objects.bulk_update(offers, ["search_name"], batch_size=500)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX {INDEX} ON socialmap_offer (id) INCLUDE (status, search_name, ways_in)")
    elif vendor == "sqlite":
        schema_editor.execute(f"CREATE INDEX {INDEX} ON socialmap_offer (id, status, search_name, ways_in)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor in ("postgresql", "sqlite"):
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("socialmap", "0006_stored_search_vector")]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="search_name",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
