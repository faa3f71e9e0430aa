"""What a check tells a resident per scheme: likely, maybe or no, why in words with the figures, an estimated
amount, and how to apply. The words are built from the reasons the rules found, for one household."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from meedoen.entitlements.engine import EngineResult
from meedoen.entitlements.models import Scheme
from meedoen.entitlements.rules.schemes import AmountPeriod, AssetTest, IncomeTest, Reason, SchemeRule
from meedoen.entitlements.rules.variables.allowances import CALCULATOR


class Likelihood(enum.StrEnum):
    NO = "no"
    MAYBE = "maybe"
    LIKELY = "likely"

    @classmethod
    def from_index(cls, index: int) -> Likelihood:
        return (cls.NO, cls.MAYBE, cls.LIKELY)[index]


@dataclass(frozen=True)
class SchemeOutcome:
    """The outcome of one scheme or national allowance for one household."""

    code: str
    name: str
    kind: str
    likelihood: Likelihood
    reasons: tuple[str, ...]
    amount_per_year: Decimal | None
    amount_is_once: bool
    how_to_apply: str
    url: str
    legal_source: str = ""
    legal_source_url: str = ""
    organisation: str = ""
    offer_uuid: UUID | None = None
    is_estimate: bool = True


def euros(amount: Any, *, cents: bool = False) -> str:
    """An amount as a resident reads it, in the active language's way (€ 1.350 in Dutch, € 1,350 in
    English). Whole euros: the check estimates, and cents suggest a precision it does not have. With
    ``cents``, an amount that has cents keeps them: what the resident typed, or an amount that whole
    euros would make look the same as the one it is compared with."""
    value = _cents(amount)
    places = 2 if cents and value != value.to_integral_value() else 0
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return "€ " + formats.number_format(rounded, decimal_pos=places, use_l10n=True, force_grouping=True)


def compared_euros(first: Any, second: Any) -> tuple[str, str]:
    """Two amounts a sentence compares, such as an income and its limit: whole euros, unless whole
    euros would make two different amounts look the same; then both with cents, so that the reason
    still shows why the answer is yes or no."""
    if _cents(first) != _cents(second) and euros(first) == euros(second):
        return euros(first, cents=True), euros(second, cents=True)
    return euros(first), euros(second)


def _cents(amount: Any) -> Decimal:
    # Through float: the rules hand over numpy numbers, which Decimal does not read.
    return Decimal(str(float(amount))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _amount(value: float, likelihood: Likelihood) -> Decimal | None:
    if likelihood == Likelihood.NO or value <= 0:
        return None
    return _cents(value)


def household_words(household_type: str) -> str:
    return {
        "single": _("a single person"),
        "single_parent": _("a single parent"),
        "couple": _("a couple"),
    }[household_type]


def explain_scheme(scheme: Scheme, rule: SchemeRule, result: EngineResult, index: int, on: date) -> SchemeOutcome:
    likelihood = Likelihood.from_index(int(result.outcome[rule.code][index]))
    found = Reason(int(result.reasons[rule.code][index]))
    figures = {name: values[index] for name, values in result.figures.items()}
    household = str(result.household_type[index])
    lines: list[str] = []
    if Reason.NOT_VALID_ON_DATE in found:
        lines.append(_("This scheme does not apply on %(date)s.") % {"date": formats.date_format(on)})
    if Reason.NO_ADULT in found:
        lines.append(_("The check is for households with someone of 18 or older."))
    lines.extend(_income_lines(rule, result, index, found, figures, household))
    lines.extend(_asset_lines(rule, found, figures, household))
    if Reason.TOO_YOUNG in found:
        lines.append(_("This scheme is for people of %(age)d or older.") % {"age": rule.minimum_age})
    if Reason.TOO_OLD in found:
        lines.append(_("This scheme is for people up to %(age)d.") % {"age": rule.maximum_age})
    if Reason.PENSION_AGE_REACHED in found:
        lines.append(_("This scheme is for people who have not reached the state pension age (AOW)."))
    if Reason.NO_CHILD_OF_AGE in found:
        lines.append(
            _("This scheme is for households with a child aged %(low)d to %(high)d.")
            % {
                "low": rule.child_minimum_age or 0,
                "high": rule.child_maximum_age if rule.child_maximum_age is not None else 17,
            }
        )
    if rule.reference_years:
        if Reason.SHORT_REFERENCE_PERIOD in found:
            lines.append(
                _("Your income must have been this low for at least %(years)d years.") % {"years": rule.reference_years}
            )
        elif Reason.UNKNOWN_REFERENCE_PERIOD in found:
            lines.append(
                _("Your income must have been this low for at least %(years)d years; the municipality checks this.")
                % {"years": rule.reference_years}
            )
        else:
            lines.append(
                _("Your income has been low for %(years)d years or longer, as this scheme asks.")
                % {"years": rule.reference_years}
            )
    if Reason.DEPENDS_ON_COSTS in found:
        lines.append(_("Whether you get it depends on the costs you need help with. Ask about it."))
    return SchemeOutcome(
        code=scheme.code,
        name=scheme.name,
        kind=scheme.kind,
        likelihood=likelihood,
        reasons=tuple(lines),
        amount_per_year=_amount(float(result.amount_per_year[rule.code][index]), likelihood),
        amount_is_once=rule.amount_period == AmountPeriod.ONCE,
        how_to_apply=scheme.how_to_apply,
        url=scheme.website,
        legal_source=scheme.legal_source,
        legal_source_url=scheme.legal_source_url,
        organisation=scheme.organisation.name if scheme.organisation else "",
        offer_uuid=scheme.offer.uuid if scheme.offer else None,
    )


def _income_lines(
    rule: SchemeRule, result: EngineResult, index: int, found: Reason, figures: dict[str, Any], household: str
) -> list[str]:
    if rule.income_test == IncomeTest.SOCIAL_MINIMUM and Reason.NO_ADULT not in found:
        percent = {
            "single": rule.income_limit_percent_single,
            "single_parent": rule.income_limit_percent_single_parent,
            "couple": rule.income_limit_percent_couple,
        }[household]
        income, limit = compared_euros(figures["household_net_income"], result.income_limit[rule.code][index])
        values = {
            "income": income,
            "limit": limit,
            "percent": percent,
            "minimum": euros(figures["social_minimum"]),
            "household": household_words(household),
        }
        if Reason.INCOME_ABOVE_LIMIT in found:
            text = _(
                "Your household's net income is %(income)s a month. That is more than the limit of %(limit)s. "
                "The limit is %(percent)s%% of social assistance (bijstand) for %(household)s (%(minimum)s a month)."
            )
        else:
            text = _(
                "Your household's net income is %(income)s a month. That is not more than the limit of %(limit)s. "
                "The limit is %(percent)s%% of social assistance (bijstand) for %(household)s (%(minimum)s a month)."
            )
        return [text % values]
    if rule.income_test == IncomeTest.LIVING_MONEY:
        living, norm = compared_euros(figures["living_money"], figures["food_bank_norm"])
        people = int(figures["household_size"])
        if figures["living_money"] <= 0:
            left = _(
                "After rent and fixed costs you have nothing left to live on, even with the allowances you may get."
            )
        else:
            left = _(
                "After rent and fixed costs you have about %(living)s a month to live on. "
                "This includes the allowances you may get."
            ) % {"living": living}
        if Reason.LIVING_MONEY_ABOVE_NORM in found:
            limit = ngettext(
                "The food bank helps when that is less than %(norm)s a month for %(people)d person.",
                "The food bank helps when that is less than %(norm)s a month for %(people)d people.",
                people,
            )
        else:
            limit = ngettext(
                "That is less than the food bank's limit of %(norm)s a month for %(people)d person.",
                "That is less than the food bank's limit of %(norm)s a month for %(people)d people.",
                people,
            )
        return [f"{left} {limit % {'norm': norm, 'people': people}}"]
    return []


def _asset_lines(rule: SchemeRule, found: Reason, figures: dict[str, Any], household: str) -> list[str]:
    if rule.asset_test == AssetTest.NONE:
        return []
    if rule.asset_test == AssetTest.PARTICIPATIEWET:
        limit: Any = figures["bijstand_asset_limit"]
    elif household == "single":
        limit = rule.asset_limit_single or Decimal(0)
    else:
        limit = rule.asset_limit_family or Decimal(0)
    assets, limit_words = compared_euros(figures["net_assets"], limit)
    values = {"assets": assets, "limit": limit_words}
    if Reason.ASSETS_ABOVE_LIMIT in found:
        lines = [_("Your savings minus debts (%(assets)s) are above the limit of %(limit)s.") % values]
    else:
        lines = [_("Your savings minus debts (%(assets)s) are within the limit of %(limit)s.") % values]
    if Reason.OWN_HOME_EQUITY_UNKNOWN in found:
        lines.append(_("You own your home. The value in your home also counts; the check did not ask about it."))
    return lines


# --- national allowances ------------------------------------------------------------------------------

ALLOWANCE_NAMES = {
    "zorgtoeslag": "Zorgtoeslag",
    "huurtoeslag": "Huurtoeslag",
    "kindgebonden-budget": "Kindgebonden budget",
}
ALLOWANCE_LAWS = {
    "zorgtoeslag": ("Wet op de zorgtoeslag", "https://wetten.overheid.nl/BWBR0018451"),
    "huurtoeslag": ("Wet op de huurtoeslag", "https://wetten.overheid.nl/BWBR0008659"),
    "kindgebonden-budget": ("Wet op het kindgebonden budget", "https://wetten.overheid.nl/BWBR0022751"),
}


def explain_allowance(code: str, result: EngineResult, index: int, parameters: Any) -> SchemeOutcome:
    likelihood = Likelihood.from_index(int(result.outcome[code][index]))
    figures = {name: values[index] for name, values in result.figures.items()}
    couple = str(result.household_type[index]) == "couple"
    p = parameters.allowances
    lines: list[str] = []
    taxable = {"taxable": euros(figures["estimated_taxable_income"])}
    if code == "zorgtoeslag":
        limit = p.zorgtoeslag.income_limit_partners if couple else p.zorgtoeslag.income_limit_single
        assets = p.zorgtoeslag.asset_limit_partners if couple else p.zorgtoeslag.asset_limit_single
        estimate, limit_words = compared_euros(figures["estimated_taxable_income"], limit)
        lines.append(
            _("Your gross income is estimated at about %(taxable)s a year; the limit is %(limit)s.")
            % {"taxable": estimate, "limit": limit_words}
        )
        lines.append(_("Savings minus debts may be at most %(limit)s.") % {"limit": euros(assets)})
    elif code == "huurtoeslag":
        lines.append(
            _("Only for people who rent a home of their own; over the rent up to %(rent)s.")
            # To the cent: the limit of the law, which residents hold against the rent on their letter.
            % {"rent": euros(p.huurtoeslag.maximum_rent, cents=True)}
        )
        assets = p.huurtoeslag.asset_limit_partners if couple else p.huurtoeslag.asset_limit_single
        lines.append(_("Savings minus debts may be at most %(limit)s.") % {"limit": euros(assets)})
        lines.append(_("Your gross income is estimated at about %(taxable)s a year.") % taxable)
    else:
        lines.append(_("For parents of children under 18 who get child benefit (kinderbijslag)."))
        lines.append(
            _("Your gross income is estimated at about %(taxable)s a year; a higher income gives less.") % taxable
        )
    lines.append(_("This is an estimate. The trial calculation of the Belastingdienst gives the real amount."))
    law, law_url = ALLOWANCE_LAWS[code]
    return SchemeOutcome(
        code=code,
        name=ALLOWANCE_NAMES[code],
        kind="toeslag",
        likelihood=likelihood,
        reasons=tuple(lines),
        amount_per_year=_amount(float(result.amount_per_year[code][index]), likelihood),
        amount_is_once=False,
        how_to_apply=_("Apply at Dienst Toeslagen with DigiD. Do the trial calculation first."),
        url=CALCULATOR,
        legal_source=law,
        legal_source_url=law_url,
    )
