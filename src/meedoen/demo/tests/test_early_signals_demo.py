"""The demo's early signalling: creditors of every kind with agreements and public demo tokens, some
sixty signals per municipality received through the intake over the last months, cases in every
tray, and the postcode areas that put each case in its district."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from conftest import log_in
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from meedoen.accounts.models import User
from meedoen.areas.models import PostcodeArea
from meedoen.areas.selectors import area_of_postcode
from meedoen.areas.services import postcode_areas_import
from meedoen.core.access import Actor
from meedoen.core.models import AuditEvent
from meedoen.demo.early_signals import CALL_NAMES, TWIN_NAMES, demo_token
from meedoen.demo.loader import DEMO_POSTCODES
from meedoen.early_signals import letters
from meedoen.early_signals.models import (
    CREDITOR_KINDS,
    OPEN_STATUSES,
    TEAM_OUTCOMES,
    Case,
    ContactAttempt,
    CreditorAgreement,
    CreditorToken,
    Delivery,
    LetterTemplate,
    Signal,
)
from meedoen.early_signals.tests.factories import signals_in_log
from meedoen.ledger.models import Entry
from meedoen.organisations.models import Municipality

pytestmark = [pytest.mark.django_db, pytest.mark.demo_data]
SYSTEM = Actor.system("test")


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_every_municipality_gets_signals_of_every_kind_of_creditor_with_cases_in_every_tray():
    load()
    today = timezone.localdate()

    for municipality in Municipality.objects.all():
        agreed = CreditorAgreement.objects.filter(municipality=municipality, active=True)
        assert set(agreed.values_list("organisation__kind", flat=True)) == set(CREDITOR_KINDS)
        signals = Signal.objects.filter(municipality=municipality)
        assert 40 <= signals.count() <= 80, municipality
        assert set(signals.values_list("creditor__kind", flat=True)) == set(CREDITOR_KINDS)
        assert set(signals.values_list("kind", flat=True)) == {"arrears", "end_of_supply", "threat"}
        # Spread over the last months, none in the future.
        received = sorted(signals.values_list("received_at", flat=True))
        assert received[0] < timezone.now() - timedelta(days=90)
        assert received[-1] <= timezone.now()

        cases = Case.objects.filter(municipality=municipality)
        assert set(cases.values_list("status", flat=True)) == set(Case.Status.values)
        assert cases.filter(creditor_count__gt=1).exists()
        assert cases.filter(threatening=True).exists()
        overdue = cases.filter(first_offer_at__isnull=True, first_offer_due__lt=today).exclude(status="closed")
        assert overdue.exists()
        # Some first offers came after the term.
        assert any(timezone.localdate(c.first_offer_at) > c.first_offer_due for c in cases if c.first_offer_at)
        assert {case.opened_at for case in cases} <= set(received)
        closed = cases.filter(status=Case.Status.CLOSED)
        # Every outcome the team closes with, and a case its creditor withdrew before anyone began.
        assert {case.outcome for case in closed} == {*TEAM_OUTCOMES, Case.Outcome.WITHDRAWN}
        by_team = closed.filter(outcome__in=TEAM_OUTCOMES)
        assert all(case.opened_at <= case.first_offer_at <= case.closed_at <= timezone.now() for case in by_team)
        withdrawn = closed.get(outcome=Case.Outcome.WITHDRAWN)
        assert withdrawn.first_offer_at is None and withdrawn.opened_at < withdrawn.closed_at < timezone.now()
        # And a signal withdrawn as paid on a case the team works on, which stays.
        paid = signals.get(withdrawal_reason="paid")
        assert paid.case.status == Case.Status.CONTACTED and paid.received_at < paid.withdrawn_at < timezone.now()
        # A person whom a creditor knows by her call name: two open cases at her address for the team to join.
        called = signals.get(initials="", given_name__in=CALL_NAMES)
        at_address = cases.filter(address_ref=called.case.address_ref, status__in=OPEN_STATUSES)
        assert {case.status for case in at_address} == {Case.Status.NEW, Case.Status.TO_CONTACT}
        # Twins with the same initial, whom linking took for one person: one case to move a signal out of.
        twin = signals.get(given_name__in=TWIN_NAMES)
        together = signals.filter(case=twin.case).exclude(pk=twin.pk).get()
        assert (together.initials, together.date_of_birth, together.surname) == (
            twin.initials,
            twin.date_of_birth,
            twin.surname,
        )
        assert together.given_name != twin.given_name and twin.case.status == Case.Status.NEW
        # Every case lies in a district, by its postcode.
        assert not cases.filter(district__isnull=True).exists()
        assert set(cases.values_list("district__parent__code", flat=True)) == {municipality.code}
        assert len(set(cases.values_list("district__code", flat=True))) == 3

    # Through the intake: files and API batches; every signal an item of a shared-log entry, and
    # an entry per closing.
    assert set(Delivery.objects.values_list("channel", flat=True)) == {"csv", "json"}
    assert signals_in_log() == Signal.objects.count()
    assert not Signal.objects.filter(ledger_entry__isnull=True).exists()
    assert Entry.objects.filter(kind="signal.case_closed").count() == Case.objects.filter(status="closed").count()
    assert ContactAttempt.objects.filter(reached=True).exists()
    assert set(ContactAttempt.objects.values_list("channel", flat=True)) >= {"letter", "phone", "home_visit"}


def test_the_demo_letters_say_how_residents_reach_the_team():
    load()
    for municipality in Municipality.objects.all():
        text = letters.letter_text_of(municipality)
        assert not letters.lacks_contact(text)
        assert f"vroegsignalering@{municipality.slug}.example" in text.contact
    load()  # loading again keeps the text and writes nothing
    assert LetterTemplate.objects.count() == Municipality.objects.count()
    assert AuditEvent.objects.filter(action__startswith="early_signals.letter_template").count() == 2


def test_the_demo_prints_a_public_token_per_creditor_that_fetches_its_own_feedback():
    with override_settings(DEMO_MODE=False):
        quiet = load()
    assert not CreditorToken.objects.exists()
    assert "mes_demo_" not in quiet

    output = load()

    tokens = CreditorToken.objects.filter(label="demo")
    creditors = CreditorAgreement.objects.values("organisation").distinct()
    assert tokens.count() == creditors.count() == 5
    for token in tokens.select_related("organisation"):
        raw = demo_token(token.organisation.slug)
        assert raw in output
        response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/early-signals/feedback/?limit=1000")
        assert response.status_code == 200
        references = {item["creditor_reference"] for item in response.json()["results"]}
        own = set(Signal.objects.filter(creditor=token.organisation).values_list("creditor_reference", flat=True))
        assert references == own
        assert own


def test_a_revoked_demo_token_is_not_printed_nor_issued_again():
    load()
    token = CreditorToken.objects.filter(label="demo").select_related("organisation").first()
    assert token is not None
    call_command("early_signals_token", "--organisation", token.organisation.slug, "--revoke", token.prefix)

    output = load()

    assert demo_token(token.organisation.slug) not in output
    assert CreditorToken.objects.filter(organisation=token.organisation).count() == 1


@pytest.mark.parametrize("username", ["ww-vroegsignalering", "ms-vroegsignalering"])
def test_each_municipality_has_an_early_signalling_officer_who_sees_the_feedback_page(username):
    load()
    client = log_in(Client(), User.objects.get(username=username))

    response = client.get(reverse("workspace:early-signals-feedback"))

    assert response.status_code == 200
    assert len(response.context["creditors"]) == 4
    code = {"ww": "GM0867", "ms": "GM0938"}[username[:2]]
    shown = sum(creditor.signals for creditor in response.context["creditors"])
    assert shown == Signal.objects.filter(municipality__code=code).count()


# --- postcode areas ------------------------------------------------------------------------------------------


def test_the_demo_postcode_areas_put_each_village_in_its_district():
    load()

    assert PostcodeArea.objects.count() == 13
    expected = {
        ("GM0867", "5141 AB"): "WK086700",
        ("GM0867", "5146 ZZ"): "WK086700",
        ("GM0867", "5161 AB"): "WK086701",
        ("GM0867", "5162 AB"): "WK086701",
        ("GM0867", "5165 AB"): "WK086702",
        ("GM0938", "6231 AB"): "WK093800",
        ("GM0938", "6235 AB"): "WK093801",
        ("GM0938", "6241 AB"): "WK093802",
        ("GM0938", "6243 AB"): "WK093802",
    }
    for (municipality, postcode), district in expected.items():
        area = area_of_postcode(municipality, postcode)
        assert area is not None and area.code == district, postcode
    assert area_of_postcode("GM0867", "5147 AB") is None
    assert area_of_postcode("GM0938", "5141 AB") is None


def test_loading_the_postcode_areas_again_changes_and_records_nothing():
    load()
    events = AuditEvent.objects.count()

    assert postcode_areas_import(actor=SYSTEM, data=json.loads(DEMO_POSTCODES.read_text(encoding="utf-8"))) == 0

    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"GM0867": ["5141"]},
        {"GM0867": {"514": "WK086700"}},
        {"GM0867": {"5141ab": "WK086700"}},
        {"GM0867": {"=5141": "WK086700"}},
        {"GM0867": {"5141": 86700}},
        {"GM0867": {"5141": "WK093800"}},  # a district of another municipality
        {"GM0867": {"5141": "GM0867"}},  # the municipality itself
        {"GM9999": {"5141": "WK999900"}},
        {"WK086700": {"5141": "WK086700"}},
    ],
)
def test_postcode_areas_that_do_not_fit_are_refused_whole(world, data):
    events = AuditEvent.objects.count()
    with_a_valid_row = {"GM0938": {"6231": "WK093800"}} | data if isinstance(data, dict) else data

    with pytest.raises(ValidationError):
        postcode_areas_import(actor=SYSTEM, data=with_a_valid_row)

    assert not PostcodeArea.objects.exists()
    assert AuditEvent.objects.count() == events


def test_only_the_platform_loads_postcode_areas(world):
    with pytest.raises(PermissionDenied):
        postcode_areas_import(actor=Actor(user_id=1, label="ww-beheer"), data={})
