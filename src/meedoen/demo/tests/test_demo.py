"""The demo: loading it twice, its personas, and the switcher that only the demo has."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from meedoen.accounts.models import User
from meedoen.areas.models import Area, PostcodeArea
from meedoen.core.access import Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals.models import Case, ContactAttempt, CreditorAgreement, CreditorToken, Delivery, Signal
from meedoen.ledger.models import Entry
from meedoen.organisations.models import Membership, Municipality, Organisation

pytestmark = pytest.mark.demo_data


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_holds_both_municipalities_with_real_cbs_codes_and_districts():
    load()
    assert set(Municipality.objects.values_list("code", "name")) == {("GM0867", "Waalwijk"), ("GM0938", "Meerssen")}
    assert set(Area.objects.filter(parent__code="GM0867").values_list("code", flat=True)) == {
        "WK086700",
        "WK086701",
        "WK086702",
    }
    assert Area.objects.get(code="GM0938").population == 18576


@pytest.mark.django_db
def test_every_municipality_has_partners_of_every_kind_and_staff_in_every_role():
    load()
    for municipality in Municipality.objects.all():
        kinds = set(municipality.organisations.values_list("kind", flat=True))
        assert kinds == set(Organisation.Kind.values), municipality
        roles = set(Membership.objects.filter(municipality=municipality).values_list("role", flat=True))
        assert roles == set(Role.values), municipality


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    first = load()
    models = (
        User,
        Organisation,
        Membership,
        Area,
        PostcodeArea,
        CreditorAgreement,
        CreditorToken,
        Delivery,
        Signal,
        Case,
        ContactAttempt,
        Entry,
    )
    counts = [model.objects.count() for model in models]
    events = AuditEvent.objects.count()
    second = load()
    assert counts == [model.objects.count() for model in models]
    # The second run only records the (unchanged) area import.
    assert AuditEvent.objects.count() == events + 1
    assert first == second


@pytest.mark.django_db
def test_the_demo_prints_its_logins():
    output = load()
    assert "ww-beleid" in output
    assert "meedoen-demo-2026" in output
    assert "demo/personas" in output
    assert "Creditor API tokens" in output
    assert "mes_demo_" in output


@pytest.mark.django_db
def test_the_creditors_signal_deliverer_is_printed_and_sees_only_its_deliveries(client):
    output = load()
    assert "zuid-aanlevering" in output
    assert output.count("zuid-aanlevering") == 2  # Waalwijk and Meerssen, both with an agreement

    client.post("/demo/personas/", {"username": "zuid-aanlevering"})
    response = client.get("/werkplek/", follow=True)

    assert response.redirect_chain[-1][0] == "/werkplek/signalen-aanleveren/"
    assert "Energie Zuid" in response.content.decode()
    assert Delivery.objects.filter(creditor__name="Energie Zuid").exists()
    assert client.get("/werkplek/vroegsignalering/").status_code == 403


@pytest.mark.django_db
def test_the_persona_switcher_logs_in_with_the_second_factor(client):
    load()
    response = client.post("/demo/personas/", {"username": "ms-auditor"})
    assert response["Location"] == "/werkplek/"
    assert client.get("/werkplek/logboek/").status_code == 200
    assert AuditEvent.objects.filter(action="login.demo_persona").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["admin", "", "ms-auditor' OR 1=1", "<script>"])
def test_the_persona_switcher_only_knows_demo_personas(client, username):
    load()
    User.objects.create_user("admin", password="x" * 20, is_superuser=True)
    response = client.post("/demo/personas/", {"username": username})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_persona_switcher_refuses_when_demo_mode_is_off(client):
    load()
    with override_settings(DEMO_MODE=False):
        assert client.get("/demo/personas/").status_code == 404
        assert client.post("/demo/personas/", {"username": "ms-auditor"}).status_code == 404
    assert "_auth_user_id" not in client.session


def test_demo_totp_prints_the_current_code(settings):
    out = StringIO()
    call_command("demo_totp", stdout=out)
    assert len(out.getvalue().strip()) == 6
