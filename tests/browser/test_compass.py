"""A policy officer works with the demo compass of Waalwijk in a real browser: the overview, the
report for the council, the review queue and the reporting periods; every page passes axe."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from meedoen.compass.models import Compass
from tests.browser.axe import assert_no_axe_violations
from tests.browser.journeys import log_in_as_staff

pytestmark = pytest.mark.browser


def test_a_policy_officer_reads_the_compass_and_its_report(page: Page, demo_site: str):
    compass = Compass.objects.get(municipality__code="GM0867")
    log_in_as_staff(page, demo_site, "ww-beleid")

    page.locator(f"nav.meedoen-nav a[href='{reverse('workspace:compass')}']").click()
    expect(page.locator("h1")).to_be_visible()
    assert_no_axe_violations(page, "the compass overview")

    page.locator(f"a[href='{reverse('workspace:compass-report', args=[compass.pk])}']").click()
    expect(page.locator(".meedoen-report h1")).to_contain_text("Waalwijk")
    expect(page.locator(f"a[href='{reverse('workspace:compass-report-pdf', args=[compass.pk])}']")).to_be_visible()
    assert_no_axe_violations(page, "the report for the council")

    for name, args in (("workspace:compass-review", []), ("workspace:compass-periods", [compass.pk])):
        page.goto(demo_site + reverse(name, args=args))
        expect(page.locator("h1")).to_be_visible()
        assert_no_axe_violations(page, name)
