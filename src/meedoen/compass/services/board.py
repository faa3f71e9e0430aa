"""Writes of the co-creation board.

Facilitators (the policy officer and application manager of the municipality) open and close
sessions, cluster notes into themes and turn a theme into a result or activity of the compass; each
of those writes is audited in its transaction. Participants add notes without an account: a note is
not a read or change of anyone's file, so it is not audited, and neither its text nor a name is ever
written to a log.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

import structlog
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from meedoen.compass.models import (
    Activity,
    BoardNote,
    BoardSession,
    BoardStep,
    BoardTheme,
    Compass,
    ParticipantKind,
    SocietalResult,
)
from meedoen.compass.models.board import CODE_ALPHABET, CODE_LENGTH, NAME_MAX_LENGTH, NOTE_MAX_LENGTH
from meedoen.compass.selectors.board import (
    FACILITATORS,
    JOIN_FAILURE_WINDOW_SECONDS,
    join_failures_key,
    participant_ref,
    require_facilitator,
)
from meedoen.compass.services.cycle import activity_save, result_save
from meedoen.core.access import Actor
from meedoen.core.audit import record_change
from meedoen.core.text import without_hidden
from meedoen.organisations.models import Organisation

log = structlog.get_logger(__name__)

NOTES_PER_MINUTE = 10
NOTES_PER_SESSION = 1000
SHORTEST_SESSION_MINUTES = 15
LONGEST_SESSION_MINUTES = 12 * 60
MANY_BLANK_LINES = re.compile(r"\n{3,}")
ACTIVITY_DESCRIPTION_LENGTH = 5000
RESULT_STATEMENT_LENGTH = 1000


class NoteRefusedError(Exception):
    """The board takes no note now; the message says why, in words for the participant."""


class SessionClosedError(NoteRefusedError):
    pass


class TooManyNotesError(NoteRefusedError):
    pass


def new_participant_token() -> str:
    """The random token that stays in a participant's browser session and marks their notes."""
    return secrets.token_urlsafe(24)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _bump_layout(session: BoardSession) -> None:
    BoardSession.objects.filter(pk=session.pk).update(layout_version=F("layout_version") + 1)


# --- sessions ---------------------------------------------------------------------------------------


def board_session_open(
    *,
    actor: Actor,
    compass: Compass,
    step: str,
    question: str,
    minutes: int,
    now: datetime | None = None,
) -> BoardSession:
    """Open a session for one step of the compass, with a fresh join code, for ``minutes``."""
    municipality_id = compass.municipality_id
    require_facilitator(actor, municipality_id)
    if step not in BoardStep.values:
        raise ValidationError({"step": _("Choose a step of the compass.")})
    if not SHORTEST_SESSION_MINUTES <= minutes <= LONGEST_SESSION_MINUTES:
        raise ValidationError(
            {
                "minutes": _("A session stays open between %(shortest)s minutes and %(longest)s hours.")
                % {"shortest": SHORTEST_SESSION_MINUTES, "longest": LONGEST_SESSION_MINUTES // 60}
            }
        )
    opened_at = now or timezone.now()
    session = BoardSession(
        compass=compass,
        step=step,
        question=_one_line(question),
        opened_at=opened_at,
        expires_at=opened_at + timedelta(minutes=minutes),
    )
    session.code = _new_code()
    session.full_clean(exclude=["code"])
    with transaction.atomic():
        # A code is never given twice; with 31^6 codes a second draw is already rare.
        for _attempt in range(10):
            try:
                with transaction.atomic():
                    session.save()
                break
            except IntegrityError:
                session.pk = None
                session.code = _new_code()
        else:  # pragma: no cover - ten collisions in a row do not happen
            raise RuntimeError("no free join code")
        record_change(
            actor=actor,
            action="board_session.open",
            obj=session,
            municipality_id=municipality_id,
            details={"compass": compass.pk, "step": step, "minutes": minutes},
        )
    return session


def board_session_close(*, actor: Actor, session: BoardSession, now: datetime | None = None) -> BoardSession:
    """Close a session: the board keeps its notes, participants can add no more."""
    municipality_id = session.compass.municipality_id
    require_facilitator(actor, municipality_id)
    with transaction.atomic():
        locked = BoardSession.objects.select_for_update().get(pk=session.pk)
        if locked.closed_at is not None:
            return locked
        locked.closed_at = now or timezone.now()
        locked.save(update_fields=["closed_at"])
        record_change(
            actor=actor,
            action="board_session.close",
            obj=locked,
            municipality_id=municipality_id,
            details={"notes": locked.notes.count()},
        )
    return locked


# --- participants ---------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    """A question, a name or a target group as the board keeps it: without the characters nobody
    types, like a note, and with its white space as single spaces. A facilitator's texts are shown
    on the board and the compass as the participants' are, so they are cleaned the same way."""
    return " ".join(without_hidden(text).split())


def _clean_text(text: str) -> str:
    """A note as the board keeps it: without the characters nobody types (``core.text``), which the
    board strips rather than refuses, and with at most one empty line in a row."""
    cleaned = without_hidden(text.replace("\r\n", "\n").replace("\r", "\n"))
    return MANY_BLANK_LINES.sub("\n\n", cleaned).strip()


def board_note_add(
    *,
    session: BoardSession,
    participant_token: str,
    text: str,
    author_name: str = "",
    participant_kind: str = "",
    now: datetime | None = None,
) -> BoardNote:
    """Add a participant's note to an open session.

    Notes of one session are added one at a time under a lock of the session row: the ids then
    follow the order of the commits, so a board that asks for "the notes after id N" misses none,
    and the limit per participant is counted without a race.
    """
    if not participant_token:
        raise ValueError("a participant needs a token")
    cleaned = _clean_text(text)
    name = _one_line(author_name)
    errors: dict[str, str] = {}
    if not cleaned:
        errors["text"] = _("Write your note.")
    elif len(cleaned) > NOTE_MAX_LENGTH:
        errors["text"] = _("Your note is too long. Use at most %(limit)s characters. Now it has %(count)s.") % {
            "limit": NOTE_MAX_LENGTH,
            "count": len(cleaned),
        }
    if len(name) > NAME_MAX_LENGTH:
        errors["author_name"] = _("Your name is too long. Use at most %(limit)s characters.") % {
            "limit": NAME_MAX_LENGTH
        }
    if participant_kind and participant_kind not in ParticipantKind.values:
        errors["participant_kind"] = _("Choose one of the options, or none.")
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    ref = participant_ref(session.pk, participant_token)
    with transaction.atomic():
        locked = BoardSession.objects.select_for_update().get(pk=session.pk)
        if not locked.is_open(now):
            raise SessionClosedError(
                _("This session is closed. You cannot add notes any more. Thank you for taking part!")
            )
        recent = locked.notes.filter(participant_ref=ref, created_at__gt=now - timedelta(minutes=1)).count()
        if recent >= NOTES_PER_MINUTE:
            log.info("board.note_refused", session=locked.pk, reason="rate")
            raise TooManyNotesError(
                _("You added %(count)s notes in one minute. Wait a moment, then try again.")
                % {"count": NOTES_PER_MINUTE}
            )
        if locked.notes.count() >= NOTES_PER_SESSION:
            log.info("board.note_refused", session=locked.pk, reason="full")
            raise TooManyNotesError(_("This board is full. Tell the person who leads the session."))
        return BoardNote.objects.create(
            session=locked,
            text=cleaned,
            author_name=name,
            participant_kind=participant_kind,
            participant_ref=ref,
            created_at=now,
        )


def board_join_failure_record(address: str) -> None:
    """Count a join code that led nowhere, for the address it came from."""
    key = join_failures_key(address)
    cache.add(key, 0, timeout=JOIN_FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=JOIN_FAILURE_WINDOW_SECONDS)


# --- facilitators: themes ---------------------------------------------------------------------------


def _check_notes(session: BoardSession, notes: Iterable[BoardNote]) -> list[BoardNote]:
    chosen = list(notes)
    if any(note.session_id != session.pk for note in chosen):
        raise ValidationError({"notes": _("Choose notes of this session.")})
    return chosen


def board_theme_create(
    *,
    actor: Actor,
    session: BoardSession,
    name: str,
    description: str = "",
    notes: Iterable[BoardNote] = (),
) -> BoardTheme:
    """Start a theme, with the chosen notes in it at once."""
    municipality_id = session.compass.municipality_id
    require_facilitator(actor, municipality_id)
    chosen = _check_notes(session, notes)
    theme = BoardTheme(session=session, name=_one_line(name), description=_clean_text(description))
    theme.full_clean()
    with transaction.atomic():
        theme.save()
        BoardNote.objects.filter(pk__in=[note.pk for note in chosen]).update(theme=theme)
        _bump_layout(session)
        record_change(
            actor=actor,
            action="board_theme.create",
            obj=theme,
            municipality_id=municipality_id,
            details={"session": session.pk, "notes": sorted(note.pk for note in chosen)},
        )
    return theme


def board_notes_move(
    *, actor: Actor, session: BoardSession, notes: Iterable[BoardNote], theme: BoardTheme | None
) -> int:
    """Put notes into a theme, or back among the unsorted notes (``theme=None``)."""
    municipality_id = session.compass.municipality_id
    require_facilitator(actor, municipality_id)
    chosen = _check_notes(session, notes)
    if theme is not None and theme.session_id != session.pk:
        raise ValidationError({"theme": _("Choose a theme of this session.")})
    if not chosen:
        raise ValidationError({"notes": _("Choose one or more notes first.")})
    with transaction.atomic():
        moved = BoardNote.objects.filter(pk__in=[note.pk for note in chosen]).update(theme=theme)
        _bump_layout(session)
        record_change(
            actor=actor,
            action="board_note.move",
            obj=session,
            municipality_id=municipality_id,
            details={"theme": theme.pk if theme else None, "notes": sorted(note.pk for note in chosen)},
        )
    return moved


def board_note_remove(*, actor: Actor, note: BoardNote) -> None:
    """Take a note off the board, for instance one that names someone or insults."""
    session = note.session
    municipality_id = session.compass.municipality_id
    require_facilitator(actor, municipality_id)
    with transaction.atomic():
        note_id = note.pk
        note.delete()
        _bump_layout(session)
        record_change(
            actor=actor,
            action="board_note.remove",
            obj=session,
            municipality_id=municipality_id,
            details={"note": note_id},
        )


# --- facilitators: from a theme to the compass ---------------------------------------------------------


def _lock_theme(theme: BoardTheme) -> BoardTheme:
    return BoardTheme.objects.select_for_update().select_related("session__compass").get(pk=theme.pk)


def board_theme_to_result(*, actor: Actor, theme: BoardTheme, target_group: str, domain: str) -> SocietalResult:
    """Turn a theme into a societal result of the session's compass, linked back to the theme.

    The statement is the theme's description, or else its name; the facilitator refines it on the
    compass afterwards.
    """
    compass = theme.session.compass
    require_facilitator(actor, compass.municipality_id)
    with transaction.atomic():
        locked = _lock_theme(theme)
        if locked.result_id is not None:
            raise ValidationError(_("This theme is a result already."))
        position = (compass.results.aggregate(last=Max("position"))["last"] or 0) + 1
        statement = (locked.description or locked.name)[:RESULT_STATEMENT_LENGTH]
        result = result_save(
            actor=actor,
            compass=compass,
            fields={
                "target_group": _one_line(target_group),
                "statement": statement,
                "domain": domain,
                "position": position,
            },
        )
        locked.result = result
        locked.save(update_fields=["result"])
        _bump_layout(locked.session)
        record_change(
            actor=actor,
            action="board_theme.to_result",
            obj=locked,
            municipality_id=compass.municipality_id,
            details={"session": locked.session_id, "result": result.pk},
        )
    theme.result = result
    return result


def _activity_description(theme: BoardTheme) -> str:
    if theme.description:
        return theme.description[:ACTIVITY_DESCRIPTION_LENGTH]
    lines = [
        _("From the co-creation session “%(question)s”:") % {"question": theme.session.question},
        *(f"- {text}" for text in theme.notes.order_by("pk").values_list("text", flat=True)),
    ]
    description = ""
    for line in lines:
        if len(description) + len(line) + 1 > ACTIVITY_DESCRIPTION_LENGTH:
            break
        description = f"{description}\n{line}" if description else line
    return description


def board_theme_to_activity(
    *,
    actor: Actor,
    theme: BoardTheme,
    result: SocietalResult,
    carriers: Iterable[Organisation] | None = None,
) -> Activity:
    """Turn a theme into an activity of the session's compass that contributes to ``result``,
    linked back to the theme. Unless told otherwise, the facilitator's own organisation carries it
    until the partners are chosen on the compass."""
    compass = theme.session.compass
    municipality_id = compass.municipality_id
    require_facilitator(actor, municipality_id)
    if carriers is None:
        carriers = Organisation.objects.filter(
            pk__in=actor.organisation_ids(municipality_id, *FACILITATORS), municipalities=municipality_id
        ).order_by("name")
    with transaction.atomic():
        locked = _lock_theme(theme)
        if locked.activity_id is not None:
            raise ValidationError(_("This theme is an activity already."))
        activity = activity_save(
            actor=actor,
            compass=compass,
            fields={"name": locked.name, "description": _activity_description(locked)},
            results=[result],
            carriers=list(carriers),
        )
        locked.activity = activity
        locked.save(update_fields=["activity"])
        _bump_layout(locked.session)
        record_change(
            actor=actor,
            action="board_theme.to_activity",
            obj=locked,
            municipality_id=municipality_id,
            details={"session": locked.session_id, "activity": activity.pk, "result": result.pk},
        )
    theme.activity = activity
    return activity
