"""Recompute a municipality's shared log from its stored entries and report what does not match."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meedoen.ledger.models import Log
from meedoen.ledger.publish import checkpoint_problem
from meedoen.ledger.verify import verify_log


class Command(BaseCommand):
    help = "Verify a shared log: entries, stored hashes, root and signed checkpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="CBS code, e.g. GM0867")

    def handle(self, *args: Any, **options: Any) -> None:
        log = Log.objects.filter(municipality__code=options["municipality"]).first()
        if log is None:
            raise CommandError(f"no shared log for {options['municipality']}")
        report = verify_log(log, check_checkpoint=checkpoint_problem)
        if report.ok:
            self.stdout.write(f"{log.origin}: {report.size} entries, every hash and checkpoint matches.")
            return
        for problem in report.problems:
            self.stderr.write(problem)
        first = (
            f"; first entry that does not match: {report.first_bad_index}" if report.first_bad_index is not None else ""
        )
        raise CommandError(f"{log.origin} does not verify{first}")
