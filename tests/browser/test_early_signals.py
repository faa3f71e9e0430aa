"""The early-signalling team in a real browser: an officer of Waalwijk opens the trays, opens a case,
records an attempt that reached the household and closes the case; the application manager keeps the
offer letter. The trays, the case (also with a refused form) and the settings pass axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from meedoen.core.access import Actor
from meedoen.early_signals.models import Case, ContactAttempt, CreditorAgreement
from meedoen.early_signals.services import signals_deliver_file
from meedoen.early_signals.tests.factories import csv_bytes, signal_row
from meedoen.organisations.models import Municipality, Organisation
from tests.browser.axe import assert_no_axe_violations
from tests.browser.journeys import log_in_as_staff

pytestmark = pytest.mark.browser


def a_waalwijk_case() -> Case:
    """A signal of the demo housing corporation of Waalwijk, received yesterday."""
    waalwijk = Municipality.objects.get(code="GM0867")
    creditor = Organisation.objects.filter(kind=Organisation.Kind.HOUSING_CORPORATION, municipalities=waalwijk).first()
    assert creditor is not None
    CreditorAgreement.objects.update_or_create(organisation=creditor, municipality=waalwijk, defaults={"active": True})
    row = signal_row(creditor_reference="BROWSER-1", surname="Proefpersoon", house_number="77")
    with time_machine.travel(timezone.now() - timedelta(days=1)):
        answer = signals_deliver_file(actor=Actor.system("browser test"), creditor=creditor, content=csv_bytes([row]))
    assert answer.receipt.accepted == 1, answer.all_problems()
    return Case.objects.get(signals__creditor_reference="BROWSER-1")


def test_an_officer_works_a_case_from_the_trays_to_closed(page: Page, demo_site: str):
    case = a_waalwijk_case()
    log_in_as_staff(page, demo_site, "ww-vroegsignalering")

    page.locator(f"nav.meedoen-nav a[href='{reverse('workspace:early_signals')}']").click()
    row = page.locator(f"#case-{case.uuid}")
    expect(row).to_be_visible()
    expect(page.locator("#trays a[aria-current=page]")).to_be_visible()
    assert "Proefpersoon" not in page.content()  # the trays hold no personal data
    assert_no_axe_violations(page, "the trays")

    row.locator("a").click()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Proefpersoon")
    assert_no_axe_violations(page, "a case")

    # Closing with an outcome after contact, before any contact: refused, next to the field, and the
    # page opens at the refused form, not at its top (the form sits far below the case).
    close = page.locator("form[aria-labelledby=close-case]")
    page.locator("input[name='close-outcome'][value='quick_fix']").check()
    close.locator("button").click()
    expect(page.locator("#id_close-outcome_error")).to_be_visible()
    expect(page.locator(".meedoen-error-summary")).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0
    assert_no_axe_violations(page, "a case with a refused form")

    attempt = page.locator("form[aria-labelledby=record-attempt]")
    attempt.locator("input[name='attempt-channel'][value='phone']").check()
    attempt.locator("input[name='attempt-reached'][value='yes']").check()
    attempt.locator("#id_attempt-note").fill("Gebeld, afspraak gemaakt.")
    attempt.locator("button[type=submit]").click()
    expect(page.locator("main [role=status]")).to_be_in_viewport()  # saved: the page opens at its message
    expect(page.locator("#attempts")).to_contain_text("Gebeld, afspraak gemaakt.")
    assert ContactAttempt.objects.filter(case=case, reached=True).count() == 1
    assert_no_axe_violations(page, "a case after an attempt")

    page.locator("input[name='close-outcome'][value='referred_debt_help']").check()
    close.locator("button").click()
    expect(page.locator("main [role=status]")).to_be_visible()
    expect(page.locator("#record-attempt")).to_have_count(0)
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Case.Status.CLOSED, Case.Outcome.REFERRED_DEBT_HELP)
    assert_no_axe_violations(page, "a closed case")

    page.goto(demo_site + reverse("workspace:early_signals") + "?bak=closed")
    expect(page.locator(f"#case-{case.uuid}")).to_be_visible()
    assert_no_axe_violations(page, "the closed tray")


def test_the_application_manager_previews_the_offer_letter(page: Page, demo_site: str):
    log_in_as_staff(page, demo_site, "ww-beheer")

    page.locator(f"nav.meedoen-nav a[href='{reverse('workspace:early_signals_settings')}']").click()
    expect(page.locator(".meedoen-letter")).to_have_count(2)  # for arrears, and when the situation threatens
    expect(page.locator(".meedoen-letter").first).to_contain_text("Jolien van Voorbeeld")
    assert_no_axe_violations(page, "the settings")

    page.locator("textarea[name=body]").fill("Beste {naam},\n\nWe helpen je graag.")
    page.locator("button[value=preview]").click()
    expect(page.locator(".meedoen-letter").first).to_contain_text("We helpen je graag.")

    page.locator("textarea[name=body]").fill("Beste {bsn},")
    page.locator("button[value=save]").click()
    expect(page.locator("#id_body_error")).to_be_visible()
    assert_no_axe_violations(page, "the settings with a refused letter")
