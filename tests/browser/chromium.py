"""How the browser tests and the screenshot script start Debian's chromium and open pages in it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, Response, expect

REPO_ROOT = Path(__file__).resolve().parents[2]
# Playwright's own browser download is not used: Debian's package is what CI installs.
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Containers have no user namespaces for chromium's sandbox and a small /dev/shm; the rest keeps
# chromium from reaching out to Google while it runs.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Short enough that a broken page fails fast, long enough for a slow CI machine. It holds for the
# pages' actions and, set once here, for every expect() too (whose own default is 5 seconds).
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def new_context(browser: Browser, *, javascript: bool = True, enforce_csp: bool = False) -> BrowserContext:
    """A clean browser profile as a Dutch resident at a desktop would have it.

    The Content-Security-Policy is bypassed unless asked for, because axe-core is injected as an
    inline script, which the site's policy rightly refuses.
    """
    context = browser.new_context(
        locale="nl-NL",
        viewport={"width": 1280, "height": 900},
        java_script_enabled=javascript,
        bypass_csp=not enforce_csp,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


@dataclass
class WatchedPage:
    """A page under the site's own Content-Security-Policy that notes everything that went wrong."""

    page: Page
    problems: list[str] = field(default_factory=list)

    def watch(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error on {self.page.url}: {error}"))
        self.page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        # Chromium reports refused styles and scripts (CSP) and failed loads as console errors.
        if message.type in {"error", "warning"}:
            self.problems.append(f"console {message.type} on {self.page.url}: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"{response.status} for {response.url}")
