"""A witness: a partner's own check that the log shows everyone the same, growing history.

It keeps the latest checkpoint it verified; a new checkpoint is only cosigned when the log proves
it extends that one. A checkpoint of the same size with another root, a smaller size, or a failed
proof means the log showed a split view or rolled back: the witness refuses and raises the alarm.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from meedoen.ledger.merkle import ProofError, verify_consistency
from meedoen.ledger.notes import Checkpoint, NoteError, NoteSignature, SignerKey, VerifierKey, cosign, open_checkpoint


class WitnessAlarmError(Exception):
    """The log is not consistent with what this witness saw before. Never ignore this."""


@dataclass(frozen=True)
class Seen:
    size: int
    root_hash: bytes
    note: str


@dataclass(frozen=True)
class Outcome:
    checkpoint: Checkpoint
    note: str
    cosignature: NoteSignature | None  # None when there was nothing new to cosign


def witness(
    *,
    note: bytes,
    log_key: VerifierKey,
    origin: str,
    signer: SignerKey,
    seen: Seen | None,
    consistency: Callable[[int, int], list[bytes]],
    now: int,
) -> Outcome:
    """Check ``note`` (the log's latest checkpoint) against what was ``seen`` and cosign it.

    ``consistency(old_size, new_size)`` fetches the proof from the log. Raises NoteError for a
    note that is not the log's, WitnessAlarmError for a history that does not extend the one seen."""
    opened = open_checkpoint(note, log_key, origin=origin)
    checkpoint = opened.checkpoint
    if seen is not None:
        if checkpoint.size < seen.size:
            raise WitnessAlarmError(f"the log went back from {seen.size} to {checkpoint.size} entries")
        if checkpoint.size == seen.size:
            if checkpoint.root_hash != seen.root_hash:
                raise WitnessAlarmError(f"two different trees of {checkpoint.size} entries: a split view")
        elif seen.size > 0:
            try:
                verify_consistency(
                    seen.size,
                    checkpoint.size,
                    consistency(seen.size, checkpoint.size),
                    seen.root_hash,
                    checkpoint.root_hash,
                )
            except ProofError as error:
                raise WitnessAlarmError(
                    f"the tree of {checkpoint.size} entries does not extend the one of {seen.size}: {error}"
                ) from error
    return Outcome(checkpoint=checkpoint, note=opened.text, cosignature=cosign(opened.text, signer, now))


def decode_proof(items: object) -> list[bytes]:
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise NoteError("the consistency proof is not a list of base64 hashes")
    try:
        return [base64.b64decode(item, validate=True) for item in items]
    except ValueError as error:
        raise NoteError("the consistency proof is not base64") from error
