"""Print the current second-factor code of the demo personas."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from meedoen.demo.personas import DEMO_TOTP_KEY_HEX


class Command(BaseCommand):
    help = "Print the current 6-digit code for the demo logins (demo mode only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("demo_totp works only with DEMO_MODE on")
        totp = TOTP(bytes.fromhex(DEMO_TOTP_KEY_HEX), step=30, digits=6)
        self.stdout.write(f"{totp.token():06d}")
