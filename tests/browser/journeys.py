"""Steps that several browser tests and the screenshot script take: the staff login in two steps."""

from __future__ import annotations

from django.urls import reverse
from django_otp.oath import TOTP
from playwright.sync_api import Page

from meedoen.demo.personas import DEMO_PASSWORD, DEMO_TOTP_KEY_HEX


def demo_code(*, drift: int = 0) -> str:
    """The code an authenticator app with the demo key shows now (or ``drift`` periods away)."""
    totp = TOTP(bytes.fromhex(DEMO_TOTP_KEY_HEX), step=30, digits=6, drift=drift)
    return f"{totp.token():06d}"


def wrong_demo_code() -> str:
    """A well-formed code the server refuses now.

    The server also accepts the codes of the neighbouring periods, and the clock may pass into the
    next period before the code is sent, so none of those may be chosen.
    """
    accepted = {demo_code(drift=drift) for drift in range(-1, 3)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def enter_password(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base_url + reverse("accounts:login"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form", has=page.locator("#id_password")).locator("button[type=submit]").click()


def enter_code(page: Page, code: str) -> None:
    page.locator("#id_code").fill(code)
    page.locator("form", has=page.locator("#id_code")).locator("button[type=submit]").click()


def log_in_as_staff(page: Page, base_url: str, username: str, *, lands_on: str = "workspace:home") -> None:
    """Password, then the code of the second factor; ``lands_on`` names the page the login ends on
    (a creditor's signal deliverer is sent on from the workspace to its deliveries)."""
    enter_password(page, base_url, username)
    page.wait_for_url(f"**{reverse('accounts:login-code')}")
    enter_code(page, demo_code())
    page.wait_for_url(f"**{reverse(lands_on)}")
