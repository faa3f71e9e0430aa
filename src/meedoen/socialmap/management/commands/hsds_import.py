"""Import an existing social map in Open Referral HSDS 3.0 (JSON or the CSV package) into a municipality."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meedoen.core.access import Actor
from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap.hsds.importer import DEFAULT_KIND, HsdsImportError, hsds_import


class Command(BaseCommand):
    help = (
        "Import HSDS 3.0 data into a municipality: a JSON file (an object, a list, or an API page), a "
        "directory of JSON files, or a directory with the tabular CSV package. All or nothing; importing "
        "the same data again updates in place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="JSON file, or directory of JSON files or CSV tables")
        parser.add_argument("--municipality", required=True, help="CBS code of the municipality, such as GM0867")
        parser.add_argument(
            "--kind",
            default=DEFAULT_KIND,
            choices=Organisation.Kind.values,
            help=f"Kind of organisation for organisations new to Meedoen (default: {DEFAULT_KIND})",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and count, then change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"no municipality with CBS code {options['municipality']!r}")
        try:
            result = hsds_import(
                actor=Actor.system("hsds_import"),
                municipality=municipality,
                path=path,
                organisation_kind=options["kind"],
                dry_run=options["dry_run"],
            )
        except HsdsImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{path}: nothing imported, {len(exc.problems)} problem(s) (listed above)") from None
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        heading = "dry run, nothing changed" if result.dry_run else "imported"
        self.stdout.write(f"{path} into {municipality.name} ({heading}):")
        for kind, counts in result.by_type().items():
            self.stdout.write(
                f"  {kind}: {counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged"
            )
