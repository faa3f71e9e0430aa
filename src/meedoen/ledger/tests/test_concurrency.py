"""Concurrent writers and sequencers never fork the tree: every entry gets exactly one index, the
indexes have no gaps, and the stored tree verifies."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from meedoen.ledger.models import Entry, Log
from meedoen.ledger.publish import checkpoint_problem
from meedoen.ledger.sequencer import sequence
from meedoen.ledger.services import entry_append, log_for
from meedoen.ledger.verify import verify_log

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="issue 7: concurrent sequencers need a database server; SQLite lets one writer in at a time",
    ),
]

WRITERS = 4
ENTRIES_PER_WRITER = 60


def test_concurrent_appends_and_sequencers_make_one_tree(world):
    log_id = log_for(world.waalwijk).pk
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS + 2)

    def writer(number: int) -> None:
        try:
            start.wait()
            for item in range(ENTRIES_PER_WRITER):
                with transaction.atomic():
                    entry_append(
                        municipality=world.waalwijk,
                        kind=Entry.Kind.OFFER_PUBLISHED,
                        acting=world.ww_team,
                        payload={"writer": number, "item": item},
                    )
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    def sequencer() -> None:
        try:
            start.wait()
            for _ in range(200):
                sequence(log_id, batch_size=17)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    threads += [threading.Thread(target=sequencer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    while sequence(log_id):
        pass

    log = Log.objects.get(pk=log_id)
    total = WRITERS * ENTRIES_PER_WRITER
    indexes = sorted(Entry.objects.filter(log=log).values_list("index", flat=True))
    assert indexes == list(range(total))
    report = verify_log(log, check_checkpoint=checkpoint_problem)
    assert report.ok, report.problems
