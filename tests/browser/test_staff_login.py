"""Staff log in in a real browser, with a password and a code from an authenticator app, and land in
the workspace with the modules of their role. Login and workspace pages pass axe-core."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.chromium import WatchedPage
from tests.browser.journeys import demo_code, enter_code, enter_password, log_in_as_staff, wrong_demo_code

pytestmark = pytest.mark.browser

# An application manager of Waalwijk sees the overview, the areas with their renaming form, and the
# organisations with their staff: every kind of workspace page there is so far.
PERSONA = "ww-beheer"
PERSONA_MODULES = [
    "workspace:home",
    "workspace:areas",
    "workspace:organisations",
    "workspace:socialmap",
    "workspace:coordination",
    "workspace:monitor",
    "workspace:compass",
    "workspace:early_signals_settings",
    "workspace:benefits",
]


def module_navigation(page: Page) -> list[str]:
    paths: list[str] = page.locator("nav.meedoen-nav a").evaluate_all("links => links.map(link => link.pathname)")
    return paths


def test_staff_log_in_with_password_and_code_and_land_in_the_workspace(page: Page, demo_site: str):
    enter_password(page, demo_site, PERSONA)
    expect(page).to_have_url(demo_site + reverse("accounts:login-code"))

    enter_code(page, demo_code())

    expect(page).to_have_url(demo_site + reverse("workspace:home"))
    assert module_navigation(page) == [reverse(name) for name in PERSONA_MODULES]
    expect(page.locator("nav.meedoen-nav a[aria-current=page]")).to_have_attribute("href", reverse("workspace:home"))
    expect(page.locator(".meedoen-context")).to_contain_text("Waalwijk")


def test_the_login_pages_pass_axe(page: Page, demo_site: str):
    page.goto(demo_site + reverse("accounts:login"))
    assert_no_axe_violations(page, "login page")

    page.locator("form", has=page.locator("#id_password")).locator("button[type=submit]").click()
    expect(page.locator(".utrecht-form-field-error-message").first).to_be_visible()
    assert_no_axe_violations(page, "login page with the errors of an empty form")

    enter_password(page, demo_site, PERSONA)
    expect(page).to_have_url(demo_site + reverse("accounts:login-code"))
    assert_no_axe_violations(page, "code page")


def test_every_workspace_page_of_the_persona_passes_axe(page: Page, demo_site: str):
    log_in_as_staff(page, demo_site, PERSONA)
    for name in PERSONA_MODULES:
        page.goto(demo_site + reverse(name))
        expect(page.locator("nav.meedoen-nav a[aria-current=page]")).to_have_attribute("href", reverse(name))
        assert_no_axe_violations(page, f"workspace page {name}")


def test_a_wrong_code_is_refused_with_a_visible_error(page: Page, demo_site: str):
    enter_password(page, demo_site, PERSONA)
    expect(page).to_have_url(demo_site + reverse("accounts:login-code"))

    enter_code(page, wrong_demo_code())

    expect(page).to_have_url(demo_site + reverse("accounts:login-code"))
    error = page.locator(".utrecht-form-field--invalid .utrecht-form-field-error-message")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    assert_no_axe_violations(page, "code page after a wrong code")
    page.goto(demo_site + reverse("workspace:home"))
    expect(page).to_have_url(demo_site + reverse("accounts:login") + "?next=" + reverse("workspace:home"))


def test_a_wrong_password_is_refused_without_asking_for_a_code(page: Page, demo_site: str):
    enter_password(page, demo_site, PERSONA, password="not-the-password")

    expect(page).to_have_url(demo_site + reverse("accounts:login"))
    expect(page.locator(".utrecht-alert--error[role=alert]")).to_be_visible()
    expect(page.locator("#id_code")).to_have_count(0)


def test_login_and_workspace_load_under_the_content_security_policy(watched_page: WatchedPage, demo_site: str):
    log_in_as_staff(watched_page.page, demo_site, PERSONA)
    for name in PERSONA_MODULES:
        watched_page.page.goto(demo_site + reverse(name))
    assert watched_page.problems == []
