"""The early-signalling team in a real browser: an officer of Waalwijk opens the trays, opens a case,
records an attempt that reached the household, closes the case and opens it again; finds a case by
the number a caller reads from the letter, and follows the notice to the reached cases without
activity; joins two cases about the same person; moves the signals about a twin to a case of their
own; the application manager keeps the offer letter.
The trays, the list without activity, the search, the case (also with refused forms) and the
settings pass axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from meedoen.core.access import Actor, Role
from meedoen.early_signals.models import Case, ContactAttempt, CreditorAgreement, MunicipalitySettings
from meedoen.early_signals.selectors import retention_terms_of
from meedoen.early_signals.services import attempt_record, signals_deliver_file
from meedoen.early_signals.tests.factories import csv_bytes, signal_row
from meedoen.organisations.models import Membership, Municipality, Organisation
from tests.browser.axe import assert_no_axe_violations
from tests.browser.journeys import log_in_as_staff

pytestmark = pytest.mark.browser


SYSTEM = Actor.system("browser test")


def a_waalwijk_case(reference: str = "BROWSER-1", *, days_ago: int = 1, **fields: str) -> Case:
    """A signal of the demo housing corporation of Waalwijk about an invented household (house
    number 77 unless ``fields`` say otherwise), received ``days_ago`` days ago."""
    waalwijk = Municipality.objects.get(code="GM0867")
    creditor = Organisation.objects.filter(kind=Organisation.Kind.HOUSING_CORPORATION, municipalities=waalwijk).first()
    assert creditor is not None
    CreditorAgreement.objects.update_or_create(organisation=creditor, municipality=waalwijk, defaults={"active": True})
    received = timezone.now() - timedelta(days=days_ago)
    dates = {"reminder_date": f"{received - timedelta(days=16):%Y-%m-%d}", "signal_date": f"{received:%Y-%m-%d}"}
    row = signal_row(
        **{"surname": "Proefpersoon", "house_number": "77", **dates, **fields, "creditor_reference": reference}
    )
    with time_machine.travel(received):
        answer = signals_deliver_file(actor=SYSTEM, creditor=creditor, content=csv_bytes([row]))
    assert answer.receipt.accepted == 1, answer.all_problems()
    return Case.objects.get(signals__creditor_reference=reference)


def an_attempt(case: Case, *, days_ago: int, reached: bool) -> None:
    """A phone call of the demo team of Waalwijk, made ``days_ago`` days ago."""
    team = Membership.objects.get(user__username="ww-vroegsignalering", role=Role.EARLY_SIGNALS_OFFICER).organisation
    at = timezone.now() - timedelta(days=days_ago)
    with time_machine.travel(at):
        attempt_record(actor=SYSTEM, case=case, organisation=team, channel="phone", attempted_at=at, reached=reached)


def test_an_officer_works_a_case_from_the_trays_to_closed_and_open_again(page: Page, demo_site: str):
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

    # The referral was a mistake: back through the closed tray, the case is opened again. Without a
    # reason that is refused, next to the field.
    page.locator("main a", has_text="Terug naar de bak").click()
    expect(page.locator("#trays a[aria-current=page]")).to_contain_text("Afgesloten")
    assert_no_axe_violations(page, "the closed tray")
    page.locator(f"#case-{case.uuid} a").click()
    reopen = page.locator("form[aria-labelledby=reopen-case]")
    reopen.locator("button").click()
    expect(page.locator("#id_reopen-reason_error")).to_be_visible()
    expect(page.locator(".meedoen-error-summary")).to_be_in_viewport()
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert_no_axe_violations(page, "a closed case with a refused reopening")

    reopen.locator("input[name='reopen-reason'][value='wrong_outcome']").check()
    reopen.locator("button").click()
    expect(page.locator("main [role=status]")).to_contain_text("De zaak is weer open")
    expect(page.locator("#reopen-case")).to_have_count(0)
    expect(page.locator("form[aria-labelledby=close-case]")).to_be_visible()
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Case.Status.CONTACTED, "")  # the household was reached
    assert_no_axe_violations(page, "a case opened again")


def test_an_officer_finds_a_case_by_its_number_and_the_cases_that_wait(page: Page, demo_site: str):
    """A caller reads the case number from the letter; the case had a new threatening signal after
    the first offer, which has its own term. Another case, reached long ago, had no activity since."""
    threatened = a_waalwijk_case("BROWSER-2", days_ago=3, house_number="78")
    an_attempt(threatened, days_ago=2, reached=False)
    a_waalwijk_case("BROWSER-3", days_ago=0, house_number="78", signal_kind="threat")
    threatened.refresh_from_db()
    assert threatened.threat_due is not None
    waalwijk = Municipality.objects.get(code="GM0867")
    term = retention_terms_of(MunicipalitySettings.objects.filter(municipality=waalwijk).first()).without_help_days
    quiet = a_waalwijk_case("BROWSER-4", days_ago=term + 5, house_number="79")
    an_attempt(quiet, days_ago=term + 4, reached=True)
    log_in_as_staff(page, demo_site, "ww-vroegsignalering")

    page.locator(f"nav.meedoen-nav a[href='{reverse('workspace:early_signals')}']").click()
    notice = page.locator("main .utrecht-alert[role=status]")
    expect(notice).to_contain_text(f"al meer dan {term} dagen zonder activiteit")
    notice.locator("a").click()
    expect(page.locator("#tray-caption")).to_contain_text(f"Meer dan {term} dagen zonder activiteit")
    expect(page.locator(f"#case-{quiet.uuid}")).to_contain_text("Contact gehad")
    expect(page.locator(f"#case-{threatened.uuid}")).to_have_count(0)
    expect(page.locator("#trays a[aria-current=page]")).to_have_count(0)
    assert_no_axe_violations(page, "the cases without activity")

    page.locator("#trays a", has_text="Te benaderen").click()
    expect(page.locator(f"#case-{threatened.uuid}")).to_contain_text("Nieuw dreigend signaal: reageer uiterlijk op")
    assert_no_axe_violations(page, "a tray with a new threatening signal")

    page.get_by_role("search").get_by_label("Zaak zoeken").fill(threatened.number.lower())
    page.get_by_role("search").get_by_role("button", name="Zoeken").click()
    expect(page.locator("#found-caption")).to_contain_text("1 zaak gevonden")
    found = page.locator("tbody tr")
    expect(found).to_have_count(1)
    assert "Proefpersoon" not in page.content()  # the list of cases found holds no personal data
    assert_no_axe_violations(page, "the cases found")

    found.get_by_role("link", name=threatened.number).click()
    expect(page.locator("main")).to_contain_text("Proefpersoon")
    case_table = page.locator("table", has=page.locator("#case-caption"))
    expect(case_table.locator("tr", has_text="Zaaknummer")).to_contain_text(threatened.number)
    expect(case_table).to_contain_text("Nieuw dreigend signaal: reageer uiterlijk op")
    assert_no_axe_violations(page, "a case found by its number")

    page.goto(demo_site + reverse("workspace:early-signals-search"))
    page.get_by_role("search").get_by_label("Zaak zoeken").fill("5141 ZX 999")
    page.get_by_role("search").get_by_role("button", name="Zoeken").click()
    expect(page.locator("tbody")).to_contain_text("Geen zaak van deze gemeente gevonden.")
    assert_no_axe_violations(page, "a search that finds nothing")


def test_an_officer_joins_two_cases_about_the_same_person(page: Page, demo_site: str):
    """Her landlord knows her as J. Proefpersoon, her energy supplier as Lien: linking keeps the two
    apart, the case page shows them side by side, and the officer joins them after a check, and
    undoes the join when they turn out to be two people."""
    kept = a_waalwijk_case("BROWSER-5", days_ago=4, house_number="80")
    joined = a_waalwijk_case("BROWSER-6", days_ago=1, house_number="80", initials="", given_name="Lien")
    assert kept.pk != joined.pk
    log_in_as_staff(page, demo_site, "ww-vroegsignalering")

    page.goto(demo_site + reverse("workspace:early-signals-case", args=[kept.uuid]))
    others = page.locator("table", has=page.locator("#same-address-caption"))
    expect(others).to_contain_text(joined.number)
    assert "Lien" not in others.inner_text()  # the other case, not its data
    assert_no_axe_violations(page, "a case with another case at its address")

    form = page.locator("form", has=page.locator("#id_join-same_person"))
    form.get_by_label(joined.number, exact=False).check()
    form.get_by_role("button", name="Samenvoegen met deze zaak").click()
    expect(page.locator("#id_join-same_person_error")).to_contain_text("vink het vakje aan")
    assert_no_axe_violations(page, "a join refused without the check")

    form = page.locator("form", has=page.locator("#id_join-same_person"))
    form.get_by_label(joined.number, exact=False).check()
    form.get_by_label("Ik heb gecontroleerd dat beide zaken over dezelfde persoon gaan.").check()
    form.get_by_role("button", name="Samenvoegen met deze zaak").click()
    expect(page.locator("main")).to_contain_text(f"Zaak {joined.number} is samengevoegd met deze zaak")
    expect(page.locator("main h2", has_text="2 signalen")).to_have_count(1)
    assert_no_axe_violations(page, "a case that took the signals of another")

    page.locator("table", has=page.locator("#same-address-caption")).get_by_role("link", name=joined.number).click()
    expect(page.locator("#joined-notice")).to_contain_text("samengevoegd met een andere zaak")
    assert_no_axe_violations(page, "a case joined with another")
    page.locator("#joined-notice").get_by_role("link").click()
    expect(page.locator("main h1")).to_contain_text("Zaak geopend op")

    # They turn out to be two people after all: the join is undone, and each case has its own again.
    form = page.locator("form", has=page.locator("#id_split-different_people"))
    form.get_by_label(joined.number, exact=False).check()
    form.get_by_label("Ik heb gecontroleerd dat de twee zaken over verschillende personen gaan.").check()
    form.get_by_role("button", name="Samenvoegen ongedaan maken").click()
    expect(page.locator("main")).to_contain_text(f"zaak {joined.number} is weer open")
    expect(page.locator("main h2", has_text="1 signaal")).to_have_count(1)
    assert_no_axe_violations(page, "a case after its join was undone")


def test_an_officer_moves_the_signals_about_a_twin_to_a_case_of_their_own(page: Page, demo_site: str):
    """Jolien and her twin brother Joost, J. van Proefpersoon both, live at one address: linking put
    his signal in her case. The officer moves it to a case of its own, after a check."""
    case = a_waalwijk_case("BROWSER-7", days_ago=4, house_number="81")
    his = a_waalwijk_case("BROWSER-8", days_ago=1, house_number="81", given_name="Joost")
    assert his.pk == case.pk
    log_in_as_staff(page, demo_site, "ww-vroegsignalering")

    page.goto(demo_site + reverse("workspace:early-signals-case", args=[case.uuid]))
    form = page.locator("form", has=page.locator("#id_separate-someone_else"))
    form.get_by_label("over Joost van Proefpersoon", exact=False).check()
    form.get_by_role("button", name="Naar een eigen zaak verplaatsen").click()
    expect(page.locator("#id_separate-someone_else_error")).to_contain_text("vink het vakje aan")
    assert_no_axe_violations(page, "a move of signals refused without the check")

    form = page.locator("form", has=page.locator("#id_separate-someone_else"))
    form.get_by_label("over Joost van Proefpersoon", exact=False).check()
    form.get_by_label(
        "Ik heb gecontroleerd dat deze signalen over iemand anders gaan dan de andere signalen van deze zaak."
    ).check()
    form.get_by_role("button", name="Naar een eigen zaak verplaatsen").click()
    moved = Case.objects.get(signals__creditor_reference="BROWSER-8")
    assert moved.pk != case.pk
    expect(page.locator("main")).to_contain_text(f"De signalen staan nu in een eigen zaak: zaak {moved.number}")
    expect(page.locator("main h2", has_text="1 signaal")).to_have_count(1)
    assert_no_axe_violations(page, "the case the signals about a twin opened")

    page.get_by_role("link", name=f"Naar zaak {case.number}").click()
    expect(page.locator("main")).to_contain_text(f"naar zaak {moved.number} verplaatst")
    expect(page.locator("main h2", has_text="1 signaal")).to_have_count(1)
    assert "Joost" not in page.locator("main").inner_text()


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
