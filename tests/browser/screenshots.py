"""Make the README's screenshots: the resident landing page of Waalwijk and a policy officer's workspace.

Run from the repository root with ``python -m tests.browser.screenshots`` (``make screenshots``). The
demo is served from a fresh SQLite database in a temporary directory, so a developer's own demo
database is neither used nor changed.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

from playwright.sync_api import sync_playwright

from tests.browser.chromium import REPO_ROOT, launch_chromium, new_context

SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
STAFF_PERSONA = "ww-beleid"
RESIDENT_MUNICIPALITY = "waalwijk"
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def demo_environment(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "meedoen.conf.dev",
        "DATABASE_URL": f"sqlite:///{database}",
        "DEMO_MODE": "true",
    }


def prepare_demo_database(environment: dict[str, str]) -> None:
    """Migrate and load the demo in this process, which then also knows the URLs and the demo key."""
    os.environ.update(environment)
    # Django and the project are imported only now: the settings they read are the ones set above.
    sys.path.insert(0, str(REPO_ROOT / "src"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=StringIO())


def is_healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextmanager
def demo_server(environment: dict[str, str], log: Path) -> Iterator[str]:
    """Serve the demo with Django's runserver until the block ends; yields its base URL."""
    port = free_port()
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603  (our own manage.py with fixed arguments)
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=REPO_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not is_healthy(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the demo server did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def take_screenshots(base_url: str) -> list[Path]:
    # Imported after django.setup(): these modules read the URLconf and the demo personas.
    from django.urls import reverse

    from tests.browser.journeys import log_in_as_staff

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    landing, workspace = SCREENSHOTS / "landing.png", SCREENSHOTS / "workspace.png"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        # The site's own Content-Security-Policy applies: nothing is injected into these pages.
        page = new_context(browser, enforce_csp=True).new_page()
        page.goto(base_url + reverse("portal:municipality", args=[RESIDENT_MUNICIPALITY]))
        page.screenshot(path=landing, full_page=True)
        log_in_as_staff(page, base_url, STAFF_PERSONA)
        page.screenshot(path=workspace, full_page=True)
        browser.close()
    return [landing, workspace]


def main() -> None:
    with TemporaryDirectory(prefix="meedoen-screenshots-") as scratch:
        environment = demo_environment(Path(scratch) / "demo.sqlite3")
        prepare_demo_database(environment)
        with demo_server(environment, Path(scratch) / "runserver.log") as base_url:
            written = take_screenshots(base_url)
    for path in written:
        sys.stdout.write(f"wrote {path.relative_to(REPO_ROOT)}\n")


if __name__ == "__main__":
    main()
