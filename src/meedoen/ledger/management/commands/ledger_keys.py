"""Print the verifier key of every shared log, for partners and witnesses to pin."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from meedoen.ledger.models import Log
from meedoen.ledger.publish import log_verifier


class Command(BaseCommand):
    help = "Print each shared log's origin and public (verifier) key."

    def handle(self, *args: Any, **options: Any) -> None:
        for log in Log.objects.order_by("origin"):
            self.stdout.write(f"{log.origin}\t{log_verifier(log.origin).format()}")
