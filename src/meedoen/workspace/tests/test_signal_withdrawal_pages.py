"""A creditor's clerk withdraws a signal on the workspace page by its reference and a reason; only a
signal deliverer of the organisation, only about residents of the municipalities of their role.
The municipality's team then sees on the case which signal was withdrawn, when and why."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import log_in, staff
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from meedoen.core.access import Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals.models import Case, CreditorAgreement, Signal, SignalTombstone
from meedoen.early_signals.services import attempt_record
from meedoen.early_signals.tests.factories import SYSTEM, deliver_rows, make_creditor, signal_row
from meedoen.early_signals.withdrawals import signal_withdraw
from meedoen.organisations.models import Organisation
from meedoen.organisations.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
TODAY = datetime(2026, 3, 20, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
WITHDRAW = reverse("workspace:signal-withdrawal")
FOUND, FORBIDDEN = 302, 403
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


@pytest.fixture
def creditors(world):
    return {
        "housing": make_creditor(
            "Woonstichting Langstraat", Organisation.Kind.HOUSING_CORPORATION, agreements=[world.waalwijk]
        ),
        "energy": make_creditor("Energie Verzonnen", Organisation.Kind.ENERGY_SUPPLIER, agreements=[world.waalwijk]),
    }


@pytest.fixture
def clerk_user(creditors, world):
    return staff("aanlevering-housing", creditors["housing"], world.waalwijk, Role.CREDITOR_DELIVERER)


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def clerk(clerk_user):
    return english(log_in(Client(), clerk_user))


@pytest.fixture
def delivered(creditors):
    deliver_rows(creditors["housing"], signal_row())
    deliver_rows(creditors["energy"], signal_row(creditor_reference="EN-1", surname="Anders", house_number="40"))


def withdraw(client: Client, reference: str = "WS-0001", reason: str = "paid", **data: str):
    """The withdrawal as confirmed on the page that showed what it would take."""
    return client.post(WITHDRAW, {"reference": reference, "reason": reason, "confirmed": "True", **data})


def check(client: Client, reference: str = "WS-0001", reason: str = "paid", **data: str):
    """The form sent the first time: the page shows what would be withdrawn."""
    return client.post(WITHDRAW, {"reference": reference, "reason": reason, **data})


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def snapshot() -> tuple[object, ...]:
    return (
        list(Signal.objects.values()),
        list(Case.objects.values()),
        SignalTombstone.objects.count(),
        AuditEvent.objects.filter(kind="change").count(),
    )


# --- withdrawing -----------------------------------------------------------------------------------------


def test_the_form_first_shows_what_would_be_withdrawn_and_withdraws_nothing(clerk, delivered):
    before = snapshot()

    response = check(clerk, reason="arrangement")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Check before you withdraw" in page
    assert "<code>WS-0001</code>" in page
    assert "payment arrears" in page  # the kind
    assert "20 March 2026" in page
    assert "Waalwijk (GM0867)" in page
    assert "payment arrangement made with the creditor" in page
    assert 'name="confirmed" value="True"' in page
    # Nothing of the person, and nothing changed.
    assert "Voorbeeld" not in page
    assert snapshot() == before


def test_the_check_of_a_signal_sent_in_error_says_its_data_goes_at_once(clerk, delivered):
    page = check(clerk, reason="sent_in_error").content.decode()

    assert "The personal data of this signal is removed at once. This cannot be undone." in page
    assert "first deliver the right signal with a new reference" in page
    assert Signal.objects.filter(creditor_reference="WS-0001").exists()


def test_the_check_of_a_correction_says_what_it_was_withdrawn_for_before(clerk, delivered):
    withdraw(clerk)

    page = check(clerk, reason="sent_in_error").content.decode()

    assert "You withdrew this signal before (arrears paid). It will now be withdrawn as sent in error." in page


def test_the_check_refuses_what_the_withdrawal_would_refuse_and_says_what_was_withdrawn_before(clerk, delivered):
    unknown = check(clerk, reference="NIET-BESTAAND")
    assert unknown.status_code == 400
    assert "Your organisation delivered no signal with this reference." in unknown.content.decode()

    withdraw(clerk)
    clerk.get(WITHDRAW)
    again = check(clerk, reason="arrangement")
    assert said(again) == ["Signal WS-0001 was already withdrawn on 20 March 2026 (arrears paid); nothing changed."]


def test_the_page_shows_the_form_and_the_municipalities_of_the_clerk_s_role(clerk):
    page = clerk.get(WITHDRAW)

    assert page.status_code == 200
    text = page.content.decode()
    assert "Withdraw a signal" in text
    assert "For Woonstichting Langstraat you withdraw signals about residents of: Waalwijk (GM0867)." in text
    for value, label in (("paid", "Arrears paid"), ("arrangement", "Payment arrangement"), ("sent_in_error", "Sent")):
        assert f'value="{value}"' in text
        assert label in text
    assert 'name="organisation"' not in text
    # The upload page links to it.
    assert WITHDRAW in clerk.get(reverse("workspace:signal-delivery")).content.decode()


def test_a_clerk_withdraws_a_signal_of_the_organisation(clerk, delivered):
    response = withdraw(clerk)

    assert (response.status_code, response["Location"]) == (FOUND, WITHDRAW)
    assert said(response) == ["Signal WS-0001 is withdrawn (arrears paid). The municipality no longer uses it."]
    signal = Signal.objects.get(creditor_reference="WS-0001")
    assert (signal.withdrawn_at, signal.withdrawal_reason) == (TODAY, "paid")
    record = AuditEvent.objects.get(action="early_signals.signal.withdraw")
    assert record.actor_label == "aanlevering-housing"
    # The page after it shows what was done, and the form again, empty.
    page = clerk.get(WITHDRAW).content.decode()
    assert "Signal WS-0001 is withdrawn" in page


def test_a_signal_sent_in_error_is_said_to_have_lost_its_personal_data(clerk, delivered):
    response = withdraw(clerk, reason="sent_in_error")

    assert said(response) == [
        "Signal WS-0001 is withdrawn (sent in error). The municipality no longer uses it. "
        "Its personal data has been removed."
    ]
    assert not Signal.objects.filter(creditor_reference="WS-0001").exists()


def test_the_same_withdrawal_again_says_it_was_withdrawn_before_and_changes_nothing(clerk, delivered):
    withdraw(clerk)
    clerk.get(WITHDRAW)  # where the first was said
    before = snapshot()

    response = withdraw(clerk, reason="arrangement")

    assert response.status_code == FOUND
    assert said(response) == ["Signal WS-0001 was already withdrawn on 20 March 2026 (arrears paid); nothing changed."]
    assert snapshot() == before


def test_a_signal_withdrawn_as_paid_and_then_as_sent_in_error_is_said_to_be_corrected(clerk, delivered):
    withdraw(clerk)
    clerk.get(WITHDRAW)

    response = withdraw(clerk, reason="sent_in_error")

    assert said(response) == [
        "Signal WS-0001, withdrawn on 20 March 2026, is now withdrawn as sent in error. Its personal data has been "
        "removed."
    ]
    assert not Signal.objects.filter(creditor_reference="WS-0001").exists()


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("NIET-BESTAAND", "Your organisation delivered no signal with this reference."),
        ("EN-1", "Your organisation delivered no signal with this reference."),  # another creditor's
        ("X" * 65, "At most 64 characters; this has 65."),
        ("WS-0001\u0007", "Contains control characters (such as a line break or tab)."),
        ("", "This field is required."),
    ],
)
def test_a_reference_that_cannot_be_withdrawn_is_refused_next_to_the_field(clerk, delivered, reference, message):
    before = snapshot()

    response = withdraw(clerk, reference)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing withdrawn. Please correct the following:" in page
    assert 'href="#id_reference"' in page
    assert message in page
    assert snapshot() == before


@pytest.mark.parametrize("reason", ["", "betaald", "withdrawn"])
def test_a_reason_outside_the_choice_is_refused(clerk, delivered, reason):
    before = snapshot()

    response = withdraw(clerk, reason=reason)

    assert response.status_code == 400
    assert 'href="#id_reason"' in response.content.decode()
    assert snapshot() == before


def test_a_clerk_withdraws_only_in_the_municipalities_of_their_role(clerk, creditors, world):
    CreditorAgreement.objects.create(organisation=creditors["housing"], municipality=world.meerssen)
    deliver_rows(creditors["housing"], signal_row(creditor_reference="MS-1", municipality="GM0938", postcode="6241 ZT"))
    before = snapshot()

    response = withdraw(clerk, "MS-1")

    assert response.status_code == 400
    assert "This signal is about a resident of Meerssen (GM0938). You may not withdraw it yourself" in (
        response.content.decode()
    )
    assert snapshot() == before


def test_hostile_text_in_a_reference_is_shown_as_text(clerk, delivered):
    hostile = "<script>alert(1)</script>"

    response = withdraw(clerk, hostile)

    page = response.content.decode()
    assert hostile not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_someone_who_delivers_for_two_organisations_chooses_which_and_no_other(clerk_user, creditors, world, delivered):
    MembershipFactory(
        user=clerk_user, organisation=creditors["energy"], municipality=world.waalwijk, role=Role.CREDITOR_DELIVERER
    )
    client = english(log_in(Client(), clerk_user))
    assert 'name="organisation"' in client.get(WITHDRAW).content.decode()

    response = withdraw(client, "EN-1", organisation=str(creditors["energy"].pk))

    assert response.status_code == FOUND
    assert Signal.objects.get(creditor_reference="EN-1").withdrawn_at == TODAY
    other = make_creditor("Waterbedrijf Denkbeeld", Organisation.Kind.WATER_COMPANY, agreements=[world.waalwijk])
    assert withdraw(client, "EN-1", organisation=str(other.pk)).status_code == 400


def test_with_one_organisation_a_value_sent_for_another_is_not_read(clerk, creditors, delivered):
    response = withdraw(clerk, "EN-1", organisation=str(creditors["energy"].pk))

    assert response.status_code == 400
    assert Signal.objects.get(creditor_reference="EN-1").withdrawn_at is None


def test_a_form_sent_without_its_csrf_token_is_refused(clerk_user, delivered):
    client = log_in(Client(enforce_csrf_checks=True), clerk_user)
    before = snapshot()

    assert withdraw(client).status_code == FORBIDDEN
    assert snapshot() == before


@pytest.mark.parametrize("persona", [*NOT_LOGGED_IN, *OTHER_STAFF])
def test_no_one_else_opens_the_page_or_withdraws(client_as, delivered, persona):
    client = client_as(persona)
    before = snapshot()

    for response in (client.get(WITHDRAW), withdraw(client)):
        if persona in NOT_LOGGED_IN:
            assert response.status_code == FOUND
            assert response["Location"].startswith(reverse("accounts:login"))
        else:
            assert response.status_code == FORBIDDEN
    assert snapshot() == before


def test_a_deliverer_of_another_creditor_finds_nothing_to_withdraw(client_as, delivered):
    before = snapshot()

    response = withdraw(english(client_as("ww_signal_deliverer")))

    assert response.status_code == 400
    assert "Your organisation delivered no signal with this reference." in response.content.decode()
    assert snapshot() == before


def test_the_page_is_in_dutch_for_a_dutch_reader(clerk_user, delivered):
    client = log_in(Client(), clerk_user)

    page = client.get(WITHDRAW).content.decode()
    assert "Signaal intrekken" in page
    for label in ("Achterstand betaald", "Betalingsregeling getroffen met de schuldeiser", "Ten onrechte gemeld"):
        assert label in page

    response = withdraw(client, reason="sent_in_error")
    assert said(response) == [
        "Signaal WS-0001 is ingetrokken (ten onrechte gemeld). De gemeente gebruikt het niet meer. "
        "De persoonsgegevens ervan zijn verwijderd."
    ]


# --- what the team sees -----------------------------------------------------------------------------------


def test_the_team_sees_in_dutch_which_signal_was_withdrawn_when_and_why(personas, creditors, world):
    deliver_rows(creditors["housing"], signal_row())
    deliver_rows(creditors["energy"], signal_row(creditor_reference="EN-1"))
    deliver_rows(creditors["energy"], signal_row(creditor_reference="EN-2", signal_date="2026-03-17"))
    case = Signal.objects.get(creditor_reference="WS-0001").case
    attempt_record(
        actor=SYSTEM, case=case, organisation=world.ww_team, channel="letter", attempted_at=TODAY, reached=False
    )
    creditor_of = {"WS-0001": creditors["housing"], "EN-1": creditors["energy"], "EN-2": creditors["energy"]}
    for reference, reason in (("WS-0001", "paid"), ("EN-1", "arrangement"), ("EN-2", "sent_in_error")):
        signal_withdraw(actor=SYSTEM, creditor=creditor_of[reference], reference=reference, reason=reason)
    officer = log_in(Client(), personas["ww_early_signals"])

    page = officer.get(reverse("workspace:early-signals-case", args=[case.uuid])).content.decode()

    assert "De schuldeisers hebben alle signalen van deze zaak ingetrokken." in page
    assert "Jullie waren er al mee bezig" in page
    assert "Op 20 maart 2026 ingetrokken door de schuldeiser: achterstand betaald." in page
    assert "Op 20 maart 2026 ingetrokken door de schuldeiser: betalingsregeling getroffen met de schuldeiser." in page
    assert (
        "Energie Verzonnen: betalingsachterstand, ontvangen op 20 maart 2026, kenmerk EN-2. Op 20 maart 2026 "
        "ingetrokken door de schuldeiser: ten onrechte gemeld. De persoonsgegevens ervan zijn verwijderd."
    ) in page
    # The withdrawn signal paid keeps its data for the team until the case's term; the one in error does not.
    assert page.count("Verzonnenstraat") == 2
    assert "Aanbiedingsbrief downloaden" not in page
    tray = officer.get(reverse("workspace:early_signals"), {"bak": "to_contact"}).content.decode()
    assert "alles ingetrokken" in tray


def test_the_tray_says_how_many_signals_of_a_case_that_stays_were_withdrawn(personas, creditors, world):
    deliver_rows(creditors["housing"], signal_row())
    deliver_rows(creditors["energy"], signal_row(creditor_reference="EN-1"))
    deliver_rows(creditors["energy"], signal_row(creditor_reference="EN-2", signal_date="2026-03-17"))
    officer = log_in(Client(), personas["ww_early_signals"])
    tray = reverse("workspace:early_signals")
    assert "ingetrokken" not in officer.get(tray, {"bak": "new"}).content.decode()

    signal_withdraw(actor=SYSTEM, creditor=creditors["energy"], reference="EN-1", reason="paid")
    signal_withdraw(actor=SYSTEM, creditor=creditors["energy"], reference="EN-2", reason="sent_in_error")

    page = officer.get(tray, {"bak": "new"}).content.decode()
    # One withdrawn signal stands, the one sent in error is a tombstone: both count.
    assert '<span class="utrecht-status-badge">2 ingetrokken</span>' in page
    assert "alles ingetrokken" not in page


def test_the_team_s_feedback_for_a_creditor_counts_and_lists_its_withdrawn_signals(personas, creditors, world):
    deliver_rows(creditors["housing"], signal_row())
    deliver_rows(creditors["housing"], signal_row(creditor_reference="WS-0002", surname="Anders", house_number="40"))
    deliver_rows(creditors["housing"], signal_row(creditor_reference="WS-0003", surname="Derde", house_number="60"))
    signal_withdraw(actor=SYSTEM, creditor=creditors["housing"], reference="WS-0001", reason="arrangement")
    signal_withdraw(actor=SYSTEM, creditor=creditors["housing"], reference="WS-0002", reason="sent_in_error")
    officer = english(log_in(Client(), personas["ww_early_signals"]))

    overview = officer.get(reverse("workspace:early-signals-feedback")).content.decode()
    row = overview[
        overview.index("Woonstichting Langstraat") : overview.index("</tr>", overview.index("Woonstichting"))
    ]
    # Signals 3: open 1, closed 0, withdrawn 2.
    cells = [cell.split(">")[-1] for cell in row.split("</td>") if "numeric" in cell]
    assert cells == ["3", "1", "0", "2"]
    download = officer.get(reverse("workspace:early-signals-feedback-csv", args=[creditors["housing"].slug]))
    lines = download.content.decode("utf-8-sig").splitlines()
    assert lines[0].endswith(";withdrawn_on;withdrawal_reason")
    withdrawn = sorted(line.split(";")[0:5] + line.split(";")[6:] for line in lines[1:] if ";withdrawn;" in line)
    assert withdrawn == [
        ["WS-0001", "GM0867", "withdrawn", "unknown", "", "2026-03-20", "arrangement"],
        ["WS-0002", "GM0867", "withdrawn", "unknown", "", "2026-03-20", "sent_in_error"],
    ]
