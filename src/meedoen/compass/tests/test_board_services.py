"""The co-creation board's writes and reads: join codes, notes and their limits, clustering into
themes, and turning a theme into a result or activity of the compass through the cycle's services."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from meedoen.compass.models import Activity, BoardNote, BoardSession, BoardTheme, SocietalResult
from meedoen.compass.models.board import CODE_ALPHABET, CODE_LENGTH
from meedoen.compass.selectors.board import (
    board_state,
    board_update,
    normalise_code,
    participant_ref,
    session_by_code,
)
from meedoen.compass.services.board import (
    NOTES_PER_MINUTE,
    SessionClosedError,
    TooManyNotesError,
    board_note_add,
    board_note_remove,
    board_notes_move,
    board_session_close,
    board_session_open,
    board_theme_create,
    board_theme_to_activity,
    board_theme_to_result,
)
from meedoen.compass.tests.factories import make_cycle, staff_actor
from meedoen.core.access import Role
from meedoen.core.models import AuditEvent

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'
ARABIC_NAME = "\u0644\u064a\u0644\u0649 \u0628\u0646\u0639\u0644\u064a"  # an invented name: Laila Benali


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


def add(session, participant="token-a", text="Een loket in de buurt", **kwargs):
    return board_note_add(session=session, participant_token=participant, text=text, **kwargs)


# --- sessions and codes ------------------------------------------------------------------------------


def test_a_session_gets_a_short_code_without_look_alikes_and_an_end(session, policy):
    assert len(session.code) == CODE_LENGTH
    assert set(session.code) <= set(CODE_ALPHABET)
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert session.expires_at - session.opened_at == timedelta(minutes=120)
    assert session.is_open(timezone.now())
    event = AuditEvent.objects.get(action="board_session.open")
    assert event.actor_id == policy.user_id
    assert session.code not in str(event.details)  # the key to the board stays out of the log


def test_every_session_gets_its_own_code(cycle, policy):
    codes = {
        board_session_open(actor=policy, compass=cycle.compass, step="beeld", question="Vraag", minutes=60).code
        for _ in range(30)
    }
    assert len(codes) == 30


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("abc-def", "ABCDEF"), (" ABC DEF ", "ABCDEF"), ("abcdef", "ABCDEF"), ("ABCDE0", ""), ("ABCDEFG", ""), ("", "")],
)
def test_a_typed_code_is_read_as_people_type_it(typed, expected):
    assert normalise_code(typed) == expected


def test_a_code_is_found_however_it_is_typed(session):
    typed = f"{session.code[:3].lower()}-{session.code[3:].lower()}"
    assert session_by_code(typed) == session
    assert session_by_code("<script>") is None


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.OFFER_MAINTAINER, Role.AUDITOR, Role.EARLY_SIGNALS_OFFICER])
def test_only_the_municipalitys_facilitators_open_a_session(world, cycle, role):
    actor = staff_actor(role, world.ww_team, world.waalwijk)
    with pytest.raises(PermissionDenied):
        board_session_open(actor=actor, compass=cycle.compass, step="beeld", question="Vraag", minutes=60)
    assert not BoardSession.objects.exists()
    assert not AuditEvent.objects.exists()


def test_staff_of_another_municipality_cannot_open_a_session_here(world, cycle):
    actor = staff_actor(Role.APPLICATION_MANAGER, world.ms_team, world.meerssen)
    with pytest.raises(PermissionDenied):
        board_session_open(actor=actor, compass=cycle.compass, step="beeld", question="Vraag", minutes=60)


@pytest.mark.parametrize("minutes", [0, 14, 12 * 60 + 1])
def test_a_session_is_open_for_a_sensible_time(cycle, policy, minutes):
    with pytest.raises(ValidationError):
        board_session_open(actor=policy, compass=cycle.compass, step="beeld", question="Vraag", minutes=minutes)


# --- notes ------------------------------------------------------------------------------------------------


def test_a_note_is_stored_as_written_without_hidden_characters(session):
    note = add(session, text=f"  {HOSTILE}\x00\u202e gevaarlijk \r\n\r\n\r\n\r\nnieuwe regel  ", author_name="  Anna  ")
    assert note.text == f"{HOSTILE} gevaarlijk \n\nnieuwe regel"
    assert note.author_name == "Anna"
    assert note.participant_ref == participant_ref(session.pk, "token-a")
    assert "token-a" not in note.participant_ref


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("Meer \x93hulp\x94 nodig", "Meer hulp nodig"),  # C1 controls: quotes from the wrong code page
        ("Voedsel\u200bbank", "Voedselbank"),  # a zero-width space
        ("Pakket \u202egnidoov", "Pakket gnidoov"),  # a direction override: would read backwards
        ("Idee\u2067 \u2069", "Idee"),  # an isolate, and the space left around it
    ],
    ids=["C1 control", "zero-width space", "direction override", "direction isolate"],
)
def test_the_board_strips_characters_nobody_types_from_a_note_and_a_name(session, written, stored):
    note = add(session, text=written, author_name=written)
    assert (note.text, note.author_name) == (stored, stored)


@pytest.mark.parametrize(
    ("text", "author_name"),
    [
        ("Geen geld voor een fiets", f"\u200f{ARABIC_NAME}"),  # a right-to-left mark in an Arabic name stays
        ("Eerst:\tbellen\nDaarna: langsgaan", "Anna"),  # a tab and a line break in a note stay
        ("Crème, geëerd, \u2019s-Hertogenbosch, café, één, IJssel", "Zoë van der Meer-Üçüncü"),
        ("Hulp bij\u00a0geldzaken voor arbeids\u00adongeschikten", "Anna"),  # Word's no-break space and soft hyphen
        ("Samen \U0001f468\u200d\U0001f469\u200d\U0001f467 zwemmen", "Anna"),  # an emoji family, joined
    ],
    ids=["direction mark in Arabic name", "tab and line break", "Dutch with diacritics", "pasted from Word", "emoji"],
)
def test_text_people_write_is_stored_unchanged(session, text, author_name):
    note = add(session, text=text, author_name=author_name)
    assert (note.text, note.author_name) == (text, author_name)


def test_one_token_is_another_participant_in_every_session(session, cycle, policy):
    other = board_session_open(actor=policy, compass=cycle.compass, step="beeld", question="Vraag", minutes=60)
    assert participant_ref(session.pk, "token-a") != participant_ref(other.pk, "token-a")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "x" * 281}, "text"),
        ({"author_name": "n" * 61}, "author_name"),
        ({"participant_kind": "burgemeester"}, "participant_kind"),
    ],
)
def test_a_note_that_breaks_a_limit_is_refused(session, fields, field):
    with pytest.raises(ValidationError) as refused:
        add(session, **fields)
    assert field in refused.value.message_dict
    assert not BoardNote.objects.exists()


def test_a_note_of_280_characters_fits(session):
    assert len(add(session, text="x" * 280).text) == 280


def test_a_closed_session_refuses_notes(session, policy):
    board_session_close(actor=policy, session=session)
    with pytest.raises(SessionClosedError):
        add(session)
    assert not BoardNote.objects.exists()


def test_an_expired_session_refuses_notes(session):
    with pytest.raises(SessionClosedError):
        add(session, now=session.expires_at)
    assert not BoardNote.objects.exists()


def test_a_participant_adds_at_most_ten_notes_a_minute(session):
    start = timezone.now()
    for second in range(NOTES_PER_MINUTE):
        add(session, now=start + timedelta(seconds=second))
    with pytest.raises(TooManyNotesError):
        add(session, now=start + timedelta(seconds=30))
    add(session, participant="token-b", now=start + timedelta(seconds=30))  # someone else is not held up
    add(session, now=start + timedelta(seconds=61))  # a minute after the first one, there is room
    assert BoardNote.objects.count() == NOTES_PER_MINUTE + 2


def test_notes_are_not_audited_and_their_text_and_name_are_never_logged(session, caplog):
    caplog.set_level(logging.DEBUG)
    start = timezone.now()
    for _ in range(NOTES_PER_MINUTE + 1):
        with contextlib.suppress(TooManyNotesError):
            add(session, text="Mijn buurvrouw Fatima heeft schulden", author_name="Pieter", now=start)
    logged = caplog.text + " ".join(str(record.msg) for record in caplog.records)
    assert "board.note_refused" in logged  # the refusal is logged ...
    assert "Fatima" not in logged  # ... without what was written
    assert "Pieter" not in logged
    assert not AuditEvent.objects.exclude(action="board_session.open").exists()


# --- what a board asks for every second --------------------------------------------------------------


def test_a_poll_returns_only_the_notes_after_the_last_one_shown(session):
    first = add(session, text="een")
    second = add(session, text="twee")
    now = timezone.now()
    version = board_state(session).version
    update = board_update(session, after_id=first.pk, version=version, now=now)
    assert update.new_notes == [second]
    assert update.last_note_id == second.pk
    assert update.state is None
    assert board_update(session, after_id=second.pk, version=version, now=now).unchanged


def test_a_poll_after_notes_moved_returns_the_whole_board(session, policy):
    note = add(session)
    state = board_state(session)
    board_theme_create(actor=policy, session=session, name="Loket", notes=[note])
    session.refresh_from_db()
    update = board_update(session, after_id=note.pk, version=state.version, now=timezone.now())
    assert update.state is not None
    assert update.version == state.version + 1
    assert [column.theme.name for column in update.state.themes] == ["Loket"]
    assert update.state.themes[0].notes == [note]


def test_a_poll_of_a_closed_session_says_so(session, policy):
    board_session_close(actor=policy, session=session)
    session.refresh_from_db()
    assert board_update(session, after_id=0, version=0, now=timezone.now()).closed


# --- clustering and turning themes into the compass ---------------------------------------------------


def test_a_theme_gathers_notes_and_the_move_is_audited_without_text(session, policy):
    notes = [add(session, text=f"idee {number}") for number in range(3)]
    theme = board_theme_create(actor=policy, session=session, name=" Eén  loket ", notes=notes[:2])
    assert theme.name == "Eén loket"
    assert list(theme.notes.order_by("pk")) == notes[:2]
    assert board_notes_move(actor=policy, session=session, notes=[notes[2]], theme=theme) == 1
    assert board_notes_move(actor=policy, session=session, notes=[notes[0]], theme=None) == 1
    assert list(theme.notes.order_by("pk")) == notes[1:]
    events = AuditEvent.objects.filter(action__startswith="board_").exclude(action="board_session.open")
    assert [e.action for e in events.order_by("pk")] == ["board_theme.create", "board_note.move", "board_note.move"]
    assert "idee" not in str([e.details for e in events])


def test_notes_and_themes_of_another_session_are_refused(session, cycle, policy):
    other = board_session_open(actor=policy, compass=cycle.compass, step="beeld", question="Vraag", minutes=60)
    stranger = add(other)
    foreign_theme = board_theme_create(actor=policy, session=other, name="Elders")
    with pytest.raises(ValidationError):
        board_theme_create(actor=policy, session=session, name="Hier", notes=[stranger])
    with pytest.raises(ValidationError):
        board_notes_move(actor=policy, session=session, notes=[add(session)], theme=foreign_theme)
    assert not BoardTheme.objects.filter(name="Hier").exists()


def test_a_facilitator_takes_a_note_off_the_board(session, policy):
    note = add(session, text=HOSTILE)
    board_note_remove(actor=policy, note=note)
    assert not BoardNote.objects.exists()
    event = AuditEvent.objects.get(action="board_note.remove")
    assert HOSTILE not in str(event.details)


def test_a_theme_becomes_a_result_through_the_cycle_service(session, policy, cycle):
    theme = board_theme_create(
        actor=policy, session=session, name="Ouderen blijven mobiel", notes=[add(session, text="gratis bus")]
    )
    result = board_theme_to_result(actor=policy, theme=theme, target_group="ouderen", domain="participatie")
    assert result.compass == cycle.compass
    assert (result.target_group, result.statement, result.domain) == (
        "ouderen",
        "Ouderen blijven mobiel",
        "participatie",
    )
    assert result.position > cycle.result.position
    theme.refresh_from_db()
    assert theme.result == result
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["compass_result.create", "board_theme.to_result"]
    with pytest.raises(ValidationError):  # a second click does not make a second result
        board_theme_to_result(actor=policy, theme=theme, target_group="ouderen", domain="participatie")
    assert SocietalResult.objects.filter(compass=cycle.compass).count() == 2


def test_a_refused_result_leaves_the_theme_as_it_was(session, policy, cycle):
    theme = board_theme_create(actor=policy, session=session, name="Iets")
    with pytest.raises(ValidationError):
        board_theme_to_result(actor=policy, theme=theme, target_group="", domain="participatie")
    with pytest.raises(ValidationError):
        board_theme_to_result(actor=policy, theme=theme, target_group="ouderen", domain="gezondheid")
    theme.refresh_from_db()
    assert theme.result is None
    assert SocietalResult.objects.filter(compass=cycle.compass).count() == 1


def test_a_theme_becomes_an_activity_carried_by_the_facilitators_organisation(session, policy, cycle, world):
    theme = board_theme_create(
        actor=policy, session=session, name="Loket in de wijk", notes=[add(session, text="in het buurthuis")]
    )
    activity = board_theme_to_activity(actor=policy, theme=theme, result=cycle.result)
    assert activity.name == "Loket in de wijk"
    assert "in het buurthuis" in activity.description
    assert list(activity.results.all()) == [cycle.result]
    assert list(activity.carriers.all()) == [world.ww_team]
    theme.refresh_from_db()
    assert theme.activity == activity
    assert AuditEvent.objects.filter(action="compass_activity.create", object_id=str(activity.pk)).exists()
    assert AuditEvent.objects.filter(action="board_theme.to_activity").exists()


def test_only_facilitators_cluster_and_turn_themes(world, session, policy, cycle):
    theme = board_theme_create(actor=policy, session=session, name="Thema")
    note = add(session)
    caseworker = staff_actor(Role.CASEWORKER, world.ww_team, world.waalwijk)
    events = AuditEvent.objects.count()
    for attempt in (
        lambda: board_theme_create(actor=caseworker, session=session, name="Nee"),
        lambda: board_notes_move(actor=caseworker, session=session, notes=[note], theme=theme),
        lambda: board_note_remove(actor=caseworker, note=note),
        lambda: board_theme_to_result(actor=caseworker, theme=theme, target_group="x", domain="inkomen"),
        lambda: board_theme_to_activity(actor=caseworker, theme=theme, result=cycle.result),
        lambda: board_session_close(actor=caseworker, session=session),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    note.refresh_from_db()
    assert note.theme is None
    assert BoardTheme.objects.count() == 1
    assert Activity.objects.count() == 1
    assert AuditEvent.objects.count() == events
    session.refresh_from_db()
    assert session.closed_at is None
