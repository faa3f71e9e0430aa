"""The early-signalling monitor: every figure against a hand count of cases built through the
services across months; signals whose personal data was removed still count; other municipalities
never do; counts below 10 and the figures built on them are hidden, and so are the counts from which
one could be worked out, across the months of a table too; the compass gets the published
indicators; and the work in the database does not grow with the number of signals."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from fractions import Fraction

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from meedoen.areas.models import Area, PostcodeArea
from meedoen.areas.tests.factories import NeighbourhoodFactory
from meedoen.core import small_counts
from meedoen.core.access import Actor, Role, grants_from
from meedoen.core.indicators import Period, operational_indicator
from meedoen.early_signals import monitor
from meedoen.early_signals.models import (
    CREDITOR_KINDS,
    HELP_ACCEPTED,
    TEAM_OUTCOMES,
    Case,
    ContactAttempt,
    Signal,
    SignalTombstone,
)
from meedoen.early_signals.monitor import (
    CountedRow,
    Figures,
    Tally,
    figures_of,
    median,
    monitor_of,
    months_covered,
    table_figures,
    tallies,
)
from meedoen.early_signals.selectors import NO_DISTRICT
from meedoen.early_signals.services import attempt_record, case_close
from meedoen.early_signals.tests.conftest import AMSTERDAM
from meedoen.early_signals.tests.factories import SYSTEM, deliver_rows, signal_row

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
D0, D1 = "WK086700", "WK086701"  # districts of Waalwijk (5,000 residents each; the town 20,000)
HIDDEN = "not shown"  # in English, as the tests run
SMALL = small_counts.SMALL_TEXT


def at(day: int, month: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=AMSTERDAM)


def household(number: int, postcode: str, reference: str = "") -> dict[str, str]:
    """A signal about the household at house number ``number`` (one person per address)."""
    return signal_row(
        creditor_reference=reference or f"REF-{number}",
        house_number=str(number),
        postcode=postcode,
        reminder_date="2025-12-01",
        signal_date="2025-12-15",
    )


def deliver_at(moment: datetime, creditor, *rows) -> None:
    with time_machine.travel(moment, tick=False):
        answer = deliver_rows(creditor, *rows)
    assert answer.receipt.accepted == len(rows), answer.as_dict()


# house number -> case id, filled by the scenario fixtures
cases_by_number: dict[int, int] = {}


def attempt(world, number: int, moment: datetime, channel: str, *, reached: bool) -> None:
    attempt_record(
        actor=SYSTEM,
        case=Case.objects.get(pk=cases_by_number[number]),
        organisation=world.ww_team,
        channel=channel,
        attempted_at=moment,
        reached=reached,
    )


def close_at(world, moment: datetime, number: int, outcome: str) -> None:
    with time_machine.travel(moment, tick=False):
        case = Case.objects.get(pk=cases_by_number[number])
        case_close(actor=SYSTEM, case=case, organisation=world.ww_team, outcome=outcome)


@pytest.fixture
def districts(world):
    """Postcode 5141 lies in district 00, 5142 in district 01, 5143 in a neighbourhood of district
    01; 5146 in no district the municipality named."""
    town = Area.objects.get(code="GM0867")
    district_1 = Area.objects.get(code=D1)
    neighbourhood = NeighbourhoodFactory(code="BU08670101", parent=district_1, population=800)
    PostcodeArea.objects.create(municipality=town, prefix="5141", area=Area.objects.get(code=D0))
    PostcodeArea.objects.create(municipality=town, prefix="5142", area=district_1)
    PostcodeArea.objects.create(municipality=town, prefix="5143", area=neighbourhood)


@pytest.fixture
def scenario(world, creditors, districts):
    """January: the housing corporation reports households 1-5 (district 00), 6-7 (district 01) and
    8 (district unknown); the energy supplier reports households 1 and 2 too, and on the 14th the
    housing corporation reports household 3 again. February: the energy supplier reports households
    11-12 (district 01) and 13 (a neighbourhood of district 01). Then attempts and closings."""
    housing, energy = creditors.housing, creditors.energy
    deliver_at(
        at(12, 1),
        housing,
        *(household(n, "5141 AB") for n in range(1, 6)),
        *(household(n, "5142 CD") for n in (6, 7)),
        household(8, "5146 EF"),
    )
    deliver_at(at(12, 1, 11), energy, household(1, "5141 AB", "EN-1"), household(2, "5141 AB", "EN-2"))
    deliver_at(at(14, 1), housing, household(3, "5141 AB", "REF-3-again"))
    deliver_at(at(10, 2), energy, household(11, "5142 CD"), household(12, "5142 CD"), household(13, "5143 GH"))
    cases_by_number.clear()
    for number in (1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13):
        cases_by_number[number] = Case.objects.filter(signals__house_number=number).distinct().get().pk

    letter, phone, text, visit = "letter", "phone", "text", "home_visit"
    attempt(world, 1, at(13, 1, 9), letter, reached=False)
    attempt(world, 1, at(13, 1, 14), phone, reached=True)  # 1 day after opening
    attempt(world, 2, at(20, 1), phone, reached=True)  # 8 days
    attempt(world, 3, at(3, 2), visit, reached=True)  # 22 days
    attempt(world, 4, at(20, 2), letter, reached=False)  # after the term (9 February)
    attempt(world, 6, at(2, 2), letter, reached=False)
    attempt(world, 6, at(5, 2), text, reached=True)  # 24 days
    attempt(world, 11, at(11, 2), phone, reached=True)  # 1 day

    close_at(world, at(15, 2), 1, Case.Outcome.PAYMENT_ARRANGEMENT)
    close_at(world, at(15, 2, 11), 2, Case.Outcome.DECLINED)
    close_at(world, at(5, 3), 3, Case.Outcome.REFERRED_DEBT_HELP)
    close_at(world, at(5, 3, 11), 5, Case.Outcome.NO_CONTACT)
    close_at(world, at(6, 3), 11, Case.Outcome.QUICK_FIX)


def erase(number: int) -> None:
    """What the retention term does to a closed case: its signals give way to tombstones."""
    case = Case.objects.get(pk=cases_by_number[number])
    for signal in Signal.objects.filter(case=case):
        SignalTombstone.objects.create(
            signal_uuid=signal.uuid,
            case_uuid=case.uuid,
            delivery_uuid=signal.delivery.uuid,
            municipality=signal.municipality,
            creditor=signal.creditor,
            creditor_reference=signal.creditor_reference,
            kind=signal.kind,
            signal_date=signal.signal_date,
            received_at=signal.received_at,
            case_closed_at=case.closed_at,
            outcome=case.outcome,
            reason=SignalTombstone.Reason.RETENTION,
        )
        signal.delete()
    Case.objects.filter(pk=case.pk).update(erased_at=at(18, 3))


def whole(buckets, code: str | None = None, month: date | None = None) -> Tally:
    """The counts of one district ("" for unknown; None for all) and month (None for all)."""
    total = Tally()
    for (bucket_month, bucket_code), tally in buckets.items():
        if (code is None or bucket_code == code) and (month is None or bucket_month == month):
            total.add(tally)
    return total


# --- the hand count ---------------------------------------------------------------------------------------


def test_the_terms_of_the_scenario(scenario):
    assert Case.objects.get(pk=cases_by_number[1]).first_offer_due == date(2026, 2, 9)
    assert Case.objects.get(pk=cases_by_number[11]).first_offer_due == date(2026, 3, 10)
    assert Case.objects.get(pk=cases_by_number[13]).district.code == "BU08670101"


def test_signals_count_in_the_month_and_district_they_were_received(scenario):
    buckets = tallies(Case.objects.first().municipality_id, JAN, date(2026, 4, 1))

    assert whole(buckets, D0, JAN).signals == 5 + 2 + 1
    assert whole(buckets, D1, JAN).signals == 2
    assert whole(buckets, "", JAN).signals == 1
    # February: households 11 and 12 in district 01, 13 in a neighbourhood of district 01.
    assert whole(buckets, D1, FEB).signals == 3
    assert whole(buckets, D0, FEB).signals == 0
    assert whole(buckets).signals == 14


def test_cases_are_single_or_multiple_in_the_month_they_opened(scenario):
    buckets = tallies(Case.objects.first().municipality_id, JAN, date(2026, 4, 1))
    january, february = whole(buckets, month=JAN), whole(buckets, month=FEB)

    # 1 and 2: two creditors; 3: the same creditor twice; 4-8 one signal each.
    assert (january.cases_opened, january.single, january.multiple, january.multiple_creditors) == (8, 5, 3, 2)
    assert (february.cases_opened, february.single, february.multiple, february.multiple_creditors) == (3, 3, 0, 0)
    assert whole(buckets, D0, JAN).multiple == 3
    assert whole(buckets, D1, JAN).single == 2


def test_attempts_count_per_way_of_contact_in_the_month_they_were_made(scenario):
    buckets = tallies(Case.objects.first().municipality_id, JAN, date(2026, 4, 1))

    january, february = whole(buckets, month=JAN), whole(buckets, month=FEB)
    assert january.attempts == Counter({"letter": 1, "phone": 2})
    assert january.attempts_reached == Counter({"phone": 2})
    assert february.attempts == Counter({"home_visit": 1, "letter": 2, "text": 1, "phone": 1})
    assert february.attempts_reached == Counter({"home_visit": 1, "text": 1, "phone": 1})
    assert whole(buckets, D1, FEB).attempts == Counter({"letter": 1, "text": 1, "phone": 1})


def test_reach_time_to_contact_and_the_term_count_in_the_month_the_case_opened(scenario):
    buckets = tallies(Case.objects.first().municipality_id, JAN, date(2026, 4, 1))
    january, february = whole(buckets, month=JAN), whole(buckets, month=FEB)

    assert january.cases_reached == 4  # 1, 2, 3 and 6
    assert january.days_to_contact == Counter({1: 1, 8: 1, 22: 1, 24: 1})
    assert median(january.days_to_contact) == 15
    assert median(whole(buckets, D0, JAN).days_to_contact) == 8
    # Every January term has passed; offers in time: 1, 2, 3 and 6 (4 was late; 5, 7, 8 had none).
    assert (january.term_decided, january.within_term) == (8, 4)
    assert (february.cases_reached, february.term_decided, february.within_term) == (1, 3, 1)


def test_outcomes_and_creditor_kinds_count_in_the_month_the_case_closed(scenario):
    buckets = tallies(Case.objects.first().municipality_id, JAN, date(2026, 4, 1))
    february, march = whole(buckets, month=FEB), whole(buckets, month=MAR)

    assert february.outcomes == Counter({"payment_arrangement": 1, "declined": 1})
    assert (february.closed, february.help_accepted) == (2, 1)
    # Cases 1 and 2 had both creditors: each kind counts them.
    assert february.closed_by_kind == Counter({"woningcorporatie": 2, "energieleverancier": 2})
    assert february.accepted_by_kind == Counter({"woningcorporatie": 1, "energieleverancier": 1})
    assert march.outcomes == Counter({"referred_debt_help": 1, "no_contact": 1, "quick_fix": 1})
    assert (march.closed, march.help_accepted) == (3, 2)
    assert march.closed_by_kind == Counter({"woningcorporatie": 2, "energieleverancier": 1})
    assert march.accepted_by_kind == Counter({"woningcorporatie": 1, "energieleverancier": 1})
    assert whole(buckets, D1, MAR).outcomes == Counter({"quick_fix": 1})


def test_a_range_counts_only_what_lies_in_it(scenario):
    buckets = tallies(Case.objects.first().municipality_id, FEB, MAR)

    assert {month for month, _code in buckets} == {FEB}
    assert whole(buckets).signals == 3
    assert whole(buckets).closed == 2


def test_signals_whose_personal_data_was_removed_still_count(scenario):
    municipality_id = Case.objects.first().municipality_id
    before = tallies(municipality_id, JAN, date(2026, 4, 1))

    erase(2)
    erase(3)

    assert Signal.objects.filter(case_id__in=[cases_by_number[2], cases_by_number[3]]).count() == 0
    assert tallies(municipality_id, JAN, date(2026, 4, 1)) == before


def test_another_municipality_is_never_counted(scenario, world, creditors):
    deliver_at(
        at(12, 1),
        creditors.water,
        signal_row(
            creditor_reference="WB-1",
            municipality="GM0938",
            postcode="6241 ZT",
            city="Bunde",
            reminder_date="2025-12-01",
            signal_date="2025-12-15",
        ),
    )

    assert whole(tallies(world.waalwijk.pk, JAN, date(2026, 4, 1))).signals == 14
    meerssen = whole(tallies(world.meerssen.pk, JAN, date(2026, 4, 1)))
    assert (meerssen.signals, meerssen.cases_opened) == (1, 1)


def test_the_database_does_the_counting(world, creditors, districts):
    """At most ten queries (eight grouped counts, two small lookups), whether one signal or forty."""
    deliver_at(at(12, 1), creditors.housing, household(1, "5141 AB"))
    with CaptureQueriesContext(connection) as few:
        tallies(world.waalwijk.pk, JAN, date(2026, 4, 1))
    deliver_at(at(13, 1), creditors.housing, *(household(n, "5142 CD") for n in range(100, 140)))
    with CaptureQueriesContext(connection) as many:
        counted = tallies(world.waalwijk.pk, JAN, date(2026, 4, 1))

    assert len(few.captured_queries) == len(many.captured_queries) <= 10
    assert whole(counted).signals == 41


# --- the monitor as staff read it -------------------------------------------------------------------------


def officer(world, role: str = Role.EARLY_SIGNALS_OFFICER, municipality=None) -> Actor:
    municipality = municipality or world.waalwijk
    return Actor(
        user_id=1,
        label="test",
        grants=grants_from([(municipality.pk, world.ww_team.pk, role)]),
        second_factor=True,
    )


def test_the_monitor_hides_every_count_below_10_and_what_is_built_on_it(scenario, world):
    result = monitor_of(actor=officer(world), municipality=world.waalwijk, first_month=JAN, last_month=MAR)

    town = result.areas[0]
    assert town.area.code == "GM0867" and town.area.is_municipality
    assert [row.month for row in town.months] == [JAN, FEB, MAR]
    january, february = town.months[0].figures, town.months[1].figures
    assert january.signals.value == 11
    assert january.signals_per_1000.value == pytest.approx(11 / 20)
    assert february.signals.text() == SMALL  # 3
    assert february.signals_per_1000.text() == HIDDEN  # built on 3
    assert town.months[2].figures.signals.text() == SMALL  # none at all
    whole_period = town.whole_period.figures
    assert whole_period.signals.value == 14
    # 14 signals among 20,000 residents in the 2 + 20/31 months that have passed (today is 20 March).
    assert whole_period.signals_per_1000.value == pytest.approx(14 / 20 / (2 + 20 / 31))
    assert whole_period.signals_per_1000.text(2) == "0.26"
    assert whole_period.cases_opened.value == 11
    # 8 single and 3 multiple: a split reads the same, whatever hides it, so it tells no value.
    assert whole_period.single.text() == HIDDEN
    assert whole_period.multiple.text() == HIDDEN
    assert whole_period.median_days_to_contact.text() == HIDDEN  # five contacts
    assert whole_period.share_within_term.csv() == "hidden"
    assert all(outcome.cases.text() == HIDDEN for outcome in whole_period.outcomes)


def test_the_monitor_splits_by_district_and_district_unknown(scenario, world):
    result = monitor_of(actor=officer(world), municipality=world.waalwijk, first_month=JAN, last_month=MAR)

    codes = [area.area.code for area in result.areas]
    assert codes == ["GM0867", "WK086700", "WK086701", "WK086702", NO_DISTRICT]
    unknown = result.areas[-1]
    assert unknown.area.population is None
    assert unknown.whole_period.figures.signals_per_1000.value is None
    only = monitor_of(actor=officer(world), municipality=world.waalwijk, first_month=JAN, last_month=MAR, area_code=D1)
    assert [area.area.code for area in only.areas] == [D1]


@pytest.mark.parametrize(
    "role, allowed",
    [
        (Role.EARLY_SIGNALS_OFFICER, True),
        (Role.POLICY_OFFICER, True),
        (Role.APPLICATION_MANAGER, False),
        (Role.CASEWORKER, False),
        (Role.AUDITOR, False),
        (Role.OFFER_MAINTAINER, False),
    ],
)
def test_only_the_team_and_policy_officers_read_the_monitor(world, role, allowed):
    read = lambda actor: monitor_of(  # noqa: E731
        actor=actor, municipality=world.waalwijk, first_month=JAN, last_month=MAR
    )
    if allowed:
        assert read(officer(world, role)).areas
    else:
        with pytest.raises(PermissionDenied):
            read(officer(world, role))


def test_staff_of_another_municipality_do_not_read_the_monitor(world):
    with pytest.raises(PermissionDenied):
        monitor_of(
            actor=officer(world, municipality=world.meerssen),
            municipality=world.waalwijk,
            first_month=JAN,
            last_month=MAR,
        )
    unverified = Actor(user_id=1, label="x", grants=officer(world).grants, second_factor=False)
    with pytest.raises(PermissionDenied):
        monitor_of(actor=unverified, municipality=world.waalwijk, first_month=JAN, last_month=MAR)


def test_the_range_is_bounded(world):
    with pytest.raises(ValueError):
        monitor_of(actor=officer(world), municipality=world.waalwijk, first_month=JAN, last_month=date(2029, 1, 1))
    with pytest.raises(ValueError):
        monitor_of(actor=officer(world), municipality=world.waalwijk, first_month=MAR, last_month=JAN)


# --- the indicators for the compass ---------------------------------------------------------------------


@pytest.fixture
def busy_district(world, creditors, districts):
    """22 households in district 00 in January: 11 reached by phone two days later and helped; 11 never
    reached, their letter sent after the term, closed without contact in February."""
    deliver_at(at(5, 1), creditors.housing, *(household(n, "5141 AB") for n in range(1, 23)))
    cases_by_number.clear()
    for number in range(1, 23):
        cases_by_number[number] = Case.objects.get(signals__house_number=number).pk
    for number in range(1, 12):
        attempt(world, number, at(7, 1), "phone", reached=True)
        close_at(world, at(20, 1), number, Case.Outcome.QUICK_FIX)
    for number in range(12, 23):
        attempt(world, number, at(10, 2), "letter", reached=False)  # due 2 February
        close_at(world, at(12, 2), number, Case.Outcome.NO_CONTACT)


def test_the_indicators_are_published(world):
    for code in (
        "early_signals.signals_per_1000",
        "early_signals.multiple_signals",
        "early_signals.contact_rate",
        "early_signals.help_accepted",
        "early_signals.days_to_first_contact",
        "early_signals.within_term",
    ):
        indicator = operational_indicator(code)
        assert indicator is not None and indicator.is_count is False, code


def test_the_indicators_give_raw_values_per_area(busy_district, world):
    period = Period(JAN, MAR)

    def value(code: str) -> dict[str, float]:
        indicator = operational_indicator(code)
        assert indicator is not None
        return dict(indicator.compute(world.waalwijk.pk, period))

    # Two whole months; 22 signals among 5,000 residents of the district, 20,000 of the town.
    assert value("early_signals.signals_per_1000") == pytest.approx({"WK086700": 2.2, "GM0867": 0.55})
    # Every household was signalled once: a share of 0 multiple cases is not published.
    assert value("early_signals.multiple_signals") == {}
    assert value("early_signals.contact_rate") == {"WK086700": 50.0, "GM0867": 50.0}
    assert value("early_signals.help_accepted") == {"WK086700": 50.0, "GM0867": 50.0}
    assert value("early_signals.days_to_first_contact") == {"WK086700": 2.0, "GM0867": 2.0}
    assert value("early_signals.within_term") == {"WK086700": 50.0, "GM0867": 50.0}


def test_the_share_of_households_signalled_more_than_once_is_published(world, creditors, districts):
    # 22 households in district 00 in January; 11 of them signalled by a second creditor as well.
    deliver_at(at(5, 1), creditors.housing, *(household(n, "5141 AB") for n in range(1, 23)))
    deliver_at(at(6, 1), creditors.energy, *(household(n, "5141 AB", f"EN-{n}") for n in range(1, 12)))

    indicator = operational_indicator("early_signals.multiple_signals")
    assert indicator is not None
    assert dict(indicator.compute(world.waalwijk.pk, Period(JAN, MAR))) == {"WK086700": 50.0, "GM0867": 50.0}


def test_an_indicator_leaves_out_an_area_whose_figure_rests_on_a_small_count(scenario, world):
    """The compass hides small counts only for indicators that are counts: these rates must come
    without the areas it could not show."""
    values = {
        indicator.code: indicator.compute(world.waalwijk.pk, Period(JAN, date(2026, 4, 1)))
        for indicator in monitor.INDICATORS
    }

    # 14 signals in the town; no district has 10.
    assert list(values.pop("early_signals.signals_per_1000")) == ["GM0867"]
    assert values == {code: {} for code in values}


def test_a_month_under_way_counts_for_the_part_that_is_over():
    assert months_covered(JAN, date(2026, 4, 1), date(2026, 3, 20)) == pytest.approx(2 + 20 / 31)
    assert months_covered(JAN, MAR, date(2026, 3, 20)) == 2
    assert months_covered(date(2026, 1, 16), FEB, date(2026, 3, 20)) == pytest.approx(16 / 31)
    assert months_covered(date(2026, 4, 1), date(2026, 5, 1), date(2026, 3, 20)) == 0


# --- the small-count rule ------------------------------------------------------------------------------


def test_median_of_counted_values():
    assert median({}) is None
    assert median({5: 1}) == 5
    assert median({1: 1, 3: 1}) == 2
    assert median({1: 3, 10: 1}) == 1
    assert median({2: 2, 4: 2, 9: 1}) == 4


def tally(**counts) -> Tally:
    return Tally(**counts)


def test_a_share_hides_when_the_rest_is_small():
    figures = figures_of(tally(cases_opened=40, cases_reached=35), population=5000, months=1)
    assert figures.cases_reached.text() == HIDDEN  # 35, but the 5 not reached could be worked out
    assert figures.share_reached.text() == HIDDEN
    # Had 5 reached read "< 10" and 35 "not shown", the text would tell which one is small.
    figures = figures_of(tally(cases_opened=40, cases_reached=5), population=5000, months=1)
    assert (figures.cases_reached.text(), figures.share_reached.text()) == (HIDDEN, HIDDEN)
    figures = figures_of(tally(cases_opened=40, cases_reached=20), population=5000, months=1)
    assert (figures.cases_reached.value, figures.share_reached.value) == (20, 50.0)


def test_nothing_to_divide_by_hides_rather_than_tells_it_is_zero():
    figures = figures_of(Tally(), population=5000, months=1)

    assert figures.share_reached.hidden and figures.median_days_to_contact.hidden
    assert figures.share_attempts_reached.hidden and figures.share_help_accepted.hidden
    assert figures_of(Tally(signals=12), population=None, months=1).signals_per_1000 == small_counts.UNKNOWN


def test_one_small_row_of_a_breakdown_takes_the_next_smallest_of_its_line_with_it():
    outcomes = Counter({"quick_fix": 30, "payment_arrangement": 12, "declined": 20, "no_contact": 40})
    outcomes.update({"self_resolved": 3, "referred_debt_help": 15, "referred_partner": 25})
    shown = {
        row.outcome: row.cases.text()
        for row in figures_of(tally(outcomes=outcomes), population=None, months=1).outcomes
    }

    # 145 closed, 82 with help accepted, both shown: the 63 without help are no contact, solves it
    # themselves and declines help. With "declines help" shown, the 3 would be 63 - 40 - 20.
    assert shown == {
        "no_contact": "40",
        "quick_fix": "30",
        "payment_arrangement": "12",
        "referred_debt_help": "15",
        "referred_partner": "25",
        "self_resolved": HIDDEN,
        "declined": HIDDEN,  # the smallest of the rest of its line
    }


COUNT = st.integers(min_value=0, max_value=40)


@st.composite
def tallies_drawn(draw: st.DrawFn) -> Tally:
    opened = draw(COUNT)
    multiple = draw(st.integers(0, opened))
    reached = draw(st.integers(0, opened))
    decided = draw(st.integers(0, opened))
    attempts = Counter({channel: draw(COUNT) for channel in ContactAttempt.Channel.values})
    closed_by_kind = Counter({kind.value: draw(COUNT) for kind in CREDITOR_KINDS})
    return Tally(
        signals=draw(COUNT),
        cases_opened=opened,
        single=opened - multiple,
        multiple=multiple,
        multiple_creditors=draw(st.integers(0, multiple)),
        cases_reached=reached,
        days_to_contact=Counter({draw(st.integers(0, 60)): reached}) if reached else Counter(),
        term_decided=decided,
        within_term=draw(st.integers(0, decided)),
        attempts=attempts,
        attempts_reached=Counter({c: draw(st.integers(0, n)) for c, n in attempts.items()}),
        # The team's outcomes: the monitor counts no case its creditors withdrew.
        outcomes=Counter({outcome: draw(COUNT) for outcome in TEAM_OUTCOMES}),
        closed_by_kind=closed_by_kind,
        accepted_by_kind=Counter({kind: draw(st.integers(0, n)) for kind, n in closed_by_kind.items()}),
    )


def known(shown: small_counts.Shown) -> bool:
    return not shown.hidden and shown.value is not None


@settings(max_examples=300)
@given(tallies_drawn())
def test_no_shown_figure_rests_on_a_count_below_10(drawn: Tally):
    figures = figures_of(drawn, population=5000, months=1)
    small = small_counts.is_small

    pairs = [
        (figures.signals, [drawn.signals]),
        (figures.signals_per_1000, [drawn.signals]),
        (figures.cases_opened, [drawn.cases_opened]),
        (figures.single, [drawn.single, drawn.multiple]),
        (figures.multiple, [drawn.single, drawn.multiple]),
        (figures.share_multiple, [drawn.multiple, drawn.cases_opened, drawn.single]),
        (figures.multiple_creditors, [drawn.multiple_creditors, drawn.multiple - drawn.multiple_creditors]),
        (figures.cases_reached, [drawn.cases_reached, drawn.cases_opened - drawn.cases_reached]),
        (figures.share_reached, [drawn.cases_reached, drawn.cases_opened - drawn.cases_reached]),
        (figures.median_days_to_contact, [drawn.cases_reached]),
        (figures.share_within_term, [drawn.within_term, drawn.term_decided - drawn.within_term]),
        (figures.share_help_accepted, [drawn.help_accepted, drawn.closed - drawn.help_accepted]),
    ]
    for shown, counts in pairs:
        if known(shown):
            assert not any(small(n) for n in counts), (shown, counts)
    # Which text a hidden figure reads follows from the kind of figure, never from its value: a
    # total reads "< 10" exactly when it is below 10; every other figure only ever "not shown".
    totals = [
        (figures.signals, drawn.signals),
        (figures.cases_opened, drawn.cases_opened),
        (figures.attempts, sum(drawn.attempts.values())),
        (figures.term_decided, drawn.term_decided),
    ]
    for shown, value in totals:
        assert shown.small == small(value) == (shown.text() == SMALL), (shown, value)
    others = [
        figures.signals_per_1000,
        figures.single,
        figures.multiple,
        figures.multiple_creditors,
        figures.share_multiple,
        figures.cases_reached,
        figures.share_reached,
        figures.attempts_reached,
        figures.median_days_to_contact,
        figures.within_term,
        figures.share_within_term,
        figures.help_accepted,
        figures.share_help_accepted,
        *(f for row in figures.channels for f in (row.attempts, row.reached, row.share_reached)),
        *(row.cases for row in figures.outcomes),
        *(f for row in figures.kinds for f in (row.help_accepted, row.share_help_accepted)),
    ]
    for shown in others:
        assert not shown.small
        if shown.hidden:
            assert (shown.text(), shown.csv()) == (HIDDEN, "hidden")
    for row in figures.channels:
        if known(row.attempts) or known(row.share_reached):
            attempts, reached = drawn.attempts[row.channel], drawn.attempts_reached[row.channel]
            assert not any(small(n) for n in (attempts, reached, attempts - reached))
    hidden_channels = [row for row in figures.channels if row.attempts.hidden]
    hidden_outcomes = [row for row in figures.outcomes if row.cases.hidden]
    # A single hidden row of a breakdown could be worked out from the total.
    assert len(hidden_channels) != 1
    assert len(hidden_outcomes) != 1
    for row in figures.outcomes:
        if known(row.cases):
            assert drawn.outcomes[row.outcome] >= small_counts.SMALL_COUNT


# --- a table: the months and the whole period together ---------------------------------------------------


def test_a_small_month_takes_the_smallest_other_month_of_its_column_with_it():
    """As in the demo: July "< 10", August to November 14, 20, 15 and 22 signals, the whole period 77.
    With August shown, July would be 77 - 71 = 6."""
    signals = [6, 14, 20, 15, 22]
    opened = [30, 25, 35, 30, 40]
    reached = [5, 12, 20, 18, 25]  # not reached: 25, 13, 15, 12, 15
    months = [
        Tally(signals=s, cases_opened=o, cases_reached=r, days_to_contact=Counter({3: r}))
        for s, o, r in zip(signals, opened, reached, strict=True)
    ]
    whole = Tally()
    for month in months:
        whole.add(month)

    *per_month, whole_period = table_figures(
        [*(CountedRow(month, 1) for month in months), CountedRow(whole, 5)], population=20000
    )

    assert [f.signals.text() for f in per_month] == [SMALL, HIDDEN, "20", "15", "22"]
    assert [f.signals_per_1000.text(2) for f in per_month] == [HIDDEN, HIDDEN, "1.00", "0.75", "1.10"]
    assert (whole_period.signals.text(), whole_period.signals_per_1000.text(2)) == ("77", "0.77")
    # July's 5 reached hides, and so August's 12, the smallest other; with them their shares and medians.
    assert [f.cases_reached.text() for f in per_month] == [HIDDEN, HIDDEN, "20", "18", "25"]
    assert [f.share_reached.text(1) for f in per_month] == [HIDDEN, HIDDEN, "57.1", "60.0", "62.5"]
    assert [f.median_days_to_contact.text() for f in per_month] == [HIDDEN, HIDDEN, "3", "3", "3"]
    assert [f.cases_opened.text() for f in per_month] == ["30", "25", "35", "30", "40"]
    assert (whole_period.cases_reached.text(), whole_period.share_reached.text(1)) == ("80", "50.0")


def test_a_range_of_one_month_reads_as_that_month_on_its_own(scenario, world):
    result = monitor_of(actor=officer(world), municipality=world.waalwijk, first_month=JAN, last_month=JAN)
    buckets = tallies(world.waalwijk.pk, JAN, FEB)

    for area in result.areas:
        (january,) = area.months
        alone = figures_of(monitor._sum(buckets, area.area), population=area.area.population, months=1)
        assert january.figures == area.whole_period.figures == alone


@settings(max_examples=200)
@given(tallies_drawn())
def test_a_table_of_one_month_hides_what_the_month_on_its_own_hides(drawn: Tally):
    assert (
        table_figures([CountedRow(drawn, 1), CountedRow(drawn, 1)], population=5000)
        == [figures_of(drawn, population=5000, months=1)] * 2
    )


def counts_shown(figures: Figures, drawn: Tally) -> dict[str, tuple[small_counts.Shown, int]]:
    """Every count of a row, as shown and as counted, by a name of the test's own."""
    found = {
        "signals": (figures.signals, drawn.signals),
        "opened": (figures.cases_opened, drawn.cases_opened),
        "single": (figures.single, drawn.single),
        "multiple": (figures.multiple, drawn.multiple),
        "multiple creditors": (figures.multiple_creditors, drawn.multiple_creditors),
        "reached": (figures.cases_reached, drawn.cases_reached),
        "attempts": (figures.attempts, sum(drawn.attempts.values())),
        "attempts reached": (figures.attempts_reached, sum(drawn.attempts_reached.values())),
        "closed": (figures.closed, drawn.closed),
        "help accepted": (figures.help_accepted, drawn.help_accepted),
        "term decided": (figures.term_decided, drawn.term_decided),
        "within term": (figures.within_term, drawn.within_term),
    }
    for way in figures.channels:
        found[f"attempts {way.channel}"] = (way.attempts, drawn.attempts[way.channel])
        found[f"attempts reached {way.channel}"] = (way.reached, drawn.attempts_reached[way.channel])
    for outcome in figures.outcomes:
        found[f"outcome {outcome.outcome}"] = (outcome.cases, drawn.outcomes[outcome.outcome])
    for kind in figures.kinds:
        found[f"closed {kind.kind}"] = (kind.closed, drawn.closed_by_kind[kind.kind])
        found[f"help accepted {kind.kind}"] = (kind.help_accepted, drawn.accepted_by_kind[kind.kind])
    return found


CHANNELS = ContactAttempt.Channel.values
KINDS = [kind.value for kind in CREDITOR_KINDS]
# The totals, which read "< 10" when small; every other hidden count reads "not shown".
TOTALS = {"signals", "opened", "attempts", "closed", "term decided", *(f"closed {kind}" for kind in KINDS)}
WITH_HELP = [f"outcome {outcome}" for outcome in TEAM_OUTCOMES if outcome in HELP_ACCEPTED]
WITHOUT_HELP = [f"outcome {outcome}" for outcome in TEAM_OUTCOMES if outcome not in HELP_ACCEPTED]
# Counts of a row that add up, the total last.
ROW_LINES = [
    ["single", "multiple", "opened"],
    [*(f"attempts {channel}" for channel in CHANNELS), "attempts"],
    [*(f"attempts reached {channel}" for channel in CHANNELS), "attempts reached"],
    [*WITH_HELP, *WITHOUT_HELP, "closed"],
    [*WITH_HELP, "help accepted"],
    [*WITHOUT_HELP, "help accepted", "closed"],
]
# (part, whole): the rest is not shown, but the two would give it.
PARTS = [
    ("multiple creditors", "multiple"),
    ("reached", "opened"),
    ("within term", "term decided"),
    ("attempts reached", "attempts"),
    *((f"attempts reached {channel}", f"attempts {channel}") for channel in CHANNELS),
    ("help accepted", "closed"),
    *((f"help accepted {kind}", f"closed {kind}") for kind in KINDS),
]


def figures_built_on(figures: Figures) -> list[tuple[small_counts.Shown, list[str]]]:
    """Every figure computed from counts, with the counts of its row it is computed from."""
    return [
        (figures.signals_per_1000, ["signals"]),
        (figures.share_multiple, ["multiple", "opened"]),
        (figures.share_reached, ["reached", "opened"]),
        (figures.median_days_to_contact, ["reached"]),
        (figures.share_attempts_reached, ["attempts reached", "attempts"]),
        (figures.share_help_accepted, ["help accepted", "closed"]),
        (figures.share_within_term, ["within term", "term decided"]),
        *(
            (way.share_reached, [f"attempts reached {way.channel}", f"attempts {way.channel}"])
            for way in figures.channels
        ),
        *((kind.share_help_accepted, [f"help accepted {kind.kind}", f"closed {kind.kind}"]) for kind in figures.kinds),
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(tallies_drawn(), min_size=1, max_size=4))
def test_no_line_of_a_table_holds_exactly_one_hidden_count(months: list[Tally]):
    whole = Tally()
    for month in months:
        whole.add(month)
    tallies_of_rows = [*months, whole]
    figures = table_figures(
        [*(CountedRow(month, 1) for month in months), CountedRow(whole, len(months))], population=5000
    )
    rows = [counts_shown(row, drawn) for row, drawn in zip(figures, tallies_of_rows, strict=True)]
    small = small_counts.is_small

    def hidden(cells: list[tuple[small_counts.Shown, int]]) -> int:
        return sum(shown.hidden for shown, _value in cells)

    for name in rows[0]:
        column = [row[name] for row in rows]
        assert sum(value for _shown, value in column[:-1]) == column[-1][1], name  # the column adds up
        assert hidden(column) != 1, (name, column)
    for row, row_figures in zip(rows, figures, strict=True):
        for name, (shown, value) in row.items():
            assert shown.hidden or not small(value), (name, value)
            if shown.hidden:
                assert shown.text() == (SMALL if name in TOTALS and small(value) else HIDDEN), (name, value)
        for line in ROW_LINES:
            cells = [row[name] for name in line]
            assert sum(value for _shown, value in cells[:-1]) == cells[-1][1], line  # the line adds up
            assert hidden(cells) != 1, (line, cells)
        for part, whole_name in PARTS:
            if small(row[whole_name][1] - row[part][1]):
                assert row[part][0].hidden or row[whole_name][0].hidden, (part, whole_name)
        for shown, names in figures_built_on(row_figures):
            if known(shown):
                assert not any(row[name][0].hidden for name in names), (shown, names)


# --- no hidden count follows from the sums a table shows ---------------------------------------------------


# The counts of the attempts per way of contact and of the outcomes, with their totals: the lines
# among them hold no other count, so a table of them is a system of its own.
WAYS_AND_OUTCOMES = [
    *(f"attempts {way}" for way in CHANNELS),
    "attempts",
    *(f"attempts reached {way}" for way in CHANNELS),
    "attempts reached",
    *WITH_HELP,
    *WITHOUT_HELP,
    "help accepted",
    "closed",
]


def table_of(months: list[Tally]) -> tuple[list[Tally], list[Figures]]:
    """The tallies of a table's rows (the months and, last, the whole period) and its figures."""
    whole = Tally()
    for month in months:
        whole.add(month)
    figures = table_figures(
        [*(CountedRow(month, 1) for month in months), CountedRow(whole, len(months))], population=5000
    )
    return [*months, whole], figures


def another_table_for_each_hidden_count(
    rows: list[dict[str, tuple[small_counts.Shown, int]]], names: list[str]
) -> dict[tuple[int, str], dict[tuple[int, str], Fraction]]:
    """For every hidden count among ``names``: the values of another table that shows the same
    (every shown count as it is, every line still adding up) and differs in that count, or no entry
    when the lines and the shown counts leave it only one value. Brute force over the whole table,
    with fractions: the hidden counts are the unknowns of the lines (parts minus total is 0); the
    solutions of the lines with the shown counts at 0 (the null space) say how the hidden counts can
    move together."""
    lines = [[(at, name) for name in line] for at in range(len(rows)) for line in ROW_LINES if set(line) <= set(names)]
    lines += [[(at, name) for at in range(len(rows))] for name in names]
    unknowns = [(at, name) for at, row in enumerate(rows) for name in names if row[name][0].hidden]
    matrix = [
        [
            Fraction(sum((-1 if place == len(line) - 1 else 1) for place, c in enumerate(line) if c == cell))
            for cell in unknowns
        ]
        for line in lines
    ]
    # Gauss-Jordan elimination of the whole matrix, then a basis of its null space from the free columns.
    pivots: list[int] = []
    for column in range(len(unknowns)):
        below = [r for r in range(len(pivots), len(matrix)) if matrix[r][column]]
        if not below:
            continue
        top = len(pivots)
        matrix[top], matrix[below[0]] = matrix[below[0]], matrix[top]
        matrix[top] = [value / matrix[top][column] for value in matrix[top]]
        for r in range(len(matrix)):
            if r != top and matrix[r][column]:
                factor = matrix[r][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[top], strict=True)]
        pivots.append(column)
    moves = []
    for free in (column for column in range(len(unknowns)) if column not in pivots):
        move = [Fraction(0)] * len(unknowns)
        move[free] = Fraction(1)
        for r, pivot in enumerate(pivots):
            move[pivot] = -matrix[r][free]
        moves.append(move)
    others = {}
    for index, cell in enumerate(unknowns):
        move = next((move for move in moves if move[index]), None)
        if move is None:
            continue
        values = {(at, name): Fraction(row[name][1]) for at, row in enumerate(rows) for name in names}
        for other, step in zip(unknowns, move, strict=True):
            values[other] += step
        # The other table reads the same: its lines add up, and only hidden counts changed.
        for line in lines:
            assert sum(values[c] for c in line[:-1]) == values[line[-1]], line
        assert all(
            values[(at, name)] == row[name][1]
            for at, row in enumerate(rows)
            for name in names
            if not row[name][0].hidden
        )
        others[cell] = values
    return others


def test_sums_across_the_months_do_not_give_a_hidden_way_of_contact_away():
    """Nine ways of contact below 10 in a table of four months; no line holds exactly one of them, and
    yet with only those hidden the months' totals and the whole period's give February's text
    messages: January's hidden ones add up to 7, February's to 13, the letters to 8 and the phone
    calls to 6, so February's texts are 7 + 13 - 8 - 6 = 6. January's 20 texts hide as well: the
    smallest shown count of the lines through February's texts, and of the 20s the first in its line
    (January's texts head their column)."""
    attempts = [[3, 4, 20, 20, 20], [5, 2, 6, 20, 20], [20, 20, 7, 8, 20], [20, 20, 4, 5, 20]]
    months = [
        Tally(
            attempts=Counter(dict(zip(CHANNELS, month, strict=True))),
            attempts_reached=Counter({way: 1 if n < 10 else 10 for way, n in zip(CHANNELS, month, strict=True)}),
        )
        for month in attempts
    ]
    tallies_of_rows, figures = table_of(months)
    rows = [counts_shown(row, drawn) for row, drawn in zip(figures, tallies_of_rows, strict=True)]

    hidden = [[way for way in CHANNELS if row[f"attempts {way}"][0].hidden] for row in rows]
    assert hidden == [
        ["letter", "phone", "text"],  # the 20 texts: without them, February's 6 texts follow
        ["letter", "phone", "text"],
        ["text", "email"],
        ["text", "email"],
        [],
    ]
    assert all(
        row[f"attempts reached {way}"][0].hidden
        for row, ways_hidden in zip(rows, hidden, strict=True)
        for way in ways_hidden
    )
    hidden_cells = {(at, name) for at, row in enumerate(rows) for name in WAYS_AND_OUTCOMES if row[name][0].hidden}
    assert set(another_table_for_each_hidden_count(rows, WAYS_AND_OUTCOMES)) == hidden_cells


SMALL_OR_NOT = st.one_of(st.integers(0, 9), st.integers(10, 30))


@st.composite
def ways_and_outcomes(draw: st.DrawFn) -> Tally:
    """A month of attempts per way of contact and cases closed per outcome, many of them small; the
    monitor's other counts are 0 (they share no line with these)."""
    attempts = Counter({way: draw(SMALL_OR_NOT) for way in CHANNELS})
    return Tally(
        attempts=attempts,
        attempts_reached=Counter({way: draw(st.integers(0, n)) for way, n in attempts.items()}),
        outcomes=Counter({outcome: draw(SMALL_OR_NOT) for outcome in TEAM_OUTCOMES}),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(ways_and_outcomes(), min_size=2, max_size=4))
def test_no_hidden_count_follows_from_the_sums_a_table_shows(months: list[Tally]):
    tallies_of_rows, figures = table_of(months)
    rows = [counts_shown(row, drawn) for row, drawn in zip(figures, tallies_of_rows, strict=True)]

    hidden = {(at, name) for at, row in enumerate(rows) for name in WAYS_AND_OUTCOMES if row[name][0].hidden}
    assert set(another_table_for_each_hidden_count(rows, WAYS_AND_OUTCOMES)) == hidden
