"""The themes and target groups every municipality's social map shares."""

from django.db import migrations


def sync(apps, schema_editor):
    from meedoen.socialmap.taxonomy import sync_taxonomies

    sync_taxonomies(apps.get_model("socialmap", "Taxonomy"), apps.get_model("socialmap", "TaxonomyTerm"))


class Migration(migrations.Migration):
    dependencies = [("socialmap", "0001_initial")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
