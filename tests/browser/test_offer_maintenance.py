"""A partner keeps its offers up to date in a real browser: the food bank's maintainer edits one
offer, confirms another that nobody checked for months, and every page on the way passes axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from meedoen.core.models import AuditEvent
from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap.models import Location, Offer
from meedoen.socialmap.tests.factories import make_offer
from tests.browser.axe import assert_no_axe_violations
from tests.browser.journeys import log_in_as_staff

pytestmark = pytest.mark.browser

# Henk Smits keeps the offers of Voedselbank Waalwijk.
PERSONA = "ww-aanbieder"


@pytest.fixture
def food_bank_offers(demo_site: str) -> tuple[Offer, Offer]:
    """The food bank's demo offer, and a second one that nobody checked for eight months."""
    food_bank = Organisation.objects.get(name="Voedselbank Waalwijk")
    parcel = Offer.objects.get(organisation=food_bank, name="Voedselpakket")
    christmas = make_offer(
        food_bank,
        Municipality.objects.get(code="GM0867"),
        name="Kerstpakket",
        description="In december een pakket met iets extra's voor de feestdagen.",
        ways_in=["telefoon"],
    )
    Offer.objects.filter(pk=christmas.pk).update(last_checked=timezone.localdate() - timedelta(days=240))
    return parcel, christmas


def test_a_partner_edits_one_offer_and_confirms_another(page: Page, demo_site: str, food_bank_offers):
    parcel, christmas = food_bank_offers
    our_offers = demo_site + reverse("workspace:socialmap")
    log_in_as_staff(page, demo_site, PERSONA)

    page.locator(f"nav.meedoen-nav a[href='{reverse('workspace:socialmap')}']").click()
    expect(page).to_have_url(our_offers)
    expect(page.locator(f"#offer-{christmas.uuid} .meedoen-stale-flag")).to_be_visible()
    expect(page.locator(f"#offer-{parcel.uuid} .meedoen-stale-flag")).to_have_count(0)
    assert_no_axe_violations(page, "our offers, with a stale offer flagged")

    page.locator(f"form[action='{reverse('workspace:offer-checked', args=[christmas.uuid])}'] button").click()
    expect(page).to_have_url(our_offers)
    expect(page.locator(f"#offer-{christmas.uuid}")).to_be_visible()
    expect(page.locator(f"#offer-{christmas.uuid} .meedoen-stale-flag")).to_have_count(0)
    christmas.refresh_from_db()
    assert christmas.last_checked == timezone.localdate()

    page.locator(f"#offer-{parcel.uuid} a[href='{reverse('workspace:offer-edit', args=[parcel.uuid])}']").click()
    expect(page.locator("#id_name")).to_have_value("Voedselpakket")
    assert_no_axe_violations(page, "the offer form")

    page.locator("#id_name").fill("")
    page.locator("form.meedoen-form button[type=submit]").click()
    summary = page.locator(".meedoen-error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#id_name']")).to_be_visible()
    expect(page.locator("#id_name")).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violations(page, "the offer form with an error")

    page.locator("#id_name").fill("Voedselpakket voor gezinnen")
    page.locator("input[name=languages][value=ar]").check()
    page.locator("form.meedoen-form button[type=submit]").click()
    expect(page).to_have_url(our_offers)
    expect(page.locator(f"#offer-{parcel.uuid} th")).to_have_text("Voedselpakket voor gezinnen")
    parcel.refresh_from_db()
    assert parcel.name == "Voedselpakket voor gezinnen"
    assert "ar" in parcel.languages
    assert AuditEvent.objects.filter(action="offer.update", object_id=str(parcel.pk)).exists()

    page.goto(demo_site + reverse("workspace:offer-delete", args=[parcel.uuid]))
    assert_no_axe_violations(page, "the question before deleting an offer")

    page.goto(demo_site + reverse("workspace:locations"))
    place = Location.objects.get(organisation=parcel.organisation, name="Voedselbank, uitgiftepunt")
    expect(page.locator(f"#location-{place.uuid}")).to_be_visible()
    assert_no_axe_violations(page, "our places")
    page.locator(f"#location-{place.uuid} a").click()
    expect(page.locator("#id_day6_opens_1")).to_have_value("10:00")
    assert_no_axe_violations(page, "the place form")


def test_an_offer_is_confirmed_and_saved_without_javascript(
    page_without_javascript: Page, demo_site: str, food_bank_offers
):
    page = page_without_javascript
    parcel, christmas = food_bank_offers
    log_in_as_staff(page, demo_site, PERSONA)
    page.goto(demo_site + reverse("workspace:socialmap"))

    page.locator(f"form[action='{reverse('workspace:offer-checked', args=[christmas.uuid])}'] button").click()
    expect(page.locator(f"#offer-{christmas.uuid} .meedoen-stale-flag")).to_have_count(0)

    page.goto(demo_site + reverse("workspace:offer-edit", args=[parcel.uuid]))
    page.locator("#id_description").fill("Elke week boodschappen voor wie weinig geld heeft.")
    page.locator("form.meedoen-form button[type=submit]").click()
    expect(page).to_have_url(demo_site + reverse("workspace:socialmap"))
    parcel.refresh_from_db()
    assert parcel.description == "Elke week boodschappen voor wie weinig geld heeft."
