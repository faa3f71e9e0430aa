"""The regelingencheck in a real browser: a resident answers the questions and sees what may fit them, with
and without JavaScript, in "samen invullen" too; every step, every error and the outcome pass axe-core
(WCAG 2.1 A/AA), the print view is one clean list, and the PDF downloads."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.chromium import WatchedPage

pytestmark = pytest.mark.browser


def start_of(demo_site: str, *, samen: bool = False) -> str:
    return demo_site + reverse("portal:entitlements", args=["waalwijk"]) + ("?samen=1" if samen else "")


def answer_household(page: Page, *, children_ages: str = "4, 9") -> None:
    page.locator("#vraag-applicant_age").fill("34")
    page.locator("#vraag-has_partner_0").check()  # no partner
    page.locator("#vraag-children_count").fill("2")
    page.locator("#vraag-children_ages").fill(children_ages)


def answer_income(page: Page) -> None:
    page.locator("#vraag-applicant_income").fill("1.350")
    page.locator("#vraag-years_on_low_income").fill("4")


def answer_home(page: Page) -> None:
    page.locator("#vraag-housing_0").check()  # renting
    page.locator("#vraag-housing_costs").fill("720")
    page.locator("#vraag-fixed_costs").fill("350")
    page.locator("#vraag-savings").fill("400")
    page.locator("#vraag-has_debts_1").check()  # yes
    page.locator("#vraag-debts").fill("1500")


def next_step(page: Page) -> None:
    page.locator("button[name=action][value=next]").click()


def expect_step(page: Page, number: int) -> None:
    expect(page.locator("input[name=step]")).to_have_value(str(number))
    expect(page.locator("form#check-form h2")).to_contain_text(f"{number}")


def test_a_resident_answers_and_sees_the_outcome_every_page_passing_axe(page: Page, demo_site: str):
    page.goto(start_of(demo_site))
    assert_no_axe_violations(page, "the first step")

    # Two children said, one age given: the problem is named next to the question and in the summary.
    answer_household(page, children_ages="4")
    next_step(page)
    expect_step(page, 1)
    summary = page.locator(".meedoen-error-summary")
    expect(summary).to_be_visible()
    expect(page.locator("#vraag-children_ages")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#vraag-children_ages_error")).to_be_visible()
    assert_no_axe_violations(page, "the first step with a problem")
    summary.locator("a").first.click()
    expect(page.locator("#vraag-children_ages")).to_be_focused()

    page.locator("#vraag-children_ages").fill("4, 9")
    next_step(page)
    expect_step(page, 2)
    assert_no_axe_violations(page, "the second step")
    answer_income(page)
    next_step(page)
    expect_step(page, 3)
    assert_no_axe_violations(page, "the third step")
    answer_home(page)
    next_step(page)

    outcome = page.locator(".meedoen-check--result")
    expect(outcome.locator("h1")).to_be_visible()
    groups = outcome.locator(".meedoen-outcomes")
    expect(groups.first.locator(".meedoen-outcome").first).to_have_class("meedoen-outcome meedoen-outcome--likely")
    expect(groups.last.locator(".meedoen-outcome").first).to_have_class("meedoen-outcome meedoen-outcome--no")
    expect(page.locator(".meedoen-outcome", has_text="Huurtoeslag").locator(".meedoen-likelihood")).to_contain_text("✓")
    expect(page.locator(".meedoen-check__debts")).to_be_visible()
    assert_no_axe_violations(page, "the outcome")

    page.emulate_media(media="print")
    expect(page.locator(".meedoen-check__actions")).to_be_hidden()
    expect(page.locator(".meedoen-outcome").first).to_be_visible()
    page.emulate_media(media="screen")

    page.locator("button[formaction*='/regelingen/afdrukken/']").click()
    expect(page.locator("body.meedoen-check-document")).to_be_visible()
    expect(page.locator(".meedoen-outcome").first).to_be_visible()
    assert_no_axe_violations(page, "the print view")
    page.emulate_media(media="print")
    expect(page.locator(".meedoen-check-document__bar")).to_be_hidden()
    page.emulate_media(media="screen")
    page.locator("button[value=result]").click()
    expect(page.locator(".meedoen-check--result")).to_be_visible()


def test_without_javascript_a_resident_goes_back_and_forth_and_downloads_the_pdf(
    page_without_javascript: Page, demo_site: str
):
    page = page_without_javascript
    page.goto(start_of(demo_site))
    answer_household(page)
    next_step(page)
    expect_step(page, 2)
    answer_income(page)
    page.locator("button[name=action][value=back]").click()
    expect_step(page, 1)
    expect(page.locator("#vraag-children_ages")).to_have_value("4, 9")
    next_step(page)
    expect(page.locator("#vraag-applicant_income")).to_have_value("1.350")  # typed before going back
    next_step(page)
    answer_home(page)
    next_step(page)
    expect(page.locator(".meedoen-check--result .meedoen-outcome").first).to_be_visible()
    assert "1350" not in page.url and "720" not in page.url

    with page.expect_download() as download:
        page.locator("button[formaction*='/regelingen/pdf/']").click()
    assert download.value.path().read_bytes().startswith(b"%PDF-")
    assert download.value.suggested_filename.startswith("regelingencheck-waalwijk-")

    page.locator("button[name=action][value=edit]").click()
    expect_step(page, 1)
    expect(page.locator("#vraag-applicant_age")).to_have_value("34")


def label_size(page: Page) -> float:
    size: float = page.locator("label[for='vraag-applicant_age']").evaluate(
        "l => parseFloat(getComputedStyle(l).fontSize)"
    )
    return size


def test_samen_invullen_is_bigger_explains_more_and_passes_axe(page: Page, demo_site: str):
    page.goto(start_of(demo_site))
    normal_size = label_size(page)

    page.goto(start_of(demo_site, samen=True))
    expect(page.locator(".meedoen-check--samen")).to_be_visible()
    samen_size = label_size(page)
    assert samen_size >= normal_size * 1.2
    expect(page.locator(".meedoen-check__explanation").first).to_be_visible()
    assert_no_axe_violations(page, "samen invullen, first step")

    next_step(page)  # nothing answered yet: the problems in samen mode
    expect(page.locator(".meedoen-error-summary")).to_be_visible()
    assert_no_axe_violations(page, "samen invullen, first step with problems")
    answer_household(page)
    next_step(page)
    expect_step(page, 2)
    expect(page.locator(".meedoen-check--samen")).to_be_visible()
    assert_no_axe_violations(page, "samen invullen, second step")
    answer_income(page)

    # Switching back to normal letters keeps what was just typed.
    page.locator("button[name=action][value=stay]").click()
    expect(page.locator(".meedoen-check--samen")).to_have_count(0)
    expect(page.locator("#vraag-applicant_income")).to_have_value("1.350")
    page.locator("button[name=action][value=stay]").click()
    expect(page.locator(".meedoen-check--samen")).to_be_visible()

    next_step(page)
    answer_home(page)
    next_step(page)
    expect(page.locator(".meedoen-check--result.meedoen-check--samen")).to_be_visible()
    assert_no_axe_violations(page, "samen invullen, the outcome")


def test_the_check_loads_under_the_content_security_policy(watched_page: WatchedPage, demo_site: str):
    page = watched_page.page
    page.goto(start_of(demo_site))
    answer_household(page)
    next_step(page)
    answer_income(page)
    next_step(page)
    answer_home(page)
    next_step(page)
    expect(page.locator(".meedoen-check--result")).to_be_visible()
    assert page.locator("link[rel=stylesheet][href$='meedoen/check.css']").evaluate("l => l.sheet.cssRules.length") > 0
    assert watched_page.problems == []
