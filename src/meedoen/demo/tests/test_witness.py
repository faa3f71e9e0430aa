"""The demo witness checks and cosigns the demo logs, so proofs in the demo rest on a cosigned
checkpoint; only the demo trusts its key."""

from __future__ import annotations

import importlib

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from meedoen.demo.witness import DEMO_WITNESS_NAME, demo_witness_signer, witness_demo_logs
from meedoen.ledger.models import Checkpoint, Entry, Log, WitnessedCheckpoint
from meedoen.ledger.notes import open_checkpoint
from meedoen.ledger.publish import log_verifier
from meedoen.ledger.services import entry_append

pytestmark = pytest.mark.django_db

DEMO_KEY = demo_witness_signer().verifier.format()


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


def test_the_demo_settings_trust_exactly_the_demo_witness_key():
    dev = importlib.import_module("meedoen.conf.dev")

    assert dev.DEMO_WITNESS_KEY == DEMO_KEY
    assert DEMO_KEY.startswith(DEMO_WITNESS_NAME + "+")


@override_settings(LEDGER_WITNESS_KEYS=[DEMO_KEY])
def test_the_demo_witness_cosigns_each_new_checkpoint_once(grow, client):
    log = grow(3)

    [first] = witness_demo_logs()
    [again] = witness_demo_logs()
    log = grow(2)
    [later] = witness_demo_logs()

    assert (first.size, first.cosigned, again.cosigned) == (3, True, False)
    assert (later.size, later.cosigned) == (5, True)
    assert WitnessedCheckpoint.objects.get(origin=log.origin).size == 5
    assert Checkpoint.objects.get(log=log, size=3).cosignatures.get().witness == DEMO_WITNESS_NAME
    published = client.get(f"/log/{log.municipality.code}/checkpoint").content
    opened = open_checkpoint(published, log_verifier(log.origin), [demo_witness_signer().verifier])
    assert [cosignature.name for cosignature in opened.cosignatures] == [DEMO_WITNESS_NAME]


@override_settings(LEDGER_WITNESS_KEYS=[DEMO_KEY], DEMO_MODE=True)
def test_the_command_reports_what_it_cosigned(grow, capsys):
    grow(2)

    call_command("demo_witness")

    assert "GM0867: checkpoint of 2 entries cosigned by the demo witness" in capsys.readouterr().out


@override_settings(LEDGER_WITNESS_KEYS=[DEMO_KEY], DEMO_MODE=False)
def test_the_command_refuses_outside_the_demo(grow):
    grow(1)

    with pytest.raises(CommandError, match="demo settings only"):
        call_command("demo_witness")
    assert not Checkpoint.objects.filter(cosignatures__isnull=False).exists()


@override_settings(LEDGER_WITNESS_KEYS=[], DEMO_MODE=True)
def test_the_command_refuses_when_the_logs_would_not_trust_the_witness(grow):
    grow(1)

    with pytest.raises(CommandError, match="does not list the demo witness"):
        call_command("demo_witness")
