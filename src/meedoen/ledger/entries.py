"""The bytes of a log entry: canonical JSON that anyone can re-hash and check.

An entry names what happened (kind), who did it and who received it (organisation slugs), about
whom (a pseudonym, never a name or BSN), and what was shared (the SHA-256 of the payload, not the
payload). The acting organisation signs the entry; a receiving organisation's acceptance is a
later entry of kind "accepted" that refers to it by leaf hash and carries the receiver's signature.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT_VERSION = 1
MAX_LEAF_BYTES = 4096  # entry bundles prefix each entry with a 16-bit length


class EntryError(ValueError):
    pass


@dataclass(frozen=True)
class EntryBody:
    kind: str
    log: str
    acting: str
    receiving: str
    subject: str
    subject_key_version: int
    payload_sha256: str
    time: datetime
    refers_to: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "v": FORMAT_VERSION,
            "kind": self.kind,
            "log": self.log,
            "acting": self.acting,
            "receiving": self.receiving,
            "subject": self.subject,
            "subject_key": self.subject_key_version,
            "payload_sha256": self.payload_sha256,
            "time": self.time.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "refers_to": self.refers_to,
        }


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def signed_leaf(body: EntryBody, key: Ed25519PrivateKey) -> bytes:
    unsigned = body.as_dict()
    signature = key.sign(canonical(unsigned))
    leaf = canonical({**unsigned, "signature": base64.b64encode(signature).decode()})
    if len(leaf) > MAX_LEAF_BYTES:
        raise EntryError(f"an entry is at most {MAX_LEAF_BYTES} bytes")
    return leaf


def read_leaf(leaf: bytes) -> dict[str, Any]:
    try:
        data = json.loads(leaf)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EntryError("not an entry: invalid JSON") from error
    if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
        raise EntryError("not an entry of a known version")
    if canonical(data) != leaf:
        raise EntryError("entry is not in canonical form")
    return data


def verify_leaf_signature(leaf: bytes, public_key: Ed25519PublicKey) -> dict[str, Any]:
    """The entry's fields when the acting organisation's signature is valid; EntryError otherwise."""
    data = read_leaf(leaf)
    try:
        signature = base64.b64decode(str(data.pop("signature")), validate=True)
        public_key.verify(signature, canonical(data))
    except (KeyError, ValueError, InvalidSignature) as error:
        raise EntryError("the entry's signature does not verify") from error
    return data
