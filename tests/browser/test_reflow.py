"""Every page reflows on a phone 320 CSS pixels wide (WCAG 1.4.10): the page itself never scrolls
sideways. A table wider than the screen scrolls in a region of its own, which has a name and which
the keyboard can reach; long Dutch words in headings break. Staff work from phones too: the
early-signalling team on a home visit, a partner between two appointments."""

from __future__ import annotations

import pytest
from django.db.models import Q
from django.urls import reverse
from playwright.sync_api import Browser

from meedoen.compass.models import Activity, Compass, Indicator
from meedoen.early_signals.models import Case
from meedoen.socialmap.models import Offer
from tests.browser.chromium import new_context
from tests.browser.journeys import log_in_as_staff

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 720}

# What overflows the page sideways: elements, and text that sticks out of its element (a word too
# long for the line), unless something between it and the page scrolls or clips it (a table's
# region, a block of code, visually hidden text).
OVERFLOW = """() => {
  for (const details of document.querySelectorAll('details')) details.open = true;  // what opens, fits too
  const width = document.documentElement.clientWidth;
  const found = [];
  if (document.documentElement.scrollWidth > width + 1) {
    found.push(`the page is ${document.documentElement.scrollWidth} px wide`);
  }
  const outside = (node) => {
    for (let element = node; element && element !== document.body; element = element.parentElement) {
      if (getComputedStyle(element).overflowX !== 'visible') return false;
    }
    return true;
  };
  for (const element of document.querySelectorAll('body *')) {
    if (outside(element) && element.getBoundingClientRect().right > width + 1) {
      found.push(`<${element.tagName.toLowerCase()} class="${element.className}">`);
    }
  }
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let text = texts.nextNode(); text; text = texts.nextNode()) {
    if (!text.textContent.trim() || !outside(text.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(text);
    if (range.getBoundingClientRect().right > width + 1) found.push(`text "${text.textContent.trim().slice(0, 40)}"`);
  }
  for (const table of document.querySelectorAll('table')) {
    const region = table.closest('.meedoen-table-scroll');
    if (!region) { found.push('a table outside a scroll region'); continue; }
    const label = document.getElementById(region.getAttribute('aria-labelledby') || '');
    if (region.getAttribute('role') !== 'region' || region.tabIndex !== 0 || !label || !label.textContent.trim()) {
      found.push(`a region without a role, a name or a tab stop: ${region.outerHTML.slice(0, 100)}`);
    }
  }
  return found.slice(0, 5);
}"""


def _waalwijk_pages() -> dict[str, list[str]]:
    """The pages with tables or long headings, by the persona that opens them."""
    compass = Compass.objects.filter(municipality__code="GM0867").first()
    activity = Activity.objects.filter(compass=compass).first()
    indicator = Indicator.objects.filter(Q(municipality__isnull=True) | Q(municipality__code="GM0867")).first()
    case = Case.objects.filter(municipality__code="GM0867").first()
    offer = Offer.objects.filter(municipalities__code="GM0867").first()
    assert compass and activity and indicator and case and offer, "the demo holds these for Waalwijk"
    tray = reverse("workspace:early_signals")
    return {
        "ww-vroegsignalering": [
            tray,
            f"{tray}?bak=closed",
            f"{tray}?stil=1",
            f"{reverse('workspace:early-signals-search')}?zoek={case.number}",
            reverse("workspace:early-signals-case", args=[case.uuid]),
            reverse("workspace:early-signals-monitor"),
            reverse("workspace:early-signals-feedback"),
        ],
        "ww-beleid": [
            reverse("workspace:monitor"),
            reverse("workspace:monitor-indicator", args=[indicator.pk]),
            reverse("workspace:compass-detail", args=[compass.pk]),
            reverse("workspace:compass-activity", args=[activity.pk]),
            reverse("workspace:compass-review"),
            reverse("workspace:compass-periods", args=[compass.pk]),
            reverse("workspace:compass-report", args=[compass.pk]),
            reverse("workspace:board-sessions"),
            reverse("workspace:coordination"),
            reverse("workspace:benefits"),
            reverse("workspace:non-take-up"),
        ],
        "ww-beheer": [
            reverse("workspace:areas"),
            reverse("workspace:organisations"),
            reverse("workspace:population"),
            reverse("workspace:early_signals_settings"),
        ],
        "ww-auditor": [
            reverse("workspace:audit"),
            f"{reverse('workspace:audit')}?object={case.uuid}",
        ],
        "ww-aanbieder": [reverse("workspace:socialmap"), reverse("workspace:locations")],
        "": [
            reverse("portal:municipality", args=["waalwijk"]),
            reverse("portal:find-help", args=["waalwijk"]) + "?q=schulden",
            reverse("portal:offer", args=["waalwijk", str(offer.uuid)]),
            reverse("portal:check", args=["waalwijk"]),
            reverse("ledger:entry", args=["GM0867", 0]),
        ],
    }


@pytest.mark.parametrize("persona", ["ww-vroegsignalering", "ww-beleid", "ww-beheer", "ww-auditor", "ww-aanbieder", ""])
def test_pages_reflow_on_a_phone(browser: Browser, demo_site: str, persona: str):
    context = new_context(browser)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    if persona:
        log_in_as_staff(page, demo_site, persona)
    problems: dict[str, list[str]] = {}
    for path in _waalwijk_pages()[persona]:
        response = page.goto(demo_site + path)
        assert response is not None and response.status == 200, path
        found = page.evaluate(OVERFLOW)
        if found:
            problems[path] = found
    context.close()
    assert not problems, problems


def test_a_wide_table_scrolls_in_its_region_by_keyboard(browser: Browser, demo_site: str):
    """The tray of new cases is wider than a phone: its region takes the focus with Tab, and the
    arrow keys scroll the table while the page stays put."""
    context = new_context(browser)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    log_in_as_staff(page, demo_site, "ww-vroegsignalering")
    page.goto(demo_site + reverse("workspace:early_signals"))
    region = page.locator(".meedoen-table-scroll").first
    assert region.evaluate("element => element.scrollWidth > element.clientWidth")
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("element => element.scrollLeft > 0", arg=region.element_handle())
    assert page.evaluate("window.scrollX") == 0
    context.close()
