"""The early-signalling monitor in the workspace, through HTTP: who may read it (the team and the
policy officers of the municipality, nobody else), the month range and district filter, the tables
with counts below 10 hidden, and the CSV of the same figures, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import log_in, staff
from django.conf import settings
from django.test import Client
from django.urls import reverse

from meedoen.areas.models import Area, PostcodeArea
from meedoen.core.access import Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals.tests.factories import deliver_rows, make_creditor, signal_row
from meedoen.organisations.models import Organisation

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TODAY = datetime(2026, 3, 20, 10, 0, tzinfo=AMSTERDAM)
PAGE, CSV = "workspace:early-signals-monitor", "workspace:early-signals-monitor-csv"
LOGIN, OK, FORBIDDEN = "login", 200, 403
NOT_LOGGED_IN = ("anonymous", "resident", "second_resident", "no_second_factor")
READERS = ("ww_policy", "ww_early_signals")
REFUSED = (
    "no_role",
    "ww_caseworker",
    "ww_offer_maintainer",
    "ww_application_manager",
    "ww_auditor",
    "ms_auditor",
    "ms_application_manager",
    "ww_signal_deliverer",
)
SMALL = "< 10"  # a count below 10
HIDDEN = "not shown"  # a figure built on one, or that would give one away
HIDDEN_IN_CSV = "hidden"
DASH = "\N{EN DASH}"


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def client_en(client_as):
    """The pages are Dutch unless the visitor chose English; the tests read the source language."""

    def make(persona):
        client = client_as(persona)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def household(number: int, postcode: str, municipality: str = "GM0867", city: str = "Waalwijk") -> dict:
    return signal_row(
        municipality=municipality,
        creditor_reference=f"REF-{municipality}-{number}",
        house_number=str(number),
        postcode=postcode,
        city=city,
        reminder_date="2025-12-01",
        signal_date="2025-12-15",
    )


@pytest.fixture
def signals(world):
    """January: 12 households in district 00 and 3 in district 01 of Waalwijk; February: 4 in district
    00. Meerssen: 11 households in January."""
    town = Area.objects.get(code="GM0867")
    PostcodeArea.objects.create(municipality=town, prefix="5141", area=Area.objects.get(code="WK086700"))
    PostcodeArea.objects.create(municipality=town, prefix="5142", area=Area.objects.get(code="WK086701"))
    housing = make_creditor(
        "Woonstichting Langstraat",
        Organisation.Kind.HOUSING_CORPORATION,
        agreements=[world.waalwijk, world.meerssen],
    )
    with time_machine.travel(datetime(2026, 1, 12, 10, 0, tzinfo=AMSTERDAM), tick=False):
        deliver_rows(
            housing,
            *(household(n, "5141 AB") for n in range(1, 13)),
            *(household(n, "5142 CD") for n in range(13, 16)),
            *(household(n, "6241 ZT", "GM0938", "Bunde") for n in range(1, 12)),
        )
    with time_machine.travel(datetime(2026, 2, 10, 10, 0, tzinfo=AMSTERDAM), tick=False):
        deliver_rows(housing, *(household(n, "5141 AB") for n in range(16, 20)))


def cells(page: str, table: str, row: str) -> list[str]:
    """The cells of the row headed ``row`` in the table ``table``, as the page shows them."""
    section = page.split(f'id="{table}-caption"', 1)[1].split("</table>", 1)[0]
    found = re.search(rf'scope="row">(?:<strong>)?{re.escape(row)}(?:</strong>)?</th>(.*?)</tr>', section, re.S)
    assert found is not None, row
    return [html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1))]


def expected(persona: str, page: str) -> int | str:
    if persona in NOT_LOGGED_IN:
        return LOGIN
    return OK if persona in READERS else FORBIDDEN


@pytest.mark.parametrize("page", [PAGE, CSV])
@pytest.mark.parametrize("persona", [*NOT_LOGGED_IN, *READERS, *REFUSED])
def test_who_may_read_the_monitor(client_as, page, persona):
    events = AuditEvent.objects.count()

    response = client_as(persona).get(reverse(page))

    outcome = expected(persona, page)
    if outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == outcome
    assert AuditEvent.objects.count() == events  # aggregate figures: no read of personal data


def test_the_page_shows_the_last_twelve_months_of_the_whole_municipality(client_en, signals):
    page = client_en("ww_early_signals").get(reverse(PAGE)).content.decode()

    assert f"All of Waalwijk, April 2025 {DASH} March 2026" in page
    assert "Residents (CBS): 20,000." in page
    assert page.count("<caption") == 9
    assert "Whole period" in page
    # January: 15 signals among 20,000 residents; February: 4, hidden.
    assert cells(page, "signals", "January 2026") == ["15", "0.75"]
    assert cells(page, "signals", "February 2026") == [SMALL, HIDDEN]
    assert cells(page, "signals", "April 2025") == [SMALL, HIDDEN]
    assert "?van=2025-04&amp;tot=2026-03" in page


def test_the_district_filter_and_month_range(client_en, signals):
    page = client_en("ww_policy").get(reverse(PAGE), {"van": "2026-01", "tot": "2026-02", "wijk": "WK086700"})
    text = page.content.decode()

    assert page.status_code == 200
    assert f"Wijk 00 (WK086700), January 2026 {DASH} February 2026" in text
    assert "Residents (CBS): 5,000." in text
    assert "December 2025" not in text
    # 16 signals among 5,000 residents in two months, 4 of them in February: January's 12 hides too,
    # or February's would be 16 - 12.
    assert cells(text, "signals", "Whole period") == ["16", "1.60"]
    assert cells(text, "signals", "February 2026") == [SMALL, HIDDEN]
    assert cells(text, "signals", "January 2026") == [HIDDEN, HIDDEN]


def test_the_cases_whose_district_is_not_known_have_their_own_choice(client_en, signals):
    page = client_en("ww_policy").get(reverse(PAGE), {"wijk": "-"}).content.decode()

    assert f"District unknown, April 2025 {DASH} March 2026" in page
    assert "No residents to count signals per 1,000 against." in page


@pytest.mark.parametrize(
    "query, message",
    [
        ({"van": "2026-13"}, "Give a month as year and month, such as 2026-01."),
        ({"van": "januari"}, "Give a month as year and month, such as 2026-01."),
        ({"tot": "2026-04"}, "Choose this month or an earlier one."),
        ({"van": "2026-03", "tot": "2026-01"}, "The first month lies after the last."),
        ({"van": "2020-01", "tot": "2026-03"}, "Choose at most 36 months."),
        ({"wijk": "WK093800"}, "Select a valid choice."),
    ],
)
def test_a_filter_that_cannot_be_shown_says_why(client_en, signals, query, message):
    response = client_en("ww_policy").get(reverse(PAGE), query)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<caption" not in response.content.decode()
    assert client_en("ww_policy").get(reverse(CSV), query).status_code == 400


def test_staff_see_only_their_own_municipality(client_en, signals, world):
    officer = staff("ms-vroeg", world.ms_team, world.meerssen, Role.EARLY_SIGNALS_OFFICER)
    client = log_in(Client(), officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(reverse(PAGE)).content.decode()
    export = export_text(client.get(reverse(CSV)))

    assert "All of Meerssen" in page and "Waalwijk" not in page.split("</header>")[-1]
    # Meerssen's 11 January signals, nothing of Waalwijk's 15.
    assert "\r\nGM0938;Meerssen;2026-01;signals;;11\r\n" in export
    assert "GM0867" not in export and "WK0867" not in export
    assert client.get(reverse(PAGE), {"wijk": "WK086700"}).status_code == 400


def export_text(response) -> str:
    """The download as Excel with Dutch settings reads it: UTF-8 after the byte order mark."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    return response.content.decode("utf-8-sig")


def csv_rows(client, **query) -> list[dict[str, str]]:
    text = export_text(client.get(reverse(CSV), query))
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def value(rows, area: str, month: str, measure: str, group: str = "") -> str:
    found = [
        r["value"]
        for r in rows
        if (r["area_code"], r["month"], r["measure"], r["group"]) == (area, month, measure, group)
    ]
    assert len(found) == 1, (area, month, measure, group)
    return found[0]


def test_the_csv_holds_the_same_figures_for_every_area(client_en, signals):
    rows = csv_rows(client_en("ww_early_signals"), van="2026-01", tot="2026-03")

    assert list(rows[0]) == ["area_code", "area", "month", "measure", "group", "value"]
    assert {r["area_code"] for r in rows} == {"GM0867", "WK086700", "WK086701", "WK086702", ""}
    assert {r["month"] for r in rows} == {"2026-01", "2026-02", "2026-03", "2026-01/2026-03"}
    assert value(rows, "GM0867", "2026-01", "signals") == "15"
    # A decimal comma: a number to a spreadsheet with Dutch settings (it reads "0.75" otherwise).
    assert value(rows, "GM0867", "2026-01", "signals_per_1000") == "0,75"
    assert value(rows, "WK086700", "2026-01", "signals") == "12"
    assert value(rows, "WK086700", "2026-01", "signals_per_1000") == "2,40"
    assert value(rows, "WK086701", "2026-01", "signals") == SMALL
    assert value(rows, "WK086700", "2026-02", "signals_per_1000") == HIDDEN_IN_CSV
    assert value(rows, "GM0867", "2026-01/2026-03", "signals") == "19"
    assert value(rows, "GM0867", "2026-01", "cases_opened") == "15"
    # 15 single cases, 0 multiple: the split would show the 0, so both hide, and read the same.
    assert value(rows, "GM0867", "2026-01", "cases_single") == HIDDEN_IN_CSV
    assert value(rows, "GM0867", "2026-01", "cases_multiple") == HIDDEN_IN_CSV
    assert value(rows, "GM0867", "2026-01", "attempts", "phone") == HIDDEN_IN_CSV
    assert value(rows, "", "2026-01", "signals") == SMALL  # district unknown: none


def test_without_residents_there_is_no_figure_per_1000(client_en, signals):
    Area.objects.filter(code="WK086700").update(population=None)

    rows = csv_rows(client_en("ww_policy"), van="2026-01", tot="2026-01")

    assert value(rows, "WK086700", "2026-01", "signals") == "12"
    assert value(rows, "WK086700", "2026-01", "signals_per_1000") == ""
    # Every figure once per area and month.
    keys = [(r["area_code"], r["month"], r["measure"], r["group"]) for r in rows]
    assert len(keys) == len(set(keys))


def test_the_csv_never_lets_a_spreadsheet_run_a_district_name(client_en, signals):
    Area.objects.filter(code="WK086700").update(name='=HYPERLINK("http://example.invalid","x")')
    Area.objects.filter(code="WK086701").update(name="<script>alert(1)</script>")

    export = export_text(client_en("ww_policy").get(reverse(CSV)))
    page = client_en("ww_policy").get(reverse(PAGE)).content.decode()

    assert "'=HYPERLINK" in export
    assert '\n"=HYPERLINK' not in export and ";=HYPERLINK" not in export and ';"=HYPERLINK' not in export
    names = {row["area_code"]: row["area"] for row in csv.DictReader(io.StringIO(export, newline=""), delimiter=";")}
    assert names["WK086700"] == '\'=HYPERLINK("http://example.invalid","x")'
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
