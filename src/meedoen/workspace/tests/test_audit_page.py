"""The audit log page through HTTP, as an auditor uses it: who opened a case, when and why, found
by the case's id; narrowed by person, action, days or request, page after page; actions, purposes
and objects in words and public ids; a creditor's feedback call as one line; the CSV export, which
is recorded itself. Only the municipality's auditors open it, and only its own records."""

from __future__ import annotations

import ast
import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import log_in, staff
from django.conf import settings
from django.test import Client
from django.urls import reverse

from meedoen.core.access import Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals.feedback import PURPOSE as FEEDBACK_PURPOSE
from meedoen.early_signals.letters import OFFER_LETTER_PURPOSE
from meedoen.early_signals.models import Case, Signal
from meedoen.early_signals.retention import REASONS as RETENTION_REASONS
from meedoen.early_signals.selectors import CASE_PURPOSE
from meedoen.early_signals.tests.factories import deliver_rows, make_creditor, signal_row
from meedoen.early_signals.tests.test_api import issue_token
from meedoen.organisations.models import Organisation
from meedoen.organisations.tests.factories import MembershipFactory
from meedoen.workspace import audit_labels, audit_objects

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Friday 20 March 2026, mid-morning.
TODAY = datetime(2026, 3, 20, 10, 0, tzinfo=AMSTERDAM)
AUDIT = reverse("workspace:audit")
FEEDBACK_API = "/api/v1/early-signals/feedback/"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def housing(world):
    return make_creditor("Woonstichting Langstraat", Organisation.Kind.HOUSING_CORPORATION, agreements=[world.waalwijk])


@pytest.fixture
def cases(housing, world):
    """Two Waalwijk cases, the first about a resident whose BSN came with the signal; one in Meerssen."""
    water = make_creditor("Waterbedrijf Denkbeeld", Organisation.Kind.WATER_COMPANY, agreements=[world.meerssen])
    deliver_rows(housing, signal_row(creditor_reference="WS-1", bsn="111222333"))
    deliver_rows(housing, signal_row(creditor_reference="WS-2", house_number="40", surname="Verzonnen"))
    deliver_rows(
        water,
        signal_row(creditor_reference="WB-1", municipality="GM0938", postcode="6241 ZT", city="Bunde"),
    )
    return {
        "first": Signal.objects.get(creditor_reference="WS-1").case,
        "second": Signal.objects.get(creditor_reference="WS-2").case,
        "meerssen": Case.objects.get(municipality=world.meerssen),
    }


@pytest.fixture
def officer_of_meerssen(world):
    return staff("ms-vroeg", world.ms_team, world.meerssen, Role.EARLY_SIGNALS_OFFICER)


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def open_case(client: Client, case: Case) -> None:
    assert client.get(reverse("workspace:early-signals-case", args=[case.uuid])).status_code == 200


def page(client: Client, **filters: str):
    return client.get(AUDIT, filters)


def rows(response) -> list[str]:
    """The table's lines as text, one string per row, without markup."""
    body = response.content.decode().split('<tbody class="utrecht-table__body">', 1)[1].split("</tbody>", 1)[0]
    lines = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", line).split()) for line in lines]


def exported(response) -> list[dict[str, str]]:
    """The records of a download, read as Excel with Dutch settings reads it: UTF-8 after the byte
    order mark, cells separated by ";"."""
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


# --- who may open it ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("resident", 302),
        ("no_second_factor", 302),
        ("no_role", 403),
        ("ww_policy", 403),
        ("ww_caseworker", 403),
        ("ww_early_signals", 403),
        ("ww_offer_maintainer", 403),
        ("ww_application_manager", 403),
        ("ww_auditor", 200),
        ("ms_auditor", 200),
    ],
)
def test_only_auditors_open_the_log_and_its_export_and_a_refusal_records_nothing(client_as, persona, status, cases):
    client = client_as(persona)
    before = AuditEvent.objects.count()
    assert page(client, object=str(cases["first"].uuid)).status_code == status
    export = client.get(AUDIT, {"formaat": "csv"})
    assert export.status_code == status
    if status == 200:
        assert AuditEvent.objects.filter(action=audit_labels.EXPORT_ACTION).count() == 1
    else:
        assert AuditEvent.objects.count() == before


def test_the_page_and_the_export_keep_to_the_municipality_of_the_auditor(client_as, personas, cases):
    open_case(client_as("ww_early_signals"), cases["first"])
    meerssen = client_as("ms_auditor")
    # A Waalwijk case's id, pasted in Meerssen, names nothing there.
    response = page(meerssen, object=str(cases["first"].uuid))
    assert "Geen object van Meerssen heeft dit id." in response.content.decode()
    assert rows(response) == ["Niets vastgelegd dat bij dit filter past."]
    assert rows(page(meerssen, wie="ww-vroeg")) == ["Niets vastgelegd dat bij dit filter past."]
    assert exported(meerssen.get(AUDIT, {"object": str(cases["first"].uuid), "formaat": "csv"})) == []
    everything = exported(meerssen.get(AUDIT, {"formaat": "csv"}))
    assert everything
    assert not [row for row in everything if row["actor"] == "ww-vroeg" or row["reason_recorded"] == CASE_PURPOSE]
    # The same filters in Waalwijk find the opening.
    assert "ww-vroeg" in " ".join(rows(page(client_as("ww_auditor"), object=str(cases["first"].uuid))))


# --- who opened this case ---------------------------------------------------------------------------------


def test_an_auditor_finds_who_opened_a_case_when_and_why_by_its_id(client_as, personas, world, cases):
    colleague = staff("ww-vroeg-2", world.ww_team, world.waalwijk, Role.EARLY_SIGNALS_OFFICER)
    open_case(client_as("ww_early_signals"), cases["first"])
    open_case(client_as("ww_early_signals"), cases["second"])
    with time_machine.travel(TODAY + timedelta(hours=2), tick=False):
        open_case(log_in(Client(), colleague), cases["first"])

    response = page(client_as("ww_auditor"), object=str(cases["first"].uuid), handeling="personal_data.read")
    assert response.status_code == 200
    # One line per opening (the household and the resident with a BSN are read together), newest first.
    assert rows(response) == [
        f"2026-03-20 12:00:00 ww-vroeg-2 Gemeente Waalwijk Persoonsgegevens ingezien gegevens van 2 inwoners in 2 "
        f"regels toon elke regel Zaak {cases['first'].uuid} Vroegsignalering: hulp aanbieden",
        f"2026-03-20 10:00:00 ww-vroeg Gemeente Waalwijk Persoonsgegevens ingezien gegevens van 2 inwoners in 2 "
        f"regels toon elke regel Zaak {cases['first'].uuid} Vroegsignalering: hulp aanbieden",
    ]
    content = response.content.decode()
    assert str(cases["second"].uuid) not in content
    assert "2 regels passen bij het filter" in content


@pytest.mark.parametrize(
    "pasted",
    [
        "{uuid}",
        "{UUID}",
        "{hex}",
        "  {uuid}  ",
        "http://127.0.0.1:8000/werkplek/vroegsignalering/{uuid}/",
        "{number}",
        "{number_typed}",
    ],
)
def test_a_case_is_found_by_its_number_or_id_as_pasted_from_the_case_page_or_its_address(client_as, cases, pasted):
    case = cases["first"]
    open_case(client_as("ww_early_signals"), case)
    # The case number, as the case page and the offer letter show it: the UUID's last eight digits.
    number = f"{case.uuid.hex[-8:-4].upper()}-{case.uuid.hex[-4:].upper()}"
    text = pasted.format(
        uuid=case.uuid, UUID=str(case.uuid).upper(), hex=case.uuid.hex, number=number, number_typed=case.uuid.hex[-8:]
    )
    signal = Signal.objects.get(case=case)
    # The trail of a case holds its opening and the receipt of its signal, and nothing else.
    assert rows(page(client_as("ww_auditor"), object=text)) == [
        "2026-03-20 10:00:00 ww-vroeg Gemeente Waalwijk Persoonsgegevens ingezien gegevens van 2 inwoners in 2 "
        f"regels toon elke regel Zaak {case.uuid} Vroegsignalering: hulp aanbieden",
        f"2026-03-20 10:00:00 Meedoen zelf (test) Woonstichting Langstraat Signaal ontvangen Signaal {signal.uuid}",
    ]


def test_an_id_that_names_no_object_finds_nothing_and_says_so(client_as, cases):
    response = page(client_as("ww_auditor"), object="00000000-0000-0000-0000-000000000000")
    assert response.status_code == 200
    assert "Geen object van Waalwijk heeft dit id." in response.content.decode()
    assert rows(response) == ["Niets vastgelegd dat bij dit filter past."]


def test_the_case_page_links_to_its_trail_for_an_officer_who_is_also_auditor(client_as, personas, world, cases):
    case_url = reverse("workspace:early-signals-case", args=[cases["first"].uuid])
    trail = f"{AUDIT}?object={cases['first'].uuid}"
    plain = client_as("ww_early_signals").get(case_url).content.decode()
    assert trail not in plain
    MembershipFactory(
        user=personas["ww_early_signals"], organisation=world.ww_team, municipality=world.waalwijk, role=Role.AUDITOR
    )
    both = client_as("ww_early_signals")
    content = both.get(case_url).content.decode()
    assert f'href="{trail}"' in content
    assert "Auditspoor van deze zaak" in content
    lines = rows(both.get(trail))
    assert lines[0].startswith("2026-03-20 10:00:00 ww-vroeg")


# --- the other filters -------------------------------------------------------------------------------------


def test_who_is_a_login_name_or_the_start_of_the_platforms_and_creditors_names(client_as, world, cases):
    open_case(client_as("ww_early_signals"), cases["first"])
    auditor = client_as("ww_auditor")
    AuditEvent.objects.create(
        kind="change",
        action="test.system",
        actor_label="system:early_signals_retention",
        municipality_id=world.waalwijk.pk,
    )
    AuditEvent.objects.create(
        kind="change",
        action="test.creditor",
        actor_label="creditor:woonstichting:mes_abc",
        municipality_id=world.waalwijk.pk,
    )

    assert rows(page(auditor, wie="WW-VROEG"))[0].startswith("2026-03-20 10:00:00 ww-vroeg")
    assert "Meedoen zelf (early_signals_retention)" in " ".join(rows(page(auditor, wie="system")))
    assert "Meedoen zelf (early_signals_retention)" in " ".join(rows(page(auditor, wie="systeem")))
    creditor_lines = " ".join(rows(page(auditor, wie="schuldeiser")))
    assert "Systeem van schuldeiser woonstichting (sleutel mes_abc)" in creditor_lines
    assert "ww-vroeg" not in creditor_lines
    # Part of a name is not a name.
    assert rows(page(auditor, wie="ww")) == ["Niets vastgelegd dat bij dit filter past."]
    assert rows(page(auditor, wie="vroeg")) == ["Niets vastgelegd dat bij dit filter past."]
    assert rows(page(auditor, wie="%")) == ["Niets vastgelegd dat bij dit filter past."]


def test_the_action_is_chosen_from_human_labels_and_narrows_the_log(client_as, cases):
    open_case(client_as("ww_early_signals"), cases["first"])
    auditor = client_as("ww_auditor")
    content = page(auditor).content.decode()
    assert '<option value="personal_data.read">Persoonsgegevens ingezien</option>' in content
    assert '<optgroup label="Vroegsignalering">' in content
    assert 'value="login"' not in content
    received = rows(page(auditor, handeling="early_signals.signal.receive"))
    assert len(received) == 2
    assert all("Signaal ontvangen" in line for line in received)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"handeling": "personal_data.delete"}, "Kies een handeling uit de lijst."),
        ({"handeling": "<script>alert(1)</script>"}, "Kies een handeling uit de lijst."),
        ({"van": "20 maart"}, "Geef een datum zoals 2026-03-20."),
        ({"van": "2026-02-30"}, "Geef een datum zoals 2026-03-20."),
        ({"tot": "0001-01-01"}, "Kies een dag van 1 januari 2000 tot en met 31 december 2999."),
        ({"van": "9999-12-31"}, "Kies een dag van 1 januari 2000 tot en met 31 december 2999."),
        ({"van": "2026-03-20", "tot": "2026-03-19"}, "Deze dag ligt voor de eerste dag."),
        ({"verzoek": "kort"}, "Een verzoek-id heeft 8 tot 64 letters, cijfers, punten, streepjes of lage streepjes."),
        (
            {"verzoek": "x' OR '1'='1"},
            "Een verzoek-id heeft 8 tot 64 letters, cijfers, punten, streepjes of lage streepjes.",
        ),
        ({"object": "x" * 301}, "niet meer dan 300 tekens"),
        ({"wie": "ww\u200b-vroeg"}, "onzichtbaar teken"),
    ],
)
def test_a_filter_that_cannot_be_used_is_refused_with_the_reason_and_nothing_is_recorded(
    client_as, cases, filters, message
):
    auditor = client_as("ww_auditor")
    before = AuditEvent.objects.count()
    response = page(auditor, **filters)
    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    assert "<script>alert(1)</script>" not in content
    assert "<table" not in content
    export = auditor.get(AUDIT, {**filters, "formaat": "csv"})
    assert export.status_code == 400
    assert AuditEvent.objects.count() == before


def test_the_days_run_from_midnight_to_midnight_in_dutch_time_both_included(client_as, world):
    for moment in (
        datetime(2026, 3, 9, 23, 59, tzinfo=AMSTERDAM),
        datetime(2026, 3, 10, 0, 0, tzinfo=AMSTERDAM),
        datetime(2026, 3, 11, 23, 59, 59, tzinfo=AMSTERDAM),
        datetime(2026, 3, 12, 0, 0, tzinfo=AMSTERDAM),
    ):
        AuditEvent.objects.create(
            kind="change", action=f"test.{moment:%d%H%M}", municipality_id=world.waalwijk.pk, created_at=moment
        )
    auditor = client_as("ww_auditor")
    lines = rows(page(auditor, van="2026-03-10", tot="2026-03-11"))
    assert [line.split(" ")[3] for line in lines] == ["test.112359", "test.100000"]
    assert [line.split(" ")[3] for line in rows(page(auditor, van="10-03-2026", tot="10-03-2026"))] == ["test.100000"]
    assert len(rows(page(auditor, tot="2026-03-09"))) == 1


def test_without_a_first_day_or_an_object_the_page_shows_the_last_month(client_as, world):
    for days in (40, 1):
        AuditEvent.objects.create(
            kind="change",
            action=f"test.{days}",
            municipality_id=world.waalwijk.pk,
            created_at=TODAY - timedelta(days=days),
        )
    auditor = client_as("ww_auditor")

    recent = page(auditor)
    assert [line.split(" ")[3] for line in rows(recent)] == ["test.1"]
    assert "De regels van de laatste 31 dagen." in recent.content.decode()
    older = page(auditor, van=(TODAY - timedelta(days=41)).date().isoformat())
    assert [line.split(" ")[3] for line in rows(older)] == ["test.1", "test.40"]
    assert "De regels van de laatste" not in older.content.decode()


def test_pages_keep_the_filter(client_as, world):
    for number in range(60):
        AuditEvent.objects.create(
            kind="change",
            action="test.kept",
            actor_label="ww-beheer",
            municipality_id=world.waalwijk.pk,
            created_at=TODAY - timedelta(minutes=number),
        )
    for _number in range(10):
        AuditEvent.objects.create(
            kind="change", action="test.other", actor_label="ww-beleid", municipality_id=world.waalwijk.pk
        )
    auditor = client_as("ww_auditor")
    first = page(auditor, wie="ww-beheer")
    content = first.content.decode()
    assert "60 regels passen bij het filter" in content
    assert 'href="?wie=ww-beheer&amp;pagina=2"' in content
    second = page(auditor, wie="ww-beheer", pagina="2")
    assert len(rows(second)) == 10
    assert all("ww-beheer" in line for line in rows(second))
    assert 'href="?wie=ww-beheer&amp;pagina=1"' in second.content.decode()


# --- in words ------------------------------------------------------------------------------------------


def test_actions_purposes_and_objects_are_in_words_and_public_ids_never_internal_ids(client_as, world, cases):
    open_case(client_as("ww_early_signals"), cases["first"])
    AuditEvent.objects.create(
        kind="change", action="test.unheard_of", reason="a reason typed by someone", municipality_id=world.waalwijk.pk
    )
    auditor = client_as("ww_auditor")
    dutch = page(auditor, object=str(cases["first"].uuid)).content.decode()
    assert "Persoonsgegevens ingezien" in dutch
    assert "Vroegsignalering: hulp aanbieden" in dutch
    assert f"Zaak {cases['first'].uuid}" in " ".join(rows(page(auditor, object=str(cases["first"].uuid))))
    everything = " ".join(rows(page(auditor)))
    for raw in ("personal_data.read", CASE_PURPOSE, "early_signals.case", "early_signals.signal"):
        assert raw not in everything
    for internal in (cases["first"].pk, Signal.objects.get(case=cases["first"]).pk):
        assert f"Zaak {internal} " not in everything
        assert f"Signaal {internal} " not in everything
    # A code or reason without words is shown as it was recorded.
    assert "test.unheard_of" in everything
    assert "a reason typed by someone" in everything
    english_page = english(client_as("ww_auditor")).get(AUDIT, {"object": str(cases["first"].uuid)}).content.decode()
    assert "Personal data viewed" in english_page
    assert "Early signalling: offer help" in english_page
    assert f"Case {cases['first'].uuid}" in " ".join(
        rows(english(client_as("ww_auditor")).get(AUDIT, {"object": str(cases["first"].uuid)}))
    )


def test_an_object_links_to_its_page_only_for_those_who_may_open_it(client_as, personas, world, cases):
    open_case(client_as("ww_early_signals"), cases["first"])
    case_url = reverse("workspace:early-signals-case", args=[cases["first"].uuid])
    assert f'href="{case_url}"' not in page(client_as("ww_auditor")).content.decode()
    MembershipFactory(
        user=personas["ww_auditor"],
        organisation=world.ww_team,
        municipality=world.waalwijk,
        role=Role.EARLY_SIGNALS_OFFICER,
    )
    content = page(client_as("ww_auditor")).content.decode()
    assert f'href="{case_url}"' in content
    # Every object with an id can be followed to its own trail.
    assert f'href="?object={cases["first"].uuid}"' in content


def test_an_object_that_is_gone_is_named_by_its_kind(client_as, world):
    AuditEvent.objects.create(
        kind="change",
        action="offer.delete",
        object_type="socialmap.offer",
        object_id="987654",
        municipality_id=world.waalwijk.pk,
    )
    line = rows(page(client_as("ww_auditor")))[0]
    assert "Aanbod verwijderd" in line
    assert "Aanbod (niet meer aanwezig)" in line
    assert "987654" not in line


# The functions that write an audit record, and the compass's helper that records ``<stem>.create``
# or ``<stem>.update`` for the stem it is given.
RECORDERS = {"record_change", "record_access", "Change", "_save_fields"}


def _codes(value: ast.expr, constants: dict[str, str]):
    """The action codes an ``action=`` argument can hold: a text, a name for one, either of two."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        yield value.value
    elif isinstance(value, ast.Name) and value.id in constants:
        yield constants[value.id]
    elif isinstance(value, ast.IfExp):
        yield from _codes(value.body, constants)
        yield from _codes(value.orelse, constants)


def test_every_action_the_code_records_has_words():
    """Each code passed as ``action=`` anywhere in the application, and the actions the compass
    derives from a stem (``<stem>.create``, ``<stem>.update``), is worded for the page."""
    source = Path(audit_labels.__file__).resolve().parents[1]
    found: set[str] = set()
    for path in source.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: node.value.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name) and isinstance(node.value.value, str)
        }
        for node in ast.walk(tree):
            name = getattr(node.func, "id", getattr(node.func, "attr", "")) if isinstance(node, ast.Call) else ""
            if name not in RECORDERS:
                continue
            for keyword in node.keywords:
                if keyword.arg == "action":
                    found |= set(_codes(keyword.value, constants))
    assert len(found) > 50
    unworded = {
        code
        for code in found
        if code not in audit_labels.ACTIONS and not {f"{code}.create", f"{code}.update"} <= set(audit_labels.ACTIONS)
    }
    assert not unworded, f"no words on the audit page for: {sorted(unworded)}"


def test_every_purpose_and_fixed_reason_the_code_records_has_words():
    for reason in (CASE_PURPOSE, OFFER_LETTER_PURPOSE, FEEDBACK_PURPOSE, *RETENTION_REASONS.values()):
        assert reason in audit_labels.REASONS
        assert audit_labels.reason_shown(reason) != reason


def test_every_kind_of_object_with_an_id_is_a_model_with_that_field():
    from django.apps import apps

    for object_type, kind in audit_objects.KINDS.items():
        model = apps.get_model(object_type)
        model._meta.get_field(kind.identifier)
        if kind.url_name:
            assert kind.roles
            assert reverse(kind.url_name, args=["00000000-0000-0000-0000-000000000000"])


# --- reads made together ------------------------------------------------------------------------------------


def test_a_creditors_feedback_call_is_one_line_and_can_be_opened_record_by_record(client_as, world, housing):
    for number in range(5):
        deliver_rows(
            housing,
            signal_row(
                creditor_reference=f"REF-{number}", house_number=str(100 + number), surname=f"Verzonnen{number}"
            ),
        )
    creditor = Client()
    creditor.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_token(housing)}"
    assert creditor.get(FEEDBACK_API).status_code == 200
    assert creditor.get(FEEDBACK_API).status_code == 200
    auditor = client_as("ww_auditor")
    response = page(auditor, handeling="personal_data.read")
    lines = rows(response)
    # Two calls, two lines, each standing for the five households it told about.
    assert len(lines) == 2
    for line in lines:
        assert "Systeem van schuldeiser woonstichting-langstraat" in line
        assert "Woonstichting Langstraat" in line
        assert "gegevens van 5 inwoners in 5 regels" in line
        assert "Terugkoppeling aan de schuldeiser die het signaal gaf (Wgs)" in line
    trail = re.search(r'href="(\?handeling=personal_data.read&amp;verzoek=[^"]+)"', response.content.decode())
    assert trail is not None
    each = auditor.get(AUDIT + trail.group(1).replace("&amp;", "&"))
    assert len(rows(each)) == 5
    assert "toon elke regel" not in each.content.decode()
    # The export has every record.
    records = exported(auditor.get(AUDIT, {"handeling": "personal_data.read", "formaat": "csv"}))
    assert len(records) == 10
    assert {row["reason_recorded"] for row in records} == {FEEDBACK_PURPOSE}


def test_reads_without_a_request_are_never_taken_together(client_as, world):
    for _number in range(2):
        AuditEvent.objects.create(
            kind="read",
            action="personal_data.read",
            actor_label="system:early_signals_letters",
            subject_ref="c" * 64,
            reason=CASE_PURPOSE,
            municipality_id=world.waalwijk.pk,
        )
    lines = rows(page(client_as("ww_auditor")))
    assert len(lines) == 2
    assert not any("regels" in line for line in lines)


# --- the export --------------------------------------------------------------------------------------------


def test_the_export_holds_the_filtered_records_in_words_safe_for_a_spreadsheet_and_is_recorded(
    client_as, personas, world, cases
):
    open_case(client_as("ww_early_signals"), cases["first"])
    AuditEvent.objects.create(
        kind="change",
        action='=HYPERLINK("http://example.invalid")',
        actor_label="@ww-beheer",
        reason="+31 6 12345678; -2+3",
        municipality_id=world.waalwijk.pk,
    )
    auditor = client_as("ww_auditor")
    response = auditor.get(AUDIT, {"object": str(cases["first"].uuid), "formaat": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="logboek-GM0867-2026-03-20.csv"'
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    records = exported(response)
    reads = [row for row in records if row["action_code"] == "personal_data.read"]
    assert len(reads) == 2
    assert {
        (row["action"], row["actor"], row["organisation"], row["object_kind"], row["object"], row["reason"])
        for row in reads
    } == {
        (
            "Persoonsgegevens ingezien",
            "ww-vroeg",
            "Gemeente Waalwijk",
            "zaak",
            str(cases["first"].uuid),
            "Vroegsignalering: hulp aanbieden",
        )
    }
    assert {row["fields"] for row in reads} == {
        "arrears_amount city date_of_birth email given_name house_number house_number_addition initials "
        "months_in_arrears phone postcode street surname surname_prefix"
    }
    assert all(row["when"].startswith("2026-03-20T10:00:00+01:00") for row in reads)
    assert all(str(cases["second"].uuid) != row["object"] for row in records)

    hostile = exported(auditor.get(AUDIT, {"wie": "@ww-beheer", "formaat": "csv"}))
    assert [(row["action_code"], row["actor"], row["reason_recorded"]) for row in hostile] == [
        ('\'=HYPERLINK("http://example.invalid")', "'@ww-beheer", "'+31 6 12345678;' -2+3")
    ]

    exports = AuditEvent.objects.filter(action=audit_labels.EXPORT_ACTION).order_by("id")
    assert [(event.kind, event.actor_label, event.municipality_id, event.details) for event in exports] == [
        (
            "access",
            "ww-auditor",
            world.waalwijk.pk,
            {"filters": {"object": str(cases["first"].uuid)}, "records": len(records)},
        ),
        ("access", "ww-auditor", world.waalwijk.pk, {"filters": {"wie": "@ww-beheer"}, "records": 1}),
    ]
    assert exports[0].organisation_id == world.ww_team.pk
    # The auditors see that the log was exported, and by whom.
    assert "ww-auditor Gemeente Waalwijk Logboek geëxporteerd" in " ".join(
        rows(page(auditor, handeling="audit_log.export"))
    )
    assert not AuditEvent.objects.filter(action=audit_labels.EXPORT_ACTION, municipality_id=world.meerssen.pk).exists()


def test_the_export_is_in_english_for_an_auditor_who_reads_english(client_as, cases):
    open_case(client_as("ww_early_signals"), cases["first"])
    records = exported(
        english(client_as("ww_auditor")).get(AUDIT, {"handeling": "personal_data.read", "formaat": "csv"})
    )
    assert {(row["action"], row["object_kind"], row["reason"]) for row in records} == {
        ("Personal data viewed", "case", "Early signalling: offer help")
    }
