"""Partner staff keep their own organisation's offers and places in the workspace, and only theirs;
policy staff read the whole social map; offers nobody checked for six months are flagged."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meedoen.areas.models import Area
from meedoen.areas.tests.factories import NeighbourhoodFactory
from meedoen.core.access import Role
from meedoen.core.models import AuditEvent
from meedoen.organisations.tests.factories import MembershipFactory, OrganisationFactory
from meedoen.socialmap.models import Location, Offer, OpeningHours
from meedoen.socialmap.selectors import stale_on_or_before
from meedoen.socialmap.tests.factories import make_location, make_offer

LOGIN, OK, FORBIDDEN = "login", 200, 403
NOT_LOGGED_IN = {"anonymous", "resident", "second_resident", "no_second_factor"}
STAFF = [
    "ww_policy",
    "ww_caseworker",
    "ww_early_signals",
    "ww_offer_maintainer",
    "ww_application_manager",
    "ww_auditor",
    "ms_auditor",
    "ms_application_manager",
]
READERS = {"ww_policy", "ww_caseworker", "ww_application_manager", "ms_application_manager"}
PAGES = {
    "workspace:socialmap": {"ww_offer_maintainer", *READERS},
    "workspace:offer-create": {"ww_offer_maintainer"},
    "workspace:locations": {"ww_offer_maintainer"},
    "workspace:location-create": {"ww_offer_maintainer"},
}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ARABIC_NAME = "\u0645\u0633\u0627\u0639\u062f\u0629 \u0644\u064a\u0644\u0649"  # "Laila's help", invented


def expected(page: str, persona: str) -> int | str:
    if persona in NOT_LOGGED_IN:
        return LOGIN
    return OK if persona in PAGES[page] else FORBIDDEN


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("persona", [*sorted(NOT_LOGGED_IN), "no_role", *STAFF])
def test_social_map_page_access(client_as, page, persona):
    events_before = AuditEvent.objects.count()
    response = client_as(persona).get(reverse(page))
    outcome = expected(page, persona)
    if outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == outcome
    assert AuditEvent.objects.count() == events_before


def row_of(content: str, name: str) -> str:
    """The table row that shows ``name``."""
    rows = [row for row in re.split(r"<tr\b", content) if f">{name}<" in row]
    assert len(rows) == 1, f"expected one row with {name!r}, found {len(rows)}"
    return rows[0]


def error_summary_links(content: str) -> list[str]:
    summary = content.split('class="utrecht-alert utrecht-alert--error meedoen-error-summary"', 1)[1].split("</div>")[0]
    return re.findall(r'href="#([^"]+)"', summary)


def offer_data(**changes):
    """A complete, valid offer form; a value of None leaves the field out (an unticked box)."""
    data = {
        "name": "Voedselpakket",
        "description": "Elke week een pakket met boodschappen.",
        "status": "active",
        "themes": ["voedsel"],
        "target_groups": ["gezinnen-met-kinderen"],
        "conditions": "Na een intake.",
        "income_limit_percent": "120",
        "minimum_age": "18",
        "maximum_age": "",
        "residents_only": "on",
        "is_free": "on",
        "costs": "",
        "ways_in": ["telefoon", "email"],
        "application_process": "Bel ons voor een afspraak.",
        "languages": ["nl", "ar"],
        "locations": [],
        "phone": "0416 123456",
        "whatsapp": "",
        "email": "info@voedselbank.example",
        "url": "https://voedselbank.example/pakket",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def location_data(**changes):
    data = {
        "name": "Uitgiftepunt",
        "description": "",
        "street_address": "Industrieweg 7",
        "postal_code": "5145 JK",
        "city": "Waalwijk",
        "area": "WK086700",
        "accessibility": "Geen drempel bij de ingang.",
        "transportation": "Bushalte Industrieweg op 100 meter.",
        "day6_opens_1": "10:00",
        "day6_closes_1": "13:00",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def age(offer: Offer, days: int) -> None:
    Offer.objects.filter(pk=offer.pk).update(last_checked=timezone.localdate() - timedelta(days=days))


# --- what a maintainer sees -------------------------------------------------------------------------


def test_a_maintainer_sees_only_their_own_organisations_offers(client_as, world):
    make_offer(world.ww_foodbank, world.waalwijk, name="Voedselpakket")
    make_offer(world.ww_team, world.waalwijk, name="Bijzondere bijstand")
    content = client_as("ww_offer_maintainer").get(reverse("workspace:socialmap")).content.decode()
    assert ">Voedselpakket<" in content
    assert "Bijzondere bijstand" not in content


def test_a_maintainer_does_not_see_their_offers_of_another_municipality(client_as, world):
    world.ww_foodbank.municipalities.add(world.meerssen)
    make_offer(world.ww_foodbank, world.meerssen, name="Pakket Meerssen")
    content = client_as("ww_offer_maintainer").get(reverse("workspace:socialmap")).content.decode()
    assert "Pakket Meerssen" not in content


def test_the_module_links_to_the_social_map_for_its_roles_only(client_as):
    link = f'href="{reverse("workspace:socialmap")}"'
    assert link in client_as("ww_offer_maintainer").get(reverse("workspace:home")).content.decode()
    assert link in client_as("ww_policy").get(reverse("workspace:home")).content.decode()
    assert link not in client_as("ww_early_signals").get(reverse("workspace:home")).content.decode()


def test_stale_offers_are_flagged_to_the_maintainer(client_as, world):
    stale = make_offer(world.ww_foodbank, world.waalwijk, name="Kerstpakket")
    fresh = make_offer(world.ww_foodbank, world.waalwijk, name="Voedselpakket")
    age(stale, 200)
    age(fresh, 30)
    content = client_as("ww_offer_maintainer").get(reverse("workspace:socialmap")).content.decode()
    assert "meedoen-stale-flag" in row_of(content, "Kerstpakket")
    assert "meedoen-stale-flag" not in row_of(content, "Voedselpakket")
    assert content.count("utrecht-alert--warning") == 1


def test_six_months_to_the_day_is_stale_and_a_day_less_is_not(client_as, world):
    today = timezone.localdate()
    exactly = make_offer(world.ww_foodbank, world.waalwijk, name="Precies zes maanden")
    almost = make_offer(world.ww_foodbank, world.waalwijk, name="Bijna zes maanden")
    Offer.objects.filter(pk=exactly.pk).update(last_checked=stale_on_or_before(today))
    Offer.objects.filter(pk=almost.pk).update(last_checked=stale_on_or_before(today) + timedelta(days=1))
    content = client_as("ww_offer_maintainer").get(reverse("workspace:socialmap")).content.decode()
    assert "meedoen-stale-flag" in row_of(content, "Precies zes maanden")
    assert "meedoen-stale-flag" not in row_of(content, "Bijna zes maanden")


@pytest.mark.parametrize(
    ("today", "threshold"),
    [
        (date(2026, 11, 28), date(2026, 5, 28)),
        (date(2026, 3, 15), date(2025, 9, 15)),
        (date(2026, 8, 31), date(2026, 2, 28)),
        (date(2028, 8, 31), date(2028, 2, 29)),
        (date(2026, 1, 1), date(2025, 7, 1)),
    ],
)
def test_six_months_back_are_calendar_months(today, threshold):
    assert stale_on_or_before(today) == threshold


# --- what the readers see ---------------------------------------------------------------------------


def test_the_application_manager_sees_the_stale_offers_of_all_partners(client_as, world):
    team = make_offer(world.ww_team, world.waalwijk, name="Bijzondere bijstand")
    foodbank = make_offer(world.ww_foodbank, world.waalwijk, name="Voedselpakket")
    make_offer(world.ww_foodbank, world.waalwijk, name="Kledingbank")
    make_offer(world.ms_team, world.meerssen, name="Meedoenpas Meerssen")
    age(team, 250)
    age(foodbank, 190)
    client = client_as("ww_application_manager")

    content = client.get(reverse("workspace:socialmap")).content.decode()
    assert "meedoen-stale-flag" in row_of(content, "Bijzondere bijstand")
    assert "meedoen-stale-flag" in row_of(content, "Voedselpakket")
    assert "meedoen-stale-flag" not in row_of(content, "Kledingbank")
    assert "Meedoenpas Meerssen" not in content
    assert "utrecht-alert--warning" in content

    only_stale = client.get(reverse("workspace:socialmap"), {"verouderd": "1"}).content.decode()
    assert ">Bijzondere bijstand<" in only_stale
    assert ">Voedselpakket<" in only_stale
    assert "Kledingbank" not in only_stale


def test_readers_see_every_offer_without_ways_to_change_them(client_as, world):
    offer = make_offer(world.ww_foodbank, world.waalwijk, name="Voedselpakket")
    content = client_as("ww_policy").get(reverse("workspace:socialmap")).content.decode()
    assert ">Voedselpakket<" in content
    assert reverse("workspace:offer-edit", args=[offer.uuid]) not in content
    assert reverse("workspace:offer-checked", args=[offer.uuid]) not in content
    assert reverse("workspace:offer-create") not in content


def test_the_readers_list_is_paged(client_as, world):
    for number in range(53):
        make_offer(world.ww_team, world.waalwijk, name=f"Aanbod {number:02d}")
    client = client_as("ww_policy")
    first = client.get(reverse("workspace:socialmap")).content.decode()
    second = client.get(reverse("workspace:socialmap"), {"pagina": "2"}).content.decode()
    assert ">Aanbod 00<" in first
    assert "Aanbod 52" not in first
    assert ">Aanbod 52<" in second


# --- who may change what ----------------------------------------------------------------------------


def test_a_maintainer_edits_their_own_offer_and_it_is_audited(client_as, personas, world):
    place = make_location(world.ww_foodbank, world.waalwijk, name="Uitgiftepunt")
    offer = make_offer(world.ww_foodbank, world.waalwijk, name="Pakket")
    age(offer, 300)
    response = client_as("ww_offer_maintainer").post(
        reverse("workspace:offer-edit", args=[offer.uuid]), offer_data(locations=[str(place.pk)])
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.name == "Voedselpakket"
    assert offer.ways_in == ["telefoon", "email"]
    assert offer.languages == ["nl", "ar"]
    assert (offer.income_limit_percent, offer.minimum_age, offer.maximum_age) == (120, 18, None)
    assert offer.residents_only is True
    assert offer.url == "https://voedselbank.example/pakket"
    assert [term.code for term in offer.themes.all()] == ["voedsel"]
    assert [term.code for term in offer.target_groups.all()] == ["gezinnen-met-kinderen"]
    assert [link.location for link in offer.offer_locations.all()] == [place]
    assert offer.last_checked == timezone.localdate()
    record = AuditEvent.objects.get(action="offer.update", object_id=str(offer.pk))
    assert record.actor_id == personas["ww_offer_maintainer"].pk
    assert record.organisation_id == world.ww_foodbank.pk
    assert "name" in record.details["fields"]


def test_the_edit_form_shows_what_the_offer_says_now(client_as, world):
    place = make_location(world.ww_foodbank, world.waalwijk, name="Uitgiftepunt")
    offer = make_offer(
        world.ww_foodbank,
        world.waalwijk,
        name="Pakket",
        themes=("voedsel",),
        locations=(place,),
        ways_in=["whatsapp"],
        languages=["nl", "it"],
    )
    content = client_as("ww_offer_maintainer").get(reverse("workspace:offer-edit", args=[offer.uuid])).content.decode()
    assert 'value="Pakket"' in content
    assert re.search(r'value="voedsel"[^>]*checked', content)
    assert re.search(r'value="whatsapp"[^>]*checked', content)
    assert re.search(rf'value="{place.pk}"[^>]*checked', content)
    # A language outside the usual list, say from an import, stays and stays ticked.
    assert re.search(r'value="it"[^>]*checked', content)


def test_saving_an_offer_keeps_a_language_outside_the_list(client_as, world):
    offer = make_offer(world.ww_foodbank, world.waalwijk, name="Pakket", languages=["nl", "it"])
    response = client_as("ww_offer_maintainer").post(
        reverse("workspace:offer-edit", args=[offer.uuid]), offer_data(languages=["it", "nl"])
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.languages == ["nl", "it"]


def test_a_maintainer_adds_an_offer_of_their_organisation(client_as, world):
    response = client_as("ww_offer_maintainer").post(reverse("workspace:offer-create"), offer_data())
    assert response.status_code == 302
    offer = Offer.objects.get(name="Voedselpakket")
    assert offer.organisation == world.ww_foodbank
    assert list(offer.municipalities.all()) == [world.waalwijk]
    assert AuditEvent.objects.filter(action="offer.create", object_id=str(offer.pk)).exists()


def test_an_offer_of_another_organisation_is_not_found_by_its_address(client_as, world):
    theirs = make_offer(world.ww_team, world.waalwijk, name="Bijzondere bijstand")
    before = Offer.objects.values().get(pk=theirs.pk)
    events_before = AuditEvent.objects.count()
    client = client_as("ww_offer_maintainer")
    assert client.get(reverse("workspace:offer-edit", args=[theirs.uuid])).status_code == 404
    assert client.post(reverse("workspace:offer-edit", args=[theirs.uuid]), offer_data()).status_code == 404
    assert client.post(reverse("workspace:offer-checked", args=[theirs.uuid])).status_code == 404
    assert client.get(reverse("workspace:offer-delete", args=[theirs.uuid])).status_code == 404
    assert client.post(reverse("workspace:offer-delete", args=[theirs.uuid])).status_code == 404
    assert Offer.objects.values().get(pk=theirs.pk) == before
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize("persona", ["ww_policy", "ww_caseworker", "ww_application_manager", "ms_application_manager"])
def test_staff_without_the_role_aanbieder_cannot_change_offers(client_as, world, persona):
    offer = make_offer(world.ww_foodbank, world.waalwijk, name="Voedselpakket")
    before = Offer.objects.values().get(pk=offer.pk)
    events_before = AuditEvent.objects.count()
    client = client_as(persona)
    assert client.get(reverse("workspace:offer-edit", args=[offer.uuid])).status_code == 403
    assert (
        client.post(reverse("workspace:offer-edit", args=[offer.uuid]), offer_data(name="Gekaapt")).status_code == 403
    )
    assert client.post(reverse("workspace:offer-checked", args=[offer.uuid])).status_code == 403
    assert client.post(reverse("workspace:offer-delete", args=[offer.uuid])).status_code == 403
    assert client.post(reverse("workspace:offer-create"), offer_data(name="Namens een ander")).status_code == 403
    assert Offer.objects.values().get(pk=offer.pk) == before
    assert not Offer.objects.filter(name="Namens een ander").exists()
    assert AuditEvent.objects.count() == events_before


def test_an_offer_shared_with_a_municipality_where_the_maintainer_has_no_role_is_read_only(client_as, personas, world):
    regional = OrganisationFactory(name="Energie Zuid", municipalities=[world.waalwijk, world.meerssen])
    MembershipFactory(
        user=personas["ww_offer_maintainer"],
        organisation=regional,
        municipality=world.waalwijk,
        role=Role.OFFER_MAINTAINER,
    )
    shared = make_offer(regional, world.waalwijk, name="Betalingsregeling")
    shared.municipalities.add(world.meerssen)
    client = client_as("ww_offer_maintainer")
    content = client.get(reverse("workspace:socialmap")).content.decode()
    assert ">Betalingsregeling<" in content
    assert reverse("workspace:offer-edit", args=[shared.uuid]) not in content
    assert client.get(reverse("workspace:offer-edit", args=[shared.uuid])).status_code == 403
    assert client.post(reverse("workspace:offer-checked", args=[shared.uuid])).status_code == 403


@pytest.fixture
def regional(personas, world):
    """A partner in Waalwijk and Meerssen, whose offers the Waalwijk maintainer keeps in both."""
    organisation = OrganisationFactory(name="Energie Zuid", municipalities=[world.waalwijk, world.meerssen])
    for municipality in (world.waalwijk, world.meerssen):
        MembershipFactory(
            user=personas["ww_offer_maintainer"],
            organisation=organisation,
            municipality=municipality,
            role=Role.OFFER_MAINTAINER,
        )
    return organisation


@pytest.mark.parametrize("chosen", ["99999999999999999999", "²", "-1"])
def test_a_municipality_that_cannot_be_an_id_is_refused_by_name(client_as, regional, chosen):
    client = client_as("ww_offer_maintainer")

    response = client.post(
        reverse("workspace:offer-create"),
        offer_data(name="Betalingsregeling", organisation=str(regional.pk), municipalities=[chosen]),
    )

    assert response.status_code == 400
    assert "municipalities" in response.context["form"].errors
    assert not Offer.objects.filter(name="Betalingsregeling").exists()


def test_a_maintainer_in_two_municipalities_chooses_where_an_offer_is_given(client_as, world, regional):
    client = client_as("ww_offer_maintainer")
    client.post(reverse("workspace:switch-municipality"), {"municipality": world.waalwijk.pk})
    form = client.get(reverse("workspace:offer-create")).content.decode()
    assert 'name="organisation"' in form
    assert 'name="municipalities"' in form
    response = client.post(
        reverse("workspace:offer-create"),
        offer_data(
            name="Betalingsregeling",
            organisation=str(regional.pk),
            municipalities=[str(world.waalwijk.pk), str(world.meerssen.pk)],
        ),
    )
    assert response.status_code == 302
    offer = Offer.objects.get(name="Betalingsregeling")
    assert offer.organisation == regional
    assert set(offer.municipalities.all()) == {world.waalwijk, world.meerssen}
    # The food bank works only in Waalwijk, so it cannot offer in Meerssen.
    refused = client.post(
        reverse("workspace:offer-create"),
        offer_data(
            name="Pakket in Meerssen",
            organisation=str(world.ww_foodbank.pk),
            municipalities=[str(world.meerssen.pk)],
        ),
    )
    assert refused.status_code == 400
    assert "id_municipalities" in error_summary_links(refused.content.decode())
    assert not Offer.objects.filter(name="Pakket in Meerssen").exists()


def test_marking_an_offer_as_still_correct(client_as, personas, world):
    offer = make_offer(world.ww_foodbank, world.waalwijk, name="Voedselpakket")
    age(offer, 200)
    client = client_as("ww_offer_maintainer")
    assert client.get(reverse("workspace:offer-checked", args=[offer.uuid])).status_code == 405
    offer.refresh_from_db()
    assert offer.last_checked < timezone.localdate()

    response = client.post(reverse("workspace:offer-checked", args=[offer.uuid]))
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.last_checked == timezone.localdate()
    record = AuditEvent.objects.get(action="offer.checked", object_id=str(offer.pk))
    assert record.actor_id == personas["ww_offer_maintainer"].pk
    content = client.get(reverse("workspace:socialmap")).content.decode()
    assert "meedoen-stale-flag" not in row_of(content, "Voedselpakket")


def test_deleting_an_offer_asks_first(client_as, world):
    offer = make_offer(world.ww_foodbank, world.waalwijk, name="Voedselpakket")
    client = client_as("ww_offer_maintainer")
    confirmation = client.get(reverse("workspace:offer-delete", args=[offer.uuid]))
    assert confirmation.status_code == 200
    assert Offer.objects.filter(pk=offer.pk).exists()
    assert 'method="post"' in confirmation.content.decode()

    response = client.post(reverse("workspace:offer-delete", args=[offer.uuid]))
    assert response.status_code == 302
    assert not Offer.objects.filter(pk=offer.pk).exists()
    assert AuditEvent.objects.filter(action="offer.delete", object_id=str(offer.pk)).exists()


# --- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"description": ""}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"status": "gesloten"}, "status"),
        ({"themes": ["geen-thema"]}, "themes"),
        ({"target_groups": ["voedsel"]}, "target_groups"),
        ({"income_limit_percent": "0"}, "income_limit_percent"),
        ({"income_limit_percent": "501"}, "income_limit_percent"),
        ({"income_limit_percent": "99999999999999999999999"}, "income_limit_percent"),
        ({"income_limit_percent": "120%"}, "income_limit_percent"),
        ({"minimum_age": "-1"}, "minimum_age"),
        ({"maximum_age": "131"}, "maximum_age"),
        ({"minimum_age": "65", "maximum_age": "18"}, "maximum_age"),
        ({"is_free": None, "costs": ""}, "costs"),
        ({"ways_in": ["postduif"]}, "ways_in"),
        ({"languages": ["klingon"]}, "languages"),
        ({"languages": ["=cmd|' /C calc'!A0"]}, "languages"),
        ({"locations": ["999999"]}, "locations"),
        ({"phone": "<script>"}, "phone"),
        ({"phone": "=1+1"}, "phone"),
        ({"whatsapp": "bel me"}, "whatsapp"),
        ({"email": "geen-adres"}, "email"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "ftp://voedselbank.example/"}, "url"),
        ({"name": "stuur\x01teken"}, "name"),
        ({"name": "Pakket \u202egnidoov"}, "name"),  # a direction override: reads otherwise than stored
        ({"name": "Voedsel\u200bpakket"}, "name"),  # a zero-width space
        ({"name": "Voedsel\tpakket"}, "name"),  # a tab is text in a description, not in a name
        ({"description": "Kom langs\x1b[31m"}, "description"),
        ({"description": "Kom \x93gewoon\x94 langs"}, "description"),  # C1 controls: the wrong code page
        ({"conditions": "Na een \u2067intake\u2069"}, "conditions"),  # a direction isolate
        ({"costs": "\ufeff5 euro", "is_free": None}, "costs"),  # a byte order mark
    ],
)
def test_the_offer_form_refuses_bad_input_and_names_the_field(client_as, world, changes, field):
    offer = make_offer(world.ww_foodbank, world.waalwijk, name="Voedselpakket")
    before = Offer.objects.values().get(pk=offer.pk)
    events_before = AuditEvent.objects.count()
    response = client_as("ww_offer_maintainer").post(
        reverse("workspace:offer-edit", args=[offer.uuid]), offer_data(**changes)
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert error_summary_links(content) == [f"id_{field}"]
    assert f'id="id_{field}_error"' in content
    assert Offer.objects.values().get(pk=offer.pk) == before
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize(
    ("name", "said"),
    [
        (
            "Pakket \u202egnidoov",
            "Naam: Na “Pakket” staat een onzichtbaar teken. Typ dat stuk opnieuw, zonder te plakken.",
        ),
        (
            "\u200bVoedselpakket",
            "Naam: Aan het begin staat een onzichtbaar teken. Typ het begin opnieuw, zonder te plakken.",
        ),
        ("Voedsel\tpakket", "Naam: Haal de tabs en regeleinden weg."),  # a tab is no invisible character
    ],
)
def test_an_invisible_character_is_refused_in_words_that_say_where_it_is(client_as, world, name, said):
    response = client_as("ww_offer_maintainer").post(reverse("workspace:offer-create"), offer_data(name=name))
    assert response.status_code == 400
    assert said in response.content.decode()
    assert not Offer.objects.exists()


def test_the_offer_form_keeps_text_people_write_as_it_is(client_as, world):
    written = {
        "name": f"\u200f{ARABIC_NAME}",  # an Arabic name with a right-to-left mark, which stays
        "description": "Elke week een pakket.\n\n\tBel eerst, dan krijg je een afspraak.\r\nTot ziens!",
        "conditions": "Crème, geëerd, één, café, \u2019s-Hertogenbosch, IJssel, Zoë Üçüncü",
        "application_process": "Bel de arbeids\u00adongeschiktheids\u00adconsulent op\u00a0maandag.",  # from Word
    }
    response = client_as("ww_offer_maintainer").post(reverse("workspace:offer-create"), offer_data(**written))
    assert response.status_code == 302
    offer = Offer.objects.get(organisation=world.ww_foodbank)
    assert {field: getattr(offer, field) for field in written} == written


def test_a_place_in_another_municipality_cannot_be_chosen(client_as, world):
    elsewhere = make_location(world.ms_team, world.meerssen, name="Gemeentehuis Meerssen")
    response = client_as("ww_offer_maintainer").post(
        reverse("workspace:offer-create"), offer_data(locations=[str(elsewhere.pk)])
    )
    assert response.status_code == 400
    assert error_summary_links(response.content.decode()) == ["id_locations"]
    assert not Offer.objects.filter(name="Voedselpakket").exists()


def test_hostile_text_is_stored_as_text_and_shown_escaped(client_as, world):
    client = client_as("ww_offer_maintainer")
    response = client.post(
        reverse("workspace:offer-create"),
        offer_data(name=HOSTILE[:200], description=HOSTILE, conditions=HOSTILE, costs=HOSTILE),
    )
    assert response.status_code == 302
    offer = Offer.objects.get(organisation=world.ww_foodbank)
    assert offer.name == HOSTILE[:200]
    assert offer.description == HOSTILE
    for page in (reverse("workspace:socialmap"), reverse("workspace:offer-edit", args=[offer.uuid])):
        content = client.get(page).content.decode()
        assert "<script>alert" not in content
        assert "<img src=x" not in content
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content
    readers = client_as("ww_policy").get(reverse("workspace:socialmap")).content.decode()
    assert "<script>alert" not in readers
    assert "&lt;script&gt;" in readers


# --- places -----------------------------------------------------------------------------------------


def test_a_maintainer_adds_a_place_with_opening_hours(client_as, personas, world):
    response = client_as("ww_offer_maintainer").post(
        reverse("workspace:location-create"),
        location_data(
            postal_code="5145jk",
            day1_opens_1="09:00",
            day1_closes_1="12:00",
            day1_opens_2="13:00",
            day1_closes_2="16:30",
        ),
    )
    assert response.status_code == 302
    location = Location.objects.get(name="Uitgiftepunt")
    assert location.organisation == world.ww_foodbank
    assert location.municipality == world.waalwijk
    assert location.postal_code == "5145 JK"
    assert location.area == Area.objects.get(code="WK086700")
    hours = [(entry.weekday, entry.opens_at, entry.closes_at) for entry in location.opening_hours.all()]
    assert hours == [
        (1, time(9), time(12)),
        (1, time(13), time(16, 30)),
        (6, time(10), time(13)),
    ]
    record = AuditEvent.objects.get(action="location.create", object_id=str(location.pk))
    assert record.actor_id == personas["ww_offer_maintainer"].pk


def test_a_maintainer_changes_the_opening_hours_of_their_place(client_as, world):
    location = make_location(world.ww_foodbank, world.waalwijk, name="Uitgiftepunt")
    OpeningHours.objects.create(location=location, weekday=2, opens_at=time(9), closes_at=time(11))
    client = client_as("ww_offer_maintainer")
    form = client.get(reverse("workspace:location-edit", args=[location.uuid])).content.decode()
    assert 'name="day2_opens_1" value="09:00"' in form
    response = client.post(reverse("workspace:location-edit", args=[location.uuid]), location_data())
    assert response.status_code == 302
    assert [(entry.weekday, entry.opens_at) for entry in location.opening_hours.all()] == [(6, time(10))]
    assert AuditEvent.objects.filter(action="location.update", object_id=str(location.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"day1_opens_1": "12:00", "day1_closes_1": "09:00"}, "day1_closes_1"),
        ({"day1_opens_1": "09:00", "day1_closes_1": "09:00"}, "day1_closes_1"),
        ({"day3_opens_1": "09:00"}, "day3_closes_1"),
        ({"day3_closes_1": "17:00"}, "day3_opens_1"),
        ({"day6_opens_2": "12:00", "day6_closes_2": "15:00"}, "day6_opens_2"),
        ({"day4_opens_1": "25:00", "day4_closes_1": "12:00"}, "day4_opens_1"),
        ({"day4_opens_1": "<b>9</b>", "day4_closes_1": "12:00"}, "day4_opens_1"),
        ({"postal_code": "12345"}, "postal_code"),
        ({"postal_code": "0123 AB"}, "postal_code"),
        ({"area": "WK093800"}, "area"),
        ({"area": "GM0867"}, "area"),
        ({"name": ""}, "name"),
        ({"street_address": ""}, "street_address"),
        ({"city": "x" * 101}, "city"),
        ({"name": "Uitgifte\x85punt"}, "name"),  # a C1 control
        ({"street_address": "Industrieweg\u202e 7"}, "street_address"),  # a direction override
        ({"street_address": "Industrieweg\n7"}, "street_address"),  # a line break in a one-line field
        ({"city": "Waal\u200bwijk"}, "city"),  # a zero-width space
        ({"accessibility": "Geen drempel\u202d bij de ingang"}, "accessibility"),
    ],
)
def test_the_place_form_refuses_bad_input_and_names_the_field(client_as, world, changes, field):
    location = make_location(world.ww_foodbank, world.waalwijk, name="Uitgiftepunt")
    before = Location.objects.values().get(pk=location.pk)
    events_before = AuditEvent.objects.count()
    response = client_as("ww_offer_maintainer").post(
        reverse("workspace:location-edit", args=[location.uuid]), location_data(**changes)
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert error_summary_links(content) == [f"id_{field}"]
    assert f'id="id_{field}_error"' in content
    assert Location.objects.values().get(pk=location.pk) == before
    assert AuditEvent.objects.count() == events_before


def test_the_place_form_keeps_text_people_write_as_it_is(client_as, world):
    written = {
        "name": "\u05de\u05e8\u05db\u05d6 \u05d3\u05e0\u05d4\u200e 2",  # a Hebrew name, a left-to-right mark
        "street_address": "Prinses Máximalaan 12",
        "city": "\u2019s-Hertogenbosch",
        "accessibility": "Geen drempel.\nEen lift naar de eerste\u00a0verdieping.\n\tVraag de gastvrouw.",
    }
    response = client_as("ww_offer_maintainer").post(
        reverse("workspace:location-create"), location_data(**written, area="")
    )
    assert response.status_code == 302
    location = Location.objects.get(organisation=world.ww_foodbank)
    assert {field: getattr(location, field) for field in written} == written


def test_a_place_linked_to_a_neighbourhood_keeps_it_when_saved(client_as, world):
    district = Area.objects.get(code="WK086700")
    neighbourhood = NeighbourhoodFactory(code="BU08670001", name="Centrum", parent=district)
    location = make_location(world.ww_foodbank, world.waalwijk, name="Uitgiftepunt", area=neighbourhood)
    response = client_as("ww_offer_maintainer").post(
        reverse("workspace:location-edit", args=[location.uuid]), location_data(area="BU08670001")
    )
    assert response.status_code == 302
    location.refresh_from_db()
    assert location.area == neighbourhood


def test_places_of_other_organisations_are_not_found_by_their_address(client_as, world):
    theirs = make_location(world.ww_team, world.waalwijk, name="Stadhuis")
    before = Location.objects.values().get(pk=theirs.pk)
    client = client_as("ww_offer_maintainer")
    assert client.get(reverse("workspace:location-edit", args=[theirs.uuid])).status_code == 404
    assert client.post(reverse("workspace:location-edit", args=[theirs.uuid]), location_data()).status_code == 404
    assert ">Stadhuis<" not in client.get(reverse("workspace:locations")).content.decode()
    assert Location.objects.values().get(pk=theirs.pk) == before


def test_staff_without_the_role_aanbieder_cannot_change_places(client_as, world):
    location = make_location(world.ww_foodbank, world.waalwijk, name="Uitgiftepunt")
    client = client_as("ww_application_manager")
    assert (
        client.post(reverse("workspace:location-edit", args=[location.uuid]), location_data(name="X")).status_code
        == 403
    )
    assert client.post(reverse("workspace:location-create"), location_data(name="X")).status_code == 403
    assert not Location.objects.filter(name="X").exists()


def test_hostile_text_in_a_place_is_shown_escaped(client_as, world):
    client = client_as("ww_offer_maintainer")
    response = client.post(
        reverse("workspace:location-create"), location_data(name=HOSTILE[:200], accessibility=HOSTILE)
    )
    assert response.status_code == 302
    assert Location.objects.get(organisation=world.ww_foodbank).accessibility == HOSTILE
    content = client.get(reverse("workspace:locations")).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;" in content
    offer_form = client.get(reverse("workspace:offer-create")).content.decode()
    assert "<script>alert" not in offer_form
    assert "&lt;script&gt;" in offer_form
