"""The questions of the regelingencheck: one household's answers, checked, and many households as columns.

A resident answers at most a dozen questions. :class:`HouseholdAnswers` refuses impossible answers with a
``ValidationError`` keyed by the question, and :meth:`HouseholdAnswers.from_form` reads typed text (Dutch
number formats too) first. :class:`HouseholdBatch` holds many households as numpy columns for the
vectorised path (a synthetic population, non-take-up per district).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from numpy.typing import NDArray

ADULT_AGE = 18
MAXIMUM_AGE = 120
MAXIMUM_CHILDREN = 20
MAXIMUM_MONTHLY_INCOME = Decimal(100_000)
MAXIMUM_MONTHLY_COSTS = Decimal(25_000)
MAXIMUM_ASSETS = Decimal(100_000_000)
MAXIMUM_YEARS = 100


class Housing(models.TextChoices):
    """Where the household lives. The order is the order of the rules' ``Housing`` enumeration."""

    RENTING = "huur", _("I rent a home of my own")
    OWNER = "koop", _("I own my home")
    LODGING = "inwonend", _("I live in someone else's home")


QUESTIONS = {
    "applicant_age": _("Your age"),
    "applicant_income": _("Your net income per month"),
    "has_partner": _("Do you have a partner?"),
    "partner_age": _("Your partner's age"),
    "partner_income": _("Your partner's net income per month"),
    "children_ages": _("Ages of the children who live with you"),
    "rent": _("Rent per month"),
    "fixed_costs": _("Other fixed costs per month"),
    "savings": _("Savings and other assets"),
    "debts": _("Debts"),
    "housing": _("Where do you live?"),
    "years_on_low_income": _("For how many years has your income been this low?"),
}


@dataclass(frozen=True)
class HouseholdAnswers:
    """One household's answers. Money in euros; income is net per month, without allowances."""

    applicant_age: int
    applicant_income: Decimal
    has_partner: bool = False
    partner_age: int | None = None
    partner_income: Decimal | None = None
    children_ages: tuple[int, ...] = ()
    rent: Decimal = Decimal(0)
    fixed_costs: Decimal = Decimal(0)
    savings: Decimal = Decimal(0)
    debts: Decimal = Decimal(0)
    housing: str = Housing.RENTING
    years_on_low_income: int | None = None  # None: not known

    def __post_init__(self) -> None:
        errors: dict[str, list[str]] = {}
        _check_age(errors, "applicant_age", self.applicant_age, minimum=ADULT_AGE)
        _check_money(errors, "applicant_income", self.applicant_income, MAXIMUM_MONTHLY_INCOME)
        if not isinstance(self.has_partner, bool):
            _add(errors, "has_partner", _("answer yes or no."))
        elif self.has_partner:
            if self.partner_age is None:
                _add(errors, "partner_age", _("you said you have a partner; fill in their age."))
            else:
                _check_age(errors, "partner_age", self.partner_age, minimum=ADULT_AGE)
            if self.partner_income is None:
                _add(errors, "partner_income", _("you said you have a partner; fill in their income (0 if none)."))
            else:
                _check_money(errors, "partner_income", self.partner_income, MAXIMUM_MONTHLY_INCOME)
        else:
            if self.partner_age is not None:
                _add(errors, "partner_age", _("you said you have no partner; leave this empty."))
            if self.partner_income is not None:
                _add(errors, "partner_income", _("you said you have no partner; leave this empty."))
        if not isinstance(self.children_ages, tuple):
            _add(errors, "children_ages", _("give the ages as a list of whole numbers."))
        elif len(self.children_ages) > MAXIMUM_CHILDREN:
            _add(errors, "children_ages", _("at most %(count)d children.") % {"count": MAXIMUM_CHILDREN})
        else:
            for age in self.children_ages:
                if not _is_whole(age) or not 0 <= age < ADULT_AGE:
                    _add(
                        errors,
                        "children_ages",
                        _("a child's age is a whole number from 0 to 17; children of 18 or older are not asked."),
                    )
                    break
        _check_money(errors, "rent", self.rent, MAXIMUM_MONTHLY_COSTS)
        _check_money(errors, "fixed_costs", self.fixed_costs, MAXIMUM_MONTHLY_COSTS)
        _check_money(errors, "savings", self.savings, MAXIMUM_ASSETS)
        _check_money(errors, "debts", self.debts, MAXIMUM_ASSETS)
        if self.housing not in Housing.values:
            _add(errors, "housing", _("choose one of the answers."))
        elif self.housing != Housing.RENTING and isinstance(self.rent, Decimal) and self.rent > 0:
            _add(errors, "rent", _("you said you do not rent a home; fill in 0, or choose that you rent."))
        if self.years_on_low_income is not None and (
            not _is_whole(self.years_on_low_income) or not 0 <= self.years_on_low_income <= MAXIMUM_YEARS
        ):
            _add(
                errors, "years_on_low_income", _("a whole number of years from 0 to %(max)d.") % {"max": MAXIMUM_YEARS}
            )
        if errors:
            raise ValidationError(errors)

    @property
    def household_size(self) -> int:
        return 1 + int(self.has_partner) + len(self.children_ages)

    @classmethod
    def from_form(cls, data: Mapping[str, Any]) -> HouseholdAnswers:
        """Answers as typed in a form: numbers as text (``1.250,50``, ``€ 800``), yes/no, ages separated by commas.

        Every question that cannot be read is reported at once, by its name.
        """
        errors: dict[str, list[str]] = {}
        unknown = set(data) - set(QUESTIONS)
        for name in sorted(unknown):
            _add(errors, name, _("this is not one of the questions."))
        has_partner = _read_yes_no(errors, "has_partner", data.get("has_partner"))
        values: dict[str, Any] = {
            "applicant_age": _read_whole(errors, "applicant_age", data.get("applicant_age"), required=True),
            "applicant_income": _read_money(errors, "applicant_income", data.get("applicant_income"), required=True),
            "has_partner": has_partner,
            "partner_age": _read_whole(errors, "partner_age", data.get("partner_age")),
            "partner_income": _read_money(errors, "partner_income", data.get("partner_income")),
            "children_ages": _read_ages(errors, "children_ages", data.get("children_ages")),
            "rent": _read_money(errors, "rent", data.get("rent")) or Decimal(0),
            "fixed_costs": _read_money(errors, "fixed_costs", data.get("fixed_costs")) or Decimal(0),
            "savings": _read_money(errors, "savings", data.get("savings")) or Decimal(0),
            "debts": _read_money(errors, "debts", data.get("debts")) or Decimal(0),
            "housing": _read_text(data.get("housing")) or Housing.RENTING,
            "years_on_low_income": _read_whole(errors, "years_on_low_income", data.get("years_on_low_income")),
        }
        if errors:
            raise ValidationError(errors)
        return cls(**values)


# --- reading and checking answers -------------------------------------------------------------------


def _add(errors: dict[str, list[str]], name: str, problem: Any) -> None:
    label = QUESTIONS.get(name, name)
    errors.setdefault(name, []).append(f"{label}: {problem}")


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_age(errors: dict[str, list[str]], name: str, value: object, *, minimum: int) -> None:
    if not _is_whole(value):
        _add(errors, name, _("enter a whole number, such as 42."))
        return
    assert isinstance(value, int)
    if value < minimum:
        _add(errors, name, _("the check is for people of %(minimum)d or older.") % {"minimum": minimum})
    elif value > MAXIMUM_AGE:
        _add(errors, name, _("an age of at most %(maximum)d.") % {"maximum": MAXIMUM_AGE})


def _check_money(errors: dict[str, list[str]], name: str, value: object, maximum: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        _add(errors, name, _("enter an amount in euros, such as 1250."))
    elif value < 0:
        _add(errors, name, _("an amount cannot be negative."))
    elif value > maximum:
        _add(errors, name, _("this amount is not possible here; the most is %(maximum)s euros.") % {"maximum": maximum})
    elif value.as_tuple().exponent < -2:  # type: ignore[operator]  # finite: the exponent is an int
        _add(errors, name, _("an amount has at most two digits after the comma."))


def _read_text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _read_whole(errors: dict[str, list[str]], name: str, value: object, *, required: bool = False) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            _add(errors, name, _("this question is required."))
        return None
    if _is_whole(value):
        assert isinstance(value, int)
        return value
    text = value.strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"-?[0-9]{1,4}", text):
        _add(errors, name, _("enter a whole number, such as 42."))
        return None
    return int(text)


def _read_money(errors: dict[str, list[str]], name: str, value: object, *, required: bool = False) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            _add(errors, name, _("this question is required (0 if none)."))
        return None
    if isinstance(value, Decimal):
        return value
    if _is_whole(value):
        assert isinstance(value, int)
        return Decimal(value)
    text = re.sub(r"[\s€]|eur(o)?", "", value, flags=re.IGNORECASE) if isinstance(value, str) else ""
    if "," in text:
        # Dutch: 1.250,50 (the dot groups thousands, the comma is the decimal separator).
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?[0-9]{1,3}(\.[0-9]{3})+", text):
        text = text.replace(".", "")  # 1.250: thousands, not one euro twenty-five
    if not re.fullmatch(r"-?[0-9]{1,12}(\.[0-9]{1,2})?", text):
        _add(errors, name, _("enter an amount in euros, such as 1250 or 1250,50."))
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only valid numbers
        _add(errors, name, _("enter an amount in euros, such as 1250."))
        return None


def _read_yes_no(errors: dict[str, list[str]], name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = _read_text(value).lower()
    if text in {"", "nee", "no", "false", "0", "off"}:
        return False
    if text in {"ja", "yes", "true", "1", "on"}:
        return True
    _add(errors, name, _("answer yes or no."))
    return False


def _read_ages(errors: dict[str, list[str]], name: str, value: object) -> tuple[int, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        parts: list[object] = list(value)
    elif isinstance(value, str):
        parts = [part for part in re.split(r"[,;\s]+", value.strip()) if part]
    else:
        _add(errors, name, _("give the ages as whole numbers separated by commas, such as 3, 7."))
        return ()
    ages: list[int] = []
    for part in parts:
        if _is_whole(part):
            assert isinstance(part, int)
            ages.append(part)
        elif isinstance(part, str) and re.fullmatch(r"-?[0-9]{1,3}", part):
            ages.append(int(part))
        else:
            _add(errors, name, _("give the ages as whole numbers separated by commas, such as 3, 7."))
            return ()
    return tuple(ages)


# --- many households ------------------------------------------------------------------------------


HOUSING_CODES = {Housing.RENTING.value: 0, Housing.OWNER.value: 1, Housing.LODGING.value: 2}


def _column(values: Any, dtype: Any) -> NDArray[Any]:
    return numpy.asarray(values, dtype=dtype)


@dataclass(frozen=True)
class HouseholdBatch:
    """Many households as columns of equal length; children as two extra columns (household index, age).

    ``partner_age`` and ``partner_income`` are ignored where ``has_partner`` is false;
    ``years_on_low_income`` is -1 where it is not known; ``housing`` holds :data:`HOUSING_CODES`.
    The batch is trusted: build it from checked answers, or from generated data that keeps to the same ranges.
    """

    applicant_age: NDArray[Any]
    applicant_income: NDArray[Any]
    has_partner: NDArray[Any]
    partner_age: NDArray[Any]
    partner_income: NDArray[Any]
    rent: NDArray[Any]
    fixed_costs: NDArray[Any]
    savings: NDArray[Any]
    debts: NDArray[Any]
    housing: NDArray[Any]
    years_on_low_income: NDArray[Any]
    child_household: NDArray[Any] = field(default_factory=lambda: numpy.zeros(0, dtype=numpy.int64))
    child_age: NDArray[Any] = field(default_factory=lambda: numpy.zeros(0, dtype=numpy.int64))

    def __post_init__(self) -> None:
        size = len(self.applicant_age)
        for name in (
            "applicant_income",
            "has_partner",
            "partner_age",
            "partner_income",
            "rent",
            "fixed_costs",
            "savings",
            "debts",
            "housing",
            "years_on_low_income",
        ):
            if len(getattr(self, name)) != size:
                raise ValueError(f"column {name} has {len(getattr(self, name))} values, not {size}")
        if len(self.child_household) != len(self.child_age):
            raise ValueError("child_household and child_age differ in length")
        if len(self.child_household) and (self.child_household.min() < 0 or self.child_household.max() >= size):
            raise ValueError("a child belongs to a household that is not in the batch")

    def __len__(self) -> int:
        return len(self.applicant_age)

    @classmethod
    def from_answers(cls, answers: Sequence[HouseholdAnswers]) -> HouseholdBatch:
        def money(value: Decimal | None) -> float:
            return float(value or 0)

        return cls(
            applicant_age=_column([a.applicant_age for a in answers], numpy.int64),
            applicant_income=_column([money(a.applicant_income) for a in answers], numpy.float64),
            has_partner=_column([a.has_partner for a in answers], bool),
            partner_age=_column([a.partner_age or 0 for a in answers], numpy.int64),
            partner_income=_column([money(a.partner_income) for a in answers], numpy.float64),
            rent=_column([money(a.rent) for a in answers], numpy.float64),
            fixed_costs=_column([money(a.fixed_costs) for a in answers], numpy.float64),
            savings=_column([money(a.savings) for a in answers], numpy.float64),
            debts=_column([money(a.debts) for a in answers], numpy.float64),
            housing=_column([HOUSING_CODES[a.housing] for a in answers], numpy.int64),
            years_on_low_income=_column(
                [-1 if a.years_on_low_income is None else a.years_on_low_income for a in answers], numpy.int64
            ),
            child_household=_column([i for i, a in enumerate(answers) for _ in a.children_ages], numpy.int64),
            child_age=_column([age for a in answers for age in a.children_ages], numpy.int64),
        )
