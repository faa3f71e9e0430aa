"""The regelingencheck for a synthetic population: all schemes of a municipality and the three national
allowances for 100,000 households in one vectorised OpenFisca run, next to the single-household path
(``check_household``, with its query for the schemes and its explanations) in a loop over a sample of 1,000,
extrapolated. The population is generated with a fixed seed; ages, incomes, rents and savings are spread
roughly like a Dutch town's, which is enough to exercise every branch. Django must be set up first.
"""

from __future__ import annotations

import functools
import gc
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy

if TYPE_CHECKING:  # the modules need Django set up; the benchmark imports them once it is
    from meedoen.entitlements.answers import HouseholdAnswers, HouseholdBatch
    from meedoen.organisations.models import Municipality

MUNICIPALITY_CODE = "GM0867"  # the demo file's schemes of Waalwijk
ON = date(2026, 11, 1)
SEED = 2026
SAMPLE = 1_000
SIZES = (1_000, 10_000, 100_000)


@dataclass(frozen=True)
class Timing:
    name: str
    households: int
    seconds: float
    peak_mib: float
    extrapolated_from: int = 0

    @property
    def per_household_us(self) -> float:
        return self.seconds / self.households * 1_000_000


def timed(name: str, households: int, work: Callable[[], object], *, extrapolated_from: int = 0) -> Timing:
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    if extrapolated_from:
        seconds = seconds / extrapolated_from * households
    return Timing(name, households, seconds, grown, extrapolated_from)


def synthetic_population(size: int, seed: int = SEED) -> HouseholdBatch:
    from meedoen.entitlements.answers import HouseholdBatch

    rng = numpy.random.default_rng(seed)
    has_partner = rng.random(size) < 0.45
    applicant_age = rng.integers(18, 95, size)
    children = numpy.where(applicant_age < 60, rng.poisson(0.8, size), 0).clip(0, 6)
    child_household = numpy.repeat(numpy.arange(size), children)
    housing = rng.choice([0, 1, 2], size, p=[0.45, 0.5, 0.05])
    return HouseholdBatch(
        applicant_age=applicant_age,
        applicant_income=numpy.round(rng.lognormal(7.3, 0.55, size), 2).clip(0, 100_000),
        has_partner=has_partner,
        partner_age=numpy.clip(applicant_age + rng.integers(-6, 7, size), 18, 110),
        partner_income=numpy.where(rng.random(size) < 0.6, numpy.round(rng.lognormal(6.9, 0.7, size), 2), 0),
        rent=numpy.where(housing == 0, rng.integers(400, 1300, size), 0).astype(float),
        fixed_costs=rng.integers(150, 700, size).astype(float),
        savings=numpy.round(rng.exponential(9_000, size), 2),
        debts=numpy.where(rng.random(size) < 0.2, rng.integers(100, 15_000, size), 0).astype(float),
        housing=housing,
        years_on_low_income=rng.integers(-1, 8, size),
        child_household=child_household,
        child_age=rng.integers(0, 18, len(child_household)),
    )


def as_answers(batch: HouseholdBatch, count: int) -> list[HouseholdAnswers]:
    from meedoen.entitlements.answers import HouseholdAnswers

    housing = ("huur", "koop", "inwonend")
    children: dict[int, list[int]] = {}
    for household, age in zip(batch.child_household.tolist(), batch.child_age.tolist(), strict=True):
        children.setdefault(household, []).append(age)
    answers = []
    for i in range(count):
        partner = bool(batch.has_partner[i])
        answers.append(
            HouseholdAnswers(
                applicant_age=int(batch.applicant_age[i]),
                applicant_income=Decimal(str(batch.applicant_income[i])),
                has_partner=partner,
                partner_age=int(batch.partner_age[i]) if partner else None,
                partner_income=Decimal(str(batch.partner_income[i])) if partner else None,
                children_ages=tuple(children.get(i, ())),
                rent=Decimal(str(batch.rent[i])),
                fixed_costs=Decimal(str(batch.fixed_costs[i])),
                savings=Decimal(str(batch.savings[i])),
                debts=Decimal(str(batch.debts[i])),
                housing=housing[int(batch.housing[i])],
                years_on_low_income=None if batch.years_on_low_income[i] < 0 else int(batch.years_on_low_income[i]),
            )
        )
    return answers


def demo_municipality() -> Municipality:
    from meedoen.core.access import Actor
    from meedoen.entitlements.schemefile import DEMO_SCHEMES, read_scheme_file
    from meedoen.entitlements.services import scheme_save
    from meedoen.organisations.models import Municipality, Organisation
    from meedoen.organisations.services import municipality_create, organisation_create

    actor = Actor.system("bench")
    municipality = Municipality.objects.filter(code=MUNICIPALITY_CODE).first() or municipality_create(
        actor=actor, code=MUNICIPALITY_CODE, name="Waalwijk"
    )
    partner = Organisation.objects.filter(name="Bench partner").first() or organisation_create(
        actor=actor, municipality=municipality, name="Bench partner", kind=Organisation.Kind.FOUNDATION
    )
    for entry in read_scheme_file(DEMO_SCHEMES):
        if entry.municipality_code == MUNICIPALITY_CODE:
            scheme_save(actor=actor, municipality=municipality, fields={**entry.fields, "organisation": partner})
    return municipality


def bench_entitlements() -> None:
    from meedoen.entitlements.engine import evaluate
    from meedoen.entitlements.outcomes import Likelihood
    from meedoen.entitlements.selectors import check_household, check_households, scheme_rules

    municipality = demo_municipality()
    rules = scheme_rules(municipality, ON)
    populations = {size: synthetic_population(size) for size in SIZES}
    sample = as_answers(populations[SIZES[0]], SAMPLE)
    evaluate(rules, populations[SIZES[0]], ON)  # warm-up: builds the rules system once
    timings = []
    for size in SIZES:
        run = functools.partial(check_households, municipality, populations[size], on=ON)
        timings.append(timed("check_households, one vectorised run", size, run))
    largest = SIZES[-1]
    timings.append(
        timed(
            f"check_household in a loop (sample of {SAMPLE:,})",
            largest,
            lambda: [check_household(municipality, answers, on=ON) for answers in sample],
            extrapolated_from=SAMPLE,
        )
    )
    single_batches = [as_batch(answers) for answers in sample]
    timings.append(
        timed(
            f"engine alone, one household a run (sample of {SAMPLE:,})",
            largest,
            lambda: [evaluate(rules, batch, ON) for batch in single_batches],
            extrapolated_from=SAMPLE,
        )
    )
    result = check_households(municipality, populations[largest], on=ON)
    print(f"Regelingencheck: {len(rules)} schemes and 3 allowances per household (rules of {MUNICIPALITY_CODE})")
    print(f"  {'what':<55} {'households':>10} {'seconds':>9} {'µs/household':>13} {'RSS +MiB':>9}")
    for t in timings:
        note = " *" if t.extrapolated_from else ""
        figures = f"{t.households:>10,} {t.seconds:>9.2f}{note:<2}{t.per_household_us:>11.1f} {t.peak_mib:>9.1f}"
        print(f"  {t.name:<55} {figures}")
    vectorised = next(t for t in timings if t.households == largest and not t.extrapolated_from)
    looped = timings[-2]
    print(f"  * extrapolated from {SAMPLE:,} households")
    print(f"  ratio single path / vectorised at {largest:,}: {looped.seconds / vectorised.seconds:,.0f}x")
    likely = {code: result.count(code, Likelihood.LIKELY) for code in result.codes}
    print("  likely per scheme in the synthetic population: " + ", ".join(f"{c} {n:,}" for c, n in likely.items()))
    print()


def as_batch(answers: HouseholdAnswers) -> HouseholdBatch:
    from meedoen.entitlements.answers import HouseholdBatch

    return HouseholdBatch.from_answers([answers])


# --- the resident's result page over HTTP ---------------------------------------------------------------

PAGE_RUNS = 50
PDF_RUNS = 5
PAGE_GOAL_MS = 200


def form_data(answers: HouseholdAnswers) -> dict[str, str]:
    """One household as a resident types it on the last step (Dutch decimal commas), every step's answers."""

    def money(value: Decimal | None) -> str:
        return "" if value is None else str(value).replace(".", ",")

    renting = answers.housing == "huur"
    return {
        "applicant_age": str(answers.applicant_age),
        "has_partner": "ja" if answers.has_partner else "nee",
        "partner_age": str(answers.partner_age) if answers.has_partner else "",
        "children_count": str(len(answers.children_ages)),
        "children_ages": ", ".join(str(age) for age in answers.children_ages),
        "applicant_income": money(answers.applicant_income),
        "partner_income": money(answers.partner_income) if answers.has_partner else "",
        "years_on_low_income": "" if answers.years_on_low_income is None else str(answers.years_on_low_income),
        "housing": answers.housing,
        "housing_costs": money(answers.rent if renting else Decimal(0)),
        "fixed_costs": money(answers.fixed_costs),
        "savings": money(answers.savings),
        "has_debts": "ja" if answers.debts else "nee",
        "debts": money(answers.debts) if answers.debts else "",
        "step": "3",
        "action": "next",
    }


def percentile_ms(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile of samples in seconds, in milliseconds."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))] * 1000


def bench_check_page() -> None:
    """The resident's result page (the last step posted, with its CSRF token) for different households,
    next to ``check_household`` alone for the same households: what HTTP, the form and the template add.
    Also the PDF of the outcome, which a resident asks for far less often."""
    import re

    from django.test import Client
    from django.utils import timezone

    from meedoen.entitlements.selectors import check_household, scheme_rules

    municipality = demo_municipality()
    households = as_answers(synthetic_population(PAGE_RUNS, seed=SEED + 1), PAGE_RUNS)
    forms = [form_data(answers) for answers in households]
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    start = f"/gemeente/{municipality.slug}/regelingen/"
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(start).content.decode())
    assert found, "no CSRF token on the first step"
    token = found.group(1)
    page = f"{start}check/"

    def post(url: str, data: dict[str, str]) -> bytes:
        response = client.post(url, {**data, "csrfmiddlewaretoken": token})
        assert response.status_code == 200, response.status_code
        return response.content

    warm = post(page, forms[0])  # templates compiled, the rules system of these schemes built
    assert b"meedoen-outcome" in warm, "the first household did not reach the outcome"

    def timed_samples(work: Callable[[int], object], runs: int) -> list[float]:
        samples = []
        for i in range(runs):
            started = time.perf_counter()
            work(i)
            samples.append(time.perf_counter() - started)
        return samples

    rows = {
        "result page over HTTP (POST of the last step)": timed_samples(lambda i: post(page, forms[i]), PAGE_RUNS),
        "floor: check_household alone, same households": timed_samples(
            lambda i: check_household(municipality, households[i]), PAGE_RUNS
        ),
        "PDF of the outcome over HTTP": timed_samples(lambda i: post(f"{start}pdf/", forms[i]), PDF_RUNS),
    }
    schemes = len(scheme_rules(municipality, timezone.localdate()))
    print(f"Regelingencheck: the resident's result page ({schemes} schemes")
    print("  and 3 allowances of GM0867, a different household each request, CSRF checked)")
    print(f"  {'what':<52} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, samples in rows.items():
        print(
            f"  {name:<52} {len(samples):>4} {percentile_ms(samples, 0.5):>8.1f}"
            f" {percentile_ms(samples, 0.95):>8.1f} {max(samples) * 1000:>8.1f}"
        )
    page_p95 = percentile_ms(rows["result page over HTTP (POST of the last step)"], 0.95)
    verdict = "met" if page_p95 < PAGE_GOAL_MS else "NOT met"
    print(f"  goal: result page p95 under {PAGE_GOAL_MS} ms: {verdict} ({page_p95:.1f} ms)")
    print()
