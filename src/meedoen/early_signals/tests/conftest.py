"""Fixtures of the early-signalling tests: creditors of every kind, English messages, a fixed day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from meedoen.early_signals.tests.factories import make_creditor
from meedoen.organisations.models import Organisation

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Friday 20 March 2026, mid-morning: every test runs on this day unless it travels elsewhere.
TODAY = datetime(2026, 3, 20, 10, 0, tzinfo=AMSTERDAM)


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are translated for creditors and staff; tests read them in the source language."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with time_machine.travel(TODAY, tick=False):
        yield


@dataclass(frozen=True)
class Creditors:
    housing: Organisation  # agreement with Waalwijk
    energy: Organisation  # agreement with Waalwijk
    water: Organisation  # agreement with Meerssen only
    insurer: Organisation  # no agreement at all


@pytest.fixture
def creditors(world) -> Creditors:
    return Creditors(
        housing=make_creditor(
            "Woonstichting Langstraat", Organisation.Kind.HOUSING_CORPORATION, agreements=[world.waalwijk]
        ),
        energy=make_creditor("Energie Verzonnen", Organisation.Kind.ENERGY_SUPPLIER, agreements=[world.waalwijk]),
        water=make_creditor("Waterbedrijf Denkbeeld", Organisation.Kind.WATER_COMPANY, agreements=[world.meerssen]),
        insurer=make_creditor("Zorgverzekeraar Fictief", Organisation.Kind.HEALTH_INSURER),
    )
