"""The co-creation board through HTTP. Facilitators (the municipality's policy officer and
application manager) open, watch and cluster a session; every other persona is refused and a refusal
changes nothing. Participants join with the code only, post notes within the limits, and their
phones and the screen receive only what is new."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from meedoen.compass.models import Activity, BoardNote, BoardSession, BoardTheme, SocietalResult
from meedoen.compass.selectors.board import JOIN_FAILURE_LIMIT
from meedoen.compass.services.board import (
    NOTES_PER_MINUTE,
    board_note_add,
    board_session_close,
    board_session_open,
    board_theme_create,
)
from meedoen.compass.tests.factories import make_cycle, staff_actor
from meedoen.core.access import Role
from meedoen.core.models import AuditEvent

pytestmark = pytest.mark.django_db

NOT_LOGGED_IN = {"anonymous", "resident", "second_resident", "no_second_factor"}
STAFF = [
    "ww_policy",
    "ww_caseworker",
    "ww_early_signals",
    "ww_offer_maintainer",
    "ww_application_manager",
    "ww_auditor",
    "ms_auditor",
    "ms_application_manager",
]
EVERYONE = [*sorted(NOT_LOGGED_IN), "no_role", *STAFF]
FACILITATORS = {"ww_policy", "ww_application_manager"}
HOSTILE = '<script>alert("x")</script>'
# Where the participant pages keep the participant's token in the browser session.
PARTICIPANT_TOKEN = "board_participant"


@pytest.fixture(autouse=True)
def _forget_join_attempts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cycle(world):
    return make_cycle(world.waalwijk, world.ww_foodbank)


@pytest.fixture
def policy(world):
    return staff_actor(Role.POLICY_OFFICER, world.ww_team, world.waalwijk)


@pytest.fixture
def session(cycle, policy):
    return board_session_open(
        actor=policy, compass=cycle.compass, step="resultaten", question="Wat moet er anders?", minutes=120
    )


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def participate_url(session: BoardSession) -> str:
    return reverse("portal:board-participate", args=[session.code])


def poll_url(name: str, arg: object, after: int, version: int) -> str:
    return f"{reverse(name, args=[arg])}?na={after}&versie={version}"


def snapshot() -> tuple[int, ...]:
    return (
        BoardSession.objects.count(),
        BoardSession.objects.filter(closed_at__isnull=False).count(),
        BoardTheme.objects.count(),
        BoardNote.objects.count(),
        BoardNote.objects.filter(theme__isnull=False).count(),
        SocietalResult.objects.count(),
        Activity.objects.count(),
        AuditEvent.objects.count(),
    )


# --- facilitators ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", EVERYONE)
def test_only_facilitators_of_the_municipality_open_the_board_pages(client_as, session, persona):
    note = board_note_add(session=session, participant_token="t", text="idee")
    client = client_as(persona)
    pages = [
        reverse("workspace:board-sessions"),
        reverse("workspace:board", args=[session.pk]),
        poll_url("workspace:board-poll", session.pk, 0, 0),
    ]
    for url in pages:
        before = snapshot()
        response = client.get(url)
        if persona in NOT_LOGGED_IN:
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("accounts:login"))
        elif persona in FACILITATORS:
            assert response.status_code == 200, url
        elif persona == "ms_application_manager":
            # Facilitates in Meerssen: its own list opens; a session of Waalwijk is not found.
            assert response.status_code == (200 if url == pages[0] else 404), url
        else:
            assert response.status_code == 403, (url, persona)
        assert snapshot() == before
        if response.status_code == 200 and url != pages[0]:
            assert f'id="note-{note.pk}"' in response.content.decode()


@pytest.mark.parametrize("persona", [p for p in EVERYONE if p not in FACILITATORS])
def test_a_refused_facilitator_action_changes_nothing(client_as, session, cycle, policy, persona):
    note = board_note_add(session=session, participant_token="t", text="idee")
    theme = board_theme_create(actor=policy, session=session, name="Thema")
    client = client_as(persona)
    posts = [
        (
            reverse("workspace:board-sessions"),
            {"compass": cycle.compass.pk, "step": "beeld", "question": "Vraag", "minutes": 60},
        ),
        (reverse("workspace:board-close", args=[session.pk]), {}),
        (reverse("workspace:board-notes-move", args=[session.pk]), {"note": [note.pk], "theme": theme.pk}),
        (reverse("workspace:board-notes-move", args=[session.pk]), {"note": [note.pk], "action": "new", "name": "x"}),
        (reverse("workspace:board-note-remove", args=[note.pk]), {}),
        (reverse("workspace:board-theme-result", args=[theme.pk]), {"target_group": "ouderen", "domain": "inkomen"}),
        (reverse("workspace:board-theme-activity", args=[theme.pk]), {"result": cycle.result.pk}),
    ]
    for url, data in posts:
        before = snapshot()
        response = client.post(url, data)
        if persona in NOT_LOGGED_IN:
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("accounts:login"))
        elif persona == "ms_application_manager" and url != posts[0][0]:
            assert response.status_code == 404, url
        elif persona == "ms_application_manager":
            # In Meerssen, a compass of Waalwijk is not a choice: the form is refused.
            assert response.status_code == 400, url
        else:
            assert response.status_code == 403, (url, persona)
        assert snapshot() == before, url


def test_a_policy_officer_opens_a_session_and_sees_its_code(client_as, cycle):
    client = english(client_as("ww_policy"))
    response = client.post(
        reverse("workspace:board-sessions"),
        {"compass": cycle.compass.pk, "step": "activiteiten", "question": "Wat werkt?", "minutes": 120},
    )
    opened = BoardSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:board", args=[opened.pk])
    page = client.get(response["Location"]).content.decode()
    assert opened.spoken_code in page
    assert f"/doe-mee/{opened.code}/" in page  # in the QR code's description
    assert 'hx-trigger="every 500ms"' in page
    assert "vendor/htmx/htmx.min.js" in page
    assert AuditEvent.objects.filter(action="board_session.open", object_id=str(opened.pk)).exists()
    listing = client.get(reverse("workspace:board-sessions")).content.decode()
    assert "Wat werkt?" in listing


def test_a_question_with_html_is_shown_as_text(client_as, cycle):
    client = client_as("ww_policy")
    client.post(
        reverse("workspace:board-sessions"),
        {"compass": cycle.compass.pk, "step": "beeld", "question": HOSTILE, "minutes": 60},
    )
    opened = BoardSession.objects.get()
    for page in (
        client.get(reverse("workspace:board", args=[opened.pk])),
        Client().get(participate_url(opened)),
        Client().get(reverse("portal:board-screen", args=[opened.code])),
    ):
        assert HOSTILE not in page.content.decode()
        assert "&lt;script&gt;" in page.content.decode()


def test_the_board_poll_answers_no_content_or_only_the_newer_notes(client_as, session):
    client = client_as("ww_policy")
    old = board_note_add(session=session, participant_token="t", text="oude notitie")
    state_version = BoardSession.objects.get(pk=session.pk).layout_version
    assert client.get(poll_url("workspace:board-poll", session.pk, old.pk, state_version)).status_code == 204
    new = board_note_add(session=session, participant_token="u", text=f"nieuw {HOSTILE}")
    response = client.get(poll_url("workspace:board-poll", session.pk, old.pk, state_version))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="note-{new.pk}"' in html
    assert f'id="note-{old.pk}"' not in html
    assert "oude notitie" not in html
    assert HOSTILE not in html
    assert f"na={new.pk}&amp;versie={state_version}" in html  # the next poll asks after the newest note
    assert 'hx-swap-oob="beforeend:#board-unsorted"' in html


def test_after_clustering_the_poll_redraws_the_board(client_as, session, policy):
    client = client_as("ww_policy")
    note = board_note_add(session=session, participant_token="t", text="idee")
    board_theme_create(actor=policy, session=session, name="Loket", notes=[note])
    response = client.get(poll_url("workspace:board-poll", session.pk, note.pk, 0))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="board-region" hx-swap-oob="outerHTML"' in html
    assert "Loket" in html


def test_a_closed_session_stops_the_polling(client_as, session, policy):
    board_session_close(actor=policy, session=session)
    response = english(client_as("ww_policy")).get(poll_url("workspace:board-poll", session.pk, 0, 0))
    assert response.status_code == 286
    assert "closed" in response.content.decode()


def test_a_facilitator_clusters_notes_and_turns_a_theme_into_a_result_and_an_activity(client_as, session, cycle):
    client = client_as("ww_application_manager")
    notes = [board_note_add(session=session, participant_token="t", text=f"idee {n}") for n in range(3)]
    response = client.post(
        reverse("workspace:board-notes-move", args=[session.pk]),
        {"note": [notes[0].pk, notes[1].pk], "action": "new", "name": "Minder schaamte bij jongeren"},
    )
    theme = BoardTheme.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#theme-{theme.pk}")
    client.post(
        reverse("workspace:board-notes-move", args=[session.pk]),
        {"note": [notes[2].pk], "theme": theme.pk, "action": "move"},
    )
    assert theme.notes.count() == 3

    client.post(
        reverse("workspace:board-theme-result", args=[theme.pk]), {"target_group": "jongeren", "domain": "participatie"}
    )
    theme.refresh_from_db()
    assert theme.result is not None
    assert theme.result.statement == "Minder schaamte bij jongeren"
    assert AuditEvent.objects.filter(action="compass_result.create", object_id=str(theme.result.pk)).exists()

    client.post(reverse("workspace:board-theme-activity", args=[theme.pk]), {"result": theme.result.pk})
    theme.refresh_from_db()
    assert theme.activity is not None
    assert list(theme.activity.results.all()) == [theme.result]
    board = client.get(reverse("workspace:board", args=[session.pk])).content.decode()
    assert reverse("workspace:compass-result-edit", args=[theme.result.pk]) in board
    assert reverse("workspace:compass-activity", args=[theme.activity.pk]) in board


def test_a_refused_conversion_is_explained_and_changes_nothing(client_as, session, policy):
    client = english(client_as("ww_policy"))
    theme = board_theme_create(actor=policy, session=session, name="Thema")
    before = snapshot()
    response = client.post(
        reverse("workspace:board-theme-result", args=[theme.pk]),
        {"target_group": "ouderen", "domain": "gezondheid"},
        follow=True,
    )
    assert "Choose a life domain" in response.content.decode()
    assert snapshot() == before


def test_a_facilitator_takes_a_note_off_every_board(client_as, session):
    note = board_note_add(session=session, participant_token="t", text="iets kwetsends")
    client = client_as("ww_policy")
    client.post(reverse("workspace:board-note-remove", args=[note.pk]))
    assert not BoardNote.objects.exists()
    version = BoardSession.objects.get(pk=session.pk).layout_version
    assert version == 1
    # Boards that showed it redraw on their next poll.
    response = Client().get(poll_url("portal:board-screen-poll", session.code, note.pk, 0))
    assert response.status_code == 200
    assert "iets kwetsends" not in response.content.decode()


def test_closing_a_session_through_the_page(client_as, session):
    client = client_as("ww_policy")
    client.post(reverse("workspace:board-close", args=[session.pk]))
    session.refresh_from_db()
    assert session.closed_at is not None
    assert AuditEvent.objects.filter(action="board_session.close").exists()


# --- participants ------------------------------------------------------------------------------------


def test_the_join_page_opens_without_an_account_and_leaves_no_trace(client, world):
    response = client.get(reverse("portal:board-join"))
    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()
    assert not Session.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_valid_code_leads_to_the_session_however_it_is_typed(client, session):
    typed = f" {session.code[:3].lower()} {session.code[3:].lower()} "
    response = client.post(reverse("portal:board-join"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == participate_url(session)
    page = client.get(participate_url(session))
    assert page.status_code == 200
    assert "Wat moet er anders?" in page.content.decode()
    assert 'hx-trigger="every 1s"' in page.content.decode()
    assert not Session.objects.exists()  # looking stores nothing


def test_a_link_with_the_code_in_small_letters_works_too(client, session):
    response = client.get(reverse("portal:board-participate", args=[session.code.lower()]))
    assert response.status_code == 302
    assert response["Location"] == participate_url(session)


@pytest.mark.parametrize("typed", ["AAAAAA", "", "<script>", "x" * 500])
def test_an_unknown_code_is_refused_with_a_clear_message(typed, session):
    client = english(Client())
    response = client.post(reverse("portal:board-join"), {"code": typed})
    assert response.status_code in {400, 404}
    assert "<script>" not in response.content.decode()
    assert BoardNote.objects.count() == 0


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("join", {"code": ""}, "Typ de code van 6 letters en cijfers."),
        ("join", {"code": "x" * 21}, "Een code heeft 6 letters en cijfers."),
        ("participate", {"text": ""}, "Schrijf je notitie."),
        ("participate", {"text": "x" * 281}, "Je notitie is te lang. Gebruik maximaal 280 tekens. Nu zijn het er 281."),
    ],
)
def test_a_participant_is_told_in_plain_dutch_what_to_fix(session, url, data, message):
    target = reverse("portal:board-join") if url == "join" else participate_url(session)
    response = Client().post(target, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Dit veld is vereist" not in html and "Zorg dat deze waarde" not in html


def test_guessing_codes_is_stopped_after_a_few_tries(session):
    client = english(Client())
    for _ in range(JOIN_FAILURE_LIMIT):
        assert client.post(reverse("portal:board-join"), {"code": "AAAAAA"}).status_code == 404
    # Now even the right code is not looked up, in a form or in a link.
    response = client.post(reverse("portal:board-join"), {"code": session.code})
    assert response.status_code == 429
    assert "Wait 10 minutes" in response.content.decode()
    assert client.get(participate_url(session)).status_code == 429
    assert client.post(participate_url(session), {"text": "idee"}).status_code == 429
    assert not BoardNote.objects.exists()


def test_unknown_codes_in_links_count_as_guesses(session):
    client = Client()
    for _ in range(JOIN_FAILURE_LIMIT):
        assert client.get(reverse("portal:board-participate", args=["ZZZZZZ"])).status_code == 404
    assert client.get(participate_url(session)).status_code == 429


def test_a_participant_posts_a_note_and_sees_it_marked_as_their_own(session):
    client, other = english(Client()), english(Client())
    response = client.post(
        participate_url(session), {"text": HOSTILE, "author_name": "Anna", "participant_kind": "jongere"}
    )
    assert response.status_code == 302
    note = BoardNote.objects.get()
    assert (note.text, note.author_name, note.participant_kind) == (HOSTILE, "Anna", "jongere")
    token = client.session[PARTICIPANT_TOKEN]
    assert len(token) >= 32
    assert token not in note.participant_ref

    page = client.get(participate_url(session)).content.decode()
    assert "Your note is on the board" in page
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "meedoen-note--own" in page
    assert 'value="Anna"' in page  # the name is offered again for the next note
    assert "meedoen-note--own" not in other.get(participate_url(session)).content.decode()
    assert not AuditEvent.objects.exclude(action="board_session.open").exists()


def test_posting_with_htmx_answers_with_a_fresh_form(session):
    client = english(Client())
    response = client.post(participate_url(session), {"text": "idee"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="note-form"')
    assert "Your note is on the board" in html
    assert "<html" not in html


def test_a_note_needs_the_csrf_token(session):
    client = Client(enforce_csrf_checks=True)
    response = client.post(participate_url(session), {"text": "idee"})
    assert response.status_code == 403
    assert not BoardNote.objects.exists()
    # In plain words, without the technical reason of Django's own page ("CSRF-verificatie mislukt").
    html = response.content.decode()
    assert "De pagina was te oud. Ga terug, laad de pagina opnieuw" in html
    assert "CSRF" not in html


@pytest.mark.parametrize(
    "data", [{"text": ""}, {"text": "x" * 281}, {"text": "idee", "participant_kind": "wethouder"}, {"text": "\x01\x02"}]
)
def test_a_note_outside_the_limits_is_refused(session, data):
    response = english(Client()).post(participate_url(session), data)
    assert response.status_code == 400
    assert "Error:" in response.content.decode()
    assert not BoardNote.objects.exists()


def test_a_closed_session_refuses_notes_with_a_clear_message(session, policy):
    board_session_close(actor=policy, session=session)
    client = english(Client())
    response = client.post(participate_url(session), {"text": "te laat"})
    assert response.status_code == 410
    assert "This session is closed" in response.content.decode()
    page = client.get(participate_url(session)).content.decode()
    assert "This session is closed" in page
    assert 'name="text"' not in page
    assert not BoardNote.objects.exists()


def test_an_expired_session_refuses_notes(session, time_machine):
    time_machine.move_to(session.expires_at + timedelta(seconds=1))
    response = english(Client()).post(participate_url(session), {"text": "te laat"})
    assert response.status_code == 410
    assert not BoardNote.objects.exists()


def test_a_closed_session_shows_its_notes_to_the_facilitators_only(client_as, session, policy):
    board_note_add(session=session, participant_token="t", text="zichtbaar tijdens de sessie")
    board_session_close(actor=policy, session=session)
    for url in (participate_url(session), reverse("portal:board-screen", args=[session.code])):
        assert "zichtbaar tijdens de sessie" not in Client().get(url).content.decode()
    staff_page = client_as("ww_policy").get(reverse("workspace:board", args=[session.pk]))
    assert "zichtbaar tijdens de sessie" in staff_page.content.decode()


def test_posting_is_limited_per_participant(session):
    client = english(Client())
    for number in range(NOTES_PER_MINUTE):
        assert client.post(participate_url(session), {"text": f"idee {number}"}).status_code == 302
    response = client.post(participate_url(session), {"text": "nog een"})
    assert response.status_code == 429
    assert "Wait a moment" in response.content.decode()
    assert english(Client()).post(participate_url(session), {"text": "iemand anders"}).status_code == 302
    assert BoardNote.objects.count() == NOTES_PER_MINUTE + 1


def test_names_and_notes_are_never_logged(session, caplog):
    caplog.set_level(logging.DEBUG)
    client = Client()
    for _ in range(NOTES_PER_MINUTE + 1):
        client.post(participate_url(session), {"text": "Mijn buurman Karel", "author_name": "Fenna"})
    client.get(participate_url(session))
    logged = caplog.text + " ".join(str(record.msg) + str(record.args) for record in caplog.records)
    assert "Karel" not in logged
    assert "Fenna" not in logged


def test_the_participant_poll_answers_no_content_or_only_the_newer_notes(session):
    client = Client()
    client.post(participate_url(session), {"text": "mijn idee"})
    mine = BoardNote.objects.get()
    version = BoardSession.objects.get(pk=session.pk).layout_version
    url = poll_url("portal:board-participate-poll", session.code, mine.pk, version)
    assert client.get(url).status_code == 204
    theirs = board_note_add(session=session, participant_token="ander", text="idee van een ander")
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "idee van een ander" in html
    assert "mijn idee" not in html
    assert 'hx-swap-oob="afterbegin:#board-notes"' in html
    assert "meedoen-note--own" not in html
    own = client.get(poll_url("portal:board-participate-poll", session.code, 0, version)).content.decode()
    assert re.search(f'meedoen-note--own" id="note-{mine.pk}"', own)
    assert not re.search(f'meedoen-note--own" id="note-{theirs.pk}"', own)


def test_the_screen_shows_the_code_and_the_notes_and_polls(session):
    board_note_add(session=session, participant_token="t", text="op het scherm", author_name="Sam")
    response = Client().get(reverse("portal:board-screen", args=[session.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert session.spoken_code in html
    assert "op het scherm" in html
    assert "Sam" in html
    assert 'aria-live="polite"' in html
    assert reverse("portal:board-screen-poll", args=[session.code]) in html
    assert 'hx-trigger="every 500ms"' in html
    assert not Session.objects.exists()


def test_a_closed_session_stops_the_public_polls(session, policy):
    board_session_close(actor=policy, session=session)
    for name in ("portal:board-participate-poll", "portal:board-screen-poll"):
        response = Client().get(poll_url(name, session.code, 0, 0))
        assert response.status_code == 286
        assert 'id="board-region" hx-swap-oob="outerHTML"></div>' in response.content.decode()


@pytest.mark.parametrize("bad", ["²", "٢", "9" * 20, "9" * 5000, "-1"])
def test_ids_that_are_no_ids_move_and_convert_nothing(client_as, session, policy, bad):
    client = client_as("ww_policy")
    theme = board_theme_create(actor=policy, session=session, name="Thema")
    note = board_note_add(session=session, participant_token="t", text="idee")
    before = snapshot()

    moves = [
        {"note": [bad], "theme": theme.pk, "action": "move"},
        {"note": [note.pk], "theme": bad, "action": "move"},
    ]
    url = reverse("workspace:board-notes-move", args=[session.pk])
    for data in moves:
        assert client.post(url, data).status_code in (302, 400, 404)
    converted = client.post(reverse("workspace:board-theme-activity", args=[theme.pk]), {"result": bad})

    assert converted.status_code in (302, 400)
    assert snapshot() == before
