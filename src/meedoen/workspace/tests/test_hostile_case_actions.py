"""The early-signalling case actions and settings against hostile input: text of 100,000 characters,
NUL bytes and lone surrogates, dates that do not exist, huge and negative numbers, unknown choices,
missing and repeated fields, wrong methods, ids that are no ids, a case of the other municipality,
posts without a CSRF token and htmx requests. Whatever comes in: never an error page, never a read
or write across municipalities, nothing half-written, and a refusal in Dutch beside its field."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import log_in
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from meedoen.accounts.tests.factories import TOTPDeviceFactory, UserFactory
from meedoen.core.access import Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals.models import (
    Case,
    ContactAttempt,
    CreditorKindThreshold,
    LetterTemplate,
    MunicipalitySettings,
    Signal,
)
from meedoen.early_signals.tests.factories import deliver_rows, make_creditor, signal_row, unanswered_letter
from meedoen.ledger.models import Entry
from meedoen.organisations.models import Organisation
from meedoen.organisations.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
# Friday 20 March 2026, mid-morning.
TODAY = datetime(2026, 3, 20, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
RECEIVED = TODAY - timedelta(days=2)
LONG = "x" * 100_000
HOSTILE_TEXTS = [
    LONG,
    "a\x00b",
    "\x00",
    "\ud800",
    "a\udfffb",
    "\u202eevil",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://example.invalid")',
    "{naam",
    "}",
    "\r\n\r\n",
    "",
]
HOSTILE_DATES = [
    "0000-00-00",
    "9999-12-31",
    "2024-02-30",
    "0001-01-01",
    "10000-01-01",
    "-2026-03-20",
    "2026-13-01",
    "2026-03-20T09:00",
    LONG,
    "",
]
HOSTILE_TIMES = ["25:00", "23:59:60", "-1:00", "99999999999999999999:00", "9:60", LONG, ""]
HOSTILE_NUMBERS = [
    "99999999999999999999999999",
    "9" * 5000,
    "-1",
    "0",
    "-0",
    "1e3",
    "1.5",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999999999",
    "0x10",
    "²",
    "\x00",
    LONG,
    "",
]
UNKNOWN_CHOICES = ["", "unknown", "closed", "withdrawn_paid", "\x00", LONG, "NEW", " new", "1"]
BAD_UUIDS = [
    "not-a-uuid",
    "00000000-0000-0000-0000-00000000000g",
    "0" * 100,
    "%00",
    "12345678-1234-1234-1234-1234567890ab-extra",
    "..",
]


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
def client_of(people):
    """A logged-in client that reads the pages in Dutch, the language the site shows by default."""

    def make(persona: str, **options: object) -> Client:
        return log_in(Client(**options), people[persona])

    return make


@pytest.fixture
def cases(world):
    """An open case in Waalwijk and one in Meerssen; both came in on Wednesday, two days ago."""
    housing = make_creditor(
        "Woonstichting Langstraat", Organisation.Kind.HOUSING_CORPORATION, agreements=[world.waalwijk]
    )
    water = make_creditor("Waterbedrijf Denkbeeld", Organisation.Kind.WATER_COMPANY, agreements=[world.meerssen])
    with time_machine.travel(RECEIVED, tick=False):
        deliver_rows(housing, signal_row())
        deliver_rows(
            water,
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


def state() -> tuple[object, ...]:
    """Everything the pages of this module could write, in either municipality."""
    return (
        sorted(
            Case.objects.values_list(
                "uuid", "status", "outcome", "first_offer_at", "first_contact_at", "closed_at", "threat_due"
            )
        ),
        sorted(ContactAttempt.objects.values_list("case_id", "channel", "attempted_at", "reached", "note")),
        sorted(
            MunicipalitySettings.objects.values_list(
                "municipality_id",
                "regular_term_days",
                "urgent_term_working_days",
                "retention_days",
                "retention_after_help_days",
            )
        ),
        sorted(
            CreditorKindThreshold.objects.values_list(
                "municipality_id", "creditor_kind", "minimum_amount", "minimum_months_in_arrears"
            )
        ),
        sorted(LetterTemplate.objects.values_list("municipality_id", "subject", "body", "sender", "contact")),
        Entry.objects.count(),
        AuditEvent.objects.filter(kind=AuditEvent.Kind.CHANGE).count(),
    )


def form_body(pairs: list[tuple[str, str]]) -> str:
    """A form as a browser sends it, but with whatever bytes the text holds: a lone surrogate goes
    out as the three bytes that UTF-8 would give it, which no browser sends and the server decodes
    as replacement characters."""
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass")


def post(client: Client, url: str, pairs: list[tuple[str, str]], **headers: str):
    return client.post(url, form_body(pairs), content_type="application/x-www-form-urlencoded", headers=headers or None)


def field_error(response, field_id: str) -> str:
    """The error shown beside the field with this id, or the empty string."""
    found = re.search(rf'id="{re.escape(field_id)}_error">([^<]*)<', response.content.decode())
    return found.group(1).strip() if found else ""


def case_url(case: Case, name: str) -> str:
    return reverse(name, args=[case.uuid])


def attempt_pairs(**changes: str) -> list[tuple[str, str]]:
    fields = {
        "attempt-channel": "phone",
        "attempt-attempted_on": "2026-03-20",
        "attempt-attempted_time": "09:30",
        "attempt-reached": "yes",
        "attempt-note": "Gebeld, afspraak op dinsdag.",
        **changes,
    }
    return list(fields.items())


def refused_in_dutch(client: Client, url: str, pairs: list[tuple[str, str]], field_id: str) -> str:
    """Post ``pairs``: the page says why beside the field, in Dutch, and nothing changed. The first
    refusal of each field is posted again in English, which must say it otherwise. Returns the
    Dutch message."""
    before = state()
    response = post(client, url, pairs)
    shown = pairs[-1][1][:40] if pairs else ""
    assert response.status_code == 400, (field_id, shown, response.status_code)
    dutch = field_error(response, field_id)
    assert dutch, (field_id, shown)
    if field_id not in COMPARED:
        COMPARED.add(field_id)
        client.cookies["django_language"] = "en"
        try:
            assert field_error(post(client, url, pairs), field_id) != dutch, (field_id, shown, dutch)
        finally:
            del client.cookies["django_language"]
    assert state() == before, (field_id, shown)
    return dutch


COMPARED: set[str] = set()


@pytest.fixture(autouse=True)
def _compare_each_field_in_english_once():
    COMPARED.clear()


# --- the attempt ---------------------------------------------------------------------------------------------


def test_hostile_values_of_an_attempt_are_refused_beside_their_field(client_of, cases):
    client = client_of("ww_early_signals")
    url = case_url(cases["waalwijk"], "workspace:early-signals-attempt")
    hostile = {
        # An attempt before the case was opened is refused by the service, and shown beside the date.
        "attempt-attempted_on": [*HOSTILE_DATES, "2026-03-17"],
        "attempt-attempted_time": HOSTILE_TIMES,
        "attempt-channel": UNKNOWN_CHOICES,
        "attempt-reached": ["", "ja", "true", "1", LONG],
        # Characters nobody types show nothing, or turn the text around ("Trojan Source").
        "attempt-note": [LONG, "a\x0bb", "\u202eevil", "\u200b", "\x1b[31m"],
    }
    for name, values in hostile.items():
        for value in values:
            if "\x00" not in value:
                refused_in_dutch(client, url, attempt_pairs(**{name: value}), f"id_{name}")
    for name in ("attempt-channel", "attempt-attempted_on", "attempt-attempted_time", "attempt-reached"):
        refused_in_dutch(client, url, [pair for pair in attempt_pairs() if pair[0] != name], f"id_{name}")
    assert "500" in field_error(post(client, url, attempt_pairs(**{"attempt-note": LONG})), "id_attempt-note")


def test_a_nul_anywhere_in_the_form_is_a_bad_request_that_changes_nothing(client_of, cases):
    client = client_of("ww_early_signals")
    url = case_url(cases["waalwijk"], "workspace:early-signals-attempt")
    before = state()

    for name, value in [("attempt-note", "a\x00b"), ("attempt-attempted_on", "\x00"), ("\x00", "x")]:
        assert post(client, url, [*attempt_pairs(), (name, value)]).status_code == 400, name
    assert state() == before


def test_a_lone_surrogate_in_the_note_arrives_as_replacement_characters(client_of, cases):
    response = post(
        client_of("ww_early_signals"),
        case_url(cases["waalwijk"], "workspace:early-signals-attempt"),
        attempt_pairs(**{"attempt-note": "voor\ud800na"}),
    )

    assert response.status_code == 302
    assert ContactAttempt.objects.get().note == "voor\ufffd\ufffd\ufffdna"


def test_a_field_sent_twice_counts_once_with_its_last_value(client_of, cases):
    response = post(
        client_of("ww_early_signals"),
        case_url(cases["waalwijk"], "workspace:early-signals-attempt"),
        [*attempt_pairs(), ("attempt-reached", "no"), ("attempt-channel", "letter")],
    )

    assert response.status_code == 302
    attempt = ContactAttempt.objects.get()
    assert (attempt.channel, attempt.reached) == ("letter", False)


ATTEMPT_FIELDS = [
    "attempt-channel",
    "attempt-attempted_on",
    "attempt-attempted_time",
    "attempt-reached",
    "attempt-note",
]
ANY_VALUE = st.one_of(
    st.sampled_from(
        [
            *HOSTILE_TEXTS,
            *HOSTILE_DATES,
            *HOSTILE_TIMES,
            *HOSTILE_NUMBERS,
            *UNKNOWN_CHOICES,
            *["phone", "letter", "yes", "no", "2026-03-19", "12:00"],
        ]
    ),
    st.text(max_size=30),
)


@settings(max_examples=40)
@given(st.lists(st.tuples(st.sampled_from([*ATTEMPT_FIELDS, "csrfmiddlewaretoken", "other"]), ANY_VALUE), max_size=8))
def hostile_attempts(client: Client, url: str, pairs: list[tuple[str, str]]) -> None:
    before = state()
    response = post(client, url, pairs)
    after = state()
    if response.status_code == 302:
        assert len(after[1]) == len(before[1]) + 1  # one attempt, with its audit record
        assert after[-1] == before[-1] + 1
    else:
        assert response.status_code == 400, response.status_code
        assert after == before


def test_whatever_an_attempt_holds_it_is_saved_whole_or_refused_with_nothing_written(client_of, cases):
    hostile_attempts(client_of("ww_early_signals"), case_url(cases["waalwijk"], "workspace:early-signals-attempt"))


# --- moving, closing and opening again -----------------------------------------------------------------------

NO_CHOICES = [choice for choice in UNKNOWN_CHOICES if "\x00" not in choice]


def test_an_unknown_tray_outcome_or_reason_is_refused_beside_it(client_of, cases, world):
    client = client_of("ww_early_signals")
    case = cases["waalwijk"]
    for status in [*NO_CHOICES, Case.Status.CLOSED, "new_"]:
        refused_in_dutch(
            client, case_url(case, "workspace:early-signals-move"), [("move-status", status)], "id_move-status"
        )
    # No outcome of a withdrawal, and "no contact" not before an attempt.
    for outcome in [*NO_CHOICES, "withdrawn_error", "no_contact"]:
        refused_in_dutch(
            client, case_url(case, "workspace:early-signals-close"), [("close-outcome", outcome)], "id_close-outcome"
        )
    # An open case is not opened again.
    reopen = case_url(case, "workspace:early-signals-reopen")
    refused_in_dutch(client, reopen, [("reopen-reason", Case.ReopenReason.values[0])], "id_reopen-reason")
    unanswered_letter(case, world.ww_team)
    assert (
        post(client, case_url(case, "workspace:early-signals-close"), [("close-outcome", "no_contact")]).status_code
        == 302
    )
    for reason in NO_CHOICES:
        refused_in_dutch(client, reopen, [("reopen-reason", reason)], "id_reopen-reason")


def test_signals_to_move_out_of_a_case_that_are_no_signals_of_it_are_refused_beside_them(client_of, cases, world):
    case = cases["waalwijk"]
    # Her twin brother, whom linking took for her: two signals, so that one could move.
    energy = make_creditor("Energie Verzonnen", Organisation.Kind.ENERGY_SUPPLIER, agreements=[world.waalwijk])
    deliver_rows(energy, signal_row(creditor_reference="EV-T", given_name="Joost"))
    assert case.signals.count() == 2
    client = client_of("ww_early_signals")
    url = case_url(case, "workspace:early-signals-separate")
    others = [str(key) for key in Signal.objects.exclude(case=case).values_list("uuid", flat=True)]
    for chosen in [*NO_CHOICES, *others, "01a22a9b-6564-7477-bc03-347f1374c147", ""]:
        refused_in_dutch(
            client, url, [("separate-signals", chosen), ("separate-someone_else", "on")], "id_separate-signals"
        )
    refused_in_dutch(client, url, [("separate-someone_else", "on")], "id_separate-signals")
    # Every signal of the case at once, each sent twice: nothing would stay behind.
    every = [("separate-signals", str(key)) for key in case.signals.values_list("uuid", flat=True)]
    refused_in_dutch(client, url, [*every, *every, ("separate-someone_else", "on")], "id_separate-signals")
    assert Case.objects.filter(municipality=case.municipality).count() == 1


def test_a_tray_sent_twice_moves_the_case_once_to_the_last(client_of, cases):
    case = cases["waalwijk"]
    response = post(
        client_of("ww_early_signals"),
        case_url(case, "workspace:early-signals-move"),
        [("move-status", "in_help"), ("move-status", "to_contact")],
    )

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Case.Status.TO_CONTACT
    assert AuditEvent.objects.filter(action="early_signals.case.move").count() == 1


# --- addresses, methods, tenancy, CSRF and htmx --------------------------------------------------------------

ACTIONS = [
    ("workspace:early-signals-attempt", attempt_pairs()),
    ("workspace:early-signals-move", [("move-status", "in_help")]),
    ("workspace:early-signals-close", [("close-outcome", "no_contact")]),
    ("workspace:early-signals-reopen", [("reopen-reason", Case.ReopenReason.values[0])]),
    (
        "workspace:early-signals-join",
        [("join-other", "01a22a9b-6564-7477-bc03-347f1374c147"), ("join-same_person", "on")],
    ),
    (
        "workspace:early-signals-split",
        [("split-joined", "01a22a9b-6564-7477-bc03-347f1374c147"), ("split-different_people", "on")],
    ),
    (
        "workspace:early-signals-separate",
        [("separate-signals", "01a22a9b-6564-7477-bc03-347f1374c147"), ("separate-someone_else", "on")],
    ),
]
CASE_PAGES = ["workspace:early-signals-case", "workspace:early-signals-letter"]


def test_an_address_with_no_case_id_or_an_unknown_one_is_not_found(client_of, cases):
    client = client_of("ww_early_signals")
    before = state()

    for bad in BAD_UUIDS:
        for suffix in (
            "",
            "poging/",
            "verplaatsen/",
            "sluiten/",
            "heropenen/",
            "samenvoegen/",
            "samenvoegen-ongedaan-maken/",
            "signalen-afsplitsen/",
            "brief.pdf",
        ):
            url = f"{reverse('workspace:early_signals')}{bad}/{suffix}"
            for response in (client.get(url), post(client, url, [("move-status", "in_help")])):
                assert response.status_code in (400, 404), (url, response.status_code)
    unknown = "00000000-0000-0000-0000-000000000000"
    for name, pairs in ACTIONS:
        assert post(client, reverse(name, args=[unknown]), pairs).status_code == 404
    for name in CASE_PAGES:
        assert client.get(reverse(name, args=[unknown])).status_code == 404
    assert state() == before


@pytest.mark.parametrize(("persona", "other"), [("ww_early_signals", "meerssen"), ("ms_early_signals", "waalwijk")])
def test_an_officer_reaches_no_case_of_the_other_municipality(client_of, cases, persona, other):
    client = client_of(persona)
    reads = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ)
    before = state()

    for name, pairs in ACTIONS:
        assert post(client, case_url(cases[other], name), pairs).status_code == 404
        assert post(client, case_url(cases[other], name), pairs, HX_Request="true").status_code == 404
    for name in CASE_PAGES:
        assert client.get(case_url(cases[other], name)).status_code == 404
    for query in (cases[other].number, "WB-1", "6241 ZT 12", "5141 ZX 12"):
        found = client.get(reverse("workspace:early-signals-search"), {"zoek": query})
        assert found.status_code == 200
        assert str(cases[other].uuid) not in found.content.decode()

    assert state() == before
    assert not reads.filter(object_id=str(cases[other].pk)).exists()
    assert not reads.filter(object_id=str(cases[other].uuid)).exists()


@pytest.mark.parametrize("persona", ["no_role", "no_second_factor", "ww_policy", "ww_application_manager", "anonymous"])
def test_hostile_posts_of_someone_without_the_role_change_nothing(client_of, cases, persona):
    client = client_of(persona)
    before = state()

    for name, pairs in ACTIONS:
        for extra in ([], [("move-status", LONG)], [("attempt-attempted_on", "0000-00-00")]):
            response = post(client, case_url(cases["waalwijk"], name), [*pairs, *extra])
            assert response.status_code in (302, 403), (name, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("accounts:login"))
    assert state() == before


def test_a_case_action_takes_only_a_post(client_of, cases):
    client = client_of("ww_early_signals")
    before = state()

    for name, _pairs in ACTIONS:
        for method in ("get", "put", "patch", "delete"):
            assert getattr(client, method)(case_url(cases["waalwijk"], name)).status_code == 405, (name, method)
    assert state() == before


def test_a_post_without_the_csrf_token_is_refused_and_one_with_it_taken(client_of, cases):
    client = client_of("ww_early_signals", enforce_csrf_checks=True)
    case = cases["waalwijk"]
    before = state()

    for name, pairs in ACTIONS:
        assert post(client, case_url(case, name), pairs).status_code == 403, name
        assert post(client, case_url(case, name), pairs, HX_Request="true").status_code == 403, name
    assert state() == before
    page = client.get(case_url(case, "workspace:early-signals-case"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    moved = post(
        client,
        case_url(case, "workspace:early-signals-move"),
        [("move-status", "in_help"), ("csrfmiddlewaretoken", token[1])],
    )
    assert moved.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Case.Status.IN_HELP


def test_an_htmx_post_is_answered_as_any_post(client_of, cases):
    client = client_of("ww_early_signals")
    url = case_url(cases["waalwijk"], "workspace:early-signals-move")

    refused = post(client, url, [("move-status", "unknown")], HX_Request="true", HX_Target="main")
    saved = post(client, url, [("move-status", "in_help")], HX_Request="true", HX_Target="main")

    assert refused.status_code == 400
    assert field_error(refused, "id_move-status")
    assert saved.status_code == 302


# --- finding a case and the trays ---------------------------------------------------------------------------


def test_any_search_text_answers_a_page(client_of, cases):
    client = client_of("ww_early_signals")
    before = state()

    for query in [*HOSTILE_TEXTS, "\x00", "\u200b\x00", "%", "_", "'; DROP TABLE x; --"]:
        url = f"{reverse('workspace:early-signals-search')}?{form_body([('zoek', query)])}"
        assert client.get(url).status_code == 200, query[:40]
    # A NUL typed or pasted along hides nothing, and fails nothing on PostgreSQL.
    url = f"{reverse('workspace:early-signals-search')}?{form_body([('zoek', 'WS-0001' + chr(0))])}"
    assert str(cases["waalwijk"].uuid) in client.get(url).content.decode()
    assert state() == before


def test_any_tray_address_answers_a_page(client_of, cases):
    client = client_of("ww_early_signals")
    queries = [
        {"bak": LONG},
        {"bak": "closed", "pagina": "99999999999999999999"},
        {"pagina": "-1"},
        {"pagina": "0"},
        {"pagina": "²"},
        {"wijk": LONG},
        {"wijk": "\x00"},
        {"stil": "1", "pagina": "9" * 5000},
        {"bak": "new", "wijk": "WK086700", "stil": LONG},
    ]
    for query in queries:
        assert client.get(reverse("workspace:early_signals"), query).status_code == 200, query


# --- the settings --------------------------------------------------------------------------------------------

TERMS = ["regular_term_days", "urgent_term_working_days", "retention_days", "retention_after_help_days"]


def terms_pairs(**changes: str) -> list[tuple[str, str]]:
    fields = {"regular_term_days": "21", "urgent_term_working_days": "2", "retention_days": "", **changes}
    return list(fields.items())


def test_hostile_terms_and_thresholds_are_refused_beside_their_field(client_of, world):
    client = client_of("ww_application_manager")
    numbers = [value for value in HOSTILE_NUMBERS if value not in ("", "\x00")]
    for name in TERMS:
        for value in numbers if name == TERMS[0] else ["-1", "0", "99999999999999999999", "1.5", "NaN"]:
            refused_in_dutch(
                client, reverse("workspace:early-signals-settings-terms"), terms_pairs(**{name: value}), f"id_{name}"
            )
    url = reverse("workspace:early-signals-settings-thresholds")
    for value in [v for v in numbers if v not in ("0", "-0", "1.5", "1e3")]:
        for part in ("amount", "months"):
            refused_in_dutch(client, url, [(f"woningcorporatie-{part}", value)], f"id_woningcorporatie-{part}")
    refused_in_dutch(client, url, [("woningcorporatie-months", "1.5")], "id_woningcorporatie-months")


def test_the_settings_of_one_municipality_are_never_the_other_ones(client_of, world):
    client = client_of("ms_application_manager")
    other = str(world.waalwijk.pk)

    terms = post(
        client,
        reverse("workspace:early-signals-settings-terms"),
        [*terms_pairs(), ("municipality", other), ("municipality_id", other)],
    )
    letter = post(
        client, reverse("workspace:early-signals-settings-letter"), [*letter_pairs(), ("municipality", other)]
    )

    assert (terms.status_code, letter.status_code) == (302, 302)
    assert list(MunicipalitySettings.objects.values_list("municipality_id", flat=True)) == [world.meerssen.pk]
    assert list(LetterTemplate.objects.values_list("municipality_id", flat=True)) == [world.meerssen.pk]


def test_thresholds_of_unknown_kinds_change_nothing(client_of, world):
    before = state()
    pairs = [("onbekend-amount", "5"), ("onbekend-months", "1"), (LONG, LONG)]

    response = post(client_of("ww_application_manager"), reverse("workspace:early-signals-settings-thresholds"), pairs)

    assert response.status_code == 400  # the known kinds are missing
    assert state() == before


LETTER = {
    "subject": "Hulp bij geldzorgen",
    "body": "Beste {naam},\n\nWij helpen.",
    "sender": "Team",
    "urgent_subject": "Snel hulp",
    "urgent_body": "Beste {naam}, snel.",
}


def letter_pairs(**changes: str) -> list[tuple[str, str]]:
    return list({**LETTER, **changes}.items())


def test_a_letter_text_it_cannot_use_is_refused_beside_it(client_of, world):
    client = client_of("ww_application_manager")
    url = reverse("workspace:early-signals-settings-letter")
    for name in ("subject", "body", "urgent_subject", "urgent_body", "sender", "contact"):
        # Characters nobody types print as empty boxes in the letter, or turn its text around.
        texts = [LONG, "a\x0bb", "\u202e{naam}", "a\x1fb", "{gemeente}\u2066"]
        if name != "contact":  # a value, not a text with placeholders
            texts += ["{onbekend}", "{naam"]
        for text in texts:
            refused_in_dutch(client, url, letter_pairs(**{name: text}), f"id_{name}")
    preview = post(client, url, [*letter_pairs(body="Beste\x0b{naam}"), ("action", "preview")])
    assert preview.status_code == 400
    assert field_error(preview, "id_body")


def test_any_action_on_the_letter_answers_a_page(client_of, world):
    client = client_of("ww_application_manager")
    before = state()

    for action in ["preview", "save", "unknown", LONG, ""]:
        response = post(
            client, reverse("workspace:early-signals-settings-letter"), [*letter_pairs(body=LONG), ("action", action)]
        )
        assert response.status_code == 400, action[:20]
    assert state() == before


def test_a_letter_with_unusual_but_visible_text_prints(client_of, cases):
    # Arabic with a direction mark, a soft hyphen, a family emoji with its joiners, a word longer than a line.
    text = (
        "Beste {naam},\n\n\u0627\u0644\u0639\u0631\u0628\u064a\u0629\u200f 12 schuld\u00adhulp "
        "\U0001f468\u200d\U0001f469\u200d\U0001f467 " + "W" * 3000
    )
    saved = post(
        client_of("ww_application_manager"), reverse("workspace:early-signals-settings-letter"), letter_pairs(body=text)
    )
    assert saved.status_code == 302, field_error(saved, "id_body")

    response = client_of("ww_early_signals").get(case_url(cases["waalwijk"], "workspace:early-signals-letter"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


@settings(max_examples=25)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([*TERMS, "woningcorporatie-amount", "woningcorporatie-months", "x"]),
            st.one_of(st.sampled_from([*HOSTILE_NUMBERS, "7", "30", "100,50", "1.000,00"]), st.text(max_size=12)),
        ),
        max_size=6,
    ),
    st.sampled_from(["workspace:early-signals-settings-terms", "workspace:early-signals-settings-thresholds"]),
)
def hostile_settings(client: Client, pairs: list[tuple[str, str]], name: str) -> None:
    before = state()
    response = post(client, reverse(name), pairs)
    if response.status_code != 302:
        assert response.status_code == 400, response.status_code
        assert state() == before


def test_whatever_the_settings_hold_they_are_saved_or_refused_with_nothing_written(client_of, world):
    hostile_settings(client_of("ww_application_manager"))
