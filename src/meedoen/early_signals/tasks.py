"""Background work of early signalling (django-tasks: in-process in the demo, a worker in production)."""

from __future__ import annotations

from django_tasks import task

from meedoen.early_signals.retention import retention_run


@task()
def apply_retention(dry_run: bool = False) -> dict[str, int]:
    """Remove the personal data of the cases whose retention term passed; returns the counts of what
    was removed (see ``retention.retention_run``). Safe to run again at any time.

    Nothing in Meedoen queues this task: django-tasks has no schedule of its own. Installations run
    the command ``early_signals_retention`` daily from cron or a systemd timer (docs/operations.md,
    "Scheduled work"); this task is the same run for code that wants it done by a worker."""
    return retention_run(dry_run=dry_run).totals()
