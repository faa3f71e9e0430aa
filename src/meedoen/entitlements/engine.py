"""Run the rules for many households at once: one OpenFisca simulation over columns of answers.

The engine knows no database: it takes scheme rules and a :class:`HouseholdBatch` and returns arrays. The
single-household check is the same run with a batch of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy
from numpy.typing import NDArray
from openfisca_core.simulations import SimulationBuilder

from meedoen.entitlements.answers import HouseholdBatch
from meedoen.entitlements.rules.schemes import SchemeRule
from meedoen.entitlements.rules.system import rules_system
from meedoen.entitlements.rules.variables.common import Housing

# The national allowances, reported next to the schemes: code -> (amount per month, outcome) variables.
ALLOWANCES = {
    "zorgtoeslag": ("zorgtoeslag", "zorgtoeslag_outcome"),
    "huurtoeslag": ("huurtoeslag", "huurtoeslag_outcome"),
    "kindgebonden-budget": ("kindgebonden_budget", "kindgebonden_budget_outcome"),
}
# Household figures the explanations quote.
FIGURES = (
    "household_net_income",
    "social_minimum",
    "net_assets",
    "bijstand_asset_limit",
    "living_money",
    "food_bank_norm",
    "household_size",
    "estimated_taxable_income",
    "applicant_age",
)


@dataclass(frozen=True)
class EngineResult:
    """Per scheme or allowance code: outcome (0 no, 1 maybe, 2 likely), estimated amount per year, reasons."""

    outcome: dict[str, NDArray[numpy.int8]]
    amount_per_year: dict[str, NDArray[numpy.float64]]
    reasons: dict[str, NDArray[numpy.int32]]
    income_limit: dict[str, NDArray[numpy.float64]]
    figures: dict[str, NDArray[Any]]
    household_type: NDArray[Any]


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def evaluate(rules: tuple[SchemeRule, ...], batch: HouseholdBatch, on: date) -> EngineResult:
    """All schemes and allowances for every household of the batch, in the month of ``on``."""
    system = rules_system(rules)
    simulation = _simulation(system, batch, month_of(on))
    period = month_of(on)

    def calculate(variable: str) -> NDArray[Any]:
        return numpy.asarray(simulation.calculate(variable, period))

    outcome: dict[str, NDArray[numpy.int8]] = {}
    amount: dict[str, NDArray[numpy.float64]] = {}
    reasons: dict[str, NDArray[numpy.int32]] = {}
    income_limit: dict[str, NDArray[numpy.float64]] = {}
    for code, (amount_variable, outcome_variable) in ALLOWANCES.items():
        outcome[code] = calculate(outcome_variable).astype(numpy.int8)
        amount[code] = calculate(amount_variable).astype(numpy.float64) * 12
    for rule in rules:
        if not rule.active_in_month(on):
            continue
        outcome[rule.code] = calculate(rule.variable("outcome")).astype(numpy.int8)
        amount[rule.code] = calculate(rule.variable("amount")).astype(numpy.float64)
        reasons[rule.code] = calculate(rule.variable("reasons")).astype(numpy.int32)
        income_limit[rule.code] = calculate(rule.variable("income_limit")).astype(numpy.float64)
    return EngineResult(
        outcome=outcome,
        amount_per_year=amount,
        reasons=reasons,
        income_limit=income_limit,
        figures={name: calculate(name) for name in FIGURES},
        household_type=simulation.calculate("household_type", period).decode_to_str(),
    )


def _simulation(system: Any, batch: HouseholdBatch, period: str) -> Any:
    """Persons in the order applicants, partners, children, so each household's first member is the applicant."""
    households = len(batch)
    with_partner = numpy.flatnonzero(batch.has_partner)
    person_household = numpy.concatenate([numpy.arange(households), with_partner, batch.child_household])
    roles = numpy.concatenate(
        [
            numpy.zeros(households + len(with_partner), dtype=numpy.int64),  # partner role
            numpy.ones(len(batch.child_household), dtype=numpy.int64),  # child role
        ]
    )
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("person", numpy.arange(len(person_household)))
    household_population = builder.declare_entity("household", numpy.arange(households))
    builder.join_with_persons(household_population, person_household, roles)
    simulation = builder.build(system)

    def person_input(name: str, applicant: NDArray[Any], partner: NDArray[Any], child: NDArray[Any]) -> None:
        simulation.set_input(name, period, numpy.concatenate([applicant, partner[with_partner], child]))

    person_input("age", batch.applicant_age, batch.partner_age, batch.child_age)
    no_income = numpy.zeros(len(batch.child_age))
    person_input("net_income", batch.applicant_income, batch.partner_income, no_income)
    for name in ("rent", "fixed_costs", "savings", "debts", "years_on_low_income"):
        simulation.set_input(name, period, getattr(batch, name))
    simulation.set_input("housing", period, Housing.encode(numpy.asarray(batch.housing)))
    return simulation


def national_parameters(on: date) -> Any:
    """The national figures on a day (the social minimum, allowance limits), as the explanations quote them."""
    return rules_system(()).get_parameters_at_instant(on.replace(day=1).isoformat())
