"""A creditor's system finds its deliveries again through the API: the list of its receipts and one
receipt by its id, only its own organisation's, whichever way the delivery came."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from meedoen.core.models import AuditEvent
from meedoen.early_signals.api import deliveries as deliveries_api
from meedoen.early_signals.models import CreditorToken, Delivery
from meedoen.early_signals.tests.factories import csv_bytes, deliver_file, deliver_rows, signal_row
from meedoen.early_signals.tests.test_api import english, issue_token

pytestmark = pytest.mark.django_db
LIST = "/api/v1/early-signals/deliveries/"


def one(delivery: Delivery) -> str:
    return f"{LIST}{delivery.uuid}/"


@pytest.fixture
def housing_api(creditors) -> Client:
    client = english(Client())
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_token(creditors.housing)}"
    return client


@pytest.fixture
def energy_api(creditors) -> Client:
    client = english(Client())
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_token(creditors.energy)}"
    return client


def test_a_receipt_is_read_back_by_its_id(housing_api, creditors):
    answer = deliver_rows(creditors.housing, signal_row(), signal_row(creditor_reference="X", postcode="1"))
    delivery = Delivery.objects.get()

    response = housing_api.get(one(delivery))

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "delivery": str(answer.receipt.delivery),
        "creditor": creditors.housing.slug,
        "channel": "csv",
        "format_version": "1.0",
        "received_at": "2026-03-20T09:00:00+00:00",
        "completed_at": "2026-03-20T09:00:00+00:00",
        "sha256": answer.receipt.sha256,
        "size_bytes": answer.receipt.size_bytes,
        "rows": 2,
        "accepted": 1,
        "duplicates": 0,
        "refused": 1,
        "warnings": 0,
        "fatal": False,
        "delivered_by": "system:test",
    }


def test_a_receipt_says_which_of_the_organisations_keys_sent_it(housing_api, creditors):
    token = CreditorToken.objects.get(organisation=creditors.housing)
    batch = {"format_version": "1.0", "signals": [signal_row()]}
    sent = housing_api.post("/api/v1/early-signals/", batch, content_type="application/json")
    assert sent.status_code == 200

    body = housing_api.get(LIST).json()

    assert body["results"][0]["delivered_by"] == f"creditor:{creditors.housing.slug}:{token.prefix}"


def test_a_file_refused_as_a_whole_is_read_back_as_such(housing_api, creditors):
    deliver_file(creditors.housing, b"not;a;header\n")

    body = housing_api.get(LIST).json()

    assert body["count"] == 1
    assert (body["results"][0]["fatal"], body["results"][0]["rows"]) == (True, 0)


def test_a_file_refused_as_a_whole_was_completed_when_it_was_received(creditors):
    with time_machine.travel(datetime(2026, 3, 20, 9, tzinfo=UTC), tick=True):  # a clock that moves on
        deliver_file(creditors.housing, b"not;a;header\n")

    delivery = Delivery.objects.get()
    assert delivery.completed_at == delivery.received_at


def test_the_list_holds_only_the_tokens_organisation_newest_first(housing_api, energy_api, creditors):
    deliver_rows(creditors.housing, signal_row(creditor_reference="H-1"))
    deliver_rows(creditors.energy, signal_row(creditor_reference="E-1"))
    deliver_rows(creditors.housing, signal_row(creditor_reference="H-2", house_number="14", surname="Tweede"))
    ours = list(Delivery.objects.filter(creditor=creditors.housing).order_by("-received_at", "-pk"))

    body = housing_api.get(LIST).json()

    assert body["count"] == 2
    assert body["next"] is None
    assert [item["delivery"] for item in body["results"]] == [str(delivery.uuid) for delivery in ours]
    assert {item["creditor"] for item in body["results"]} == {creditors.housing.slug}
    assert energy_api.get(LIST).json()["count"] == 1


def test_another_organisations_delivery_is_not_found(energy_api, creditors):
    deliver_rows(creditors.housing, signal_row())
    theirs = Delivery.objects.get()

    for address in (one(theirs), f"{LIST}{uuid.uuid4()}/"):
        response = energy_api.get(address)
        assert response.status_code == 404
        assert response.json() == {"detail": "Your organisation made no delivery with this id."}
    assert energy_api.get(f"{LIST}not-an-id/").status_code == 404


def test_the_list_comes_a_page_at_a_time(housing_api, creditors):
    for number in range(5):
        deliver_rows(creditors.housing, signal_row(creditor_reference=f"P-{number}"))

    first = housing_api.get(LIST, {"limit": "2"})
    body = first.json()

    assert (body["count"], len(body["results"])) == (5, 2)
    assert body["next"] == "http://testserver/api/v1/early-signals/deliveries/?limit=2&page=2"
    assert first["Link"] == f'<{body["next"]}>; rel="next"'
    seen = [item["delivery"] for item in body["results"]]
    while body["next"]:
        body = housing_api.get(body["next"]).json()
        seen += [item["delivery"] for item in body["results"]]
    assert sorted(seen) == sorted(str(delivery.uuid) for delivery in Delivery.objects.all())
    assert len(set(seen)) == 5


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": str(deliveries_api.MAX_LIMIT + 1)}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "²"}, "limit"),
        ({"page": "0"}, "page"),
        ({"page": "2"}, "page"),
        ({"page": "99999999999999999999"}, "page"),
        ({"limit": "abc", "page": "0"}, "limit page"),  # both told at once
        ({"limit": "abc", "page": "3"}, "limit"),  # a page that may exist at the limit meant
    ],
)
def test_a_query_that_cannot_be_read_is_refused_with_its_reason(housing_api, creditors, query, field):
    deliver_rows(creditors.housing, signal_row())

    response = housing_api.get(LIST, query)

    assert response.status_code == 400
    assert list(response.json()) == field.split()


@pytest.mark.parametrize("authorization", [None, "Bearer mes_not_a_token", "Basic abc"])
def test_without_a_valid_token_nothing_is_told(creditors, authorization):
    deliver_rows(creditors.housing, signal_row())
    client = Client()
    if authorization:
        client.defaults["HTTP_AUTHORIZATION"] = authorization

    for address in (LIST, one(Delivery.objects.get())):
        response = client.get(address)
        assert response.status_code in (401, 403)
        assert "delivery" not in response.content.decode()


def test_a_logged_in_staff_member_is_no_creditor(client_as, creditors):
    deliver_rows(creditors.housing, signal_row())

    for persona in ("ww_early_signals", "ww_signal_deliverer"):
        response = client_as(persona).get(LIST)
        assert response.status_code in (401, 403), persona


def test_reading_receipts_changes_nothing(housing_api, creditors):
    deliver_file(creditors.housing, csv_bytes([signal_row()]))
    before = (Delivery.objects.count(), AuditEvent.objects.count())

    housing_api.get(LIST)
    housing_api.get(one(Delivery.objects.get()))

    assert (Delivery.objects.count(), AuditEvent.objects.count()) == before
