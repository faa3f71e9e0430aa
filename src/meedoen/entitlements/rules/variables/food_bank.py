"""The food banks' own admission norm: living money per month against a base amount plus an amount per person."""

from __future__ import annotations

from openfisca_core.periods import MONTH

from meedoen.entitlements.rules.variables.common import HOUSEHOLD, Array, Parameters, Period, Population


class living_money:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "Living money per month (leefgeld): net income plus estimated allowances, minus rent and fixed costs"
    documentation = (
        "The food banks count allowances as income; the allowances here are the check's own estimates. "
        "Child benefit (kinderbijslag) and holiday pay are not counted, as in the food banks' rules."
    )

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        return (
            household("household_net_income", period)
            + household("allowances_total", period)
            - household("rent", period)
            - household("fixed_costs", period)
        )


class food_bank_norm:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "Admission norm of the food banks for this household size (living money must be below it)"

    @staticmethod
    def formula(household: Population, period: Period, parameters: Parameters) -> Array:
        norm = parameters(period).food_bank
        return norm.base + norm.per_person * household("household_size", period)


VARIABLES = (living_money, food_bank_norm)
