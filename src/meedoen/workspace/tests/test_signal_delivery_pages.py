"""A creditor's clerk delivers signals through the workspace: uploads a CSV or XLSX file, reads the
receipt and the answer per row (refused and warned rows first), downloads it as CSV, and finds the
organisation's deliveries again. Nobody else opens these pages, and the clerk opens nothing else."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import log_in, staff
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

from meedoen.compass.tests.factories import staff_actor
from meedoen.core.access import Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals import formats
from meedoen.early_signals.models import CreditorAgreement, Delivery, Signal
from meedoen.early_signals.services import signals_deliver_file
from meedoen.early_signals.tests.factories import csv_bytes, deliver_rows, make_creditor, signal_row, xlsx_bytes
from meedoen.early_signals.tests.test_access import actor_for
from meedoen.organisations.models import Organisation
from meedoen.organisations.tests.factories import MembershipFactory
from meedoen.workspace import signal_delivery_views
from meedoen.workspace import urls as workspace_urls

pytestmark = pytest.mark.django_db
TODAY = datetime(2026, 3, 20, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
UPLOAD = reverse("workspace:signal-delivery")
LOGIN, OK, FOUND, FORBIDDEN, NOT_FOUND = "login", 200, 302, 403, 404
NOT_LOGGED_IN = ("anonymous", "resident", "second_resident", "no_second_factor")
OTHER_STAFF = (
    "no_role",
    "ww_policy",
    "ww_caseworker",
    "ww_early_signals",
    "ww_offer_maintainer",
    "ww_application_manager",
    "ww_auditor",
    "ms_auditor",
    "ms_application_manager",
)


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture(autouse=True)
def _no_answers_kept_from_other_tests():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def creditors(world):
    return {
        "housing": make_creditor(
            "Woonstichting Langstraat", Organisation.Kind.HOUSING_CORPORATION, agreements=[world.waalwijk]
        ),
        "energy": make_creditor("Energie Verzonnen", Organisation.Kind.ENERGY_SUPPLIER, agreements=[world.waalwijk]),
        "insurer": make_creditor("Zorgverzekeraar Fictief", Organisation.Kind.HEALTH_INSURER),
    }


@pytest.fixture
def clerks(creditors, world):
    """A signal deliverer of the housing corporation, of the energy supplier, and of the insurer
    (which has no agreement)."""
    return {
        key: staff(f"aanlevering-{key}", creditors[key], world.waalwijk, Role.CREDITOR_DELIVERER)
        for key in ("housing", "energy", "insurer")
    }


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def clerk(clerks):
    return english(log_in(Client(), clerks["housing"]))


def upload(client: Client, content: bytes, name: str = "signalen.csv", **data):
    return client.post(
        UPLOAD, {"file": SimpleUploadedFile(name, content), "format_version": "1.0", **data}, follow=True
    )


def receipt_of(response) -> Delivery:
    assert response.redirect_chain, response.content.decode()[:2000]
    delivery = Delivery.objects.get()
    assert response.redirect_chain[-1][0] == reverse("workspace:signal-delivery-receipt", args=[delivery.uuid])
    return delivery


def answer_rows(client: Client, delivery: Delivery) -> list[dict[str, str]]:
    response = client.get(reverse("workspace:signal-delivery-answer-csv", args=[delivery.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="antwoord-woonstichting-langstraat-')
    # For a spreadsheet with Dutch settings: UTF-8 with a byte order mark, ";" between cells.
    assert response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))


# --- uploading ----------------------------------------------------------------------------------------


def test_a_csv_file_is_delivered_and_answered_on_its_receipt(clerk, creditors):
    rows = [signal_row(), signal_row(creditor_reference="WS-0002", house_number="14", surname="Tweede")]

    response = upload(clerk, csv_bytes(rows))

    assert response.status_code == 200
    delivery = receipt_of(response)
    assert (delivery.creditor, delivery.channel, delivery.rows, delivery.accepted) == (
        creditors["housing"],
        "csv",
        2,
        2,
    )
    assert Signal.objects.filter(creditor=creditors["housing"]).count() == 2
    page = response.content.decode()
    assert "2 of 2 rows accepted." in page
    assert "signalen.csv" in page
    assert delivery.sha256 in page.replace("<wbr>", "")
    assert "WS-0002" in page
    # The write is recorded as the person's, through the intake's own audit record.
    received = AuditEvent.objects.get(action="early_signals.delivery.receive")
    assert (received.actor_label, received.organisation_id) == ("aanlevering-housing", creditors["housing"].pk)
    # And the receipt says who delivered it, for the colleagues who read it later.
    assert delivery.delivered_by == "aanlevering-housing"
    assert "<dt>Delivered by</dt><dd>aanlevering-housing</dd>" in page


def test_an_xlsx_file_is_delivered_the_same_way(clerk, creditors):
    response = upload(clerk, xlsx_bytes([signal_row()]), name="signalen.xlsx")

    delivery = receipt_of(response)
    assert (delivery.channel, delivery.accepted) == ("xlsx", 1)
    assert "1 of 1 row accepted." in response.content.decode()


def test_a_file_with_errors_shows_the_refused_and_warned_rows_first_with_the_reason(clerk, creditors):
    rows = [
        signal_row(creditor_reference="OK-1"),
        signal_row(creditor_reference="WARN-2", house_number="20", surname="Tweede", email="geen adres"),
        signal_row(creditor_reference="BAD-3", house_number="30", surname="Derde", date_of_birth="1971-02-30"),
        signal_row(creditor_reference="=HYPERLINK(1)", house_number="40", surname="Vierde", postcode="12"),
    ]

    response = upload(clerk, csv_bytes(rows))

    delivery = receipt_of(response)
    assert (delivery.rows, delivery.accepted, delivery.refused, delivery.warnings) == (4, 2, 2, 2)
    page = response.content.decode()
    assert "2 rows were refused: correct them and deliver them again." in page
    order = [page.index(reference) for reference in ("BAD-3", "=HYPERLINK(1)", "WARN-2", "OK-1")]
    assert order == sorted(order)
    assert "“1971-02-30” is not a date that exists." in page
    assert "Not an e-mail address; accepted without it." in page

    lines = answer_rows(clerk, delivery)
    assert [(line["row"], line["creditor_reference"], line["outcome"]) for line in lines][:2] == [
        ("4", "BAD-3", "refused"),
        ("5", "'=HYPERLINK(1)", "refused"),
    ]
    refused = [line for line in lines if line["outcome"] == "refused"]
    assert {(line["severity"], line["field"], line["code"]) for line in refused} >= {
        ("error", "date_of_birth", "impossible_date"),
        ("error", "postcode", "invalid_postcode"),
    }
    assert "“1971-02-30” is not a date that exists." in {line["message"] for line in refused}  # UTF-8 intact
    warned = next(line for line in lines if line["creditor_reference"] == "WARN-2" and line["code"] == "email_dropped")
    assert (warned["row"], warned["outcome"], warned["severity"]) == ("3", "accepted", "warning")
    assert lines[-1] == {
        "row": "2",
        "creditor_reference": "OK-1",
        "outcome": "accepted",
        "severity": "",
        "field": "",
        "code": "",
        "message": "",
    }


def test_the_answer_is_in_dutch_for_a_dutch_reader(clerks, creditors):
    client = log_in(Client(), clerks["housing"])

    response = upload(client, csv_bytes([signal_row(date_of_birth="1971-02-30")]))

    page = response.content.decode()
    assert "Geweigerd" in page
    assert "“1971-02-30”" in page
    assert "is not a date that exists" not in page


def test_a_file_refused_as_a_whole_shows_why_and_stores_nothing(clerk, creditors):
    response = upload(clerk, csv_bytes([signal_row()], columns=[c for c in formats.COLUMN_NAMES if c != "surname"]))

    delivery = receipt_of(response)
    assert delivery.fatal
    page = response.content.decode()
    assert "The file was refused as a whole: nothing was stored." in page
    assert "surname" in page
    assert not Signal.objects.exists()
    assert [line["code"] for line in answer_rows(clerk, delivery)] == ["missing_column"]


def test_a_row_for_a_municipality_without_agreement_is_refused_with_its_reason(clerk, creditors):
    rows = [signal_row(), signal_row(creditor_reference="MS-1", municipality="GM0938", postcode="6241 ZT")]

    response = upload(clerk, csv_bytes(rows))

    delivery = receipt_of(response)
    assert (delivery.accepted, delivery.refused) == (1, 1)
    assert list(Signal.objects.values_list("creditor_reference", flat=True)) == ["WS-0001"]
    assert any(line["code"] == "no_agreement" for line in answer_rows(clerk, delivery) if line["row"] == "3")


def test_a_clerk_delivers_only_for_the_municipalities_of_their_own_role(clerk, creditors, world):
    # The housing corporation also has an agreement with Meerssen; the clerk's role is for Waalwijk.
    CreditorAgreement.objects.create(organisation=creditors["housing"], municipality=world.meerssen)
    page = clerk.get(UPLOAD).content.decode()
    assert "Waalwijk" in page and "Meerssen" not in page
    rows = [signal_row(), signal_row(creditor_reference="MS-1", municipality="GM0938", postcode="6241 ZT")]

    delivery = receipt_of(upload(clerk, csv_bytes(rows)))

    assert (delivery.accepted, delivery.refused) == (1, 1)
    assert list(Signal.objects.values_list("creditor_reference", flat=True)) == ["WS-0001"]
    (refused,) = [line for line in answer_rows(clerk, delivery) if line["row"] == "3"]
    assert (refused["code"], refused["field"]) == ("not_granted", "municipality")
    # Through the API, the organisation's token delivers to both.
    answer = deliver_rows(
        creditors["housing"], signal_row(creditor_reference="MS-2", municipality="GM0938", postcode="6241 ZT")
    )
    assert answer.receipt.accepted == 1


def test_the_intake_refuses_a_person_without_the_role_in_the_creditor(creditors, clerks, world):
    """The service checks it itself, whatever page calls it."""
    energy_clerk = actor_for(clerks["energy"])
    officer = staff_actor(Role.EARLY_SIGNALS_OFFICER, world.ww_team, world.waalwijk)
    for actor in (energy_clerk, officer):
        with pytest.raises(PermissionDenied):
            signals_deliver_file(actor=actor, creditor=creditors["housing"], content=csv_bytes([signal_row()]))
    assert not Delivery.objects.exists()


def test_an_organisation_without_any_agreement_cannot_upload(clerks, creditors):
    client = english(log_in(Client(), clerks["insurer"]))

    page = client.get(UPLOAD).content.decode()
    assert "Zorgverzekeraar Fictief has no active agreement with a municipality." in page
    assert 'enctype="multipart/form-data"' not in page

    response = upload(client, csv_bytes([signal_row()]))
    assert response.status_code == 400
    assert "has no active agreement with a municipality, so it cannot deliver signals now" in response.content.decode()
    assert not Delivery.objects.exists()


def test_a_file_larger_than_the_limit_is_refused_and_nothing_is_stored(clerk, monkeypatch):
    monkeypatch.setattr(formats, "MAX_FILE_BYTES", 1_000)

    response = upload(clerk, csv_bytes([signal_row()] * 10))

    assert response.status_code == 413
    assert "at most 1,000 bytes are read" in response.content.decode()
    assert not Delivery.objects.exists()


def test_a_file_announced_far_too_large_is_refused_before_its_body_is_read(clerk, monkeypatch):
    monkeypatch.setattr(formats, "MAX_FILE_BYTES", 1_000)
    content = csv_bytes([signal_row(creditor_reference=f"R-{n}") for n in range(800)])
    assert len(content) > 1_000 + signal_delivery_views.ENVELOPE_BYTES

    response = upload(clerk, content)

    assert response.status_code == 413
    page = response.content.decode()
    assert "Nothing delivered." in page
    assert "at most 1,000 bytes are read" in page
    assert not Delivery.objects.exists()


def test_the_size_limit_and_the_format_are_shown_with_the_form(clerk):
    page = clerk.get(UPLOAD).content.decode()

    assert "At most 50 MB (52,428,800 bytes) and 100,000 signals per file." in page
    assert reverse("workspace:signal-delivery-format") in page
    assert reverse("workspace:signal-delivery-example") in page
    assert "Waalwijk (GM0867)" in page
    for column in formats.REQUIRED_COLUMNS:
        assert f"<code>{column}</code>" in page
    # The choice of version has the design system's look, as every choice on the workspace's forms.
    assert re.search(r'<select name="format_version" class="utrecht-select utrecht-select--html-select"', page)


def test_the_format_description_and_the_example_file_can_be_read(clerk):
    described = clerk.get(reverse("workspace:signal-delivery-format"))
    example = clerk.get(reverse("workspace:signal-delivery-example"))

    assert described.status_code == 200
    assert described["Content-Type"] == "text/plain; charset=utf-8"
    assert f"Format version: **{formats.FORMAT_VERSION}**" in described.content.decode()
    assert example.status_code == 200
    assert example["Content-Disposition"] == 'attachment; filename="early-signals-example.csv"'
    assert b"creditor_reference" in example.content


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"format_version": "9.9"}, "format_version"),
        ({"file": ""}, "file"),
    ],
)
def test_a_form_without_a_file_or_with_an_unknown_version_is_refused(clerk, data, field):
    response = clerk.post(UPLOAD, {"file": SimpleUploadedFile("a.csv", csv_bytes([signal_row()])), **data})

    assert response.status_code == 400
    assert f'href="#id_{field}"' in response.content.decode()
    assert not Delivery.objects.exists()


def test_an_empty_file_is_refused(clerk):
    response = clerk.post(UPLOAD, {"file": SimpleUploadedFile("leeg.csv", b""), "format_version": "1.0"})

    assert response.status_code == 400
    assert not Delivery.objects.exists()


def test_one_cannot_deliver_for_another_organisation_by_changing_the_form(clerk, clerks, creditors, world):
    # With one organisation the form has no choice: a value sent for it is not read.
    delivery = receipt_of(upload(clerk, csv_bytes([signal_row()]), organisation=str(creditors["energy"].pk)))
    assert delivery.creditor == creditors["housing"]

    # With two, only those two can be chosen.
    MembershipFactory(
        user=clerks["housing"],
        organisation=creditors["insurer"],
        municipality=world.waalwijk,
        role=Role.CREDITOR_DELIVERER,
    )
    response = upload(clerk, csv_bytes([signal_row()]), organisation=str(creditors["energy"].pk))
    assert response.status_code == 400
    assert 'href="#id_organisation"' in response.content.decode()
    assert not Delivery.objects.filter(creditor=creditors["energy"]).exists()


def test_hostile_text_in_a_file_and_its_name_is_shown_as_text(clerk):
    hostile = "<script>alert(1)</script>"

    response = upload(clerk, csv_bytes([signal_row(creditor_reference=hostile)]), name=f"{hostile}.csv")

    page = response.content.decode()
    assert hostile not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_form_sent_without_its_csrf_token_is_refused(clerks):
    client = log_in(Client(enforce_csrf_checks=True), clerks["housing"])

    response = client.post(
        UPLOAD, {"file": SimpleUploadedFile("a.csv", csv_bytes([signal_row()])), "format_version": "1.0"}
    )

    assert response.status_code == 403
    assert not Delivery.objects.exists()


# --- the answer per row, later --------------------------------------------------------------------------


def test_a_large_answer_is_shown_a_page_at_a_time(clerk):
    rows = [
        signal_row(creditor_reference=f"R-{n:03d}", house_number=str(n + 1), surname=f"Verzonnen{n}")
        for n in range(150)
    ]
    rows[120]["postcode"] = "12"

    response = upload(clerk, csv_bytes(rows))

    delivery = receipt_of(response)
    first = response.content.decode()
    assert "Rows 1 to 100 of 150" in first
    assert "Page 1 of 2" in first
    assert first.index("R-120") < first.index("R-000")
    second = clerk.get(reverse("workspace:signal-delivery-receipt", args=[delivery.uuid]), {"pagina": "2"})
    assert "Rows 101 to 150 of 150" in second.content.decode()
    assert "R-149" in second.content.decode()
    assert len(answer_rows(clerk, delivery)) == 150


def test_after_the_answer_is_no_longer_kept_the_receipt_says_so_and_shows_the_counts(clerk, creditors):
    delivery = receipt_of(upload(clerk, csv_bytes([signal_row(), signal_row(creditor_reference="X", postcode="1")])))

    cache.clear()
    page = clerk.get(reverse("workspace:signal-delivery-receipt", args=[delivery.uuid])).content.decode()

    assert "The answer per row is no longer here." in page
    assert "1 of 2 rows accepted." in page
    assert "Download the answer per row" not in page
    response = clerk.get(reverse("workspace:signal-delivery-answer-csv", args=[delivery.uuid]))
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:signal-delivery-receipt", args=[delivery.uuid])


def test_the_answer_is_kept_only_for_the_person_who_uploaded(clerk, clerks, creditors, world):
    colleague = staff("aanlevering-collega", creditors["housing"], world.waalwijk, Role.CREDITOR_DELIVERER)
    delivery = receipt_of(upload(clerk, csv_bytes([signal_row(creditor_reference="EIGEN-1")])))

    page = english(log_in(Client(), colleague)).get(reverse("workspace:signal-delivery-receipt", args=[delivery.uuid]))

    assert page.status_code == 200
    assert "EIGEN-1" not in page.content.decode()
    assert "The answer per row is no longer here." in page.content.decode()


# --- the deliveries -------------------------------------------------------------------------------------


def test_the_list_shows_the_organisations_deliveries_through_every_channel(clerk, creditors):
    deliver_rows(creditors["housing"], signal_row(creditor_reference="API-1"))
    deliver_rows(creditors["energy"], signal_row(creditor_reference="ENERGY-1"))
    with time_machine.travel(datetime(2026, 3, 20, 10, 5, tzinfo=TODAY.tzinfo), tick=False):
        upload(clerk, csv_bytes([signal_row(creditor_reference="WEB-1", postcode="1")]))

    page = clerk.get(UPLOAD).content.decode()

    ours = Delivery.objects.filter(creditor=creditors["housing"]).order_by("-received_at")
    assert [delivery.refused for delivery in ours] == [1, 0]
    assert "2 deliveries, the newest first" in page
    for delivery in ours:
        assert reverse("workspace:signal-delivery-receipt", args=[delivery.uuid]) in page
    energy = Delivery.objects.get(creditor=creditors["energy"])
    assert str(energy.uuid) not in page
    assert energy.sha256[:12] not in page
    # Who delivered each: the clerk by login name, the API delivery's sender in words.
    assert '<td class="utrecht-table__cell">aanlevering-housing</td>' in page
    assert '<td class="utrecht-table__cell">Meedoen itself (test)</td>' in page


def test_another_organisations_delivery_is_not_found(clerk, creditors):
    deliver_rows(creditors["energy"], signal_row())
    other = Delivery.objects.get()

    for name in ("workspace:signal-delivery-receipt", "workspace:signal-delivery-answer-csv"):
        assert clerk.get(reverse(name, args=[other.uuid])).status_code == NOT_FOUND
        assert clerk.get(reverse(name, args=[uuid.uuid4()])).status_code == NOT_FOUND


def test_the_list_is_paginated(clerk, creditors):
    for number in range(signal_delivery_views.DELIVERIES_PER_PAGE + 1):
        deliver_rows(creditors["housing"], signal_row(creditor_reference=f"P-{number}"))

    first = clerk.get(UPLOAD).content.decode()
    second = clerk.get(UPLOAD, {"pagina": "2"}).content.decode()

    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second
    oldest = Delivery.objects.order_by("received_at", "pk").first()
    assert oldest is not None
    assert str(oldest.uuid) in second
    assert str(oldest.uuid) not in first


def test_someone_who_delivers_for_two_organisations_chooses_which(clerks, creditors, world):
    MembershipFactory(
        user=clerks["housing"],
        organisation=creditors["energy"],
        municipality=world.waalwijk,
        role=Role.CREDITOR_DELIVERER,
    )
    client = english(log_in(Client(), clerks["housing"]))

    assert 'name="organisation"' in client.get(UPLOAD).content.decode()
    delivery = receipt_of(upload(client, csv_bytes([signal_row()]), organisation=str(creditors["energy"].pk)))

    assert delivery.creditor == creditors["energy"]


# --- who opens these pages, and what else the deliverer opens ---------------------------------------------


def delivery_pages(delivery: Delivery) -> list[str]:
    return [
        UPLOAD,
        reverse("workspace:signal-delivery-format"),
        reverse("workspace:signal-delivery-example"),
        reverse("workspace:signal-delivery-receipt", args=[delivery.uuid]),
        reverse("workspace:signal-delivery-answer-csv", args=[delivery.uuid]),
    ]


@pytest.mark.parametrize("persona", [*NOT_LOGGED_IN, *OTHER_STAFF])
def test_no_one_else_opens_the_delivery_pages_or_uploads(client_as, creditors, persona):
    deliver_rows(creditors["housing"], signal_row())
    delivery = Delivery.objects.get()
    client = client_as(persona)
    before = (Delivery.objects.count(), AuditEvent.objects.count())

    for url in delivery_pages(delivery):
        response = client.get(url)
        if persona in NOT_LOGGED_IN:
            assert response.status_code == FOUND
            assert response["Location"].startswith(reverse("accounts:login"))
        else:
            assert response.status_code == FORBIDDEN, url
    response = client.post(
        UPLOAD, {"file": SimpleUploadedFile("a.csv", csv_bytes([signal_row()])), "format_version": "1.0"}
    )
    assert response.status_code == (FOUND if persona in NOT_LOGGED_IN else FORBIDDEN)

    assert (Delivery.objects.count(), AuditEvent.objects.count()) == before


def test_the_deliverer_lands_on_the_upload_page_and_its_navigation_holds_only_it(client_as):
    client = english(client_as("ww_signal_deliverer"))

    response = client.get(reverse("workspace:home"))
    assert (response.status_code, response["Location"]) == (FOUND, UPLOAD)
    page = client.get(UPLOAD).content.decode()
    assert "Woningcorporatie Aanlevering" in page
    assert "signal deliverer" in page
    assert reverse("workspace:areas") not in page
    assert reverse("workspace:early_signals") not in page


def _workspace_urls(patterns, prefix: str = "workspace:") -> list[URLPattern]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found.extend(_workspace_urls(pattern.url_patterns, prefix))
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append(pattern)
    return found


def _an_address(pattern: URLPattern) -> str:
    values = {"int": 1, "uuid": uuid.uuid4(), "slug": "x", "str": "x", "path": "x"}
    converters = pattern.pattern.converters
    kwargs = {}
    for name, converter in converters.items():
        kind = type(converter).__name__.replace("Converter", "").lower()
        kwargs[name] = values.get(kind, "1")
    return reverse(f"workspace:{pattern.name}", kwargs=kwargs)


def test_the_deliverer_opens_no_other_workspace_page(client_as, world):
    client = client_as("ww_signal_deliverer")
    own = {name for name in ("signal-delivery", "signal-delivery-format", "signal-delivery-example")}
    own |= {"signal-delivery-receipt", "signal-delivery-answer-csv", "signal-withdrawal", "home"}
    checked = 0
    before = AuditEvent.objects.count()

    for pattern in _workspace_urls(workspace_urls.urlpatterns):
        if pattern.name in own:
            continue
        address = _an_address(pattern)
        # A page that only takes a form answers a GET with 405, whoever asks.
        assert client.get(address).status_code in {FORBIDDEN, 405}, address
        assert client.post(address, {}).status_code == FORBIDDEN, address
        checked += 1

    assert checked > 50
    assert AuditEvent.objects.count() == before


def test_the_deliverer_cannot_switch_to_the_municipality_of_its_role(client_as, world):
    response = client_as("ww_signal_deliverer").post(
        reverse("workspace:switch-municipality"), {"municipality": world.waalwijk.pk}
    )

    assert response.status_code == FORBIDDEN


def test_the_deliverer_reads_no_local_picture_through_the_api(client_as):
    response = client_as("ww_signal_deliverer").get("/api/v1/local-picture/GM0867/indicators/")

    assert response.status_code == FORBIDDEN


def test_a_deliverer_who_also_keeps_offers_keeps_both(client_as, personas, world):
    deliverer = personas["ww_signal_deliverer"]
    MembershipFactory(
        user=deliverer,
        organisation=deliverer.memberships.get().organisation,
        municipality=world.waalwijk,
        role=Role.OFFER_MAINTAINER,
    )
    client = english(client_as("ww_signal_deliverer"))

    home = client.get(reverse("workspace:home"))
    assert home.status_code == OK
    assert reverse("workspace:socialmap") in home.content.decode()
    assert UPLOAD in home.content.decode()
    assert client.get(UPLOAD).status_code == OK
