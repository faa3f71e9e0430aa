"""Estimated non-take-up per scheme and district: the estimate set against imported recipient counts,
small counts hidden, and the figures published to the compass through the indicator registry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from meedoen.core import small_counts
from meedoen.core.access import Actor, Role
from meedoen.core.indicators import Period, operational_indicator, operational_indicators
from meedoen.core.models import AuditEvent
from meedoen.entitlements.models import PopulationAssumptions
from meedoen.entitlements.selectors import AreaFigures, non_take_up, non_take_up_figures, rules_day
from meedoen.entitlements.services import population_assumptions_save, recipients_import
from meedoen.entitlements.tests.factories import keeper_of, load_demo_file_schemes, make_scheme

pytestmark = pytest.mark.django_db
YEAR = 2026
DISTRICTS = ("WK086700", "WK086701", "WK086702")


@pytest.fixture
def waalwijk(world):
    load_demo_file_schemes(world.waalwijk)
    return world.waalwijk


def import_counts(municipality, lines: list[str]) -> None:
    content = ("regeling;gebied;jaar;aantal\n" + "\n".join(lines)).encode()
    recipients_import(actor=Actor.system("test"), municipality=municipality, content=content, file_name="t.csv")


def figures(table, code: str) -> dict[str, AreaFigures]:
    row = next(row for row in table.schemes if row.scheme.code == code)
    return {area.code: area for area in row.areas}


def test_every_running_scheme_gets_an_estimate_per_district_and_for_the_whole_municipality(waalwijk):
    table = non_take_up_figures(waalwijk, YEAR)
    assert table.households == (2336, 2336, 2336)  # 5,000 inhabitants / 2.14 per district
    assert {row.scheme.code for row in table.schemes} == {
        "individuele-inkomenstoeslag",
        "bijzondere-bijstand",
        "kwijtschelding",
        "collectieve-zorgverzekering",
        "meedoenregeling",
        "kansen-voor-kinderen",
        "voedselbank",
    }
    for row in table.schemes:
        assert [area.code for area in row.areas] == [*DISTRICTS, "GM0867"]
        whole = row.municipality
        assert whole.is_municipality and whole.households == sum(table.households)
        assert whole.eligible == sum(area.eligible for area in row.areas[:-1])
        assert all(area.recipients is None and area.non_take_up is None for area in row.areas)


def test_non_take_up_is_eligible_minus_recipients_and_the_municipality_sums_complete_districts(waalwijk):
    before = figures(non_take_up_figures(waalwijk, YEAR), "collectieve-zorgverzekering")
    eligible = [before[code].eligible for code in DISTRICTS]
    assert min(eligible) > 100  # 130% of the social minimum: about one in nine households
    import_counts(
        waalwijk,
        [f"collectieve-zorgverzekering;{code};{YEAR};{n - 40}" for code, n in zip(DISTRICTS, eligible, strict=True)],
    )
    after = figures(non_take_up_figures(waalwijk, YEAR), "collectieve-zorgverzekering")
    for code, n in zip(DISTRICTS, eligible, strict=True):
        area = after[code]
        assert (area.eligible, area.recipients, area.non_take_up) == (n, n - 40, 40)
        assert area.non_take_up_percent == pytest.approx(100 * 40 / n)
        assert area.shown_non_take_up.text() == "40"
    whole = after["GM0867"]
    assert (whole.recipients, whole.non_take_up) == (sum(eligible) - 120, 120)


def test_a_count_for_the_whole_municipality_wins_over_the_sum_of_the_districts(waalwijk):
    eligible = figures(non_take_up_figures(waalwijk, YEAR), "meedoenregeling")["GM0867"].eligible
    import_counts(waalwijk, [f"meedoenregeling;GM0867;{YEAR};{eligible // 2}", f"meedoenregeling;WK086700;{YEAR};50"])
    after = figures(non_take_up_figures(waalwijk, YEAR), "meedoenregeling")
    assert after["GM0867"].recipients == eligible // 2
    assert after["WK086701"].recipients is None and after["WK086701"].shown_non_take_up.text() == "\u2013"


def test_counts_below_10_and_figures_built_on_them_are_hidden():
    area = AreaFigures("WK000100", "x", False, households=900, eligible=120, uncertain=4, recipients=7)
    assert area.shown_eligible.text() == "120"
    assert area.shown_uncertain.text() == "< 10"
    assert area.shown_recipients.text() == "< 10"
    # Built on the 7 recipients: not shown, rather than "< 10", which would read as a value.
    assert area.shown_non_take_up.text() == "not shown" and area.shown_non_take_up.value is None
    assert area.shown_non_take_up_percent.text() == "not shown"
    assert area.shown_non_take_up_percent.csv() == "hidden"  # the same in every language
    # A difference below 10 could be worked back to a handful of households, so it is hidden too.
    close = AreaFigures("WK000100", "x", False, households=900, eligible=120, uncertain=0, recipients=115)
    assert close.shown_non_take_up.text() == "not shown" == close.shown_non_take_up_percent.text()
    shown = AreaFigures("WK000100", "x", False, households=900, eligible=120, uncertain=0, recipients=90)
    # Numbers, with as many decimals as the column has: the download writes them as a number.
    assert shown.shown_non_take_up.csv() == Decimal(30) and str(shown.shown_non_take_up_percent.csv(1)) == "25.0"
    few = AreaFigures("WK000100", "x", False, households=30, eligible=6, uncertain=0, recipients=40)
    assert few.shown_eligible.text() == "< 10" and few.shown_non_take_up_percent.text() == "not shown"
    assert few.shown_non_take_up.text() == "not shown"  # -34, built on 6 eligible
    unknown = AreaFigures("WK000100", "x", False, households=30, eligible=60, uncertain=0, recipients=None)
    assert unknown.shown_non_take_up.text() == "\u2013" and unknown.shown_recipients.csv() == ""
    assert small_counts.count(10).text() == "10" and small_counts.count(9.9).text() == "< 10"


def test_the_assumptions_change_the_estimate(waalwijk):
    default = figures(non_take_up_figures(waalwijk, YEAR), "collectieve-zorgverzekering")["GM0867"]
    population_assumptions_save(
        actor=Actor.system("test"),
        municipality=waalwijk,
        fields={
            "income_to_101_percent": 10,
            "income_101_110_percent": 5,
            "income_110_120_percent": 5,
            "income_120_130_percent": 5,
            "income_130_150_percent": 5,
            "income_150_200_percent": 10,
            "income_above_200_percent": 60,
        },
    )
    table = non_take_up_figures(waalwijk, YEAR)
    assert table.assumptions_saved
    poorer = figures(table, "collectieve-zorgverzekering")["GM0867"]
    assert poorer.eligible > 2 * default.eligible


def test_the_assumptions_must_add_up_and_only_policy_staff_change_them(world):
    from django.core.exceptions import ValidationError

    system = Actor.system("test")
    with pytest.raises(ValidationError) as refused:
        population_assumptions_save(actor=system, municipality=world.waalwijk, fields={"single_percent": 50})
    assert "couple_with_children_percent" in refused.value.message_dict
    for role in (Role.CASEWORKER, Role.AUDITOR, Role.OFFER_MAINTAINER):
        with pytest.raises(PermissionDenied):
            population_assumptions_save(
                actor=keeper_of(world.waalwijk, world.ww_team, role), municipality=world.waalwijk, fields={"seed": 1}
            )
    assert not PopulationAssumptions.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="population_assumptions").exists()
    saved = population_assumptions_save(
        actor=keeper_of(world.waalwijk, world.ww_team), municipality=world.waalwijk, fields={"seed": 1}
    )
    assert saved.seed == 1
    population_assumptions_save(actor=system, municipality=world.waalwijk, fields={"seed": 1})  # no change
    assert AuditEvent.objects.filter(action__startswith="population_assumptions").count() == 1


def test_only_policy_staff_of_the_municipality_read_the_figures(waalwijk, world):
    non_take_up(actor=keeper_of(waalwijk, world.ww_team), municipality=waalwijk, year=YEAR)
    non_take_up(actor=keeper_of(waalwijk, world.ww_team, Role.APPLICATION_MANAGER), municipality=waalwijk, year=YEAR)
    for actor in (
        keeper_of(waalwijk, world.ww_team, Role.CASEWORKER),
        keeper_of(waalwijk, world.ww_foodbank, Role.OFFER_MAINTAINER),
        keeper_of(world.meerssen, world.ms_team, Role.POLICY_OFFICER),
    ):
        with pytest.raises(PermissionDenied):
            non_take_up(actor=actor, municipality=waalwijk, year=YEAR)


def test_a_year_without_national_figures_gives_no_estimate_and_no_error(world):
    make_scheme(world.waalwijk, valid_from=date(2020, 1, 1))
    table = non_take_up_figures(world.waalwijk, 2021)
    assert table.national_figures_missing and table.schemes == ()
    assert table.households == (2336, 2336, 2336)
    compute = operational_indicator("entitlements.non_take_up").compute  # type: ignore[union-attr]
    assert compute(world.waalwijk.pk, Period.year(2021)) == {}


def test_the_day_of_a_year_is_today_the_end_of_a_past_year_or_the_start_of_a_coming_one():
    today = date(2026, 11, 28)
    assert rules_day(2026, today) == today
    assert rules_day(2025, today) == date(2025, 12, 31)
    assert rules_day(2027, today) == date(2027, 1, 1)


# --- the compass registry ---------------------------------------------------------------------------


def test_the_compass_registry_lists_the_estimated_non_take_up():
    codes = {item.code for item in operational_indicators()}
    assert "entitlements.non_take_up" in codes
    assert {
        "entitlements.non_take_up_income_supplement",
        "entitlements.non_take_up_special_assistance",
        "entitlements.non_take_up_tax_remission",
        "entitlements.non_take_up_health_insurance",
        "entitlements.non_take_up_participation",
        "entitlements.non_take_up_partner",
    } <= codes
    indicator = operational_indicator("entitlements.non_take_up")
    assert indicator is not None
    assert (indicator.is_count, indicator.polarity) == (False, "hoger_slechter")
    assert str(indicator.name) and str(indicator.unit) and str(indicator.definition)


def test_the_registry_computes_the_percentage_per_area_leaving_out_small_counts(waalwijk, world):
    table = non_take_up_figures(waalwijk, YEAR)
    insurance = figures(table, "collectieve-zorgverzekering")
    assistance = figures(table, "bijzondere-bijstand")
    lines = [f"collectieve-zorgverzekering;{code};{YEAR};{insurance[code].eligible // 2}" for code in DISTRICTS[:2]]
    lines.append(f"collectieve-zorgverzekering;WK086702;{YEAR};5")  # a small count: this district stays out
    lines.append(f"bijzondere-bijstand;WK086700;{YEAR};{assistance['WK086700'].eligible - 20}")
    import_counts(waalwijk, lines)

    compute = operational_indicator("entitlements.non_take_up").compute  # type: ignore[union-attr]
    values = compute(waalwijk.pk, Period.year(YEAR))
    assert set(values) == {"WK086700", "WK086701", "GM0867"}
    first_eligible = insurance["WK086700"].eligible + assistance["WK086700"].eligible
    first_missing = insurance["WK086700"].eligible - insurance["WK086700"].eligible // 2 + 20
    assert values["WK086700"] == pytest.approx(100 * first_missing / first_eligible)

    by_kind = operational_indicator("entitlements.non_take_up_special_assistance").compute  # type: ignore[union-attr]
    assert by_kind(waalwijk.pk, Period.year(YEAR)) == {
        "WK086700": pytest.approx(100 * 20 / assistance["WK086700"].eligible)
    }
    # A quarter counts in the year it ends in; another year, another municipality or none: no figures.
    assert compute(waalwijk.pk, Period(date(YEAR, 4, 1), date(YEAR, 7, 1))) == values
    assert compute(waalwijk.pk, Period.year(YEAR - 1)) == {}
    assert compute(world.meerssen.pk, Period.year(YEAR)) == {}
    assert compute(0, Period.year(YEAR)) == {}
