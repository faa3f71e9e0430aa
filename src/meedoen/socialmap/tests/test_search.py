"""Resident search: Dutch words, everyday synonyms, filters and the own district first. The same
tests run on SQLite (FTS5) and PostgreSQL (dutch text search)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from meedoen.core.access import Actor
from meedoen.socialmap import search
from meedoen.socialmap.models import Offer, TaxonomyTerm
from meedoen.socialmap.search import OfferQuery, search_offers
from meedoen.socialmap.services import OfferRelations, offer_delete, offer_update, taxonomies_sync
from meedoen.socialmap.taxonomy import TARGET_GROUPS, THEMES, Term
from meedoen.socialmap.tests.factories import districts_in, make_location, make_offer, phone_offer, walk_in_offer
from meedoen.socialmap.text import query_words, stemmed_document

pytestmark = pytest.mark.django_db


def names(municipality, text="", **filters):
    return [offer.name for offer in search_offers(municipality, OfferQuery(text=text, **filters)).offers]


@pytest.fixture
def social_map(world):
    districts = districts_in(world.waalwijk)
    centre = make_location(world.ww_team, world.waalwijk, area=districts[0], name="Stadhuis")
    village = make_location(world.ww_team, world.waalwijk, area=districts[2], name="Dorpshuis")
    walk_in_offer(
        world.ww_team,
        centre,
        "Schuldhulpverlening",
        description="Heb je schulden of een brief van een deurwaarder? We maken samen een plan.",
        themes=("schulden-en-geldzaken",),
        target_groups=("mensen-met-schulden",),
    )
    walk_in_offer(
        world.ww_foodbank,
        village,
        "Voedselpakket",
        description="Elke week een pakket met eten en drinken.",
        themes=("voedsel",),
        target_groups=("gezinnen-met-kinderen",),
    )
    walk_in_offer(
        world.ww_team,
        village,
        "Budgetcoach in het dorp",
        description="Samen kijken naar je rekeningen en je schuld.",
        themes=("schulden-en-geldzaken",),
    )
    phone_offer(
        world.ww_team,
        world.waalwijk,
        "Telefonische geldlijn",
        description="Bel ons over geldzaken en schulden.",
        themes=("schulden-en-geldzaken",),
    )
    make_offer(
        world.ms_team,
        world.meerssen,
        name="Schuldhulp Meerssen",
        description="Hulp bij schulden in Meerssen.",
        themes=("schulden-en-geldzaken",),
    )
    return districts


def test_dutch_word_forms_and_compounds_find_each_other(world, social_map):
    assert "Schuldhulpverlening" in names(world.waalwijk, "schuld")
    assert "Budgetcoach in het dorp" in names(world.waalwijk, "schulden")
    assert "Schuldhulpverlening" in names(world.waalwijk, "deurwaarders")


def test_everyday_words_reach_offers_through_their_theme(world, social_map):
    found = search_offers(world.waalwijk, OfferQuery(text="geen geld voor boodschappen"))
    assert "Voedselpakket" in [offer.name for offer in found.offers]
    assert "voedsel" in found.synonym_themes
    assert found.words == ["geld", "boodschappen"]


def test_a_search_never_shows_another_municipalitys_offers(world, social_map):
    assert "Schuldhulp Meerssen" not in names(world.waalwijk, "schulden")
    assert names(world.meerssen, "schulden") == ["Schuldhulp Meerssen"]


def test_filters_by_theme_target_group_and_district(world, social_map):
    assert names(world.waalwijk, themes=("voedsel",)) == ["Voedselpakket"]
    assert names(world.waalwijk, target_groups=("mensen-met-schulden",)) == ["Schuldhulpverlening"]
    in_village = names(world.waalwijk, district=social_map[2].code)
    # The village's own places, and help by phone that reaches everyone; not the town hall's walk-in.
    assert set(in_village) == {"Voedselpakket", "Budgetcoach in het dorp", "Telefonische geldlijn"}


def test_the_own_district_comes_first(world, social_map):
    village_first = names(world.waalwijk, "schulden", district=social_map[2].code)
    assert village_first[0] == "Budgetcoach in het dorp"


def test_only_active_offers_are_found(world, social_map):
    Offer.objects.filter(name="Voedselpakket").update(status=Offer.Status.INACTIVE)
    assert "Voedselpakket" not in names(world.waalwijk, "pakket")
    assert "Voedselpakket" not in names(world.waalwijk)


def test_an_empty_or_meaningless_query_lists_every_offer(world, social_map):
    everything = names(world.waalwijk)
    assert len(everything) == 4
    assert names(world.waalwijk, "ik zoek hulp") == everything


def test_changes_and_removals_reach_the_index(world, social_map):
    offer = Offer.objects.get(name="Telefonische geldlijn")
    offer_update(
        actor=Actor.system("test"),
        offer=offer,
        fields={"name": "Telefonische geldlijn", "description": "Bel ons over je energierekening."},
        relations=OfferRelations(municipalities=(world.waalwijk,)),
    )
    assert "Telefonische geldlijn" in names(world.waalwijk, "energierekening")
    offer_delete(actor=Actor.system("test"), offer=offer)
    assert "Telefonische geldlijn" not in names(world.waalwijk, "energierekening")


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        "schuld*",
        "NEAR(schuld hulp)",
        "schuld AND OR NOT",
        "') OR 1=1 --",
        "schuld:* & !geld",
        "<script>alert(1)</script>",
        '=HYPERLINK("http://x")',
        "x" * 5000,
        "\x00\x01",
        "schuld " * 200,
    ],
)
def test_hostile_or_odd_queries_do_not_break_the_search(world, social_map, hostile):
    found = search_offers(world.waalwijk, OfferQuery(text=hostile))
    assert found.total >= 0
    assert len(found.words) <= 12


@settings(max_examples=200)
@given(st.text())
def test_query_words_are_plain_lowercase_words(text):
    for word in query_words(text):
        assert word.isascii() and word.isalnum() and word == word.lower()
    assert all(part.isalnum() for part in stemmed_document(text).split())


def test_a_migrate_gives_terms_the_names_of_the_code_and_indexes_their_offers_again(world):
    offer = make_offer(world.ww_team, world.waalwijk, name="Taalcafé", target_groups=("statushouders",))
    other = make_offer(world.ww_team, world.waalwijk, name="Voedselbank", themes=("voedsel",))
    # The database as it was before: the old name, and the offer's search text written with it.
    TaxonomyTerm.objects.filter(code="statushouders").update(name="Statushouders")
    search.index_offers([Offer.objects.get(pk=offer.pk)])
    assert names(world.waalwijk, "nederland") == []
    # A description is not part of the search text: its offers are not indexed again.
    TaxonomyTerm.objects.filter(code="voedsel").update(description="iets anders")
    Offer.objects.filter(pk=other.pk).update(search_document="not indexed again")

    call_command("migrate", verbosity=0)

    assert TaxonomyTerm.objects.get(code="statushouders").name == "Nieuw in Nederland (statushouder)"
    assert names(world.waalwijk, "nederland") == ["Taalcafé"]
    assert names(world.waalwijk, "statushouder") == ["Taalcafé"]
    assert TaxonomyTerm.objects.get(code="voedsel").description == term_of("voedsel")[1].description
    assert Offer.objects.get(pk=other.pk).search_document == "not indexed again"


def test_a_migrate_brings_back_every_managed_term_and_the_next_one_writes_nothing(world):
    TaxonomyTerm.objects.filter(code="ouderen").delete()
    TaxonomyTerm.objects.filter(code="voedsel").update(position=40)

    call_command("migrate", verbosity=0)
    with CaptureQueriesContext(connection) as second:
        call_command("migrate", verbosity=0)

    assert TaxonomyTerm.objects.filter(code="ouderen").exists()
    assert TaxonomyTerm.objects.get(code="voedsel").position == term_of("voedsel")[0]
    assert TaxonomyTerm.objects.count() == len(THEMES) + len(TARGET_GROUPS)
    writes = [query["sql"] for query in second.captured_queries if query["sql"].startswith(("INSERT", "UPDATE"))]
    assert not [sql for sql in writes if "socialmap_" in sql]


@pytest.mark.parametrize("why", ["backwards", "not every migration applied", "another database"])
def test_the_terms_are_left_alone_when_the_tables_may_not_match_the_code(world, monkeypatch, why):
    TaxonomyTerm.objects.filter(code="statushouders").update(name="Statushouders")
    arguments: dict[str, Any] = {"using": "default"}
    if why == "backwards":
        arguments["plan"] = [(object(), True)]
    elif why == "not every migration applied":
        monkeypatch.setattr("meedoen.socialmap.services._fully_migrated", lambda using: False)
    else:
        arguments["using"] = "other"

    taxonomies_sync(**arguments)

    assert TaxonomyTerm.objects.get(code="statushouders").name == "Statushouders"
    monkeypatch.undo()
    taxonomies_sync(using="default")
    assert TaxonomyTerm.objects.get(code="statushouders").name == "Nieuw in Nederland (statushouder)"


def term_of(code: str) -> tuple[int, Term]:
    """A theme of the code and its place in the list."""
    return next((position, term) for position, term in enumerate(THEMES) if term.code == code)
