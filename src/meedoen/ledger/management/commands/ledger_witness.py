"""Witness a municipality's shared log: check its latest checkpoint against the last one seen here,
cosign it and hand the cosignature to the log. Run it from cron or a timer, e.g. every minute.

  manage.py ledger_witness --new-key partner.example/witness          # once: make a witness key
  manage.py ledger_witness --site https://meedoen.example.nl --municipality GM0867 \\
      --log-key "<the log's verifier key>" --key-file /run/secrets/witness.key

Exit status 2 is an alarm: the log showed a history that does not extend the one seen before.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meedoen.ledger.models import WitnessedCheckpoint
from meedoen.ledger.notes import COSIGNATURE_V1, NoteError, SignerKey, VerifierKey
from meedoen.ledger.witness import Seen, WitnessAlarmError, decode_proof, witness

TIMEOUT = 20
MAX_RESPONSE = 1 << 20


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310  (an https URL the operator gives)
        return bytes(response.read(MAX_RESPONSE))


def _post(url: str, data: dict[str, Any]) -> None:
    request = urllib.request.Request(  # noqa: S310
        url, data=json.dumps(data).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT):  # noqa: S310
        pass


class Command(BaseCommand):
    help = "Witness a shared log: verify its growth, cosign its checkpoint, raise the alarm on a split view."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--new-key", metavar="NAME", help="print a new witness key pair and stop")
        parser.add_argument("--site", help="address of the Meedoen installation, e.g. https://meedoen.example.nl")
        parser.add_argument("--municipality", help="CBS code of the log, e.g. GM0867")
        parser.add_argument("--log-key", help="the log's verifier key (from `manage.py ledger_keys` at the log)")
        parser.add_argument("--key-file", type=Path, help="file with this witness's PRIVATE+KEY line")
        parser.add_argument("--no-submit", action="store_true", help="check and print, do not hand in the cosignature")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            signer = SignerKey.generate(options["new_key"], COSIGNATURE_V1)
            self.stdout.write(
                f"private (keep secret): {signer.format()}\npublic (give to the log): {signer.verifier.format()}"
            )
            return
        missing = [name for name in ("site", "municipality", "log_key", "key_file") if not options[name]]
        if missing:
            raise CommandError(f"missing: {', '.join('--' + name.replace('_', '-') for name in missing)}")
        try:
            log_key = VerifierKey.parse(options["log_key"])
            signer = SignerKey.parse(options["key_file"].read_text(encoding="utf-8").strip())
        except (OSError, NoteError) as error:
            raise CommandError(f"cannot read the keys: {error}") from error
        site = options["site"].rstrip("/")
        code = options["municipality"]
        api = f"{site}/api/v1/ledger/{code}"
        stored = WitnessedCheckpoint.objects.filter(origin=log_key.name).first()
        seen = Seen(stored.size, bytes(stored.root_hash), stored.note) if stored else None

        def consistency(old: int, new: int) -> list[bytes]:
            return decode_proof(json.loads(_get(f"{api}/consistency/?from={old}&to={new}"))["proof"])

        try:
            outcome = witness(
                note=_get(f"{site}/log/{code}/checkpoint"),
                log_key=log_key,
                origin=log_key.name,
                signer=signer,
                seen=seen,
                consistency=consistency,
                now=int(time.time()),
            )
        except WitnessAlarmError as alarm:
            self.stderr.write(f"ALARM {log_key.name}: {alarm}")
            raise SystemExit(2) from alarm
        except (NoteError, urllib.error.URLError, ValueError, KeyError) as error:
            raise CommandError(f"{log_key.name}: {error}") from error
        checkpoint = outcome.checkpoint
        WitnessedCheckpoint.objects.update_or_create(
            origin=log_key.name,
            defaults={"size": checkpoint.size, "root_hash": checkpoint.root_hash, "note": outcome.note},
        )
        if outcome.cosignature is not None and not options["no_submit"]:
            try:
                _post(
                    f"{api}/cosignatures/",
                    {"checkpoint_size": checkpoint.size, "signature_line": outcome.cosignature.line()},
                )
            except urllib.error.URLError as error:
                raise CommandError(f"the log did not take the cosignature: {error}") from error
        self.stdout.write(f"{log_key.name}: checkpoint of {checkpoint.size} entries verified and cosigned")
