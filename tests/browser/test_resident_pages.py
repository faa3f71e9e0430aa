"""Resident pages in a real browser: accessible (axe-core, WCAG 2.1 A/AA), usable without
JavaScript, and loaded without breaking the Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from meedoen.organisations.models import Municipality
from tests.browser.axe import axe_violations, describe_violations
from tests.browser.chromium import WatchedPage

pytestmark = pytest.mark.browser

DOORS = ("portal:find-help", "portal:entitlements", "portal:my-data")


def link_targets(page: Page, selector: str) -> list[str]:
    """Paths the links matching ``selector`` lead to, in page order."""
    hrefs: list[str] = page.locator(selector).evaluate_all("links => links.map(link => link.pathname)")
    return hrefs


def unloaded_stylesheets(page: Page) -> list[str]:
    """Stylesheets the page links to that the browser refused, could not load or found empty."""
    sheets: list[str] = page.locator("link[rel=stylesheet]").evaluate_all(
        "links => links.filter(link => !link.sheet?.cssRules.length).map(link => link.href)"
    )
    return sheets


def door_paths(slug: str) -> list[str]:
    return [reverse(door, args=[slug]) for door in DOORS]


def test_every_page_a_resident_reaches_from_the_landing_page_passes_axe(page: Page, demo_site: str):
    """The landing page, each municipality on it and each municipality's three doors."""
    found: dict[str, list[dict[str, Any]]] = {}

    def check(path: str) -> None:
        page.goto(demo_site + path)
        found[path] = axe_violations(page)

    check(reverse("portal:home"))
    municipality_paths = link_targets(page, "main a[href*='/gemeente/']")
    slugs = sorted(Municipality.objects.values_list("slug", flat=True))
    assert sorted(municipality_paths) == [reverse("portal:municipality", args=[slug]) for slug in slugs]

    for slug in slugs:
        check(reverse("portal:municipality", args=[slug]))
        assert link_targets(page, ".meedoen-door__link") == door_paths(slug)
        for door in door_paths(slug):
            check(door)

    assert len(found) == 1 + 4 * len(slugs)
    failures = {path: violations for path, violations in found.items() if violations}
    assert not failures, "WCAG 2.1 A/AA violations:\n" + "\n".join(
        f"{path}\n{describe_violations(violations)}" for path, violations in failures.items()
    )


def test_a_resident_goes_through_every_door_and_switches_language_without_javascript(
    page_without_javascript: Page, demo_site: str
):
    page = page_without_javascript
    municipality = reverse("portal:municipality", args=["waalwijk"])

    page.goto(demo_site + reverse("portal:home"))
    page.get_by_role("link", name="Waalwijk", exact=True).click()
    expect(page).to_have_url(demo_site + municipality)
    for door in door_paths("waalwijk"):
        page.locator(f".meedoen-door__link[href='{door}']").click()
        expect(page).to_have_url(demo_site + door)
        expect(page.locator("h1")).to_be_visible()
        page.locator(f"main a[href='{municipality}']").click()
        expect(page).to_have_url(demo_site + municipality)

    page.locator("form.meedoen-language button[value='en']").click()
    expect(page).to_have_url(demo_site + municipality)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("form.meedoen-language button[value='nl']")).to_be_visible()


def test_a_resident_finds_help_in_their_own_words_without_javascript(page_without_javascript: Page, demo_site: str):
    page = page_without_javascript
    page.goto(demo_site + reverse("portal:find-help", args=["waalwijk"]))
    page.get_by_label("Waarmee kunnen we je helpen?").fill("geen geld voor boodschappen")
    page.get_by_role("button", name="Zoeken", exact=True).click()
    results = page.locator(".meedoen-result")
    expect(results.first).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Meerssen")
    page.locator(".meedoen-result a", has_text="Voedselpakket").first.click()
    expect(page.locator("h1")).to_have_text("Voedselpakket")
    expect(page.locator("main")).to_contain_text("Voedselbank Waalwijk")
    expect(page.locator(".meedoen-hours").first).to_be_visible()


def test_search_results_and_an_offer_pass_axe_and_print_as_a_list(page: Page, demo_site: str):
    found: dict[str, list[dict[str, Any]]] = {}
    search = reverse("portal:find-help", args=["waalwijk"])
    page.goto(demo_site + search + "?q=schulden&wijk=WK086702")
    found["results"] = axe_violations(page)
    page.goto(demo_site + search + "?q=niets-te-vinden-xyz")
    found["nothing found"] = axe_violations(page)
    page.goto(demo_site + search + "?q=brief+deurwaarder")
    page.locator(".meedoen-result a").first.click()
    found["offer"] = axe_violations(page)
    failures = {name: violations for name, violations in found.items() if violations}
    assert not failures, "\n".join(f"{name}\n{describe_violations(v)}" for name, v in failures.items())

    page.goto(demo_site + search + "?q=schulden")
    page.emulate_media(media="print")
    expect(page.locator("form.meedoen-search")).to_be_hidden()
    expect(page.locator(".meedoen-result").first).to_be_visible()


def test_resident_pages_load_under_the_content_security_policy(watched_page: WatchedPage, demo_site: str):
    for path in (
        reverse("portal:home"),
        reverse("portal:municipality", args=["waalwijk"]),
        *door_paths("waalwijk"),
    ):
        watched_page.page.goto(demo_site + path)
        assert unloaded_stylesheets(watched_page.page) == [], path
    assert watched_page.problems == []
