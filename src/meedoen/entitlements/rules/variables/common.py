"""What the variable modules share: type names, the enumerations, amounts compared in cents, and a builder of
household variables from data.

Variables are written as plain classes (``entity`` names the entity by its key) and turned into OpenFisca
variables per rules system by :func:`meedoen.entitlements.rules.system.bind_variable`: OpenFisca ties an
entity to one system, and every system has its own entities.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy
from openfisca_core.indexed_enums import Enum as Enum  # re-exported: enum variables declare value_type = Enum
from openfisca_core.periods import MONTH

# OpenFisca has no type hints: these names only say what a formula receives.
Population = Any
Period = Any
Parameters = Any
Array = Any  # numpy arrays as OpenFisca hands them out

PERSON = "person"
HOUSEHOLD = "household"


class Outcome(Enum):
    """How likely a household is entitled. The order matters: a higher index is a better outcome."""

    not_eligible = "not eligible"
    maybe = "maybe"
    likely = "likely"


class Housing(Enum):
    renting = "rents a self-contained home"
    owner = "owns the home"
    lodging = "lives in with others (not on the tenancy)"


class HouseholdType(Enum):
    single = "single person"
    single_parent = "single parent"
    couple = "couple"


def cents(amounts: Array) -> Array:
    """Whole cents, so that an amount exactly at a limit compares as equal despite float rounding."""
    return numpy.round(numpy.asarray(amounts, dtype=numpy.float64) * 100)


def at_most(amounts: Array, limits: Array) -> Array:
    return numpy.asarray(cents(amounts) <= cents(limits))


def role(household: Population, key: str) -> Any:
    """The role object (``partner`` or ``child``) of the household entity the formula runs on."""
    return getattr(household.entity, key.upper())


def household_variable(
    name: str,
    value_type: Any,
    label: str,
    formula: Callable[..., Array] | None = None,
    *,
    unit: str | None = None,
) -> type:
    """A plain variable class of the household per month, built from data instead of written out.

    An ``Outcome`` variable is an enumeration that starts at *not eligible*.
    """
    attributes: dict[str, Any] = {
        "value_type": Enum if value_type is Outcome else value_type,
        "entity": HOUSEHOLD,
        "definition_period": MONTH,
        "label": label,
    }
    if value_type is Outcome:
        attributes["possible_values"] = Outcome
        attributes["default_value"] = Outcome.not_eligible
    if unit is not None:
        attributes["unit"] = unit
    if formula is not None:
        attributes["formula"] = staticmethod(formula)
    return type(name, (), attributes)
