"""Reads of the schemes, and the regelingencheck itself: which schemes a household likely gets.

Schemes are public information, so reading them needs no role. The check reads the municipality's schemes
valid on the day, runs the rules and explains the outcome; it stores nothing of what was answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy
from django.db.models import Q, QuerySet
from django.utils import timezone
from numpy.typing import NDArray

from meedoen.entitlements.answers import HouseholdAnswers, HouseholdBatch
from meedoen.entitlements.engine import ALLOWANCES, evaluate, national_parameters
from meedoen.entitlements.models import Scheme
from meedoen.entitlements.outcomes import Likelihood, SchemeOutcome, explain_allowance, explain_scheme
from meedoen.entitlements.rules.schemes import SchemeRule
from meedoen.organisations.models import Municipality


def schemes_valid_on(municipality: Municipality, on: date) -> QuerySet[Scheme]:
    return (
        Scheme.objects.filter(municipality=municipality, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("municipality", "organisation", "offer")
        .order_by("code")
    )


def scheme_rules(municipality: Municipality, on: date) -> tuple[SchemeRule, ...]:
    return tuple(scheme.to_rule() for scheme in schemes_valid_on(municipality, on))


def check_household(
    municipality: Municipality, household: HouseholdAnswers, *, on: date | None = None
) -> list[SchemeOutcome]:
    """Every national allowance and every scheme of the municipality for one household, likely ones first."""
    day = on or timezone.localdate()
    schemes = list(schemes_valid_on(municipality, day))
    rules = tuple(scheme.to_rule() for scheme in schemes)
    result = evaluate(rules, HouseholdBatch.from_answers([household]), day)
    parameters = national_parameters(day)
    outcomes = [explain_allowance(code, result, 0, parameters) for code in ALLOWANCES]
    outcomes += [explain_scheme(scheme, rule, result, 0, day) for scheme, rule in zip(schemes, rules, strict=True)]
    order = {Likelihood.LIKELY: 0, Likelihood.MAYBE: 1, Likelihood.NO: 2}
    return sorted(outcomes, key=lambda outcome: (order[outcome.likelihood], outcome.name))


@dataclass(frozen=True)
class HouseholdsOutcome:
    """The check for many households: per code, an outcome (0 no, 1 maybe, 2 likely) and an amount per year."""

    codes: tuple[str, ...]
    outcome: dict[str, NDArray[numpy.int8]]
    amount_per_year: dict[str, NDArray[numpy.float64]]

    def count(self, code: str, likelihood: Likelihood) -> int:
        index = (Likelihood.NO, Likelihood.MAYBE, Likelihood.LIKELY).index(likelihood)
        return int(numpy.count_nonzero(self.outcome[code] == index))


def check_households(
    municipality: Municipality,
    households: HouseholdBatch | Sequence[HouseholdAnswers],
    *,
    on: date | None = None,
) -> HouseholdsOutcome:
    """The same check for many households in one vectorised run (a synthetic population, say)."""
    day = on or timezone.localdate()
    batch = households if isinstance(households, HouseholdBatch) else HouseholdBatch.from_answers(households)
    result = evaluate(scheme_rules(municipality, day), batch, day)
    return HouseholdsOutcome(
        codes=tuple(result.outcome), outcome=result.outcome, amount_per_year=result.amount_per_year
    )
