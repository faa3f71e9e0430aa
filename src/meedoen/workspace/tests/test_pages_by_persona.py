"""Every workspace page, knocked on by every persona: who gets in, who is sent to log in, who is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from meedoen.core.models import AuditEvent
from meedoen.organisations.tests.factories import MembershipFactory

LOGIN = "login"
OK, FOUND, FORBIDDEN = 200, 302, 403

# Expected outcome per persona for each page; personas not named get the page's default.
PAGES = {
    # A creditor's signal deliverer is sent on to its own page, and opens none of the municipality's.
    "workspace:home": {"default": OK, "ww_signal_deliverer": FOUND},
    "workspace:areas": {"default": OK, "ww_signal_deliverer": FORBIDDEN},
    "workspace:organisations": {
        "default": FORBIDDEN,
        "ww_application_manager": OK,
        "ww_auditor": OK,
        "ms_auditor": OK,
        "ms_application_manager": OK,
    },
    "workspace:audit": {"default": FORBIDDEN, "ww_auditor": OK, "ms_auditor": OK},
}
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
    "ww_signal_deliverer",
]
EVERYONE = [*sorted(NOT_LOGGED_IN), "no_role", *STAFF]


def expected(page: str, persona: str) -> int | str:
    if persona in NOT_LOGGED_IN:
        return LOGIN
    if persona == "no_role":
        return FORBIDDEN
    rules = PAGES[page]
    return rules.get(persona, rules["default"])


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("persona", EVERYONE)
def test_workspace_page_access(client_as, page, persona):
    events_before = AuditEvent.objects.count()
    response = client_as(persona).get(reverse(page))
    outcome = expected(page, persona)
    if outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == outcome
    # Looking around changes nothing.
    assert AuditEvent.objects.count() == events_before


def test_staff_see_only_their_own_municipality(client_as, world):
    response = client_as("ms_auditor").get(reverse("workspace:areas"))
    content = response.content.decode()
    assert "WK093800" in content
    assert "WK086700" not in content


def test_audit_log_shows_only_events_of_the_auditors_municipality(client_as, world):
    AuditEvent.objects.create(kind="change", action="test.waalwijk", municipality_id=world.waalwijk.pk)
    AuditEvent.objects.create(kind="change", action="test.meerssen", municipality_id=world.meerssen.pk)
    waalwijk_page = client_as("ww_auditor").get(reverse("workspace:audit")).content.decode()
    meerssen_page = client_as("ms_auditor").get(reverse("workspace:audit")).content.decode()
    assert "test.waalwijk" in waalwijk_page
    assert "test.meerssen" not in waalwijk_page
    assert "test.meerssen" in meerssen_page
    assert "test.waalwijk" not in meerssen_page


def test_navigation_shows_only_modules_of_the_role(client_as):
    policy = client_as("ww_policy").get(reverse("workspace:home")).content.decode()
    auditor = client_as("ww_auditor").get(reverse("workspace:home")).content.decode()
    assert reverse("workspace:audit") not in policy
    assert reverse("workspace:audit") in auditor


def test_switching_to_a_municipality_of_someone_else_is_refused(client_as, world):
    client = client_as("ww_auditor")
    response = client.post(reverse("workspace:switch-municipality"), {"municipality": world.meerssen.pk})
    assert response.status_code == 403
    assert "WK086700" in client.get(reverse("workspace:areas")).content.decode()


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999999999999999"])
def test_switching_with_nonsense_is_refused(client_as, value):
    response = client_as("ww_auditor").post(reverse("workspace:switch-municipality"), {"municipality": value})
    assert response.status_code == 403


def test_staff_of_two_municipalities_can_switch(client_as, personas, world):
    MembershipFactory(
        user=personas["ww_auditor"], organisation=world.ms_team, municipality=world.meerssen, role="auditor"
    )
    client = client_as("ww_auditor")
    # Without a choice the first municipality by name is shown.
    assert "WK093800" in client.get(reverse("workspace:areas")).content.decode()
    response = client.post(reverse("workspace:switch-municipality"), {"municipality": world.waalwijk.pk})
    assert response.status_code == 302
    assert "WK086700" in client.get(reverse("workspace:areas")).content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("ww_application_manager", 302), ("ww_policy", 403), ("ww_auditor", 403), ("ms_application_manager", 403)],
)
def test_only_the_application_manager_names_districts_of_their_municipality(client_as, persona, status):
    from meedoen.areas.models import Area

    response = client_as(persona).post(reverse("workspace:areas"), {"code": "WK086701", "name": "Sprang-Capelle"})
    assert response.status_code == status
    renamed = Area.objects.get(code="WK086701").name == "Sprang-Capelle"
    assert renamed is (status == 302)
    assert AuditEvent.objects.filter(action="area.rename").exists() is (status == 302)


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_district_name_must_be_sensible(client_as, name):
    from meedoen.areas.models import Area

    before = Area.objects.get(code="WK086701").name
    response = client_as("ww_application_manager").post(reverse("workspace:areas"), {"code": "WK086701", "name": name})
    assert response.status_code == 400
    assert Area.objects.get(code="WK086701").name == before


def test_the_municipality_itself_cannot_be_renamed_through_the_district_form(client_as):
    from meedoen.areas.models import Area

    response = client_as("ww_application_manager").post(reverse("workspace:areas"), {"code": "GM0867", "name": "X"})
    assert response.status_code == 403
    assert Area.objects.get(code="GM0867").name == "Waalwijk"
