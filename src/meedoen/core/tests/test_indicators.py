"""The registry through which modules publish operational indicators to the quality compass."""

from __future__ import annotations

import datetime

import pytest

from meedoen.core import indicators
from meedoen.core.indicators import IndicatorRegistryError, OperationalIndicator, Period, register


@pytest.fixture
def empty_registry(monkeypatch):
    monkeypatch.setattr(indicators, "_registry", {})


def published(code="demo.reach", polarity="hoger_beter"):
    return OperationalIndicator(
        code=code,
        name="Reach",
        unit="%",
        definition="Share reached",
        polarity=polarity,
        is_count=False,
        compute=lambda municipality_id, period: {"GM0867": 42.0},
    )


def test_a_module_publishes_an_indicator_and_the_compass_reads_it(empty_registry):
    indicator = register(published())
    assert register(indicator) is indicator  # registering again (a second ready()) is harmless
    assert indicators.operational_indicators() == [indicator]
    assert indicators.operational_indicator("demo.reach") is indicator
    assert indicator.compute(1, Period.year(2025)) == {"GM0867": 42.0}


def test_two_modules_cannot_answer_for_one_code(empty_registry):
    register(published())
    with pytest.raises(IndicatorRegistryError, match="already registered"):
        register(published())


@pytest.mark.parametrize("code", ["reach", "Demo.reach", "demo.", "demo.reach-all"])
def test_codes_read_module_dot_name(empty_registry, code):
    with pytest.raises(IndicatorRegistryError):
        register(published(code=code))


def test_polarity_is_one_the_compass_knows(empty_registry):
    with pytest.raises(IndicatorRegistryError, match="polarity"):
        register(published(polarity="up"))


def test_a_period_ends_after_it_starts():
    assert Period.year(2025) == Period(datetime.date(2025, 1, 1), datetime.date(2026, 1, 1))
    with pytest.raises(ValueError):
        Period(datetime.date(2025, 1, 1), datetime.date(2025, 1, 1))
