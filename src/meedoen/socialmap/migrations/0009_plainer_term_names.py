"""The themes and target groups residents filter by, in everyday words ("Computer en internet"
instead of "Digitale vaardigheden", "Nieuw in Nederland (statushouder)" instead of "Statushouders").
The codes stay. A term's name is part of its offers' search text, so those offers are indexed again."""

from django.db import migrations
from django.db.models import Q

RENAMED = ("meedoen", "werk-en-scholing", "digitale-vaardigheden", "zelfstandigen", "statushouders")
CHUNK = 500


def rename(apps, schema_editor):
    from meedoen.socialmap.search import index_offers
    from meedoen.socialmap.taxonomy import sync_taxonomies

    sync_taxonomies(apps.get_model("socialmap", "Taxonomy"), apps.get_model("socialmap", "TaxonomyTerm"))
    offers = (
        apps.get_model("socialmap", "Offer")
        .objects.filter(Q(themes__code__in=RENAMED) | Q(target_groups__code__in=RENAMED))
        .distinct()
        .select_related("organisation")
        .prefetch_related("themes", "target_groups")
        .order_by("pk")
    )
    last = 0
    while chunk := list(offers.filter(pk__gt=last)[:CHUNK]):
        index_offers(chunk)
        last = chunk[-1].pk


class Migration(migrations.Migration):
    dependencies = [("socialmap", "0008_search_rows")]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
