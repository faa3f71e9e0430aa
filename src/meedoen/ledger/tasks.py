"""Background work of the shared log (django-tasks: in-process in the demo, a worker in production)."""

from __future__ import annotations

from django_tasks import task

from meedoen.ledger import sequencer


@task()
def sequence_log(log_id: int) -> int:
    """Give queued entries their place in the tree; returns how many were sequenced."""
    return sequencer.sequence_asked(log_id)
