"""Fixtures of the browser tests: one headless Debian chromium per run, a fresh page per test, and
the demo (both municipalities, every persona) served by pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.browser.chromium import AXE_SCRIPT, CHROMIUM, WatchedPage, launch_chromium, new_context

# Playwright's sync API keeps an asyncio loop running on the main thread for as long as the browser
# is open, so Django takes every ORM call made from a fixture for one made inside async code and
# refuses it. Nothing here is async, and the live server answers from its own thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _missing_requirements() -> list[str]:
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"chromium at {CHROMIUM} (make browser-deps, or set CHROMIUM_PATH)")
    if not AXE_SCRIPT.is_file():
        missing.append(f"axe-core at {AXE_SCRIPT} (npm ci)")
    return missing


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    missing = _missing_requirements()
    if missing:
        pytest.skip("browser tests need " + " and ".join(missing))
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = new_context(browser)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_javascript(browser: Browser) -> Iterator[Page]:
    context = new_context(browser, javascript=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def watched_page(browser: Browser) -> Iterator[WatchedPage]:
    context = new_context(browser, enforce_csp=True)
    watched = WatchedPage(context.new_page())
    watched.watch()
    yield watched
    context.close()


@pytest.fixture
def demo_site(browser: Browser, live_server: LiveServer, transactional_db: None) -> Iterator[str]:
    """The address of a live server holding the demo data; the database is emptied after the test.

    Every browser window is closed before that: a board left open asks for new notes twice a
    second, and a request that reaches the live server while the tables are emptied fails there
    and leaves the next test a locked or half-emptied database. Windows a test opened itself, and
    left open because an assertion stopped it halfway, are closed too."""
    call_command("load_demo", stdout=StringIO())
    yield live_server.url
    for context in list(browser.contexts):
        context.close()
