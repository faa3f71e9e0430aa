"""A creditor's system withdraws signals through the API: a batch of references with a reason each,
answered per item; only the token's own organisation's signals; every batch that cannot be read is
refused whole with a reason, and nothing is withdrawn."""

from __future__ import annotations

import json

import pytest
import yaml
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

from meedoen.core.models import AuditEvent
from meedoen.early_signals import formats
from meedoen.early_signals.models import Case, CreditorToken, Signal, SignalTombstone
from meedoen.early_signals.services import token_revoke
from meedoen.early_signals.tests.factories import SYSTEM, deliver_rows, signal_row
from meedoen.early_signals.tests.test_api import english, issue_token
from meedoen.early_signals.tests.test_docs import ROOT
from meedoen.early_signals.tests.test_retention import household
from meedoen.early_signals.tests.test_withdrawals import snapshot
from meedoen.ledger.models import Entry

pytestmark = pytest.mark.django_db

URL = "/api/v1/early-signals/withdrawals/"


def client_of(organisation) -> Client:
    client = english(Client())
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_token(organisation)}"
    return client


@pytest.fixture
def housing(creditors) -> Client:
    return client_of(creditors.housing)


@pytest.fixture
def delivered(creditors) -> None:
    """Two signals of the housing corporation (two households) and one of the energy supplier."""
    deliver_rows(creditors.housing, signal_row(), household(1))
    deliver_rows(creditors.energy, signal_row(creditor_reference="EN-1", surname="Anders", house_number="40"))


def post(client: Client, *items: object, **extra: object):
    return client.post(URL, {"withdrawals": list(items)}, content_type="application/json", **extra)


def test_a_batch_is_answered_per_item_with_a_summary(housing, delivered, creditors):
    response = post(
        housing,
        {"reference": "WS-0001", "reason": "paid"},
        {"reference": "RT-001", "reason": "sent_in_error"},
        {"reference": "WS-0001", "reason": "arrangement"},
        {"reference": "NIET-BESTAAND", "reason": "paid"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["summary"] == {"items": 4, "withdrawn": 2, "already_withdrawn": 1, "refused": 1, "fatal": False}
    assert body["problems"] == []
    assert body["results"] == [
        {
            "row": 1,
            "reference": "WS-0001",
            "outcome": "withdrawn",
            "reason": "paid",
            "withdrawn_at": "2026-03-20T09:00:00+00:00",
            "problems": [],
        },
        {
            "row": 2,
            "reference": "RT-001",
            "outcome": "withdrawn",
            "reason": "sent_in_error",
            "withdrawn_at": "2026-03-20T09:00:00+00:00",
            "problems": [],
        },
        {
            "row": 3,
            "reference": "WS-0001",
            "outcome": "already_withdrawn",
            "reason": "paid",
            "withdrawn_at": "2026-03-20T09:00:00+00:00",
            "problems": [
                {
                    "severity": "warning",
                    "row": 3,
                    "field": "reference",
                    "code": "already_withdrawn",
                    "message": "Already withdrawn on 2026-03-20 (arrears paid); nothing changed.",
                }
            ],
        },
        {
            "row": 4,
            "reference": "NIET-BESTAAND",
            "outcome": "refused",
            "reason": None,
            "withdrawn_at": None,
            "problems": [
                {
                    "severity": "error",
                    "row": 4,
                    "field": "reference",
                    "code": "unknown_reference",
                    "message": "Your organisation delivered no signal with this reference.",
                }
            ],
        },
    ]
    assert Signal.objects.get(creditor_reference="WS-0001").withdrawal_reason == "paid"
    assert SignalTombstone.objects.get().creditor_reference == "RT-001"
    assert Entry.objects.filter(kind="signal.withdrawn").count() == 2
    # Each withdrawal is the token's change in the audit log.
    token = CreditorToken.objects.get(organisation=creditors.housing)
    actors = set(
        AuditEvent.objects.filter(action="early_signals.signal.withdraw").values_list("actor_label", flat=True)
    )
    assert actors == {f"creditor:{creditors.housing.slug}:{token.prefix}"}


def test_the_answer_is_in_dutch_for_a_dutch_client(creditors, delivered):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_token(creditors.housing)}"

    response = post(client, {"reference": "NIET-BESTAAND", "reason": "betaald"})

    messages = [problem["message"] for problem in response.json()["results"][0]["problems"]]
    assert messages == ["“betaald” is niet een van: paid, arrangement, sent_in_error."]


def test_another_creditor_s_reference_is_answered_exactly_as_an_unknown_one(housing, delivered):
    before = snapshot()

    others = post(housing, {"reference": "EN-1", "reason": "sent_in_error"}).json()
    unknown = post(housing, {"reference": "EN-9", "reason": "sent_in_error"}).json()

    assert others["results"][0] | {"reference": None} == unknown["results"][0] | {"reference": None}
    assert others["results"][0]["problems"][0]["code"] == "unknown_reference"
    assert snapshot() == before
    assert Signal.objects.get(creditor_reference="EN-1").withdrawn_at is None


def test_the_token_withdraws_in_every_municipality_of_its_creditor(housing, creditors, world):
    deliver_rows(creditors.housing, signal_row(creditor_reference="MS-1", municipality="GM0938", postcode="6241 ZT"))
    assert not Signal.objects.filter(creditor_reference="MS-1").exists()  # no agreement with Meerssen
    deliver_rows(creditors.water, signal_row(creditor_reference="W-1", municipality="GM0938", postcode="6241 ZT"))

    water = client_of(creditors.water)
    response = post(water, {"reference": "W-1", "reason": "arrangement"})

    assert response.json()["results"][0]["outcome"] == "withdrawn"


@pytest.mark.parametrize(
    ("item", "field", "code"),
    [
        ({"reference": "WS-0001", "reason": "betaald"}, "reason", "invalid_choice"),
        ({"reference": "WS-0001", "reason": None}, "reason", "required"),
        ({"reference": "WS-0001"}, "reason", "required"),
        ({"reference": "", "reason": "paid"}, "reference", "required"),
        ({"reference": None, "reason": "paid"}, "reference", "required"),
        ({"reference": {"a": 1}, "reason": "paid"}, "reference", "not_text"),
        ({"reference": True, "reason": "paid"}, "reference", "not_text"),
        ({"reference": "WS-0001\u0000", "reason": "paid"}, "reference", "control_characters"),
        ({"reference": "x" * 200, "reason": "paid"}, "reference", "too_long"),
        ([1, 2], "", "not_an_object"),
        (None, "", "not_an_object"),
    ],
)
def test_an_item_that_cannot_be_read_is_refused_with_its_field_and_code(housing, delivered, item, field, code):
    before = snapshot()

    response = post(housing, item, {"reference": "RT-001", "reason": "paid"})

    assert response.status_code == 200
    first, second = response.json()["results"]
    assert first["outcome"] == "refused"
    assert [(problem["row"], problem["field"], problem["code"]) for problem in first["problems"]] == [(1, field, code)]
    # The next item is not held up by it.
    assert second["outcome"] == "withdrawn"
    assert snapshot()[0] != before[0]
    assert Signal.objects.get(creditor_reference="WS-0001").withdrawn_at is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "not_json"),
        (b"{not json", "not_json"),
        ('{"withdrawals": [{"reference": "WS-0001", "reason": "paid"}]}'.encode("utf-16"), "not_json"),
        (b'{"withdrawals": [{"reference": "WS-0001", "reason": Infinity}]}', "not_json"),
        (b'"withdrawals"', "batch_shape"),
        (b'[{"reference": "WS-0001", "reason": "paid"}]', "batch_shape"),
        (b'{"withdrawals": "WS-0001"}', "batch_shape"),
        (b'{"withdrawals": []}', "no_rows"),
        (b'{"withdrawals": null}', "no_rows"),
        (b'{"signals": [{"reference": "WS-0001", "reason": "paid"}]}', "no_rows"),
    ],
)
def test_a_batch_that_cannot_be_read_is_refused_whole_with_400(housing, delivered, body, code):
    before = snapshot()

    response = housing.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    answer = response.json()
    assert [(problem["severity"], problem["code"]) for problem in answer["problems"]][-1:] == [("fatal", code)]
    assert answer["results"] == []
    assert answer["summary"]["fatal"] is True
    assert snapshot() == before


def test_a_batch_of_more_than_a_thousand_items_is_refused_whole(housing, delivered):
    before = snapshot()

    response = post(housing, *({"reference": f"R-{n}", "reason": "paid"} for n in range(formats.MAX_BATCH + 1)))

    assert response.status_code == 400
    assert [problem["code"] for problem in response.json()["problems"]] == ["batch_too_large"]
    assert snapshot() == before


def test_a_thousand_items_are_read(housing, delivered):
    response = post(housing, *({"reference": f"R-{n}", "reason": "paid"} for n in range(formats.MAX_BATCH)))

    assert response.status_code == 200
    assert response.json()["summary"]["refused"] == formats.MAX_BATCH


def test_a_body_larger_than_may_be_read_is_refused_with_413_before_it_is_read(housing, delivered, monkeypatch):
    before = snapshot()

    announced = housing.post(URL, b"{}", content_type="application/json", CONTENT_LENGTH=str(3 * 1024 * 1024))
    monkeypatch.setattr(formats, "MAX_JSON_BYTES", 100)
    sent = post(housing, *({"reference": "WS-0001", "reason": "paid"} for _ in range(10)))

    for response in (announced, sent):
        assert response.status_code == 413
        assert [problem["code"] for problem in response.json()["problems"]] == ["too_large"]
    assert snapshot() == before


def test_hostile_text_comes_back_as_data_only(housing, delivered):
    hostile = "<script>alert(1)</script>"

    response = post(housing, {"reference": hostile, "reason": "paid"})

    assert response["Content-Type"] == "application/json"
    assert response.json()["results"][0]["reference"] == hostile
    assert response.json()["results"][0]["problems"][0]["code"] == "unknown_reference"


def test_without_a_valid_token_nothing_is_withdrawn(creditors, delivered):
    revoked = client_of(creditors.housing)
    token_revoke(actor=SYSTEM, token=CreditorToken.objects.get(organisation=creditors.housing))
    nameless = english(Client())
    wrong = english(Client(HTTP_AUTHORIZATION="Bearer mes_nothing_of_the_kind_nothing_of_the_kind_00"))
    before = snapshot()

    for client in (revoked, nameless, wrong):
        response = post(client, {"reference": "WS-0001", "reason": "paid"})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="early-signals"'
    assert snapshot() == before


def test_a_logged_in_person_is_not_a_creditor_s_token(client_as, delivered):
    response = post(client_as("ww_signal_deliverer"), {"reference": "WS-0001", "reason": "paid"})

    assert response.status_code in {401, 403}
    assert Signal.objects.get(creditor_reference="WS-0001").withdrawn_at is None


def test_only_post_is_answered(housing):
    assert housing.get(URL).status_code == 405


def test_a_case_nobody_began_on_is_closed_and_the_feedback_says_withdrawn(housing, delivered):
    post(housing, {"reference": "WS-0001", "reason": "paid"})

    case = Signal.objects.get(creditor_reference="WS-0001").case
    assert (case.status, case.outcome) == (Case.Status.CLOSED, Case.Outcome.WITHDRAWN)
    found = housing.get("/api/v1/early-signals/feedback/").json()["results"]
    statuses = {item["creditor_reference"]: (item["status"], item["withdrawal_reason"]) for item in found}
    assert statuses == {"WS-0001": ("withdrawn", "paid"), "RT-001": ("received", None)}
    as_csv = housing.get("/api/v1/early-signals/feedback/", {"format": "csv"}).content.decode()
    assert as_csv.splitlines()[0].endswith(",withdrawn_on,withdrawal_reason")
    assert ",withdrawn,unknown,," in as_csv and as_csv.count(",2026-03-20,paid") == 1


def test_the_committed_openapi_description_holds_the_withdrawals_as_the_code_describes_them():
    generated = yaml.safe_load(OpenApiYamlRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    committed = yaml.safe_load((ROOT / "docs" / "api" / "openapi.yaml").read_text(encoding="utf-8"))

    assert committed["paths"][URL] == generated["paths"][URL]
    assert set(committed["paths"][URL]["post"]["responses"]) == {"200", "400", "401", "403", "413"}
    schemas = committed["components"]["schemas"]
    assert schemas["WithdrawalReasonEnum"]["enum"] == ["paid", "arrangement", "sent_in_error"]
    assert json.dumps(schemas["EarlySignalWithdrawalBatch"]).count('"maxItems": 1000') == 1
