"""Keys of the shared log, derived from one secret (LEDGER_KEY_SEED) so that no private key is
stored in the database: each log's checkpoint key and each organisation's entry key.

The platform holds the organisations' keys on their behalf for now; an organisation that wants
to sign with a key of its own only has to publish its public key (see docs/adr).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings


@lru_cache(maxsize=256)
def _derived(purpose: str, name: str, seed: str) -> Ed25519PrivateKey:
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"meedoen-ledger", info=f"{purpose}\n{name}".encode())
    return Ed25519PrivateKey.from_private_bytes(material.derive(seed.encode()))


def log_key(origin: str) -> Ed25519PrivateKey:
    """The key that signs the checkpoints of the log with this origin."""
    return _derived("log", origin, settings.LEDGER_KEY_SEED)


def organisation_key(organisation_slug: str) -> Ed25519PrivateKey:
    """The key with which the platform signs entries on behalf of an organisation."""
    return _derived("organisation", organisation_slug, settings.LEDGER_KEY_SEED)


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def subject_pseudonym(municipality_code: str, resident_ref: str) -> str:
    """A resident's pseudonym in one municipality's log: unlinkable across municipalities and to
    the platform's own resident reference without LEDGER_SUBJECT_KEY."""
    mac = _subject_mac(settings.LEDGER_SUBJECT_KEY).copy()
    mac.update(f"{municipality_code}\n{resident_ref}".encode())
    return mac.hexdigest()


@lru_cache(maxsize=4)
def _subject_mac(key: str) -> hmac.HMAC:
    # The HMAC with the key already taken in; each pseudonym continues a copy of it, which costs
    # half of keying a new one.
    return hmac.new(key.encode(), digestmod=hashlib.sha256)
