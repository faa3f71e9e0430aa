"""A policy officer reads the local picture in a real browser: the dashboard, one indicator with
its trend chart and district table, comparing a district; every page passes axe, and a count
below 10 shows as "< 10"."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from meedoen.compass.models import Indicator
from tests.browser.axe import assert_no_axe_violations
from tests.browser.journeys import log_in_as_staff

pytestmark = pytest.mark.browser


def test_a_policy_officer_reads_the_local_picture(page: Page, demo_site: str):
    log_in_as_staff(page, demo_site, "ww-beleid")
    page.locator(f"nav.meedoen-nav a[href='{reverse('workspace:monitor')}']").click()
    expect(page.locator("h1")).to_contain_text("Waalwijk")
    expect(page.locator("table.meedoen-picture-table")).to_contain_text("Aantal inwoners")
    expect(page.locator("table.meedoen-picture-table")).to_contain_text("17.942.942")  # the Netherlands
    assert_no_axe_violations(page, "the local picture")

    registrations = Indicator.objects.get(code="aanmeldingen-schuldhulp", municipality__code="GM0867")
    page.goto(demo_site + reverse("workspace:monitor-indicator", args=[registrations.pk]) + "?periode=2019")
    expect(page.locator("svg.meedoen-chart__svg")).to_be_visible()
    expect(page.locator("table.meedoen-district-table")).to_contain_text("< 10")
    assert_no_axe_violations(page, "an indicator with a hidden district count")

    page.locator("#indicator-area").select_option("WK086700")
    page.locator("form.meedoen-inline-form button").click()
    expect(page.locator(".meedoen-chart__legend")).to_contain_text("Wijk 00")
    assert_no_axe_violations(page, "an indicator compared for one district")
