"""Record that a creditor may (or may no longer) deliver signals about residents of a municipality."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from meedoen.core.access import Actor
from meedoen.early_signals.services import agreement_set
from meedoen.organisations.models import Municipality, Organisation


class Command(BaseCommand):
    help = "Start (or with --end, end) the agreement under which a creditor delivers signals to a municipality."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="Address name (slug) of the creditor organisation")
        parser.add_argument("--municipality", required=True, help="CBS code of the municipality, such as GM0867")
        parser.add_argument("--end", action="store_true", help="End the agreement instead")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"no organisation with address name {options['organisation']!r}")
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"no municipality with CBS code {options['municipality']!r}")
        try:
            agreement_set(
                actor=Actor.system("early_signals_agreement"),
                organisation=organisation,
                municipality=municipality,
                active=not options["end"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        state = "ended" if options["end"] else "active"
        self.stdout.write(f"Agreement of {organisation.name} with {municipality.name}: {state}.")
