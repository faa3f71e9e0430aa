"""A creditor asks, per signal it delivered, how far the municipality got: received, in progress or
closed, whether help was accepted and when the case closed; only about its own signals, only in the
municipalities it has an agreement with, only what changed since a moment, a page at a time, as JSON
or CSV. Every call is audited; signals whose data was removed are still answered."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

from meedoen.core.models import AuditEvent
from meedoen.early_signals import feedback
from meedoen.early_signals.models import CreditorAgreement, CreditorToken, Signal, SignalTombstone
from meedoen.early_signals.services import attempt_record, case_close, token_revoke
from meedoen.early_signals.tests.conftest import TODAY
from meedoen.early_signals.tests.factories import SYSTEM, deliver_rows, signal_row
from meedoen.early_signals.tests.test_api import english, issue_token
from meedoen.early_signals.tests.test_docs import DOC, ROOT

pytestmark = pytest.mark.django_db

URL = "/api/v1/early-signals/feedback/"


def client_of(organisation) -> Client:
    client = english(Client())
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_token(organisation)}"
    return client


def household(number: int, **fields):
    """A signal about another invented household in Waalwijk (its own address and person)."""
    own = {
        "creditor_reference": f"REF-{number:03d}",
        "surname": f"Verzonnen{chr(ord('a') + number % 26)}",
        "house_number": str(100 + number),
    }
    return signal_row(**(own | fields))


def case_of(creditor, reference):
    return Signal.objects.select_related("case").get(creditor=creditor, creditor_reference=reference).case


def reach(case, *, reached=True):
    return attempt_record(
        actor=SYSTEM,
        case=case,
        organisation=case.municipality.organisations.first(),
        channel="phone",
        attempted_at=TODAY,
        reached=reached,
    )


def close(case, outcome):
    return case_close(actor=SYSTEM, case=case, organisation=case.municipality.organisations.first(), outcome=outcome)


def remove(signal: Signal) -> SignalTombstone:
    """What the retention term leaves of a signal of a closed case: a tombstone, no personal data."""
    case = signal.case
    tombstone = SignalTombstone.objects.create(
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
    return tombstone


def results(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {item["creditor_reference"]: item for item in response.json()["results"]}


def all_pages(client: Client, url: str) -> list[str]:
    references: list[str] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        references += [item["creditor_reference"] for item in response.json()["results"]]
        url = response.json()["next"]
    return references


@pytest.fixture
def housing(creditors):
    return client_of(creditors.housing)


# --- what a creditor learns ---------------------------------------------------------------------------------


def test_the_creditor_learns_status_help_accepted_and_the_closing_day_and_nothing_else(creditors, housing, world):
    deliver_rows(creditors.housing, *(household(number) for number in range(1, 6)))
    reach(case_of(creditors.housing, "REF-002"), reached=False)
    for reference, outcome in (("REF-003", "payment_arrangement"), ("REF-004", "declined")):
        case = case_of(creditors.housing, reference)
        reach(case)
        close(case, outcome)
    close(case_of(creditors.housing, "REF-005"), "no_contact")

    found = results(housing.get(URL))

    changed = "2026-03-20T09:00:00+00:00"
    assert found == {
        "REF-001": {
            "creditor_reference": "REF-001",
            "municipality": "GM0867",
            "status": "received",
            "help_accepted": "unknown",
            "closed_on": None,
            "changed_at": changed,
            "withdrawn_on": None,
            "withdrawal_reason": None,
        },
        "REF-002": {
            "creditor_reference": "REF-002",
            "municipality": "GM0867",
            "status": "in_progress",
            "help_accepted": "unknown",
            "closed_on": None,
            "changed_at": changed,
            "withdrawn_on": None,
            "withdrawal_reason": None,
        },
        "REF-003": {
            "creditor_reference": "REF-003",
            "municipality": "GM0867",
            "status": "closed",
            "help_accepted": "yes",
            "closed_on": "2026-03-20",
            "changed_at": changed,
            "withdrawn_on": None,
            "withdrawal_reason": None,
        },
        "REF-004": {
            "creditor_reference": "REF-004",
            "municipality": "GM0867",
            "status": "closed",
            "help_accepted": "no",
            "closed_on": "2026-03-20",
            "changed_at": changed,
            "withdrawn_on": None,
            "withdrawal_reason": None,
        },
        "REF-005": {
            "creditor_reference": "REF-005",
            "municipality": "GM0867",
            "status": "closed",
            "help_accepted": "no",
            "closed_on": "2026-03-20",
            "changed_at": changed,
            "withdrawn_on": None,
            "withdrawal_reason": None,
        },
    }


@pytest.mark.parametrize(
    ("outcome", "accepted"),
    [
        ("quick_fix", "yes"),
        ("payment_arrangement", "yes"),
        ("referred_debt_help", "yes"),
        ("referred_partner", "yes"),
        ("self_resolved", "no"),
        ("declined", "no"),
        ("no_contact", "no"),
    ],
)
def test_every_outcome_tells_the_creditor_only_yes_or_no(creditors, housing, outcome, accepted):
    deliver_rows(creditors.housing, household(1))
    case = case_of(creditors.housing, "REF-001")
    reach(case)
    close(case, outcome)

    assert results(housing.get(URL))["REF-001"]["help_accepted"] == accepted
    assert outcome not in housing.get(URL).content.decode()


def test_a_household_signalled_by_two_creditors_is_told_to_each_about_its_own_signal_only(creditors, housing):
    deliver_rows(creditors.housing, household(1))
    deliver_rows(creditors.energy, household(1, creditor_reference="EN-777"))
    case = case_of(creditors.housing, "REF-001")
    assert case.signal_count == 2

    assert set(results(housing.get(URL))) == {"REF-001"}
    assert set(results(client_of(creditors.energy).get(URL))) == {"EN-777"}


# --- scope -----------------------------------------------------------------------------------------------------


def test_a_creditor_never_sees_the_references_of_another_creditor_or_municipality(creditors, world, housing):
    deliver_rows(creditors.housing, household(1), household(2))
    deliver_rows(creditors.energy, household(3, creditor_reference="EN-003"))
    deliver_rows(
        creditors.water,
        household(4, creditor_reference="WA-004", municipality="GM0938", postcode="6231 AA", city="Meerssen"),
    )

    assert set(results(housing.get(URL))) == {"REF-001", "REF-002"}
    assert set(results(client_of(creditors.energy).get(URL))) == {"EN-003"}
    assert set(results(client_of(creditors.water).get(URL))) == {"WA-004"}
    assert results(client_of(creditors.insurer).get(URL)) == {}


def test_after_the_agreement_ends_the_creditor_hears_nothing_more_from_that_municipality(creditors, world, housing):
    deliver_rows(creditors.housing, household(1))
    CreditorAgreement.objects.filter(organisation=creditors.housing, municipality=world.waalwijk).update(active=False)

    assert results(housing.get(URL)) == {}


def test_the_same_reference_of_another_creditor_is_not_mixed_up(creditors, housing):
    deliver_rows(creditors.housing, household(1))
    deliver_rows(creditors.energy, household(2, creditor_reference="REF-001"))
    case = case_of(creditors.energy, "REF-001")
    reach(case)
    close(case, "quick_fix")

    assert results(housing.get(URL))["REF-001"]["status"] == "received"
    assert results(client_of(creditors.energy).get(URL))["REF-001"]["status"] == "closed"


# --- since -------------------------------------------------------------------------------------------------------


def test_since_gives_only_the_signals_whose_feedback_changed_from_that_moment(creditors, housing):
    deliver_rows(creditors.housing, household(1), household(2))
    later = TODAY + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        deliver_rows(creditors.housing, household(3))
        case = case_of(creditors.housing, "REF-002")
        reach(case)
        close(case, "referred_debt_help")

    since = (TODAY + timedelta(days=1)).isoformat()
    found = results(housing.get(URL, {"since": since}))

    assert set(found) == {"REF-002", "REF-003"}
    assert found["REF-002"] | {"changed_at": None} == {
        "creditor_reference": "REF-002",
        "municipality": "GM0867",
        "status": "closed",
        "help_accepted": "yes",
        "closed_on": "2026-03-23",
        "changed_at": None,
        "withdrawn_on": None,
        "withdrawal_reason": None,
    }
    assert datetime.fromisoformat(found["REF-002"]["changed_at"]) == later
    # The moment itself is included: the last change seen can be the next since.
    assert set(results(housing.get(URL, {"since": later.isoformat()}))) == {"REF-002", "REF-003"}
    assert results(housing.get(URL, {"since": (later + timedelta(seconds=1)).isoformat()})) == {}


def test_a_signal_joining_an_older_case_counts_as_changed_when_it_arrives(creditors, housing):
    deliver_rows(creditors.energy, household(1, creditor_reference="EN-001"))
    later = TODAY + timedelta(days=2)
    with time_machine.travel(later, tick=False):
        deliver_rows(creditors.housing, household(1))

    assert set(results(housing.get(URL, {"since": (TODAY + timedelta(days=1)).isoformat()}))) == {"REF-001"}


@pytest.mark.parametrize(
    "since",
    [
        "2026-03-20 10:00",  # without an offset: Dutch time
        "2026-03-20T09:00:00Z",
        "2026-03-20T10:00:00+01:00",
        "2026-03-20",
    ],
)
def test_since_is_read_in_the_usual_iso_forms(creditors, housing, since):
    deliver_rows(creditors.housing, household(1))

    assert set(results(housing.get(URL, {"since": since}))) == {"REF-001"}


@pytest.mark.parametrize(
    "since",
    [
        "",
        "yesterday",
        "2026-13-01T00:00:00Z",
        "2026-02-30",
        "20-03-2026",
        "2026-03-20T10:00:00 01:00",  # a + that the web address turned into a space
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-05:00",
        "2026-03-20T10:00:00\x00",
        "<script>alert(1)</script>",
    ],
)
def test_a_since_that_cannot_be_read_is_refused_with_the_reason(creditors, housing, since):
    deliver_rows(creditors.housing, household(1))
    events = AuditEvent.objects.count()

    response = housing.get(URL, {"since": since})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "Give since as an ISO 8601 date and time" in response.json()["since"][0]
    assert AuditEvent.objects.count() == events


# --- pages -------------------------------------------------------------------------------------------------------


def test_pages_follow_each_other_without_gaps_or_repeats(creditors, housing):
    deliver_rows(creditors.housing, *(household(number) for number in range(1, 8)))
    case = case_of(creditors.housing, "REF-003")
    reach(case)
    close(case, "quick_fix")
    remove(Signal.objects.get(creditor=creditors.housing, creditor_reference="REF-003"))

    first = housing.get(URL, {"limit": 3})
    assert first.status_code == 200
    assert len(first.json()["results"]) == 3
    assert first["Link"] == f'<{first.json()["next"]}>; rel="next"'

    references = all_pages(housing, f"{URL}?limit=3")

    assert sorted(references) == [f"REF-{number:03d}" for number in range(1, 8)]
    # The removed signal changed last, so it comes last.
    assert references[-1] == "REF-003"


def test_the_last_page_has_no_next(creditors, housing):
    deliver_rows(creditors.housing, household(1), household(2))

    response = housing.get(URL, {"limit": 2})

    assert response.json()["next"] is None
    assert "Link" not in response


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "²"}, "limit"),
        ({"limit": "9" * 5000}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "W1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tb" * 41}, "cursor"),  # [[[[... deeper than JSON is read
        ({"cursor": "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzE0OjAwIiwwLDFd"}, "cursor"),  # before the calendar in UTC
        # an id no database holds
        ({"cursor": "WyIyMDI2LTAzLTIwVDA5OjAwOjAwKzAwOjAwIiwwLDEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDBd"}, "cursor"),
        ({"cursor": "WyIyMDI2LTAzLTIwIiwwLDFd"}, "cursor"),  # a naive moment
        ({"cursor": "WyIyMDI2LTAzLTIwVDA5OjAwOjAwKzAwOjAwIiw3LDFd"}, "cursor"),  # an unknown source
    ],
)
def test_a_limit_or_cursor_that_cannot_be_used_is_refused(creditors, housing, query, field):
    response = housing.get(URL, query)

    assert response.status_code == 400
    assert field in response.json()


# --- CSV -----------------------------------------------------------------------------------------------------------


def test_the_feedback_comes_as_csv_on_request(creditors, housing):
    deliver_rows(creditors.housing, household(1))
    case = case_of(creditors.housing, "REF-001")
    reach(case)
    close(case, "payment_arrangement")

    for response in (housing.get(URL, {"format": "csv"}), housing.get(URL, HTTP_ACCEPT="text/csv")):
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        # As the format documents it for machines: comma-delimited, no byte order mark, CR LF.
        assert response.content.startswith(b"creditor_reference,municipality,status,")
        assert response.content.endswith(b"\r\n") and b";" not in response.content
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows == [
            [
                "creditor_reference",
                "municipality",
                "status",
                "help_accepted",
                "closed_on",
                "changed_at",
                "withdrawn_on",
                "withdrawal_reason",
            ],
            ["REF-001", "GM0867", "closed", "yes", "2026-03-20", "2026-03-20T09:00:00+00:00", "", ""],
        ]


def test_references_that_a_spreadsheet_would_run_are_written_as_text(creditors, housing):
    written = {
        '=HYPERLINK("http://x.invalid","klik")': '\'=HYPERLINK("http://x.invalid","klik")',
        "+31-6": "'+31-6",
        "-2+3": "'-2+3",
        "@SUM(A1)": "'@SUM(A1)",
        '"; <b>x</b>': '"; <b>x</b>',
        # A spreadsheet with Dutch settings starts a new cell at a ";".
        "REF;=1+1;": "REF;'=1+1;",
        "REF; -2+3": "REF;' -2+3",
    }
    hostile = list(written)
    deliver_rows(
        creditors.housing, *(household(number, creditor_reference=ref) for number, ref in enumerate(hostile, 1))
    )

    response = housing.get(URL, {"format": "csv"})

    cells = [row[0] for row in csv.reader(io.StringIO(response.content.decode()))][1:]
    assert sorted(cells) == sorted(written.values())
    # JSON carries them as they were sent.
    assert set(results(housing.get(URL))) == set(hostile)


def test_a_refusal_is_json_also_when_csv_was_asked(creditors, housing):
    response = housing.get(URL, {"format": "csv", "since": "nonsense"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "since" in response.json()


@pytest.mark.parametrize("asked", ["xml", "CSV", "csv;"])
def test_a_format_it_cannot_give_is_refused_as_a_query_it_cannot_read(creditors, housing, asked):
    deliver_rows(creditors.housing, household(1))
    events = AuditEvent.objects.count()

    response = housing.get(URL, {"format": asked})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"format": ["Give format as json or csv."]}
    assert AuditEvent.objects.count() == events


def test_an_empty_format_is_the_default(creditors, housing):
    response = housing.get(URL, {"format": ""})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


# --- removed signals -------------------------------------------------------------------------------------------


def test_a_signal_whose_data_was_removed_is_still_answered_with_its_outcome(creditors, housing):
    deliver_rows(creditors.housing, household(1), household(2))
    for reference, outcome in (("REF-001", "referred_debt_help"), ("REF-002", "declined")):
        case = case_of(creditors.housing, reference)
        reach(case)
        close(case, outcome)
    removed_at = TODAY + timedelta(days=400)
    with time_machine.travel(removed_at, tick=False):
        for signal in Signal.objects.filter(creditor=creditors.housing):
            remove(signal)

        found = results(housing.get(URL, {"since": (TODAY + timedelta(days=300)).isoformat()}))

    assert Signal.objects.count() == 0
    assert found == {
        "REF-001": {
            "creditor_reference": "REF-001",
            "municipality": "GM0867",
            "status": "closed",
            "help_accepted": "yes",
            "closed_on": "2026-03-20",
            "changed_at": "2027-04-24T08:00:00+00:00",
            "withdrawn_on": None,
            "withdrawal_reason": None,
        },
        "REF-002": {
            "creditor_reference": "REF-002",
            "municipality": "GM0867",
            "status": "closed",
            "help_accepted": "no",
            "closed_on": "2026-03-20",
            "changed_at": "2027-04-24T08:00:00+00:00",
            "withdrawn_on": None,
            "withdrawal_reason": None,
        },
    }


def test_removed_signals_of_another_creditor_stay_out_of_sight(creditors, housing):
    deliver_rows(creditors.energy, household(1, creditor_reference="EN-001"))
    case = case_of(creditors.energy, "EN-001")
    close(case, "no_contact")
    remove(Signal.objects.get(creditor_reference="EN-001"))

    assert results(housing.get(URL)) == {}
    assert set(results(client_of(creditors.energy).get(URL))) == {"EN-001"}


# --- access and audit ---------------------------------------------------------------------------------------------


def test_without_a_valid_token_the_answer_is_401_and_nothing_is_told(creditors):
    deliver_rows(creditors.housing, household(1))
    revoked = client_of(creditors.housing)
    token = CreditorToken.objects.get(organisation=creditors.housing)
    token_revoke(actor=SYSTEM, token=token)
    events = AuditEvent.objects.count()

    for client in (
        english(Client()),
        english(Client(HTTP_AUTHORIZATION="Bearer mes_not-a-token")),
        english(Client(HTTP_AUTHORIZATION="Bearer")),
        revoked,
    ):
        response = client.get(URL)
        assert response.status_code == 401
        assert "REF-001" not in response.content.decode()
        assert response["WWW-Authenticate"] == 'Bearer realm="early-signals"'
    assert AuditEvent.objects.count() == events


def test_staff_sessions_do_not_reach_the_creditor_feedback(client_as, creditors):
    deliver_rows(creditors.housing, household(1))

    response = client_as("ww_early_signals").get(URL)

    assert response.status_code == 401


def test_every_call_is_audited_and_each_household_told_about_sees_a_read(creditors, housing, world):
    deliver_rows(creditors.housing, household(1), household(2, bsn="111222333"))
    close(case_of(creditors.housing, "REF-001"), "no_contact")
    remove(Signal.objects.get(creditor_reference="REF-001"))
    signal = Signal.objects.select_related("case").get(creditor_reference="REF-002")
    assert signal.resident_ref

    housing.get(URL, {"format": "csv"})
    housing.get(URL, {"since": (TODAY + timedelta(days=1)).isoformat()})

    calls = AuditEvent.objects.filter(action="early_signals.feedback.read").order_by("id")
    assert [(event.kind, event.details) for event in calls] == [
        ("access", {"creditor": creditors.housing.slug, "via": "api:csv", "items": 2, "removed": 1, "withdrawn": 0}),
        ("access", {"creditor": creditors.housing.slug, "via": "api:json", "items": 0, "removed": 0, "withdrawn": 0}),
    ]
    assert all(event.actor_label.startswith(f"creditor:{creditors.housing.slug}:") for event in calls)
    # The municipality's auditors see a call that told about its residents; one without items
    # concerned no municipality.
    assert [event.municipality_id for event in calls] == [world.waalwijk.pk, None]
    reads = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).order_by("subject_ref")
    assert sorted((read.subject_ref, read.organisation_id, read.municipality_id) for read in reads) == sorted(
        [
            (signal.case.household_ref, creditors.housing.pk, world.waalwijk.pk),
            (signal.resident_ref, creditors.housing.pk, world.waalwijk.pk),
        ]
    )
    assert {read.reason for read in reads} == {feedback.PURPOSE}
    assert {tuple(read.details["fields"]) for read in reads} == {("case_status", "closed_on", "help_accepted")}


def test_a_cursor_round_trips_and_others_are_refused():
    key = (TODAY, 1, 42)

    assert feedback.decode_cursor(feedback.encode_cursor(key)) == key
    for bad in ("", "!!!", "e30", "WzEsMiwzXQ"):
        with pytest.raises(feedback.CursorError):
            feedback.decode_cursor(bad)


def test_the_token_command_output_still_gives_a_working_token_for_feedback(creditors):
    """The command a platform operator uses issues the token the feedback is fetched with."""
    out = io.StringIO()
    call_command("early_signals_token", "--organisation", creditors.water.slug, stdout=out)
    client = english(Client(HTTP_AUTHORIZATION=f"Bearer {out.getvalue().splitlines()[1]}"))

    assert client.get(URL).status_code == 200


# --- documentation ---------------------------------------------------------------------------------------------------


def test_the_committed_openapi_description_holds_the_feedback_as_the_code_describes_it():
    generated = yaml.safe_load(OpenApiYamlRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    committed = yaml.safe_load((ROOT / "docs" / "api" / "openapi.yaml").read_text(encoding="utf-8"))

    path = "/api/v1/early-signals/feedback/"
    assert committed["paths"][path] == generated["paths"][path]
    assert set(committed["paths"][path]["get"]["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    for name in ("EarlySignalFeedback", "EarlySignalFeedbackPage", "HelpAcceptedEnum", "StatusEnum"):
        assert committed["components"]["schemas"][name] == generated["components"]["schemas"][name], name


def test_the_feedback_and_every_value_it_gives_are_documented():
    text = DOC.read_text(encoding="utf-8")

    assert "## Feedback" in text
    assert ",".join(feedback.CSV_COLUMNS) in text
    for value in (*feedback.STATUSES, *feedback.HELP_ANSWERS, *feedback.CSV_COLUMNS):
        assert f"`{value}`" in text, value


def test_a_cursor_with_a_far_offset_is_read_in_utc(creditors, housing):
    deliver_rows(creditors.housing, household(1))
    # 2026-03-20T09:00:00+16:00: an offset Python allows and PostgreSQL does not; as UTC it is usable.
    response = housing.get(URL, {"cursor": "WyIyMDI2LTAzLTIwVDA5OjAwOjAwKzE2OjAwIiwwLDFd"})

    assert response.status_code == 200
