"""National allowances of Dienst Toeslagen, as an indication and an estimate (see parameters/allowances.yaml).

Each allowance has an amount per month and an outcome: *no* when a condition fails or nothing would be
paid, *maybe* close to the income limit or for a small amount (the income is estimated), *likely* otherwise.
The official calculation is the Belastingdienst's proefberekening.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy
from openfisca_core.periods import MONTH

from meedoen.entitlements.rules.variables.common import (
    HOUSEHOLD,
    Array,
    HouseholdType,
    Housing,
    Outcome,
    Parameters,
    Period,
    Population,
    at_most,
    household_variable,
)

CALCULATOR = "https://www.belastingdienst.nl/wps/wcm/connect/nl/toeslagen/content/hulpmiddel-proefberekening-toeslagen"
# Below this many euros a month an allowance counts as "maybe": a rough estimate could as well be nothing.
SMALL_AMOUNT = 25.0


class estimated_taxable_income:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "ESTIMATE of the household's gross taxable income of a year (toetsingsinkomen)"
    documentation = "Estimated from the net income; see allowances.taxable_income_from_net."

    @staticmethod
    def formula(household: Population, period: Period, parameters: Parameters) -> Array:
        net_year = household("household_net_income", period) * 12
        return parameters(period).allowances.taxable_income_from_net.calc(net_year)


def _outcome_variable(
    allowance: str,
    label: str,
    near_limit: Callable[[Population, Period, Parameters], Array] | None = None,
) -> type:
    """The indication ``<allowance>_outcome``: *maybe* also where ``near_limit`` finds the income close to its limit."""

    def formula(household: Population, period: Period, parameters: Parameters) -> Array:
        eligible = household(f"{allowance}_eligible", period)
        monthly = household(allowance, period)
        near = (
            numpy.zeros_like(monthly, dtype=bool) if near_limit is None else near_limit(household, period, parameters)
        )
        return numpy.select(
            [~eligible | (monthly <= 0), near | (monthly < SMALL_AMOUNT)],
            [Outcome.not_eligible, Outcome.maybe],
            Outcome.likely,
        )

    return household_variable(f"{allowance}_outcome", Outcome, label, formula)


class zorgtoeslag_eligible:
    value_type = bool
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "Meets the conditions for health-care allowance (income, assets, age 18 or older)"
    reference = "https://wetten.overheid.nl/BWBR0018451"

    @staticmethod
    def formula(household: Population, period: Period, parameters: Parameters) -> Array:
        p = parameters(period).allowances.zorgtoeslag
        couple = household("number_of_adults", period) >= 2
        income_limit = numpy.where(couple, p.income_limit_partners, p.income_limit_single)
        asset_limit = numpy.where(couple, p.asset_limit_partners, p.asset_limit_single)
        return (
            household("has_social_minimum", period)
            & at_most(household("estimated_taxable_income", period), income_limit)
            & at_most(household("net_assets", period), asset_limit)
        )


class zorgtoeslag:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "ESTIMATE of the health-care allowance per month"
    reference = CALCULATOR

    @staticmethod
    def formula(household: Population, period: Period, parameters: Parameters) -> Array:
        p = parameters(period).allowances.zorgtoeslag
        couple = household("number_of_adults", period) >= 2
        income = household("estimated_taxable_income", period)
        limit = numpy.where(couple, p.income_limit_partners, p.income_limit_single)
        maximum = numpy.where(couple, p.maximum_partners, p.maximum_single)
        share = numpy.clip((limit - income) / (limit - p.income_threshold), 0, 1)
        return numpy.where(household("zorgtoeslag_eligible", period), maximum * share, 0)


def _zorgtoeslag_income_near_limit(household: Population, period: Period, parameters: Parameters) -> Array:
    p = parameters(period).allowances
    couple = household("number_of_adults", period) >= 2
    limit = numpy.where(couple, p.zorgtoeslag.income_limit_partners, p.zorgtoeslag.income_limit_single)
    return household("estimated_taxable_income", period) > limit * (1 - p.near_limit_share)


zorgtoeslag_outcome = _outcome_variable(
    "zorgtoeslag", "Indication of entitlement to health-care allowance", _zorgtoeslag_income_near_limit
)


class huurtoeslag_eligible:
    value_type = bool
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "Meets the conditions for rent allowance (rents a self-contained home, assets, age 18 or older)"
    reference = "https://wetten.overheid.nl/BWBR0008659"

    @staticmethod
    def formula(household: Population, period: Period, parameters: Parameters) -> Array:
        p = parameters(period).allowances.huurtoeslag
        couple = household("number_of_adults", period) >= 2
        asset_limit = numpy.where(couple, p.asset_limit_partners, p.asset_limit_single)
        return (
            household("has_social_minimum", period)
            & (household("housing", period) == Housing.renting)
            & (household("rent", period) > 0)
            & at_most(household("net_assets", period), asset_limit)
        )


class huurtoeslag:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "ESTIMATE of the rent allowance per month"
    reference = CALCULATOR

    @staticmethod
    def formula(household: Population, period: Period, parameters: Parameters) -> Array:
        p = parameters(period).allowances.huurtoeslag
        maximum_rent = numpy.where(household("oldest_adult_age", period) >= 21, p.maximum_rent, p.maximum_rent_young)
        counted_rent = numpy.minimum(household("rent", period), maximum_rent)
        income_above_floor = numpy.maximum(
            household("estimated_taxable_income", period) - p.own_contribution_income_floor, 0
        )
        own_contribution = p.own_contribution_minimum + p.own_contribution_rate * income_above_floor / 12
        amount = numpy.maximum(counted_rent - own_contribution, 0)
        return numpy.where(household("huurtoeslag_eligible", period), amount, 0)


huurtoeslag_outcome = _outcome_variable("huurtoeslag", "Indication of entitlement to rent allowance")


class kindgebonden_budget_eligible:
    value_type = bool
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "Meets the conditions for the child budget (children under 18, assets)"
    reference = "https://wetten.overheid.nl/BWBR0022751"

    @staticmethod
    def formula(household: Population, period: Period, parameters: Parameters) -> Array:
        p = parameters(period).allowances.kindgebonden_budget
        couple = household("number_of_adults", period) >= 2
        asset_limit = numpy.where(couple, p.asset_limit_partners, p.asset_limit_single)
        return (household("number_of_children", period) > 0) & at_most(household("net_assets", period), asset_limit)


class kindgebonden_budget:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "ESTIMATE of the child budget per month"
    reference = CALCULATOR

    @staticmethod
    def formula(household: Population, period: Period, parameters: Parameters) -> Array:
        p = parameters(period).allowances.kindgebonden_budget
        single_parent = household("household_type", period) == HouseholdType.single_parent
        maximum = household("number_of_children", period) * p.maximum_per_child + numpy.where(
            single_parent, p.single_parent_supplement, 0
        )
        threshold = numpy.where(single_parent, p.income_threshold_single, p.income_threshold_partners)
        reduction = p.reduction_rate * numpy.maximum(household("estimated_taxable_income", period) - threshold, 0)
        per_year = numpy.maximum(maximum - reduction, 0)
        return numpy.where(household("kindgebonden_budget_eligible", period), per_year / 12, 0)


kindgebonden_budget_outcome = _outcome_variable("kindgebonden_budget", "Indication of entitlement to the child budget")


class allowances_total:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "ESTIMATE of the three allowances together per month"

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        return (
            household("zorgtoeslag", period)
            + household("huurtoeslag", period)
            + household("kindgebonden_budget", period)
        )


VARIABLES = (
    estimated_taxable_income,
    zorgtoeslag_eligible,
    zorgtoeslag,
    zorgtoeslag_outcome,
    huurtoeslag_eligible,
    huurtoeslag,
    huurtoeslag_outcome,
    kindgebonden_budget_eligible,
    kindgebonden_budget,
    kindgebonden_budget_outcome,
    allowances_total,
)
