"""Sequence the shared logs whose entries have waited too long: the safety net under the tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meedoen.ledger import sequencer
from meedoen.ledger.models import Log


class Command(BaseCommand):
    help = (
        "Give entries that have waited longer than --older-than seconds their place in their log. "
        "Normally a task does that right after the commit; this catches a task that was lost."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=300,
            help="seconds an entry may wait for its task before this command takes it (default %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["older_than"] < 0:
            raise CommandError("--older-than: 0 seconds or more")
        waiting = sequencer.logs_waiting(timedelta(seconds=options["older_than"]))
        origins = dict(Log.objects.filter(pk__in=waiting).values_list("pk", "origin"))
        for log_id in waiting:
            sequenced = sequencer.sequence_asked(log_id)
            self.stdout.write(f"{origins[log_id]}: {sequenced} entries sequenced that had waited")
        if not waiting:
            self.stdout.write("No entries waiting.")
