"""Signed notes, checkpoints and witness cosignatures as C2SP specifies them (signed-note,
tlog-checkpoint, tlog-cosignature v1 with Ed25519): the text formats anyone can check with
off-the-shelf tools, parsed strictly.

Keys are Ed25519. A key is named and identified as signed-note says; verifier keys ("vkeys")
and signer keys travel as text: ``<name>+<hex key ID>+<base64(type || public key)>`` and
``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>``.
"""

from __future__ import annotations

import binascii
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from hashlib import sha256

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
"""Signature type of plain Ed25519 note signatures (signed-note)."""

COSIGNATURE_V1 = 0x04
"""Signature type of timestamped Ed25519 checkpoint cosignatures (tlog-cosignature)."""

SIGNATURE_TYPES = (ED25519, COSIGNATURE_V1)

MAX_SIGNATURES = 100
"""Notes with more signature lines are refused (the spec asks for a limit of at least 16)."""

MAX_NOTE_BYTES = 1 << 20

MAX_TIMESTAMP = (1 << 63) - 1
MAX_TREE_SIZE = (1 << 64) - 1

_SIGNATURE_PREFIX = "\u2014 "  # em dash, space
_PRIVATE_KEY_PREFIX = "PRIVATE+KEY+"
_KEY_ID = re.compile(r"[0-9a-f]{8}")
_TREE_SIZE = re.compile(r"0|[1-9][0-9]*")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # ASCII control characters other than newline
_ED25519_SIGNATURE_SIZE = 64
_COSIGNATURE_HEADER = "cosignature/v1\n"


class NoteError(ValueError):
    """A note, key or checkpoint is refused; the message says why."""


class MalformedNoteError(NoteError):
    """The bytes are not a well-formed signed note."""


class UnverifiedNoteError(NoteError):
    """No signature by a known key verifies, or a signature by a known key is invalid."""


class KeyFormatError(NoteError):
    """A verifier or signer key in text form is not well formed or does not match its key ID."""


class CheckpointError(NoteError):
    """A note text is not a well-formed checkpoint, or not the checkpoint expected."""


def _b64encode(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def _b64decode(text: str, what: str, error: type[NoteError]) -> bytes:
    """Standard base64 with padding, in its one canonical spelling."""
    try:
        data = binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise error(f"{what} is not valid base64") from exc
    if _b64encode(data) != text:
        raise error(f"{what} is not canonical base64")
    return data


def check_key_name(name: str) -> None:
    """Key names are non-empty and have no Unicode spaces, plus signs or control characters."""
    if not name:
        raise KeyFormatError("a key name must not be empty")
    for char in name:
        if char == "+" or char.isspace() or char < " ":
            raise KeyFormatError(f"a key name must not contain spaces, '+' or control characters: {name!r}")


def key_id(name: str, signature_type: int, public_key: bytes) -> int:
    """SHA-256(key name || 0x0A || signature type || public key)[:4] as a big-endian uint32."""
    digest = sha256(name.encode() + b"\n" + bytes([signature_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _check_signature_type(signature_type: int) -> None:
    if signature_type not in SIGNATURE_TYPES:
        raise KeyFormatError(f"unsupported signature type 0x{signature_type:02x}")


def _cosigned_message(text: bytes, timestamp: int) -> bytes:
    return f"{_COSIGNATURE_HEADER}time {timestamp}\n".encode() + text


def _check_timestamp(timestamp: int) -> None:
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"a cosignature timestamp is between 0 and 2**63 - 1, got {timestamp}")


# --- Keys -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifierKey:
    """A public key that checks note signatures of one type under one name."""

    name: str
    signature_type: int
    public_key: bytes
    key_id: int = field(init=False)
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        _check_signature_type(self.signature_type)
        if len(self.public_key) != 32:
            raise KeyFormatError(f"an Ed25519 public key is 32 bytes, got {len(self.public_key)}")
        try:
            key = Ed25519PublicKey.from_public_bytes(self.public_key)
        except ValueError as exc:
            raise KeyFormatError("not an Ed25519 public key") from exc
        object.__setattr__(self, "key_id", key_id(self.name, self.signature_type, self.public_key))
        object.__setattr__(self, "_key", key)

    @classmethod
    def parse(cls, vkey: str) -> VerifierKey:
        """Read ``<name>+<hex key ID>+<base64(type || public key)>``; the key ID must match."""
        parts = vkey.split("+", 2)  # the base64 key may itself contain '+'
        if len(parts) != 3:
            raise KeyFormatError("a verifier key is <name>+<key ID>+<key>")
        name, hex_id, encoded = parts
        check_key_name(name)
        if not _KEY_ID.fullmatch(hex_id):
            raise KeyFormatError("a key ID is 8 lowercase hexadecimal digits")
        material = _b64decode(encoded, "the verifier key", KeyFormatError)
        if not material:
            raise KeyFormatError("the verifier key is empty")
        key = cls(name=name, signature_type=material[0], public_key=material[1:])
        if key.key_id != int(hex_id, 16):
            raise KeyFormatError("the key ID does not match the key")
        return key

    def format(self) -> str:
        material = bytes([self.signature_type]) + self.public_key
        return f"{self.name}+{self.key_id:08x}+{_b64encode(material)}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (without the key ID) is this key's valid signature over ``text``."""
        if self.signature_type == COSIGNATURE_V1:
            if len(signature) != 8 + _ED25519_SIGNATURE_SIZE:
                return False
            timestamp = int.from_bytes(signature[:8], "big")
            if timestamp > MAX_TIMESTAMP:
                return False
            text, signature = _cosigned_message(text, timestamp), signature[8:]
        elif len(signature) != _ED25519_SIGNATURE_SIZE:
            return False
        try:
            self._key.verify(signature, text)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    """A private key that signs notes (ED25519) or cosigns checkpoints (COSIGNATURE_V1)."""

    name: str
    signature_type: int
    seed: bytes = field(repr=False)
    verifier: VerifierKey = field(init=False, repr=False, compare=False)
    _key: Ed25519PrivateKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        _check_signature_type(self.signature_type)
        if len(self.seed) != 32:
            raise KeyFormatError(f"an Ed25519 seed is 32 bytes, got {len(self.seed)}")
        key = Ed25519PrivateKey.from_private_bytes(self.seed)
        public = key.public_key().public_bytes_raw()
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "verifier", VerifierKey(self.name, self.signature_type, public))

    @classmethod
    def generate(cls, name: str, signature_type: int = ED25519) -> SignerKey:
        return cls(name=name, signature_type=signature_type, seed=secrets.token_bytes(32))

    @classmethod
    def from_private_key(cls, name: str, key: Ed25519PrivateKey, signature_type: int = ED25519) -> SignerKey:
        return cls(name=name, signature_type=signature_type, seed=key.private_bytes_raw())

    @classmethod
    def parse(cls, skey: str) -> SignerKey:
        """Read ``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>``; the key ID must match."""
        if not skey.startswith(_PRIVATE_KEY_PREFIX):
            raise KeyFormatError("a signer key starts with PRIVATE+KEY+")
        parts = skey[len(_PRIVATE_KEY_PREFIX) :].split("+", 2)
        if len(parts) != 3:
            raise KeyFormatError("a signer key is PRIVATE+KEY+<name>+<key ID>+<key>")
        name, hex_id, encoded = parts
        check_key_name(name)
        if not _KEY_ID.fullmatch(hex_id):
            raise KeyFormatError("a key ID is 8 lowercase hexadecimal digits")
        material = _b64decode(encoded, "the signer key", KeyFormatError)
        if not material:
            raise KeyFormatError("the signer key is empty")
        key = cls(name=name, signature_type=material[0], seed=material[1:])
        if key.key_id != int(hex_id, 16):
            raise KeyFormatError("the key ID does not match the key")
        return key

    def format(self) -> str:
        material = bytes([self.signature_type]) + self.seed
        return f"{_PRIVATE_KEY_PREFIX}{self.name}+{self.key_id:08x}+{_b64encode(material)}"

    @property
    def key_id(self) -> int:
        return self.verifier.key_id

    def sign(self, text: bytes) -> NoteSignature:
        """A plain Ed25519 note signature over ``text``; cosigners use :func:`cosign`."""
        if self.signature_type != ED25519:
            raise NoteError("a cosignature key signs with cosign(), which adds the time")
        return NoteSignature(self.name, self.key_id, self._key.sign(text))

    def sign_at(self, text: bytes, timestamp: int) -> NoteSignature:
        """A cosignature/v1 over ``text`` at POSIX time ``timestamp``."""
        if self.signature_type != COSIGNATURE_V1:
            raise NoteError("only a cosignature key makes timestamped signatures")
        _check_timestamp(timestamp)
        signature = self._key.sign(_cosigned_message(text, timestamp))
        return NoteSignature(self.name, self.key_id, timestamp.to_bytes(8, "big") + signature)


# --- Signed notes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key's name and ID, and the signature bytes after the key ID."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        """``— <name> base64(key ID || signature)`` with its final newline."""
        encoded = _b64encode(self.key_id.to_bytes(4, "big") + self.signature)
        return f"{_SIGNATURE_PREFIX}{self.name} {encoded}\n"

    @property
    def timestamp(self) -> int:
        """The time of a cosignature/v1 signature (its first 8 bytes)."""
        if len(self.signature) < 8:
            raise NoteError("not a timestamped signature")
        return int.from_bytes(self.signature[:8], "big")

    @classmethod
    def parse(cls, line: str) -> NoteSignature:
        """Read one signature line, with or without its final newline."""
        return _parse_signature_line(line.removesuffix("\n"))


@dataclass(frozen=True)
class OpenedNote:
    """A note whose signatures by known keys all verified."""

    text: str
    signatures: tuple[NoteSignature, ...]
    """The verified signatures, in note order; signatures by unknown keys are left out."""


def _check_note_characters(text: str, what: str, error: type[NoteError]) -> None:
    control = _CONTROL.search(text)
    if control:
        raise error(f"{what} contains the control character U+{ord(control.group()):04X}")


def _check_text(text: str) -> bytes:
    if not text.endswith("\n"):
        raise MalformedNoteError("the note text must end with a newline")
    _check_note_characters(text, "the note text", MalformedNoteError)
    try:
        return text.encode()
    except UnicodeEncodeError as exc:
        raise MalformedNoteError("the note text is not valid Unicode") from exc


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise MalformedNoteError("a signature line starts with an em dash and a space")
    name, space, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    if not space:
        raise MalformedNoteError("a signature line is '\u2014 <key name> <signature>'")
    try:
        check_key_name(name)
    except KeyFormatError as exc:
        raise MalformedNoteError(str(exc)) from exc
    raw = _b64decode(encoded, "a signature", MalformedNoteError)
    if len(raw) < 5:
        raise MalformedNoteError("a signature is a key ID and at least one byte")
    return NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def _split_note(note: bytes) -> tuple[str, list[NoteSignature]]:
    """Text and signature lines of a note, checking its structure but no signatures."""
    if len(note) > MAX_NOTE_BYTES:
        raise MalformedNoteError(f"a note is at most {MAX_NOTE_BYTES} bytes")
    try:
        decoded = note.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedNoteError("a note must be valid UTF-8") from exc
    _check_note_characters(decoded, "the note", MalformedNoteError)
    separator = decoded.rfind("\n\n")
    if separator < 0:
        raise MalformedNoteError("a note has a blank line between text and signatures")
    text, block = decoded[: separator + 1], decoded[separator + 2 :]
    if not block:
        raise MalformedNoteError("a note has at least one signature line")
    if not block.endswith("\n"):
        raise MalformedNoteError("a note ends with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNoteError(f"a note has at most {MAX_SIGNATURES} signatures, this one has {len(lines)}")
    return text, [_parse_signature_line(line) for line in lines]


def sign_note(text: str, signers: Sequence[SignerKey]) -> bytes:
    """The signed note of ``text`` (which ends with a newline), signed by each of ``signers``."""
    if not signers:
        raise NoteError("a note needs at least one signer")
    encoded = _check_text(text)
    lines = [signer.sign(encoded).line() for signer in signers]
    return (text + "\n" + "".join(lines)).encode()


def add_signatures(note: bytes, signatures: Iterable[NoteSignature]) -> bytes:
    """``note`` with more signature lines appended, e.g. witnesses' cosignatures."""
    _, existing = _split_note(note)
    lines = [signature.line() for signature in signatures]
    if len(existing) + len(lines) > MAX_SIGNATURES:
        raise NoteError(f"a note has at most {MAX_SIGNATURES} signatures")
    for line in lines:  # checks the new lines as a reader would
        _parse_signature_line(line[:-1])
    return note + "".join(lines).encode()


def with_signature_lines(note: str, lines: Iterable[str]) -> str:
    """A stored note with stored signature lines (each without its newline) appended, as served:
    e.g. a checkpoint with its witnesses' cosignatures. Checks nothing; readers open it."""
    return note + "".join(f"{line}\n" for line in lines)


def _index_verifiers(verifiers: Iterable[VerifierKey]) -> dict[tuple[str, int], VerifierKey]:
    known: dict[tuple[str, int], VerifierKey] = {}
    for verifier in verifiers:
        identity = (verifier.name, verifier.key_id)
        if identity in known:
            raise NoteError(f"two verifier keys share the name {verifier.name!r} and ID {verifier.key_id:08x}")
        known[identity] = verifier
    return known


def open_note(note: bytes, verifiers: Iterable[VerifierKey]) -> OpenedNote:
    """Check a signed note against the keys the reader trusts.

    Signatures by unknown keys (name and key ID not both known) are ignored. The note is refused
    when it is malformed, when a signature by a known key is invalid or repeated, and when no
    known key signed it.
    """
    known = _index_verifiers(verifiers)
    text, signatures = _split_note(note)
    encoded = text.encode()
    verified: list[NoteSignature] = []
    seen: set[tuple[str, int]] = set()
    for signature in signatures:
        identity = (signature.name, signature.key_id)
        verifier = known.get(identity)
        if verifier is None:
            continue
        if identity in seen:
            raise MalformedNoteError(f"key {signature.name} signed the note twice")
        seen.add(identity)
        if not verifier.verify(encoded, signature.signature):
            raise UnverifiedNoteError(f"the signature by {signature.name} is invalid")
        verified.append(signature)
    if not verified:
        raise UnverifiedNoteError("no known key signed this note")
    return OpenedNote(text=text, signatures=tuple(verified))


# --- Checkpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A log's signed tree head: origin, tree size and root hash (C2SP tlog-checkpoint)."""

    origin: str
    size: int
    root_hash: bytes
    extension_lines: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin:
            raise CheckpointError("the origin must not be empty")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"the tree size must be between 0 and 2**64 - 1, got {self.size}")
        if len(self.root_hash) != 32:
            raise CheckpointError(f"the root hash is 32 bytes, got {len(self.root_hash)}")
        for line in (self.origin, *self.extension_lines):
            if not line:
                raise CheckpointError("extension lines must not be empty")
            if "\n" in line:
                raise CheckpointError("a checkpoint line must not contain a newline")
            _check_note_characters(line, "a checkpoint line", CheckpointError)

    def format(self) -> str:
        """The note text, ending with a newline."""
        lines = [self.origin, str(self.size), _b64encode(self.root_hash), *self.extension_lines]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint note text strictly: the exact spelling ``format`` produces."""
        if not text.endswith("\n"):
            raise CheckpointError("a checkpoint ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("a checkpoint has an origin, a tree size and a root hash line")
        origin, size, root, *extensions = lines
        if not origin:
            raise CheckpointError("the origin line must not be empty")
        if not _TREE_SIZE.fullmatch(size):
            raise CheckpointError("the tree size is a decimal number without leading zeros or sign")
        root_hash = _b64decode(root, "the root hash", CheckpointError)
        return cls(origin=origin, size=int(size), root_hash=root_hash, extension_lines=tuple(extensions))


@dataclass(frozen=True)
class Cosignature:
    """A witness's verified statement that it saw this checkpoint at ``timestamp``."""

    name: str
    key_id: int
    timestamp: int


@dataclass(frozen=True)
class OpenedCheckpoint:
    checkpoint: Checkpoint
    text: str
    cosignatures: tuple[Cosignature, ...]
    """Verified cosignatures by the witnesses the reader knows, in note order."""


def sign_checkpoint(checkpoint: Checkpoint, signer: SignerKey) -> bytes:
    """The checkpoint as a note signed by the log's key."""
    return sign_note(checkpoint.format(), [signer])


def open_checkpoint(
    note: bytes,
    log_verifier: VerifierKey,
    witness_verifiers: Iterable[VerifierKey] = (),
    *,
    origin: str | None = None,
) -> OpenedCheckpoint:
    """Check a checkpoint note: the log's signature must be present and valid, the text a
    checkpoint of ``origin`` (by default the log key's name), and every cosignature by a known
    witness valid. Cosignatures by unknown witnesses are ignored."""
    if log_verifier.signature_type != ED25519:
        raise NoteError("the log signs checkpoints with an Ed25519 note key")
    witnesses = list(witness_verifiers)
    for witness in witnesses:
        if witness.signature_type != COSIGNATURE_V1:
            raise NoteError(f"witness key {witness.name} is not a cosignature/v1 key")
    opened = open_note(note, [log_verifier, *witnesses])
    log_identity = (log_verifier.name, log_verifier.key_id)
    if not any((signature.name, signature.key_id) == log_identity for signature in opened.signatures):
        raise UnverifiedNoteError("the log did not sign this checkpoint")
    checkpoint = Checkpoint.parse(opened.text)
    expected = log_verifier.name if origin is None else origin
    if checkpoint.origin != expected:
        raise CheckpointError(f"the checkpoint is from {checkpoint.origin!r}, not {expected!r}")
    cosignatures = tuple(
        Cosignature(signature.name, signature.key_id, signature.timestamp)
        for signature in opened.signatures
        if (signature.name, signature.key_id) != log_identity
    )
    return OpenedCheckpoint(checkpoint=checkpoint, text=opened.text, cosignatures=cosignatures)


# --- Cosignatures -----------------------------------------------------------------------------


def cosign(checkpoint_text: str, signer: SignerKey, timestamp: int) -> NoteSignature:
    """A witness's cosignature/v1 over a checkpoint text at POSIX time ``timestamp``; add it to
    the checkpoint note with :func:`add_signatures`."""
    Checkpoint.parse(checkpoint_text)
    return signer.sign_at(_check_text(checkpoint_text), timestamp)


def verify_cosignature(checkpoint_text: str, signature: NoteSignature, verifier: VerifierKey) -> int:
    """Check one cosignature over a checkpoint text; returns its timestamp."""
    if verifier.signature_type != COSIGNATURE_V1:
        raise NoteError("not a cosignature/v1 key")
    if (signature.name, signature.key_id) != (verifier.name, verifier.key_id):
        raise UnverifiedNoteError("the cosignature is by another key")
    if not verifier.verify(_check_text(checkpoint_text), signature.signature):
        raise UnverifiedNoteError(f"the cosignature by {signature.name} is invalid")
    return signature.timestamp
