"""The search rows (socialmap.search_rows) follow every change that matters to a search: through the
services and the HSDS import, which write them again, and through plain UPDATE and DELETE
statements, which the database's triggers follow. Each test searches, so that a row that lags
behind shows as a wrong result. The same tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from meedoen.core.access import Actor
from meedoen.socialmap import search_rows
from meedoen.socialmap.models import Location, Offer
from meedoen.socialmap.search import OfferQuery, rebuild_index, search_offers
from meedoen.socialmap.services import OfferRelations, location_save, offer_update
from meedoen.socialmap.tests.factories import districts_in, make_location, make_offer, phone_offer, walk_in_offer
from meedoen.socialmap.tests.test_hsds_import import NL_LOCATION, changed, dutch_service, nid, run, write_json

pytestmark = pytest.mark.django_db


def found(municipality, text="", district=""):
    results = search_offers(municipality, OfferQuery(text=text, district=district))
    return {offer.name: offer.pk in results.local_ids for offer in results.offers}, results.total


def stored_rows():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {search_rows.TABLE} ORDER BY offer_id, municipality_id")  # noqa: S608
        return [tuple(sorted(value) if isinstance(value, list) else value for value in row) for row in cursor]


@pytest.fixture
def districts(world):
    return districts_in(world.waalwijk)


@pytest.fixture
def help_with_debts(world, districts):
    place = make_location(world.ww_team, world.waalwijk, area=districts[0], name="Buurthuis")
    return walk_in_offer(
        world.ww_team, place, "Schuldhulp", description="Hulp bij schulden.", themes=("schulden-en-geldzaken",)
    )


def test_a_plain_status_update_hides_and_shows_an_offer(world, help_with_debts):
    Offer.objects.filter(pk=help_with_debts.pk).update(status=Offer.Status.TEMPORARILY_CLOSED)
    assert found(world.waalwijk, "schulden") == ({}, 0)
    assert found(world.waalwijk) == ({}, 0)
    Offer.objects.filter(pk=help_with_debts.pk).update(status=Offer.Status.ACTIVE)
    assert found(world.waalwijk, "schulden") == ({"Schuldhulp": False}, 1)


def test_a_deleted_offer_leaves_no_row_behind(world, help_with_debts):
    other = make_offer(world.ww_team, world.waalwijk, name="Budgetcoach", description="Hulp bij schulden.")
    Offer.objects.get(pk=help_with_debts.pk).delete()  # not through the service: the database follows
    assert found(world.waalwijk, "schulden") == ({"Budgetcoach": False}, 1)
    assert [row[0] for row in stored_rows()] == [other.pk]


def test_an_offer_taken_out_of_a_municipality_is_no_longer_found_there(world, help_with_debts):
    help_with_debts.municipalities.add(world.meerssen)
    rebuild_index()
    assert found(world.meerssen, "schulden") == ({"Schuldhulp": False}, 1)
    help_with_debts.municipalities.remove(world.meerssen)
    assert found(world.meerssen, "schulden") == ({}, 0)
    assert found(world.waalwijk, "schulden") == ({"Schuldhulp": False}, 1)


def test_an_offer_moved_to_another_municipality_by_the_service_follows(world, help_with_debts):
    world.ww_team.municipalities.add(world.meerssen)
    offer_update(
        actor=Actor.system("test"),
        offer=help_with_debts,
        fields={"name": "Schuldhulp", "description": "Hulp bij schulden."},
        relations=OfferRelations(municipalities=(world.meerssen,)),
    )
    assert found(world.waalwijk, "schulden") == ({}, 0)
    assert found(world.meerssen, "schulden") == ({"Schuldhulp": False}, 1)


def test_a_place_moved_to_another_district_moves_its_offers(world, districts, help_with_debts):
    assert found(world.waalwijk, "schulden", districts[0].code) == ({"Schuldhulp": True}, 1)
    place = Location.objects.get(name="Buurthuis")
    location_save(
        actor=Actor.system("test"),
        organisation=world.ww_team,
        municipality=world.waalwijk,
        location=place,
        fields={"name": "Buurthuis", "area": districts[1]},
    )
    # Reached only by walking in, it is no longer found from its old district.
    assert found(world.waalwijk, "schulden", districts[0].code) == ({}, 0)
    assert found(world.waalwijk, "schulden", districts[1].code) == ({"Schuldhulp": True}, 1)


def test_a_place_the_import_moves_moves_its_offers(world, districts, tmp_path):
    def in_district(district):
        data = changed(dutch_service(), "service_at_locations.0.location.external_identifier", district.code)
        return changed(data, "service_at_locations.0.location.external_identifier_type", "CBS")

    run(write_json(tmp_path, in_district(districts[0])))
    assert found(world.waalwijk, "formulieren", districts[0].code)[0] == {"Formulierenhulp": True}
    output, _warnings = run(write_json(tmp_path, in_district(districts[1])))
    assert "services: 0 created, 0 updated, 1 unchanged" in output
    assert "locations: 0 created, 1 updated, 0 unchanged" in output
    assert not found(world.waalwijk, "formulieren", districts[0].code)[0].get("Formulierenhulp")
    assert found(world.waalwijk, "formulieren", districts[1].code)[0] == {"Formulierenhulp": True}


def test_an_offer_the_import_links_to_a_place_here_is_found_here(world, districts, tmp_path):
    data = changed(dutch_service(), "service_at_locations.0.location.external_identifier", districts[2].code)
    run(write_json(tmp_path, changed(data, "service_at_locations.0.location.external_identifier_type", "CBS")))
    theirs = make_offer(world.ms_team, world.meerssen, name="Schuldhulp Meerssen", description="Hulp bij schulden.")
    assert found(world.waalwijk, "schulden") == ({}, 0)
    link = {"id": nid(), "service_id": str(theirs.uuid), "location_id": NL_LOCATION}
    output, _warnings = run(write_json(tmp_path, link, "link.json"))
    assert "service_at_locations: 1 created" in output
    assert found(world.waalwijk, "schulden", districts[2].code) == ({"Schuldhulp Meerssen": True}, 1)


def test_the_migration_fills_the_rows_the_index_writes(world, districts, help_with_debts):
    phone_offer(
        world.ww_team,
        world.waalwijk,
        "Telefonische geldlijn",
        description="Bel ons.",
        themes=("schulden-en-geldzaken", "inkomen-en-toeslagen"),
        target_groups=("ouderen", "jongeren"),
    )
    written = stored_rows()
    assert len(written) == 2
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {search_rows.TABLE}")  # noqa: S608
    search_rows.refresh(connection)  # what migration 0008 fills the table with
    assert stored_rows() == written
    assert found(world.waalwijk, "schulden", districts[0].code)[1] == 2


def test_emptying_the_offer_table_empties_the_search_rows(world, help_with_debts):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checks the test's own writes first
            cursor.execute("TRUNCATE socialmap_offer CASCADE")  # as the test suite's flush does
    else:
        Offer.objects.all().delete()  # SQLite has no TRUNCATE; a flush deletes row by row
    assert stored_rows() == []
    assert found(world.waalwijk) == ({}, 0)


def test_a_search_inside_a_longer_transaction_leaves_the_planner_as_it_was(world, help_with_debts):
    if connection.vendor != "postgresql":
        pytest.skip("issue 3: the planner setting is PostgreSQL's")
    # Each test runs inside a transaction, as a search inside a longer change would.
    assert found(world.waalwijk, "schulden") == ({"Schuldhulp": False}, 1)
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone() == ("on",)
