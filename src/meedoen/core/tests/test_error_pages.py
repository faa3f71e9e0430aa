"""The page of a refused request (403) in plain words for everyone who meets it, a resident as well
as a staff member: what happened and what to do next."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import permission_denied

pytestmark = pytest.mark.django_db


def test_a_refused_staff_member_reads_what_happened_and_what_to_do_in_dutch(client_as):
    client = client_as("ww_policy")
    response = client.get(reverse("workspace:audit"))
    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="nl"' in html
    assert "Je hebt geen toegang tot deze pagina. Misschien ben je ingelogd met een ander account." in html
    assert "Wat kun je doen?" in html
    assert '<a class="utrecht-link" href="/">Ga naar de startpagina.</a>' in html
    assert "Daar kun je hulp zoeken en kijken waar je recht op hebt." in html
    assert "Log uit. Log daarna in met een ander account." in html
    assert f'action="{reverse("accounts:logout")}" method="post"' in html
    assert "Vraag het aan de beheerder van Meedoen in je gemeente." in html
    for jargon in ("rol", "rollen", "functioneel beheerder", "applicatiebeheerder"):
        assert not re.search(rf"\b{jargon}\b", html, flags=re.IGNORECASE)


def test_the_page_is_in_english_for_english(client_as):
    client = client_as("ww_policy")
    client.cookies["django_language"] = "en"
    html = client.get(reverse("workspace:audit")).content.decode()
    assert "You do not have access to this page. Maybe you are logged in with another account." in html
    assert "Go to the home page." in html
    assert "Log out, and then log in with another account." in html


def test_a_visitor_who_is_not_logged_in_is_offered_the_home_page_and_a_login():
    request = RequestFactory().get("/werkplek/iets/")
    request.user = AnonymousUser()
    with translation.override("nl"):
        html = permission_denied(request, PermissionDenied()).content.decode()
    assert "Je hebt geen toegang tot deze pagina." in html
    assert "Misschien ben je ingelogd" not in html
    assert "Ga naar de startpagina." in html
    assert f'href="{reverse("accounts:login")}?next=/werkplek/iets/">Log in met je account.</a>' in html
    assert reverse("accounts:logout") not in html


def test_a_refused_resident_is_not_sent_to_the_workspace(personas):
    request = RequestFactory().get("/gemeente/waalwijk/iets/")
    request.user = personas["resident"]
    with translation.override("nl"):
        html = permission_denied(request, PermissionDenied()).content.decode()
    assert "Je hebt geen toegang tot deze pagina. Misschien ben je ingelogd met een ander account." in html
    assert "Log uit. Log daarna in met een ander account." in html
    assert reverse("workspace:home") not in html
    assert "beheerder van Meedoen" not in html
