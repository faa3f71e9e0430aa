"""A synthetic population per district, and how many of its households the schemes would reach.

The number of households of a district comes from its CBS figures (inhabitants, else dwellings); who
lives in them comes from the municipality's :class:`Assumptions` (household types, ages, income as a
share of the social minimum, rent, savings). Every draw is made with a generator seeded by the
assumptions' seed and the district's code, so the same figures always give the same population. The
rules then run once over all districts together. No database here; see docs/entitlements-population.md.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

import numpy
from numpy.typing import NDArray
from openfisca_core.errors import ParameterNotFoundError

from meedoen.entitlements.answers import HouseholdBatch
from meedoen.entitlements.engine import evaluate
from meedoen.entitlements.outcomes import Likelihood
from meedoen.entitlements.rules.schemes import SOFT_REASONS, Reason, SchemeRule

# Net household income as a share of the social minimum: the bands of the assumptions, lowest first.
# Within a band incomes are spread evenly; the lowest band starts at 80%, the highest ends at 400%.
INCOME_BANDS = ((0.80, 1.01), (1.01, 1.10), (1.10, 1.20), (1.20, 1.30), (1.30, 1.50), (1.50, 2.00), (2.00, 4.00))
LOW_INCOME = 1.30  # up to here a household counts as "low income" for renting and the reference period
AGE_BANDS = ((18, 20), (21, 29), (30, 49), (50, 66), (67, 95))  # the main person's age, whole years
PENSION_BAND = 4  # households with children under 18 do not draw this band
SAVINGS_BANDS = ((0, 1_500), (1_500, 8_000), (8_000, 16_000), (16_000, 60_000))
LONG_TERM_YEARS = (3, 10)  # years on a low income for those who have had one a long time
SHORT_TERM_YEARS = (0, 2)
PARTNER_AGE_GAP = 5
MAX_CHILDREN = 8
ADULT_AGE = 18
# Above this many households in all districts together, a proportional sample is simulated and its
# counts are scaled up, so that one run stays within seconds and a few hundred megabytes.
MAX_SIMULATED_HOUSEHOLDS = 200_000

RENTING, OWNER = 0, 1  # the housing codes of HouseholdBatch
OUTCOME_INDEX = {Likelihood.NO: 0, Likelihood.MAYBE: 1, Likelihood.LIKELY: 2}  # as the engine's outcome arrays


@dataclass(frozen=True)
class DistrictTotals:
    """A district as CBS counts it."""

    code: str
    name: str
    inhabitants: int | None
    dwellings: int | None


@dataclass(frozen=True)
class Assumptions:
    """The make-up of the households, as plain numbers. Shares are percentages; each group adds up to 100."""

    inhabitants_per_household: float = 2.14
    household_types: tuple[float, float, float, float] = (39.89, 7.38, 28.49, 24.24)  # single, single parent,
    # couple without and couple with children under 18
    children_per_family: float = 1.8
    age_groups: tuple[float, ...] = (1.0, 12.0, 30.0, 31.0, 26.0)  # the main person, as AGE_BANDS
    income_bands: tuple[float, ...] = (3.9, 2.3, 2.7, 2.6, 5.5, 13.0, 70.0)  # as INCOME_BANDS
    long_term_low_income: float = 50.0  # of households up to LOW_INCOME
    renting_low_income: float = 75.0
    renting_other: float = 37.0
    rent_range: tuple[float, float] = (500.0, 900.0)
    savings_bands: tuple[float, ...] = (30.0, 25.0, 15.0, 30.0)  # as SAVINGS_BANDS
    fixed_costs_base: float = 250.0
    fixed_costs_per_person: float = 75.0
    seed: int = 2026

    def __post_init__(self) -> None:
        for name, bands in (
            ("household_types", 4),
            ("age_groups", len(AGE_BANDS)),
            ("income_bands", len(INCOME_BANDS)),
            ("savings_bands", len(SAVINGS_BANDS)),
        ):
            shares = getattr(self, name)
            if len(shares) != bands or min(shares) < 0 or sum(shares) <= 0:
                raise ValueError(f"{name}: {bands} shares of zero or more, not all zero")
        if self.inhabitants_per_household <= 0:
            raise ValueError("inhabitants_per_household must be positive")
        if not 0 <= self.rent_range[0] <= self.rent_range[1]:
            raise ValueError("rent_range: lowest first, not negative")

    @classmethod
    def from_row(cls, row: Any) -> Assumptions:
        """From a ``PopulationAssumptions`` row (or anything with its field names)."""

        def number(name: str) -> float:
            value = getattr(row, name)
            return float(value) if isinstance(value, Decimal | int | float) else 0.0

        return cls(
            inhabitants_per_household=number("inhabitants_per_household"),
            household_types=(
                number("single_percent"),
                number("single_parent_percent"),
                number("couple_percent"),
                number("couple_with_children_percent"),
            ),
            children_per_family=number("children_per_family"),
            age_groups=tuple(
                number(name)
                for name in (
                    "age_18_20_percent",
                    "age_21_29_percent",
                    "age_30_49_percent",
                    "age_50_66_percent",
                    "age_67_up_percent",
                )
            ),
            income_bands=tuple(
                number(name)
                for name in (
                    "income_to_101_percent",
                    "income_101_110_percent",
                    "income_110_120_percent",
                    "income_120_130_percent",
                    "income_130_150_percent",
                    "income_150_200_percent",
                    "income_above_200_percent",
                )
            ),
            long_term_low_income=number("long_term_low_income_percent"),
            renting_low_income=number("renting_low_income_percent"),
            renting_other=number("renting_other_percent"),
            rent_range=(number("rent_lowest"), number("rent_highest")),
            savings_bands=tuple(
                number(name)
                for name in (
                    "savings_to_1500_percent",
                    "savings_1500_8000_percent",
                    "savings_8000_16000_percent",
                    "savings_above_16000_percent",
                )
            ),
            fixed_costs_base=number("fixed_costs_base"),
            fixed_costs_per_person=number("fixed_costs_per_person"),
            seed=int(row.seed),
        )

    def as_dict(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


def households_in(district: DistrictTotals, assumptions: Assumptions) -> int:
    """Households of a district: inhabitants / inhabitants per household, rounded; one per dwelling
    when CBS gives no inhabitants; none without figures."""
    if district.inhabitants is not None:
        return round(district.inhabitants / assumptions.inhabitants_per_household)
    if district.dwellings is not None:
        return district.dwellings
    return 0


@dataclass(frozen=True)
class SyntheticPopulation:
    districts: tuple[DistrictTotals, ...]
    households: tuple[int, ...]  # per district, from the CBS figures
    simulated: tuple[int, ...]  # per district, generated (fewer only above MAX_SIMULATED_HOUSEHOLDS)
    district_of: NDArray[numpy.int64]  # per generated household, the index of its district
    batch: HouseholdBatch

    def weight(self, index: int) -> float:
        """How many households of the district one generated household stands for."""
        return self.households[index] / self.simulated[index] if self.simulated[index] else 0.0


def _shares(values: Sequence[float]) -> NDArray[numpy.float64]:
    shares = numpy.asarray(values, dtype=numpy.float64)
    return numpy.asarray(shares / shares.sum(), dtype=numpy.float64)


def _between(rng: numpy.random.Generator, low: NDArray[Any], high: NDArray[Any]) -> NDArray[numpy.float64]:
    return numpy.asarray(low + rng.random(len(low)) * (high - low), dtype=numpy.float64)


def _whole_between(rng: numpy.random.Generator, low: NDArray[Any], high: NDArray[Any]) -> NDArray[numpy.int64]:
    """Whole numbers from ``low`` to ``high``, both included."""
    return numpy.asarray(low + numpy.floor(rng.random(len(low)) * (high - low + 1)), dtype=numpy.int64)


@dataclass(frozen=True)
class _District:
    """One district's households before incomes are known (they need the social minimum)."""

    columns: dict[str, NDArray[Any]]
    ratio: NDArray[numpy.float64]  # net income / social minimum
    applicant_share: NDArray[numpy.float64]  # the applicant's part of a couple's income
    child_household: NDArray[numpy.int64]
    child_age: NDArray[numpy.int64]


def _district(code: str, size: int, assumptions: Assumptions) -> _District:
    rng = numpy.random.default_rng([assumptions.seed, zlib.crc32(code.encode())])
    kind = rng.choice(4, size, p=_shares(assumptions.household_types))
    has_partner = kind >= 2
    with_children = (kind == 1) | (kind == 3)
    age_shares = _shares(assumptions.age_groups)
    # Households with children under 18 draw no main person of pension age.
    young = assumptions.age_groups[:PENSION_BAND]
    young_shares = _shares(young) if sum(young) > 0 else _shares([0, 0, 1, 0])
    group = numpy.where(
        with_children,
        rng.choice(PENSION_BAND, size, p=young_shares),
        rng.choice(len(AGE_BANDS), size, p=age_shares),
    )
    lowest, highest = (numpy.asarray([band[i] for band in AGE_BANDS]) for i in (0, 1))
    applicant_age = _whole_between(rng, lowest[group], highest[group])
    partner_age = numpy.clip(applicant_age + rng.integers(-PARTNER_AGE_GAP, PARTNER_AGE_GAP + 1, size), 18, 100)
    extra_children = rng.poisson(max(assumptions.children_per_family - 1, 0.0), size)
    children = numpy.where(with_children, numpy.minimum(1 + extra_children, MAX_CHILDREN), 0)
    child_household = numpy.repeat(numpy.arange(size, dtype=numpy.int64), children)
    oldest_child = numpy.minimum(17, applicant_age[child_household] - ADULT_AGE)
    child_age = _whole_between(rng, numpy.zeros(len(child_household), dtype=numpy.int64), oldest_child)

    band = rng.choice(len(INCOME_BANDS), size, p=_shares(assumptions.income_bands))
    ratio = _between(
        rng, numpy.asarray([b[0] for b in INCOME_BANDS])[band], numpy.asarray([b[1] for b in INCOME_BANDS])[band]
    )
    low_income = ratio <= LOW_INCOME
    long_term = rng.random(size) < assumptions.long_term_low_income / 100
    years = numpy.where(
        long_term,
        rng.integers(LONG_TERM_YEARS[0], LONG_TERM_YEARS[1] + 1, size),
        rng.integers(SHORT_TERM_YEARS[0], SHORT_TERM_YEARS[1] + 1, size),
    )
    renting_share = numpy.where(low_income, assumptions.renting_low_income, assumptions.renting_other) / 100
    housing = numpy.where(rng.random(size) < renting_share, RENTING, OWNER)
    rent_low, rent_high = assumptions.rent_range
    rent = numpy.where(housing == RENTING, numpy.round(rng.uniform(rent_low, rent_high, size), 2), 0.0)
    savings_band = rng.choice(len(SAVINGS_BANDS), size, p=_shares(assumptions.savings_bands))
    savings = numpy.round(
        _between(
            rng,
            numpy.asarray([b[0] for b in SAVINGS_BANDS], dtype=numpy.float64)[savings_band],
            numpy.asarray([b[1] for b in SAVINGS_BANDS], dtype=numpy.float64)[savings_band],
        ),
        2,
    )
    members = 1 + has_partner.astype(numpy.int64) + children
    applicant_share = numpy.where(has_partner, rng.uniform(0.5, 1.0, size), 1.0)
    return _District(
        columns={
            "applicant_age": applicant_age,
            "has_partner": has_partner,
            "partner_age": numpy.where(has_partner, partner_age, 0),
            "rent": rent,
            "fixed_costs": assumptions.fixed_costs_base + assumptions.fixed_costs_per_person * members,
            "savings": savings,
            "debts": numpy.zeros(size),
            "housing": housing.astype(numpy.int64),
            "years_on_low_income": numpy.where(low_income, years, 0).astype(numpy.int64),
        },
        ratio=ratio,
        applicant_share=applicant_share,
        child_household=child_household,
        child_age=child_age,
    )


def _empty_batch() -> HouseholdBatch:
    whole, money = numpy.zeros(0, dtype=numpy.int64), numpy.zeros(0)
    return HouseholdBatch(
        applicant_age=whole,
        applicant_income=money,
        has_partner=numpy.zeros(0, dtype=bool),
        partner_age=whole,
        partner_income=money,
        rent=money,
        fixed_costs=money,
        savings=money,
        debts=money,
        housing=whole,
        years_on_low_income=whole,
    )


def generate(
    districts: Sequence[DistrictTotals],
    assumptions: Assumptions,
    on: date,
    *,
    max_households: int = MAX_SIMULATED_HOUSEHOLDS,
) -> SyntheticPopulation:
    """The households of every district, in one batch; incomes follow the social minimum on ``on``."""
    households = tuple(households_in(district, assumptions) for district in districts)
    total = sum(households)
    scale = min(1.0, max_households / total) if total else 1.0
    simulated = tuple(max(1, round(count * scale)) if count else 0 for count in households)
    district_of = numpy.repeat(numpy.arange(len(simulated), dtype=numpy.int64), simulated)
    if not sum(simulated):
        return SyntheticPopulation(tuple(districts), households, simulated, district_of, _empty_batch())
    parts = [_district(district.code, size, assumptions) for district, size in zip(districts, simulated, strict=True)]
    offsets = numpy.cumsum([0, *simulated])
    columns = {name: numpy.concatenate([part.columns[name] for part in parts]) for name in parts[0].columns}
    ratio = numpy.concatenate([part.ratio for part in parts])
    applicant_share = numpy.concatenate([part.applicant_share for part in parts])
    children = {
        "child_household": numpy.concatenate([part.child_household + offsets[i] for i, part in enumerate(parts)]),
        "child_age": numpy.concatenate([part.child_age for part in parts]),
    }
    size = int(offsets[-1])
    without_income = HouseholdBatch(
        applicant_income=numpy.zeros(size), partner_income=numpy.zeros(size), **columns, **children
    )
    # The social minimum of each household, from the rules themselves (age, partner, children, pension age).
    social_minimum = numpy.asarray(evaluate((), without_income, on).figures["social_minimum"], dtype=numpy.float64)
    income = numpy.round(ratio * social_minimum, 2)
    applicant_income = numpy.round(income * applicant_share, 2)
    partner_income = numpy.where(columns["has_partner"], numpy.round(income - applicant_income, 2), 0.0)
    batch = HouseholdBatch(applicant_income=applicant_income, partner_income=partner_income, **columns, **children)
    return SyntheticPopulation(tuple(districts), households, simulated, district_of, batch)


@dataclass(frozen=True)
class EligibleEstimate:
    """Per scheme code, per district (in the order of ``districts``): households estimated eligible, and
    households the rules cannot decide on (``uncertain``: a home owner's equity is not known, say)."""

    districts: tuple[DistrictTotals, ...]
    households: tuple[int, ...]
    eligible: Mapping[str, tuple[int, ...]]
    uncertain: Mapping[str, tuple[int, ...]]


def count_eligible(rules: tuple[SchemeRule, ...], population: SyntheticPopulation, on: date) -> EligibleEstimate:
    """Run every scheme over the population at once and count per district, scaled up where sampled.

    Eligible: the outcome is *likely*, or *maybe* only because the scheme pays particular costs
    (special assistance), which the population does not model. Any other *maybe* is uncertain.
    """
    districts = len(population.districts)
    codes = [rule.code for rule in rules if rule.active_in_month(on)]
    if len(population.batch) == 0:
        zeros = (0,) * districts
        none = dict.fromkeys(codes, zeros)
        return EligibleEstimate(population.districts, population.households, none, dict(none))
    result = evaluate(rules, population.batch, on)
    maybe, likely = OUTCOME_INDEX[Likelihood.MAYBE], OUTCOME_INDEX[Likelihood.LIKELY]
    weights = numpy.asarray([population.weight(i) for i in range(districts)])

    def per_district(where: NDArray[numpy.bool_]) -> tuple[int, ...]:
        hits = numpy.bincount(population.district_of[where], minlength=districts)
        return tuple(int(value) for value in numpy.round(hits * weights))

    eligible: dict[str, tuple[int, ...]] = {}
    uncertain: dict[str, tuple[int, ...]] = {}
    for code in codes:
        outcome = result.outcome[code]
        only_costs = (result.reasons[code] & SOFT_REASONS) == int(Reason.DEPENDS_ON_COSTS)
        counted = (outcome == likely) | ((outcome == maybe) & only_costs)
        eligible[code] = per_district(counted)
        uncertain[code] = per_district((outcome == maybe) & ~counted)
    return EligibleEstimate(population.districts, population.households, eligible, uncertain)


class NationalFiguresMissingError(Exception):
    """The rules hold no national figures (social minimum, allowance limits) for the day asked."""


@functools.lru_cache(maxsize=32)
def estimate_eligible(
    rules: tuple[SchemeRule, ...], districts: tuple[DistrictTotals, ...], assumptions: Assumptions, on: date
) -> EligibleEstimate:
    """The population and the count together. Everything it depends on is in its arguments, so the answer
    is kept for the next page or indicator that asks the same. Without a scheme running on the day there
    is nothing to count, and no population is made."""
    if not any(rule.active_in_month(on) for rule in rules):
        households = tuple(households_in(district, assumptions) for district in districts)
        return EligibleEstimate(districts, households, {}, {})
    try:
        return count_eligible(rules, generate(districts, assumptions, on), on)
    except ParameterNotFoundError as error:
        raise NationalFiguresMissingError(str(error)) from error
