"""Witnesses: a partner cosigns only a history that extends what it saw, and raises the alarm on a
split view or a rollback; the log publishes the cosignatures of the witnesses it knows."""

from __future__ import annotations

import base64

import pytest
from django.db import transaction
from django.test import override_settings

from meedoen.ledger.models import Checkpoint, Entry, Log
from meedoen.ledger.notes import COSIGNATURE_V1, NoteError, SignerKey, open_checkpoint
from meedoen.ledger.publish import checkpoint_note, log_verifier
from meedoen.ledger.services import entry_append
from meedoen.ledger.witness import Seen, WitnessAlarmError, witness

pytestmark = pytest.mark.django_db

WITNESS = SignerKey.generate("partner.example/witness", COSIGNATURE_V1)
STRANGER = SignerKey.generate("stranger.example/witness", COSIGNATURE_V1)


@pytest.fixture
def grow(world, django_capture_on_commit_callbacks):
    def add(count: int) -> Log:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            for number in range(count):
                entry_append(
                    municipality=world.waalwijk,
                    kind=Entry.Kind.OFFER_PUBLISHED,
                    acting=world.ww_team,
                    payload={"n": number},
                )
        return Log.objects.get(municipality=world.waalwijk)

    return add


def run_witness(client, log: Log, seen: Seen | None, *, signer: SignerKey = WITNESS, note: bytes | None = None):
    code = log.municipality.code

    def consistency(old: int, new: int) -> list[bytes]:
        body = client.get(f"/api/v1/ledger/{code}/consistency/", {"from": old, "to": new}).json()
        return [base64.b64decode(item) for item in body["proof"]]

    return witness(
        note=note if note is not None else client.get(f"/log/{code}/checkpoint").content,
        log_key=log_verifier(log.origin),
        origin=log.origin,
        signer=signer,
        seen=seen,
        consistency=consistency,
        now=1_800_000_000,
    )


def test_a_witness_cosigns_a_log_that_grows_consistently(grow, client):
    log = grow(3)
    first = run_witness(client, log, None)
    seen = Seen(first.checkpoint.size, first.checkpoint.root_hash, first.note)
    log = grow(5)
    second = run_witness(client, log, seen)
    assert second.checkpoint.size == 8
    assert second.cosignature is not None


def test_a_rollback_raises_the_alarm(grow, client):
    log = grow(6)
    seen_later = Seen(10, b"\1" * 32, "")
    with pytest.raises(WitnessAlarmError, match="went back"):
        run_witness(client, log, seen_later)


def test_a_split_view_raises_the_alarm(grow, client):
    log = grow(4)
    other_tree = Seen(4, b"\2" * 32, "")
    with pytest.raises(WitnessAlarmError, match="split view"):
        run_witness(client, log, other_tree)


def test_a_history_that_does_not_extend_the_seen_one_raises_the_alarm(grow, client):
    log = grow(4)
    forged_past = Seen(2, b"\3" * 32, "")
    with pytest.raises(WitnessAlarmError, match="does not extend"):
        run_witness(client, log, forged_past)


def test_a_checkpoint_not_signed_by_the_log_is_refused(grow, client):
    log = grow(2)
    forged = checkpoint_note("elsewhere.example/log", 2, bytes(log.root_hash)).encode()
    with pytest.raises(NoteError):
        run_witness(client, log, None, note=forged)


def test_the_log_publishes_cosignatures_of_known_witnesses_only(grow, client):
    log = grow(3)
    outcome = run_witness(client, log, None)
    url = f"/api/v1/ledger/{log.municipality.code}/cosignatures/"
    handed_in = {"checkpoint_size": 3, "signature_line": outcome.cosignature.line()}
    assert client.post(url, handed_in, content_type="application/json").status_code == 403
    with override_settings(LEDGER_WITNESS_KEYS=[WITNESS.verifier.format()]):
        assert client.post(url, handed_in, content_type="application/json").status_code == 201
        stranger = run_witness(client, log, None, signer=STRANGER)
        refused = {"checkpoint_size": 3, "signature_line": stranger.cosignature.line()}
        assert client.post(url, refused, content_type="application/json").status_code == 403
        tampered = {"checkpoint_size": 2, "signature_line": outcome.cosignature.line()}
        assert client.post(url, tampered, content_type="application/json").status_code == 400
        garbage = {"checkpoint_size": 3, "signature_line": "— nonsense"}
        assert client.post(url, garbage, content_type="application/json").status_code == 400
        published = client.get(f"/log/{log.municipality.code}/checkpoint").content
        opened = open_checkpoint(published, log_verifier(log.origin), [WITNESS.verifier])
    assert [cosignature.name for cosignature in opened.cosignatures] == ["partner.example/witness"]
    assert Checkpoint.objects.get(log=log, size=3).cosignatures.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_witness_command_checks_cosigns_and_remembers(world, live_server, tmp_path, capsys):
    from django.core.management import call_command

    from meedoen.ledger.models import WitnessedCheckpoint

    with transaction.atomic():
        entry_append(municipality=world.waalwijk, kind=Entry.Kind.OFFER_PUBLISHED, acting=world.ww_team, payload=b"1")
    log = Log.objects.get(municipality=world.waalwijk)
    key_file = tmp_path / "witness.key"
    key_file.write_text(WITNESS.format(), encoding="utf-8")
    arguments = [
        "--site", live_server.url, "--municipality", world.waalwijk.code,
        "--log-key", log_verifier(log.origin).format(), "--key-file", str(key_file),
    ]  # fmt: skip
    with override_settings(LEDGER_WITNESS_KEYS=[WITNESS.verifier.format()]):
        call_command("ledger_witness", *arguments)
        assert WitnessedCheckpoint.objects.get(origin=log.origin).size == 1
        assert Checkpoint.objects.get(log=log, size=1).cosignatures.count() == 1
        WitnessedCheckpoint.objects.filter(origin=log.origin).update(root_hash=b"\4" * 32)
        with pytest.raises(SystemExit) as stopped:
            call_command("ledger_witness", *arguments)
    assert stopped.value.code == 2
    assert "ALARM" in capsys.readouterr().err


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b'"text"', b"null", b"[" * 100_000, b'{"checkpoint_size": true, "signature_line": "x"}', b"{"],
    ids=["a list", "a text", "null", "nested too deeply", "a boolean for the size", "cut off"],
)
def test_a_cosignature_that_is_not_an_object_of_size_and_line_is_refused(grow, client, body):
    log = grow(1)

    response = client.post(
        f"/api/v1/ledger/{log.municipality.code}/cosignatures/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert Checkpoint.objects.filter(log=log).exclude(cosignatures=None).count() == 0
