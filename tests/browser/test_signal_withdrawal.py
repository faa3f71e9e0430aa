"""A creditor's clerk withdraws a signal in a real browser: Priya of Energie Zuid follows the link on
her upload page, is refused without a reference and a reason, withdraws a signal of a case the
Waalwijk team already works on, and hears that the same withdrawal again changes nothing. Then the
team's officer opens that case and reads which signal was withdrawn, when and why. The form (also
refused, on a phone) and the case pass axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from meedoen.core.access import Actor, Role
from meedoen.early_signals.models import Case, CreditorAgreement, Signal
from meedoen.early_signals.services import attempt_record, signals_deliver_file
from meedoen.early_signals.tests.factories import csv_bytes, signal_row
from meedoen.organisations.models import Membership, Municipality, Organisation
from tests.browser.axe import assert_no_axe_violations
from tests.browser.journeys import log_in_as_staff
from tests.browser.test_reflow import OVERFLOW, PHONE

pytestmark = pytest.mark.browser

SYSTEM = Actor.system("browser test")


def a_case_the_team_works_on() -> Case:
    """A signal of Energie Zuid and one of another creditor about an invented household in Waalwijk,
    and a letter of the team that did not reach them."""
    waalwijk = Municipality.objects.get(code="GM0867")
    energie = Organisation.objects.get(name="Energie Zuid")
    housing = Organisation.objects.filter(kind=Organisation.Kind.HOUSING_CORPORATION, municipalities=waalwijk).first()
    assert housing is not None
    received = timezone.localdate() - timedelta(days=2)
    dates = {"reminder_date": f"{received - timedelta(days=16):%Y-%m-%d}", "signal_date": f"{received:%Y-%m-%d}"}
    for creditor, reference in ((housing, "WS-INTREK-1"), (energie, "EZ-INTREK-1")):
        CreditorAgreement.objects.update_or_create(
            organisation=creditor, municipality=waalwijk, defaults={"active": True}
        )
        row = signal_row(surname="Proefpersoon", house_number="93", creditor_reference=reference, **dates)
        answer = signals_deliver_file(actor=SYSTEM, creditor=creditor, content=csv_bytes([row]))
        assert answer.receipt.accepted == 1, answer.all_problems()
    case = Case.objects.get(signals__creditor_reference="EZ-INTREK-1")
    assert case.signal_count == 2
    team = Membership.objects.get(user__username="ww-vroegsignalering", role=Role.EARLY_SIGNALS_OFFICER).organisation
    attempt_record(
        actor=SYSTEM, case=case, organisation=team, channel="letter", attempted_at=timezone.now(), reached=False
    )
    return case


def test_a_creditors_clerk_withdraws_a_signal_and_the_team_reads_why(page: Page, demo_site: str):
    case = a_case_the_team_works_on()
    log_in_as_staff(page, demo_site, "zuid-aanlevering", lands_on="workspace:signal-delivery")
    page.get_by_role("link", name="Signaal intrekken").click()
    page.wait_for_url(f"**{reverse('workspace:signal-withdrawal')}")
    expect(page.locator("h1")).to_have_text("Signaal intrekken")
    # Her role is for both municipalities of Energie Zuid's agreements.
    expect(page.locator("main")).to_contain_text("Voor Energie Zuid trek je signalen in over inwoners van:")
    assert_no_axe_violations(page, "the withdrawal form")

    # On a phone from here on. Without a reference and a reason nothing is withdrawn, and what is
    # missing is said at the top, where the page opens.
    page.set_viewport_size(PHONE)
    withdraw = page.get_by_role("button", name="Trek het signaal in")
    withdraw.click()
    summary = page.locator(".meedoen-error-summary")
    expect(summary).to_contain_text("Niets ingetrokken.")
    expect(summary).to_be_in_viewport()
    expect(page.locator("#id_reference_error")).to_be_visible()
    expect(page.locator("#id_reason_error")).to_be_visible()
    assert page.evaluate(OVERFLOW) == [], "the refused withdrawal form on a phone"
    assert_no_axe_violations(page, "the refused withdrawal form, on a phone")

    # A reference Energie Zuid never delivered is refused next to the field.
    page.get_by_label("Kenmerk van het signaal (creditor_reference)").fill("EZ-BESTAAT-NIET")
    page.get_by_label("Achterstand betaald").check()
    withdraw.click()
    expect(page.locator("#id_reference_error")).to_have_text(
        "Je organisatie heeft geen signaal met dit kenmerk aangeleverd."
    )

    # A withdrawal cannot be undone: the page first shows what it would take, nothing of the person.
    page.get_by_label("Kenmerk van het signaal (creditor_reference)").fill("EZ-INTREK-1")
    page.get_by_label("Achterstand betaald").check()
    withdraw.click()
    expect(page.locator("h1")).to_have_text("Controleer voordat je intrekt")
    expect(page.locator("main")).to_contain_text("Er is nog niets ingetrokken.")
    assert Signal.objects.get(creditor_reference="EZ-INTREK-1").withdrawn_at is None
    assert page.evaluate(OVERFLOW) == [], "the check before a withdrawal on a phone"
    assert_no_axe_violations(page, "the check before a withdrawal, on a phone")
    page.get_by_role("button", name="Ja, trek het signaal in").click()
    expect(page.locator("main [role=status]")).to_have_text(
        "Signaal EZ-INTREK-1 is ingetrokken (achterstand betaald). De gemeente gebruikt het niet meer."
    )
    signal = Signal.objects.get(creditor_reference="EZ-INTREK-1")
    assert signal.withdrawal_reason == "paid"
    assert Case.objects.get(pk=case.pk).status == Case.Status.TO_CONTACT  # the team works on it
    assert_no_axe_violations(page, "the withdrawal form after a withdrawal, on a phone")

    page.get_by_label("Kenmerk van het signaal (creditor_reference)").fill("EZ-INTREK-1")
    page.get_by_label("Achterstand betaald").check()
    withdraw.click()
    expect(page.locator("main [role=status]")).to_contain_text("Signaal EZ-INTREK-1 was al ingetrokken op")
    expect(page.locator("main [role=status]")).to_contain_text("er is niets veranderd")
    assert Signal.objects.get(creditor_reference="EZ-INTREK-1").withdrawal_reason == "paid"

    # The team's officer opens the case and reads which signal was withdrawn, when and why.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in_as_staff(page, demo_site, "ww-vroegsignalering")
    page.goto(demo_site + reverse("workspace:early-signals-case", args=[case.uuid]))
    notice = page.locator("#withdrawn-notice")
    expect(notice).to_contain_text("Een schuldeiser heeft een signaal van deze zaak ingetrokken.")
    notice.get_by_role("link", name="Ingetrokken signalen").click()
    withdrawn = page.locator("section", has=page.locator(f"#signal-{signal.uuid}"))
    expect(withdrawn).to_contain_text("Energie Zuid")
    expect(withdrawn).to_contain_text("ingetrokken door de schuldeiser: achterstand betaald.")
    assert_no_axe_violations(page, "a case with a withdrawn signal")
