"""The questions: impossible or unreadable answers are refused with a message that names the question."""

from __future__ import annotations

from decimal import Decimal

import numpy
import pytest
from django.core.exceptions import ValidationError

from meedoen.entitlements.answers import HouseholdAnswers, HouseholdBatch


def refused(**answers) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        HouseholdAnswers(**{"applicant_age": 30, "applicant_income": Decimal(1200), **answers})
    return error.value.message_dict


def refused_form(**form) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        HouseholdAnswers.from_form({"applicant_age": "30", "applicant_income": "1200", **form})
    return error.value.message_dict


def test_plain_answers_are_accepted():
    answers = HouseholdAnswers(
        applicant_age=34,
        applicant_income=Decimal("1350.50"),
        has_partner=True,
        partner_age=36,
        partner_income=Decimal(0),
        children_ages=(0, 17),
        rent=Decimal(720),
        years_on_low_income=0,
    )
    assert answers.household_size == 4


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"applicant_age": 17}, "applicant_age"),
        ({"applicant_age": 121}, "applicant_age"),
        ({"applicant_age": "30"}, "applicant_age"),
        ({"applicant_income": Decimal(-1)}, "applicant_income"),
        ({"applicant_income": Decimal(100_001)}, "applicant_income"),
        ({"applicant_income": Decimal("NaN")}, "applicant_income"),
        ({"applicant_income": Decimal("10.001")}, "applicant_income"),
        ({"applicant_income": 1200.0}, "applicant_income"),
        ({"children_ages": (3, 18)}, "children_ages"),
        ({"children_ages": (-1,)}, "children_ages"),
        ({"children_ages": tuple(range(21))}, "children_ages"),
        ({"rent": Decimal(-5)}, "rent"),
        ({"savings": Decimal(10**9)}, "savings"),
        ({"debts": Decimal(-1)}, "debts"),
        ({"housing": "kasteel"}, "housing"),
        ({"housing": "koop", "rent": Decimal(500)}, "rent"),
        ({"years_on_low_income": -1}, "years_on_low_income"),
        ({"years_on_low_income": 101}, "years_on_low_income"),
    ],
)
def test_impossible_answers_are_refused_by_name(answers, field):
    errors = refused(**answers)
    assert list(errors) == [field]


def test_a_partner_needs_an_age_and_an_income_and_no_partner_needs_neither():
    errors = refused(has_partner=True)
    assert set(errors) == {"partner_age", "partner_income"}
    assert "partner" in errors["partner_age"][0].lower()
    errors = refused(has_partner=False, partner_age=40, partner_income=Decimal(10))
    assert set(errors) == {"partner_age", "partner_income"}
    assert list(refused(has_partner=True, partner_age=130, partner_income=Decimal(0))) == ["partner_age"]


def test_messages_name_the_question():
    errors = refused(applicant_age=150)
    assert errors["applicant_age"][0].startswith("Your age:")
    errors = refused_form(rent="veel")
    assert errors["rent"][0].startswith("Rent per month:")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1250", Decimal(1250)),
        ("1250,50", Decimal("1250.50")),
        ("1.250,50", Decimal("1250.50")),
        ("1.250", Decimal(1250)),
        ("€ 800", Decimal(800)),
        (" 800 euro ", Decimal(800)),
        ("1250.5", Decimal("1250.5")),
        (900, Decimal(900)),
    ],
)
def test_form_amounts_in_dutch_and_plain_notation(typed, amount):
    assert HouseholdAnswers.from_form({"applicant_age": "40", "applicant_income": typed}).applicant_income == amount


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"applicant_income": "twaalfhonderd"}, "applicant_income"),
        ({"applicant_income": "12e3"}, "applicant_income"),
        ({"applicant_income": "=1+1"}, "applicant_income"),
        ({"applicant_income": "<script>alert(1)</script>"}, "applicant_income"),
        ({"applicant_income": ""}, "applicant_income"),
        ({"applicant_income": "-50"}, "applicant_income"),
        ({"applicant_age": "dertig"}, "applicant_age"),
        ({"applicant_age": "30.5"}, "applicant_age"),
        ({"applicant_age": "999"}, "applicant_age"),
        ({"applicant_age": ""}, "applicant_age"),
        ({"has_partner": "misschien"}, "has_partner"),
        ({"children_ages": "3, zeven"}, "children_ages"),
        ({"children_ages": {"a": 1}}, "children_ages"),
        ({"savings": "1,2,3"}, "savings"),
        ({"years_on_low_income": "lang"}, "years_on_low_income"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_text_that_is_not_an_answer_is_refused_by_name(form, field):
    assert field in refused_form(**form)


def test_every_unreadable_question_is_reported_at_once():
    errors = refused_form(applicant_age="x", applicant_income="y", rent="z")
    assert set(errors) == {"applicant_age", "applicant_income", "rent"}


def test_form_reads_yes_no_ages_and_empty_optional_answers():
    answers = HouseholdAnswers.from_form(
        {
            "applicant_age": "41",
            "applicant_income": "0",
            "has_partner": "ja",
            "partner_age": "39",
            "partner_income": "1.100,00",
            "children_ages": "3, 7;12",
            "rent": "",
            "housing": "huur",
            "years_on_low_income": "",
        }
    )
    assert answers.has_partner
    assert answers.children_ages == (3, 7, 12)
    assert answers.partner_income == Decimal(1100)
    assert answers.rent == 0
    assert answers.years_on_low_income is None


def test_a_batch_from_answers_puts_children_with_their_household():
    batch = HouseholdBatch.from_answers(
        [
            HouseholdAnswers(applicant_age=30, applicant_income=Decimal(1), children_ages=(1, 2)),
            HouseholdAnswers(applicant_age=40, applicant_income=Decimal(2)),
            HouseholdAnswers(applicant_age=50, applicant_income=Decimal(3), children_ages=(9,)),
        ]
    )
    assert len(batch) == 3
    assert batch.child_household.tolist() == [0, 0, 2]
    assert batch.child_age.tolist() == [1, 2, 9]
    assert batch.years_on_low_income.tolist() == [-1, -1, -1]


def test_a_batch_refuses_columns_that_do_not_fit():
    batch = HouseholdBatch.from_answers([HouseholdAnswers(applicant_age=30, applicant_income=Decimal(1))])
    with pytest.raises(ValueError, match="rent"):
        HouseholdBatch(**{**batch.__dict__, "rent": batch.rent.repeat(2)})
    with pytest.raises(ValueError, match="not in the batch"):
        HouseholdBatch(**{**batch.__dict__, "child_household": numpy.array([5]), "child_age": numpy.array([3])})
