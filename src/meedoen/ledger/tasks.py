"""Background work of the shared log (django-tasks: in-process in the demo, a worker in production)."""

from __future__ import annotations

from django_tasks import task

from meedoen.ledger.sequencer import sequence


@task()
def sequence_log(log_id: int) -> int:
    """Give queued entries their place in the tree; returns how many were sequenced."""
    total = 0
    while batch := sequence(log_id):
        total += batch
    return total
