"""The questions of the regelingencheck for residents: fourteen questions in three short steps.

The answers travel only in the form: the fields of the other steps ride along as hidden inputs, so the
server keeps nothing between two steps. Reading and checking an answer is the job of
:class:`~meedoen.entitlements.answers.HouseholdAnswers`; this form adds what the steps ask on top (how many
children, one question for rent or mortgage, debts yes or no) and puts every problem next to its question.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from meedoen.core.numbers import whole_number
from meedoen.entitlements.answers import MAXIMUM_CHILDREN, QUESTIONS, HouseholdAnswers, Housing

YES, NO = "ja", "nee"
TEXTBOX = "utrecht-textbox utrecht-textbox--html-input meedoen-check__number"
RADIO = "utrecht-radio-button utrecht-radio-button--html-input"


@dataclass(frozen=True)
class Step:
    number: int
    title: StrOrPromise
    fields: tuple[str, ...]


STEPS = (
    Step(1, _("Your household"), ("applicant_age", "has_partner", "partner_age", "children_count", "children_ages")),
    Step(2, _("Your income"), ("applicant_income", "partner_income", "years_on_low_income")),
    Step(
        3,
        _("Your home and your money"),
        ("housing", "housing_costs", "fixed_costs", "savings", "has_debts", "debts"),
    ),
)
LAST_STEP = len(STEPS)
STEP_OF = {name: step.number for step in STEPS for name in step.fields}

# Said a little more in "samen invullen", for a helper who reads the questions out with a resident.
EXPLANATIONS: dict[str, StrOrPromise] = {
    "applicant_age": _(
        "The age today. The check is for people of 18 or older. Some schemes have an age limit, and from the "
        "state pension age (AOW) other amounts count as a low income."
    ),
    "has_partner": _(
        "A partner is someone you are married to, or live with as a couple, also without a contract. "
        "A housemate, a parent or a grown-up child is not a partner."
    ),
    "partner_age": _("The partner's age counts for the income limit and for the state pension age (AOW)."),
    "children_count": _(
        "Count the children under 18 who live at this address most of the time. Children of 18 or older are not asked."
    ),
    "children_ages": _(
        "One age for each child, with a comma in between. Some schemes are for children of a certain age, "
        "such as school children."
    ),
    "applicant_income": _(
        "Look at a bank statement or pay slip together. Net is what comes into the bank account, after tax. "
        "For example wages, a pension, alimony for yourself, or a benefit such as bijstand or WW (money when you "
        "lost your job). Leave out toeslagen and kinderbijslag. The check works those out itself."
    ),
    "partner_income": _(
        "The same for the partner: what comes into their bank account each month, without toeslagen and kinderbijslag."
    ),
    "years_on_low_income": _(
        "Some schemes, such as the individual income supplement, are only for people who have had a low "
        "income for some years. Not sure? Leave it empty; the outcome then says maybe."
    ),
    "housing": _(
        "Only people who rent a home of their own can get huurtoeslag. Living in someone else's home is, for "
        "example, living with your parents or renting a room from the main tenant."
    ),
    "housing_costs": _(
        "For a rented home: the total rent on the letter of the landlord, with service costs. For an own "
        "home: the monthly mortgage payment. Huurtoeslag is worked out from the rent."
    ),
    "fixed_costs": _(
        "These costs count for the food bank: what is left to live on after the fixed costs. A bank "
        "statement helps to add them up."
    ),
    "savings": _(
        "Savings count for most schemes: above a limit you get less or nothing. Count the balances of "
        "everyone in the household today. Leave out the home you live in."
    ),
    "has_debts": _(
        "Many people have debts; there is help without judgement. The check subtracts debts from the savings."
    ),
    "debts": _("The total of all debts and arrears is enough, roughly. Not sure? Leave it empty."),
}


def _number(
    label: StrOrPromise, help_text: StrOrPromise, *, money: bool = False, max_length: int = 20
) -> forms.CharField:
    # Text, not type=number: residents type "1.250,50" or "€ 800", and HouseholdAnswers reads those.
    attrs = {"class": TEXTBOX, "inputmode": "decimal" if money else "numeric", "spellcheck": "false"}
    if money:
        too_long = _("Enter an amount in euros, such as 1250 or 1250,50.")
    else:
        too_long = _("Enter a whole number, such as 42.")
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=max_length,
        widget=forms.TextInput(attrs=attrs),
        error_messages={"max_length": too_long},
    )


def _choice(label: StrOrPromise, help_text: StrOrPromise, choices: list[tuple[str, Any]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        help_text=help_text,
        required=False,
        choices=choices,
        widget=forms.RadioSelect(attrs={"class": RADIO}),
        error_messages={"invalid_choice": _("Choose one of the answers.")},
    )


class CheckForm(forms.Form):
    """All fourteen questions; ``step`` says which ones are asked now (and checked, with those before it)."""

    applicant_age = _number(_("How old are you?"), _("Your age in years."), max_length=10)
    has_partner = _choice(
        _("Do you live together with a partner?"),
        _("A partner is your husband or wife, or the person you live with as a couple."),
        [(NO, _("No")), (YES, _("Yes"))],
    )
    partner_age = _number(
        _("How old is your partner?"), _("Only if you live with a partner. Otherwise leave it empty."), max_length=10
    )
    children_count = _number(
        _("How many children under 18 live with you?"), _("Fill in 0 if no children live with you."), max_length=10
    )
    children_ages = forms.CharField(
        label=_("How old are these children?"),
        help_text=_("Put a comma between the ages, for example: 4, 9, 15. A baby is 0."),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": TEXTBOX, "inputmode": "numeric", "spellcheck": "false"}),
        error_messages={"max_length": _("Give the ages as whole numbers separated by commas, such as 3, 7.")},
    )
    applicant_income = _number(
        _("What is your net income per month?"),
        _(
            "The money that comes into your bank account each month from work, a benefit or a pension. "
            "Without toeslagen and kinderbijslag. Fill in 0 if you have no income."
        ),
        money=True,
    )
    partner_income = _number(
        _("What is your partner's net income per month?"),
        _("Without toeslagen and kinderbijslag. Fill in 0 if your partner has no income."),
        money=True,
    )
    years_on_low_income = _number(
        _("For how many years has your income been this low?"),
        _("A guess is fine. Leave it empty if you do not know."),
        max_length=10,
    )
    housing = _choice(_("Where do you live?"), _("Choose what fits best."), list(Housing.choices))
    housing_costs = _number(
        _("How much do you pay for your home per month?"),
        _("The rent with service costs, or the mortgage payment for your own home. Fill in 0 if you pay nothing."),
        money=True,
    )
    fixed_costs = _number(
        _("How much do you pay per month for other fixed costs?"),
        _("For example energy, water, insurance, phone and municipal taxes. Not groceries. Fill in 0 if none."),
        money=True,
    )
    savings = _number(
        _("How much savings do you have?"),
        _("All bank and savings accounts together, also those of your partner. Fill in 0 if you have none."),
        money=True,
    )
    has_debts = _choice(
        _("Do you have debts?"),
        _("For example arrears in rent or energy, a loan, or bills you cannot pay."),
        [(NO, _("No")), (YES, _("Yes"))],
    )
    debts = _number(
        _("How much debt do you have, roughly?"),
        _("Only if you have debts. A guess is fine; you may leave it empty."),
        money=True,
    )

    def __init__(self, *args: Any, step: int = 1, samen: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "vraag-%s")
        super().__init__(*args, **kwargs)
        self.step = min(max(step, 1), LAST_STEP)
        self.samen = samen
        self.answers: CheckAnswers | None = None

    def full_clean(self) -> None:
        super().full_clean()
        # A question not asked yet is checked when its step comes: a problem with it must not block this one.
        errors = self.errors
        for name in [name for name in errors if name in STEP_OF and not self._is_checked(name)]:
            del errors[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        answers, problems = read_answers({name: cleaned.get(name, "") for name in self.fields}, upto=self.step)
        for name, messages in problems.items():
            if name in self.errors:
                continue  # the field itself could not be read; one message is enough
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        self.answers = answers
        return cleaned

    # --- what the templates draw ---------------------------------------------------------------

    @property
    def current(self) -> Step:
        return STEPS[self.step - 1]

    def value_of(self, name: str) -> str:
        value = self[name].value()
        return "" if value is None else str(value)

    def asked_questions(self) -> list[tuple[forms.BoundField, StrOrPromise | None]]:
        """The questions of this step with their explanation in samen mode; the partner's income only when
        there is a partner."""
        return [(self[name], self.explanation(name)) for name in self.current.fields if self._is_asked(name)]

    def carried_fields(self) -> list[forms.BoundField]:
        """Every answer not asked on this page, to ride along as a hidden input."""
        return [self[name] for name in self.fields if not (STEP_OF[name] == self.step and self._is_asked(name))]

    def all_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields]

    def explanation(self, name: str) -> StrOrPromise | None:
        return EXPLANATIONS.get(name) if self.samen else None

    def first_step_with_errors(self) -> int:
        steps = [STEP_OF.get(name, self.step) for name in self.errors]
        return min(steps, default=self.step)

    def _is_asked(self, name: str) -> bool:
        return name != "partner_income" or self.value_of("has_partner") == YES

    def _is_checked(self, name: str) -> bool:
        return STEP_OF[name] <= self.step and self._is_asked(name)


# --- reading the answers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckAnswers:
    """The household as the rules read it, and the answers the rules fold together, as the resident gave them."""

    household: HouseholdAnswers
    housing_costs: Decimal
    other_fixed_costs: Decimal
    has_debts: bool


# HouseholdAnswers' name of a question -> the field that asks it here.
FIELD_OF = {"rent": "housing_costs"}


def read_answers(
    values: Mapping[str, str], *, upto: int = LAST_STEP
) -> tuple[CheckAnswers | None, dict[str, list[str]]]:
    """The household from the answers of steps 1 to ``upto``, or the problems per field.

    Questions of later steps are not asked yet: they count as empty (an income as 0), and a problem with
    them is not reported. The answers come back only when every step is answered without problems.
    """
    problems: dict[str, list[str]] = {}

    def asked(name: str) -> bool:
        return STEP_OF[name] <= upto

    def answer(name: str) -> str:
        return values.get(name, "").strip() if asked(name) else ""

    has_partner = answer("has_partner")
    has_debts = answer("has_debts")
    housing = answer("housing")
    for name, value in (("has_partner", has_partner), ("has_debts", has_debts)):
        if asked(name) and value not in (YES, NO):
            _add(problems, name, gettext("Choose yes or no."))
    if asked("housing") and housing not in Housing.values:
        _add(problems, "housing", gettext("Choose one of the answers."))
    partner = has_partner == YES
    if has_debts == NO and answer("debts"):
        _add(problems, "debts", gettext("You said you have no debts. Leave this empty, or choose yes above."))

    typed = {
        "applicant_age": answer("applicant_age"),
        "applicant_income": answer("applicant_income") if asked("applicant_income") else "0",
        "has_partner": partner,
        "partner_age": answer("partner_age"),
        "children_ages": answer("children_ages"),
        "years_on_low_income": answer("years_on_low_income"),
        # Rent and mortgage are one question; read as rent first, then moved for a home that is not rented.
        "housing": Housing.RENTING,
        "rent": answer("housing_costs"),
        "fixed_costs": answer("fixed_costs"),
        "savings": answer("savings"),
        "debts": answer("debts") if has_debts == YES else "",
    }
    if partner:
        typed["partner_income"] = answer("partner_income") if asked("partner_income") else "0"
    answers: CheckAnswers | None = None
    try:
        read = HouseholdAnswers.from_form(typed)
        household = read
        if housing in Housing.values and housing != Housing.RENTING:
            # A mortgage or board is a fixed cost of living; only rent counts for huurtoeslag.
            household = dataclasses.replace(
                read, housing=housing, rent=Decimal(0), fixed_costs=read.fixed_costs + read.rent
            )
        answers = CheckAnswers(
            household=household, housing_costs=read.rent, other_fixed_costs=read.fixed_costs, has_debts=has_debts == YES
        )
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            for message in messages:
                _add(problems, FIELD_OF.get(key, key), _without_question(key, message))
    _check_children(problems, answer("children_count"), answers, asked("children_count"))
    problems = {name: messages for name, messages in problems.items() if STEP_OF.get(name, 1) <= upto}
    if problems or upto < LAST_STEP:
        return None, problems
    return answers, problems


def _check_children(problems: dict[str, list[str]], count_text: str, answers: CheckAnswers | None, asked: bool) -> None:
    """A household member said but not described is the commonest slip: two children, one age."""
    if not asked:
        return
    if not count_text:
        return  # no count: the ages say how many
    count = whole_number(count_text, digits=2)
    if count is None:
        _add(problems, "children_count", gettext("Enter a whole number, such as 2. Fill in 0 if none."))
        return
    if count > MAXIMUM_CHILDREN:
        _add(problems, "children_count", gettext("At most %(count)d children.") % {"count": MAXIMUM_CHILDREN})
        return
    if answers is None or "children_ages" in problems:
        return
    ages = len(answers.household.children_ages)
    if count > ages:
        _add(
            problems,
            "children_ages",
            gettext("You said %(count)d children live with you. Fill in an age for each child.") % {"count": count},
        )
    elif count < ages:
        _add(
            problems,
            "children_ages",
            gettext("You gave %(ages)d ages for %(count)d children. Fill in one age for each child.")
            % {"ages": ages, "count": count},
        )


def _without_question(key: str, message: str) -> str:
    """HouseholdAnswers starts each message with its own name of the question; here it stands next to it."""
    prefix = f"{QUESTIONS[key]}: " if key in QUESTIONS else ""
    if prefix and message.startswith(prefix):
        message = message[len(prefix) :]
    return str(capfirst(message))


def _add(problems: dict[str, list[str]], name: str, message: str) -> None:
    messages = problems.setdefault(name, [])
    if message not in messages:
        messages.append(message)
