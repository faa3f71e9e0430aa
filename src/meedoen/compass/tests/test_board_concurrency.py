"""Many phones post at once while a board polls for "the notes after the last one I have": the
board misses none, because notes of one session are committed in the order of their ids."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from meedoen.compass.models import BoardNote, BoardSession
from meedoen.compass.selectors.board import notes_after
from meedoen.compass.services.board import board_note_add, board_session_open
from meedoen.compass.tests.factories import make_cycle, staff_actor
from meedoen.core.access import Role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="issue 4: concurrent writers need a database server; SQLite lets one writer in at a time",
    ),
]

PHONES = 6
NOTES_PER_PHONE = 25


def test_a_polling_board_misses_no_note_while_many_phones_post(world):
    cycle = make_cycle(world.waalwijk, world.ww_foodbank)
    policy = staff_actor(Role.POLICY_OFFICER, world.ww_team, world.waalwijk)
    session = board_session_open(actor=policy, compass=cycle.compass, step="beeld", question="Vraag", minutes=60)
    errors: list[BaseException] = []
    seen: list[int] = []
    done = threading.Event()
    start = threading.Barrier(PHONES + 1)

    def phone(number: int) -> None:
        try:
            start.wait()
            for item in range(NOTES_PER_PHONE):
                # A token per note keeps the limit per participant out of this test.
                board_note_add(session=session, participant_token=f"{number}-{item}", text=f"{number}/{item}")
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    def board() -> None:
        try:
            start.wait()
            polled = BoardSession.objects.get(pk=session.pk)
            while not done.is_set():
                for note in notes_after(polled, seen[-1] if seen else 0):
                    seen.append(note.pk)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    phones = [threading.Thread(target=phone, args=(n,)) for n in range(PHONES)]
    poller = threading.Thread(target=board)
    for thread in [*phones, poller]:
        thread.start()
    for thread in phones:
        thread.join(timeout=120)
    done.set()
    poller.join(timeout=30)
    assert not errors, errors
    seen.extend(note.pk for note in notes_after(session, seen[-1] if seen else 0))
    stored = list(BoardNote.objects.filter(session=session).order_by("pk").values_list("pk", flat=True))
    assert len(stored) == PHONES * NOTES_PER_PHONE
    assert seen == stored
    assert timezone.now() < session.expires_at
