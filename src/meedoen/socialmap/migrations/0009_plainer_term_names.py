"""The themes and target groups residents filter by, in everyday words ("Computer en internet"
instead of "Digitale vaardigheden", "Nieuw in Nederland (statushouder)" instead of "Statushouders").

Nothing to do here any more: the new names are written and the offers of the renamed terms indexed
again after ``migrate`` (``socialmap.services.taxonomies_sync``), which compares the stored names
with ``socialmap.taxonomy``. The codes stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("socialmap", "0008_search_rows")]

    operations: list[migrations.operations.base.Operation] = []
