"""The facilitator's pages of the co-creation board against hostile input: text of 100,000
characters, NUL bytes and lone surrogates, ids too large for any database, negative and unknown
numbers and choices, repeated and missing fields, wrong methods, a session of the other
municipality, posts without a CSRF token and htmx requests. Whatever comes in: never an error page,
never a read or write across municipalities, nothing half-written."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from conftest import log_in
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from meedoen.compass.models import Activity, BoardNote, BoardSession, BoardTheme, SocietalResult
from meedoen.compass.services.board import board_note_add, board_session_open, board_theme_create
from meedoen.compass.tests.factories import make_cycle, staff_actor
from meedoen.core.access import Role
from meedoen.core.models import AuditEvent

pytestmark = pytest.mark.django_db
LONG = "x" * 100_000
HOSTILE_TEXTS = [LONG, "\ud800", "a\udfffb", "\u202eevil", "\x01\x0b", "<script>alert(1)</script>", " ", ""]
HOSTILE_IDS = [
    "99999999999999999999",
    "9223372036854775808",
    "9" * 5000,
    "-1",
    "0",
    "1.5",
    "1e3",
    "²",
    "٢",
    "0x10",
    LONG,
    "",
]


@pytest.fixture(autouse=True)
def _forget_join_attempts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def boards(world):
    """An open session with a note and a theme in Waalwijk, and the same in Meerssen."""
    found = {}
    for name, municipality, team in (
        ("waalwijk", world.waalwijk, world.ww_team),
        ("meerssen", world.meerssen, world.ms_team),
    ):
        cycle = make_cycle(municipality, team)
        actor = staff_actor(Role.POLICY_OFFICER, team, municipality)
        session = board_session_open(
            actor=actor, compass=cycle.compass, step="resultaten", question="Wat moet er anders?", minutes=120
        )
        note = board_note_add(session=session, participant_token="t", text=f"idee {name}")
        theme = board_theme_create(actor=actor, session=session, name=f"Thema {name}")
        found[name] = {"cycle": cycle, "session": session, "note": note, "theme": theme}
    return found


def snapshot() -> tuple[object, ...]:
    return (
        sorted(BoardSession.objects.values_list("pk", "question", "closed_at", "expires_at", "layout_version")),
        sorted(BoardTheme.objects.values_list("pk", "session_id", "name", "result_id", "activity_id")),
        sorted(BoardNote.objects.values_list("pk", "session_id", "theme_id", "text")),
        sorted(SocietalResult.objects.values_list("pk", "compass_id", "statement")),
        sorted(Activity.objects.values_list("pk", "compass_id", "name")),
        AuditEvent.objects.filter(kind=AuditEvent.Kind.CHANGE).count(),
    )


def form_body(pairs: list[tuple[str, str]]) -> str:
    """A form with whatever the text holds; a lone surrogate goes out as the bytes UTF-8 would give it."""
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass")


def post(client: Client, url: str, pairs: list[tuple[str, str]], **headers: str):
    return client.post(url, form_body(pairs), content_type="application/x-www-form-urlencoded", headers=headers or None)


def facilitator(client_as) -> Client:
    return client_as("ww_policy")


# --- opening a session --------------------------------------------------------------------------------------


def open_pairs(boards, **changes: str) -> list[tuple[str, str]]:
    fields = {
        "compass": str(boards["waalwijk"]["cycle"].compass.pk),
        "step": "beeld",
        "question": "Wat moet er anders?",
        "minutes": "60",
        **changes,
    }
    return list(fields.items())


def test_hostile_values_to_open_a_session_are_refused_beside_their_field(client_as, boards):
    client = facilitator(client_as)
    url = reverse("workspace:board-sessions")
    cases = [("compass", value) for value in [*HOSTILE_IDS, str(boards["meerssen"]["cycle"].compass.pk)]]
    cases += [("step", value) for value in ["", "onbekend", LONG, "BEELD"]]
    cases += [("minutes", value) for value in [*HOSTILE_IDS, "59", "14", "100000"]]
    cases += [("question", value) for value in [LONG, "", " "]]
    for name, value in cases:
        before = snapshot()
        response = post(client, url, open_pairs(boards, **{name: value}))
        assert response.status_code == 400, (name, value[:30], response.status_code)
        error = re.search(rf'id="id_{name}_error">([^<]+)<', response.content.decode())
        assert error, (name, value[:30])
        assert snapshot() == before


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("\ud800?", "\ufffd\ufffd\ufffd?"),  # the bytes of a lone surrogate arrive as replacement characters
        ("\u202eevil", "evil"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # text, escaped where it is shown
    ],
)
def test_a_question_with_odd_characters_is_kept_as_text(client_as, boards, question, kept):
    response = post(facilitator(client_as), reverse("workspace:board-sessions"), open_pairs(boards, question=question))

    assert response.status_code == 302
    assert BoardSession.objects.latest("pk").question == kept


def test_a_field_sent_twice_opens_one_session_with_the_last_value(client_as, boards):
    before = BoardSession.objects.count()

    response = post(
        facilitator(client_as),
        reverse("workspace:board-sessions"),
        [*open_pairs(boards), ("minutes", "240"), ("step", "resultaten")],
    )

    assert response.status_code == 302
    assert BoardSession.objects.count() == before + 1
    opened = BoardSession.objects.latest("pk")
    assert opened.step == "resultaten"
    assert (opened.expires_at - opened.opened_at).total_seconds() == 240 * 60


# --- ids in the address -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["99999999999999999999", "9223372036854775808", "9" * 400, "0"])
def test_an_id_no_database_holds_is_not_found(client_as, boards, bad):
    client = facilitator(client_as)
    before = snapshot()
    base = reverse("workspace:board-sessions")
    gets = [f"{base}{bad}/", f"{base}{bad}/nieuw/?na=0&versie=0"]
    posts = [
        f"{base}{bad}/sluiten/",
        f"{base}{bad}/verplaatsen/",
        f"{base}notities/{bad}/verwijderen/",
        f"{base}themas/{bad}/resultaat/",
        f"{base}themas/{bad}/activiteit/",
    ]

    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert post(client, url, [("note", "1"), ("action", "new"), ("name", "x")]).status_code == 404, url
    assert snapshot() == before


@pytest.mark.parametrize("bad", ["-1", "abc", "1.5", "%00", "²"])
def test_an_address_with_no_id_is_not_found(client_as, boards, bad):
    client = facilitator(client_as)
    base = reverse("workspace:board-sessions")

    for url in (f"{base}{bad}/", f"{base}{bad}/sluiten/", f"{base}themas/{bad}/resultaat/"):
        assert client.get(url).status_code in (400, 404), url


@pytest.mark.parametrize(
    "query",
    [
        {"na": "99999999999999999999", "versie": "0"},
        {"na": "0", "versie": "99999999999999999999"},
        {"na": "-99999999999999999999", "versie": "-1"},
        {"na": "9" * 5000, "versie": "9" * 5000},
        {"na": "1_000", "versie": " 1 "},
        {"na": "\x00", "versie": LONG},
        {},
    ],
)
def test_any_poll_of_the_board_answers(client_as, boards, query):
    session = boards["waalwijk"]["session"]
    url = f"{reverse('workspace:board-poll', args=[session.pk])}?{form_body(list(query.items()))}"

    response = facilitator(client_as).get(url, headers={"HX-Request": "true"})

    assert response.status_code in (200, 204)


# --- clustering and converting ------------------------------------------------------------------------------


def test_hostile_notes_and_themes_to_move_move_nothing(client_as, boards):
    client = facilitator(client_as)
    session = boards["waalwijk"]["session"]
    other = boards["meerssen"]
    url = reverse("workspace:board-notes-move", args=[session.pk])
    attempts = [
        [("note", str(other["note"].pk)), ("theme", str(boards["waalwijk"]["theme"].pk)), ("action", "move")],
        [("note", str(boards["waalwijk"]["note"].pk)), ("theme", str(other["theme"].pk)), ("action", "move")],
        *([("note", bad), ("action", "move")] for bad in HOSTILE_IDS),
        *(
            [("note", str(boards["waalwijk"]["note"].pk)), ("theme", bad), ("action", "move")]
            for bad in HOSTILE_IDS
            if bad
        ),
        [("note", str(boards["waalwijk"]["note"].pk)), ("action", "new"), ("name", LONG)],
        [("note", str(boards["waalwijk"]["note"].pk)), ("action", "new"), ("name", "")],
        [("note", str(boards["waalwijk"]["note"].pk)), ("action", "new"), ("name", "   ")],
    ]
    for pairs in attempts:
        before = snapshot()
        response = post(client, url, pairs)
        assert response.status_code in (302, 404), (pairs, response.status_code)
        assert snapshot() == before, pairs
    # A new theme takes only the notes of its own session: of a note of Meerssen, none.
    made = post(client, url, [("note", str(other["note"].pk)), ("action", "new"), ("name", "Gestolen")])
    assert made.status_code == 302
    assert BoardTheme.objects.get(name="Gestolen").notes.count() == 0
    assert BoardNote.objects.get(pk=other["note"].pk).theme_id is None


def test_a_refused_theme_name_is_said_in_dutch(client_as, boards):
    session = boards["waalwijk"]["session"]
    url = reverse("workspace:board-notes-move", args=[session.pk])
    pairs = [("note", str(boards["waalwijk"]["note"].pk)), ("action", "new"), ("name", LONG)]

    client = facilitator(client_as)
    before = snapshot()

    refused = post(client, url, pairs)

    assert refused.status_code == 302
    assert "niet meer dan 200 tekens" in client.get(refused["Location"]).content.decode()
    assert snapshot() == before


HIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\u200b\u202a-\u202e\u2066-\u2069\ufeff]")


def test_the_facilitators_texts_are_kept_without_characters_nobody_types(client_as, boards):
    """A question, a theme name and a target group are shown to the participants and on the compass,
    as the notes are: the board keeps them without the characters nobody types, as it keeps notes."""
    client = facilitator(client_as)
    session = boards["waalwijk"]["session"]
    note = str(boards["waalwijk"]["note"].pk)
    move = reverse("workspace:board-notes-move", args=[session.pk])
    names = {"\u202eevil": "evil", "Thema\x01\x0b": "Thema", "\ufeffThema  met\n\nregels\u200b": "Thema met regels"}

    for typed, kept in names.items():
        assert post(client, move, [("note", note), ("action", "new"), ("name", typed)]).status_code == 302
        assert BoardTheme.objects.filter(name=kept).exists(), repr(typed)
    before = snapshot()
    assert post(client, move, [("note", note), ("action", "new"), ("name", "\x01\u200b")]).status_code == 302
    assert snapshot() == before  # nothing left of the name: refused
    opened = post(
        client, reverse("workspace:board-sessions"), open_pairs(boards, question="Wat\u202e moet\x0b anders?")
    )
    assert opened.status_code == 302
    assert BoardSession.objects.latest("pk").question == "Wat moet anders?"
    refused = post(client, reverse("workspace:board-sessions"), open_pairs(boards, question="\u200b\x01"))
    assert refused.status_code == 400
    assert re.search(r'id="id_question_error">[^<]+<', refused.content.decode())
    theme = boards["waalwijk"]["theme"]
    converted = post(
        client,
        reverse("workspace:board-theme-result", args=[theme.pk]),
        [("target_group", "\u2066jongeren\u2069\x0b"), ("domain", "participatie")],
    )
    assert converted.status_code == 302
    assert SocietalResult.objects.get(board_themes=theme).target_group == "jongeren"
    for text in [
        *BoardTheme.objects.values_list("name", flat=True),
        *BoardSession.objects.values_list("question", flat=True),
    ]:
        assert not HIDDEN.search(text), repr(text)


def test_hostile_conversions_convert_nothing(client_as, boards):
    client = facilitator(client_as)
    theme = boards["waalwijk"]["theme"]
    other_result = boards["meerssen"]["cycle"].result
    to_result = reverse("workspace:board-theme-result", args=[theme.pk])
    to_activity = reverse("workspace:board-theme-activity", args=[theme.pk])
    attempts = [
        (to_result, [("target_group", LONG), ("domain", "participatie")]),
        *((to_result, [("target_group", "jongeren"), ("domain", value)]) for value in ["", "onbekend", LONG, "\ud800"]),
        *((to_activity, [("result", value)]) for value in [*HOSTILE_IDS, str(other_result.pk)]),
    ]
    for url, pairs in attempts:
        before = snapshot()
        response = post(client, url, pairs)
        assert response.status_code == 302, (pairs[0][1][:30], response.status_code)
        assert snapshot() == before, pairs


# --- who, how and where -------------------------------------------------------------------------------------


def facilitator_posts(boards, name: str) -> list[tuple[str, list[tuple[str, str]]]]:
    found = boards[name]
    return [
        (
            reverse("workspace:board-sessions"),
            [("compass", str(found["cycle"].compass.pk)), ("step", "beeld"), ("question", "Vraag"), ("minutes", "60")],
        ),
        (reverse("workspace:board-close", args=[found["session"].pk]), []),
        (
            reverse("workspace:board-notes-move", args=[found["session"].pk]),
            [("note", str(found["note"].pk)), ("action", "new"), ("name", "Thema")],
        ),
        (reverse("workspace:board-note-remove", args=[found["note"].pk]), []),
        (
            reverse("workspace:board-theme-result", args=[found["theme"].pk]),
            [("target_group", "jongeren"), ("domain", "participatie")],
        ),
        (
            reverse("workspace:board-theme-activity", args=[found["theme"].pk]),
            [("result", str(found["cycle"].result.pk))],
        ),
    ]


@pytest.mark.parametrize(
    "persona", ["ms_application_manager", "ww_early_signals", "no_role", "no_second_factor", "anonymous"]
)
def test_no_one_else_changes_a_board_of_waalwijk(client_as, boards, persona):
    client = client_as(persona)
    before = snapshot()

    for url, pairs in facilitator_posts(boards, "waalwijk")[1:]:
        response = post(client, url, pairs, HX_Request="true")
        assert response.status_code in (302, 403, 404), (url, response.status_code)
        if response.status_code == 302:
            assert "login" in response["Location"] or "inloggen" in response["Location"]
        if persona == "ms_application_manager":
            assert response.status_code == 404, url
    for url in (
        reverse("workspace:board", args=[boards["waalwijk"]["session"].pk]),
        reverse("workspace:board-poll", args=[boards["waalwijk"]["session"].pk]),
    ):
        assert client.get(url).status_code in (302, 403, 404)

    assert snapshot() == before


def test_a_compass_of_the_other_municipality_opens_no_session(client_as, boards):
    before = snapshot()

    response = post(
        client_as("ms_application_manager"),
        reverse("workspace:board-sessions"),
        [
            ("compass", str(boards["waalwijk"]["cycle"].compass.pk)),
            ("step", "beeld"),
            ("question", "Vraag"),
            ("minutes", "60"),
        ],
    )

    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("index", range(1, 6))
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_a_board_action_takes_only_a_post(client_as, boards, index, method):
    url, _pairs = facilitator_posts(boards, "waalwijk")[index]
    before = snapshot()

    assert getattr(facilitator(client_as), method)(url).status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("index", range(6))
def test_a_post_without_the_csrf_token_is_refused(personas, boards, index):
    client = log_in(Client(enforce_csrf_checks=True), personas["ww_policy"])
    url, pairs = facilitator_posts(boards, "waalwijk")[index]
    before = snapshot()

    assert post(client, url, pairs, HX_Request="true").status_code == 403
    assert snapshot() == before


@settings(max_examples=30)
@given(
    st.sampled_from(range(6)),
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "compass",
                    "step",
                    "question",
                    "minutes",
                    "note",
                    "theme",
                    "action",
                    "name",
                    "target_group",
                    "domain",
                    "result",
                ]
            ),
            st.one_of(
                st.sampled_from([*HOSTILE_TEXTS, *HOSTILE_IDS, "new", "move", "beeld", "participatie"]),
                st.text(max_size=20),
            ),
        ),
        max_size=8,
    ),
)
def hostile_board_posts(client: Client, boards: dict, index: int, pairs: list[tuple[str, str]]) -> None:
    url, _pairs = facilitator_posts(boards, "waalwijk")[index]
    theirs = [row for row in snapshot()[2] if row[1] == boards["meerssen"]["session"].pk]
    response = post(client, url, pairs)
    assert response.status_code in (302, 400, 404), response.status_code
    assert [row for row in snapshot()[2] if row[1] == boards["meerssen"]["session"].pk] == theirs


def test_whatever_a_facilitator_posts_answers_without_an_error(client_as, boards):
    hostile_board_posts(facilitator(client_as), boards)
