"""Residents search the social map in their own words, without logging in, and nothing they type
is kept."""

from __future__ import annotations

import logging

import pytest
from django.contrib.sessions.models import Session

from meedoen.core.models import AuditEvent
from meedoen.socialmap.models import Offer
from meedoen.socialmap.tests.factories import districts_in, make_location, make_offer, phone_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def social_map(world):
    village = districts_in(world.waalwijk)[-1]
    place = make_location(world.ww_foodbank, world.waalwijk, area=village, name="Uitgiftepunt")
    make_offer(
        world.ww_foodbank,
        world.waalwijk,
        name="Voedselpakket",
        description="Elke week een pakket met eten.",
        themes=("voedsel",),
        target_groups=("gezinnen-met-kinderen",),
        locations=(place,),
        ways_in=["inloop", "telefoon"],
        phone="0416-123456",
    )
    phone_offer(
        world.ww_team,
        world.waalwijk,
        "Schuldhulp",
        description="Samen een plan tegen schulden.",
        themes=("schulden-en-geldzaken",),
    )
    make_offer(world.ms_team, world.meerssen, name="Voedselpakket Meerssen", description="Eten.", themes=("voedsel",))
    return village


def test_the_search_page_asks_in_plain_dutch_and_lists_every_offer(client, social_map):
    html = client.get("/gemeente/waalwijk/hulp/").content.decode()
    assert "Waarmee kunnen we je helpen?" in html
    assert "Voedselpakket" in html and "Schuldhulp" in html
    assert "Voedselpakket Meerssen" not in html


def test_everyday_words_find_the_offer(client, social_map):
    html = client.get("/gemeente/waalwijk/hulp/", {"q": "geen geld voor boodschappen"}).content.decode()
    assert "Voedselpakket" in html
    assert "We hebben ook gekeken bij:" in html
    assert "Voedsel" in html


def test_filters_narrow_the_list(client, social_map):
    html = client.get("/gemeente/waalwijk/hulp/", {"thema": "schulden-en-geldzaken"}).content.decode()
    assert "Schuldhulp" in html
    assert ">Voedselpakket<" not in html


def test_a_search_without_results_says_so_and_what_to_do_next(client, social_map):
    html = client.get("/gemeente/waalwijk/hulp/", {"q": "zeilboot"}).content.decode()
    assert "Niets gevonden" in html
    assert "Probeer andere woorden" in html
    assert "Hulp gevonden: 0" not in html


def test_the_own_district_is_marked(client, social_map):
    html = client.get("/gemeente/waalwijk/hulp/", {"wijk": social_map.code}).content.decode()
    assert "In jouw wijk" in html


def test_a_bad_filter_value_is_a_message_not_an_error(client, social_map):
    response = client.get("/gemeente/waalwijk/hulp/", {"thema": "bestaat-niet", "wijk": "WK999999"})
    assert response.status_code == 200
    assert "utrecht-form-field-error-message" in response.content.decode()


def test_a_long_question_is_refused_politely(client, social_map):
    response = client.get("/gemeente/waalwijk/hulp/", {"q": "schuld " * 100})
    assert response.status_code == 200
    assert "utrecht-form-field-error-message" in response.content.decode()


def test_hostile_text_is_shown_as_text(client, world):
    make_offer(
        world.ww_team, world.waalwijk, name="<script>alert(1)</script>", description="<img src=x onerror=alert(1)>"
    )
    html = client.get("/gemeente/waalwijk/hulp/", {"q": "<script>alert(2)</script>"}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_the_offer_page_shows_how_to_get_help(client, social_map):
    offer = Offer.objects.get(name="Voedselpakket")
    html = client.get(f"/gemeente/waalwijk/hulp/{offer.uuid}/").content.decode()
    assert "Uitgiftepunt" in html
    assert 'href="tel:0416123456"' in html
    assert "Het is gratis." in html


def test_an_income_limit_on_the_offer_page_is_a_share_of_the_bijstand(client, social_map):
    offer = Offer.objects.get(name="Voedselpakket")
    Offer.objects.filter(pk=offer.pk).update(income_limit_percent=120)
    html = client.get(f"/gemeente/waalwijk/hulp/{offer.uuid}/").content.decode()
    assert "Je inkomen is niet hoger dan 120% van de bijstand." in html
    assert "sociaal minimum" not in html


def test_an_offer_of_another_municipality_or_a_made_up_id_is_not_found(client, social_map):
    elsewhere = Offer.objects.get(name="Voedselpakket Meerssen")
    assert client.get(f"/gemeente/waalwijk/hulp/{elsewhere.uuid}/").status_code == 404
    assert client.get("/gemeente/waalwijk/hulp/niet-een-id/").status_code == 404
    Offer.objects.filter(name="Voedselpakket").update(status=Offer.Status.INACTIVE)
    inactive = Offer.objects.get(name="Voedselpakket")
    assert client.get(f"/gemeente/waalwijk/hulp/{inactive.uuid}/").status_code == 404


def test_nothing_the_resident_types_is_stored_or_logged(client, social_map, caplog):
    secret = "deurwaarder-bij-jansen-op-nummer-12"
    records_before = AuditEvent.objects.count()
    with caplog.at_level(logging.DEBUG):
        client.get("/gemeente/waalwijk/hulp/", {"q": secret})
    assert not Session.objects.exists()
    assert AuditEvent.objects.count() == records_before
    assert secret not in caplog.text


def test_the_filters_are_in_everyday_words_and_keep_their_codes(client, social_map):
    html = client.get("/gemeente/waalwijk/hulp/").content.decode()
    for label in ("Computer en internet", "Sport, cultuur en uitjes", "Werk en leren"):
        assert f">{label}</label>" in html
    for label in ("Nieuw in Nederland (statushouder)", "Eigen bedrijf (zzp)"):
        assert f">{label}</label>" in html
    for jargon in ("Digitale vaardigheden", "Statushouders", "Zelfstandigen en zzp"):
        assert jargon not in html
    assert 'name="thema" value="digitale-vaardigheden"' in html
    assert 'name="doelgroep" value="statushouders"' in html
    found = client.get("/gemeente/waalwijk/hulp/", {"doelgroep": "statushouders"})
    assert found.status_code == 200 and "utrecht-form-field-error-message" not in found.content.decode()
