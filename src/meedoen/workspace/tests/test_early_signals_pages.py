"""The early-signalling pages through HTTP: the trays and a case (only the early-signalling officers of
the municipality), the forms to record an attempt, move and close a case, the offer letter as PDF, and
the settings page of the application manager. Opening a case or a letter is recorded; every refusal
changes nothing; Meerssen never sees a Waalwijk case."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import log_in
from django.conf import settings
from django.test import Client
from django.urls import reverse

from meedoen.accounts.tests.factories import TOTPDeviceFactory, UserFactory
from meedoen.areas.models import Area
from meedoen.compass.tests.factories import staff_actor
from meedoen.core.access import Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals import letters
from meedoen.early_signals.letters import OFFER_LETTER_PURPOSE
from meedoen.early_signals.models import (
    Case,
    ContactAttempt,
    CreditorKindThreshold,
    LetterTemplate,
    MunicipalitySettings,
    Signal,
)
from meedoen.early_signals.selectors import CASE_PURPOSE
from meedoen.early_signals.services import letter_template_set
from meedoen.early_signals.tests.factories import deliver_rows, make_creditor, signal_row
from meedoen.organisations.models import Organisation
from meedoen.organisations.tests.factories import MembershipFactory
from meedoen.workspace import early_signals_views
from meedoen.workspace.audit_objects import objects_named
from meedoen.workspace.navigation import modules_for

pytestmark = pytest.mark.django_db
LOGIN, OK, FORBIDDEN, NOT_FOUND = "login", 200, 403, 404
# Friday 20 March 2026, mid-morning.
TODAY = datetime(2026, 3, 20, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
RECEIVED = TODAY - timedelta(days=2)
NOT_LOGGED_IN = ("anonymous", "resident", "second_resident", "no_second_factor")
STAFF = (
    "ww_policy",
    "ww_caseworker",
    "ww_early_signals",
    "ww_offer_maintainer",
    "ww_application_manager",
    "ww_auditor",
    "ms_auditor",
    "ms_application_manager",
    "ms_early_signals",
)
EVERYONE = (*NOT_LOGGED_IN, "no_role", *STAFF)
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def people(personas, world):
    """The personas, and an early-signalling officer of Meerssen."""
    officer = UserFactory(username="ms-vroeg")
    TOTPDeviceFactory(user=officer)
    MembershipFactory(
        user=officer, organisation=world.ms_team, municipality=world.meerssen, role=Role.EARLY_SIGNALS_OFFICER
    )
    return {**personas, "ms_early_signals": officer}


@pytest.fixture
def client_en(people):
    """A logged-in client that reads the pages in English, the source language."""

    def make(persona: str) -> Client:
        client = log_in(Client(), people[persona])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def creditors(world):
    return {
        "housing": make_creditor(
            "Woonstichting Langstraat", Organisation.Kind.HOUSING_CORPORATION, agreements=[world.waalwijk]
        ),
        "energy": make_creditor("Energie Verzonnen", Organisation.Kind.ENERGY_SUPPLIER, agreements=[world.waalwijk]),
        "water": make_creditor("Waterbedrijf Denkbeeld", Organisation.Kind.WATER_COMPANY, agreements=[world.meerssen]),
    }


@pytest.fixture
def cases(creditors, world):
    """A case in Waalwijk about Jolien van Voorbeeld (with a BSN), and one in Meerssen; both came in
    on Wednesday, two days ago."""
    with time_machine.travel(RECEIVED, tick=False):
        deliver_rows(creditors["housing"], signal_row(bsn="111222333"))
        deliver_rows(
            creditors["water"],
            signal_row(
                creditor_reference="WB-1",
                municipality="GM0938",
                postcode="6241 ZT",
                city="Bunde",
                surname="Meerssenaar",
            ),
        )
    return {
        "waalwijk": Case.objects.get(municipality=world.waalwijk),
        "meerssen": Case.objects.get(municipality=world.meerssen),
    }


def another_case(creditor, number: int, **fields) -> Case:
    """One more Waalwijk case, at an address of its own."""
    row = signal_row(
        **{
            "creditor_reference": f"X-{number}",
            "house_number": str(100 + number),
            "surname": f"Verzonnen{number}",
            **fields,
        }
    )
    answer = deliver_rows(creditor, row)
    assert answer.receipt.accepted == 1, answer.all_problems()
    return Case.objects.get(signals__creditor_reference=f"X-{number}")


def state():
    """Everything the pages of this module could change."""
    return (
        sorted(Case.objects.values_list("uuid", "status", "outcome", "first_offer_at")),
        ContactAttempt.objects.count(),
        sorted(MunicipalitySettings.objects.values_list("municipality_id", "regular_term_days", "retention_days")),
        sorted(CreditorKindThreshold.objects.values_list("creditor_kind", "minimum_amount")),
        sorted(LetterTemplate.objects.values_list("municipality_id", "subject")),
        AuditEvent.objects.filter(kind=AuditEvent.Kind.CHANGE).count(),
        AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).count(),
    )


def without_token(content: bytes) -> str:
    """A page without its CSRF token and its own address, which differ on every response."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", content.decode())
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "", text)


def reads(reason: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=AuditEvent.Kind.READ, reason=reason))


def check(response, outcome) -> None:
    if outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == outcome


def case_url(case: Case, name: str = "workspace:early-signals-case") -> str:
    return reverse(name, args=[case.uuid])


def attempt_data(**changes: str) -> dict[str, str]:
    return {
        "attempt-channel": "phone",
        "attempt-attempted_on": "2026-03-20",
        "attempt-attempted_time": "09:30",
        "attempt-reached": "yes",
        "attempt-note": "Called, spoke with her. Appointment on Tuesday.",
        **changes,
    }


# --- who may open what --------------------------------------------------------------------------------------

PAGES = {
    "workspace:early_signals": {"default": FORBIDDEN, "ww_early_signals": OK, "ms_early_signals": OK},
    "workspace:early-signals-case": {"default": FORBIDDEN, "ww_early_signals": OK, "ms_early_signals": NOT_FOUND},
    "workspace:early-signals-letter": {"default": FORBIDDEN, "ww_early_signals": OK, "ms_early_signals": NOT_FOUND},
    "workspace:early_signals_settings": {
        "default": FORBIDDEN,
        "ww_application_manager": OK,
        "ms_application_manager": OK,
    },
}
CASE_PAGES = {"workspace:early-signals-case", "workspace:early-signals-letter"}


def expected(rules: dict[str, int], persona: str) -> int | str:
    if persona in NOT_LOGGED_IN:
        return LOGIN
    return rules.get(persona, rules["default"])


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("persona", EVERYONE)
def test_who_opens_which_page(client_en, cases, page, persona):
    url = case_url(cases["waalwijk"], page) if page in CASE_PAGES else reverse(page)
    outcome = expected(PAGES[page], persona)
    before = state()

    check(client_en(persona).get(url), outcome)

    if outcome == OK and page in CASE_PAGES:
        assert AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).count() > before[-1]
    else:
        assert state() == before  # a refusal, the trays and the settings record and change nothing


POSTS = {
    "workspace:early-signals-attempt": attempt_data(),
    "workspace:early-signals-move": {"move-status": "in_help"},
    "workspace:early-signals-close": {"close-outcome": "no_contact"},
    "workspace:early-signals-join": {"join-other": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "join-same_person": "on"},
    "workspace:early-signals-split": {
        "split-joined": "0" * 8 + "-0000-4000-8000-" + "0" * 12,
        "split-different_people": "on",
    },
    "workspace:early-signals-separate": {
        "separate-signals": "0" * 8 + "-0000-4000-8000-" + "0" * 12,
        "separate-someone_else": "on",
    },
}
REFUSED_POSTS = {"default": FORBIDDEN, "ms_early_signals": NOT_FOUND}


@pytest.mark.parametrize("page", sorted(POSTS))
@pytest.mark.parametrize("persona", [persona for persona in EVERYONE if persona != "ww_early_signals"])
def test_no_one_else_changes_a_case(client_en, cases, page, persona):
    before = state()

    check(client_en(persona).post(case_url(cases["waalwijk"], page), POSTS[page]), expected(REFUSED_POSTS, persona))

    assert state() == before


SETTINGS_POSTS = {
    "workspace:early-signals-settings-terms": {"regular_term_days": "21", "urgent_term_working_days": "2"},
    "workspace:early-signals-settings-thresholds": {
        "woningcorporatie-amount": "100",
        "woningcorporatie-months": "1",
    },
    "workspace:early-signals-settings-letter": {"subject": "Hallo", "body": "Beste {naam},", "sender": "Team"},
}


@pytest.mark.parametrize("page", sorted(SETTINGS_POSTS))
@pytest.mark.parametrize(
    "persona", [p for p in EVERYONE if p not in {"ww_application_manager", "ms_application_manager"}]
)
def test_no_one_else_changes_the_settings(client_en, world, page, persona):
    before = state()

    check(client_en(persona).post(reverse(page), SETTINGS_POSTS[page]), expected({"default": FORBIDDEN}, persona))

    assert state() == before


def test_a_form_sent_without_its_csrf_token_is_refused(people, cases):
    client = log_in(Client(enforce_csrf_checks=True), people["ww_early_signals"])
    before = state()

    for page, data in POSTS.items():
        assert client.post(case_url(cases["waalwijk"], page), data).status_code == FORBIDDEN

    assert state() == before


def test_an_unknown_case_and_a_case_of_another_municipality_look_the_same(client_en, cases):
    client = client_en("ms_early_signals")
    unknown = client.get(reverse("workspace:early-signals-case", args=["0" * 8 + "-0000-4000-8000-" + "0" * 12]))
    other = client.get(case_url(cases["waalwijk"]))

    assert unknown.status_code == other.status_code == NOT_FOUND
    assert without_token(unknown.content) == without_token(other.content)
    assert reads(CASE_PURPOSE) == []


def test_an_officer_of_two_municipalities_sees_only_the_one_chosen(client_en, cases, world, people):
    officer = people["ww_early_signals"]
    MembershipFactory(
        user=officer, organisation=world.ms_team, municipality=world.meerssen, role=Role.EARLY_SIGNALS_OFFICER
    )
    client = client_en("ww_early_signals")
    client.post(reverse("workspace:switch-municipality"), {"municipality": world.meerssen.pk})

    trays = client.get(reverse("workspace:early_signals")).content.decode()
    assert str(cases["meerssen"].uuid) in trays
    assert str(cases["waalwijk"].uuid) not in trays
    assert client.get(case_url(cases["waalwijk"])).status_code == NOT_FOUND
    assert client.get(case_url(cases["waalwijk"], "workspace:early-signals-letter")).status_code == NOT_FOUND
    assert (
        client.post(
            case_url(cases["waalwijk"], "workspace:early-signals-close"), POSTS["workspace:early-signals-close"]
        ).status_code
        == NOT_FOUND
    )
    assert Case.objects.get(pk=cases["waalwijk"].pk).status == Case.Status.NEW
    assert client.get(case_url(cases["meerssen"])).status_code == OK


def test_the_navigation_leads_officers_to_the_trays_and_managers_to_the_settings(client_en):
    assert "workspace:early_signals" in [m.url_name for m in modules_for([Role.EARLY_SIGNALS_OFFICER])]
    officer = client_en("ww_early_signals").get(reverse("workspace:home")).content.decode()
    assert reverse("workspace:early_signals") in officer
    assert reverse("workspace:early_signals_settings") not in officer
    manager = client_en("ww_application_manager").get(reverse("workspace:home")).content.decode()
    assert reverse("workspace:early_signals_settings") in manager
    assert reverse("workspace:early_signals") not in manager.replace(reverse("workspace:early_signals_settings"), "")


# --- the trays ----------------------------------------------------------------------------------------------


def test_the_trays_show_counts_and_the_cases_without_personal_data(client_en, cases, creditors):
    overdue = another_case(creditors["housing"], 1)
    Case.objects.filter(pk=overdue.pk).update(first_offer_due=date(2026, 3, 17))
    soon = another_case(creditors["housing"], 2)
    Case.objects.filter(pk=soon.pk).update(first_offer_due=date(2026, 3, 24))  # Tuesday: 2 working days
    today = another_case(creditors["housing"], 3)
    Case.objects.filter(pk=today.pk).update(first_offer_due=date(2026, 3, 20))
    threat = another_case(creditors["energy"], 4, signal_kind="end_of_supply")

    response = client_en("ww_early_signals").get(reverse("workspace:early_signals"))

    assert response.status_code == OK
    page = response.content.decode()
    counts = {tab.status: (tab.count, tab.overdue) for tab, _link in response.context["tabs"]}
    assert counts == {"new": (5, 1), "to_contact": (0, 0), "contacted": (0, 0), "in_help": (0, 0), "closed": (0, 0)}
    assert "New (5), 1 overdue" in page
    for case in (cases["waalwijk"], overdue, soon, today, threat):
        assert f'id="case-{case.uuid}"' in page
    assert "Overdue by 3 days" in page
    assert "Due within 2 working days" in page
    assert "Due today" in page
    # No names, addresses or amounts in the lists (the amount as the page would write it: "412" alone
    # also turns up in random ids and tokens).
    for personal in ("Voorbeeld", "Verzonnen1", "Verzonnenstraat", "412.50", "412,50"):
        assert personal not in page
    assert reads(CASE_PURPOSE) == []
    # The most urgent first: overdue, due today, due soon, the threatening one (3 working days).
    order = [row.case.uuid for row in response.context["rows"]]
    assert order[:4] == [overdue.uuid, today.uuid, soon.uuid, threat.uuid]


def test_the_district_filter(client_en, cases, creditors):
    in_district = another_case(creditors["housing"], 1)
    Case.objects.filter(pk=in_district.pk).update(district=Area.objects.get(code="WK086701"))
    client = client_en("ww_early_signals")
    url = reverse("workspace:early_signals")

    def listed(**query: str) -> set:
        return {row.case.uuid for row in client.get(url, query).context["rows"]}

    assert listed() == {cases["waalwijk"].uuid, in_district.uuid}
    assert listed(wijk="WK086701") == {in_district.uuid}
    assert listed(wijk="-") == {cases["waalwijk"].uuid}
    assert listed(wijk="WK093801") == {cases["waalwijk"].uuid, in_district.uuid}  # not a district here: ignored
    page = client.get(url, {"wijk": "WK086701"}).content.decode()
    assert "New (1)" in page and "Wijk 01" in page
    assert "No district known" in page


def test_the_closed_tray_shows_outcome_and_closed_date(client_en, cases, world):
    Case.objects.filter(pk=cases["waalwijk"].pk).update(
        status=Case.Status.CLOSED,
        outcome=Case.Outcome.PAYMENT_ARRANGEMENT,
        closed_at=TODAY - timedelta(days=1),
        first_offer_at=TODAY - timedelta(days=3),
    )

    response = client_en("ww_early_signals").get(reverse("workspace:early_signals"), {"bak": "closed"})

    page = response.content.decode()
    assert "Contact: payment arrangement" in page
    assert "19 March 2026" in page
    assert "In time" in page
    assert "Closed (1)" in page
    # An unknown tray shows the new cases.
    assert client_en("ww_early_signals").get(reverse("workspace:early_signals"), {"bak": "<x>"}).context["tray"] == (
        "new"
    )


def test_a_long_tray_is_shown_in_pages(client_en, cases, creditors, monkeypatch):
    monkeypatch.setattr(early_signals_views, "CASES_PER_PAGE", 2)
    for number in range(1, 4):
        another_case(creditors["housing"], number)
    client = client_en("ww_early_signals")
    url = reverse("workspace:early_signals")

    first = client.get(url)
    second = client.get(url, {"pagina": "2"})
    beyond = client.get(url, {"pagina": "99"})
    junk = client.get(url, {"pagina": "x"})

    assert len(first.context["rows"]) == 2 and "Page 1 of 2" in first.content.decode()
    assert len(second.context["rows"]) == 2 and "Page 2 of 2" in second.content.decode()
    assert beyond.context["page"].number == 2
    assert junk.context["page"].number == 1
    seen = {row.case.uuid for row in first.context["rows"]} | {row.case.uuid for row in second.context["rows"]}
    assert len(seen) == 4
    assert "pagina=2" in first.content.decode()


# --- a case -------------------------------------------------------------------------------------------------


def test_an_officer_opens_a_case_and_the_read_is_recorded(client_en, cases, world):
    from meedoen.accounts.pseudonyms import resident_ref_for_bsn

    case = cases["waalwijk"]
    response = client_en("ww_early_signals").get(case_url(case))

    assert response.status_code == OK
    page = response.content.decode()
    for shown in ("Jolien", "Voorbeeld", "Verzonnenstraat 12", "5141 ZX", "0612345678", "412.50", "WS-0001"):
        assert shown in page, shown
    assert "Woonstichting Langstraat: payment arrears, received on 18 March 2026" in page
    assert "15 April 2026" in page  # the due day: 28 days on
    assert "No attempts recorded yet." in page
    assert response["Cache-Control"].startswith("max-age=0")
    recorded = reads(CASE_PURPOSE)
    assert sorted(event.subject_ref for event in recorded) == sorted(
        [case.household_ref, resident_ref_for_bsn("111222333")]
    )
    assert {(event.actor_label, event.municipality_id) for event in recorded} == {("ww-vroeg", world.waalwijk.pk)}


def test_hostile_text_in_a_signal_is_shown_escaped(client_en, creditors):
    case = another_case(creditors["housing"], 1, surname=HOSTILE, given_name="<b>Bo</b>")
    ContactAttempt.objects.create(case=case, channel="phone", note='<img src=x onerror="alert(1)">')

    page = client_en("ww_early_signals").get(case_url(case)).content.decode()

    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>Bo</b>" not in page and "<img src=x" not in page


def test_an_officer_records_an_attempt_that_reached_them_and_closes_the_case(client_en, cases, world):
    case = cases["waalwijk"]
    client = client_en("ww_early_signals")

    response = client.post(case_url(case, "workspace:early-signals-attempt"), attempt_data())

    assert response.status_code == 302 and response["Location"] == case_url(case) + "#main"
    attempt = ContactAttempt.objects.get(case=case)
    assert (attempt.channel, attempt.reached, attempt.note) == (
        "phone",
        True,
        "Called, spoke with her. Appointment on Tuesday.",
    )
    assert attempt.attempted_at == datetime(2026, 3, 20, 9, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    case.refresh_from_db()
    assert case.status == Case.Status.CONTACTED and case.first_contact_at == attempt.attempted_at
    assert AuditEvent.objects.filter(action="early_signals.case.attempt", actor_label="ww-vroeg").count() == 1
    page = client.get(case_url(case)).content.decode()
    assert "The attempt is recorded." in page
    assert "Appointment on Tuesday" in page
    assert "20 March 2026, 09:30</time> (in time)" in page

    response = client.post(case_url(case, "workspace:early-signals-close"), {"close-outcome": "referred_debt_help"})

    assert response.status_code == 302 and response["Location"] == case_url(case) + "#main"
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Case.Status.CLOSED, Case.Outcome.REFERRED_DEBT_HELP)
    assert AuditEvent.objects.filter(action="early_signals.case.close").count() == 1
    page = client.get(case_url(case)).content.decode()
    assert "Contact: referred to debt help" in page
    assert "Record an attempt" not in page  # a closed case takes no more attempts


def test_an_attempt_that_did_not_reach_them_moves_a_new_case_to_be_contacted(client_en, cases):
    case = cases["waalwijk"]
    data = attempt_data(**{"attempt-channel": "letter", "attempt-reached": "no", "attempt-note": ""})

    assert (
        client_en("ww_early_signals").post(case_url(case, "workspace:early-signals-attempt"), data).status_code == 302
    )

    case.refresh_from_db()
    assert case.status == Case.Status.TO_CONTACT
    assert case.first_offer_at is not None and case.first_contact_at is None


def test_an_officer_moves_a_case_to_another_tray(client_en, cases):
    case = cases["waalwijk"]
    client = client_en("ww_early_signals")

    response = client.post(case_url(case, "workspace:early-signals-move"), {"move-status": "in_help"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.IN_HELP
    assert "The case is in the tray “in help” now." in client.get(case_url(case)).content.decode()
    assert AuditEvent.objects.get(action="early_signals.case.move").details == {"from": "new", "to": "in_help"}


def test_a_case_someone_tried_to_reach_cannot_go_back_to_new(client_en, cases):
    case = cases["waalwijk"]
    client = client_en("ww_early_signals")
    data = attempt_data(**{"attempt-channel": "phone", "attempt-reached": "yes", "attempt-note": ""})
    client.post(case_url(case, "workspace:early-signals-attempt"), data)
    case.refresh_from_db()
    assert case.status == Case.Status.CONTACTED

    page = client.get(case_url(case)).content.decode()
    choices = re.findall(r'<option value="([a-z_]+)"', page.split('name="move-status"')[1].split("</select>")[0])
    assert choices == ["to_contact", "in_help"]

    response = client.post(case_url(case, "workspace:early-signals-move"), {"move-status": "new"})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == Case.Status.CONTACTED


@pytest.mark.parametrize(
    ("page", "data", "field"),
    [
        (
            "workspace:early-signals-attempt",
            attempt_data(**{"attempt-attempted_on": "2026-03-21"}),
            "attempted_on",
        ),
        (
            "workspace:early-signals-attempt",
            attempt_data(**{"attempt-attempted_time": "10:30"}),  # later today
            "attempted_on",
        ),
        ("workspace:early-signals-attempt", attempt_data(**{"attempt-attempted_on": "2026-02-30"}), "attempted_on"),
        ("workspace:early-signals-attempt", attempt_data(**{"attempt-channel": "pigeon"}), "channel"),
        ("workspace:early-signals-attempt", attempt_data(**{"attempt-reached": ""}), "reached"),
        ("workspace:early-signals-attempt", attempt_data(**{"attempt-note": "x" * 501}), "note"),
        # Before the case was opened (on Wednesday 18 March, at 10:00).
        ("workspace:early-signals-attempt", attempt_data(**{"attempt-attempted_on": "2026-03-17"}), "attempted_on"),
        ("workspace:early-signals-move", {"move-status": "closed"}, "status"),
        ("workspace:early-signals-move", {"move-status": "new"}, "status"),  # the tray it is in
        ("workspace:early-signals-close", {"close-outcome": "won_the_lottery"}, "outcome"),
        ("workspace:early-signals-close", {"close-outcome": "quick_fix"}, "outcome"),  # no contact recorded
        ("workspace:early-signals-close", {"close-outcome": "no_contact"}, "outcome"),  # nobody tried yet
        ("workspace:early-signals-reopen", {"reopen-reason": "late_contact"}, "reason"),  # it is open
        ("workspace:early-signals-close", {}, "outcome"),
        # No other open case at this address to join with.
        ("workspace:early-signals-join", POSTS["workspace:early-signals-join"], "other"),
        ("workspace:early-signals-join", {"join-other": "not-a-case", "join-same_person": "on"}, "other"),
        ("workspace:early-signals-join", {"join-same_person": "on"}, "other"),
        # No case joined with this one.
        ("workspace:early-signals-split", POSTS["workspace:early-signals-split"], "joined"),
        ("workspace:early-signals-split", {"split-joined": "not-a-case", "split-different_people": "on"}, "joined"),
        # No signal of this case, or none at all.
        ("workspace:early-signals-separate", POSTS["workspace:early-signals-separate"], "signals"),
        ("workspace:early-signals-separate", {"separate-someone_else": "on"}, "signals"),
    ],
)
def test_wrong_input_is_shown_next_to_the_field_and_changes_nothing(client_en, cases, page, data, field):
    before = state()
    response = client_en("ww_early_signals").post(case_url(cases["waalwijk"], page), data)

    assert response.status_code == 400
    form = response.context[
        {
            "attempt": "attempt_form",
            "move": "move_form",
            "close": "close_form",
            "reopen": "reopen_form",
            "join": "join_form",
            "split": "split_form",
            "separate": "separate_form",
        }[page.split("-")[-1]]
    ]
    assert form.errors.get(field), form.errors
    body = response.content.decode()
    assert "Error:" in body and f'id="id_{form.prefix}-{field}_error"' in body
    after = state()
    assert after[:-1] == before[:-1]  # showing the page again is one more read, nothing else


def test_a_closed_case_cannot_be_moved_or_get_an_attempt(client_en, cases):
    case = cases["waalwijk"]
    client = client_en("ww_early_signals")
    unanswered = {"attempt-channel": "letter", "attempt-reached": "no", "attempt-note": ""}
    assert client.post(case_url(case, "workspace:early-signals-attempt"), attempt_data(**unanswered)).status_code == 302
    assert client.post(
        case_url(case, "workspace:early-signals-close"), {"close-outcome": "no_contact"}
    ).status_code == (302)

    moved = client.post(case_url(case, "workspace:early-signals-move"), {"move-status": "in_help"})
    attempted = client.post(case_url(case, "workspace:early-signals-attempt"), attempt_data())
    closed_again = client.post(case_url(case, "workspace:early-signals-close"), {"close-outcome": "declined"})

    assert moved.status_code == attempted.status_code == closed_again.status_code == 400
    assert moved.context["move_form"].errors["status"] == ["This case is closed already."]
    assert "This case is closed already." in attempted.context["attempt_form"].non_field_errors()
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Case.Status.CLOSED, Case.Outcome.NO_CONTACT)
    assert ContactAttempt.objects.filter(case=case).count() == 1


def test_an_officer_opens_a_closed_case_again_when_the_household_gets_in_touch(client_en, cases):
    case = cases["waalwijk"]
    client = client_en("ww_early_signals")
    unanswered = {"attempt-channel": "letter", "attempt-reached": "no", "attempt-note": ""}
    client.post(case_url(case, "workspace:early-signals-attempt"), attempt_data(**unanswered))
    client.post(case_url(case, "workspace:early-signals-close"), {"close-outcome": "no_contact"})
    page = client.get(case_url(case)).content.decode()
    assert "Open the case again" in page and "he household got in touch after the case was closed" in page

    refused = client.post(case_url(case, "workspace:early-signals-reopen"), {"reopen-reason": "bored"})
    assert refused.status_code == 400 and refused.context["reopen_form"].errors["reason"]
    response = client.post(case_url(case, "workspace:early-signals-reopen"), {"reopen-reason": "late_contact"})

    assert response.status_code == 302 and response["Location"] == case_url(case) + "#main"
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_at) == (Case.Status.TO_CONTACT, "", None)
    page = client.get(case_url(case)).content.decode()
    assert "The case is open again, in the tray “to contact”." in page
    assert "Record an attempt" in page and "Open the case again" not in page
    event = AuditEvent.objects.get(action="early_signals.case.reopen")
    assert (event.actor_label, event.details["reason"]) == ("ww-vroeg", "late_contact")


@pytest.mark.parametrize("persona", ["ww_policy", "ww_application_manager", "ww_auditor", "ms_early_signals"])
def test_only_the_municipalitys_officers_open_a_case_again(client_en, cases, persona, world):
    case = cases["waalwijk"]
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, outcome="declined", closed_at=TODAY)

    response = client_en(persona).post(
        case_url(case, "workspace:early-signals-reopen"), {"reopen-reason": "late_contact"}
    )

    assert response.status_code in (FORBIDDEN, NOT_FOUND)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert not AuditEvent.objects.filter(action="early_signals.case.reopen").exists()


def test_a_case_whose_data_was_removed_offers_no_reopening(client_en, cases):
    case = cases["waalwijk"]
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.CLOSED, outcome="declined", closed_at=TODAY, erased_at=TODAY
    )

    client = client_en("ww_early_signals")
    assert "Open the case again" not in client.get(case_url(case)).content.decode()
    response = client.post(case_url(case, "workspace:early-signals-reopen"), {"reopen-reason": "late_contact"})
    assert response.status_code == 400
    assert "cannot be opened again" in response.content.decode()


def test_a_threat_after_the_offer_is_shown_with_its_own_term(client_en, cases, creditors):
    case = cases["waalwijk"]
    client = client_en("ww_early_signals")
    unanswered = {"attempt-channel": "letter", "attempt-reached": "no", "attempt-note": ""}
    client.post(case_url(case, "workspace:early-signals-attempt"), attempt_data(**unanswered))
    deliver_rows(creditors["energy"], signal_row(creditor_reference="EV-9", signal_kind="threat"))

    case.refresh_from_db()
    assert case.threat_due == date(2026, 3, 25)
    tray = client.get(reverse("workspace:early_signals") + "?bak=to_contact").content.decode()
    assert "New threatening signal: respond by" in tray and "25 March 2026" in tray
    with time_machine.travel(datetime(2026, 3, 27, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        client = client_en("ww_early_signals")  # a session of that day
        page = client.get(case_url(case)).content.decode()
        tray = client.get(reverse("workspace:early_signals") + "?bak=to_contact").content.decode()
    assert "Overdue by 2 days" in page
    assert "1 overdue" in tray


def test_an_officer_finds_a_case_by_the_number_on_the_letter_and_opens_it(client_en, cases):
    case = cases["waalwijk"]
    client = client_en("ww_early_signals")
    assert "Find a case" in client.get(reverse("workspace:early_signals")).content.decode()

    page = client.get(reverse("workspace:early-signals-search"), {"zoek": case.number.lower()}).content.decode()

    assert "1 case found, looked for as case number, reference of a creditor" in page
    assert case_url(case) in page and case.number in page
    assert "Voorbeeld" not in page  # a list without personal data
    assert case.number in client.get(case_url(case)).content.decode()
    page = client.get(reverse("workspace:early-signals-search"), {"zoek": "5141 ZX 13"}).content.decode()
    assert "No case of this municipality matches." in page
    assert "Meerssenaar" not in page and case_url(cases["meerssen"]) not in page


@pytest.mark.parametrize("persona", ["ww_policy", "ww_application_manager", "ww_auditor", "ww_caseworker"])
def test_only_officers_search_cases(client_en, cases, persona):
    response = client_en(persona).get(reverse("workspace:early-signals-search"), {"zoek": "WS-0001"})

    assert response.status_code == FORBIDDEN
    assert not AuditEvent.objects.filter(action="early_signals.case.search").exists()


def test_an_officer_of_another_municipality_finds_only_its_own_cases(client_en, cases):
    client = client_en("ms_early_signals")
    for typed in ("WS-0001", cases["waalwijk"].number, "5141 ZX 12"):
        page = client.get(reverse("workspace:early-signals-search"), {"zoek": typed}).content.decode()
        assert "No case of this municipality matches." in page
        assert case_url(cases["waalwijk"]) not in page
    page = client.get(reverse("workspace:early-signals-search"), {"zoek": "WB-1"}).content.decode()
    assert case_url(cases["meerssen"]) in page


def test_a_case_lists_the_other_cases_at_its_address_without_their_personal_data(client_en, cases, creditors):
    from meedoen.accounts.pseudonyms import resident_ref_for_bsn

    case = cases["waalwijk"]
    # Her partner, at the same address: a case of his own, which linking does not join with hers.
    partner = another_case(
        creditors["energy"],
        1,
        house_number="12",
        initials="P.",
        given_name="Pieter",
        date_of_birth="1980-11-02",
        bsn="123456782",
    )
    another_case(creditors["energy"], 2)  # next door
    client = client_en("ww_early_signals")

    page = client.get(case_url(case)).content.decode()

    assert "1 other case at this address" in page
    assert case_url(partner) in page and partner.number in page
    assert "Pieter" not in page and "Verzonnen1" not in page  # his case, not his data
    assert "Verzonnen2" not in page
    # That he has a case, and how far it is, is a read of his data, which he sees under "My data".
    him = {partner.household_ref, resident_ref_for_bsn("123456782")}
    listed = [event for event in reads(CASE_PURPOSE) if event.subject_ref in him]
    assert sorted((event.subject_ref, event.details["fields"]) for event in listed) == sorted(
        (subject_ref, ["case_status"]) for subject_ref in him
    )
    assert "1 other case at this address" in client.get(case_url(partner)).content.decode()


def test_a_case_alone_at_its_address_lists_none_and_a_removed_one_is_not_listed(client_en, cases, creditors):
    case = cases["waalwijk"]
    earlier = another_case(creditors["energy"], 1, house_number="12", given_name="Piet", date_of_birth="1980-11-02")
    Case.objects.filter(pk=earlier.pk).update(
        status=Case.Status.CLOSED, outcome="no_contact", address_ref="", household_ref="", erased_at=TODAY
    )

    page = client_en("ww_early_signals").get(case_url(case)).content.decode()

    assert "Other cases at this address" not in page
    assert case_url(earlier) not in page


def test_a_long_list_of_cases_at_one_address_is_cut_and_says_so(client_en, cases, creditors, monkeypatch):
    monkeypatch.setattr("meedoen.early_signals.selectors.SAME_ADDRESS_SHOWN", 1)
    for number, born in ((1, "1990-01-01"), (2, "1991-01-01")):
        another_case(creditors["energy"], number, house_number="12", initials="K.", date_of_birth=born)

    page = client_en("ww_early_signals").get(case_url(cases["waalwijk"])).content.decode()

    assert "1 other case at this address" in page
    assert "Only 1 of them are shown, open cases first." in page


def the_same_person_by_her_call_name(creditor) -> Case:
    """Jolien again, from another creditor that knows her as Lien: linking does not join the two."""
    case = another_case(creditor, 1, house_number="12", surname="Voorbeeld", initials="", given_name="Lien")
    assert case.signal_count == 1
    return case


def test_an_officer_joins_a_case_about_the_same_person_with_this_one(client_en, cases, creditors):
    case = cases["waalwijk"]
    other = the_same_person_by_her_call_name(creditors["energy"])
    client = client_en("ww_early_signals")
    page = client.get(case_url(case)).content.decode()
    assert "Join a case with this one" in page and f'value="{other.uuid}"' in page

    response = client.post(
        case_url(case, "workspace:early-signals-join"), {"join-other": str(other.uuid), "join-same_person": "on"}
    )

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert f"Case {other.number} is joined with this case" in page
    assert "2 signals" in page and "Energie Verzonnen: payment arrears" in page
    assert "Join a case with this one" not in page  # no other open case left at the address
    joined = client.get(case_url(other)).content.decode()
    assert "This case was joined with another case about the same person." in joined
    assert case_url(case) in joined
    assert "Open the case again" not in joined and "Close the case" not in joined
    found = client.get(reverse("workspace:early-signals-search"), {"zoek": other.number}).content.decode()
    assert "Closed: joined with another case" in found


def test_the_audit_trail_of_either_of_two_joined_cases_holds_both(client_en, cases, creditors, world):
    case = cases["waalwijk"]
    other = the_same_person_by_her_call_name(creditors["energy"])
    joining = {"join-other": str(other.uuid), "join-same_person": "on"}
    response = client_en("ww_early_signals").post(case_url(case, "workspace:early-signals-join"), joining)
    assert response.status_code == 302

    for either in (case, other):
        named = set(objects_named(either.number, municipality=world.waalwijk))
        assert {("early_signals.case", str(case.pk)), ("early_signals.case", str(other.pk))} <= named
        assert len([kind for kind, _key in named if kind == "early_signals.signal"]) == 2


def test_a_join_without_the_check_is_refused_beside_the_box_and_changes_nothing(client_en, cases, creditors):
    case = cases["waalwijk"]
    other = the_same_person_by_her_call_name(creditors["energy"])
    before = state()

    response = client_en("ww_early_signals").post(
        case_url(case, "workspace:early-signals-join"), {"join-other": str(other.uuid)}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Check that both cases are about the same person, and tick the box." in body
    assert 'id="id_join-same_person_error"' in body
    assert state()[:-1] == before[:-1]


def joined_by_the_team(client, case: Case, other: Case) -> None:
    joining = {"join-other": str(other.uuid), "join-same_person": "on"}
    assert client.post(case_url(case, "workspace:early-signals-join"), joining).status_code == 302


def test_an_officer_undoes_a_join_made_in_error(client_en, cases, creditors):
    case = cases["waalwijk"]
    other = the_same_person_by_her_call_name(creditors["energy"])
    client = client_en("ww_early_signals")
    joined_by_the_team(client, case, other)
    page = client.get(case_url(case)).content.decode()
    assert "Undo a join" in page and f'value="{other.uuid}"' in page
    assert f"Case {other.number}, opened on 20 March 2026, joined with this case on 20 March 2026" in page

    response = client.post(
        case_url(case, "workspace:early-signals-split"),
        {"split-joined": str(other.uuid), "split-different_people": "on"},
    )

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert f"The join is undone: case {other.number} is open again" in page
    assert "Undo a join" not in page and "Join a case with this one" in page  # it may be joined again
    assert "Energie Verzonnen: payment arrears" not in page
    split = client.get(case_url(other)).content.decode()
    assert "This case was joined with another case" not in split
    assert "Energie Verzonnen: payment arrears" in split and "Close the case" in split


def test_an_undoing_without_the_check_is_refused_beside_the_box_and_changes_nothing(client_en, cases, creditors):
    case = cases["waalwijk"]
    other = the_same_person_by_her_call_name(creditors["energy"])
    client = client_en("ww_early_signals")
    joined_by_the_team(client, case, other)
    before = state()

    response = client.post(case_url(case, "workspace:early-signals-split"), {"split-joined": str(other.uuid)})

    assert response.status_code == 400
    body = response.content.decode()
    assert "Check that the cases are about different people, and tick the box." in body
    assert 'id="id_split-different_people_error"' in body
    assert state()[:-1] == before[:-1]


def test_a_closed_case_says_to_open_it_again_before_undoing_its_join(client_en, cases, creditors, world):
    case = cases["waalwijk"]
    other = the_same_person_by_her_call_name(creditors["energy"])
    client = client_en("ww_early_signals")
    joined_by_the_team(client, case, other)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, outcome="declined")

    page = client.get(case_url(case)).content.decode()

    assert "Open this case again to undo a join with it." in page
    assert "Undo the join" not in page


def test_the_audit_trail_of_a_case_split_off_still_holds_the_case_it_was_joined_with(
    client_en, cases, creditors, world
):
    case = cases["waalwijk"]
    other = the_same_person_by_her_call_name(creditors["energy"])
    client = client_en("ww_early_signals")
    joined_by_the_team(client, case, other)
    undoing = {"split-joined": str(other.uuid), "split-different_people": "on"}
    assert client.post(case_url(case, "workspace:early-signals-split"), undoing).status_code == 302

    named = set(objects_named(other.number, municipality=world.waalwijk))

    assert {("early_signals.case", str(case.pk)), ("early_signals.case", str(other.pk))} <= named


def her_twin_brother(creditor, case: Case) -> Signal:
    """Her twin brother, from his energy supplier, without a BSN: linking takes him for her."""
    deliver_rows(creditor, signal_row(creditor_reference="EV-T", given_name="Joost"))
    signal = Signal.objects.get(creditor_reference="EV-T")
    assert signal.case_id == case.pk
    return signal


def test_an_officer_moves_the_signals_about_someone_else_to_a_case_of_their_own(client_en, cases, creditors, world):
    case = cases["waalwijk"]
    client = client_en("ww_early_signals")
    assert "Move signals about someone else" not in client.get(case_url(case)).content.decode()  # one signal
    his = her_twin_brother(creditors["energy"], case)
    page = client.get(case_url(case)).content.decode()
    assert "Move signals about someone else to a case of their own" in page and f'value="{his.uuid}"' in page
    assert "Energie Verzonnen: payment arrears, received on 20 March 2026, about Joost van Voorbeeld, born on " in page

    response = client.post(
        case_url(case, "workspace:early-signals-separate"),
        {"separate-signals": str(his.uuid), "separate-someone_else": "on"},
    )

    assert response.status_code == 302
    his.refresh_from_db()
    assert response["Location"] == case_url(his.case) + "#main"
    new = client.get(response["Location"]).content.decode()
    assert f"The signals are in a case of their own now: case {his.case.number}, in the tray “new”." in new
    assert f"the signals of this case were moved out of case {case.number}" in new and case_url(case) in new
    assert "Joost" in new and "1 signal" in new
    page = client.get(case_url(case)).content.decode()
    assert f"a signal about someone else was moved out of this case into case {his.case.number}." in page
    assert "Joost" not in page and "Move signals about someone else" not in page
    for either in (case, his.case):
        named = set(objects_named(either.number, municipality=world.waalwijk))
        assert {("early_signals.case", str(case.pk)), ("early_signals.case", str(his.case_id))} <= named


def test_a_move_without_the_check_is_refused_beside_the_box_and_changes_nothing(client_en, cases, creditors):
    case = cases["waalwijk"]
    his = her_twin_brother(creditors["energy"], case)
    before = state()

    response = client_en("ww_early_signals").post(
        case_url(case, "workspace:early-signals-separate"), {"separate-signals": str(his.uuid)}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Check that the signals are about someone else, and tick the box." in body
    assert 'id="id_separate-someone_else_error"' in body
    # The choices shown again name the signals, as the page does.
    assert "about Joost van Voorbeeld" in body
    assert state()[:-1] == before[:-1]


def test_names_in_the_choice_of_signals_to_move_are_text(client_en, cases, creditors):
    case = cases["waalwijk"]
    deliver_rows(creditors["energy"], signal_row(creditor_reference="EV-T", given_name="<b>Joost</b>"))

    page = client_en("ww_early_signals").get(case_url(case)).content.decode()

    assert "about &lt;b&gt;Joost&lt;/b&gt; van Voorbeeld" in page and "<b>Joost</b>" not in page


def test_a_case_nobody_reached_past_the_retention_term_says_the_next_run_removes_it(client_en, cases, creditors, world):
    MunicipalitySettings.objects.update_or_create(municipality=world.waalwijk, defaults={"retention_days": 10})
    with time_machine.travel(TODAY - timedelta(days=11), tick=False):
        old = another_case(creditors["energy"], 1, signal_date="2026-03-06", reminder_date="2026-02-20")
    client = client_en("ww_early_signals")
    notice = "its last signal came in more than 10 days ago, the retention term"
    assert notice not in client.get(case_url(cases["waalwijk"])).content.decode()  # two days old

    page = client.get(case_url(old)).content.decode()
    assert notice in page and 'id="retention-notice"' in page
    assert client.post(case_url(old, "workspace:early-signals-attempt"), attempt_data()).status_code == 302

    assert notice not in client.get(case_url(old)).content.decode()


def test_a_signal_that_came_in_since_the_case_was_last_opened_is_marked_new(client_en, cases, creditors):
    case = cases["waalwijk"]
    client = client_en("ww_early_signals")
    tray = reverse("workspace:early_signals")
    assert "New since the case was last opened" not in client.get(case_url(case)).content.decode()

    deliver_rows(creditors["energy"], signal_row(creditor_reference="EV-9"))

    assert "1 new" in client.get(tray).content.decode()
    page = client.get(case_url(case)).content.decode()
    assert page.count("New since the case was last opened") == 1
    assert page.index("Energie Verzonnen: payment arrears") < page.index("New since the case was last opened")
    # Opened, it is seen: the mark is gone from the tray and from the page.
    assert "1 new" not in client.get(tray).content.decode()
    assert "New since the case was last opened" not in client.get(case_url(case)).content.decode()
    case.refresh_from_db()
    assert (case.signal_count, case.signals_seen) == (2, 2)


def test_a_get_on_a_form_address_is_not_allowed(client_en, cases):
    assert client_en("ww_early_signals").get(
        case_url(cases["waalwijk"], "workspace:early-signals-close")
    ).status_code == (405)


def test_a_post_to_a_page_that_shows_personal_data_is_not_allowed_and_reads_nothing(client_en, cases):
    client = client_en("ww_early_signals")
    before = len(reads(CASE_PURPOSE))

    for url in (
        case_url(cases["waalwijk"]),
        case_url(cases["waalwijk"], "workspace:early-signals-letter"),
        reverse("workspace:early-signals-search") + "?zoek=WS-0001",
    ):
        assert client.post(url).status_code == 405, url

    assert len(reads(CASE_PURPOSE)) == before


def test_a_search_of_characters_nobody_types_looks_for_nothing(client_en, cases):
    page = client_en("ww_early_signals").get(reverse("workspace:early-signals-search"), {"zoek": "\u200b\u202e"})

    assert page.status_code == 200
    assert "looked for as" not in page.content.decode()


# --- the offer letter ---------------------------------------------------------------------------------------


def test_an_officer_downloads_the_offer_letter_and_the_read_is_recorded(client_en, cases):
    case = cases["waalwijk"]

    response = client_en("ww_early_signals").get(case_url(case, "workspace:early-signals-letter"))

    assert response.status_code == OK
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'attachment; filename="aanbodbrief-{case.uuid.hex[:8]}.pdf"'
    recorded = reads(OFFER_LETTER_PURPOSE)
    assert case.household_ref in {event.subject_ref for event in recorded}
    assert {event.actor_label for event in recorded} == {"ww-vroeg"}


def test_the_case_says_how_a_signals_values_were_read(client_en, cases, creditors):
    officer = client_en("ww_early_signals")
    case = cases["waalwijk"]
    assert "When this signal was received" not in officer.get(case_url(case)).content.decode()

    deliver_rows(creditors["housing"], signal_row(creditor_reference="WS-TYPO", postcode="5I41 2X", phone="bel"))

    page = officer.get(case_url(case)).content.decode()
    assert page.count("When this signal was received:") == 1  # the new signal only
    assert "a letter and a digit that look alike swapped, and was read as 5141 ZX. Check the address" in page
    assert "The phone number delivered cannot be called; it was left out." in page


def test_the_case_names_the_letter_for_a_threatening_situation(client_en, cases, creditors):
    case = cases["waalwijk"]
    officer = client_en("ww_early_signals")
    assert "Download the offer letter (PDF)" in officer.get(case_url(case)).content.decode()

    deliver_rows(creditors["housing"], signal_row(creditor_reference="WS-THREAT", signal_kind="threat"))

    page = officer.get(case_url(case)).content.decode()
    assert "Download the offer letter for a threatening situation (PDF)" in page
    assert "Download the offer letter (PDF)" not in page


def test_without_personal_data_left_there_is_no_letter(client_en, cases):
    case = cases["waalwijk"]
    Signal.objects.filter(case=case).delete()

    assert client_en("ww_early_signals").get(case_url(case, "workspace:early-signals-letter")).status_code == 404
    assert "Download the offer letter" not in client_en("ww_early_signals").get(case_url(case)).content.decode()


def test_the_case_warns_while_the_letter_does_not_say_how_to_reach_the_team(client_en, cases, world):
    warning = "The offer letter does not say yet how residents reach your team"
    case = cases["waalwijk"]
    assert warning in client_en("ww_early_signals").get(case_url(case)).content.decode()

    manager = staff_actor(Role.APPLICATION_MANAGER, world.ww_team, world.waalwijk)
    text = letters.standard_text()
    letter_template_set(
        actor=manager, municipality=world.waalwijk, subject=text.subject, body=text.body, sender=text.sender,
        contact="Bel 0416 000 000.",
    )  # fmt: skip
    assert warning not in client_en("ww_early_signals").get(case_url(case)).content.decode()
    # A text of its own that says it without the placeholder needs nothing more.
    letter_template_set(
        actor=manager, municipality=world.waalwijk, subject=text.subject, body="Bel ons: 0416 000 000.",
        sender=text.sender,
    )  # fmt: skip
    assert warning not in client_en("ww_early_signals").get(case_url(case)).content.decode()


def test_the_warning_follows_the_letter_the_case_gets(client_en, cases, creditors, world):
    warning = "The offer letter does not say yet how residents reach your team"
    case = cases["waalwijk"]
    manager = staff_actor(Role.APPLICATION_MANAGER, world.ww_team, world.waalwijk)
    letter_template_set(
        actor=manager, municipality=world.waalwijk, subject="Hulp", body="Bel ons: 0416 000 000.", sender="Team",
        urgent_subject="Snel hulp", urgent_body="Neem snel contact op. {contact}",
    )  # fmt: skip
    assert warning not in client_en("ww_early_signals").get(case_url(case)).content.decode()

    deliver_rows(creditors["housing"], signal_row(creditor_reference="WS-THREAT", signal_kind="threat"))

    assert warning in client_en("ww_early_signals").get(case_url(case)).content.decode()


# --- settings -----------------------------------------------------------------------------------------------


def test_the_manager_sets_the_terms_and_retention(client_en, world):
    client = client_en("ww_application_manager")
    page = client.get(reverse("workspace:early_signals_settings"))
    assert page.context["terms_form"].initial == {
        "regular_term_days": 28,
        "urgent_term_working_days": 3,
        "retention_days": None,
        "retention_after_help_days": None,
    }

    response = client.post(
        reverse("workspace:early-signals-settings-terms"),
        {"regular_term_days": "21", "urgent_term_working_days": "2", "retention_days": "365"},
    )

    assert response.status_code == 302 and response["Location"] == reverse("workspace:early_signals_settings") + "#main"
    row = MunicipalitySettings.objects.get(municipality=world.waalwijk)
    assert (row.regular_term_days, row.urgent_term_working_days, row.retention_days) == (21, 2, 365)
    event = AuditEvent.objects.get(action="early_signals.settings.update")
    assert event.details == {
        "regular_term_days": 21,
        "urgent_term_working_days": 2,
        "retention_days": 365,
        "retention_after_help_days": None,
    }
    assert 'value="365"' in client.get(reverse("workspace:early_signals_settings")).content.decode()

    client.post(
        reverse("workspace:early-signals-settings-terms"),
        {"regular_term_days": "21", "urgent_term_working_days": "2", "retention_days": ""},
    )
    row.refresh_from_db()
    assert row.retention_days is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"regular_term_days": "0", "urgent_term_working_days": "3"}, "regular_term_days"),
        ({"regular_term_days": "366", "urgent_term_working_days": "3"}, "regular_term_days"),
        ({"regular_term_days": "28", "urgent_term_working_days": "31"}, "urgent_term_working_days"),
        ({"regular_term_days": "28", "urgent_term_working_days": "drie"}, "urgent_term_working_days"),
        ({"regular_term_days": "28", "urgent_term_working_days": "3", "retention_days": "-1"}, "retention_days"),
        ({"regular_term_days": "28", "urgent_term_working_days": "3", "retention_days": "99999"}, "retention_days"),
    ],
)
def test_wrong_terms_are_refused_next_to_the_field(client_en, world, data, field):
    before = state()

    response = client_en("ww_application_manager").post(reverse("workspace:early-signals-settings-terms"), data)

    assert response.status_code == 400
    assert response.context["terms_form"].errors.get(field)
    assert state() == before


def test_the_manager_sets_thresholds_per_kind_of_creditor(client_en, world):
    client = client_en("ww_application_manager")
    data = {
        "woningcorporatie-amount": "250.00",
        "woningcorporatie-months": "2",
        "energieleverancier-amount": "0",
        "energieleverancier-months": "0",
        "drinkwaterbedrijf-amount": "0",
        "drinkwaterbedrijf-months": "0",
        "zorgverzekeraar-amount": "75.50",
        "zorgverzekeraar-months": "0",
    }

    response = client.post(reverse("workspace:early-signals-settings-thresholds"), data)

    assert response.status_code == 302
    stored = {
        t.creditor_kind: (t.minimum_amount, t.minimum_months_in_arrears)
        for t in CreditorKindThreshold.objects.filter(municipality=world.waalwijk)
    }
    assert stored == {"woningcorporatie": (Decimal("250.00"), 2), "zorgverzekeraar": (Decimal("75.50"), 0)}
    assert AuditEvent.objects.filter(action="early_signals.threshold.set").count() == 2
    assert not CreditorKindThreshold.objects.filter(municipality=world.meerssen).exists()

    refused = client.post(
        reverse("workspace:early-signals-settings-thresholds"),
        {**data, "zorgverzekeraar-amount": "-5", "woningcorporatie-months": "999"},
    )
    assert refused.status_code == 400
    assert refused.context["thresholds_form"].errors.keys() == {"zorgverzekeraar-amount", "woningcorporatie-months"}
    assert CreditorKindThreshold.objects.get(creditor_kind="zorgverzekeraar").minimum_amount == Decimal("75.50")


def test_the_manager_writes_previews_and_resets_the_offer_letter(client_en, world):
    client = client_en("ww_application_manager")
    url = reverse("workspace:early-signals-settings-letter")
    page = client.get(reverse("workspace:early_signals_settings")).content.decode()
    assert "The letter uses the standard text." in page
    # Both previews, with invented details: the letter for arrears and the one for a threat.
    assert page.count("Beste Jolien van Voorbeeld,") == 2
    assert letters.STANDARD_SUBJECT in page and letters.STANDARD_URGENT_SUBJECT in page

    text = {
        "subject": "Hulp van {gemeente}",
        "body": "Beste {naam},\n\n{schuldeiser} meldde een achterstand.\nBel ons.",
        "urgent_subject": "Snel hulp van {gemeente}",
        "urgent_body": "Beste {naam},\n\n{schuldeiser} meldde een dreiging.\nBel ons vóór {reageer_voor}.",
        "sender": "Team Geldzorgen",
        "contact": "Bel 0416 123 456.",
    }
    preview = client.post(url, {**text, "action": "preview"})
    assert preview.status_code == 200
    shown = preview.content.decode()
    assert "Hulp van Waalwijk" in shown and "Snel hulp van Waalwijk" in shown
    assert "Woonstichting Voorbeeld meldde een achterstand.<br>Bel ons." in shown
    assert "Woonstichting Voorbeeld meldde een dreiging.<br>Bel ons vóór" in shown
    assert not LetterTemplate.objects.exists()

    assert client.post(url, {**text, "action": "save"}).status_code == 302
    saved = LetterTemplate.objects.get(municipality=world.waalwijk)
    assert (saved.subject, saved.urgent_subject, saved.sender, saved.contact) == (
        "Hulp van {gemeente}",
        "Snel hulp van {gemeente}",
        "Team Geldzorgen",
        "Bel 0416 123 456.",
    )
    assert AuditEvent.objects.get(action="early_signals.letter_template.set").details == {
        "fields": ["body", "contact", "sender", "subject", "urgent_body", "urgent_subject"]
    }
    assert "The letter uses your own text." in client.get(reverse("workspace:early_signals_settings")).content.decode()

    assert client.post(url, {**text, "action": "standard"}).status_code == 302
    assert not LetterTemplate.objects.exists()
    assert AuditEvent.objects.filter(action="early_signals.letter_template.clear").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"body": "Beste {naam}, je {bsn} is bekend."}, "body"),
        ({"body": "Beste {naam, welkom."}, "body"),
        ({"body": "{% load static %}{{ request.user }}"}, "body"),
        ({"subject": "Over {Naam}"}, "subject"),
        ({"sender": "{afzender}"}, "sender"),
        ({"body": ""}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"urgent_body": "Beste {naam}, je {bsn} is bekend."}, "urgent_body"),
        ({"urgent_subject": "Snel {"}, "urgent_subject"),
        ({"urgent_body": ""}, "urgent_body"),
    ],
)
def test_a_letter_with_unknown_placeholders_is_refused(client_en, world, changes, field):
    data = {
        "subject": "Hulp",
        "body": "Beste {naam},",
        "urgent_subject": "Snel hulp",
        "urgent_body": "Beste {naam}, snel.",
        "sender": "Team",
        "contact": "",
        **changes,
    }
    before = state()

    for action in ("save", "preview"):
        response = client_en("ww_application_manager").post(
            reverse("workspace:early-signals-settings-letter"), {**data, "action": action}
        )
        assert response.status_code == 400
        assert response.context["letter_form"].errors.get(field)
    assert state() == before


def test_hostile_text_in_the_letter_is_escaped_in_the_preview(client_en, world):
    response = client_en("ww_application_manager").post(
        reverse("workspace:early-signals-settings-letter"),
        {
            "subject": HOSTILE,
            "body": f"Beste {{naam}}, {HOSTILE}",
            "urgent_subject": HOSTILE,
            "urgent_body": f"<i>{{naam}}</i> {HOSTILE}",
            "sender": "<b>Team</b>",
            "action": "preview",
        },
    )

    page = response.content.decode()
    assert HOSTILE not in page and "<b>Team</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;i&gt;Jolien van Voorbeeld&lt;/i&gt;" in page  # the letter when the situation threatens


@pytest.mark.parametrize("page", ["²", "٢", "9" * 5000, "0", "-1"])
def test_a_page_number_that_is_no_page_number_shows_the_first_page(client_en, cases, page):
    response = client_en("ww_early_signals").get(reverse("workspace:early_signals"), {"pagina": page})

    assert response.status_code == OK
