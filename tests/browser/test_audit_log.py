"""The auditor in a real browser: an officer of Waalwijk opens a case; the auditor pastes the case's
address into the audit log's filter, finds the opening, downloads it as CSV, and meets a refused
filter. The page passes axe, filtered and with the errors of a refused filter."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.chromium import new_context
from tests.browser.journeys import log_in_as_staff
from tests.browser.test_early_signals import a_waalwijk_case

pytestmark = pytest.mark.browser


def test_an_auditor_finds_who_opened_a_case_and_downloads_it(browser: Browser, page: Page, demo_site: str):
    case = a_waalwijk_case()
    case_address = demo_site + reverse("workspace:early-signals-case", args=[case.uuid])
    officer = new_context(browser)
    officer_page = officer.new_page()
    log_in_as_staff(officer_page, demo_site, "ww-vroegsignalering")
    officer_page.goto(case_address)
    expect(officer_page.locator("main")).to_contain_text("Proefpersoon")
    officer.close()

    log_in_as_staff(page, demo_site, "ww-auditor")
    page.locator(f"nav.meedoen-nav a[href='{reverse('workspace:audit')}']").click()
    page.locator("#id_object").fill(case_address)
    page.locator("#id_handeling").select_option(label="Persoonsgegevens ingezien")
    page.get_by_role("button", name="Laat zien").click()

    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ww-vroegsignalering")
    expect(rows.first).to_contain_text(f"Zaak {case.uuid}")
    expect(rows.first).to_contain_text("Vroegsignalering: hulp aanbieden")
    assert "Proefpersoon" not in page.content()  # the log names the case, not the household
    assert_no_axe_violations(page, "the audit log narrowed to a case")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download als CSV").click()
    # As Excel with Dutch settings reads it: UTF-8 after the byte order mark, ";" between cells.
    content = download.value.path().read_bytes()
    assert content.startswith("\ufeff".encode())
    assert download.value.suggested_filename.startswith("logboek-GM0867-")
    records = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert records
    assert {(row["actor"], row["object"], row["action_code"]) for row in records} == {
        ("ww-vroegsignalering", str(case.uuid), "personal_data.read")
    }

    page.locator("#id_van").fill("2026-03-20")
    page.locator("#id_tot").fill("2026-03-01")
    page.get_by_role("button", name="Laat zien").click()
    expect(page.locator(".meedoen-error-summary")).to_contain_text("Deze dag ligt voor de eerste dag.")
    expect(page.locator("table")).to_have_count(0)
    assert_no_axe_violations(page, "the audit log with a refused filter")
