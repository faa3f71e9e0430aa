"""What the check asks about each member of the household."""

from __future__ import annotations

from openfisca_core.periods import MONTH

from meedoen.entitlements.rules.variables.common import PERSON, Array, Parameters, Period, Population


class age:
    value_type = int
    entity = PERSON
    definition_period = MONTH
    label = "Age in whole years"


class net_income:
    value_type = float
    entity = PERSON
    definition_period = MONTH
    unit = "currency-EUR"
    label = "Net income per month from work, benefit or pension, without allowances"


class reached_pension_age:
    value_type = bool
    entity = PERSON
    definition_period = MONTH
    label = "Has reached the state pension age (AOW-leeftijd)"
    reference = "https://wetten.overheid.nl/BWBR0002221"

    @staticmethod
    def formula(person: Population, period: Period, parameters: Parameters) -> Array:
        return person("age", period) * 12 >= parameters(period).pension_age.months


VARIABLES = (age, net_income, reached_pension_age)
