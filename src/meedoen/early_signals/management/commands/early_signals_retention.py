"""Apply the retention terms of early signals; cron or a systemd timer runs this daily (see
docs/operations.md, "Scheduled work")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from meedoen.early_signals.retention import retention_run

LABELS = {
    "closed_without_contact": "open cases nobody reached, closed as no contact",
    "cases_erased": "cases whose personal data was removed",
    "helped_cases_erased": "  of which closed with help accepted",
    "signals_removed": "signals replaced by a tombstone",
    "notes_cleared": "contact notes cleared",
    "open_reached_without_activity": (
        "kept: open cases in which the household was reached, without activity for longer than the term"
    ),
    "open_without_team": "kept: open cases nobody reached, without a team to sign their closing",
}


class Command(BaseCommand):
    help = (
        "Remove the personal data of early signals whose case closed (with or without help accepted) once "
        "its retention term has passed, and of open cases nobody reached past the term, leaving a tombstone "
        "per signal. Prints counts only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be removed; change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        report = retention_run(dry_run=options["dry_run"])
        when = report.at.strftime("%Y-%m-%d %H:%M %Z")
        self.stdout.write(
            f"Retention of early signals, {when}{' (dry run: nothing changed)' if report.dry_run else ''}"
        )
        for row in report.municipalities:
            self.stdout.write(
                f"{row.municipality}: term {row.term_days} days, after help {row.term_after_help_days} days; "
                f"the data of cases closed without help before {row.removed_before.isoformat()} "
                f"and with help accepted before {row.removed_after_help_before.isoformat()} is removed"
            )
            self._counts(vars(row))
        if not report.municipalities:
            self.stdout.write("No municipality holds cases with personal data.")
        self.stdout.write("Total:")
        self._counts(report.totals())

    def _counts(self, counts: dict[str, Any]) -> None:
        for name, label in LABELS.items():
            self.stdout.write(f"  {label}: {counts[name]}")
