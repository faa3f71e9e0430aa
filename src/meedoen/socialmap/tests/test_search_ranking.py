"""The resident search ranks like its plain definition, also where it skips reading offers that
cannot reach the page: compared, query by query and page size by page size, with a straightforward
version that reads every candidate (the algorithm before it was made fast for large maps)."""

from __future__ import annotations

import importlib
import random

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from meedoen.areas.models import Area
from meedoen.areas.tests.factories import NeighbourhoodFactory
from meedoen.core.access import Actor
from meedoen.socialmap import search
from meedoen.socialmap.models import Offer, OfferLocation
from meedoen.socialmap.search import (
    LOCAL_WEIGHT,
    THEME_WEIGHT,
    OfferQuery,
    search_offers,
    synonym_themes,
    text_matches,
)
from meedoen.socialmap.search_rows import REMOTE_WAYS_IN
from meedoen.socialmap.services import OfferRelations, offer_update
from meedoen.socialmap.tests.factories import districts_in, make_location, make_offer, phone_offer
from meedoen.socialmap.text import query_words

pytestmark = pytest.mark.django_db

WORDS = ("schulden", "geld", "boodschappen", "eten", "deurwaarder", "brief", "energie", "kinderen", "laptop", "sport")
THEMES = ("schulden-en-geldzaken", "voedsel", "kinderen-en-school", "wonen-en-energie", "meedoen")
GROUPS = ("ouderen", "jongeren", "gezinnen-met-kinderen")
# Names that sort differently by case and accents than by bytes.
NAME_STARTS = ("Éénmalig", "aanpak", "Budget", "één", "Zomer", "zorg", "Ábc", "brug")


def reference(municipality, query, limit):
    """Score every candidate, sort them all (equal scores by case-folded name, then id), take the
    first ``limit``; with the ones among them that have a place in the district."""
    words = query_words(query.text)
    themes_from_words = synonym_themes(words)
    offers = Offer.objects.filter(municipalities=municipality, status=Offer.Status.ACTIVE)
    for code in query.themes:
        offers = offers.filter(themes__code=code)
    if query.target_groups:
        offers = offers.filter(target_groups__code__in=query.target_groups)
    areas = Area.objects.filter(Q(code=query.district) | Q(parent__code=query.district))
    if query.district:
        reachable = Q(offer_locations__location__area__in=areas)
        for way in REMOTE_WAYS_IN:
            reachable |= (
                Q(ways_in__contains=[way]) if connection.vendor == "postgresql" else Q(ways_in__icontains=f'"{way}"')
            )
        offers = offers.filter(reachable)
    offers = offers.distinct()
    scores: dict[int, float] = {}
    if words:
        scores.update(text_matches(municipality, words))
        if themes_from_words:
            for pk in offers.filter(themes__code__in=themes_from_words).values_list("pk", flat=True).distinct():
                scores[pk] = scores.get(pk, 0.0) + THEME_WEIGHT
        candidates = set(offers.filter(pk__in=list(scores)).values_list("pk", flat=True))
    else:
        candidates = set(offers.values_list("pk", flat=True))
    local = set()
    if query.district:
        local = set(
            OfferLocation.objects.filter(offer_id__in=candidates, location__area__in=areas).values_list(
                "offer_id", flat=True
            )
        )
    for pk in local:
        scores[pk] = scores.get(pk, 0.0) + LOCAL_WEIGHT
    names = dict(Offer.objects.filter(pk__in=candidates).values_list("pk", "name"))
    ordered = sorted(candidates, key=lambda pk: (-scores.get(pk, 0.0), names[pk].casefold(), pk))
    page = ordered[:limit]
    return page, len(ordered), frozenset(local & set(page))


@pytest.fixture
def big_map(world):
    rng = random.Random(7)
    districts = districts_in(world.waalwijk)
    neighbourhood = NeighbourhoodFactory(name="Buurt", parent=districts[2])
    places = [make_location(world.ww_team, world.waalwijk, area=area, name=area.name) for area in districts]
    places += [
        make_location(world.ww_team, world.waalwijk, area=neighbourhood, name="In de buurt"),
        make_location(world.ww_team, world.waalwijk, name="Zonder wijk"),
    ]
    ways = ["inloop", "inloop", "telefoon", "email", "huisbezoek"]
    for number in range(60):
        make_offer(
            world.ww_team,
            world.waalwijk,
            name=f"{rng.choice(NAME_STARTS)} {number:02d}",
            description=" ".join(rng.choices(WORDS, k=rng.randint(1, 4))),
            themes=tuple(rng.sample(THEMES, rng.randint(0, 2))),
            target_groups=tuple(rng.sample(GROUPS, rng.randint(0, 2))),
            locations=tuple(rng.sample(places, rng.randint(0, 2))),
            ways_in=sorted(set(rng.sample(ways, rng.randint(1, 2)))),
            status="active" if rng.random() < 0.9 else "inactive",
        )
    make_offer(world.ms_team, world.meerssen, name="Geld in Meerssen", description="geld eten schulden")
    return [district.code for district in districts]


QUERIES = [
    "",
    "geld",
    "geen geld voor boodschappen",
    "brief van deurwaarder",
    "laptop voor school",
    "eten",
    "honger",
    "sport kinderen energie",
    "niets dat past",
]


@pytest.mark.parametrize("text", QUERIES)
def test_the_page_total_and_local_offers_match_the_plain_definition(world, big_map, text):
    for district in ("", *big_map):
        for limit in (1, 3, 10, 50):
            query = OfferQuery(text=text, district=district)
            found = search_offers(world.waalwijk, query, limit=limit)
            page, total, local = reference(world.waalwijk, query, limit)
            assert [offer.pk for offer in found.offers] == page, (district, limit)
            assert found.total == total
            assert found.local_ids == local


FILTERS = [
    {"themes": ("voedsel",)},
    {"themes": ("voedsel", "schulden-en-geldzaken")},
    {"target_groups": ("ouderen", "jongeren")},
    {"themes": ("meedoen",), "target_groups": ("gezinnen-met-kinderen",)},
]


def test_filters_rank_like_the_plain_definition(world, big_map):
    for filters in FILTERS:
        for text in ("", "geld", "geen geld voor boodschappen"):
            for district in ("", big_map[0]):
                query = OfferQuery(text=text, district=district, **filters)
                for limit in (2, 50):
                    found = search_offers(world.waalwijk, query, limit=limit)
                    page, total, local = reference(world.waalwijk, query, limit)
                    assert [offer.pk for offer in found.offers] == page, (filters, text, district, limit)
                    assert found.total == total
                    assert found.local_ids == local


def test_a_small_page_of_a_large_result_reads_only_what_it_shows(world, big_map):
    # One statement ranks, counts and cuts the page; one more reads the page's offers. (On
    # PostgreSQL a planner setting is made before the statement and, inside a transaction such as
    # a test's, put back after it: see search._through_the_word_index.)
    with CaptureQueriesContext(connection) as captured:
        found = search_offers(world.waalwijk, OfferQuery(text="geen geld voor boodschappen"), limit=3)
    settings = [query for query in captured.captured_queries if "set_config('enable_seqscan'" in query["sql"]]
    assert len(captured.captured_queries) - len(settings) == 2
    assert len(settings) == (2 if connection.vendor == "postgresql" else 0)
    assert len(found.offers) == 3
    assert found.total > 3


def test_an_offer_found_through_its_theme_wins_a_tie_by_name(world):
    district = districts_in(world.waalwijk)[0]
    place = make_location(world.ww_team, world.waalwijk, area=district)
    # The only text match scores 1.0; an offer in the theme "laptop" points to, with a place in the
    # district, scores 0.5 + 0.5: the same, so the name decides, and "Aan" comes before "Zo".
    phone_offer(world.ww_team, world.waalwijk, "Zo een laptop", description="Een laptop.")
    make_offer(
        world.ww_team,
        world.waalwijk,
        name="Aan de slag op school",
        description="Schoolspullen.",
        themes=("kinderen-en-school",),
        locations=(place,),
    )
    query = OfferQuery(text="laptop", district=district.code)
    first = search_offers(world.waalwijk, query, limit=1)
    assert [offer.name for offer in first.offers] == ["Aan de slag op school"]
    assert first.total == 2
    page, total, _local = reference(world.waalwijk, query, 1)
    assert ([offer.pk for offer in first.offers], first.total) == (page, total)


def test_a_text_match_cut_short_on_sqlite_is_ranked_again_in_full(world, big_map, monkeypatch):
    # With few candidates and FTS5 handing over fewer rows than that, every cut is checked: the
    # result is the plain definition's whether the first try sufficed or not.
    monkeypatch.setattr(search, "CANDIDATES", 4)
    for fts_rows in (1, 4, 5, 8, 100):
        monkeypatch.setattr(search, "FTS_ROWS", fts_rows)
        for text in ("geld", "geen geld voor boodschappen", "sport kinderen energie"):
            for district in ("", big_map[1]):
                query = OfferQuery(text=text, district=district)
                found = search_offers(world.waalwijk, query, limit=10)
                page, total, local = reference(world.waalwijk, query, 10)
                assert [offer.pk for offer in found.offers] == page, (fts_rows, text, district)
                assert (found.total, found.local_ids) == (total, local)


def test_equal_scores_go_by_the_case_folded_name_then_by_age(world):
    names = ["zorg", "Éénmalig", "aanpak", "Budget", "één", "Zomer", "Ábc", "brug", "Straße", "strasse", "Aanpak"]
    created = [make_offer(world.ww_team, world.waalwijk, name=name, description="Spreekuur.") for name in names]
    expected = sorted(created, key=lambda offer: (offer.name.casefold(), offer.pk))
    found = search_offers(world.waalwijk, OfferQuery(), limit=50)
    assert [offer.pk for offer in found.offers] == [offer.pk for offer in expected]
    assert found.total == len(names)
    # A small page cuts the same order.
    assert [offer.pk for offer in search_offers(world.waalwijk, OfferQuery(), limit=3).offers] == [
        offer.pk for offer in expected[:3]
    ]


def test_a_renamed_offer_moves_to_its_new_place(world):
    first = make_offer(world.ww_team, world.waalwijk, name="Aardappels", description="Eten.")
    make_offer(world.ww_team, world.waalwijk, name="Bonen", description="Eten.")
    offer_update(
        actor=Actor.system("test"),
        offer=first,
        fields={"name": "Wortels", "description": "Eten."},
        relations=OfferRelations(municipalities=(world.waalwijk,)),
    )
    assert [offer.name for offer in search_offers(world.waalwijk, OfferQuery(text="eten")).offers] == [
        "Bonen",
        "Wortels",
    ]


def test_no_page_still_counts(world, big_map):
    found = search_offers(world.waalwijk, OfferQuery(text="geld", district=big_map[0]), limit=0)
    assert found.offers == []
    assert found.local_ids == frozenset()
    assert found.total == reference(world.waalwijk, OfferQuery(text="geld", district=big_map[0]), 0)[1]


def test_the_migration_fills_the_search_name_of_existing_offers(world):
    offer = make_offer(world.ww_team, world.waalwijk, name="Één Loket", description="Spreekuur.")
    Offer.objects.filter(pk=offer.pk).update(search_name="")
    migration = importlib.import_module("meedoen.socialmap.migrations.0007_offer_search_name")
    migration.fill(apps, None)
    assert Offer.objects.get(pk=offer.pk).search_name == "één loket"
