"""The household as the check sees it: who lives in it, its income and assets, and its social minimum."""

from __future__ import annotations

import numpy
from openfisca_core.periods import MONTH

from meedoen.entitlements.rules.variables.common import (
    HOUSEHOLD,
    Array,
    Enum,
    HouseholdType,
    Housing,
    Parameters,
    Period,
    Population,
    role,
)

# --- what is asked -------------------------------------------------------------------------------


class savings:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "Savings and other assets of the household (bank balances, valuables, a second car)"


class debts:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "Debts of the household that must be repaid"


class rent:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "Rent per month without service costs (0 if none)"


class fixed_costs:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "Other fixed costs per month: energy, water, insurance, phone, local taxes"


class housing:
    value_type = Enum
    possible_values = Housing
    default_value = Housing.renting
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "Living situation"


class years_on_low_income:
    value_type = int
    default_value = -1
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "Years the household income has been about as low as now (-1: not known)"


# --- derived ---------------------------------------------------------------------------------------


class number_of_adults:
    value_type = int
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "Adults: the person who asks and a partner"

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        return household.nb_persons(role(household, "partner"))


class number_of_children:
    value_type = int
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "Children under 18 in the household"

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        return household.nb_persons(role(household, "child"))


class household_size:
    value_type = int
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "Members of the household"

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        return household.nb_persons()


class household_type:
    value_type = Enum
    possible_values = HouseholdType
    default_value = HouseholdType.single
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "Single person, single parent or couple (Participatiewet art. 4)"
    reference = "https://wetten.overheid.nl/BWBR0015703/2026-01-01#Artikel4"

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        adults = household("number_of_adults", period)
        children = household("number_of_children", period)
        return numpy.select(
            [adults >= 2, children > 0],
            [HouseholdType.couple, HouseholdType.single_parent],
            HouseholdType.single,
        )


class applicant_age:
    value_type = int
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "Age of the person who asks (the first member of the household)"

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        return household.value_from_first_person(household.members("age", period))


class applicant_reached_pension_age:
    value_type = bool
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "The person who asks has reached the state pension age"

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        return household.value_from_first_person(household.members("reached_pension_age", period))


class oldest_adult_age:
    value_type = int
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "Age of the oldest adult"

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        return household.max(household.members("age", period), role=role(household, "partner"))


class youngest_adult_age:
    value_type = int
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "Age of the youngest adult"

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        return household.min(household.members("age", period), role=role(household, "partner"))


class pension_age_household:
    value_type = bool
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "An adult of the household has reached the state pension age"

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        return household.any(household.members("reached_pension_age", period), role=role(household, "partner"))


class household_net_income:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "Net income per month of the adults, without allowances"

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        return household.sum(household.members("net_income", period), role=role(household, "partner"))


class net_assets:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "Savings minus debts, not below zero (debts are deducted as in the Participatiewet)"

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        return numpy.maximum(household("savings", period) - household("debts", period), 0)


class has_social_minimum:
    value_type = bool
    entity = HOUSEHOLD
    definition_period = MONTH
    label = "The household has a social minimum: an adult is 18 or older"

    @staticmethod
    def formula(household: Population, period: Period) -> Array:
        return household("oldest_adult_age", period) >= 18


class social_minimum:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "Social minimum per month (bijstandsnorm incl. holiday allowance, without kostendelersnorm)"
    reference = "https://wetten.overheid.nl/BWBR0015703/2026-01-01#Hoofdstuk3"

    @staticmethod
    def formula(household: Population, period: Period, parameters: Parameters) -> Array:
        norm = parameters(period).social_minimum
        couple = household("number_of_adults", period) >= 2
        with_children = household("number_of_children", period) > 0
        pension = household("pension_age_household", period)
        oldest = household("oldest_adult_age", period)
        youngest = household("youngest_adult_age", period)
        single_norm = numpy.select(
            [pension, oldest >= 21, oldest >= 18],
            [norm.single_pension_age, norm.single, norm.young_single],
            0,
        )
        couple_norm = numpy.select(
            [pension, youngest >= 21, (oldest >= 21) & (youngest >= 18), youngest >= 18],
            [
                norm.couple_pension_age,
                norm.couple,
                numpy.where(with_children, norm.mixed_couple_with_children, norm.mixed_couple),
                numpy.where(with_children, norm.young_couple_with_children, norm.young_couple),
            ],
            0,
        )
        return numpy.where(couple, couple_norm, single_norm)


class bijstand_asset_limit:
    value_type = float
    entity = HOUSEHOLD
    definition_period = MONTH
    unit = "currency-EUR"
    label = "Asset limit of the Participatiewet for this household"
    reference = "https://wetten.overheid.nl/BWBR0015703/2026-01-01#Artikel34"

    @staticmethod
    def formula(household: Population, period: Period, parameters: Parameters) -> Array:
        limits = parameters(period).assets
        single = household("household_type", period) == HouseholdType.single
        return numpy.where(single, limits.single, limits.family)


VARIABLES = (
    savings,
    debts,
    rent,
    fixed_costs,
    housing,
    years_on_low_income,
    number_of_adults,
    number_of_children,
    household_size,
    household_type,
    applicant_age,
    applicant_reached_pension_age,
    oldest_adult_age,
    youngest_adult_age,
    pension_age_household,
    household_net_income,
    net_assets,
    has_social_minimum,
    social_minimum,
    bijstand_asset_limit,
)
