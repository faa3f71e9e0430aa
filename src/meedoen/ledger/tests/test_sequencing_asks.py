"""A log is sequenced by a task that is asked for after a commit; while one waits, later commits
ask for no other, and the waiting task takes their entries too."""

from __future__ import annotations

import io
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks import default_task_backend

from meedoen.ledger import sequencer
from meedoen.ledger.models import Entry, Log, SequencingAsked
from meedoen.ledger.services import NewEntry, entries_append, log_for
from meedoen.ledger.tasks import sequence_log

pytestmark = pytest.mark.django_db

HELD_BACK = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def offer(world, number: int, municipality=None) -> NewEntry:
    return NewEntry(
        municipality=municipality or world.waalwijk,
        kind=Entry.Kind.OFFER_PUBLISHED,
        acting=world.ww_foodbank,
        receiving=world.ww_team,
        payload={"number": number},
        subject_ref=f"resident-{number}",
    )


def queued_tasks() -> list[int]:
    return [result.args[0] for result in default_task_backend.results]


def test_the_first_ask_queues_a_task_and_later_ones_wait_for_it_to_begin(world):
    log = log_for(world.waalwijk)
    assert sequencer.ask(log.pk)
    assert not sequencer.ask(log.pk)
    assert not sequencer.ask(log.pk)
    sequencer.begin(log.pk)
    assert sequencer.ask(log.pk)


def test_an_ask_that_stands_is_only_read(world, django_assert_num_queries):
    """A commit that finds a task waiting writes nothing: on PostgreSQL a write (or a lock) would be
    a transaction of its own, flushed to disk, for every chunk an intake commits."""
    log = log_for(world.waalwijk)
    asked = timezone.now()
    assert sequencer.ask(log.pk, now=asked)
    with django_assert_num_queries(1) as queries:
        assert not sequencer.ask(log.pk, now=asked + timedelta(seconds=5))
    assert queries.captured_queries[0]["sql"].lstrip().upper().startswith("SELECT")
    assert SequencingAsked.objects.get(log=log).asked_at == asked


def test_each_log_is_asked_for_on_its_own(world):
    waalwijk, meerssen = log_for(world.waalwijk), log_for(world.meerssen)
    assert sequencer.ask(waalwijk.pk)
    assert sequencer.ask(meerssen.pk)
    sequencer.begin(meerssen.pk)
    assert not sequencer.ask(waalwijk.pk)
    assert sequencer.ask(meerssen.pk)


def test_an_ask_that_waited_too_long_is_made_again(world):
    log = log_for(world.waalwijk)
    asked = timezone.now()
    assert sequencer.ask(log.pk, now=asked)
    assert not sequencer.ask(log.pk, now=asked + sequencer.ASK_AGAIN_AFTER - timedelta(seconds=1))
    again = asked + sequencer.ASK_AGAIN_AFTER + timedelta(seconds=1)
    assert sequencer.ask(log.pk, now=again)
    assert SequencingAsked.objects.get(log=log).asked_at == again
    # The new ask stands for its own term.
    assert not sequencer.ask(log.pk, now=again + timedelta(seconds=1))


def test_commits_while_a_task_waits_queue_no_other_and_it_takes_their_entries(
    world, django_capture_on_commit_callbacks
):
    with override_settings(TASKS=HELD_BACK):
        default_task_backend.clear()
        for number in range(3):
            with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                entries_append([offer(world, number), offer(world, 10 + number, municipality=world.meerssen)])
        logs = dict(Log.objects.values_list("municipality_id", "pk"))
        assert sorted(queued_tasks()) == sorted([logs[world.waalwijk.pk], logs[world.meerssen.pk]])

        assert sequence_log.call(logs[world.waalwijk.pk]) == 3
        assert Log.objects.get(pk=logs[world.waalwijk.pk]).size == 3
        assert Entry.objects.filter(log_id=logs[world.meerssen.pk], index__isnull=True).count() == 3

        # The Waalwijk task has begun: the next commit there asks for a task of its own.
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            entries_append([offer(world, 3), offer(world, 13, municipality=world.meerssen)])
        assert sorted(queued_tasks()) == sorted(
            [logs[world.waalwijk.pk], logs[world.meerssen.pk], logs[world.waalwijk.pk]]
        )
        assert sequence_log.call(logs[world.meerssen.pk]) == 4
        default_task_backend.clear()


def test_without_a_worker_holding_tasks_every_commit_is_sequenced_at_once(world, django_capture_on_commit_callbacks):
    # The demo's and the tests' backend runs a task as it is queued: it begins, so nothing waits.
    for number in range(3):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            entries_append([offer(world, number)])
        assert Log.objects.get(municipality=world.waalwijk).size == number + 1
    assert SequencingAsked.objects.get(log__municipality=world.waalwijk).asked_at is None


def test_the_task_clears_the_ask_before_it_reads_the_queue(world, django_capture_on_commit_callbacks):
    """A commit made while the task runs must ask for a task of its own: the running one may have
    read the queue before that commit."""
    original = sequencer.sequence_queued

    def commit_meanwhile(log_id: int) -> int:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            entries_append([offer(world, 99)])
        return original(log_id)

    with override_settings(TASKS=HELD_BACK):
        default_task_backend.clear()
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            entries_append([offer(world, 1)])
        log_id = Log.objects.get(municipality=world.waalwijk).pk
        assert queued_tasks() == [log_id]
        with mock.patch.object(sequencer, "sequence_queued", side_effect=commit_meanwhile):
            sequence_log.call(log_id)
        assert queued_tasks() == [log_id, log_id]
        default_task_backend.clear()


def test_an_ask_whose_task_could_not_be_queued_is_taken_back(world, django_capture_on_commit_callbacks):
    with (
        mock.patch("meedoen.ledger.tasks.sequence_log") as task,
        pytest.raises(ConnectionError),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        task.enqueue.side_effect = ConnectionError("queue unreachable")
        entries_append([offer(world, 1)])
    log = Log.objects.get(municipality=world.waalwijk)
    assert SequencingAsked.objects.get(log=log).asked_at is None
    assert sequencer.ask(log.pk)


@pytest.mark.django_db(transaction=True)
def test_a_task_begins_outside_any_transaction(world):
    log = log_for(world.waalwijk)
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        sequencer.begin(log.pk)


def test_the_command_sequences_what_waited_too_long(world, django_capture_on_commit_callbacks):
    with override_settings(TASKS=HELD_BACK):
        default_task_backend.clear()
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            entries_append([offer(world, 1), offer(world, 2, municipality=world.meerssen)])
        default_task_backend.clear()  # the tasks are lost
    out = io.StringIO()
    call_command("ledger_sequence", "--older-than", "60", stdout=out)
    assert out.getvalue() == "No entries waiting.\n"
    assert Log.objects.get(municipality=world.waalwijk).size == 0

    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        call_command("ledger_sequence", "--older-than", "60", stdout=out)
    assert Log.objects.get(municipality=world.waalwijk).size == 1
    assert Log.objects.get(municipality=world.meerssen).size == 1
    assert "1 entries sequenced that had waited" in out.getvalue()
    # And the next commit asks for a task again.
    assert sequencer.ask(Log.objects.get(municipality=world.waalwijk).pk)


def test_an_old_sqlite_is_refused_by_the_checks():
    from meedoen.ledger import apps

    with mock.patch.object(apps.sqlite3, "sqlite_version_info", (3, 31, 1)):
        errors = apps.sqlite_can_return(databases=["default"])
    if connection.vendor == "sqlite":
        assert [error.id for error in errors] == ["ledger.E001"]
    else:
        assert errors == []
    assert apps.sqlite_can_return(databases=["default"]) == []
