"""The first offer is due within the regular term (4 weeks unless the municipality says otherwise),
or within 3 working days when the situation threatens; Dutch public holidays are no working days.
The municipality's thresholds decide which arrears it takes up."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine

from meedoen.core.access import Actor
from meedoen.early_signals.deadlines import add_working_days, first_offer_due, is_working_day
from meedoen.early_signals.models import Case, Signal
from meedoen.early_signals.services import municipality_settings_update, threshold_set
from meedoen.early_signals.tests.conftest import AMSTERDAM
from meedoen.early_signals.tests.factories import deliver_rows, problems_of, signal_row
from meedoen.organisations.models import Organisation

SYSTEM = Actor.system("test")
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 4, 27), False),  # King's Day, a Monday
        (date(2025, 4, 26), False),  # King's Day on a Saturday
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 5, 14), False),  # Ascension Day
        (date(2026, 5, 25), False),  # Whit Monday
        (date(2026, 12, 25), False),  # Christmas Day
        (date(2026, 12, 28), True),  # the Monday after Christmas
        (date(2025, 5, 5), False),  # Liberation Day, a lustrum year
        (date(2026, 5, 5), True),  # Liberation Day, no day off in other years
        (date(2026, 3, 21), False),  # a Saturday
        (date(2026, 3, 23), True),
    ],
)
def test_working_days_know_the_dutch_public_holidays(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("received", "due", "around"),
    [
        (date(2026, 4, 24), date(2026, 4, 30), "King's Day on Monday 27 April"),
        (date(2026, 4, 2), date(2026, 4, 9), "Good Friday and Easter Monday"),
        (date(2026, 12, 24), date(2026, 12, 30), "Christmas on Friday and Saturday"),
        (date(2025, 12, 24), date(2025, 12, 31), "Christmas on Thursday and Friday"),
        (date(2026, 3, 21), date(2026, 3, 25), "a signal received on a Saturday"),
        (date(2026, 3, 18), date(2026, 3, 23), "an ordinary week"),
    ],
)
def test_a_threatening_signal_is_due_within_three_working_days(received, due, around):
    assert add_working_days(received, 3) == due, around
    assert (
        first_offer_due(received_on=received, threatening=True, regular_term_days=28, urgent_term_working_days=3) == due
    )


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 3, 20), date(2026, 4, 17)),  # four weeks
        (date(2026, 11, 27), date(2026, 12, 28)),  # four weeks end on Christmas Day: the next working day
        (date(2026, 3, 30), date(2026, 4, 28)),  # four weeks end on King's Day (Monday 27 April)
        (date(2026, 3, 21), date(2026, 4, 20)),  # received on a Saturday, term ends on a Saturday
    ],
)
def test_a_regular_signal_is_due_within_four_weeks_ending_on_a_working_day(received, due):
    assert (
        first_offer_due(received_on=received, threatening=False, regular_term_days=28, urgent_term_working_days=3)
        == due
    )


# --- through a delivery, with frozen time ------------------------------------------------------------------


def due_of_delivery(creditor, moment: datetime, **fields) -> date:
    with time_machine.travel(moment, tick=False):
        answer = deliver_rows(creditor, signal_row(**fields))
    assert answer.receipt.accepted == 1, problems_of(answer)
    return Case.objects.get(signals__creditor_reference=fields.get("creditor_reference", "WS-0001")).first_offer_due


def test_an_eviction_signal_received_before_kings_day_is_due_after_it(creditors):
    friday = datetime(2026, 4, 24, 16, 0, tzinfo=AMSTERDAM)

    assert due_of_delivery(creditors.housing, friday, signal_kind="threat", signal_date="2026-04-24") == date(
        2026, 4, 30
    )


def test_an_end_of_supply_signal_received_before_easter_is_due_after_easter_monday(creditors):
    maundy_thursday = datetime(2026, 4, 2, 9, 0, tzinfo=AMSTERDAM)

    assert due_of_delivery(
        creditors.energy, maundy_thursday, signal_kind="end_of_supply", signal_date="2026-04-01"
    ) == date(2026, 4, 9)


def test_a_regular_signal_whose_term_ends_on_christmas_is_due_the_next_working_day(creditors):
    moment = datetime(2026, 11, 27, 11, 0, tzinfo=AMSTERDAM)

    assert due_of_delivery(creditors.housing, moment, signal_date="2026-11-26") == date(2026, 12, 28)


def test_the_day_of_receipt_is_the_day_in_amsterdam(creditors):
    # 00:30 on Saturday in Amsterdam is still Friday in UTC: the signal was received on Saturday.
    saturday_night = datetime(2026, 3, 21, 0, 30, tzinfo=AMSTERDAM)

    assert due_of_delivery(creditors.housing, saturday_night, signal_kind="threat") == date(2026, 3, 25)
    assert Signal.objects.get().received_at.astimezone(AMSTERDAM).date() == date(2026, 3, 21)


def test_a_municipality_sets_its_own_terms(creditors, world):
    municipality_settings_update(
        actor=SYSTEM, municipality=world.waalwijk, regular_term_days=14, urgent_term_working_days=2
    )

    # Two weeks end on Good Friday; Easter Monday follows: the Tuesday after.
    assert due_of_delivery(creditors.housing, datetime(2026, 3, 20, 10, 0, tzinfo=AMSTERDAM)) == date(2026, 4, 7)
    assert due_of_delivery(
        creditors.energy,
        datetime(2026, 3, 20, 10, 0, tzinfo=AMSTERDAM),
        creditor_reference="EV-1",
        signal_kind="threat",
        postcode="5142 ZY",
    ) == date(2026, 3, 24)


# --- thresholds --------------------------------------------------------------------------------------------


def test_arrears_below_the_municipalitys_threshold_for_the_kind_of_creditor_are_refused(creditors, world):
    threshold_set(
        actor=SYSTEM,
        municipality=world.waalwijk,
        creditor_kind=Organisation.Kind.ENERGY_SUPPLIER,
        minimum_amount=Decimal("150.00"),
        minimum_months_in_arrears=2,
    )

    answer = deliver_rows(
        creditors.energy,
        signal_row(creditor_reference="EV-1", arrears_amount="149.99", months_in_arrears="1"),
        signal_row(creditor_reference="EV-2", arrears_amount="150.00", months_in_arrears="2", postcode="5142 ZY"),
        signal_row(creditor_reference="EV-3", arrears_amount="20.00", signal_kind="end_of_supply", postcode="5143 ZX"),
    )

    assert problems_of(answer) == [
        (
            "error",
            2,
            "arrears_amount",
            "Below the minimum of € 150.00 that Waalwijk takes up from creditors of this kind (energy supplier).",
        ),
        (
            "error",
            2,
            "months_in_arrears",
            "Fewer than the 2 months in arrears that Waalwijk takes up from creditors of this kind (energy supplier).",
        ),
    ]
    assert [row.outcome for row in answer.rows] == ["refused", "accepted", "accepted"]
    # The housing corporation is another kind of creditor: the threshold does not apply to it.
    assert deliver_rows(creditors.housing, signal_row(arrears_amount="10.00")).receipt.accepted == 1
