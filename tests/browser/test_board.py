"""The co-creation board in real browsers: the policy officer opens a session, a participant joins on
a phone-sized page with the code and posts a note, and the note appears on the facilitator's board
and on the screen in the room without a reload; a phone without JavaScript posts too. Every page
passes axe; the screen runs under the site's own Content-Security-Policy without a complaint."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.chromium import WatchedPage, new_context
from tests.browser.journeys import log_in_as_staff

pytestmark = pytest.mark.browser

# The board asks for new notes twice a second, phones once, so a note is on the board well within
# the two seconds the compass promises. The suite asserts no timings (they depend on the machine);
# the measured latency is recorded with the test's result instead.


QUESTION = "Wat moet er over vier jaar anders zijn?"


def open_session(page: Page, demo_site: str, *, check_axe: bool = False) -> str:
    """The policy officer of Waalwijk opens a session; its join code, without the space."""
    log_in_as_staff(page, demo_site, "ww-beleid")
    page.goto(demo_site + reverse("workspace:board-sessions"))
    if check_axe:
        assert_no_axe_violations(page, "the co-creation sessions")
    page.locator("#id_step").select_option("resultaten")
    page.locator("#id_question").fill(QUESTION)
    page.locator("form.meedoen-form button[type=submit]").click()
    return page.locator("#join-code").inner_text().replace(" ", "")


def test_a_participants_note_reaches_the_facilitators_board_without_a_reload(
    browser: Browser, page: Page, demo_site: str, request: pytest.FixtureRequest
):
    code = open_session(page, demo_site, check_axe=True)
    expect(page.locator("#board-poller")).to_have_attribute("hx-trigger", "every 500ms")
    assert_no_axe_violations(page, "the facilitator's board")

    phone = new_context(browser)
    phone.set_default_timeout(10_000)
    participant = phone.new_page()
    participant.set_viewport_size({"width": 375, "height": 740})
    participant.goto(demo_site + reverse("portal:board-join"))
    assert_no_axe_violations(participant, "the join page")
    participant.locator("#id_code").fill(f"{code[:3].lower()} {code[3:].lower()}")
    participant.locator("form.meedoen-form button[type=submit]").click()
    expect(participant.locator("h1")).to_have_text(QUESTION)
    assert_no_axe_violations(participant, "the participant's page")

    participant.locator("#id_text").fill("Eén loket in het buurthuis, zonder afspraak")
    participant.locator("#id_author_name").fill("Anna")
    participant.locator("input[name=participant_kind][value=jongere]").check()
    started = time.monotonic()
    participant.locator("#note-submit").click()
    expect(page.locator("#board-unsorted")).to_contain_text("Eén loket in het buurthuis")
    latency = time.monotonic() - started
    request.node.user_properties.append(("note_to_board_seconds", round(latency, 3)))
    expect(page.locator("#board-unsorted")).to_contain_text("Anna")

    # The participant stays on their page: a fresh form, and their own note marked in the list.
    expect(participant.locator("#note-form [role=status]")).to_be_visible()
    expect(participant.locator("#id_text")).to_have_value("")
    expect(participant.locator("#board-notes .meedoen-note--own")).to_contain_text("Eén loket in het buurthuis")
    assert_no_axe_violations(participant, "the participant's page with their note")
    assert_no_axe_violations(page, "the facilitator's board with a new note")

    # The screen in the room, under the site's Content-Security-Policy: htmx runs without inline
    # styles or scripts, and the next note arrives there too.
    screen_context = new_context(browser, enforce_csp=True)
    screen = WatchedPage(screen_context.new_page())
    screen.watch()
    screen.page.goto(demo_site + reverse("portal:board-screen", args=[code]))
    expect(screen.page.locator("#board-unsorted")).to_contain_text("Eén loket in het buurthuis")
    participant.locator("#id_text").fill("Gratis bus voor ouderen")
    participant.locator("#note-submit").click()
    expect(screen.page.locator("#board-unsorted")).to_contain_text("Gratis bus voor ouderen")
    expect(page.locator("#board-unsorted")).to_contain_text("Gratis bus voor ouderen")
    assert not screen.problems, screen.problems

    # Without JavaScript a phone still posts, and sees the note after the page reloads.
    plain = new_context(browser, javascript=False)
    old_phone = plain.new_page()
    old_phone.goto(demo_site + reverse("portal:board-participate", args=[code]))
    old_phone.locator("#id_text").fill("Hulp bij formulieren in de bibliotheek")
    old_phone.locator("#note-submit").click()
    expect(old_phone.locator("main [role=status]").first).to_be_visible()
    expect(old_phone.locator("#board-notes .meedoen-note--own")).to_contain_text("Hulp bij formulieren")
    expect(page.locator("#board-unsorted")).to_contain_text("Hulp bij formulieren")
    plain.close()

    # The facilitator clusters the notes into a theme; the screen redraws with it.
    page.reload()
    for checkbox in page.locator("#board-unsorted input[type=checkbox]").all():
        checkbox.check()
    page.locator("#new-theme").fill("Dichtbij en drempelloos")
    page.locator("#move-notes button[value=new]").click()
    expect(page.locator("section.meedoen-board__column--theme h2")).to_have_text("Dichtbij en drempelloos")
    expect(screen.page.locator("section.meedoen-board__column--theme")).to_contain_text("Gratis bus voor ouderen")
    assert_no_axe_violations(page, "the facilitator's board with a theme")
    assert not screen.problems, screen.problems
    screen_context.close()
    phone.close()


def test_no_poll_crosses_a_participants_first_note(browser: Browser, page: Page, demo_site: str):
    """While the first note is on its way the phone has no token yet; a poll answered in that time
    would show the note as somebody else's for good. So the phone sends no poll until the post
    has its answer: the post is held back here for longer than two polls take to come round."""
    code = open_session(page, demo_site)
    phone = new_context(browser)
    participant = phone.new_page()
    participate_path = reverse("portal:board-participate", args=[code])
    participant.goto(demo_site + participate_path)

    def hold_the_post(route: Route) -> None:
        if route.request.method == "POST":
            time.sleep(2.5)
        route.continue_()

    phone.route(lambda url: urlsplit(url).path == participate_path, hold_the_post)
    participant.evaluate(
        """() => {
            window.requestsSeen = [];
            for (const name of ["htmx:beforeSend", "htmx:afterRequest"]) {
                document.body.addEventListener(name, (event) => {
                    window.requestsSeen.push(`${name.slice(5)} ${event.detail.requestConfig.verb}`);
                });
            }
        }"""
    )
    participant.locator("#id_text").fill("Eén loket in het buurthuis, zonder afspraak")
    participant.locator("#note-submit").click()
    expect(participant.locator("#note-form [role=status]")).to_be_visible()
    expect(participant.locator("#board-notes .meedoen-note--own")).to_contain_text("Eén loket in het buurthuis")

    seen: list[str] = participant.evaluate("window.requestsSeen")
    posted = seen.index("beforeSend post")
    answered = seen.index("afterRequest post")
    assert "beforeSend get" not in seen[posted:answered], seen
    assert "beforeSend get" in seen[answered:], seen  # and the polls go on after it
    phone.close()
