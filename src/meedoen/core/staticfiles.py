"""Serve exactly the npm files the pages use, nothing else from node_modules.

A package's dist folder holds more than we load; some of its stylesheets point at images the
package does not ship, which breaks the hashed-name pass of ``collectstatic``. Naming the files
keeps production's static set small and its build deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, overload

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage


class VendorFileFinder(BaseFinder):
    """Finds the files listed in ``settings.VENDOR_STATIC_FILES`` ({served path: file on disk})."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.files: dict[str, Path] = {name: Path(source) for name, source in settings.VENDOR_STATIC_FILES.items()}

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        return [
            Error(f"{source} is missing; run `npm ci`", obj=name, id="meedoen.E001")
            for name, source in self.files.items()
            if not source.is_file()
        ]

    @overload
    def find(self, path: str, find_all: Literal[False] = False) -> str | None: ...
    @overload
    def find(self, path: str, find_all: Literal[True]) -> list[str]: ...
    def find(self, path: str, find_all: bool = False) -> str | list[str] | None:
        source = self.files.get(path)
        found = str(source) if source is not None and source.is_file() else None
        if find_all:
            return [found] if found else []
        return found

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for name, source in self.files.items():
            if not source.is_file():
                continue
            storage = FileSystemStorage(location=source.parent)
            # collectstatic puts a file at prefix/name; the prefix is the served folder.
            storage.prefix = str(Path(name).parent)  # type: ignore[attr-defined]
            yield source.name, storage
