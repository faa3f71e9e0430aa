"""What Meedoen stores of the HSDS lists it reads only in part (phones, languages, cost options,
addresses, accessibility, schedules): one rule for the import, which stores it, and for the export,
which gives an imported list back only while it still says what Meedoen stores.

Pure functions on JSON-like data; nothing here queries or writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

WEEKDAYS = {"MO": 1, "TU": 2, "WE": 3, "TH": 4, "FR": 5, "SA": 6, "SU": 7}
# Schedule fields that make a weekly rule hold on some weeks only.
SCHEDULE_RESTRICTIONS = ("byweekno", "bymonthday", "byyearday", "count", "until")
# Opening hours keep this much of a schedule's notes (OpeningHours.notes).
NOTES_LENGTH = 200
_LOCAL_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])(:([0-5][0-9])(\.[0-9]+)?)?$")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _objects(value: Any) -> list[Mapping[str, Any]]:
    return [entry for entry in as_list(value) if isinstance(entry, Mapping)]


# --- phones ------------------------------------------------------------------------------------------


def is_whatsapp(phone: Any) -> bool:
    if not isinstance(phone, Mapping):
        return False
    said = f"{phone.get('description', '')} {phone.get('number', '')}".casefold()
    return phone.get("type") == "text" and "whatsapp" in said


def first_phone(phones: Any) -> tuple[int, str]:
    """The first phone that is not a WhatsApp number: (its index, its number); (0, "") without one."""
    for index, phone in enumerate(as_list(phones)):
        if isinstance(phone, Mapping) and not is_whatsapp(phone):
            return index, str(phone.get("number", ""))
    return 0, ""


def whatsapp_phone(phones: Any) -> tuple[int, str]:
    """The first WhatsApp number: (its index, its number); (0, "") without one."""
    for index, phone in enumerate(as_list(phones)):
        if is_whatsapp(phone):
            return index, str(phone.get("number", ""))
    return 0, ""


# --- languages and costs -------------------------------------------------------------------------------


def language_codes(languages: Any) -> list[str]:
    """ISO 639 codes, lower case, without region ("en-GB" -> "en"); the full objects stay HSDS data."""
    codes: dict[str, None] = {}
    for language in _objects(languages):
        code = str(language.get("code", "")).strip().lower().split("-")[0]
        if code:
            codes.setdefault(code, None)
    return list(codes)


def says_free(cost_options: Any) -> bool | None:
    """Whether the cost options say the service is free (no amount above 0); None when they name no
    amount at all."""
    amounts = [
        option["amount"]
        for option in _objects(cost_options)
        if isinstance(option.get("amount"), int | float) and not isinstance(option.get("amount"), bool)
    ]
    if not amounts:
        return None
    return all(amount <= 0 for amount in amounts)


# --- places ----------------------------------------------------------------------------------------------


def chosen_address(addresses: Any) -> int | None:
    """The index of the address Meedoen keeps: the first physical one, else the first; None if there
    are none."""
    entries = as_list(addresses)
    if not entries:
        return None
    return next((i for i, a in enumerate(entries) if isinstance(a, Mapping) and a.get("address_type") == "physical"), 0)


def accessibility_text(accessibility: Any) -> str:
    """Every accessibility entry as a line: its description, then its details."""
    return "\n".join(
        " ".join(str(part) for part in (entry.get("description"), entry.get("details")) if part)
        for entry in _objects(accessibility)
    ).strip()


# --- schedules ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyHours:
    """Opening hours on one weekday, read from a schedule that holds every week."""

    weekday: int
    opens_at: time
    closes_at: time
    notes: str
    schedule_id: str
    day: str  # the byday code: "MO"
    only_day: bool  # the schedule names this day alone

    @property
    def key(self) -> tuple[int, time, time, str]:
        return (self.weekday, self.opens_at, self.closes_at, self.notes)


def local_time(text: Any) -> time | None:
    """A time of day without a zone; None for anything else (a zone makes it HSDS data only)."""
    if not isinstance(text, str) or not _LOCAL_TIME.match(text):
        return None
    return time.fromisoformat(text[:8] if len(text) >= 8 else text)


def schedule_days(schedule: Mapping[str, Any]) -> list[str]:
    """The byday codes of a schedule as written, upper case: ["MO", "WE"]."""
    return [day.strip().upper() for day in str(schedule.get("byday") or "").split(",")]


def weekly_times(schedule: Mapping[str, Any]) -> tuple[time, time] | None:
    """Opening and closing time of a schedule that holds on its days of every week, in local time;
    None for any other schedule (those stay HSDS data only)."""
    if schedule.get("freq") != "WEEKLY" or not schedule.get("byday"):
        return None
    opens, closes = local_time(schedule.get("opens_at")), local_time(schedule.get("closes_at"))
    if opens is None or closes is None or schedule.get("interval", 1) != 1:
        return None
    if any(schedule.get(name) not in (None, "") for name in SCHEDULE_RESTRICTIONS):
        return None
    return opens, closes


def weekly_hours(schedules: Any) -> list[WeeklyHours]:
    """The opening hours Meedoen keeps of ``schedules``: one per weekday and time, the first schedule
    naming it winning, in the order of the week."""
    found: dict[tuple[int, time, time], WeeklyHours] = {}
    for schedule in _objects(schedules):
        times = weekly_times(schedule)
        days = schedule_days(schedule)
        if times is None or any(day not in WEEKDAYS for day in days) or times[0] >= times[1]:
            continue
        opens, closes = times
        notes = str(schedule.get("notes", ""))[:NOTES_LENGTH]
        for day in dict.fromkeys(days):
            found.setdefault(
                (WEEKDAYS[day], opens, closes),
                WeeklyHours(
                    weekday=WEEKDAYS[day],
                    opens_at=opens,
                    closes_at=closes,
                    notes=notes,
                    schedule_id=str(schedule.get("id", "")),
                    day=day,
                    only_day=len(days) == 1,
                ),
            )
    return sorted(found.values(), key=lambda hours: (hours.weekday, hours.opens_at))
