"""Issue (or revoke) an API token with which a creditor delivers signals."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meedoen.core.access import Actor
from meedoen.early_signals.models import CreditorAgreement, CreditorToken
from meedoen.early_signals.services import token_create, token_revoke
from meedoen.organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Issue an API token for a creditor organisation and print it once: only its SHA-256 is kept, so it "
        "cannot be shown again. With --revoke PREFIX, revoke that token instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="Address name (slug) of the creditor organisation")
        parser.add_argument("--label", default="", help="What the token is for, e.g. the creditor's system")
        parser.add_argument("--revoke", metavar="PREFIX", help="Revoke the token that starts with PREFIX")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"no organisation with address name {options['organisation']!r}")
        actor = Actor.system("early_signals_token")
        if options["revoke"]:
            token = CreditorToken.objects.filter(organisation=organisation, prefix=options["revoke"]).first()
            if token is None:
                raise CommandError(f"{organisation.name} has no token {options['revoke']!r}")
            token_revoke(actor=actor, token=token)
            self.stdout.write(f"Revoked token {token.prefix} of {organisation.name}.")
            return
        token, raw = token_create(actor=actor, organisation=organisation, label=options["label"])
        self.stdout.write(f"Token for {organisation.name} (shown once; store it safely):")
        self.stdout.write(raw)
        municipalities = CreditorAgreement.objects.filter(organisation=organisation, active=True).count()
        if not municipalities:
            self.stderr.write(
                "warning: this organisation has no active agreement with any municipality yet "
                "(manage.py early_signals_agreement); every signal will be refused until it has one."
            )
