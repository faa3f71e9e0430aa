"""Reads of the schemes, and the regelingencheck itself: which schemes a household likely gets.

Schemes are public information, so reading them needs no role. The check reads the municipality's schemes
valid on the day, runs the rules and explains the outcome; it stores nothing of what was answered.
The estimated non-take-up per scheme and district is for policy staff: the schemes run over a synthetic
population (``population.py``) and are set against the recipient counts the municipality imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import numpy
from django.db.models import Q, QuerySet
from django.utils import timezone
from numpy.typing import NDArray

from meedoen.areas.selectors import area_by_code, districts_of
from meedoen.core import small_counts
from meedoen.core.access import Actor, Role, require_role
from meedoen.entitlements.answers import HouseholdAnswers, HouseholdBatch
from meedoen.entitlements.engine import ALLOWANCES, evaluate, national_parameters
from meedoen.entitlements.models import PopulationAssumptions, RecipientCount, Scheme
from meedoen.entitlements.outcomes import Likelihood, SchemeOutcome, explain_allowance, explain_scheme
from meedoen.entitlements.population import (
    Assumptions,
    DistrictTotals,
    NationalFiguresMissingError,
    estimate_eligible,
    households_in,
)
from meedoen.entitlements.rules.schemes import SchemeRule
from meedoen.organisations.models import Municipality

# Who sees the estimated non-take-up, the population assumptions and the recipient counts.
FIGURE_READERS = (Role.POLICY_OFFICER, Role.APPLICATION_MANAGER)


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


# --- the schemes of a municipality, for the workspace ------------------------------------------------


def schemes_of(municipality: Municipality) -> QuerySet[Scheme]:
    """Every scheme of the municipality, running, planned or ended."""
    return Scheme.objects.filter(municipality=municipality).select_related("organisation", "offer").order_by("name")


def scheme_of(municipality: Municipality, scheme_uuid: UUID) -> Scheme | None:
    return schemes_of(municipality).filter(uuid=scheme_uuid).first()


# --- estimated non-take-up per scheme and district ---------------------------------------------------


def population_assumptions_of(municipality: Municipality) -> PopulationAssumptions:
    """The municipality's assumptions; the defaults (not saved) until policy staff save their own."""
    saved = PopulationAssumptions.objects.filter(municipality=municipality).first()
    return saved or PopulationAssumptions(municipality=municipality)


def district_totals(municipality: Municipality) -> tuple[DistrictTotals, ...]:
    return tuple(
        DistrictTotals(area.code, area.name, area.population, area.dwellings)
        for area in districts_of(municipality.code)
    )


def rules_day(year: int, today: date | None = None) -> date:
    """The day whose schemes and norms count for a year: today in the current year, the last day of a past
    year, the first day of a coming one."""
    today = today or timezone.localdate()
    if year == today.year:
        return today
    return date(year, 12, 31) if year < today.year else date(year, 1, 1)


def recipient_years(municipality: Municipality) -> list[int]:
    return sorted(
        set(RecipientCount.objects.filter(scheme__municipality=municipality).values_list("year", flat=True)),
        reverse=True,
    )


@dataclass(frozen=True)
class AreaFigures:
    """One scheme in one area: households estimated eligible against the households that received it."""

    code: str
    name: str
    is_municipality: bool
    households: int  # in the synthetic population
    eligible: int
    uncertain: int
    recipients: int | None  # None: not imported

    @property
    def non_take_up(self) -> int | None:
        return None if self.recipients is None else self.eligible - self.recipients

    @property
    def non_take_up_percent(self) -> float | None:
        if self.non_take_up is None or self.eligible <= 0:
            return None
        return 100 * self.non_take_up / self.eligible

    # As they may be shown: counts below 10 read "< 10", figures built on them "not shown". The households
    # are derived from public CBS totals, not counted people, so they are shown as they are.
    @property
    def shown_households(self) -> small_counts.Shown:
        return small_counts.Shown(self.households)

    @property
    def shown_eligible(self) -> small_counts.Shown:
        return small_counts.count(self.eligible)

    @property
    def shown_uncertain(self) -> small_counts.Shown:
        return small_counts.count(self.uncertain)

    @property
    def shown_recipients(self) -> small_counts.Shown:
        return small_counts.count(self.recipients)

    @property
    def shown_non_take_up(self) -> small_counts.Shown:
        return small_counts.built_on(self.non_take_up, self.eligible, self.recipients, self.non_take_up)

    @property
    def shown_non_take_up_percent(self) -> small_counts.Shown:
        return small_counts.built_on(self.non_take_up_percent, self.eligible, self.recipients, self.non_take_up)


@dataclass(frozen=True)
class SchemeFigures:
    scheme: Scheme
    areas: tuple[AreaFigures, ...]  # the districts, then the municipality as a whole

    @property
    def municipality(self) -> AreaFigures:
        return self.areas[-1]


@dataclass(frozen=True)
class NonTakeUpTable:
    year: int
    day: date
    assumptions: Assumptions
    assumptions_saved: bool
    districts: tuple[DistrictTotals, ...]
    households: tuple[int, ...]  # per district, in the synthetic population
    schemes: tuple[SchemeFigures, ...]
    national_figures_missing: bool = False  # the rules know no social minimum for the year

    @property
    def total_households(self) -> int:
        return sum(self.households)


def non_take_up(*, actor: Actor, municipality: Municipality, year: int) -> NonTakeUpTable:
    require_role(actor, *FIGURE_READERS, municipality_id=municipality.pk)
    return non_take_up_figures(municipality, year)


def non_take_up_figures(municipality: Municipality, year: int) -> NonTakeUpTable:
    """The table without an access check, for the operational indicators (aggregates only)."""
    day = rules_day(year)
    schemes = list(schemes_valid_on(municipality, day))
    rules = tuple(scheme.to_rule() for scheme in schemes)
    saved = PopulationAssumptions.objects.filter(municipality=municipality).first()
    assumptions = Assumptions.from_row(saved or PopulationAssumptions(municipality=municipality))
    districts = district_totals(municipality)
    try:
        estimate = estimate_eligible(rules, districts, assumptions, day)
    except NationalFiguresMissingError:
        return NonTakeUpTable(
            year=year,
            day=day,
            assumptions=assumptions,
            assumptions_saved=saved is not None,
            districts=districts,
            households=tuple(households_in(district, assumptions) for district in districts),
            schemes=(),
            national_figures_missing=True,
        )
    counts = {
        (count.scheme_id, count.area_code): count.households
        for count in RecipientCount.objects.filter(scheme__municipality=municipality, year=year)
    }
    whole = area_by_code(municipality.code)
    rows = []
    for scheme in schemes:
        eligible = estimate.eligible.get(scheme.code, (0,) * len(districts))
        uncertain = estimate.uncertain.get(scheme.code, (0,) * len(districts))
        areas = [
            AreaFigures(
                code=district.code,
                name=district.name,
                is_municipality=False,
                households=estimate.households[index],
                eligible=eligible[index],
                uncertain=uncertain[index],
                recipients=counts.get((scheme.pk, district.code)),
            )
            for index, district in enumerate(districts)
        ]
        # The whole municipality: its own count when imported (it may hold recipients whose district is
        # not known), else the sum of the districts when every district has one.
        recipients = counts.get((scheme.pk, municipality.code))
        if recipients is None and areas and all(area.recipients is not None for area in areas):
            recipients = sum(area.recipients or 0 for area in areas)
        areas.append(
            AreaFigures(
                code=municipality.code,
                name=whole.name if whole else municipality.name,
                is_municipality=True,
                households=sum(estimate.households),
                eligible=sum(eligible),
                uncertain=sum(uncertain),
                recipients=recipients,
            )
        )
        rows.append(SchemeFigures(scheme, tuple(areas)))
    return NonTakeUpTable(
        year=year,
        day=day,
        assumptions=assumptions,
        assumptions_saved=saved is not None,
        districts=districts,
        households=estimate.households,
        schemes=tuple(rows),
    )
