"""The entitlement check in the workspace, through HTTP: the schemes (read by every staff member, kept
by policy officers and application managers), the population assumptions, the import of recipient
counts and the estimated non-take-up per district with its CSV. Every refusal changes nothing."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import reverse

from meedoen.core.models import AuditEvent
from meedoen.entitlements.models import PopulationAssumptions, RecipientCount, Scheme
from meedoen.entitlements.selectors import non_take_up_figures
from meedoen.entitlements.services import SCHEME_FIELDS
from meedoen.entitlements.tests.factories import load_demo_file_schemes, make_scheme, scheme_fields
from meedoen.workspace.navigation import modules_for

pytestmark = pytest.mark.django_db
LOGIN, OK, FORBIDDEN, NOT_FOUND = "login", 200, 403, 404
YEAR = 2026
NOT_LOGGED_IN = ("anonymous", "resident", "second_resident", "no_second_factor")
STAFF = (
    "ww_policy",
    "ww_caseworker",
    "ww_early_signals",
    "ww_offer_maintainer",
    "ww_application_manager",
    "ww_auditor",
    "ms_auditor",
    "ms_application_manager",
)
KEEPERS = {"ww_policy", "ww_application_manager", "ms_application_manager"}


@pytest.fixture
def scheme(world):
    return make_scheme(world.waalwijk)


@pytest.fixture
def client_en(client_as):
    """The pages are Dutch unless the visitor chose English; the tests read the source language."""

    def make(persona):
        client = client_as(persona)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def state():
    """Everything a page of this module could change."""
    return (
        sorted(tuple(sorted(model_to_dict(s, fields=SCHEME_FIELDS).items())) for s in Scheme.objects.all()),
        sorted(RecipientCount.objects.values_list("scheme_id", "area_code", "year", "households")),
        PopulationAssumptions.objects.count(),
        AuditEvent.objects.filter(kind=AuditEvent.Kind.CHANGE).count(),
    )


def posted(**overrides):
    """A scheme form as a browser sends it: every field, empty ones as empty text, unticked boxes left out."""
    values = {
        "income_test": Scheme.IncomeTest.SOCIAL_MINIMUM,
        "amount_unit": Scheme.AmountUnit.HOUSEHOLD,
        "amount_period": Scheme.AmountPeriod.YEAR,
        "amount_per_child": 0,
        **scheme_fields(**overrides),
    }
    data = {}
    for name in SCHEME_FIELDS:
        value = values.get(name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        elif isinstance(value, date):
            data[name] = value.isoformat()
        elif hasattr(value, "pk"):
            data[name] = str(value.pk)
        else:
            data[name] = str(value)
    return data


def upload(text: str, name: str = "ontvangers.csv") -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")}


# --- who may open what --------------------------------------------------------------------------------

PAGES = {
    "workspace:benefits": {"default": OK},
    "workspace:scheme-create": {"default": FORBIDDEN, **dict.fromkeys(KEEPERS, OK)},
    "workspace:scheme-edit": {
        "default": FORBIDDEN,
        "ww_policy": OK,
        "ww_application_manager": OK,
        "ms_application_manager": NOT_FOUND,
    },
    "workspace:scheme-end": {
        "default": FORBIDDEN,
        "ww_policy": OK,
        "ww_application_manager": OK,
        "ms_application_manager": NOT_FOUND,
    },
    "workspace:non-take-up": {"default": FORBIDDEN, **dict.fromkeys(KEEPERS, OK)},
    "workspace:non-take-up-csv": {"default": FORBIDDEN, **dict.fromkeys(KEEPERS, OK)},
    "workspace:population": {"default": FORBIDDEN, **dict.fromkeys(KEEPERS, OK)},
    "workspace:recipients-upload": {"default": FORBIDDEN, **dict.fromkeys(KEEPERS, OK)},
}


def expected(page: str, persona: str) -> int | str:
    if persona in NOT_LOGGED_IN:
        return LOGIN
    if persona == "no_role":
        return FORBIDDEN
    return PAGES[page].get(persona, PAGES[page]["default"])


def url_of(page: str, scheme: Scheme) -> str:
    return (
        reverse(page, args=[scheme.uuid])
        if page in {"workspace:scheme-edit", "workspace:scheme-end"}
        else reverse(page)
    )


def check(response, outcome) -> None:
    if outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == outcome


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("persona", [*NOT_LOGGED_IN, "no_role", *STAFF])
def test_who_opens_which_page_and_looking_changes_nothing(client_as, scheme, page, persona):
    before = state()
    check(client_as(persona).get(url_of(page, scheme)), expected(page, persona))
    assert state() == before


POSTS = {
    "workspace:scheme-create": lambda scheme: posted(code="nieuw", name="Nieuw"),
    "workspace:scheme-edit": lambda scheme: posted(income_limit_percent_single=130),
    "workspace:scheme-end": lambda scheme: {"valid_until": "2026-06-30"},
    "workspace:population": lambda scheme: {"seed": "5"},
    "workspace:recipients-upload": lambda scheme: upload(
        f"regeling;gebied;jaar;aantal\n{scheme.code};WK086700;{YEAR};40\n"
    ),
}


@pytest.mark.parametrize("page", sorted(POSTS))
@pytest.mark.parametrize(
    "persona", [*NOT_LOGGED_IN, "no_role", *sorted(set(STAFF) - {"ww_policy", "ww_application_manager"})]
)
def test_every_refused_write_changes_nothing(client_as, scheme, page, persona):
    before = state()
    response = client_as(persona).post(url_of(page, scheme), POSTS[page](scheme))
    outcome = expected(page, persona)
    if persona == "ms_application_manager" and page in {
        "workspace:scheme-create",
        "workspace:population",
        "workspace:recipients-upload",
    }:
        # Allowed in Meerssen, but never on Waalwijk's data: the Waalwijk scheme is unknown there.
        assert response.status_code in {200, 302, 400}
        assert Scheme.objects.get(pk=scheme.pk).income_limit_percent_single == 110
        assert not RecipientCount.objects.filter(scheme=scheme).exists()
        return
    check(response, outcome if outcome != OK else FORBIDDEN)
    assert state() == before


def test_the_navigation_leads_policy_staff_to_the_schemes_and_not_the_others(client_en):
    assert "workspace:benefits" in [m.url_name for m in modules_for(["beleidsmedewerker"]) if m.available]
    home = client_en("ww_policy").get(reverse("workspace:home")).content.decode()
    assert reverse("workspace:benefits") in home
    assert (
        reverse("workspace:benefits") not in client_en("ww_caseworker").get(reverse("workspace:home")).content.decode()
    )


# --- schemes ------------------------------------------------------------------------------------------


def test_everyone_reads_the_schemes_but_only_keepers_see_the_buttons(client_en, scheme):
    read_only = client_en("ww_caseworker").get(reverse("workspace:benefits")).content.decode()
    assert "Individuele inkomenstoeslag" in read_only and "110%" in read_only
    assert reverse("workspace:scheme-edit", args=[scheme.uuid]) not in read_only
    assert reverse("workspace:scheme-create") not in read_only
    keeper = client_en("ww_application_manager").get(reverse("workspace:benefits")).content.decode()
    assert reverse("workspace:scheme-edit", args=[scheme.uuid]) in keeper
    assert reverse("workspace:scheme-end", args=[scheme.uuid]) in keeper
    # Meerssen's staff see Meerssen's schemes, not Waalwijk's.
    assert (
        "Individuele inkomenstoeslag" not in client_en("ms_auditor").get(reverse("workspace:benefits")).content.decode()
    )


def test_the_application_manager_adds_changes_and_ends_a_scheme(client_en, world):
    client = client_en("ww_application_manager")
    form = client.get(reverse("workspace:scheme-create"))
    assert form.status_code == 200 and "Gemeente Waalwijk" in form.content.decode()  # its organisations
    data = posted(organisation=world.ww_team, amount=Decimal("250.50"))
    response = client.post(reverse("workspace:scheme-create"), data)
    assert response.status_code == 302 and response["Location"] == reverse("workspace:benefits")
    created = Scheme.objects.get(municipality=world.waalwijk, code="individuele-inkomenstoeslag")
    assert (created.organisation, created.amount, created.minimum_age) == (world.ww_team, Decimal("250.50"), 21)
    assert AuditEvent.objects.filter(action="scheme.create", actor_label="ww-beheer").count() == 1

    edit = reverse("workspace:scheme-edit", args=[created.uuid])
    assert 'value="110"' in client.get(edit).content.decode()
    response = client.post(edit, {**data, "income_limit_percent_single": "120", "name": "Inkomenstoeslag"})
    assert response.status_code == 302
    created.refresh_from_db()
    assert (created.income_limit_percent_single, created.name) == (120, "Inkomenstoeslag")
    update = AuditEvent.objects.get(action="scheme.update")
    assert update.details == {"fields": ["income_limit_percent_single", "name"]}

    end = reverse("workspace:scheme-end", args=[created.uuid])
    assert client.post(end, {"valid_until": "2026-06-30"}).status_code == 302
    created.refresh_from_db()
    assert created.valid_until == date(2026, 6, 30)
    listing = client.get(reverse("workspace:benefits"))
    assert [s.pk for s in listing.context["ended"]] == [created.pk] and not listing.context["running"]


def test_wrong_input_is_shown_next_to_the_field_and_saves_nothing(client_en, scheme, world):
    client = client_en("ww_policy")
    edit = reverse("workspace:scheme-edit", args=[scheme.uuid])
    before = state()
    for data, field in (
        (posted(income_limit_percent_single=250), "income_limit_percent_single"),
        (posted(income_limit_percent_couple=""), "income_limit_percent_couple"),
        (posted(kind=Scheme.Kind.PARTNER), "organisation"),
        (posted(minimum_age=70, maximum_age=30), "maximum_age"),
        (posted(valid_until="2025-01-01"), "valid_until"),
        (posted(code="Geen Code!"), "code"),
        (posted(organisation=world.ms_team), "organisation"),  # not a partner of Waalwijk
        (posted(website="javascript:alert(1)"), "website"),
        (posted(description="x" * 6000), "description"),
    ):
        response = client.post(edit, data)
        assert response.status_code == 400, field
        assert response.context["form"].errors.get(field), field
        assert "Error:" in response.content.decode()
    end = reverse("workspace:scheme-end", args=[scheme.uuid])
    for value in ("2025-12-31", "morgen", ""):
        assert client.post(end, {"valid_until": value}).status_code == 400
    assert state() == before


def test_hostile_text_in_a_scheme_is_shown_as_text(client_en, world):
    make_scheme(world.waalwijk, name="<script>alert(1)</script>")
    page = client_en("ww_caseworker").get(reverse("workspace:benefits")).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_second_scheme_with_the_same_code_is_refused_by_the_service(client_en, scheme):
    before = state()
    response = client_en("ww_policy").post(reverse("workspace:scheme-create"), posted())
    assert response.status_code == 400
    assert "code" in str(response.context["form"].errors) or response.context["form"].non_field_errors()
    assert state() == before


def test_a_scheme_of_another_municipality_is_not_found(client_as, world):
    theirs = make_scheme(world.meerssen)
    before = state()
    client = client_as("ww_application_manager")
    assert client.get(reverse("workspace:scheme-edit", args=[theirs.uuid])).status_code == 404
    assert (
        client.post(reverse("workspace:scheme-end", args=[theirs.uuid]), {"valid_until": "2026-06-30"}).status_code
        == 404
    )
    assert state() == before


# --- population, recipients and non-take-up -----------------------------------------------------------


def test_policy_staff_change_the_assumptions_and_wrong_shares_are_refused(client_en, world):
    client = client_en("ww_policy")
    page = client.get(reverse("workspace:population")).content.decode()
    assert 'value="39.89"' in page and "defaults" in page
    data = {
        name: value
        for name, value in model_to_dict(PopulationAssumptions()).items()
        if name not in {"id", "municipality"}
    }
    data = {name: "" if value is None else str(value) for name, value in data.items()}
    before = state()
    wrong = client.post(reverse("workspace:population"), {**data, "single_percent": "60"})
    assert wrong.status_code == 400
    assert "add up to" in wrong.content.decode()
    assert state() == before
    saved = client.post(reverse("workspace:population"), {**data, "seed": "99", "sources": "CBS 71486ned, 2025"})
    assert saved.status_code == 302
    assumptions = PopulationAssumptions.objects.get(municipality=world.waalwijk)
    assert (assumptions.seed, assumptions.sources) == (99, "CBS 71486ned, 2025")
    assert AuditEvent.objects.filter(action="population_assumptions.create").count() == 1


def test_a_bad_recipients_file_lists_every_problem_and_imports_nothing(client_en, world):
    load_demo_file_schemes(world.waalwijk)
    before = state()
    response = client_en("ww_policy").post(
        reverse("workspace:recipients-upload"),
        upload(
            "regeling;gebied;jaar;aantal\n"
            "kwijtschelding;WK086700;2026;120\n"
            "onbekend;WK086700;2026;10\n"
            "kwijtschelding;WK999900;2026;10\n"
            "kwijtschelding;WK086701;2026;tien\n"
            "kwijtschelding;WK086700;2026;121\n"
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing imported: 4 problems" in page
    for text in ("onbekend", "WK999900 is not Waalwijk", "tien", "appears twice (also on row 2)"):
        assert text in page
    assert state() == before


def test_recipients_are_imported_and_the_non_take_up_shows_with_small_counts_hidden(client_en, world):
    load_demo_file_schemes(world.waalwijk)
    table = non_take_up_figures(world.waalwijk, YEAR)
    eligible = {a.code: a.eligible for a in next(r for r in table.schemes if r.scheme.code == "meedoenregeling").areas}
    client = client_en("ww_policy")
    response = client.post(
        reverse("workspace:recipients-upload"),
        upload(
            "regeling;gebied;jaar;aantal\n"
            f"meedoenregeling;WK086700;{YEAR};{eligible['WK086700'] - 30}\n"
            f"meedoenregeling;WK086701;{YEAR};7\n"
        ),
    )
    assert response.status_code == 302 and response["Location"].endswith(f"?jaar={YEAR}")
    page = client.get(response["Location"]).content.decode()
    assert "Meedoenpas" in page and "All of Waalwijk" in page
    assert f">{eligible['WK086700'] - 30}<" in page  # the imported count
    assert ">30<" in page  # eligible minus recipients
    assert "&lt; 10" in page  # the 7 recipients of WK086701
    assert "not shown" in page  # what is built on them

    export = client.get(reverse("workspace:non-take-up-csv") + f"?jaar={YEAR}")
    assert export.status_code == 200 and export["Content-Type"] == "text/csv; charset=utf-8"
    # For a spreadsheet with Dutch settings: UTF-8 with a byte order mark, ";" between cells.
    assert export.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    mine = {row["area_code"]: row for row in rows if row["scheme_code"] == "meedoenregeling"}
    assert mine["WK086700"]["non_take_up"] == "30"
    # The percentage with one decimal, after a comma: a number to a spreadsheet with Dutch settings.
    assert mine["WK086700"]["non_take_up_percent"] == f"{30 / eligible['WK086700'] * 100:.1f}".replace(".", ",")
    assert mine["WK086700"]["recipients"] == str(eligible["WK086700"] - 30)
    assert mine["WK086701"]["recipients"] == "< 10" and mine["WK086701"]["non_take_up"] == "hidden"
    assert mine["WK086701"]["non_take_up_percent"] == "hidden"
    assert mine["WK086702"]["recipients"] == "" and mine["GM0867"]["recipients"] == ""
    assert {row["year"] for row in rows} == {str(YEAR)}


def test_the_csv_never_lets_a_spreadsheet_run_a_scheme_name(client_as, world):
    make_scheme(world.waalwijk, name='=HYPERLINK("http://example.invalid")')
    export = client_as("ww_policy").get(reverse("workspace:non-take-up-csv") + f"?jaar={YEAR}")
    rows = csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"), newline=""), delimiter=";")
    assert {row["scheme"] for row in rows} == {'\'=HYPERLINK("http://example.invalid")'}


def test_a_nonsense_year_falls_back_and_a_year_without_schemes_says_so(client_en, scheme):
    client = client_en("ww_policy")
    assert client.get(reverse("workspace:non-take-up") + "?jaar=<script>").status_code == 200
    for year in ["²⁰²⁴", "٢٠٢٤", "9" * 5000]:  # digits to str.isdigit(), not to int()
        assert client.get(reverse("workspace:non-take-up"), {"jaar": year}).status_code == 200
        assert client.get(reverse("workspace:non-take-up-csv"), {"jaar": year}).status_code == 200
    page = client.get(reverse("workspace:non-take-up") + "?jaar=2001").content.decode()
    assert "No scheme runs in 2001." in page
