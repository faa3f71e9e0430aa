"""Signed notes, checkpoints and cosignatures against the C2SP specs and their examples, and the
many ways a note can be malformed or tampered with."""

from __future__ import annotations

import base64
from hashlib import sha256

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from meedoen.ledger.notes import (
    COSIGNATURE_V1,
    ED25519,
    MAX_SIGNATURES,
    Checkpoint,
    CheckpointError,
    Cosignature,
    KeyFormatError,
    MalformedNoteError,
    NoteError,
    NoteSignature,
    SignerKey,
    UnverifiedNoteError,
    VerifierKey,
    add_signatures,
    cosign,
    key_id,
    open_checkpoint,
    open_note,
    sign_checkpoint,
    sign_note,
    verify_cosignature,
)

# From c2sp.org/signed-note, "Verifier keys", Example.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_SIGNATURE = "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
SPEC_NOTE = f"This is an example message.\n\n\u2014 example.com/foo {SPEC_SIGNATURE}\n".encode()

# From c2sp.org/tlog-checkpoint and c2sp.org/tlog-cosignature.
SPEC_CHECKPOINT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_COSIGNATURE_LINE = (
    "\u2014 witness.example.com/w1 "
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)

ORIGIN = "meedoen.example/ledger/gm0867"
TEXT = "Gedeeld logboek\nregel twee\n"


def seeded(name: str, signature_type: int = ED25519, seed: int = 1) -> SignerKey:
    return SignerKey(name=name, signature_type=signature_type, seed=bytes([seed]) * 32)


LOG = seeded(ORIGIN)
OTHER = seeded("other.example/key", seed=2)
WITNESS = seeded("witness.example/w1", COSIGNATURE_V1, seed=3)
WITNESS2 = seeded("witness.example/w2", COSIGNATURE_V1, seed=4)


def signature_line(name: str, raw: bytes) -> str:
    return f"\u2014 {name} {base64.b64encode(raw).decode()}\n"


def replace_signature(note: bytes, transform: object) -> bytes:
    text, _, lines = note.decode().rpartition("\n\n")
    name, encoded = lines.rstrip("\n").removeprefix("\u2014 ").split(" ")
    raw = transform(base64.b64decode(encoded))  # type: ignore[operator]
    return (text + "\n\n" + signature_line(name, raw)).encode()


# --- Keys ---------------------------------------------------------------------------------------


def test_the_spec_verifier_key_parses_and_its_key_id_is_recomputed() -> None:
    key = VerifierKey.parse(SPEC_VKEY)
    assert key.name == "example.com/foo"
    assert key.signature_type == ED25519
    expected = sha256(b"example.com/foo\n\x01" + key.public_key).digest()[:4]
    assert key.key_id == int.from_bytes(expected, "big") == 0x530D903A
    assert key_id("example.com/foo", ED25519, key.public_key) == 0x530D903A
    assert key.format() == SPEC_VKEY


def test_signer_keys_round_trip_through_text() -> None:
    signer = SignerKey.generate("example.com/log")
    text = signer.format()
    assert text.startswith("PRIVATE+KEY+example.com/log+")
    _, _, name, hex_id, encoded = text.split("+", 4)
    assert name == "example.com/log"
    assert hex_id == f"{signer.key_id:08x}"
    assert base64.b64decode(encoded) == b"\x01" + signer.seed
    parsed = SignerKey.parse(text)
    assert parsed == signer
    assert parsed.verifier == signer.verifier
    assert VerifierKey.parse(signer.verifier.format()) == signer.verifier
    assert signer.seed.hex() not in repr(signer)


@given(seed=st.binary(min_size=32, max_size=32), signature_type=st.sampled_from([ED25519, COSIGNATURE_V1]))
def test_any_key_round_trips_even_when_its_base64_contains_plus(seed: bytes, signature_type: int) -> None:
    signer = SignerKey("example.com/k", signature_type, seed)
    assert SignerKey.parse(signer.format()) == signer
    assert VerifierKey.parse(signer.verifier.format()) == signer.verifier


def test_a_key_with_plus_in_its_base64_parses() -> None:
    signers = [seeded("example.com/k", seed=n) for n in range(256)]
    signer = next(key for key in signers if "+" in key.format().split("+", 4)[4])
    assert SignerKey.parse(signer.format()) == signer
    verifier = next(key.verifier for key in signers if "+" in key.verifier.format().split("+", 2)[2])
    assert VerifierKey.parse(verifier.format()) == verifier


def test_a_signer_key_from_a_cryptography_key_signs_like_it() -> None:
    private = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32)
    signer = SignerKey.from_private_key("example.com/log", private)
    assert signer.verifier.public_key == private.public_key().public_bytes_raw()
    private.public_key().verify(signer.sign(b"x\n").signature, b"x\n")


def test_cosignature_keys_have_their_own_type_and_key_id() -> None:
    public = WITNESS.verifier.public_key
    expected = sha256(b"witness.example/w1\n\x04" + public).digest()[:4]
    assert WITNESS.key_id == int.from_bytes(expected, "big")
    assert WITNESS.key_id != key_id(WITNESS.name, ED25519, public)
    assert base64.b64decode(WITNESS.verifier.format().split("+")[2])[0] == COSIGNATURE_V1
    assert SignerKey.parse(WITNESS.format()) == WITNESS


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "does not match"),
        ("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "lowercase"),
        ("example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "8 lowercase"),
        ("example.com/foo+530d903a0+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "8 lowercase"),
        ("example.com/foo+530d903a", "<name>"),
        ("example.com+foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "8 lowercase"),
        ("+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "empty"),
        ("example com+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "spaces"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2", "base64"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k=", "base64"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2!", "base64"),
        ("example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "signature type"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv", "32 bytes"),
        ("example.com/foo+530d903a+", "empty"),
    ],
)
def test_malformed_verifier_keys_are_refused(text: str, reason: str) -> None:
    with pytest.raises(KeyFormatError, match=reason):
        VerifierKey.parse(text)


def test_malformed_signer_keys_are_refused() -> None:
    good = LOG.format()
    prefix, name_part = good[: len("PRIVATE+KEY+")], good[len("PRIVATE+KEY+") :]
    name, hex_id, encoded = name_part.split("+")
    wrong_id = f"{(int(hex_id, 16) ^ 1):08x}"
    wrong_type = base64.b64encode(b"\x02" + LOG.seed).decode()
    for text, reason in [
        (name_part, "starts with PRIVATE\\+KEY\\+"),
        (f"{prefix}{name}+{wrong_id}+{encoded}", "does not match"),
        (f"{prefix}{name}+{hex_id}", "PRIVATE\\+KEY\\+<name>"),
        (f"{prefix}{name}+{hex_id}+{encoded[:-4]}", "base64|32 bytes"),
        (f"{prefix}{name}+{hex_id}+{wrong_type}", "signature type"),
    ]:
        with pytest.raises(KeyFormatError, match=reason):
            SignerKey.parse(text)


def test_key_names_follow_the_spec() -> None:
    for name in ["", "with space", "with\u00a0nbsp", "plus+sign", "tab\tname", "new\nline"]:
        with pytest.raises(KeyFormatError):
            seeded(name)


# --- Signed notes -------------------------------------------------------------------------------


def test_the_spec_example_note_verifies() -> None:
    opened = open_note(SPEC_NOTE, [VerifierKey.parse(SPEC_VKEY)])
    assert opened.text == "This is an example message.\n"
    assert [(s.name, s.key_id) for s in opened.signatures] == [("example.com/foo", 0x530D903A)]


def test_the_spec_example_note_is_refused_when_its_text_changes() -> None:
    tampered = SPEC_NOTE.replace(b"example message", b"exampel message")
    with pytest.raises(UnverifiedNoteError, match="invalid"):
        open_note(tampered, [VerifierKey.parse(SPEC_VKEY)])


def test_the_quasimodo_note_is_well_formed_but_signed_by_a_key_we_do_not_know() -> None:
    note = (
        "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u00e8 subito sera.\n\n"
        "\u2014 quasimodo.example/salvatore "
        "NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
    ).encode()
    with pytest.raises(UnverifiedNoteError, match="no known key"):
        open_note(note, [VerifierKey.parse(SPEC_VKEY)])


def test_sign_and_open_with_several_keys() -> None:
    note = sign_note(TEXT, [LOG, OTHER])
    assert note.startswith(f"{TEXT}\n\u2014 {ORIGIN} ".encode())
    opened = open_note(note, [OTHER.verifier, LOG.verifier])
    assert opened.text == TEXT
    assert [s.name for s in opened.signatures] == [ORIGIN, OTHER.name]
    assert [s.name for s in open_note(note, [OTHER.verifier]).signatures] == [OTHER.name]
    assert LOG.verifier.verify(TEXT.encode(), opened.signatures[0].signature)
    assert not OTHER.verifier.verify(TEXT.encode(), opened.signatures[0].signature)
    Ed25519PublicKey.from_public_bytes(LOG.verifier.public_key).verify(opened.signatures[0].signature, TEXT.encode())


def test_a_text_with_blank_lines_keeps_them() -> None:
    text = "eerste\n\nna een lege regel\n\n"
    assert open_note(sign_note(text, [LOG]), [LOG.verifier]).text == text


def test_signatures_by_unknown_keys_are_ignored() -> None:
    note = sign_note(TEXT, [OTHER, LOG])
    stranger = seeded("stranger.example/k", seed=9)
    same_name_other_key = seeded(ORIGIN, seed=10)
    same_id_other_name = NoteSignature("impostor.example/k", LOG.key_id, b"\x00" * 64)
    garbage = NoteSignature("stranger.example/k", 1234, b"not a signature")
    extended = add_signatures(
        note, [stranger.sign(b"other text\n"), same_name_other_key.sign(b"x\n"), same_id_other_name, garbage]
    )
    opened = open_note(extended, [LOG.verifier])
    assert [(s.name, s.key_id) for s in opened.signatures] == [(ORIGIN, LOG.key_id)]


def test_a_note_without_a_known_signature_is_refused() -> None:
    with pytest.raises(UnverifiedNoteError, match="no known key"):
        open_note(sign_note(TEXT, [OTHER]), [LOG.verifier])
    with pytest.raises(UnverifiedNoteError, match="no known key"):
        open_note(sign_note(TEXT, [LOG]), [])


def test_an_invalid_signature_by_a_known_key_refuses_the_note_even_beside_a_valid_one() -> None:
    forged = NoteSignature(OTHER.name, OTHER.key_id, OTHER.sign(b"something else\n").signature)
    note = add_signatures(sign_note(TEXT, [LOG]), [forged])
    with pytest.raises(UnverifiedNoteError, match=f"by {OTHER.name} is invalid"):
        open_note(note, [LOG.verifier, OTHER.verifier])
    assert open_note(note, [LOG.verifier]).text == TEXT


def test_a_known_key_signing_twice_is_refused() -> None:
    note = sign_note(TEXT, [LOG, LOG])
    with pytest.raises(MalformedNoteError, match="twice"):
        open_note(note, [LOG.verifier])


def test_two_verifiers_with_the_same_identity_are_a_configuration_error() -> None:
    with pytest.raises(NoteError, match="share the name"):
        open_note(sign_note(TEXT, [LOG]), [LOG.verifier, LOG.verifier])


def _tamper_name(note: bytes) -> bytes:
    return note.replace(f"\u2014 {ORIGIN} ".encode(), b"\xe2\x80\x94 meedoen.example/other ")


def _with_trailing_bits(char: bytes) -> bytes:
    """The base64 digit with the same data bits but a non-zero unused low bit."""
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return alphabet[alphabet.index(char) | 1 : (alphabet.index(char) | 1) + 1]


TAMPERINGS = {
    "changed text": lambda note: note.replace(b"regel twee", b"regel drie"),
    "text without its last line": lambda note: note.replace(b"regel twee\n", b""),
    "changed signature": lambda note: replace_signature(note, lambda raw: raw[:-1] + bytes([raw[-1] ^ 1])),
    "truncated signature": lambda note: replace_signature(note, lambda raw: raw[:-1]),
    "extended signature": lambda note: replace_signature(note, lambda raw: raw + b"\x00"),
    "changed key id": lambda note: replace_signature(note, lambda raw: bytes([raw[0] ^ 1]) + raw[1:]),
    "wrong key name": _tamper_name,
    "extra blank line before signatures": lambda note: note.replace(b"\n\n", b"\n\n\n"),
    "blank line after signatures": lambda note: note + b"\n",
    "missing final newline": lambda note: note[:-1],
    "no blank line": lambda note: note.replace(b"\n\n", b"\n"),
    "no signatures": lambda note: note.split(b"\n\n")[0] + b"\n\n",
    "non-UTF-8 text": lambda note: note.replace(b"twee", b"tw\xffe"),
    "overlong UTF-8": lambda note: note.replace(b"twee", b"tw\xc1\xa5e"),
    "UTF-8 surrogate": lambda note: note.replace(b"twee", b"tw\xed\xa0\x80e"),
    "carriage return": lambda note: note.replace(b"\n", b"\r\n", 1),
    "tab": lambda note: note.replace(b"twee", b"tw\tee"),
    "NUL": lambda note: note.replace(b"twee", b"tw\x00ee"),
    "escape": lambda note: note.replace(b"twee", b"\x1b[31mtwee"),
    "carriage return in signature line": lambda note: note[:-1] + b"\r\n",
    "hyphen instead of em dash": lambda note: note.replace("\u2014 ".encode(), b"- "),
    "en dash instead of em dash": lambda note: note.replace("\u2014".encode(), "\u2013".encode()),
    "no space after dash": lambda note: note.replace("\u2014 ".encode(), "\u2014".encode()),
    "two spaces before signature": lambda note: note.replace(f"{ORIGIN} ".encode(), f"{ORIGIN}  ".encode()),
    "space inside signature": lambda note: note[:-10] + b" " + note[-10:],
    "non-base64 signature": lambda note: note[:-3] + b"!=\n",
    "unpadded signature": lambda note: note[:-2] + b"\n",
    "non-canonical base64": lambda note: note[:-3] + _with_trailing_bits(note[-3:-2]) + b"=\n",
    "empty key name": lambda note: note.replace(f"\u2014 {ORIGIN} ".encode(), "\u2014  ".encode()),
    "key name with a no-break space": lambda note: note.replace(ORIGIN.encode(), f"{ORIGIN}\u00a0x".encode()),
}


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_tampered_notes_are_refused(tamper: object) -> None:
    note = sign_note(TEXT, [LOG])
    assert open_note(note, [LOG.verifier]).text == TEXT
    tampered = tamper(note)  # type: ignore[operator]
    assert tampered != note
    with pytest.raises(NoteError):
        open_note(tampered, [LOG.verifier])


def signed_raw(text: bytes) -> bytes:
    """A note over any bytes, validly signed by LOG: what a careless or hostile signer could send."""
    raw = Ed25519PrivateKey.from_private_bytes(LOG.seed).sign(text)
    return text + b"\n" + NoteSignature(LOG.name, LOG.key_id, raw).line().encode()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b"tab\there\n", "control character U\\+0009"),
        (b"windows\r\nline\n", "control character U\\+000D"),
        (b"nul\x00\n", "control character U\\+0000"),
        (b"latin-1 caf\xe9\n", "valid UTF-8"),
        (b"surrogate \xed\xa0\x80\n", "valid UTF-8"),
    ],
)
def test_validly_signed_notes_that_break_the_format_are_refused(text: bytes, reason: str) -> None:
    with pytest.raises(MalformedNoteError, match=reason):
        open_note(signed_raw(text), [LOG.verifier])


def test_the_structure_errors_say_what_is_wrong() -> None:
    note = sign_note(TEXT, [LOG])
    for broken, reason in [
        (note[:-1], "ends with a newline"),
        (note + b"\n", "at least one signature line"),
        (note.replace(b"\n\n", b"\n"), "blank line between text and signatures"),
    ]:
        with pytest.raises(MalformedNoteError, match=reason):
            open_note(broken, [LOG.verifier])


def test_a_signature_shorter_than_a_key_id_and_one_byte_is_malformed() -> None:
    note = sign_note(TEXT, [LOG])
    with pytest.raises(MalformedNoteError, match="at least one byte"):
        open_note(replace_signature(note, lambda raw: raw[:4]), [LOG.verifier])


def test_up_to_the_signature_limit_is_accepted_and_one_more_is_not() -> None:
    note = sign_note(TEXT, [LOG])
    strangers = [NoteSignature(f"stranger.example/{i}", i, b"\x00" * 64) for i in range(MAX_SIGNATURES)]
    full = add_signatures(note, strangers[: MAX_SIGNATURES - 1])
    assert open_note(full, [LOG.verifier]).text == TEXT
    overfull = full + strangers[-1].line().encode()
    with pytest.raises(MalformedNoteError, match="at most 100 signatures"):
        open_note(overfull, [LOG.verifier])
    with pytest.raises(NoteError, match="at most 100 signatures"):
        add_signatures(full, [strangers[-1]])


def test_a_huge_note_is_refused_before_it_is_read() -> None:
    with pytest.raises(MalformedNoteError, match="at most"):
        open_note(b"x" * (1 << 20) + b"\n\n" + LOG.sign(b"x\n").line().encode(), [LOG.verifier])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("no final newline", "end with a newline"),
        ("", "end with a newline"),
        ("tab\there\n", "control character U\\+0009"),
        ("carriage return\r\n", "control character U\\+000D"),
        ("lone surrogate \ud800\n", "not valid Unicode"),
    ],
)
def test_texts_that_cannot_be_a_note_are_not_signed(text: str, reason: str) -> None:
    with pytest.raises(MalformedNoteError, match=reason):
        sign_note(text, [LOG])


def test_signing_needs_a_signer_of_the_note_type() -> None:
    with pytest.raises(NoteError, match="at least one signer"):
        sign_note(TEXT, [])
    with pytest.raises(NoteError, match="cosign"):
        sign_note(TEXT, [WITNESS])
    with pytest.raises(NoteError, match="only a cosignature key"):
        LOG.sign_at(TEXT.encode(), 1)


def test_signature_lines_parse_and_format() -> None:
    signature = LOG.sign(TEXT.encode())
    assert NoteSignature.parse(signature.line()) == signature
    assert NoteSignature.parse(signature.line().rstrip("\n")) == signature
    with pytest.raises(MalformedNoteError):
        NoteSignature.parse("- example.com/foo " + SPEC_SIGNATURE)


# --- Checkpoints --------------------------------------------------------------------------------


def test_the_spec_checkpoint_parses_and_formats_back() -> None:
    checkpoint = Checkpoint.parse(SPEC_CHECKPOINT)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.extension_lines == ()
    assert checkpoint.format() == SPEC_CHECKPOINT


def test_extension_lines_round_trip() -> None:
    checkpoint = Checkpoint(ORIGIN, 0, b"\x00" * 32, ("ext one", "\u2014 ext two"))
    assert checkpoint.format().endswith("\next one\n\u2014 ext two\n")
    assert Checkpoint.parse(checkpoint.format()) == checkpoint


_LINE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), min_codepoint=0x20), min_size=1, max_size=40
).filter(lambda line: "\n" not in line)


@given(
    origin=_LINE,
    size=st.integers(min_value=0, max_value=(1 << 64) - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(_LINE, max_size=3),
)
def test_any_checkpoint_round_trips(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    checkpoint = Checkpoint(origin, size, root, tuple(extensions))
    assert Checkpoint.parse(checkpoint.format()) == checkpoint


ROOT = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"example.com/log\n020852163\n{ROOT}\n", "leading zeros"),
        (f"example.com/log\n00\n{ROOT}\n", "leading zeros"),
        (f"example.com/log\n-1\n{ROOT}\n", "without leading zeros or sign"),
        (f"example.com/log\n+1\n{ROOT}\n", "without leading zeros or sign"),
        (f"example.com/log\n 1\n{ROOT}\n", "without leading zeros or sign"),
        (f"example.com/log\n1.0\n{ROOT}\n", "decimal"),
        (f"example.com/log\n0x10\n{ROOT}\n", "decimal"),
        (f"example.com/log\n\u0661\n{ROOT}\n", "decimal"),
        (f"example.com/log\n\n{ROOT}\n", "decimal"),
        (f"example.com/log\n{1 << 64}\n{ROOT}\n", "2\\*\\*64"),
        ("example.com/log\n1\nnot base64!\n", "not valid base64"),
        (f"example.com/log\n1\n{ROOT[:-2]}\n", "not valid base64"),
        (f"example.com/log\n1\n{ROOT[:-1]}\n", "not valid base64"),
        (f"example.com/log\n1\n{ROOT[:-2]}J=\n", "not canonical"),
        (f"example.com/log\n1\n{base64.b64encode(b'x' * 31).decode()}\n", "32 bytes, got 31"),
        (f"example.com/log\n1\n{base64.b64encode(b'x' * 33).decode()}\n", "32 bytes, got 33"),
        (f"example.com/log\n1\n{ROOT} \n", "base64"),
        (f"\n1\n{ROOT}\n", "origin line must not be empty"),
        ("example.com/log\n1\n", "origin, a tree size and a root hash"),
        ("example.com/log\n", "origin, a tree size and a root hash"),
        ("", "ends with a newline"),
        (f"example.com/log\n1\n{ROOT}", "ends with a newline"),
        (f"example.com/log\n1\n{ROOT}\n\n", "extension lines must not be empty"),
        (f"example.com/log\n1\n{ROOT}\next\n\nmore\n", "extension lines must not be empty"),
        (f"example.com/\tlog\n1\n{ROOT}\n", "control character"),
    ],
)
def test_malformed_checkpoints_are_refused(text: str, reason: str) -> None:
    with pytest.raises(CheckpointError, match=reason):
        Checkpoint.parse(text)


def test_checkpoints_with_impossible_fields_cannot_be_made() -> None:
    for origin, size, root, extensions in [
        ("", 1, b"\x00" * 32, ()),
        ("two\nlines", 1, b"\x00" * 32, ()),
        (ORIGIN, -1, b"\x00" * 32, ()),
        (ORIGIN, 1 << 64, b"\x00" * 32, ()),
        (ORIGIN, 1, b"\x00" * 31, ()),
        (ORIGIN, 1, b"\x00" * 32, ("",)),
        (ORIGIN, 1, b"\x00" * 32, ("a\nb",)),
    ]:
        with pytest.raises(CheckpointError):
            Checkpoint(origin, size, root, extensions)


def make_checkpoint(size: int = 7) -> Checkpoint:
    return Checkpoint(ORIGIN, size, sha256(str(size).encode()).digest())


def test_a_signed_checkpoint_opens() -> None:
    checkpoint = make_checkpoint()
    opened = open_checkpoint(sign_checkpoint(checkpoint, LOG), LOG.verifier)
    assert opened.checkpoint == checkpoint
    assert opened.text == checkpoint.format()
    assert opened.cosignatures == ()


def test_a_checkpoint_must_be_signed_by_the_log_itself() -> None:
    checkpoint = make_checkpoint()
    impostor = seeded(ORIGIN, seed=42)
    with pytest.raises(UnverifiedNoteError, match="no known key"):
        open_checkpoint(sign_checkpoint(checkpoint, impostor), LOG.verifier)
    cosigned_only = add_signatures(
        sign_checkpoint(checkpoint, impostor), [cosign(checkpoint.format(), WITNESS, 1_700_000_000)]
    )
    with pytest.raises(UnverifiedNoteError, match="log did not sign"):
        open_checkpoint(cosigned_only, LOG.verifier, [WITNESS.verifier])


def test_a_checkpoint_of_another_origin_is_refused() -> None:
    other_log = Checkpoint("meedoen.example/ledger/gm0938", 3, b"\x01" * 32)
    note = sign_checkpoint(other_log, LOG)
    with pytest.raises(CheckpointError, match="gm0938"):
        open_checkpoint(note, LOG.verifier)
    assert open_checkpoint(note, LOG.verifier, origin="meedoen.example/ledger/gm0938").checkpoint == other_log


def test_a_note_by_the_log_that_is_not_a_checkpoint_is_refused() -> None:
    with pytest.raises(CheckpointError):
        open_checkpoint(sign_note(f"{ORIGIN}\n07\n{ROOT}\n", [LOG]), LOG.verifier)


def test_keys_of_the_wrong_kind_are_a_configuration_error() -> None:
    note = sign_checkpoint(make_checkpoint(), LOG)
    with pytest.raises(NoteError, match="Ed25519 note key"):
        open_checkpoint(note, WITNESS.verifier)
    with pytest.raises(NoteError, match="not a cosignature/v1 key"):
        open_checkpoint(note, LOG.verifier, [OTHER.verifier])


# --- Cosignatures -------------------------------------------------------------------------------


def test_the_spec_cosignature_line_carries_its_key_id_and_time() -> None:
    signature = NoteSignature.parse(SPEC_COSIGNATURE_LINE)
    assert signature.name == "witness.example.com/w1"
    assert signature.key_id == 0x8D66CF3F
    assert signature.timestamp == 1679315147
    assert len(signature.signature) == 8 + 64
    assert signature.line() == SPEC_COSIGNATURE_LINE


def test_a_cosignature_signs_the_spec_message() -> None:
    text = make_checkpoint().format()
    signature = cosign(text, WITNESS, 1679315147)
    assert signature.name == WITNESS.name
    assert signature.key_id == WITNESS.key_id
    assert signature.signature[:8] == (1679315147).to_bytes(8, "big")
    message = b"cosignature/v1\ntime 1679315147\n" + text.encode()
    Ed25519PublicKey.from_public_bytes(WITNESS.verifier.public_key).verify(signature.signature[8:], message)


def test_cosignatures_round_trip_on_the_checkpoint_note() -> None:
    checkpoint = make_checkpoint()
    text = checkpoint.format()
    note = sign_checkpoint(checkpoint, LOG)
    first, second = cosign(text, WITNESS, 1_700_000_000), cosign(text, WITNESS2, 1_700_000_005)
    assert verify_cosignature(text, first, WITNESS.verifier) == 1_700_000_000
    cosigned = add_signatures(note, [first, second])
    assert cosigned.decode().endswith(first.line() + second.line())

    opened = open_checkpoint(cosigned, LOG.verifier, [WITNESS.verifier, WITNESS2.verifier])
    assert opened.checkpoint == checkpoint
    assert opened.cosignatures == (
        Cosignature(WITNESS.name, WITNESS.key_id, 1_700_000_000),
        Cosignature(WITNESS2.name, WITNESS2.key_id, 1_700_000_005),
    )
    only_first = open_checkpoint(cosigned, LOG.verifier, [WITNESS.verifier])
    assert [c.name for c in only_first.cosignatures] == [WITNESS.name]


def test_a_cosignature_over_another_checkpoint_is_refused() -> None:
    text = make_checkpoint(7).format()
    elsewhere = cosign(make_checkpoint(8).format(), WITNESS, 1_700_000_000)
    with pytest.raises(UnverifiedNoteError, match="invalid"):
        verify_cosignature(text, elsewhere, WITNESS.verifier)
    cosigned = add_signatures(sign_checkpoint(make_checkpoint(7), LOG), [elsewhere])
    with pytest.raises(UnverifiedNoteError, match=f"by {WITNESS.name} is invalid"):
        open_checkpoint(cosigned, LOG.verifier, [WITNESS.verifier])
    # A reader who does not know this witness ignores its line.
    assert open_checkpoint(cosigned, LOG.verifier).cosignatures == ()


def test_a_cosignature_with_a_changed_time_is_refused() -> None:
    text = make_checkpoint().format()
    signature = cosign(text, WITNESS, 1_700_000_000)
    moved = NoteSignature(
        signature.name, signature.key_id, (1_700_000_001).to_bytes(8, "big") + signature.signature[8:]
    )
    with pytest.raises(UnverifiedNoteError):
        verify_cosignature(text, moved, WITNESS.verifier)


def test_a_plain_signature_by_the_witness_key_is_not_a_cosignature() -> None:
    text = make_checkpoint().format()
    plain = SignerKey(WITNESS.name, ED25519, WITNESS.seed).sign(text.encode())
    pretending = NoteSignature(WITNESS.name, WITNESS.key_id, plain.signature)
    with pytest.raises(UnverifiedNoteError):
        verify_cosignature(text, pretending, WITNESS.verifier)
    with pytest.raises(UnverifiedNoteError, match="another key"):
        verify_cosignature(text, plain, WITNESS.verifier)


def test_cosignature_timestamps_stay_within_the_spec() -> None:
    text = make_checkpoint().format()
    assert cosign(text, WITNESS, 0).timestamp == 0
    assert verify_cosignature(text, cosign(text, WITNESS, (1 << 63) - 1), WITNESS.verifier) == (1 << 63) - 1
    for timestamp in (-1, 1 << 63):
        with pytest.raises(NoteError, match="2\\*\\*63"):
            cosign(text, WITNESS, timestamp)
    # Signed by the right key over the right message, but with a time the spec forbids.
    too_late = 1 << 63
    raw = Ed25519PrivateKey.from_private_bytes(WITNESS.seed).sign(
        f"cosignature/v1\ntime {too_late}\n".encode() + text.encode()
    )
    forged = NoteSignature(WITNESS.name, WITNESS.key_id, too_late.to_bytes(8, "big") + raw)
    with pytest.raises(UnverifiedNoteError):
        verify_cosignature(text, forged, WITNESS.verifier)


def test_only_checkpoints_are_cosigned() -> None:
    with pytest.raises(CheckpointError):
        cosign(TEXT, WITNESS, 1)
    with pytest.raises(NoteError, match="adds the time"):
        WITNESS.sign(make_checkpoint().format().encode())
