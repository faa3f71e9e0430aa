"""List every setting read from the environment, with its default and what it is for."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from meedoen.conf.env import REGISTRY


class Command(BaseCommand):
    help = "List the environment settings Meedoen reads, with defaults and help text."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["text", "env"], default="text", help="env: as a .env file")

    def handle(self, *args: Any, **options: Any) -> None:
        for setting in sorted(REGISTRY.values(), key=lambda s: s.name):
            default = "" if setting.secret else setting.default
            if options["format"] == "env":
                self.stdout.write(f"# {setting.help}\n{setting.name}={default}\n")
            else:
                shown = "(secret)" if setting.secret else repr(setting.default)
                self.stdout.write(f"{setting.name:<36} {shown:<28} {setting.help}")
