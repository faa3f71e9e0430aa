"""Municipal and partner schemes as rules: a scheme row becomes OpenFisca parameters and four variables.

A scheme is data (``SchemeRule``, built from a ``Scheme`` row or read from a file). For each one the rules
system gets a parameter node ``schemes.<key>`` with its dated figures, and the household variables
``<key>__income_limit``, ``<key>__reasons``, ``<key>__outcome`` and ``<key>__amount``, computed for every
household of a simulation at once. ``reasons`` is a set of :class:`Reason` flags; the outcome follows from
them: a failed condition makes it *no*, an unknown one *maybe*, none *likely*.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

import numpy

from meedoen.entitlements.rules.variables.common import (
    Array,
    HouseholdType,
    Housing,
    Outcome,
    Parameters,
    Period,
    Population,
    at_most,
    household_variable,
    role,
)


class Kind(enum.StrEnum):
    INCOME_SUPPLEMENT = "individuele-inkomenstoeslag"
    SPECIAL_ASSISTANCE = "bijzondere-bijstand"
    TAX_REMISSION = "kwijtschelding"
    HEALTH_INSURANCE = "collectieve-zorgverzekering"
    PARTICIPATION = "meedoenregeling"
    PARTNER = "partnerregeling"


class IncomeTest(enum.StrEnum):
    SOCIAL_MINIMUM = "sociaal-minimum"  # net income at most a percentage of the social minimum
    LIVING_MONEY = "leefgeld"  # living money below the food banks' norm
    NONE = "geen"


class AssetTest(enum.StrEnum):
    NONE = "geen"
    PARTICIPATIEWET = "participatiewet"  # the national asset limit of the Participatiewet
    OWN = "eigen"  # the scheme's own limits


class AmountUnit(enum.StrEnum):
    HOUSEHOLD = "huishouden"
    PERSON = "persoon"
    ADULT = "volwassene"
    CHILD = "kind"


class AmountPeriod(enum.StrEnum):
    YEAR = "jaar"
    MONTH = "maand"
    ONCE = "eenmalig"


class Reason(enum.IntFlag):
    """Why a household does not (surely) qualify. Flags below ``UNKNOWN_REFERENCE_PERIOD`` rule it out."""

    NOT_VALID_ON_DATE = enum.auto()
    NO_ADULT = enum.auto()
    INCOME_ABOVE_LIMIT = enum.auto()
    LIVING_MONEY_ABOVE_NORM = enum.auto()
    ASSETS_ABOVE_LIMIT = enum.auto()
    TOO_YOUNG = enum.auto()
    TOO_OLD = enum.auto()
    PENSION_AGE_REACHED = enum.auto()
    NO_CHILD_OF_AGE = enum.auto()
    SHORT_REFERENCE_PERIOD = enum.auto()
    # Soft reasons: the check cannot tell.
    UNKNOWN_REFERENCE_PERIOD = enum.auto()
    OWN_HOME_EQUITY_UNKNOWN = enum.auto()
    DEPENDS_ON_COSTS = enum.auto()


HARD_REASONS = int(Reason.UNKNOWN_REFERENCE_PERIOD) - 1
SOFT_REASONS = int(Reason.UNKNOWN_REFERENCE_PERIOD | Reason.OWN_HOME_EQUITY_UNKNOWN | Reason.DEPENDS_ON_COSTS)


@dataclass(frozen=True)
class SchemeRule:
    """The computable part of one scheme. Frozen and hashable: a set of rules identifies a rules system."""

    municipality_code: str
    code: str
    name: str
    kind: Kind
    valid_from: date
    valid_until: date | None = None
    income_test: IncomeTest = IncomeTest.SOCIAL_MINIMUM
    income_limit_percent_single: int | None = None
    income_limit_percent_single_parent: int | None = None
    income_limit_percent_couple: int | None = None
    asset_test: AssetTest = AssetTest.NONE
    asset_limit_single: Decimal | None = None
    asset_limit_family: Decimal | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    below_pension_age: bool = False
    child_minimum_age: int | None = None
    child_maximum_age: int | None = None
    reference_years: int = 0
    amount: Decimal = Decimal(0)
    amount_unit: AmountUnit = AmountUnit.HOUSEHOLD
    amount_period: AmountPeriod = AmountPeriod.YEAR
    amount_per_child: Decimal = Decimal(0)

    @property
    def key(self) -> str:
        """The name of the scheme in the rules: ``gm0867_individuele_inkomenstoeslag``."""
        return re.sub(r"[^a-z0-9]+", "_", f"{self.municipality_code}_{self.code}".lower()).strip("_")

    @property
    def depends_on_costs(self) -> bool:
        """Special assistance pays for particular costs, so the check can at most say *maybe*."""
        return self.kind == Kind.SPECIAL_ASSISTANCE

    @property
    def counts_children(self) -> bool:
        return self.child_minimum_age is not None or self.child_maximum_age is not None

    def variable(self, quantity: str) -> str:
        return f"{self.key}__{quantity}"

    def active_in_month(self, day: date) -> bool:
        """Rules work per month: a scheme counts in every month in which it is valid on some day."""
        first = day.replace(day=1)
        return self.valid_from.replace(day=1) <= first and (self.valid_until is None or self.valid_until >= first)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SchemeRule:
        """A rule from plain data (a YAML file, a dict): enumerations and amounts converted, unknown keys refused."""
        known = {field.name: field for field in fields(cls)}
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"unknown scheme fields: {sorted(unknown)}")
        converters: dict[str, Callable[[Any], Any]] = {
            "kind": Kind,
            "income_test": IncomeTest,
            "asset_test": AssetTest,
            "amount_unit": AmountUnit,
            "amount_period": AmountPeriod,
            "amount": _decimal,
            "amount_per_child": _decimal,
            "asset_limit_single": _decimal,
            "asset_limit_family": _decimal,
            "valid_from": _date,
            "valid_until": _date,
        }
        values = {
            name: (converters[name](value) if name in converters and value is not None else value)
            for name, value in data.items()
        }
        return cls(**values)


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# --- the scheme in the rules system ------------------------------------------------------------------


def scheme_parameters(rule: SchemeRule) -> dict[str, Any]:
    """The dated figures of a scheme, as an OpenFisca parameter node (``schemes.<key>``)."""
    start = rule.valid_from.replace(day=1).isoformat()

    def dated(value: float, description: str, unit: str) -> dict[str, Any]:
        return {"description": description, "metadata": {"unit": unit}, "values": {start: {"value": value}}}

    node: dict[str, Any] = {
        "description": rule.name,
        "amount": dated(float(rule.amount), "Amount per unit", "currency-EUR"),
        "amount_per_child": dated(float(rule.amount_per_child), "Extra amount per child", "currency-EUR"),
    }
    if rule.income_test == IncomeTest.SOCIAL_MINIMUM:
        node["income_limit_percent"] = {
            "description": "Income limit as a percentage of the social minimum",
            "single": dated(float(rule.income_limit_percent_single or 0), "Single person", "percent"),
            "single_parent": dated(float(rule.income_limit_percent_single_parent or 0), "Single parent", "percent"),
            "couple": dated(float(rule.income_limit_percent_couple or 0), "Couple", "percent"),
        }
    if rule.asset_test == AssetTest.OWN:
        node["asset_limit"] = {
            "description": "The scheme's own asset limit",
            "single": dated(float(rule.asset_limit_single or 0), "Single person", "currency-EUR"),
            "family": dated(float(rule.asset_limit_family or 0), "Single parent or couple", "currency-EUR"),
        }
    return node


def scheme_variables(rule: SchemeRule) -> tuple[type, ...]:
    """The four variables of one scheme, as plain classes for the system to bind."""

    def figures(parameters: Parameters, period: Period) -> Any:
        return getattr(parameters(period).schemes, rule.key)

    def income_limit(household: Population, period: Period, parameters: Parameters) -> Array:
        if rule.income_test != IncomeTest.SOCIAL_MINIMUM or not rule.active_in_month(period.start.date):
            return numpy.zeros(household.count)
        percent = figures(parameters, period).income_limit_percent
        percentage = numpy.select(
            [
                household("household_type", period) == HouseholdType.couple,
                household("household_type", period) == HouseholdType.single_parent,
            ],
            [percent.couple, percent.single_parent],
            percent.single,
        )
        # In whole cents, half a cent up: 105 % of EUR 1.401,50 is EUR 1.471,58.
        norm_cents = numpy.round(numpy.asarray(household("social_minimum", period), dtype=numpy.float64) * 100)
        return numpy.floor(norm_cents * percentage / 100 + 0.5) / 100

    def reasons(household: Population, period: Period, parameters: Parameters) -> Array:
        found = numpy.zeros(household.count, dtype=numpy.int32)

        def add(reason: Reason, where: Array) -> None:
            found[numpy.asarray(where, dtype=bool)] |= int(reason)

        if not rule.active_in_month(period.start.date):
            found[:] = int(Reason.NOT_VALID_ON_DATE)
            return found
        add(Reason.NO_ADULT, ~household("has_social_minimum", period))
        if rule.income_test == IncomeTest.SOCIAL_MINIMUM:
            limit = household(rule.variable("income_limit"), period)
            add(Reason.INCOME_ABOVE_LIMIT, ~at_most(household("household_net_income", period), limit))
        elif rule.income_test == IncomeTest.LIVING_MONEY:
            # The food banks admit a household whose living money is *below* the norm.
            add(
                Reason.LIVING_MONEY_ABOVE_NORM,
                at_most(household("food_bank_norm", period), household("living_money", period)),
            )
        if rule.asset_test != AssetTest.NONE:
            if rule.asset_test == AssetTest.PARTICIPATIEWET:
                limit = household("bijstand_asset_limit", period)
            else:
                own = figures(parameters, period).asset_limit
                single = household("household_type", period) == HouseholdType.single
                limit = numpy.where(single, own.single, own.family)
            add(Reason.ASSETS_ABOVE_LIMIT, ~at_most(household("net_assets", period), limit))
            add(Reason.OWN_HOME_EQUITY_UNKNOWN, household("housing", period) == Housing.owner)
        age = household("applicant_age", period)
        if rule.minimum_age is not None:
            add(Reason.TOO_YOUNG, age < rule.minimum_age)
        if rule.maximum_age is not None:
            add(Reason.TOO_OLD, age > rule.maximum_age)
        if rule.below_pension_age:
            add(Reason.PENSION_AGE_REACHED, household("applicant_reached_pension_age", period))
        if rule.counts_children:
            add(Reason.NO_CHILD_OF_AGE, _children_of_age(rule, household, period) == 0)
        if rule.reference_years:
            years = household("years_on_low_income", period)
            add(Reason.UNKNOWN_REFERENCE_PERIOD, years < 0)
            add(Reason.SHORT_REFERENCE_PERIOD, (years >= 0) & (years < rule.reference_years))
        if rule.depends_on_costs:
            found |= int(Reason.DEPENDS_ON_COSTS)
        return found

    def outcome(household: Population, period: Period) -> Array:
        found = household(rule.variable("reasons"), period)
        return numpy.select(
            [(found & HARD_REASONS) != 0, (found & SOFT_REASONS) != 0],
            [Outcome.not_eligible, Outcome.maybe],
            Outcome.likely,
        )

    def amount(household: Population, period: Period, parameters: Parameters) -> Array:
        qualifies = household(rule.variable("outcome"), period) != Outcome.not_eligible
        if not rule.active_in_month(period.start.date):
            return numpy.zeros(household.count)
        p = figures(parameters, period)
        units = {
            AmountUnit.HOUSEHOLD: numpy.ones(household.count),
            AmountUnit.PERSON: household("household_size", period),
            AmountUnit.ADULT: household("number_of_adults", period),
            AmountUnit.CHILD: _children_of_age(rule, household, period),
        }[rule.amount_unit]
        value = p.amount * units + p.amount_per_child * _children_of_age(rule, household, period)
        if rule.amount_period == AmountPeriod.MONTH:
            value = value * 12
        return numpy.where(qualifies, value, 0)

    documentation = f"{rule.name} ({rule.municipality_code}, {rule.kind.value})"
    return (
        household_variable(
            rule.variable("income_limit"), float, f"Income limit per month of: {documentation}", income_limit
        ),
        household_variable(rule.variable("reasons"), int, f"Reasons (flags) against: {documentation}", reasons),
        household_variable(rule.variable("outcome"), Outcome, f"Outcome of: {documentation}", outcome),
        household_variable(
            rule.variable("amount"),
            float,
            f"Estimated amount per year ({rule.amount_period.value} if once) of: {documentation}",
            amount,
        ),
    )


def _children_of_age(rule: SchemeRule, household: Population, period: Period) -> Array:
    ages = household.members("age", period)
    low = rule.child_minimum_age if rule.child_minimum_age is not None else 0
    high = rule.child_maximum_age if rule.child_maximum_age is not None else 17
    return household.sum((ages >= low) & (ages <= high), role=role(household, "child"))
