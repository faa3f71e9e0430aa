"""When the first offer of a conversation is due: within a term of calendar days for regular
arrears, within a few working days when the situation threatens (eviction, end of supply).

Working days are Monday to Friday except Dutch public holidays, as the ``holidays`` package lists
them for the Netherlands: New Year's Day, Good Friday, Easter Sunday and Monday, King's Day,
Liberation Day (every fifth year, 2025, 2030, ...), Ascension Day, Whit Sunday and Monday, and both
Christmas days. A regular term that ends on a day that is not a working day ends on the next
working day, as the Algemene termijnenwet does with legal terms.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _holidays_of(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays_of(day.year)


def add_working_days(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself does not count)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_day_on_or_after(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def first_offer_due(
    *, received_on: date, threatening: bool, regular_term_days: int, urgent_term_working_days: int
) -> date:
    """The last day on which the first offer must be made for a signal received on ``received_on``."""
    if threatening:
        return add_working_days(received_on, urgent_term_working_days)
    return working_day_on_or_after(received_on + timedelta(days=regular_term_days))
