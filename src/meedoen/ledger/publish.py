"""Signed checkpoints of the shared logs (C2SP tlog-checkpoint in a signed note)."""

from __future__ import annotations

from meedoen.ledger import keys
from meedoen.ledger.notes import Checkpoint, NoteError, SignerKey, VerifierKey, open_checkpoint, sign_checkpoint


def log_signer(origin: str) -> SignerKey:
    return SignerKey.from_private_key(origin, keys.log_key(origin))


def log_verifier(origin: str) -> VerifierKey:
    """The log's public key; its text form (``format()``) is what partners and witnesses pin."""
    return log_signer(origin).verifier


def checkpoint_note(origin: str, size: int, root_hash: bytes) -> str:
    return sign_checkpoint(Checkpoint(origin=origin, size=size, root_hash=root_hash), log_signer(origin)).decode()


def checkpoint_problem(note: str, origin: str, size: int, root_hash: bytes) -> str | None:
    """Why a stored checkpoint note is not the log's signed statement of (size, root), or None."""
    try:
        opened = open_checkpoint(note.encode(), log_verifier(origin))
    except NoteError as error:
        return str(error)
    if (opened.checkpoint.size, opened.checkpoint.root_hash) != (size, root_hash):
        return "the signed note states another size or root"
    return None
