"""Load CBS areas (municipalities, districts, neighbourhoods) with inhabitants and dwellings."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meedoen.areas.cbs import CbsFileError
from meedoen.areas.services import areas_import_cbs
from meedoen.core.access import Actor

MAX_FILE_BYTES = 200 * 1024 * 1024


def read_json_file(path: Path) -> Any:
    """Read a JSON file, turning every way it can be broken into one clear message."""
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise CommandError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


class Command(BaseCommand):
    help = (
        "Import CBS areas from a JSON file ({code: {column: value}} or CBS OData). "
        "All or nothing; running it again updates figures and changes nothing else."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="JSON file with CBS Kerncijfers wijken en buurten rows")
        parser.add_argument("--year", type=int, default=None, help="Year of the figures (default: from the file name)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        year = options["year"]
        if year is None:
            found = re.search(r"(?<![0-9])(20[0-9][0-9])(?![0-9])", path.name)
            year = int(found.group(1)) if found else None
        data = read_json_file(path)
        try:
            result = areas_import_cbs(actor=Actor.system("import_cbs_areas"), data=data, reference_year=year)
        except CbsFileError as exc:
            raise CommandError(f"{path}: nothing imported. {exc}") from None
        self.stdout.write(
            f"{result.total} areas: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
