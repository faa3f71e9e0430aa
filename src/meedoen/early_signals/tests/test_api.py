"""A creditor's system delivers signals over the API with a token of its organisation: only about
residents of municipalities it has an agreement with, a JSON batch or a file, answered per row."""

from __future__ import annotations

import hashlib
import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from meedoen.early_signals import formats
from meedoen.early_signals.models import CreditorAgreement, CreditorToken, Delivery, Signal
from meedoen.early_signals.tests.factories import csv_bytes, signal_row, xlsx_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/early-signals/"
FILES_URL = "/api/v1/early-signals/files/"


def issue_token(organisation) -> str:
    out = StringIO()
    call_command("early_signals_token", "--organisation", organisation.slug, "--label", "test", stdout=out)
    return out.getvalue().splitlines()[1]


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def api(creditors):
    """A client of the housing corporation, which has an agreement with Waalwijk only."""
    client = english(Client())
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_token(creditors.housing)}"
    return client


def post_batch(client: Client, *signals, version: str = "1.0"):
    return client.post(URL, {"format_version": version, "signals": list(signals)}, content_type="application/json")


def json_signal(**fields):
    """A signal as a creditor's system sends it in JSON: numbers as numbers."""
    return signal_row(**{"house_number": 12, "arrears_amount": 412.5, "months_in_arrears": 2, **fields})


def test_a_batch_is_answered_per_signal_with_a_receipt(api, creditors):
    response = post_batch(api, json_signal(), json_signal(creditor_reference="WS-0002", postcode="5141 Z"))

    assert response.status_code == 200
    body = response.json()
    assert body["receipt"] | {"delivery": None, "received_at": None, "sha256": None, "size_bytes": None} == {
        "delivery": None,
        "creditor": creditors.housing.slug,
        "channel": "json",
        "format_version": "1.0",
        "received_at": None,
        "sha256": None,
        "size_bytes": None,
        "rows": 2,
        "accepted": 1,
        "duplicates": 0,
        "refused": 1,
        "warnings": 0,
        "fatal": False,
    }
    assert body["receipt"]["received_at"] == "2026-03-20T09:00:00+00:00"
    assert body["rows"] == [
        {"row": 1, "creditor_reference": "WS-0001", "outcome": "accepted", "problems": []},
        {
            "row": 2,
            "creditor_reference": "WS-0002",
            "outcome": "refused",
            "problems": [
                {
                    "severity": "error",
                    "row": 2,
                    "field": "postcode",
                    "code": "invalid_postcode",
                    "message": "“5141 Z” is not a Dutch postcode: four digits and two letters, such as 5141 AB.",
                }
            ],
        },
    ]
    delivery = Delivery.objects.get(uuid=body["receipt"]["delivery"])
    assert delivery.sha256 == body["receipt"]["sha256"]
    assert Signal.objects.get().creditor == creditors.housing


def test_the_receipt_hashes_the_exact_body(api):
    body = json.dumps({"format_version": "1.0", "signals": [json_signal()]}).encode()

    response = api.post(URL, body, content_type="application/json")

    assert response.json()["receipt"]["sha256"] == hashlib.sha256(body).hexdigest()
    assert response.json()["receipt"]["size_bytes"] == len(body)


def test_the_same_batch_twice_is_answered_as_duplicates(api):
    post_batch(api, json_signal())

    response = post_batch(api, json_signal())

    assert response.status_code == 200
    assert [row["outcome"] for row in response.json()["rows"]] == ["duplicate"]
    assert Signal.objects.count() == 1


# --- the token and its scope ------------------------------------------------------------------------------


def test_a_creditor_cannot_deliver_for_a_municipality_without_agreement(api, creditors):
    response = post_batch(api, json_signal(), json_signal(creditor_reference="WS-0002", municipality="GM0938"))

    assert response.status_code == 200
    assert response.json()["rows"][1]["problems"] == [
        {
            "severity": "error",
            "row": 2,
            "field": "municipality",
            "code": "no_agreement",
            "message": "Your organisation has no active agreement to deliver signals to Meerssen (GM0938).",
        }
    ]
    assert list(Signal.objects.values_list("municipality__code", flat=True)) == ["GM0867"]


def test_an_ended_agreement_refuses_the_municipality(api, creditors, world):
    CreditorAgreement.objects.filter(organisation=creditors.housing).update(active=False)

    response = post_batch(api, json_signal())

    assert response.json()["rows"][0]["problems"][0]["code"] == "no_agreement"
    assert Signal.objects.count() == 0


def test_an_unknown_municipality_is_named(api):
    response = post_batch(api, json_signal(municipality="GM0001"))

    assert response.json()["rows"][0]["problems"][0]["message"] == (
        "No municipality with code GM0001 takes part in this platform."
    )


def test_the_token_is_shown_once_and_stored_only_as_its_hash(creditors):
    raw = issue_token(creditors.energy)

    token = CreditorToken.objects.get(organisation=creditors.energy)
    assert token.token_sha256 == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix)
    assert raw not in str(list(CreditorToken.objects.values()))


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer mes_not-a-token-of-anyone", "Bearer", "Token abc", "Bearer a b"],
    ids=["none", "unknown", "empty", "other scheme", "two words"],
)
def test_without_a_valid_token_nothing_is_received(creditors, authorization):
    client = english(Client())
    if authorization:
        client.defaults["HTTP_AUTHORIZATION"] = authorization

    response = post_batch(client, json_signal())

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="early-signals"'
    assert Delivery.objects.count() == 0


def test_a_revoked_token_no_longer_works(creditors):
    raw = issue_token(creditors.housing)
    call_command(
        "early_signals_token", "--organisation", creditors.housing.slug, "--revoke", raw[:12], stdout=StringIO()
    )
    client = english(Client(HTTP_AUTHORIZATION=f"Bearer {raw}"))

    assert post_batch(client, json_signal()).status_code == 401
    assert Signal.objects.count() == 0


def test_a_refused_token_is_told_in_the_language_of_the_request(creditors):
    dutch = Client(HTTP_AUTHORIZATION="Bearer mes_not-a-token-of-anyone")
    assert post_batch(dutch, json_signal()).json()["detail"] == "Ongeldig of ingetrokken token."
    client = english(Client(HTTP_AUTHORIZATION="Bearer mes_not-a-token-of-anyone"))
    assert post_batch(client, json_signal()).json()["detail"] == "Invalid or revoked token."
    two_words = Client(HTTP_AUTHORIZATION="Bearer a b")
    assert post_batch(two_words, json_signal()).json()["detail"] == "Zet het token na Bearer, met één spatie ertussen."


@pytest.mark.parametrize("persona", ["ww_early_signals", "ww_application_manager", "resident"])
def test_staff_and_residents_logged_in_to_the_site_cannot_deliver(creditors, client_as, persona):
    client = english(client_as(persona))

    response = post_batch(client, json_signal())

    assert response.status_code == 401
    assert Delivery.objects.count() == 0


# --- a broken batch -----------------------------------------------------------------------------------------


def test_a_batch_of_more_than_1000_signals_is_refused_whole(api):
    signals = [json_signal(creditor_reference=f"WS-{number}") for number in range(1001)]

    response = post_batch(api, *signals)

    assert response.status_code == 400
    assert response.json()["problems"] == [
        {
            "severity": "fatal",
            "row": None,
            "field": "signals",
            "code": "batch_too_large",
            "message": "A batch holds at most 1,000 signals; this one has 1,001. Split it.",
        }
    ]
    assert response.json()["receipt"]["fatal"] is True
    assert Signal.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"format_version": "1.0", "signals": [', "not_json"),
        (b'{"format_version": "1.0", "signals": [{"arrears_amount": NaN}]}', "not_json"),
        (b"\xff\xfe{}", "not_json"),
        (b"[]", "batch_shape"),
        (b'{"signals": []}', "format_version"),
        (b'{"format_version": "1.0", "signals": []}', "no_rows"),
        (b'{"format_version": "3.1", "signals": [{}]}', "format_version"),
        (b'{"format_version": 1.0, "signals": [{}]}', "format_version"),
        (b'{"format_version": "1.0", "signals": {"a": {}}}', "batch_shape"),
    ],
    ids=[
        "cut off",
        "NaN",
        "not utf-8",
        "a list",
        "no version",
        "no signals",
        "unknown version",
        "a number for the version",
        "an object for the signals",
    ],
)
def test_a_broken_batch_is_refused_with_a_reason(api, body, code):
    response = api.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert [problem["code"] for problem in response.json()["problems"]] == [code]
    assert Signal.objects.count() == 0


@pytest.mark.parametrize(
    "changed",
    [
        {"\ud800": 1},
        {"creditor_reference": "\ud800"},
        {"house_number": "\ud800"},
        {"date_of_birth": "\ud800"},
        {"arrears_amount": "\ud800"},
        {"signal_kind": "\udfff"},
    ],
    ids=["a key", "the reference", "the house number", "a date", "the amount", "the kind"],
)
def test_a_lone_surrogate_anywhere_in_a_signal_is_answered_not_repeated(api, changed):
    # Half of a character, which json.dumps writes as the escape \ud800, as a client's JSON may.
    body = json.dumps({"format_version": "1.0", "signals": [{**json_signal(), **changed}]})

    response = api.post(URL, body.encode(), content_type="application/json")

    assert response.status_code == 200
    assert "\\ud" not in response.content.decode().lower()  # nothing of it is repeated, not even escaped
    assert response.json()["rows"][0]["outcome"] in ("accepted", "refused")


@pytest.mark.parametrize("version", ["\\ud800", "1.0\\u0000", "\\u0007" * 40])
def test_a_version_that_cannot_be_shown_is_answered_and_kept_as_question_marks(api, version):
    body = '{"format_version": "' + version + '", "signals": [{}]}'

    response = api.post(URL, body.encode(), content_type="application/json")

    assert response.status_code == 400
    assert [p["code"] for p in response.json()["problems"]] == ["format_version"]
    kept = Delivery.objects.get().format_version
    assert kept.isprintable() and "?" in kept


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"format_version": "1.0", "signals": [',
            "The body is not valid JSON: line 1, column 39: a value was expected.",
        ),
        (
            b'{"format_version": "1.0",}',
            "The body is not valid JSON: line 1, column 26: a name in double quotes was expected.",
        ),
        (
            b'{"format_version": "1.0", "signals": [{"arrears_amount": NaN}]}',
            "The body holds NaN, which is not a number in JSON.",
        ),
        (b'{"x": "\xff"}', "The body is not UTF-8 text: byte 7 cannot be read."),
        (b'{"signals": ' + b"[" * 100_000, "The JSON is nested too deeply to read."),
        (
            b'{"format_version": "1.0", "signals": [{"house_number": 1' + b"0" * 5_000 + b"}]}",
            "The body holds a whole number of 5,001 digits; at most 100 are read.",
        ),
    ],
    ids=["cut off", "trailing comma", "NaN", "not utf-8", "nested too deeply", "a number of 5,001 digits"],
)
def test_a_body_that_is_not_json_says_where_and_why(api, body, message):
    response = api.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert [(p["code"], p["message"]) for p in response.json()["problems"]] == [("not_json", message)]


def test_a_batch_after_a_byte_order_mark_is_read(api):
    body = json.dumps({"format_version": "1.0", "signals": [json_signal()]}).encode()

    response = api.post(URL, b"\xef\xbb\xbf" + body, content_type="application/json")

    assert response.status_code == 200
    assert [row["outcome"] for row in response.json()["rows"]] == ["accepted"]


def test_a_signal_that_is_not_an_object_and_unknown_fields_are_answered_per_row(api):
    response = post_batch(api, "WS-0001", json_signal(notes="belt vaak terug"))

    rows = response.json()["rows"]
    assert rows[0]["outcome"] == "refused"
    assert rows[0]["problems"][0]["message"] == "A signal must be an object with fields."
    assert rows[1]["outcome"] == "accepted"
    assert rows[1]["problems"] == [
        {
            "severity": "warning",
            "row": 2,
            "field": "notes",
            "code": "unknown_field",
            "message": "Not a field of format 1.0; ignored.",
        }
    ]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("surname", ["Voorbeeld"], "not_text"),
        ("house_number", True, "invalid_number"),
        ("months_in_arrears", 10**30, "out_of_range"),
        ("signal_date", 20260316, "invalid_date"),
        ("surname", "Voor\u0000beeld", "control_characters"),
    ],
)
def test_values_of_the_wrong_type_are_refused(api, field, value, code):
    response = post_batch(api, json_signal(**{field: value}))

    assert response.status_code == 200
    assert [(p["field"], p["code"]) for p in response.json()["rows"][0]["problems"]] == [(field, code)]
    assert Signal.objects.count() == 0


def test_a_number_too_large_for_a_float_is_not_an_amount(api):
    body = json.dumps({"format_version": "1.0", "signals": [json_signal(arrears_amount="AMOUNT")]})

    response = api.post(URL, body.replace('"AMOUNT"', "1e400"), content_type="application/json")

    assert [(p["field"], p["code"]) for p in response.json()["rows"][0]["problems"]] == [
        ("arrears_amount", "invalid_amount")
    ]


@pytest.mark.parametrize("number", ["1e308", "1" + "0" * 30, "-1e308"])
def test_a_number_too_large_for_cents_is_out_of_range(api, number):
    body = json.dumps({"format_version": "1.0", "signals": [json_signal(arrears_amount="AMOUNT")]})

    response = api.post(URL, body.replace('"AMOUNT"', number), content_type="application/json")

    assert response.status_code == 200
    code = "negative" if number.startswith("-") else "out_of_range"
    assert [(p["field"], p["code"]) for p in response.json()["rows"][0]["problems"]] == [("arrears_amount", code)]


def test_a_request_larger_than_a_batch_may_be_is_refused_before_it_is_read(api):
    response = api.post(URL, b"{}", content_type="application/json", CONTENT_LENGTH=str(3 * 1024 * 1024))

    assert response.status_code == 413
    assert response.json()["problems"][0]["code"] == "too_large"
    assert Delivery.objects.count() == 0


# --- files over the API -------------------------------------------------------------------------------------


def test_a_csv_file_is_received_over_the_api(api):
    upload = SimpleUploadedFile("signalen.csv", csv_bytes([signal_row()]), content_type="text/csv")

    response = api.post(FILES_URL, {"file": upload, "format_version": "1.0"})

    assert response.status_code == 200
    assert response.json()["receipt"]["channel"] == "csv"
    assert response.json()["rows"][0]["outcome"] == "accepted"


def test_an_xlsx_file_is_received_over_the_api(api):
    upload = SimpleUploadedFile("signalen.xlsx", xlsx_bytes([signal_row()]))

    response = api.post(FILES_URL, {"file": upload, "format_version": "1.0"})

    assert response.status_code == 200
    assert response.json()["receipt"]["channel"] == "xlsx"
    assert Signal.objects.count() == 1


def test_an_xlsx_that_unpacks_too_large_is_answered_as_too_large(api, monkeypatch):
    monkeypatch.setattr(formats, "MAX_XLSX_UNPACKED_BYTES", 1000)  # instead of a file of 400 MiB unpacked
    upload = SimpleUploadedFile("signalen.xlsx", xlsx_bytes([signal_row()]))

    response = api.post(FILES_URL, {"file": upload, "format_version": "1.0"})

    assert response.status_code == 413
    assert [p["code"] for p in response.json()["problems"]] == ["too_large"]
    assert Signal.objects.count() == 0


def test_a_file_upload_without_file_or_version_is_refused(api):
    response = api.post(FILES_URL, {"something": "else"})

    assert response.status_code == 400
    assert [(p["field"], p["code"]) for p in response.json()["problems"]] == [
        ("file", "no_file"),
        ("format_version", "format_version"),
    ]
    assert Delivery.objects.count() == 0


def test_a_file_upload_with_two_files_is_refused_and_delivers_neither(api):
    first = SimpleUploadedFile("a.csv", csv_bytes([signal_row()]), content_type="text/csv")
    second = SimpleUploadedFile("b.csv", csv_bytes([signal_row(creditor_reference="WS-0002")]), content_type="text/csv")

    response = api.post(FILES_URL, {"file": [first, second], "format_version": "1.0"})

    assert response.status_code == 400
    assert [(p["field"], p["code"], p["message"]) for p in response.json()["problems"]] == [
        ("file", "several_files", "Send one file per delivery; this request holds 2 in the field “file”.")
    ]
    assert Signal.objects.count() == 0 and Delivery.objects.count() == 0


def test_a_file_without_version_gets_a_receipt_of_that_file(api):
    content = csv_bytes([signal_row()])
    upload = SimpleUploadedFile("signalen.csv", content, content_type="text/csv")

    response = api.post(FILES_URL, {"file": upload})

    assert response.status_code == 400
    assert [p["code"] for p in response.json()["problems"]] == ["format_version"]
    receipt = response.json()["receipt"]
    assert receipt["sha256"] == hashlib.sha256(content).hexdigest()
    assert receipt["size_bytes"] == len(content)
    assert Delivery.objects.count() == 0


def test_a_300_mb_upload_is_refused_before_it_is_read(api):
    upload = SimpleUploadedFile("signalen.csv", csv_bytes([signal_row()]), content_type="text/csv")

    response = api.post(FILES_URL, {"file": upload, "format_version": "1.0"}, CONTENT_LENGTH=str(300 * 1024 * 1024))

    assert response.status_code == 413
    assert response.json()["problems"] == [
        {
            "severity": "fatal",
            "row": None,
            "field": "",
            "code": "too_large",
            "message": "The delivery is 314,572,800 bytes; at most 52,428,800 bytes are read. Split it into smaller "
            "files.",
        }
    ]
    assert Delivery.objects.count() == 0
    assert Signal.objects.count() == 0
