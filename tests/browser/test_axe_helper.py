"""The accessibility check itself: it must find violations where there are some, and name them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser

INACCESSIBLE = """<!DOCTYPE html><html><head><title>Broken</title></head><body><main>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<input type="text" name="unlabelled">
<p style="color: #bbb; background: #fff">Too pale to read</p>
</main></body></html>"""

ACCESSIBLE = """<!DOCTYPE html><html lang="nl"><head><title>Goed</title></head><body><main>
<h1>Goed</h1><label for="name">Naam</label> <input id="name" type="text" name="name">
</main></body></html>"""


def test_a_page_with_wcag_violations_fails_with_each_rule_and_where_it_is_broken(page: Page):
    page.set_content(INACCESSIBLE)
    with pytest.raises(AssertionError) as failure:
        assert_no_axe_violations(page, "broken page")
    report = str(failure.value)
    assert report.startswith("broken page")
    for rule in ("html-has-lang", "image-alt", "label", "color-contrast"):
        assert f"- {rule} (" in report
    assert "at input\n" in report


def test_a_page_without_violations_passes(page: Page):
    page.set_content(ACCESSIBLE)
    assert_no_axe_violations(page, "accessible page")
