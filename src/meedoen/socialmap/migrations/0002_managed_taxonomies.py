"""The themes and target groups every municipality's social map shares.

Nothing to do here any more: the lists live in ``socialmap.taxonomy`` and are written to the database
after every ``migrate`` (``socialmap.services.taxonomies_sync``), with the models of that moment.
A migration that called the code of today with the models of its own time would break as soon as the
two parted."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("socialmap", "0001_initial")]

    operations: list[migrations.operations.base.Operation] = []
