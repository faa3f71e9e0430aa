"""The household as the check sees it: who lives in it, its income and assets, and its social minimum."""

from __future__ import annotations

from typing import Literal

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
    household_variable,
    role,
)

EUR = "currency-EUR"
# What a household figure does with its members: one of the methods of OpenFisca's group population.
Aggregate = Literal["nb_persons", "value_from_first_person", "sum", "any", "max", "min"]

# --- what is asked -------------------------------------------------------------------------------

ASKED_AMOUNTS = tuple(
    household_variable(name, float, label, unit=EUR)
    for name, label in (
        ("savings", "Savings and other assets of the household (bank balances, valuables, a second car)"),
        ("debts", "Debts of the household that must be repaid"),
        ("rent", "Rent per month without service costs (0 if none)"),
        ("fixed_costs", "Other fixed costs per month: energy, water, insurance, phone, local taxes"),
    )
)


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


def _from_members(
    name: str,
    value_type: type,
    aggregate: Aggregate,
    person_variable: str | None = None,
    *,
    of: str | None = None,
    label: str,
    unit: str | None = None,
) -> type:
    """A household figure from its members: ``household.<aggregate>(<person_variable>, role=<of>)``.

    Without a person variable the members are counted; without a role (``of``) every member counts.
    """

    def formula(household: Population, period: Period) -> Array:
        values = [] if person_variable is None else [household.members(person_variable, period)]
        group = {} if of is None else {"role": role(household, of)}
        return getattr(household, aggregate)(*values, **group)

    return household_variable(name, value_type, label, formula, unit=unit)


MEMBER_COUNTS = (
    _from_members(
        "number_of_adults", int, "nb_persons", of="partner", label="Adults: the person who asks and a partner"
    ),
    _from_members("number_of_children", int, "nb_persons", of="child", label="Children under 18 in the household"),
    _from_members("household_size", int, "nb_persons", label="Members of the household"),
)


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


MEMBER_FIGURES = (
    _from_members(
        "applicant_age",
        int,
        "value_from_first_person",
        "age",
        label="Age of the person who asks (the first member of the household)",
    ),
    _from_members(
        "applicant_reached_pension_age",
        bool,
        "value_from_first_person",
        "reached_pension_age",
        label="The person who asks has reached the state pension age",
    ),
    _from_members("oldest_adult_age", int, "max", "age", of="partner", label="Age of the oldest adult"),
    _from_members("youngest_adult_age", int, "min", "age", of="partner", label="Age of the youngest adult"),
    _from_members(
        "pension_age_household",
        bool,
        "any",
        "reached_pension_age",
        of="partner",
        label="An adult of the household has reached the state pension age",
    ),
    _from_members(
        "household_net_income",
        float,
        "sum",
        "net_income",
        of="partner",
        label="Net income per month of the adults, without allowances",
        unit=EUR,
    ),
)


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
    *ASKED_AMOUNTS,
    housing,
    years_on_low_income,
    *MEMBER_COUNTS,
    household_type,
    *MEMBER_FIGURES,
    net_assets,
    has_social_minimum,
    social_minimum,
    bijstand_asset_limit,
)
