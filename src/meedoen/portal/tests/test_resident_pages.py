"""Resident pages: open without login, in plain Dutch, with the three doors, and storing nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.contrib.staticfiles import finders

from meedoen.core.models import AuditEvent

DOORS = ("hulp", "regelingen", "mijn-gegevens")


@pytest.mark.django_db
def test_the_start_page_lists_the_municipalities(client, world):
    response = client.get("/")
    assert response.status_code == 200
    assert b"/gemeente/waalwijk/" in response.content
    assert b"/gemeente/meerssen/" in response.content


@pytest.mark.django_db
def test_with_one_municipality_the_start_page_goes_straight_there(client):
    from meedoen.organisations.tests.factories import MunicipalityFactory

    MunicipalityFactory(code="GM0867", name="Waalwijk", slug="waalwijk")
    assert client.get("/")["Location"] == "/gemeente/waalwijk/"


@pytest.mark.django_db
def test_the_landing_page_opens_the_three_doors_in_dutch(client, world):
    response = client.get("/gemeente/waalwijk/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="nl"' in html
    for door in DOORS:
        assert f'href="/gemeente/waalwijk/{door}/"' in html
    assert "Hulp zoeken" in html
    assert "Waar heb ik recht op?" in html
    assert "Mijn gegevens" in html


@pytest.mark.django_db
def test_every_page_names_the_site_icon_and_it_is_served(client, world):
    html = client.get("/gemeente/waalwijk/").content.decode()
    match = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert match, "the page names no icon, so browsers ask for /favicon.ico and get a 404"
    name = match.group(1).removeprefix(settings.STATIC_URL)
    found = finders.find(name)
    assert found and Path(found).read_text().startswith("<svg")


@pytest.mark.django_db
def test_the_pages_are_available_in_english(client, world):
    client.post("/i18n/setlang/", {"language": "en", "next": "/gemeente/waalwijk/"})
    html = client.get("/gemeente/waalwijk/").content.decode()
    assert '<html lang="en"' in html
    assert "Find help" in html


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS)
def test_every_door_opens_without_login_and_leaves_no_trace(client, world, door):
    response = client.get(f"/gemeente/waalwijk/{door}/?q=geen+geld+voor+boodschappen")
    assert response.status_code == 200
    assert not AuditEvent.objects.exists()
    assert not Session.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/gemeente/nergens/", "/gemeente/nergens/hulp/", "/gemeente/%3Cscript%3E/"])
def test_an_unknown_municipality_is_a_friendly_404(client, world, path):
    response = client.get(path)
    assert response.status_code == 404


@pytest.mark.django_db
def test_my_data_asks_anonymous_residents_to_log_in_with_digid(client, world):
    html = client.get("/gemeente/waalwijk/mijn-gegevens/").content.decode()
    assert "/accounts/digid/" in html


@pytest.mark.django_db
def test_my_data_shows_a_resident_who_looked_at_their_data_and_nobody_elses(client_as, personas, world):
    from meedoen.core.access import Actor
    from meedoen.core.audit import record_read

    staff = Actor(user_id=personas["ww_caseworker"].pk, label="ww-consulent", second_factor=True)
    mine = personas["resident"].resident_ref
    other = personas["second_resident"].resident_ref
    record_read(
        actor=staff,
        subject_ref=mine,
        purpose="Gesprek over betalingsachterstand",
        fields=["adres"],
        municipality_id=world.waalwijk.pk,
    )
    record_read(
        actor=staff,
        subject_ref=other,
        purpose="Aanvraag kindpakket",
        fields=["naam"],
        municipality_id=world.waalwijk.pk,
    )
    html = client_as("resident").get("/gemeente/waalwijk/mijn-gegevens/").content.decode()
    assert "Gesprek over betalingsachterstand" in html
    assert "Aanvraag kindpakket" not in html


@pytest.mark.django_db
def test_my_data_says_who_why_and_what_in_plain_dutch(client_as, personas, world):
    from meedoen.core.access import Actor
    from meedoen.core.audit import record_read
    from meedoen.early_signals.feedback import DISCLOSED_FIELDS
    from meedoen.early_signals.feedback import PURPOSE as FEEDBACK_PURPOSE
    from meedoen.early_signals.selectors import CASE_PURPOSE, PERSONAL_FIELDS

    staff = Actor(user_id=personas["ww_caseworker"].pk, label="ww-vroegsignalering", second_factor=True)
    mine = personas["resident"].resident_ref
    common = {"actor": staff, "subject_ref": mine, "municipality_id": world.waalwijk.pk}
    record_read(purpose=CASE_PURPOSE, fields=PERSONAL_FIELDS, organisation_id=world.ww_team.pk, **common)
    record_read(purpose=FEEDBACK_PURPOSE, fields=DISCLOSED_FIELDS, **common)

    html = client_as("resident").get("/gemeente/waalwijk/mijn-gegevens/").content.decode()

    assert "Om je hulp aan te bieden bij geldzorgen" in html
    assert "voorletters, voornaam, tussenvoegsel, achternaam, geboortedatum" in html
    assert "Om de organisatie die je achterstand meldde te laten weten of je hulp kreeg" in html
    assert "hoe ver je dossier is, of je hulp wilde" in html
    assert world.ww_team.name in html and world.waalwijk.name in html  # who: the organisation, else the municipality
    for recorded in (CASE_PURPOSE, FEEDBACK_PURPOSE, "date_of_birth", "case_status", "ww-vroegsignalering"):
        assert recorded not in html


def test_every_field_that_early_signalling_reads_has_words_for_residents():
    from meedoen.early_signals import reads
    from meedoen.early_signals.feedback import DISCLOSED_FIELDS
    from meedoen.early_signals.selectors import PERSONAL_FIELDS

    assert set(PERSONAL_FIELDS) | set(DISCLOSED_FIELDS) <= set(reads.FIELDS)


@pytest.mark.django_db
def test_the_browser_language_does_not_override_dutch(client, world):
    html = client.get("/gemeente/waalwijk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="nl"' in html


@pytest.mark.django_db
def test_an_unknown_language_cookie_falls_back_to_dutch(client, world):
    client.cookies["django_language"] = "xx"
    assert '<html lang="nl"' in client.get("/gemeente/waalwijk/").content.decode()
