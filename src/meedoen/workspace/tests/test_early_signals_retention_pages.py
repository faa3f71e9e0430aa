"""The retention terms on the early-signalling pages: the application manager sets the term after
help next to the retention term, and the team's trays say how many reached cases had no activity
for longer than the retention term, with a list of them. Refusals change nothing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import log_in
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from meedoen.compass.tests.factories import staff_actor
from meedoen.core.access import Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals import retention
from meedoen.early_signals.models import Case, MunicipalitySettings
from meedoen.early_signals.services import attempt_record, case_close, case_move, municipality_settings_update
from meedoen.early_signals.tests.factories import SYSTEM, deliver_rows, make_creditor, signal_row
from meedoen.organisations.models import Organisation
from meedoen.organisations.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Friday 20 March 2026, mid-morning: the cases come in and the household is reached.
TODAY = datetime(2026, 3, 20, 10, 0, tzinfo=AMSTERDAM)
TERM, AFTER_HELP = 30, 90
TRAYS = reverse("workspace:early_signals")
SETTINGS = reverse("workspace:early_signals_settings")
SAVE_TERMS = reverse("workspace:early-signals-settings-terms")


@pytest.fixture(autouse=True)
def _terms_of_the_installation(settings):
    settings.EARLY_SIGNALS_RETENTION_DAYS = TERM
    settings.EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS = AFTER_HELP


def client_for(user, language: str = "en") -> Client:
    client = log_in(Client(), user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


def on(days: int, hour: int = 10, minute: int = 0) -> time_machine.travel:
    day = TODAY + timedelta(days=days)
    return time_machine.travel(day.replace(hour=hour, minute=minute), tick=False)


# --- the term after help on the settings page ------------------------------------------------------------


def terms(**changes: str) -> dict[str, str]:
    return {
        "regular_term_days": "28",
        "urgent_term_working_days": "3",
        "retention_days": "",
        "retention_after_help_days": "",
        **changes,
    }


def stored_terms(municipality) -> tuple[object, ...] | None:
    return (
        MunicipalitySettings.objects.filter(municipality=municipality)
        .values_list("regular_term_days", "retention_days", "retention_after_help_days")
        .first()
    )


SETTINGS_ACTION = "early_signals.settings.update"


def term_events() -> int:
    return AuditEvent.objects.filter(action__startswith="early_signals.settings").count()


def test_the_manager_sets_the_term_after_help_next_to_the_retention_term(personas, world):
    client = client_for(personas["ww_application_manager"])
    page = client.get(SETTINGS).content.decode()
    assert 'name="retention_days"' in page
    assert 'name="retention_after_help_days"' in page
    # An empty field means the installation's term, and the page says which.
    assert "Leave empty for the term of the installation: 30 days." in page
    assert "Leave empty for the term of the installation: 90 days." in page

    response = client.post(SAVE_TERMS, terms(retention_days="365", retention_after_help_days="45"))

    assert response.status_code == 302
    assert stored_terms(world.waalwijk) == (28, 365, 45)
    event = AuditEvent.objects.get(action=SETTINGS_ACTION)
    assert (event.municipality_id, event.details) == (
        world.waalwijk.pk,
        {
            "regular_term_days": 28,
            "urgent_term_working_days": 3,
            "retention_days": 365,
            "retention_after_help_days": 45,
        },
    )
    assert 'value="45"' in client.get(SETTINGS).content.decode()

    # Emptied, the installation's term applies again.
    client.post(SAVE_TERMS, terms(retention_days="365"))
    assert stored_terms(world.waalwijk) == (28, 365, None)
    assert AuditEvent.objects.filter(action=SETTINGS_ACTION).latest("pk").details["retention_after_help_days"] is None


def test_the_term_after_help_applies_to_the_next_run(personas, world, creditors_of_waalwijk):
    case = reached_case(creditors_of_waalwijk, 1)
    with time_machine.travel(TODAY, tick=False):
        case_close(actor=SYSTEM, case=case, organisation=world.ww_team, outcome=Case.Outcome.QUICK_FIX)
    client_for(personas["ww_application_manager"]).post(SAVE_TERMS, terms(retention_after_help_days="10"))

    with on(10, 23, 59):
        retention.retention_run()
    assert Case.objects.get(pk=case.pk).erased_at is None
    with on(11):
        retention.retention_run()
    assert Case.objects.get(pk=case.pk).erased_at is not None


@pytest.mark.parametrize("value", ["0", "-1", "3651", "99999", "negentig", "4.5", "1e3"])
def test_a_term_after_help_that_is_no_number_of_days_is_refused_next_to_the_field(personas, world, value):
    client = client_for(personas["ww_application_manager"])
    client.post(SAVE_TERMS, terms(retention_after_help_days="45"))
    before = (stored_terms(world.waalwijk), term_events())

    response = client.post(SAVE_TERMS, terms(regular_term_days="21", retention_after_help_days=value))

    assert response.status_code == 400
    assert response.context["terms_form"].errors.get("retention_after_help_days")
    # Nothing is saved: not the term after help, nor the other terms sent with it.
    assert (stored_terms(world.waalwijk), term_events()) == before


@pytest.mark.parametrize("persona", ["ww_early_signals", "ww_policy", "ww_auditor", "no_role", "anonymous"])
def test_no_one_else_sets_the_term_after_help(personas, world, persona):
    response = client_for(personas[persona]).post(SAVE_TERMS, terms(retention_after_help_days="1"))

    assert response.status_code in (302, 403)
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))
    assert stored_terms(world.waalwijk) is None
    assert stored_terms(world.meerssen) is None
    assert term_events() == 0


def test_a_manager_sets_the_term_of_their_own_municipality_only(personas, world):
    response = client_for(personas["ms_application_manager"]).post(SAVE_TERMS, terms(retention_after_help_days="20"))

    assert response.status_code == 302
    assert stored_terms(world.meerssen) == (28, None, 20)
    assert stored_terms(world.waalwijk) is None
    assert AuditEvent.objects.get(action=SETTINGS_ACTION).municipality_id == world.meerssen.pk


@pytest.mark.parametrize(
    ("role", "where"),
    [
        (Role.EARLY_SIGNALS_OFFICER, "waalwijk"),
        (Role.POLICY_OFFICER, "waalwijk"),
        (Role.APPLICATION_MANAGER, "meerssen"),
    ],
)
def test_the_service_refuses_anyone_but_the_municipality_s_application_manager(world, role, where):
    team = world.ww_team if where == "waalwijk" else world.ms_team
    actor = staff_actor(role, team, getattr(world, where))

    with pytest.raises(PermissionDenied):
        municipality_settings_update(
            actor=actor,
            municipality=world.waalwijk,
            regular_term_days=28,
            urgent_term_working_days=3,
            retention_after_help_days=1,
        )

    assert stored_terms(world.waalwijk) is None
    assert term_events() == 0


def test_the_service_checks_the_term_itself(world):
    manager = staff_actor(Role.APPLICATION_MANAGER, world.ww_team, world.waalwijk)

    with pytest.raises(ValidationError):
        municipality_settings_update(
            actor=manager,
            municipality=world.waalwijk,
            regular_term_days=28,
            urgent_term_working_days=3,
            retention_after_help_days=3651,
        )

    assert stored_terms(world.waalwijk) is None
    assert term_events() == 0


# --- reached cases without activity on the trays -------------------------------------------------------------


@pytest.fixture
def creditors_of_waalwijk(world) -> Organisation:
    return make_creditor("Woonstichting Langstraat", Organisation.Kind.HOUSING_CORPORATION, agreements=[world.waalwijk])


def a_case(creditor: Organisation, number: int, **fields: str) -> Case:
    """A case about an invented household of its own in Waalwijk, received on TODAY."""
    row = signal_row(
        creditor_reference=f"ST-{number}", house_number=str(300 + number), surname=f"Verzonnen{number}", **fields
    )
    with time_machine.travel(TODAY, tick=False):
        answer = deliver_rows(creditor, row)
    assert answer.receipt.accepted == 1, answer.all_problems()
    return Case.objects.get(signals__creditor_reference=f"ST-{number}")


def reached_case(creditor: Organisation, number: int) -> Case:
    case = a_case(creditor, number)
    with time_machine.travel(TODAY, tick=False):
        attempt_record(
            actor=SYSTEM,
            case=case,
            organisation=case.municipality.organisations.order_by("pk").first(),
            channel="phone",
            attempted_at=TODAY,
            reached=True,
        )
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def waiting(creditors_of_waalwijk, world):
    """Four Waalwijk cases of TODAY: reached and then quiet; reached and moved 20 days later; never
    reached; reached and closed."""
    quiet = reached_case(creditors_of_waalwijk, 1)
    moved = reached_case(creditors_of_waalwijk, 2)
    with on(20):
        case_move(actor=SYSTEM, case=moved, organisation=world.ww_team, status=Case.Status.IN_HELP)
    unreached = a_case(creditors_of_waalwijk, 3)
    closed = reached_case(creditors_of_waalwijk, 4)
    with time_machine.travel(TODAY, tick=False):
        case_close(actor=SYSTEM, case=closed, organisation=world.ww_team, outcome=Case.Outcome.QUICK_FIX)
    return {"quiet": quiet, "moved": moved, "unreached": unreached, "closed": closed}


def notice_of(page: str) -> str:
    found = re.search(r'<div class="utrecht-alert utrecht-alert--warning" role="status">(.*?)</div>', page, re.S)
    return found.group(1) if found else ""


def test_the_trays_tell_the_team_of_reached_cases_without_activity_past_the_term(personas, waiting):
    client = client_for(personas["ww_early_signals"])

    with on(TERM, 23, 59):
        last_day = client.get(TRAYS).content.decode()
    with on(TERM + 1, 0, 1):
        page = client.get(TRAYS).content.decode()

    assert "without activity" not in last_day
    notice = notice_of(page)
    assert "1 case without activity for more than 30 days" in notice
    assert f'href="{TRAYS}?bak=new&amp;stil=1"' in notice


def test_the_notice_leads_to_a_list_of_those_cases_only(personas, waiting):
    client = client_for(personas["ww_early_signals"])

    with on(TERM + 1):
        response = client.get(TRAYS, {"stil": "1"})
    page = response.content.decode()

    assert response.status_code == 200
    assert response.context["rows"][0].case.uuid == waiting["quiet"].uuid
    assert len(response.context["rows"]) == 1
    assert str(waiting["quiet"].uuid) in page
    for other in ("moved", "unreached", "closed"):
        assert str(waiting[other].uuid) not in page
    assert "Without activity for more than 30 days: 1 case" in page
    assert "<title>Early signalling: Cases without activity" in page
    # Its tray, when the household was reached, and when anything last happened.
    row = re.search(rf'<tr class="utrecht-table__row" id="case-{waiting["quiet"].uuid}">(.*?)</tr>', page, re.S)
    assert row is not None
    assert "Contacted" in row.group(1)
    assert row.group(1).count("20 March 2026") == 3
    # No tray is the current one, and the district filter keeps to this list.
    assert 'aria-current="page"' not in page.split('id="trays"')[1].split("</nav>")[0]
    assert '<input type="hidden" name="stil" value="1">' in page
    # No personal data in the list.
    assert "Verzonnen1" not in page and "Voorbeeld" not in page


def test_the_moved_case_joins_the_list_once_its_own_quiet_time_is_past_the_term(personas, waiting):
    client = client_for(personas["ww_early_signals"])

    with on(20 + TERM + 1):
        response = client.get(TRAYS, {"stil": "1"})

    assert [row.case.uuid for row in response.context["rows"]] == [waiting["quiet"].uuid, waiting["moved"].uuid]
    assert "2 cases without activity" not in notice_of(response.content.decode())  # the list shows no notice
    with on(20 + TERM + 1):
        assert "2 cases without activity for more than 30 days" in notice_of(client.get(TRAYS).content.decode())


def test_the_notice_follows_the_municipality_s_own_retention_term(personas, waiting, world):
    MunicipalitySettings.objects.update_or_create(municipality=world.waalwijk, defaults={"retention_days": 10})
    client = client_for(personas["ww_early_signals"])

    with on(11):
        notice = notice_of(client.get(TRAYS).content.decode())

    assert "1 case without activity for more than 10 days" in notice


def test_the_notice_reads_in_dutch(personas, waiting):
    with on(TERM + 1):
        page = client_for(personas["ww_early_signals"], "nl").get(TRAYS).content.decode()

    assert "1 zaak al meer dan 30 dagen zonder activiteit" in notice_of(page)


def test_the_run_counts_the_same_cases_as_the_trays(personas, waiting):
    with on(TERM + 1):
        report = retention.retention_run(dry_run=True)
        notice = notice_of(client_for(personas["ww_early_signals"]).get(TRAYS).content.decode())

    assert report.totals()["open_reached_without_activity"] == 1
    assert "1 case without activity" in notice


def test_an_officer_of_another_municipality_sees_none_of_them(personas, waiting, world):
    officer = personas["ww_early_signals"]
    MembershipFactory(
        user=officer, organisation=world.ms_team, municipality=world.meerssen, role=Role.EARLY_SIGNALS_OFFICER
    )
    client = client_for(officer)
    client.post(reverse("workspace:switch-municipality"), {"municipality": world.meerssen.pk})

    with on(TERM + 1):
        response = client.get(TRAYS, {"stil": "1"})

    assert response.status_code == 200
    assert response.context["rows"] == []
    assert notice_of(response.content.decode()) == ""
    assert str(waiting["quiet"].uuid) not in response.content.decode()


@pytest.mark.parametrize("persona", ["ww_policy", "ww_application_manager", "ww_auditor", "no_role"])
def test_only_the_early_signalling_officers_see_the_list(personas, waiting, persona):
    with on(TERM + 1):
        response = client_for(personas[persona]).get(TRAYS, {"stil": "1"})

    assert response.status_code == 403
    assert str(waiting["quiet"].uuid) not in response.content.decode()


@pytest.mark.parametrize("value", ["0", "yes", "", "1 "])
def test_another_value_of_the_filter_shows_the_tray_as_usual(personas, waiting, value):
    with on(TERM + 1):
        response = client_for(personas["ww_early_signals"]).get(TRAYS, {"stil": value})

    assert response.status_code == 200
    assert response.context["inactive"] is False
    assert "1 case without activity for more than 30 days" in notice_of(response.content.decode())
