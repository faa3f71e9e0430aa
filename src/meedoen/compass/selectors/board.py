"""Reads of the co-creation board.

Staff reads are for the facilitators of the municipality (its policy officer and application
manager), through the access layer. Participants reach a session only through its join code: the
code is the key to that one board, so the public reads take a code, never an id.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, QuerySet

from meedoen.compass.models import BoardNote, BoardSession, BoardTheme, SocietalResult
from meedoen.compass.models.board import CODE_ALPHABET, CODE_LENGTH
from meedoen.compass.selectors.cycle import EDITORS
from meedoen.core.access import Actor, require_role

FACILITATORS = EDITORS
# Failed join codes per address before joining is refused for a while. A room shares one address
# behind its Wi-Fi, so the limit leaves room for typos; guessing one of about 887 million codes
# stays hopeless.
JOIN_FAILURE_LIMIT = 30
JOIN_FAILURE_WINDOW_SECONDS = 10 * 60
# The most notes one poll of a board sends; a board that fell further behind asks again.
NOTES_PER_POLL = 200
# The answer to a poll of a session that closed: htmx stops polling on this status.
POLL_STOP = 286


def may_facilitate(actor: Actor, municipality_id: int) -> bool:
    return actor.second_factor and any(actor.has_role(role, municipality_id=municipality_id) for role in FACILITATORS)


def require_facilitator(actor: Actor, municipality_id: int) -> None:
    require_role(actor, *FACILITATORS, municipality_id=municipality_id)


# --- participants: the join code ---------------------------------------------------------------------


def normalise_code(typed: str) -> str:
    """The code as stored, from what someone typed: ``abc-def`` or ``ABC DEF`` become ``ABCDEF``.
    Anything that cannot be a code becomes the empty string."""
    code = "".join(typed.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return ""
    return code


def session_by_code(typed: str) -> BoardSession | None:
    """The session behind a join code, open or not; None for a code nobody was given."""
    code = normalise_code(typed)
    if not code:
        return None
    return BoardSession.objects.filter(code=code).select_related("compass__municipality").first()


def join_failures_key(address: str) -> str:
    return f"board-join-failures:{address}"


def join_blocked(address: str) -> bool:
    """Whether this address typed too many unknown codes lately."""
    failures = cache.get(join_failures_key(address), 0)
    return isinstance(failures, int) and failures >= JOIN_FAILURE_LIMIT


def participant_ref(session_id: int, token: str) -> str:
    """The pseudonym of a participant in one session: the same token gives another pseudonym in
    every other session, so notes cannot be linked across sessions."""
    return hashlib.sha256(f"board:{session_id}:{token}".encode()).hexdigest()


def last_details_of(session: BoardSession, ref: str) -> tuple[str, str]:
    """The name and kind a participant gave with their last note, to fill in the next one."""
    last = session.notes.filter(participant_ref=ref).order_by("-pk").values_list("author_name", "participant_kind")
    found = last.first()
    return found if found is not None else ("", "")


# --- the board as everybody sees it ------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeColumn:
    theme: BoardTheme
    notes: list[BoardNote]


@dataclass(frozen=True)
class BoardState:
    """The whole board at one moment: the notes not yet placed, the themes with theirs, and what a
    board needs to ask for what came after."""

    session: BoardSession
    notes: list[BoardNote]
    unsorted: list[BoardNote]
    themes: list[ThemeColumn]
    last_note_id: int
    version: int

    @property
    def note_count(self) -> int:
        return len(self.notes)


def board_state(session: BoardSession) -> BoardState:
    """Read the layout version before the notes: a change in between shows up as a newer version
    on the next poll, so a board never keeps an old layout."""
    version = BoardSession.objects.filter(pk=session.pk).values_list("layout_version", flat=True).first() or 0
    themes = list(session.themes.select_related("result", "activity").order_by("pk"))
    notes = list(session.notes.select_related("theme").order_by("pk"))
    by_theme: dict[int | None, list[BoardNote]] = defaultdict(list)
    for note in notes:
        by_theme[note.theme_id].append(note)
    return BoardState(
        session=session,
        notes=notes,
        unsorted=by_theme[None],
        themes=[ThemeColumn(theme, by_theme[theme.pk]) for theme in themes],
        last_note_id=notes[-1].pk if notes else 0,
        version=version,
    )


def notes_after(session: BoardSession, after_id: int) -> list[BoardNote]:
    """The notes added after ``after_id``, oldest first. Notes of one session get their ids in the
    order they are committed (the service adds them under a lock of the session), so none is
    skipped."""
    return list(session.notes.filter(pk__gt=after_id).order_by("pk")[:NOTES_PER_POLL])


@dataclass(frozen=True)
class BoardUpdate:
    """What a board that shows the notes up to ``after_id`` in layout ``version`` lacks: nothing, the
    newer notes, the whole board (when notes moved or went), or the news that the session closed."""

    closed: bool
    state: BoardState | None
    new_notes: list[BoardNote]
    last_note_id: int
    version: int

    @property
    def unchanged(self) -> bool:
        return not self.closed and self.state is None and not self.new_notes


def board_update(session: BoardSession, *, after_id: int, version: int, now: datetime) -> BoardUpdate:
    """One poll of a board: usually one small indexed query that finds nothing."""
    if not session.is_open(now):
        return BoardUpdate(closed=True, state=None, new_notes=[], last_note_id=after_id, version=version)
    if version != session.layout_version or after_id < 0:
        state = board_state(session)
        return BoardUpdate(
            closed=False, state=state, new_notes=[], last_note_id=state.last_note_id, version=state.version
        )
    new_notes = notes_after(session, after_id)
    return BoardUpdate(
        closed=False,
        state=None,
        new_notes=new_notes,
        last_note_id=new_notes[-1].pk if new_notes else after_id,
        version=version,
    )


# --- facilitators ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionLine:
    session: BoardSession
    notes: int
    themes: int


def sessions_of(*, actor: Actor, municipality_id: int) -> list[SessionLine]:
    require_facilitator(actor, municipality_id)
    sessions = (
        BoardSession.objects.filter(compass__municipality_id=municipality_id)
        .select_related("compass")
        .annotate(note_count=Count("notes", distinct=True), theme_count=Count("themes", distinct=True))
        .order_by("-opened_at", "-pk")
    )
    return [SessionLine(session, session.note_count, session.theme_count) for session in sessions]


def _sessions(actor: Actor, municipality_id: int) -> QuerySet[BoardSession]:
    require_facilitator(actor, municipality_id)
    return BoardSession.objects.filter(compass__municipality_id=municipality_id).select_related("compass__municipality")


def session_of(*, actor: Actor, municipality_id: int, session_id: int) -> BoardSession | None:
    return _sessions(actor, municipality_id).filter(pk=session_id).first()


def theme_of(*, actor: Actor, municipality_id: int, theme_id: int) -> BoardTheme | None:
    require_facilitator(actor, municipality_id)
    return (
        BoardTheme.objects.filter(pk=theme_id, session__compass__municipality_id=municipality_id)
        .select_related("session__compass__municipality")
        .first()
    )


def note_of(*, actor: Actor, municipality_id: int, note_id: int) -> BoardNote | None:
    require_facilitator(actor, municipality_id)
    return (
        BoardNote.objects.filter(pk=note_id, session__compass__municipality_id=municipality_id)
        .select_related("session__compass")
        .first()
    )


def notes_of(*, actor: Actor, session: BoardSession, note_ids: list[int]) -> list[BoardNote]:
    """The notes of this session among ``note_ids``; ids of other sessions are left out."""
    require_facilitator(actor, session.compass.municipality_id)
    return list(session.notes.filter(pk__in=note_ids).order_by("pk"))


def results_for_activities(*, actor: Actor, session: BoardSession) -> list[SocietalResult]:
    """The results of the session's compass an activity made from a theme can contribute to."""
    require_facilitator(actor, session.compass.municipality_id)
    return list(session.compass.results.order_by("position", "pk"))
