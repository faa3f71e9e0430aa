"""A creditor asks for the proof that the municipality received one of its signals and checks it
without trusting Meedoen: its signal is an item of the entry its organisation signed for the
delivery, and that entry is in the municipality's shared log under a signed checkpoint. Only its
own signals, also after their personal data was removed; the proof holds no personal data, and
every call is audited."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
import yaml
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

from meedoen.core.models import AuditEvent
from meedoen.early_signals import retention
from meedoen.early_signals.models import Case, Signal, SignalTombstone
from meedoen.early_signals.selectors import PROOF_ACTION
from meedoen.early_signals.services import case_close
from meedoen.early_signals.tests.conftest import TODAY
from meedoen.early_signals.tests.factories import SYSTEM
from meedoen.early_signals.tests.test_api import english, issue_token, json_signal, post_batch
from meedoen.early_signals.tests.test_docs import DOC, ROOT
from meedoen.ledger import batches
from meedoen.ledger.entries import read_leaf
from meedoen.ledger.merkle import ProofError, verify_inclusion
from meedoen.ledger.models import Entry, Log
from meedoen.ledger.notes import open_checkpoint
from meedoen.ledger.publish import log_verifier
from meedoen.ledger.sequencer import sequence_queued

pytestmark = pytest.mark.django_db

URL = "/api/v1/early-signals/proof/"
TERM = 30
# What a signal of the tests tells about the invented person, which no proof may hold.
PERSONAL_VALUES = (
    "Jolien",
    "Voorbeeld",
    "Verzonnenstraat",
    "5141 ZX",
    "5141ZX",
    "Waalwijk",
    "1984-03-17",
    "06 12345678",
    "0612345678",
    "jolien@example.org",
    "111222333",
    "412.5",
)


def client_of(organisation) -> Client:
    client = english(Client())
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_token(organisation)}"
    return client


def signal(number: int, **fields: Any) -> dict[str, Any]:
    """A signal about another invented household in Waalwijk, with its own reference."""
    return json_signal(**({"creditor_reference": f"PR-{number:03d}", "house_number": 100 + number} | fields))


def deliver(client: Client, *signals: dict[str, Any]) -> None:
    response = post_batch(client, *signals)
    assert response.status_code == 200, response.content
    assert {row["outcome"] for row in response.json()["rows"]} == {"accepted"}


def proof_of(client: Client, reference: str) -> dict[str, Any]:
    response = client.get(URL, {"reference": reference})
    assert response.status_code == 200, response.content
    answer: dict[str, Any] = response.json()
    return answer


def unbase64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def canonical_json(data: dict[str, Any]) -> bytes:
    """As a creditor writes it with any JSON library: keys sorted, no spaces, ASCII escapes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def check_item_and_entry(answer: dict[str, Any], *, reference: str, reminder_date: str, signal_date: str) -> None:
    """Steps 1 to 4 of the check, as a creditor does them: its signal is an item of the entry."""
    payload = {"creditor_reference": reference, "reminder_date": reminder_date, "signal_date": signal_date}
    payload_sha256 = hashlib.sha256(canonical_json(payload)).hexdigest()
    item = answer["item"]
    text = item["text"].encode("ascii")
    fields = json.loads(text)
    assert (fields["kind"], fields["payload_sha256"]) == ("signal.received", payload_sha256)
    assert canonical_json(fields) == text
    root = unbase64(item["root"])
    path = [unbase64(digest) for digest in item["path"]]
    batches.verify_item(text, item["position"], item["batch_size"], path, root)
    leaf = unbase64(answer["entry"]["leaf"])
    assert hashlib.sha256(b"\x00" + leaf).digest() == unbase64(answer["entry"]["leaf_hash"])
    entry = json.loads(leaf)
    assert (entry["kind"], entry["log"]) == ("signals.received", answer["log"])
    batch = {"items": item["batch_size"], "kind": "signal.received", "root": root.hex(), "v": 1}
    assert entry["payload_sha256"] == hashlib.sha256(canonical_json(batch)).hexdigest()


def check_inclusion(answer: dict[str, Any]) -> None:
    """Step 5: the entry is in the log under the checkpoint the log signed."""
    inclusion = answer["inclusion"]
    opened = open_checkpoint(inclusion["checkpoint"].encode(), log_verifier(answer["log"]))
    assert opened.checkpoint.size == inclusion["tree_size"]
    verify_inclusion(
        unbase64(answer["entry"]["leaf_hash"]),
        answer["entry"]["index"],
        opened.checkpoint.size,
        [unbase64(digest) for digest in inclusion["proof"]],
        opened.checkpoint.root_hash,
    )


def close_and_let_the_term_pass(case: Case) -> None:
    """Close the case without contact and run the retention the day after its term: the signals'
    personal data goes, a tombstone of each stays."""
    team = case.municipality.organisations.order_by("pk").first()
    case_close(actor=SYSTEM, case=case, organisation=team, outcome=Case.Outcome.NO_CONTACT)
    with time_machine.travel(TODAY + timedelta(days=TERM + 1), tick=False):
        retention.retention_run()


@pytest.fixture
def housing(creditors) -> Client:
    return client_of(creditors.housing)


# --- the proof ------------------------------------------------------------------------------------------


def test_a_delivered_signal_s_proof_checks_out_from_the_reference_to_the_signed_checkpoint(
    creditors, housing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(housing, signal(1), signal(2, reminder_date="2026-03-03"), signal(3))
    with django_capture_on_commit_callbacks(execute=True):
        deliver(housing, signal(4), signal(5))

    answer = proof_of(housing, "PR-002")

    assert answer["creditor_reference"] == "PR-002"
    assert answer["log"] == Log.objects.get(municipality__code="GM0867").origin
    assert (answer["entry"]["index"], answer["item"]["position"], answer["item"]["batch_size"]) == (0, 1, 3)
    assert answer["inclusion"]["tree_size"] == 2
    check_item_and_entry(answer, reference="PR-002", reminder_date="2026-03-03", signal_date="2026-03-16")
    check_inclusion(answer)
    later = proof_of(housing, "PR-005")
    assert (later["entry"]["index"], later["item"]["position"], later["item"]["batch_size"]) == (1, 1, 2)
    check_item_and_entry(later, reference="PR-005", reminder_date="2026-03-02", signal_date="2026-03-16")
    check_inclusion(later)


def test_the_proof_of_one_signal_proves_no_other(creditors, housing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(housing, signal(1), signal(2))

    answer = proof_of(housing, "PR-001")

    with pytest.raises(AssertionError):
        check_item_and_entry(answer, reference="PR-002", reminder_date="2026-03-02", signal_date="2026-03-16")
    with pytest.raises(AssertionError):
        check_item_and_entry(answer, reference="PR-001", reminder_date="2026-03-01", signal_date="2026-03-16")
    other = proof_of(housing, "PR-002")
    with pytest.raises(ProofError):
        batches.verify_item(
            other["item"]["text"].encode(),
            answer["item"]["position"],
            2,
            [unbase64(digest) for digest in answer["item"]["path"]],
            unbase64(answer["item"]["root"]),
        )


def test_until_the_log_takes_the_entry_in_there_is_no_inclusion_and_then_there_is(creditors, housing):
    deliver(housing, signal(1))

    answer = proof_of(housing, "PR-001")

    assert answer["entry"]["index"] is None
    assert answer["inclusion"] is None
    check_item_and_entry(answer, reference="PR-001", reminder_date="2026-03-02", signal_date="2026-03-16")

    sequence_queued(Log.objects.get(municipality__code="GM0867").pk)

    answer = proof_of(housing, "PR-001")
    assert answer["entry"]["index"] == 0
    assert answer["inclusion"]["tree_size"] == 1
    check_inclusion(answer)


def test_a_signal_whose_personal_data_was_removed_still_has_its_proof(
    creditors, housing, settings, django_capture_on_commit_callbacks
):
    settings.EARLY_SIGNALS_RETENTION_DAYS = TERM
    with django_capture_on_commit_callbacks(execute=True):
        deliver(housing, signal(1, email="jolien@example.org"))
    close_and_let_the_term_pass(Signal.objects.get(creditor_reference="PR-001").case)
    assert not Signal.objects.exists()
    assert SignalTombstone.objects.get().creditor_reference == "PR-001"

    answer = proof_of(housing, "PR-001")

    check_item_and_entry(answer, reference="PR-001", reminder_date="2026-03-02", signal_date="2026-03-16")
    check_inclusion(answer)


def test_the_proof_holds_no_personal_data(creditors, housing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(housing, json_signal(email="jolien@example.org", bsn="111222333"))

    response = housing.get(URL, {"reference": "WS-0001"})

    answer = response.json()
    decoded = [unbase64(answer["entry"]["leaf"]).decode(), answer["item"]["text"], answer["inclusion"]["checkpoint"]]
    text = response.content.decode() + "\n".join(decoded)
    for value in PERSONAL_VALUES:
        assert value not in text, value
    signal = Signal.objects.get()
    for pseudonym in (signal.resident_ref, signal.case.household_ref):
        assert pseudonym and pseudonym not in text
    assert read_leaf(unbase64(answer["entry"]["leaf"]))["subject"] == ""


def test_the_reference_is_read_as_the_intake_reads_it(creditors, housing):
    deliver(housing, signal(1))

    assert proof_of(housing, "  PR-001 ")["creditor_reference"] == "PR-001"


# --- only the creditor's own signals -------------------------------------------------------------------------


def test_another_creditor_s_reference_is_answered_as_unknown(creditors, housing):
    deliver(client_of(creditors.energy), signal(1, creditor_reference="EN-001"))

    foreign = housing.get(URL, {"reference": "EN-001"})
    unknown = housing.get(URL, {"reference": "EN-999"})

    assert (foreign.status_code, unknown.status_code) == (404, 404)
    assert foreign.json() == unknown.json()
    assert foreign.json() == {"detail": "You delivered no signal with this reference that has a proof here."}


def test_the_same_reference_of_two_creditors_gives_each_its_own_signal(creditors, housing):
    energy = client_of(creditors.energy)
    deliver(housing, signal(1))
    deliver(energy, signal(2, creditor_reference="PR-001", signal_date="2026-03-17"))

    check_item_and_entry(
        proof_of(housing, "PR-001"), reference="PR-001", reminder_date="2026-03-02", signal_date="2026-03-16"
    )
    check_item_and_entry(
        proof_of(energy, "PR-001"), reference="PR-001", reminder_date="2026-03-02", signal_date="2026-03-17"
    )


def test_a_removed_signal_of_another_creditor_stays_out_of_sight(
    creditors, housing, settings, django_capture_on_commit_callbacks
):
    settings.EARLY_SIGNALS_RETENTION_DAYS = TERM
    deliver(client_of(creditors.energy), signal(1, creditor_reference="EN-001"))
    close_and_let_the_term_pass(Signal.objects.get().case)
    assert SignalTombstone.objects.filter(creditor=creditors.energy).exists()

    assert housing.get(URL, {"reference": "EN-001"}).status_code == 404


def test_a_signal_received_before_signals_were_logged_as_items_has_no_proof_here(creditors, housing):
    deliver(housing, signal(1))
    Signal.objects.update(ledger_entry=None, ledger_position=None)

    assert housing.get(URL, {"reference": "PR-001"}).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"reference": ""},
        {"reference": "   "},
        {"reference": "R" * 65},
        {"reference": "PR\x00001"},
        {"reference": "PR\n1"},
    ],
    ids=["missing", "empty", "spaces", "too long", "nul", "line break"],
)
def test_a_reference_that_cannot_be_a_reference_is_refused_with_the_reason(creditors, housing, query):
    deliver(housing, signal(1))
    events = AuditEvent.objects.count()

    response = housing.get(URL, query)

    assert response.status_code == 400
    assert response.json() == {
        "reference": [
            "Give reference as the creditor_reference of one of your signals: 1 to 64 characters, without control "
            "characters."
        ]
    }
    assert AuditEvent.objects.count() == events


def test_a_reference_of_64_characters_is_looked_up(creditors, housing):
    assert housing.get(URL, {"reference": "R" * 64}).status_code == 404


@pytest.mark.parametrize(
    "reference",
    ["PR-\u00ad7", "PR-\u200b7", "PR-\ue0007", "PR\u00a07"],
    ids=["soft hyphen", "zero width", "private use", "no-break space"],
)
def test_a_reference_the_intake_stored_is_found_whatever_characters_it_holds(creditors, housing, reference):
    deliver(housing, signal(7, creditor_reference=reference))

    answer = proof_of(housing, reference)

    assert answer["creditor_reference"] == Signal.objects.get().creditor_reference


# --- access and audit ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "Bearer mes_not-a-token", "Bearer"], ids=["none", "unknown", "empty"])
def test_without_a_valid_token_the_answer_is_401_and_nothing_is_told(creditors, housing, authorization):
    deliver(housing, signal(1))
    events = AuditEvent.objects.count()
    client = english(Client())
    if authorization:
        client.defaults["HTTP_AUTHORIZATION"] = authorization

    response = client.get(URL, {"reference": "PR-001"})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="early-signals"'
    assert "item" not in response.json()
    assert AuditEvent.objects.count() == events


def test_staff_sessions_do_not_reach_the_proof(creditors, housing, client_as):
    deliver(housing, signal(1))

    assert client_as("ww_early_signals").get(URL, {"reference": "PR-001"}).status_code == 401


def test_every_call_is_audited_with_whether_a_proof_was_given(creditors, housing):
    deliver(housing, signal(1))

    housing.get(URL, {"reference": "PR-001"})
    housing.get(URL, {"reference": "PR-999"})

    calls = AuditEvent.objects.filter(action=PROOF_ACTION).order_by("id")
    assert [(event.kind, event.details) for event in calls] == [
        ("access", {"creditor": creditors.housing.slug, "via": "api", "found": True}),
        ("access", {"creditor": creditors.housing.slug, "via": "api", "found": False}),
    ]
    assert all(event.actor_label.startswith(f"creditor:{creditors.housing.slug}:") for event in calls)
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).exists()


def test_the_proof_reads_the_log_in_a_few_queries_however_many_signals_its_entry_holds(
    creditors, housing, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(housing, *(signal(number) for number in range(1, 41)))
    assert Entry.objects.count() == 1

    # The token and its last use, the signal's place, the batch with its entry and log, the entry's
    # inclusion proof, the audit record.
    with django_assert_max_num_queries(6):
        answer = proof_of(housing, "PR-040")

    assert answer["item"]["batch_size"] == 40


# --- documentation ---------------------------------------------------------------------------------------------------


def test_the_committed_openapi_description_holds_the_proof_as_the_code_describes_it():
    generated = yaml.safe_load(OpenApiYamlRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    committed = yaml.safe_load((ROOT / "docs" / "api" / "openapi.yaml").read_text(encoding="utf-8"))

    assert committed["paths"][URL] == generated["paths"][URL]
    for name in ("EarlySignalProof", "EarlySignalProofEntry", "EarlySignalProofItem", "EarlySignalProofInclusion"):
        assert committed["components"]["schemas"][name] == generated["components"]["schemas"][name], name


def test_the_proof_is_documented_for_creditors():
    text = DOC.read_text(encoding="utf-8")

    assert "## Proof of receipt" in text
    assert "GET /api/v1/early-signals/proof/" in text
