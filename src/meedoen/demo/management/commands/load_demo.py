"""Load the demo data and print how to log in."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from meedoen.demo.early_signals import demo_tokens
from meedoen.demo.loader import demo_memberships, load_demo
from meedoen.demo.personas import DEMO_PASSWORD, DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = (
        "Load the demo municipalities Waalwijk and Meerssen with partners, staff and early signals (safe to run again)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--site", default="http://127.0.0.1:8000", help="address the demo is served on, for the printed links"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        site = options["site"].rstrip("/")
        load_demo()
        self.stdout.write("Demo data loaded: Waalwijk (GM0867) and Meerssen (GM0938).\n")
        self.stdout.write(f"Demo logins (staff workspace: {site}/werkplek/)")
        for membership in demo_memberships():
            self.stdout.write(
                f"  {membership.user.username:<22} {membership.get_role_display():<26} "
                f"{membership.organisation.name} ({membership.municipality.name})"
            )
        self.stdout.write(f"\n  Password for every demo login: {DEMO_PASSWORD}")
        self.stdout.write(f"  Authenticator app secret (TOTP, 6 digits, 30 s): {DEMO_TOTP_SECRET}")
        self.stdout.write("  Current code without an app: .venv/bin/python manage.py demo_totp")
        self.stdout.write(f"  Or skip the login: {site}/demo/personas/ (demo only)\n")
        tokens = demo_tokens()
        if tokens:
            self.stdout.write(f"Creditor API tokens (demo only, public; API: {site}/api/v1/early-signals/)")
            for token in tokens:
                self.stdout.write(f"  {token.organisation:<24} {token.token}  ({', '.join(token.municipalities)})")
            self.stdout.write(
                f'  Try: curl -H "Authorization: Bearer {tokens[0].token}" {site}/api/v1/early-signals/feedback/\n'
            )
