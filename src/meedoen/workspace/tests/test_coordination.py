"""Coordination view of the social map: offers per theme x target group x district, gaps and
fragmentation, as a heat map page and as CSV, for policy staff and application managers only."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from meedoen.areas.models import Area
from meedoen.areas.tests.factories import NeighbourhoodFactory
from meedoen.core.access import Actor, Grant, Role
from meedoen.core.models import AuditEvent
from meedoen.socialmap.models import TaxonomyTerm
from meedoen.socialmap.selectors import Coverage, coordination_matrix
from meedoen.socialmap.taxonomy import TARGET_GROUPS, THEMES
from meedoen.socialmap.tests.factories import districts_in, make_location, make_offer, phone_offer, walk_in_offer
from meedoen.workspace.coordination_views import CSV_COLUMNS

pytestmark = pytest.mark.django_db

PAGE = reverse("workspace:coordination")
CSV = reverse("workspace:coordination-csv")


def in_english(client):
    """The pages are Dutch unless the visitor chose English with the language switch."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def staff_actor(world, role, municipality=None):
    municipality = municipality or world.waalwijk
    return Actor(
        user_id=99,
        label=f"test-{role}",
        grants=frozenset([Grant(municipality.pk, world.ww_team.pk, role)]),
        second_factor=True,
    )


@pytest.fixture
def social_map(world):
    """A small constructed map of Waalwijk's three districts, and one offer in Meerssen.

    voedsel x gezinnen: three walk-ins in district 0 (fragmentation there), none elsewhere;
    voedsel x ouderen: one phone line, so in every district;
    schulden and inkomen x mensen met schulden: one place in a neighbourhood of district 1;
    kleding x jongeren: one place without an area, so only in the municipality as a whole.
    """
    d0, d1, d2 = districts_in(world.waalwijk)
    neighbourhood = NeighbourhoodFactory(parent=d1)
    in_d0 = make_location(world.ww_foodbank, world.waalwijk, area=d0, name="Uitgiftepunt")
    in_neighbourhood = make_location(world.ww_team, world.waalwijk, area=neighbourhood, name="Buurthuis")
    nowhere = make_location(world.ww_team, world.waalwijk, name="Zonder wijk")
    for name in ("Voedselpakket", "Soepcafe", "Sociale supermarkt"):
        walk_in_offer(world.ww_foodbank, in_d0, name, themes=("voedsel",), target_groups=("gezinnen-met-kinderen",))
    phone_offer(world.ww_team, world.waalwijk, "Boodschappenlijn", themes=("voedsel",), target_groups=("ouderen",))
    walk_in_offer(
        world.ww_team,
        in_neighbourhood,
        "Geldpunt",
        themes=("schulden-en-geldzaken", "inkomen-en-toeslagen"),
        target_groups=("mensen-met-schulden",),
    )
    walk_in_offer(world.ww_team, nowhere, "Kledingbank", themes=("kleding-en-spullen",), target_groups=("jongeren",))
    # Not counted: inactive, temporarily closed, another municipality's, and one without a target group.
    make_offer(
        world.ww_foodbank,
        world.waalwijk,
        name="Oude voedselactie",
        status="inactive",
        themes=("voedsel",),
        target_groups=("gezinnen-met-kinderen",),
        locations=(in_d0,),
    )
    phone_offer(
        world.ww_foodbank,
        world.waalwijk,
        "Zomerstop",
        status="temporarily closed",
        themes=("voedsel",),
        target_groups=("ouderen",),
    )
    phone_offer(
        world.ms_team,
        world.meerssen,
        "Voedselbank Meerssen",
        themes=("voedsel",),
        target_groups=("gezinnen-met-kinderen",),
    )
    make_offer(world.ww_team, world.waalwijk, name="Inloop voor iedereen", themes=("meedoen",))
    return d0, d1, d2


def counts_of(matrix, area_code):
    area = matrix.area(area_code)
    return {(cell.theme.code, cell.target_group.code): cell.offers for cell in matrix.cells(area)}


# --- the selector -------------------------------------------------------------------------------


def test_counts_per_theme_target_group_and_district(world, social_map):
    d0, d1, d2 = social_map
    matrix = coordination_matrix(actor=staff_actor(world, Role.POLICY_OFFICER), municipality=world.waalwijk)
    assert [d.code for d in matrix.districts] == [d0.code, d1.code, d2.code]
    assert [t.code for t in matrix.themes] == [t.code for t in THEMES]
    assert [g.code for g in matrix.target_groups] == [g.code for g in TARGET_GROUPS]

    in_d0, in_d1, in_d2 = (counts_of(matrix, d.code) for d in social_map)
    assert in_d0[("voedsel", "gezinnen-met-kinderen")] == 3
    assert in_d1[("voedsel", "gezinnen-met-kinderen")] == 0
    # Help by phone reaches every district.
    assert in_d0[("voedsel", "ouderen")] == in_d1[("voedsel", "ouderen")] == in_d2[("voedsel", "ouderen")] == 1
    # A place in a neighbourhood counts for its district; an offer counts under each of its themes.
    assert in_d1[("schulden-en-geldzaken", "mensen-met-schulden")] == 1
    assert in_d1[("inkomen-en-toeslagen", "mensen-met-schulden")] == 1
    assert in_d0[("schulden-en-geldzaken", "mensen-met-schulden")] == 0
    # A place without an area counts for the municipality only.
    assert in_d0[("kleding-en-spullen", "jongeren")] == in_d1[("kleding-en-spullen", "jongeren")] == 0
    assert sum(in_d2.values()) == 1

    whole = counts_of(matrix, "GM0867")
    assert whole[("voedsel", "gezinnen-met-kinderen")] == 3
    assert whole[("voedsel", "ouderen")] == 1
    assert whole[("kleding-en-spullen", "jongeren")] == 1
    assert sum(whole.values()) == 3 + 1 + 2 + 1
    assert matrix.unclassified == 1


def test_gaps_and_fragmentation_are_flagged(world, social_map):
    d0, d1, _d2 = social_map
    matrix = coordination_matrix(actor=staff_actor(world, Role.POLICY_OFFICER), municipality=world.waalwijk)
    food, families, elderly = (
        next(t for t in matrix.themes if t.code == "voedsel"),
        next(g for g in matrix.target_groups if g.code == "gezinnen-met-kinderen"),
        next(g for g in matrix.target_groups if g.code == "ouderen"),
    )
    assert matrix.cell(food, families, matrix.area(d0.code)).coverage == Coverage.FRAGMENTATION
    assert matrix.cell(food, families, matrix.area(d1.code)).coverage == Coverage.GAP
    assert matrix.cell(food, elderly, matrix.area(d1.code)).coverage == Coverage.COVERED
    gaps_in_d0 = [cell for cell in matrix.cells(matrix.area(d0.code)) if cell.is_gap]
    assert len(gaps_in_d0) == len(THEMES) * len(TARGET_GROUPS) - 2


def test_another_municipality_sees_only_its_own_offers(world, social_map):
    matrix = coordination_matrix(
        actor=staff_actor(world, Role.POLICY_OFFICER, world.meerssen), municipality=world.meerssen
    )
    assert [d.code for d in matrix.districts] == ["WK093800", "WK093801", "WK093802"]
    whole = counts_of(matrix, "GM0938")
    assert whole[("voedsel", "gezinnen-met-kinderen")] == 1
    assert sum(whole.values()) == 1


def test_an_empty_map_is_all_gaps(world):
    matrix = coordination_matrix(actor=staff_actor(world, Role.APPLICATION_MANAGER), municipality=world.waalwijk)
    assert all(cell.is_gap for area in matrix.areas for cell in matrix.cells(area))
    assert matrix.unclassified == 0


def test_the_number_of_queries_does_not_grow_with_the_map(world, social_map, django_assert_max_num_queries):
    actor = staff_actor(world, Role.POLICY_OFFICER)
    with django_assert_max_num_queries(6):
        coordination_matrix(actor=actor, municipality=world.waalwijk)


@pytest.mark.parametrize("role", [Role.OFFER_MAINTAINER, Role.CASEWORKER, Role.AUDITOR, Role.EARLY_SIGNALS_OFFICER])
def test_other_roles_are_refused(world, role):
    with pytest.raises(PermissionDenied):
        coordination_matrix(actor=staff_actor(world, role), municipality=world.waalwijk)


def test_a_policy_officer_of_another_municipality_is_refused(world):
    with pytest.raises(PermissionDenied):
        coordination_matrix(actor=staff_actor(world, Role.POLICY_OFFICER, world.meerssen), municipality=world.waalwijk)


def test_a_policy_officer_without_a_second_factor_is_refused(world):
    actor = Actor(
        user_id=99, label="x", grants=frozenset([Grant(world.waalwijk.pk, world.ww_team.pk, "beleidsmedewerker")])
    )
    with pytest.raises(PermissionDenied):
        coordination_matrix(actor=actor, municipality=world.waalwijk)


# --- the page -------------------------------------------------------------------------------------

OUTCOMES = {
    "anonymous": "login",
    "resident": "login",
    "no_second_factor": "login",
    "no_role": 403,
    "ww_policy": 200,
    "ww_application_manager": 200,
    "ms_application_manager": 200,
    "ww_caseworker": 403,
    "ww_offer_maintainer": 403,
    "ww_early_signals": 403,
    "ww_auditor": 403,
    "ms_auditor": 403,
}


@pytest.mark.parametrize("url", [PAGE, CSV])
@pytest.mark.parametrize(("persona", "outcome"), sorted(OUTCOMES.items()))
def test_who_may_see_the_coordination_view(client_as, social_map, url, persona, outcome):
    events_before = AuditEvent.objects.count()
    response = client_as(persona).get(url)
    if outcome == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == outcome
    if outcome != 200:
        assert b"Voedselpakket" not in response.content
        assert b"WK086700" not in response.content
    assert AuditEvent.objects.count() == events_before


def test_the_navigation_offers_it_to_policy_staff_only(client_as):
    assert PAGE in client_as("ww_policy").get(reverse("workspace:home")).content.decode()
    assert PAGE in client_as("ww_application_manager").get(reverse("workspace:home")).content.decode()
    assert PAGE not in client_as("ww_caseworker").get(reverse("workspace:home")).content.decode()
    assert PAGE not in client_as("ww_offer_maintainer").get(reverse("workspace:home")).content.decode()


def test_the_page_shows_the_whole_municipality_as_a_heat_map(client_as, social_map):
    response = in_english(client_as("ww_policy")).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption" in html
    assert "Active offers per theme (rows) and target group (columns) in Waalwijk" in html
    # Every cell has its class for the colour and a word for the flag: colour is not the only signal.
    cells = len(THEMES) * len(TARGET_GROUPS)
    gaps = cells - 5
    assert html.count("meedoen-heat--gap") == gaps + 1  # the cells and the legend
    assert html.count("meedoen-heat--fragmentation") == 1 + 1
    assert html.count('<span class="meedoen-heat__flag">gap</span>') == gaps
    assert html.count('<span class="meedoen-heat__flag">fragmentation</span>') == 1
    assert f"Gaps in Waalwijk ({gaps})" in html
    assert "Fragmentation in Waalwijk (1)" in html
    assert "Voedsel · Gezinnen met kinderen: 3 offers" in html
    assert "1 active offer has no theme or no target group" in html
    # Offers are counted, not named.
    assert "Voedselpakket" not in html


def test_choosing_a_district_shows_its_counts(client_as, social_map):
    _d0, d1, _d2 = social_map
    response = in_english(client_as("ww_policy")).get(PAGE, {"wijk": d1.code})
    assert response.context["area"].code == d1.code
    counts = {
        (theme.code, cell.target_group.code): cell.offers for theme, row in response.context["rows"] for cell in row
    }
    assert counts[("voedsel", "gezinnen-met-kinderen")] == 0
    assert counts[("schulden-en-geldzaken", "mensen-met-schulden")] == 1
    html = response.content.decode()
    assert f'<option value="{d1.code}" selected>' in html
    assert "Fragmentation in Wijk 01 (0)" in html


@pytest.mark.parametrize("wijk", ["WK093800", "nonsense", "GM0938", "<script>"])
def test_an_unknown_or_foreign_district_shows_the_whole_municipality(client_as, social_map, wijk):
    response = client_as("ww_policy").get(PAGE, {"wijk": wijk})
    assert response.status_code == 200
    assert response.context["area"].code == "GM0867"
    assert "<script>" not in response.content.decode()


def test_another_municipalitys_staff_see_their_own_matrix(client_as, social_map):
    response = client_as("ms_application_manager").get(PAGE)
    assert response.context["area"].code == "GM0938"
    html = response.content.decode()
    assert "WK093800" in html
    assert "WK086700" not in html


# --- the CSV --------------------------------------------------------------------------------------


def text_of(response) -> str:
    """The download as Excel with Dutch settings reads it: UTF-8 after the byte order mark."""
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    return response.content.decode("utf-8-sig")


def rows_of(response):
    return list(csv.DictReader(io.StringIO(text_of(response), newline=""), delimiter=";"))


def test_the_csv_has_a_row_per_theme_target_group_and_area(client_as, social_map):
    d0, d1, _d2 = social_map
    response = client_as("ww_policy").get(CSV)
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="sociale-kaart-overzicht-GM0867-{today}.csv"'
    header = next(csv.reader(io.StringIO(text_of(response), newline=""), delimiter=";"))
    assert tuple(header) == CSV_COLUMNS
    rows = rows_of(response)
    assert len(rows) == len(THEMES) * len(TARGET_GROUPS) * 4
    by_key = {(r["theme_code"], r["target_group_code"], r["area_code"]): r for r in rows}
    fragmented = by_key[("voedsel", "gezinnen-met-kinderen", d0.code)]
    assert fragmented == {
        "theme_code": "voedsel",
        "theme": "Voedsel",
        "target_group_code": "gezinnen-met-kinderen",
        "target_group": "Gezinnen met kinderen",
        "area_code": d0.code,
        "area": d0.name,
        "offers": "3",
        "flag": "fragmentation",
    }
    assert by_key[("voedsel", "gezinnen-met-kinderen", d1.code)]["flag"] == "gap"
    assert by_key[("voedsel", "ouderen", d1.code)]["offers"] == "1"
    assert by_key[("voedsel", "ouderen", d1.code)]["flag"] == ""
    assert by_key[("kleding-en-spullen", "jongeren", "GM0867")]["offers"] == "1"
    assert {r["area_code"] for r in rows} == {"WK086700", "WK086701", "WK086702", "GM0867"}


def test_the_csv_names_no_offers_and_defuses_formulas(client_as, world, social_map):
    make_offer(
        world.ww_team,
        world.waalwijk,
        name="=cmd|' /C calc'!A0",
        themes=("voedsel",),
        target_groups=("ouderen",),
        ways_in=["telefoon"],
    )
    TaxonomyTerm.objects.filter(code="voedsel").update(name='=HYPERLINK("http://evil.example","klik")')
    TaxonomyTerm.objects.filter(code="ouderen").update(name="@SUM(1+1)")
    Area.objects.filter(code=social_map[0].code).update(name="-2+3")
    content = client_as("ww_policy").get(CSV).content.decode()
    assert "=cmd" not in content
    rows = rows_of(client_as("ww_policy").get(CSV))
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value
    food = next(r for r in rows if r["theme_code"] == "voedsel")
    assert food["theme"] == '\'=HYPERLINK("http://evil.example","klik")'
    elderly = next(r for r in rows if r["target_group_code"] == "ouderen")
    assert elderly["target_group"] == "'@SUM(1+1)"
    assert next(r for r in rows if r["area_code"] == social_map[0].code)["area"] == "'-2+3"
