"""Properties that hold for every household: more income, or more savings, never makes it eligible for more."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy
from hypothesis import given, settings
from hypothesis import strategies as st

from meedoen.entitlements.answers import HouseholdAnswers, HouseholdBatch, Housing
from meedoen.entitlements.engine import evaluate
from meedoen.entitlements.rules.schemes import IncomeTest
from meedoen.entitlements.schemefile import DEMO_SCHEMES, read_scheme_file

ON = date(2026, 11, 1)
RULES = {
    code: tuple(entry.rule for entry in read_scheme_file(DEMO_SCHEMES) if entry.municipality_code == code)
    for code in ("GM0867", "GM0938")
}
euros = st.integers(min_value=0, max_value=6_000).map(Decimal)


@st.composite
def households(draw: st.DrawFn) -> HouseholdAnswers:
    partner = draw(st.booleans())
    housing = draw(st.sampled_from(Housing.values))
    return HouseholdAnswers(
        applicant_age=draw(st.integers(min_value=18, max_value=95)),
        applicant_income=draw(euros),
        has_partner=partner,
        partner_age=draw(st.integers(min_value=18, max_value=95)) if partner else None,
        partner_income=draw(euros) if partner else None,
        children_ages=tuple(draw(st.lists(st.integers(min_value=0, max_value=17), max_size=4))),
        rent=draw(st.integers(min_value=0, max_value=1_500).map(Decimal)) if housing == Housing.RENTING else Decimal(0),
        fixed_costs=draw(st.integers(min_value=0, max_value=800).map(Decimal)),
        savings=draw(st.integers(min_value=0, max_value=50_000).map(Decimal)),
        debts=draw(st.integers(min_value=0, max_value=20_000).map(Decimal)),
        housing=housing,
        years_on_low_income=draw(st.none() | st.integers(min_value=0, max_value=10)),
    )


def assert_never_better(
    before: HouseholdAnswers, after: HouseholdAnswers, *, skip: frozenset[str] = frozenset()
) -> None:
    for rules in RULES.values():
        result = evaluate(rules, HouseholdBatch.from_answers([before, after]), ON)
        for code, outcome in result.outcome.items():
            if code in skip:
                continue
            assert outcome[1] <= outcome[0], f"{code}: outcome rose from {outcome[0]} to {outcome[1]}"
            amounts = result.amount_per_year[code]
            assert amounts[1] <= amounts[0] + 0.01, f"{code}: amount rose from {amounts[0]} to {amounts[1]}"


@settings(max_examples=100)
@given(household=households(), more=st.integers(min_value=1, max_value=5_000))
def test_more_income_never_makes_a_household_eligible_for_more(household, more):
    assert_never_better(household, replace(household, applicant_income=household.applicant_income + more))


@settings(max_examples=30)
@given(household=households(), more=st.integers(min_value=1, max_value=5_000))
def test_more_income_of_the_partner_never_makes_a_household_eligible_for_more(household, more):
    if not household.has_partner:
        household = replace(household, has_partner=True, partner_age=40, partner_income=Decimal(0))
    assert household.partner_income is not None
    assert_never_better(household, replace(household, partner_income=household.partner_income + more))


# The food banks test no assets and count allowances as income: savings above an allowance's asset limit
# cost the allowance, which lowers the living money. So for the food bank more savings can mean more help.
LIVING_MONEY_SCHEMES = frozenset(
    rule.code for rules in RULES.values() for rule in rules if rule.income_test == IncomeTest.LIVING_MONEY
)


@settings(max_examples=30)
@given(household=households(), more=st.integers(min_value=1, max_value=200_000))
def test_more_savings_never_make_a_household_eligible_for_more(household, more):
    after = replace(household, savings=household.savings + more)
    assert_never_better(household, after, skip=LIVING_MONEY_SCHEMES)


def test_the_property_check_notices_a_rise():
    poor = HouseholdAnswers(applicant_age=40, applicant_income=Decimal(900), years_on_low_income=5)
    rich = replace(poor, applicant_income=Decimal(5000))
    assert_never_better(poor, rich)
    try:
        assert_never_better(rich, poor)
    except AssertionError:
        return
    raise AssertionError("a fall in income that raises the outcome was not noticed")  # pragma: no cover


def test_outcomes_are_whole_numbers_from_0_to_2():
    batch = HouseholdBatch.from_answers([HouseholdAnswers(applicant_age=30, applicant_income=Decimal(0))])
    result = evaluate(RULES["GM0867"], batch, ON)
    assert all(numpy.isin(outcome, [0, 1, 2]).all() for outcome in result.outcome.values())
