"""Let the demo witness check and cosign the demo's shared logs (``make demo`` runs it after loading)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from meedoen.demo.witness import demo_witness_signer, witness_demo_logs
from meedoen.ledger.witness import WitnessAlarmError


class Command(BaseCommand):
    help = "Check and cosign the demo's shared logs with the demo witness (demo settings only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("the demo witness runs with the demo settings only (DEMO_MODE)")
        if demo_witness_signer().verifier.format() not in settings.LEDGER_WITNESS_KEYS:
            raise CommandError("LEDGER_WITNESS_KEYS does not list the demo witness; the logs would refuse it")
        try:
            witnessed = witness_demo_logs()
        except WitnessAlarmError as alarm:
            self.stderr.write(f"ALARM: {alarm}")
            raise SystemExit(2) from alarm
        for item in witnessed:
            state = "cosigned" if item.cosigned else "already cosigned"
            self.stdout.write(f"{item.origin}: checkpoint of {item.size} entries {state} by the demo witness")
