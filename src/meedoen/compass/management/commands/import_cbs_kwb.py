"""Import CBS "Kerncijfers wijken en buurten": areas, an indicator per column and every figure."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meedoen.compass.kwb import KwbFileError, parse_metadata, table_period
from meedoen.compass.services.monitor import indicators_import_cbs_kwb
from meedoen.core.access import Actor

MAX_FILE_BYTES = 500 * 1024 * 1024
BUNDLED_METADATA = Path(__file__).resolve().parents[2] / "data" / "85984NED-columns.json"


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise CommandError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    return path.read_bytes()


def _json(path: Path) -> Any:
    try:
        return json.loads(_read(path).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path}: not a JSON file ({exc})") from None


class Command(BaseCommand):
    help = (
        "Import a CBS Kerncijfers wijken en buurten file (OData JSON, JSON keyed by area code, or CSV). "
        "Columns are matched on their stem; titles, units and definitions come from the CBS metadata. "
        "All or nothing; importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CBS data file")
        parser.add_argument(
            "--metadata", type=Path, default=BUNDLED_METADATA, help="CBS DataProperties JSON (default: 85984NED, 2024)"
        )
        parser.add_argument("--table-info", type=Path, default=None, help="CBS TableInfos JSON (gives the period)")
        parser.add_argument("--period", default=None, help="year of the figures (default: table info or file name)")
        parser.add_argument("--table", default="85984NED", help="CBS table identifier, for the source line")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        period = options["period"]
        if period is None and options["table_info"] is not None:
            period = table_period(_json(options["table_info"]))
        if period is None:
            found = re.search(r"(?<![0-9])(20[0-9][0-9])(?![0-9])", path.name)
            period = found.group(1) if found else None
        if period is None or not re.fullmatch(r"[0-9]{4}", str(period)):
            raise CommandError("give the year of the figures with --period 2024")
        try:
            columns = parse_metadata(_json(options["metadata"]))
            result = indicators_import_cbs_kwb(
                actor=Actor.system("import_cbs_kwb"),
                content=_read(path),
                file_name=path.name,
                columns=columns,
                period=str(period),
                table=options["table"],
            )
        except KwbFileError as exc:
            raise CommandError(f"{path}: nothing imported. {exc}") from None
        self.stdout.write(
            f"{result.values_written} figures for {period} imported; {result.indicators_created} new indicators"
        )
