"""The synthetic population per district: as many households as the CBS figures give, made up as the
assumptions say, the same every time for the same seed; and the schemes counted over it."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meedoen.entitlements.population import (
    AGE_BANDS,
    Assumptions,
    DistrictTotals,
    count_eligible,
    estimate_eligible,
    generate,
    households_in,
)
from meedoen.entitlements.rules.schemes import IncomeTest
from meedoen.entitlements.schemefile import DEMO_SCHEMES, read_scheme_file

ON = date(2026, 11, 1)
# The CBS figures of the demo's Waalwijk (Kerncijfers wijken en buurten 2024): the municipality and its
# three districts.
WAALWIJK_INHABITANTS = 50_302
WAALWIJK = (
    DistrictTotals("WK086700", "Wijk 00", 30_625, 14_212),
    DistrictTotals("WK086701", "Wijk 01", 14_505, 6_132),
    DistrictTotals("WK086702", "Wijk 02", 5_170, 2_269),
)
SMALL = (DistrictTotals("WK099900", "Klein", 900, 400), DistrictTotals("WK099901", "Kleiner", 500, 230))
RULES = tuple(entry.rule for entry in read_scheme_file(DEMO_SCHEMES) if entry.municipality_code == "GM0867")
INCOME_TESTED = tuple(rule.code for rule in RULES if rule.income_test != IncomeTest.NONE)


def columns(population):
    batch = population.batch
    return {field.name: getattr(batch, field.name) for field in dataclasses.fields(batch)}


def test_each_district_gets_its_cbs_households_and_together_they_match_the_municipality():
    assumptions = Assumptions()
    population = generate(WAALWIJK, assumptions, ON)
    expected = tuple(round(d.inhabitants / assumptions.inhabitants_per_household) for d in WAALWIJK)
    assert population.households == expected == (14_311, 6_778, 2_416)
    assert tuple(numpy.bincount(population.district_of, minlength=3)) == expected
    assert len(population.batch) == sum(expected)
    # Each district is rounded on its own, so the sum may differ from the municipality by at most one
    # household per district (and CBS rounds the district figures too).
    whole = round(WAALWIJK_INHABITANTS / assumptions.inhabitants_per_household)
    assert abs(sum(expected) - whole) <= len(WAALWIJK)


def test_without_inhabitants_a_district_counts_one_household_per_dwelling_and_without_figures_none():
    assumptions = Assumptions()
    assert households_in(DistrictTotals("WK000100", "x", None, 812), assumptions) == 812
    assert households_in(DistrictTotals("WK000101", "x", None, None), assumptions) == 0
    population = generate((DistrictTotals("WK000101", "x", None, None),), assumptions, ON)
    assert len(population.batch) == 0
    estimate = count_eligible(RULES, population, ON)
    assert set(estimate.eligible) == {rule.code for rule in RULES}
    assert all(counts == (0,) for counts in estimate.eligible.values())


def test_the_same_seed_gives_the_same_population_and_another_seed_another():
    first = columns(generate(SMALL, Assumptions(seed=7), ON))
    again = columns(generate(SMALL, Assumptions(seed=7), ON))
    other = columns(generate(SMALL, Assumptions(seed=8), ON))
    for name, values in first.items():
        numpy.testing.assert_array_equal(values, again[name], err_msg=name)
    assert any(not numpy.array_equal(values, other[name]) for name, values in first.items() if len(values))


def test_a_district_draws_its_own_households_so_changing_another_district_leaves_it_alone():
    before = generate(SMALL, Assumptions(), ON)
    changed = (SMALL[0], dataclasses.replace(SMALL[1], inhabitants=2_000))
    after = generate(changed, Assumptions(), ON)
    first = before.households[0]
    numpy.testing.assert_array_equal(before.batch.applicant_age[:first], after.batch.applicant_age[:first])
    numpy.testing.assert_array_equal(before.batch.applicant_income[:first], after.batch.applicant_income[:first])


def test_the_households_follow_the_assumptions():
    assumptions = Assumptions(
        household_types=(0, 0, 0, 100),
        age_groups=(0, 0, 100, 0, 0),
        income_bands=(100, 0, 0, 0, 0, 0, 0),
        renting_low_income=100,
        savings_bands=(100, 0, 0, 0),
    )
    population = generate(SMALL, assumptions, ON)
    batch = population.batch
    assert batch.has_partner.all()
    assert set(batch.child_household.tolist()) == set(range(len(batch)))  # every household has a child
    low, high = AGE_BANDS[2]
    assert ((batch.applicant_age >= low) & (batch.applicant_age <= high)).all()
    assert (batch.housing == 0).all() and (batch.rent >= 500).all() and (batch.rent <= 900).all()
    assert (batch.savings <= 1_500).all()
    assert (batch.child_age <= 17).all() and (batch.child_age >= 0).all()
    # Everyone is on (or around) the social minimum of a couple with children: 80% to 101% of it
    # (the norm of 1 July 2026, which applies on ON).
    couple_norm = 2027.79
    income = batch.applicant_income + batch.partner_income
    assert (income >= 0.8 * couple_norm - 0.02).all() and (income <= 1.01 * couple_norm + 0.02).all()
    assert (batch.years_on_low_income >= 0).all()


def test_households_with_children_have_no_main_person_of_pension_age():
    assumptions = Assumptions(household_types=(0, 100, 0, 0), age_groups=(0, 0, 0, 0, 100))
    batch = generate(SMALL, assumptions, ON).batch
    assert (batch.applicant_age < AGE_BANDS[-1][0]).all()


def test_assumptions_refuse_impossible_shares():
    with pytest.raises(ValueError, match="household_types"):
        Assumptions(household_types=(0, 0, 0, 0))
    with pytest.raises(ValueError, match="income_bands"):
        Assumptions(income_bands=(100,))
    with pytest.raises(ValueError, match="rent_range"):
        Assumptions(rent_range=(900, 500))


def test_a_large_municipality_is_simulated_as_a_sample_and_counted_up():
    assumptions = Assumptions()
    whole = count_eligible(RULES, generate(WAALWIJK, assumptions, ON), ON)
    sample_population = generate(WAALWIJK, assumptions, ON, max_households=2_000)
    assert sum(sample_population.simulated) == pytest.approx(2_000, abs=len(WAALWIJK))
    assert sample_population.households == whole.households
    sample = count_eligible(RULES, sample_population, ON)
    code = "collectieve-zorgverzekering"
    # One in twelve households simulated: the counted-up estimate is near the full one.
    assert sum(sample.eligible[code]) == pytest.approx(sum(whole.eligible[code]), rel=0.3)


def test_the_estimate_counts_every_running_scheme_per_district_and_is_kept_for_the_same_question():
    estimate = estimate_eligible(RULES, WAALWIJK, Assumptions(), ON)
    assert set(estimate.eligible) == {rule.code for rule in RULES}
    for code in estimate.eligible:
        for eligible, uncertain, households in zip(
            estimate.eligible[code], estimate.uncertain[code], estimate.households, strict=True
        ):
            assert 0 <= eligible + uncertain <= households
    # A 130% scheme reaches more households than a 100% one with an asset test.
    assert sum(estimate.eligible["collectieve-zorgverzekering"]) > sum(estimate.eligible["kwijtschelding"]) > 0
    # Special assistance depends on costs: its households count as eligible when they meet its rules.
    assert sum(estimate.eligible["bijzondere-bijstand"]) > 0
    assert estimate_eligible(RULES, WAALWIJK, Assumptions(), ON) is estimate


@settings(max_examples=25)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    factor=st.floats(min_value=1.0, max_value=3.0),
    extra=st.integers(min_value=0, max_value=1_500),
)
def test_raising_incomes_never_raises_the_estimated_eligible_count_of_an_income_tested_scheme(seed, factor, extra):
    population = generate(SMALL, Assumptions(seed=seed), ON)
    batch = population.batch
    richer = dataclasses.replace(
        population,
        batch=dataclasses.replace(
            batch,
            applicant_income=numpy.round(batch.applicant_income * factor + extra, 2),
            partner_income=numpy.round(batch.partner_income * factor, 2),
        ),
    )
    before = count_eligible(RULES, population, ON)
    after = count_eligible(RULES, richer, ON)
    for code in INCOME_TESTED:
        for district, (was, now) in enumerate(zip(before.eligible[code], after.eligible[code], strict=True)):
            assert now <= was, f"{code} in district {district}: {was} -> {now}"


def test_the_income_property_notices_a_rise():
    population = generate(SMALL, Assumptions(), ON)
    poorer = dataclasses.replace(
        population,
        batch=dataclasses.replace(population.batch, applicant_income=population.batch.applicant_income * 0.5),
    )
    before = count_eligible(RULES, population, ON)
    after = count_eligible(RULES, poorer, ON)
    assert any(sum(after.eligible[code]) > sum(before.eligible[code]) for code in INCOME_TESTED)
