"""A creditor's clerk delivers signals by hand in a real browser: Priya of Energie Zuid logs in, lands
on the upload page, is refused without a file, uploads a CSV with one good and one refused row, reads
the receipt with the refused row first, downloads the answer per row and finds the delivery again in
the list of deliveries. Every page passes axe; from the refused upload on, the clerk works on a
phone, where the pages reflow."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from meedoen.early_signals.models import Delivery, Signal
from meedoen.early_signals.tests.factories import csv_bytes, signal_row
from tests.browser.axe import assert_no_axe_violations
from tests.browser.journeys import log_in_as_staff
from tests.browser.test_reflow import OVERFLOW, PHONE

pytestmark = pytest.mark.browser


def test_a_creditors_clerk_uploads_signals_and_reads_the_answer_per_row(page: Page, demo_site: str):
    log_in_as_staff(page, demo_site, "zuid-aanlevering", lands_on="workspace:signal-delivery")
    expect(page.locator("h1")).to_have_text("Signalen aanleveren")
    # The clerk's one module; nothing else of the municipalities.
    expect(page.locator("nav.meedoen-nav a[aria-current=page]")).to_have_text("Signalen aanleveren")
    expect(page.locator(f"nav.meedoen-nav a[href='{reverse('workspace:early_signals')}']")).to_have_count(0)
    assert_no_axe_violations(page, "the upload page")

    # On a phone from here on. Without a file the upload is refused; the page opens at its top, so
    # what was refused comes first there, not below the description of the file, out of sight.
    page.set_viewport_size(PHONE)
    upload = page.get_by_role("button", name="Uploaden en aanleveren")
    upload.click()
    expect(page.locator("#id_file_error")).to_be_visible()
    expect(page.locator(".meedoen-error-summary")).to_contain_text("Niets aangeleverd.")
    expect(page.locator(".meedoen-error-summary")).to_be_in_viewport()
    assert page.evaluate(OVERFLOW) == [], "the upload page with a refused form on a phone"
    assert_no_axe_violations(page, "the upload page with a refused form, on a phone")

    good = signal_row(creditor_reference="EZ-BROWSER-1", surname="Proefpersoon", house_number="81")
    impossible_birthday = signal_row(creditor_reference="EZ-BROWSER-2", date_of_birth="1984-02-30", house_number="82")
    page.get_by_label("Bestand met signalen (CSV of XLSX)").set_input_files(
        {"name": "signalen-november.csv", "mimeType": "text/csv", "buffer": csv_bytes([good, impossible_birthday])}
    )
    upload.click()
    page.wait_for_url(re.compile(r"/signalen-aanleveren/[0-9a-f-]{36}/$"))
    delivery = Delivery.objects.get(uuid=page.url.rstrip("/").rsplit("/", 1)[-1])
    assert (delivery.rows, delivery.accepted, delivery.refused) == (2, 1, 1)
    assert Signal.objects.filter(creditor_reference="EZ-BROWSER-1").exists()
    assert not Signal.objects.filter(creditor_reference="EZ-BROWSER-2").exists()

    expect(page.locator("main [role=status]")).to_contain_text("1 van 2 rijen geaccepteerd.")
    expect(page.locator("main dl")).to_contain_text("signalen-november.csv")
    answers = page.locator("table", has=page.locator("#answers-caption")).locator("tbody tr")
    expect(answers).to_have_count(2)
    expect(answers.first).to_contain_text("EZ-BROWSER-2")  # the refused row comes first
    expect(answers.first).to_contain_text("Geweigerd")
    expect(answers.first).to_contain_text("date_of_birth")
    expect(answers.nth(1)).to_contain_text("EZ-BROWSER-1")
    expect(answers.nth(1)).to_contain_text("Geaccepteerd")
    assert_no_axe_violations(page, "the receipt with the answer per row")

    with page.expect_download() as download:
        page.get_by_role("link", name="Antwoord per rij downloaden (CSV)").click()
    # Read as a spreadsheet would: a byte order mark and either delimiter are fine.
    text = download.value.path().read_text(encoding="utf-8-sig")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    records = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    assert [(record["creditor_reference"], record["outcome"]) for record in records] == [
        ("EZ-BROWSER-2", "refused"),
        ("EZ-BROWSER-1", "accepted"),
    ]
    assert records[0]["field"] == "date_of_birth"

    assert page.evaluate(OVERFLOW) == [], "the receipt on a phone"

    page.get_by_role("link", name="Terug naar signalen aanleveren").click()
    newest = page.locator("table", has=page.locator("#deliveries-caption")).locator("tbody tr").first
    anything = re.compile(".")
    # Received (the link to the receipt), file, channel, who delivered it, rows, accepted, received
    # before, refused, warnings.
    expect(newest.locator("td")).to_have_text(
        [anything, anything, anything, "zuid-aanlevering", "2", "1", "0", "1", re.compile(r"^\d+$")]
    )
    expect(newest.get_by_role("link")).to_have_attribute(
        "href", reverse("workspace:signal-delivery-receipt", args=[delivery.uuid])
    )
    assert page.evaluate(OVERFLOW) == [], "the upload page with its deliveries on a phone"
    assert_no_axe_violations(page, "the upload page with its deliveries, on a phone")
    newest.get_by_role("link").click()
    expect(answers).to_have_count(2)  # the answer is kept for the clerk who uploaded
