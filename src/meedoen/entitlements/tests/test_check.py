"""The regelingencheck as other modules call it: one household with explanations, many households as arrays."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import numpy
import pytest
from django.utils import translation

from meedoen.core.access import Actor
from meedoen.core.models import AuditEvent
from meedoen.entitlements.answers import HouseholdAnswers, HouseholdBatch
from meedoen.entitlements.outcomes import Likelihood
from meedoen.entitlements.selectors import check_household, check_households, scheme_rules
from meedoen.entitlements.services import scheme_update
from meedoen.entitlements.tests.factories import load_demo_file_schemes, make_scheme

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 28)

SINGLE_PARENT = HouseholdAnswers(
    applicant_age=34,
    applicant_income=Decimal(1350),
    children_ages=(6, 12),
    rent=Decimal(720),
    fixed_costs=Decimal(350),
    savings=Decimal(400),
    years_on_low_income=4,
)


def by_code(outcomes):
    return {outcome.code: outcome for outcome in outcomes}


def test_a_single_parent_on_a_low_income_sees_the_schemes_and_allowances_with_reasons_and_amounts(world):
    load_demo_file_schemes(world.waalwijk)
    outcomes = by_code(check_household(world.waalwijk, SINGLE_PARENT, on=ON))
    assert set(outcomes) == {
        "zorgtoeslag",
        "huurtoeslag",
        "kindgebonden-budget",
        "individuele-inkomenstoeslag",
        "bijzondere-bijstand",
        "kwijtschelding",
        "collectieve-zorgverzekering",
        "meedoenregeling",
        "kansen-voor-kinderen",
        "voedselbank",
    }
    supplement = outcomes["individuele-inkomenstoeslag"]
    assert supplement.likelihood == Likelihood.LIKELY
    assert supplement.amount_per_year == Decimal("600.00")  # 420 plus 90 per child
    assert supplement.reasons[0] == (
        "Your household's net income is € 1,350 a month. That is not more than the limit of € 1,490. "
        "The limit is 105% of social assistance (bijstand) for a single parent (€ 1,419 a month)."
    )
    assert outcomes["bijzondere-bijstand"].likelihood == Likelihood.MAYBE
    assert outcomes["bijzondere-bijstand"].amount_per_year is None
    assert outcomes["kansen-voor-kinderen"].amount_per_year == Decimal("600.00")
    assert outcomes["meedoenregeling"].amount_per_year == Decimal("450.00")
    assert outcomes["voedselbank"].likelihood == Likelihood.NO
    assert outcomes["voedselbank"].reasons[0] == (
        "After rent and fixed costs you have about € 1,641 a month to live on. This includes the allowances you "
        "may get. The food bank helps when that is less than € 545 a month for 3 people."
    )
    assert outcomes["zorgtoeslag"].url.startswith("https://www.belastingdienst.nl/")
    assert any("estimate" in reason for reason in outcomes["huurtoeslag"].reasons)


def test_amounts_are_written_the_dutch_way_in_dutch_in_whole_euros(world):
    make_scheme(world.waalwijk, income_limit_percent_single_parent=105)
    with translation.override("nl"):
        outcome = by_code(check_household(world.waalwijk, SINGLE_PARENT, on=ON))["individuele-inkomenstoeslag"]
    assert "je huishouden is € 1.350 per maand. Dat is niet meer dan de grens van € 1.490." in outcome.reasons[0]
    assert "105% van de bijstand voor een alleenstaande ouder (€ 1.419 per maand)" in outcome.reasons[0]


@pytest.mark.parametrize(
    ("income", "words"),
    [
        # The limit is € 1,490.43 (105% of € 1,419.46). Whole euros, unless they would hide the difference.
        (Decimal("1490.40"), "€ 1,490.40 a month. That is not more than the limit of € 1,490.43."),
        (Decimal("1490.45"), "€ 1,490.45 a month. That is more than the limit of € 1,490.43."),
        (Decimal("1490.43"), "€ 1,490 a month. That is not more than the limit of € 1,490."),
        (Decimal("1491"), "€ 1,491 a month. That is more than the limit of € 1,490."),
    ],
)
def test_an_income_just_around_the_limit_shows_the_cents_that_decide(world, income, words):
    make_scheme(world.waalwijk, income_limit_percent_single_parent=105)
    household = dataclasses.replace(SINGLE_PARENT, applicant_income=income)
    outcome = by_code(check_household(world.waalwijk, household, on=ON))["individuele-inkomenstoeslag"]
    assert words in outcome.reasons[0]


def test_the_food_bank_counts_one_person_and_says_when_nothing_is_left(world):
    load_demo_file_schemes(world.waalwijk)
    alone = HouseholdAnswers(
        applicant_age=40, applicant_income=Decimal(900), rent=Decimal(800), fixed_costs=Decimal(900)
    )
    with translation.override("nl"):
        outcome = by_code(check_household(world.waalwijk, alone, on=ON))["voedselbank"]
    assert outcome.likelihood == Likelihood.LIKELY
    assert outcome.reasons[0] == (
        "Na huur en vaste lasten heb je niets over om van te leven. Ook niet met de toeslagen die je misschien "
        "krijgt. Dat is minder dan de grens van de voedselbank: € 315 per maand voor 1 persoon."
    )


def test_outcomes_come_likely_first_then_maybe_then_no(world):
    load_demo_file_schemes(world.waalwijk)
    order = [outcome.likelihood for outcome in check_household(world.waalwijk, SINGLE_PARENT, on=ON)]
    assert order == sorted(order, key=[Likelihood.LIKELY, Likelihood.MAYBE, Likelihood.NO].index)


def test_a_household_above_every_limit_gets_no_with_the_figures_that_decided(world):
    load_demo_file_schemes(world.waalwijk)
    wealthy = HouseholdAnswers(
        applicant_age=45,
        applicant_income=Decimal(6000),
        has_partner=True,
        partner_age=44,
        partner_income=Decimal(3000),
        savings=Decimal(300_000),
        housing="koop",
    )
    outcomes = by_code(check_household(world.waalwijk, wealthy, on=ON))
    assert {outcome.likelihood for outcome in outcomes.values()} == {Likelihood.NO}
    assert all(outcome.amount_per_year is None for outcome in outcomes.values())
    assert "That is more than the limit of € 2,129." in outcomes["individuele-inkomenstoeslag"].reasons[0]


def test_each_municipality_checks_only_its_own_schemes(world):
    make_scheme(world.waalwijk, amount=Decimal(400))
    make_scheme(world.meerssen, code="kindpakket", name="Kindpakket", amount=Decimal(250))
    waalwijk = {outcome.code for outcome in check_household(world.waalwijk, SINGLE_PARENT, on=ON)}
    meerssen = {outcome.code for outcome in check_household(world.meerssen, SINGLE_PARENT, on=ON)}
    assert "individuele-inkomenstoeslag" in waalwijk and "kindpakket" not in waalwijk
    assert "kindpakket" in meerssen and "individuele-inkomenstoeslag" not in meerssen


def test_only_schemes_valid_on_the_day_count(world):
    make_scheme(world.waalwijk, valid_from=date(2026, 1, 1), valid_until=date(2026, 6, 30))
    make_scheme(world.waalwijk, code="nieuw", name="Nieuwe toeslag", valid_from=date(2026, 12, 15))
    assert [rule.code for rule in scheme_rules(world.waalwijk, date(2026, 3, 1))] == ["individuele-inkomenstoeslag"]
    assert scheme_rules(world.waalwijk, date(2026, 11, 1)) == ()
    codes = {outcome.code for outcome in check_household(world.waalwijk, SINGLE_PARENT, on=date(2026, 12, 20))}
    assert "nieuw" in codes and "individuele-inkomenstoeslag" not in codes


def test_a_scheme_edited_by_staff_changes_the_outcome_without_code(world):
    scheme = make_scheme(world.waalwijk, income_limit_percent_single_parent=100)
    first = by_code(check_household(world.waalwijk, SINGLE_PARENT, on=ON))["individuele-inkomenstoeslag"]
    assert first.likelihood == Likelihood.LIKELY
    scheme_update(actor=Actor.system("test"), scheme=scheme, fields={"minimum_age": 35})
    second = by_code(check_household(world.waalwijk, SINGLE_PARENT, on=ON))["individuele-inkomenstoeslag"]
    assert second.likelihood == Likelihood.NO
    assert any("35 or older" in reason for reason in second.reasons)


def test_the_check_stores_nothing(world):
    load_demo_file_schemes(world.waalwijk)
    records = AuditEvent.objects.count()
    check_household(world.waalwijk, SINGLE_PARENT, on=ON)
    check_households(world.waalwijk, [SINGLE_PARENT], on=ON)
    assert AuditEvent.objects.count() == records


def test_many_households_at_once_give_the_same_outcomes_as_one_at_a_time(world):
    load_demo_file_schemes(world.meerssen)
    rng = numpy.random.default_rng(7)
    households = [
        HouseholdAnswers(
            applicant_age=int(rng.integers(18, 90)),
            applicant_income=Decimal(int(rng.integers(0, 3500))),
            has_partner=bool(partner := rng.random() < 0.4),
            partner_age=int(rng.integers(18, 90)) if partner else None,
            partner_income=Decimal(int(rng.integers(0, 1500))) if partner else None,
            children_ages=tuple(int(age) for age in rng.integers(0, 18, int(rng.integers(0, 4)))),
            rent=Decimal(int(rng.integers(300, 1200))),
            fixed_costs=Decimal(int(rng.integers(100, 600))),
            savings=Decimal(int(rng.integers(0, 20000))),
            years_on_low_income=int(rng.integers(0, 6)),
        )
        for _ in range(40)
    ]
    together = check_households(world.meerssen, households, on=ON)
    index = {Likelihood.NO: 0, Likelihood.MAYBE: 1, Likelihood.LIKELY: 2}
    for number, household in enumerate(households):
        for outcome in check_household(world.meerssen, household, on=ON):
            assert together.outcome[outcome.code][number] == index[outcome.likelihood]
            expected = float(outcome.amount_per_year or 0)
            assert together.amount_per_year[outcome.code][number] == pytest.approx(expected, abs=0.01)
    assert sum(together.count(code, Likelihood.LIKELY) for code in together.codes) > 0


def test_many_households_from_columns(world):
    load_demo_file_schemes(world.waalwijk)
    batch = HouseholdBatch.from_answers([SINGLE_PARENT] * 3)
    result = check_households(world.waalwijk, batch, on=ON)
    assert result.outcome["individuele-inkomenstoeslag"].tolist() == [2, 2, 2]
    assert result.amount_per_year["kansen-voor-kinderen"].tolist() == [600, 600, 600]
