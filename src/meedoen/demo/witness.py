"""The demo's witness: a partner that checks the demo logs and cosigns their checkpoints, so that
residents and partners see proofs against a cosigned checkpoint in the demo too.

Its key is derived from a fixed text and is therefore public: it is good for the demo only. The demo
settings trust it (``LEDGER_WITNESS_KEYS`` in ``conf/dev.py``); production settings never do. A real
partner runs ``manage.py ledger_witness`` against the site with a key of its own.
"""

from __future__ import annotations

import functools
import hashlib
import time
from dataclasses import dataclass

from meedoen.ledger.models import Cosignature, Log, WitnessedCheckpoint
from meedoen.ledger.notes import COSIGNATURE_V1, SignerKey
from meedoen.ledger.publish import log_verifier
from meedoen.ledger.selectors import consistency, latest_checkpoint_note
from meedoen.ledger.services import cosignature_add
from meedoen.ledger.witness import Seen, witness

DEMO_WITNESS_NAME = "witness.demo.meedoen.localhost"


def demo_witness_signer() -> SignerKey:
    seed = hashlib.sha256(b"Meedoen demo witness: a public key, for the demo only").digest()
    return SignerKey(name=DEMO_WITNESS_NAME, signature_type=COSIGNATURE_V1, seed=seed)


@dataclass(frozen=True)
class Witnessed:
    origin: str
    size: int
    cosigned: bool


def witness_demo_logs() -> list[Witnessed]:
    """Check every log's latest checkpoint against what the demo witness saw before, cosign it and
    hand the cosignature to the log. Raises WitnessAlarmError when a log does not extend its past."""
    signer = demo_witness_signer()
    done = []
    for log in Log.objects.order_by("origin"):
        note = latest_checkpoint_note(log)
        if note is None:
            continue
        stored = WitnessedCheckpoint.objects.filter(origin=log.origin).first()
        outcome = witness(
            note=note.encode(),
            log_key=log_verifier(log.origin),
            origin=log.origin,
            signer=signer,
            seen=Seen(stored.size, bytes(stored.root_hash), stored.note) if stored else None,
            consistency=functools.partial(consistency, log),
            now=int(time.time()),
        )
        checkpoint = outcome.checkpoint
        WitnessedCheckpoint.objects.update_or_create(
            origin=log.origin,
            defaults={"size": checkpoint.size, "root_hash": checkpoint.root_hash, "note": outcome.note},
        )
        fresh = not Cosignature.objects.filter(
            checkpoint__log=log, checkpoint__size=checkpoint.size, witness=signer.name
        ).exists()
        if fresh and outcome.cosignature is not None:
            cosignature_add(log=log, size=checkpoint.size, signature_line=outcome.cosignature.line())
        done.append(Witnessed(log.origin, checkpoint.size, fresh))
    return done
