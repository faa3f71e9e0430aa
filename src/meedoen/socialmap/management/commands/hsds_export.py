"""Write a municipality's public social map as HSDS 3.0 JSON files, one file per kind of object."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meedoen.socialmap.hsds.export import export_municipality, municipality_by_code

MUNICIPALITY_CODE = re.compile(r"^GM[0-9]{4}$")


class Command(BaseCommand):
    help = (
        "Write the public social map of a municipality (its active offers, their places and "
        "organisations, and the taxonomies) as Open Referral HSDS 3.0 JSON: services.json, "
        "organizations.json, locations.json, service_at_locations.json, taxonomies.json and "
        "taxonomy_terms.json, each a list of the objects the HSDS API shows. Files are replaced whole."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="CBS code of the municipality, such as GM0867")
        parser.add_argument("--out", required=True, type=Path, help="Folder to write into; made when missing")

    def handle(self, *args: Any, **options: Any) -> None:
        code: str = options["municipality"].strip().upper()
        out = Path(options["out"])
        municipality = municipality_by_code(code) if MUNICIPALITY_CODE.match(code) else None
        if municipality is None:
            raise CommandError(f"{options['municipality']}: no municipality with this CBS code here (such as GM0867)")
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out}: not a folder")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"{out}: cannot make this folder ({exc.strerror})") from None
        exported = export_municipality(municipality)
        written = _write_all(out, {f"{kind}.json": objects for kind, objects in exported.items()})
        for name in written:
            self.stdout.write(f"{out / name}: {len(exported[name.removesuffix('.json')])} objects")


def _write_all(out: Path, files: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Write every file beside its final name first, then put them all in place: a failure on the
    way leaves the folder as it was."""
    staged: list[tuple[Path, Path]] = []
    try:
        for name, objects in files.items():
            handle, temporary_name = tempfile.mkstemp(dir=out, prefix=f".{name}.", suffix=".tmp")
            staged.append((Path(temporary_name), out / name))
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(objects, stream, ensure_ascii=False, indent=2)
                stream.write("\n")
    except OSError as exc:
        for temporary, _final in staged:
            temporary.unlink(missing_ok=True)
        raise CommandError(f"{out}: cannot write there ({exc.strerror})") from None
    for temporary, final in staged:
        temporary.chmod(0o644)  # published data; mkstemp makes files only the owner can read
        temporary.replace(final)
    return [final.name for _temporary, final in staged]
