"""Fixtures of the browser tests: one headless Debian chromium per run, a fresh page per test, and
the demo (both municipalities, every persona) served by pytest-django's live server."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
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


class _OneRequestAtATime:
    """A WSGI application that lets one request through at a time, body and all. The live server
    answers each request in a thread of its own, and on SQLite every such thread works with the
    test's one in-memory connection: two requests at once (a board's poll beside the post of a
    note) would start a transaction inside the other's."""

    def __init__(self, application: Callable[..., Iterable[bytes]]) -> None:
        self.application = application
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            response = self.application(environ, start_response)
            try:
                return list(response)
            finally:
                close = getattr(response, "close", None)
                if close is not None:
                    close()  # Django's end of the request, still inside the lock


@pytest.fixture(scope="session")
def live_server(live_server: LiveServer) -> LiveServer:
    """pytest-django's live server, answering one request at a time on an in-memory SQLite
    database (see ``_OneRequestAtATime``)."""
    server = live_server.thread.httpd
    if connection.vendor == "sqlite" and not isinstance(server.get_app(), _OneRequestAtATime):
        server.set_app(_OneRequestAtATime(server.get_app()))
    return live_server


@pytest.fixture(scope="session")
def _demo_copies() -> Iterator[dict[str, sqlite3.Connection]]:
    """Where a worker keeps the demo database it loaded for its first browser test (SQLite only)."""
    copies: dict[str, sqlite3.Connection] = {}
    yield copies
    for copy in copies.values():
        copy.close()


def _load_demo(copies: dict[str, sqlite3.Connection]) -> None:
    """Fill the emptied test database with the demo. On SQLite the demo is loaded once per worker
    and copied page by page into the database of every later test (SQLite's backup, milliseconds
    instead of the seconds a load takes); on another engine it is loaded for every test. The copy
    replaces the whole database, which SQLite allows only outside a transaction: hence the
    ``transactional_db`` of ``demo_site``. Its dates are those of the worker's first load (the demo
    dates its signals from the day it is loaded)."""
    if connection.vendor != "sqlite":
        call_command("load_demo", stdout=StringIO())
        return
    connection.ensure_connection()
    database = connection.connection
    if "demo" in copies:
        copies["demo"].backup(database)
        return
    call_command("load_demo", stdout=StringIO())
    copies["demo"] = sqlite3.connect(":memory:", check_same_thread=False)
    database.backup(copies["demo"])


@pytest.fixture
def demo_site(
    browser: Browser, live_server: LiveServer, transactional_db: None, _demo_copies: dict[str, sqlite3.Connection]
) -> Iterator[str]:
    """The address of a live server holding the demo data; the database is emptied after the test.

    Every browser window is closed before that: a board left open asks for new notes twice a
    second, and a request that reaches the live server while the tables are emptied fails there
    and leaves the next test a locked or half-emptied database. Windows a test opened itself, and
    left open because an assertion stopped it halfway, are closed too. The cache is emptied as
    well: the demo's rows come back with the same keys in every test, so an answer a clerk's
    upload left there under its key must not reach the next test."""
    cache.clear()
    _load_demo(_demo_copies)
    yield live_server.url
    for context in list(browser.contexts):
        context.close()
    cache.clear()
