"""Import a municipality's own figures (CSV or XLSX: gebied, periode, indicator, waarde[, eenheid])."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meedoen.compass.services.monitor import FigureImportError, figures_import
from meedoen.core.access import Actor
from meedoen.organisations.models import Municipality

MAX_FILE_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = "Import own figures of a municipality. Every problem is listed; on any problem nothing is imported."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", required=True, help="CBS code, e.g. GM0867")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"{options['municipality']}: no such municipality")
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        try:
            result = figures_import(
                actor=Actor.system("import_figures"),
                municipality=municipality,
                content=path.read_bytes(),
                file_name=path.name,
            )
        except FigureImportError as exc:
            lines = "\n".join(f"  {problem}" for problem in exc.problems)
            raise CommandError(f"{path}: nothing imported, {len(exc.problems)} problem(s):\n{lines}") from None
        self.stdout.write(f"{result.values_written} figures imported")
