"""Operational indicators: live figures that modules publish, so the quality compass can point its
results at them (early-signal reach, time to first contact, non-take-up per district, ...).

A module registers an :class:`OperationalIndicator` once, from its ``AppConfig.ready``; the compass
reads them through :func:`operational_indicators` and :func:`operational_indicator`. The registry
lives in ``core`` so that every module can publish without depending on the compass.

A figure is computed on demand for one municipality and period and returned per area. Counts are
returned as they are; the reader applies the small-count rule before anything is shown.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.functional import Promise

CODE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Period:
    """A closed-open stretch of days [start, end) that a figure is about."""

    start: datetime.date
    end: datetime.date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1))


# municipality id, period -> {area code: value}
Compute = Callable[[int, Period], Mapping[str, float]]


@dataclass(frozen=True)
class OperationalIndicator:
    code: str  # "<module>.<name>", e.g. "compass.approved_measurements"
    name: str | Promise
    unit: str | Promise
    definition: str | Promise
    polarity: str  # "hoger_beter", "hoger_slechter" or "neutraal", as the compass's indicators
    is_count: bool  # counts below the small-count threshold are never shown
    compute: Compute


class IndicatorRegistryError(ValueError):
    pass


_registry: dict[str, OperationalIndicator] = {}


def register(indicator: OperationalIndicator) -> OperationalIndicator:
    """Publish an indicator. Registering the same object again is harmless; another one under a
    code already taken is an error, because two modules would then answer for one figure."""
    if not CODE.match(indicator.code):
        raise IndicatorRegistryError(f"{indicator.code!r}: an indicator code reads '<module>.<name>' in lower case")
    if indicator.polarity not in {"hoger_beter", "hoger_slechter", "neutraal"}:
        raise IndicatorRegistryError(f"{indicator.code}: unknown polarity {indicator.polarity!r}")
    known = _registry.get(indicator.code)
    if known is not None and known is not indicator:
        raise IndicatorRegistryError(f"{indicator.code}: already registered by another module")
    _registry[indicator.code] = indicator
    return indicator


def operational_indicators() -> list[OperationalIndicator]:
    return sorted(_registry.values(), key=lambda indicator: indicator.code)


def operational_indicator(code: str) -> OperationalIndicator | None:
    return _registry.get(code)
