"""Feedback to creditors in the workspace, through HTTP: the early-signalling officer of a municipality
sees the creditors it has an agreement with and downloads, per creditor and period, the feedback on
their signals as CSV. Nobody else gets in; no municipality sees another's creditors or signals."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import log_in, staff
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from meedoen.core.access import Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals.feedback import CSV_COLUMNS, PURPOSE
from meedoen.early_signals.models import CreditorAgreement, Signal
from meedoen.early_signals.services import attempt_record, case_close
from meedoen.early_signals.tests.factories import SYSTEM, deliver_rows, make_creditor, signal_row
from meedoen.organisations.models import Organisation

pytestmark = pytest.mark.django_db
TODAY = datetime(2026, 3, 20, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
OVERVIEW = reverse("workspace:early-signals-feedback")
NOT_LOGGED_IN = ("anonymous", "resident", "second_resident", "no_second_factor")
OTHER_STAFF = (
    "ww_policy",
    "ww_caseworker",
    "ww_offer_maintainer",
    "ww_application_manager",
    "ww_auditor",
    "ms_auditor",
    "ms_application_manager",
    "no_role",
    "ww_signal_deliverer",
)


def download_url(slug: str) -> str:
    return reverse("workspace:early-signals-feedback-csv", args=[slug])


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


@pytest.fixture
def creditors(world):
    """Two creditors for Waalwijk (one of them also for Meerssen), one for Meerssen only, one ended."""
    return {
        "housing": make_creditor(
            "Woonstichting Langstraat", Organisation.Kind.HOUSING_CORPORATION, agreements=[world.waalwijk]
        ),
        "energy": make_creditor(
            "Energie Verzonnen", Organisation.Kind.ENERGY_SUPPLIER, agreements=[world.waalwijk, world.meerssen]
        ),
        "water": make_creditor("Waterbedrijf Denkbeeld", Organisation.Kind.WATER_COMPANY, agreements=[world.meerssen]),
        "insurer": make_creditor(
            "Zorgverzekeraar <b>Fictief</b>",
            Organisation.Kind.HEALTH_INSURER,
            agreements=[world.waalwijk],
            slug="zorgverzekeraar-fictief",
        ),
    }


def household(number: int, **fields):
    own = {
        "creditor_reference": f"REF-{number:03d}",
        "surname": f"Verzonnen{chr(ord('a') + number)}",
        "house_number": str(100 + number),
    }
    return signal_row(**(own | fields))


def in_meerssen(number: int, **fields):
    return household(number, municipality="GM0938", postcode="6231 AB", city="Meerssen", **fields)


def close(reference: str, outcome: str, creditor) -> None:
    case = Signal.objects.get(creditor=creditor, creditor_reference=reference).case
    organisation = case.municipality.organisations.first()
    attempt_record(
        actor=SYSTEM, case=case, organisation=organisation, channel="letter", attempted_at=TODAY, reached=True
    )
    case_close(actor=SYSTEM, case=case, organisation=organisation, outcome=outcome)


@pytest.fixture
def signals(creditors):
    deliver_rows(creditors["housing"], household(1), household(2), household(3, creditor_reference="=1+1"))
    close("REF-002", "referred_debt_help", creditors["housing"])
    deliver_rows(
        creditors["energy"], household(4, creditor_reference="EN-004"), in_meerssen(5, creditor_reference="EN-005")
    )
    deliver_rows(creditors["water"], in_meerssen(6, creditor_reference="WA-006"))
    CreditorAgreement.objects.filter(organisation=creditors["insurer"]).update(active=False)


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    # For a spreadsheet with Dutch settings: UTF-8 with a byte order mark, cells separated by ";"
    # (the API's CSV stays comma-separated without one, as the format documents).
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))


# --- who gets in ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", NOT_LOGGED_IN)
def test_without_a_staff_login_the_pages_send_to_the_login(client_en, persona, creditors, signals):
    for url in (OVERVIEW, download_url(creditors["housing"].slug)):
        response = client_en(persona).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", OTHER_STAFF)
def test_staff_without_the_early_signalling_role_are_refused_and_nothing_is_recorded(
    client_en, persona, creditors, signals
):
    events = AuditEvent.objects.count()

    for url in (OVERVIEW, download_url(creditors["housing"].slug), f"{download_url('x')}?van=nonsense"):
        response = client_en(persona).get(url)
        assert response.status_code == 403, url
        assert b"REF-" not in response.content

    assert AuditEvent.objects.count() == events


# --- the overview -----------------------------------------------------------------------------------------------------


def test_the_officer_sees_the_creditors_of_the_own_municipality_with_counts(client_en, creditors, signals):
    response = client_en("ww_early_signals").get(OVERVIEW)

    assert response.status_code == 200
    shown = {(c.name, c.active, c.signals, c.open, c.closed) for c in response.context["creditors"]}
    assert shown == {
        ("Woonstichting Langstraat", True, 3, 2, 1),
        ("Energie Verzonnen", True, 1, 1, 0),
        ("Zorgverzekeraar <b>Fictief</b>", False, 0, 0, 0),
    }
    page = response.content.decode()
    assert "Waterbedrijf Denkbeeld" not in page
    assert "Zorgverzekeraar &lt;b&gt;Fictief&lt;/b&gt;" in page
    assert "<b>Fictief</b>" not in page
    assert download_url(creditors["housing"].slug) in page


def test_the_officer_of_another_municipality_sees_its_own_creditors_only(world, creditors, signals):
    officer = staff("ms-vroeg", world.ms_team, world.meerssen, Role.EARLY_SIGNALS_OFFICER)
    client = log_in(Client(), officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(OVERVIEW)

    assert {c.name for c in response.context["creditors"]} == {"Energie Verzonnen", "Waterbedrijf Denkbeeld"}
    assert client.get(download_url(creditors["housing"].slug)).status_code == 404
    rows = rows_of(client.get(download_url(creditors["energy"].slug)))
    assert [row[0] for row in rows[1:]] == ["EN-005"]


# --- the download -----------------------------------------------------------------------------------------------------


def test_the_download_holds_the_feedback_on_the_creditors_signals_in_the_municipality(client_en, creditors, signals):
    response = client_en("ww_early_signals").get(download_url(creditors["housing"].slug))

    assert response["Content-Disposition"] == (
        'attachment; filename="terugkoppeling-woonstichting-langstraat-GM0867-2026-03-20.csv"'
    )
    rows = rows_of(response)
    assert rows[0] == list(CSV_COLUMNS)
    assert sorted(rows[1:]) == [
        ["'=1+1", "GM0867", "received", "unknown", "", "2026-03-20T09:00:00+00:00", "", ""],
        ["REF-001", "GM0867", "received", "unknown", "", "2026-03-20T09:00:00+00:00", "", ""],
        ["REF-002", "GM0867", "closed", "yes", "2026-03-20", "2026-03-20T09:00:00+00:00", "", ""],
    ]


def test_the_download_of_a_creditor_for_two_municipalities_holds_only_this_ones(client_en, creditors, signals):
    rows = rows_of(client_en("ww_early_signals").get(download_url(creditors["energy"].slug)))

    assert [row[0] for row in rows[1:]] == ["EN-004"]


def test_the_period_selects_by_the_day_the_feedback_changed(client_en, creditors, signals):
    url = download_url(creditors["housing"].slug)
    with time_machine.travel(TODAY + timedelta(days=5), tick=False):
        close("REF-001", "declined", creditors["housing"])
        client = client_en("ww_early_signals")
        later = rows_of(client.get(url, {"van": "2026-03-21", "tot": "2026-03-31"}))
        first_day = rows_of(client.get(url, {"van": "2026-03-20", "tot": "2026-03-20"}))
        everything = rows_of(client.get(url, {"van": "", "tot": ""}))

    assert later[1:] == [["REF-001", "GM0867", "closed", "no", "2026-03-25", "2026-03-25T09:00:00+00:00", "", ""]]
    assert sorted(row[0] for row in first_day[1:]) == ["'=1+1", "REF-002"]
    assert len(everything) == 4


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"van": "2026-03-19", "tot": "2026-03-01"}, "The first day comes after the last day; swap them."),
        ({"van": "20-03-2026"}, "Enter a valid date."),
        ({"tot": "<script>alert(1)</script>"}, "Enter a valid date."),
        ({"van": "2026-02-30"}, "Enter a valid date."),
        ({"van": "0001-01-01"}, "Ensure this value is greater than or equal to 2000-01-01."),
        ({"tot": "9999-12-31"}, "Ensure this value is less than or equal to 2100-12-31."),
        ({"van": "2026-03-21"}, "The first day is after today; nothing can have changed since then."),
    ],
)
def test_a_period_that_cannot_be_used_is_refused_with_the_reason(client_en, creditors, signals, query, message):
    events = AuditEvent.objects.count()

    response = client_en("ww_early_signals").get(download_url(creditors["housing"].slug), query)

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    # Beside the field it is about, which points at it, as well as in the summary at the top.
    field = "tot" if set(query) == {"tot"} else "van"
    slug = creditors["housing"].slug
    assert f'id="{field}-{slug}-error">{escape(message)}</span>' in page
    assert f'aria-invalid="true" aria-describedby="{field}-{slug}-error"' in page
    assert "<script>alert(1)</script>" not in page
    assert AuditEvent.objects.count() == events


def test_a_creditor_without_an_agreement_here_is_not_found(client_en, creditors, signals):
    client = client_en("ww_early_signals")

    assert client.get(download_url(creditors["water"].slug)).status_code == 404
    assert client.get(download_url("no-such-creditor")).status_code == 404


def test_an_ended_agreement_still_gives_the_municipality_its_feedback(client_en, creditors, signals, world):
    CreditorAgreement.objects.filter(organisation=creditors["housing"]).update(active=False)

    rows = rows_of(client_en("ww_early_signals").get(download_url(creditors["housing"].slug)))

    assert len(rows) == 4


def test_every_download_is_audited_with_a_read_per_household(client_en, creditors, signals, world, personas):
    client_en("ww_early_signals").get(download_url(creditors["housing"].slug))

    call = AuditEvent.objects.get(action="early_signals.feedback.read")
    assert call.actor_id == personas["ww_early_signals"].pk
    assert call.details == {
        "creditor": creditors["housing"].slug,
        "via": "workspace",
        "items": 3,
        "removed": 0,
        "withdrawn": 0,
    }
    reads = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ)
    households = set(Signal.objects.filter(creditor=creditors["housing"]).values_list("case__household_ref", flat=True))
    assert {read.subject_ref for read in reads} == households
    assert {(read.reason, read.organisation_id, read.municipality_id) for read in reads} == {
        (PURPOSE, world.ww_team.pk, world.waalwijk.pk)
    }
