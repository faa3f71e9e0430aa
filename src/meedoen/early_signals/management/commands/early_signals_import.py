"""Receive a creditor's CSV or XLSX file of signals that reached the municipality by other means."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meedoen.core.access import Actor
from meedoen.early_signals import formats
from meedoen.early_signals.services import delivery_refused_unread, signals_deliver_file
from meedoen.organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Receive a CSV or XLSX file of signals for a creditor organisation, as the API does: valid rows are "
        "stored, every problem is printed with its row and column. Sending the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="CSV or XLSX file in the early-signals format")
        parser.add_argument("--organisation", required=True, help="Address name (slug) of the creditor organisation")
        parser.add_argument("--format-version", default=formats.FORMAT_VERSION, help="Version of the file's format")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"no organisation with address name {options['organisation']!r}")
        if not path.is_file():
            raise CommandError(f"{path}: not a file")
        size = path.stat().st_size
        if size > formats.MAX_FILE_BYTES:
            answer = delivery_refused_unread(
                creditor=organisation, size_bytes=size, channel="file", format_version=options["format_version"]
            )
        else:
            with path.open("rb") as handle:
                content = handle.read(formats.MAX_FILE_BYTES + 1)
            answer = signals_deliver_file(
                actor=Actor.system("early_signals_import"),
                creditor=organisation,
                content=content,
                format_version=options["format_version"],
            )
        for problem in answer.all_problems():
            self.stderr.write(str(problem))
        receipt = answer.receipt
        if answer.fatal:
            raise CommandError(f"{path}: refused as a whole, nothing stored ({len(answer.problems)} problem(s) above)")
        self.stdout.write(
            f"{path}: delivery {receipt.delivery}, sha256 {receipt.sha256}: {receipt.rows} rows, "
            f"{receipt.accepted} accepted, {receipt.duplicates} duplicates, {receipt.refused} refused, "
            f"{receipt.warnings} warnings"
        )
