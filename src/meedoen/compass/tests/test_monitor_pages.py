"""The local picture in the workspace: the dashboard, one indicator with its trend and districts,
the CSV export, own indicators and the figures upload. A count below 10 never shows anywhere."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from meedoen.areas.tests.factories import MunicipalityAreaFactory
from meedoen.compass.charts import line_chart
from meedoen.compass.kwb import parse_metadata
from meedoen.compass.models import Indicator, Observation
from meedoen.compass.services.monitor import figures_import, indicator_define, indicators_import_cbs_kwb
from meedoen.compass.suppression import HIDDEN_TEXT, SMALL_TEXT, Figure, count_figure, ratio_figure
from meedoen.core.access import Actor, Grant, Role

pytestmark = pytest.mark.django_db

PICTURE = reverse("workspace:monitor")
UPLOAD = reverse("workspace:monitor-figures-upload")
CREATE = reverse("workspace:monitor-indicator-create")
COLUMNS = parse_metadata(
    json.loads((Path(__file__).resolve().parents[1] / "data" / "85984NED-columns.json").read_text(encoding="utf-8"))
)


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def exported_rows(response) -> list[dict[str, str]]:
    """The rows of a download, read as Excel with Dutch settings reads it."""
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))


def dutch_number(cell: str) -> float:
    assert re.fullmatch(r"-?\d+(,\d+)?", cell), cell
    return float(cell.replace(",", "."))


def _defining(world):
    """A policy officer of Waalwijk, and what every indicator of theirs is defined with."""
    actor = Actor(
        user_id=None,
        label="t",
        grants=frozenset({Grant(world.waalwijk.pk, 1, Role.POLICY_OFFICER)}),
        second_factor=True,
    )
    return actor, {"actor": actor, "municipality": world.waalwijk, "definition": "", "source": "Team schulden"}


@pytest.fixture
def figures(world):
    """CBS inhabitants for Waalwijk, two of its districts and the Netherlands; own registrations
    over three years, with district 02 below 10 in 2023; and a derived rate per 1,000."""
    MunicipalityAreaFactory(code="NL01", name="Nederland", level="land")
    kwb = {
        "NL01": {"AantalInwoners_5": 17942942},
        "GM0867": {"AantalInwoners_5": 50302},
        "WK086700": {"AantalInwoners_5": 30625},
        "WK086701": {"AantalInwoners_5": 14505},
        "WK086702": {"AantalInwoners_5": 5170},
    }
    system = Actor.system("test")
    indicators_import_cbs_kwb(
        actor=system, content=json.dumps(kwb).encode(), file_name="kwb.json", columns=COLUMNS, period="2024"
    )
    actor, common = _defining(world)
    registrations = indicator_define(
        code="aanmeldingen", name="Aanmeldingen", unit="aantal", kind="aantal", polarity="neutraal", **common
    )
    rate = indicator_define(
        code="aanmeldingen-per-1000",
        name="Aanmeldingen per 1.000",
        unit="per 1.000 inwoners",
        kind="verhouding",
        polarity="hoger_slechter",
        decimals=1,
        numerator=registrations,
        denominator=Indicator.objects.get(code="AantalInwoners"),
        factor=1000,
        **common,
    )
    rows = ["gebied;periode;indicator;waarde"]
    for year, small in ((2022, 12), (2023, 7), (2024, 11)):
        rows += [
            f"GM0867;{year};aanmeldingen;{300 + year - 2022}",
            f"WK086700;{year};aanmeldingen;{200 + year - 2022}",
            f"WK086702;{year};aanmeldingen;{small}",
        ]
    figures_import(actor=actor, municipality=world.waalwijk, content="\n".join(rows).encode(), file_name="x.csv")
    return registrations, rate


def test_every_staff_member_of_the_municipality_sees_the_local_picture(client_as, figures):
    for persona in ("ww_policy", "ww_offer_maintainer", "ww_auditor", "ww_caseworker"):
        response = in_english(client_as(persona)).get(PICTURE)
        assert response.status_code == 200, persona
        assert "Aanmeldingen" in response.text and "Aantal inwoners" in response.text
    assert in_english(client_as("anonymous")).get(PICTURE).status_code == 302


def test_the_dashboard_compares_with_the_netherlands_and_names_the_district_spread(client_as, figures):
    page = in_english(client_as("ww_policy")).get(PICTURE).text
    assert "17,942,942" in page and "50,302" in page
    assert "Import own figures" in page  # policy staff may import


def test_a_staff_member_of_another_municipality_sees_only_their_own(client_as, figures):
    registrations, _rate = figures
    client = in_english(client_as("ms_application_manager"))
    assert "Aanmeldingen" not in client.get(PICTURE).text
    assert client.get(reverse("workspace:monitor-indicator", args=[registrations.pk])).status_code == 404


def test_the_indicator_page_shows_trend_district_comparison_and_classes(client_as, figures):
    registrations, _rate = figures
    url = reverse("workspace:monitor-indicator", args=[registrations.pk])
    page = in_english(client_as("ww_policy")).get(url, {"gebied": "WK086700"}).text
    assert "<svg" in page and 'role="img"' in page
    for period in ("2022", "2023", "2024"):
        assert f">{period}<" in page
    assert "202" in page and "of 5" in page


def test_counts_below_ten_never_show_in_pages_or_exports(client_as, figures):
    registrations, rate = figures
    client = in_english(client_as("ww_policy"))
    page = client.get(reverse("workspace:monitor-indicator", args=[registrations.pk]), {"periode": "2023"}).text
    assert SMALL_TEXT.replace("<", "&lt;") in page
    district_cells = re.findall(r"meedoen-class--\d\">([^<]*)<", page)
    assert "7" not in district_cells
    exported = client.get(reverse("workspace:monitor-indicator-csv", args=[registrations.pk]))
    rows = exported_rows(exported)
    small = [row for row in rows if row["area_code"] == "WK086702" and row["period"] == "2023"]
    assert small[0]["value"] == SMALL_TEXT
    assert {row["value"] for row in rows} >= {"300,0", "< 10"}
    assert not any(row["value"] in {"7", "7,0"} for row in rows)
    # The rate is built on the small count: it is hidden too (2023 has no inhabitants, so only 2024 counts).
    rate_rows = exported_rows(client.get(reverse("workspace:monitor-indicator-csv", args=[rate.pk])))
    assert [row["period"] for row in rate_rows if row["area_code"] == "GM0867"] == ["2024"]
    rates = {row["area_code"]: row["value"] for row in rate_rows}
    assert dutch_number(rates["WK086702"]) == pytest.approx(11 / 5170 * 1000)


def test_a_rate_on_a_small_numerator_is_hidden(client_as, figures, world):
    _registrations, rate = figures
    Observation.objects.filter(indicator__code="aanmeldingen", area__code="WK086702", period="2024").update(value=3)
    response = in_english(client_as("ww_policy")).get(reverse("workspace:monitor-indicator-csv", args=[rate.pk]))
    rows = {row["area_code"]: row["value"] for row in exported_rows(response)}
    assert rows["WK086702"] == "hidden"  # "< 10" would read as a rate below 10
    assert dutch_number(rows["GM0867"]) == pytest.approx(302 / 50302 * 1000)


def test_the_export_cannot_run_a_formula(client_as, figures, world):
    Indicator.objects.filter(code="aanmeldingen").update(unit="=HYPERLINK(1)")
    registrations, _rate = figures
    response = client_as("ww_policy").get(reverse("workspace:monitor-indicator-csv", args=[registrations.pk]))
    assert "\n=HYPERLINK" not in response.content.decode() and ";=HYPERLINK" not in response.content.decode()
    assert {row["unit"] for row in exported_rows(response)} == {"'=HYPERLINK(1)"}


def test_policy_staff_upload_own_figures_and_see_every_problem(client_as, figures):
    client = in_english(client_as("ww_policy"))
    bad = SimpleUploadedFile("x.csv", b"gebied;periode;indicator;waarde\nGM0867;2025;aanmeldingen;veel\nXX;2025;x;1\n")
    response = client.post(UPLOAD, {"file": bad})
    assert response.status_code == 400
    assert "Nothing imported: 4 problems" in response.text or "Nothing imported" in response.text
    assert not Observation.objects.filter(period="2025").exists()
    good = SimpleUploadedFile("x.csv", b"gebied;periode;indicator;waarde\nGM0867;2025;aanmeldingen;333\n")
    assert client.post(UPLOAD, {"file": good}).status_code == 302
    assert Observation.objects.get(period="2025", area__code="GM0867").value == 333


def test_others_cannot_upload_figures_or_define_indicators(client_as, figures):
    before = Observation.objects.count(), Indicator.objects.count()
    for persona in ("ww_offer_maintainer", "ww_auditor"):
        client = client_as(persona)
        upload = SimpleUploadedFile("x.csv", b"gebied;periode;indicator;waarde\nGM0867;2026;aanmeldingen;1\n")
        assert client.post(UPLOAD, {"file": upload}).status_code == 403, persona
        form = {"code": "x", "name": "x", "source": "x", "kind": "aantal", "unit": "aantal", "decimals": 0}
        assert client.post(CREATE, form | {"polarity": "neutraal", "factor": 1}).status_code == 403, persona
    assert (Observation.objects.count(), Indicator.objects.count()) == before
    # A functioneel beheerder of Meerssen works in Meerssen: Waalwijk's areas and indicators are not theirs.
    upload = SimpleUploadedFile("x.csv", b"gebied;periode;indicator;waarde\nGM0867;2026;aanmeldingen;1\n")
    response = in_english(client_as("ms_application_manager")).post(UPLOAD, {"file": upload})
    assert response.status_code == 400
    assert "GM0867 is not an area of this municipality" in response.text
    assert "not an own indicator of this municipality" in response.text
    assert (Observation.objects.count(), Indicator.objects.count()) == before


def test_policy_staff_define_a_derived_indicator_through_the_form(client_as, figures):
    registrations, _rate = figures
    client = in_english(client_as("ww_application_manager"))
    assert client.get(CREATE).status_code == 200
    form = {
        "code": "aanmeldingen-per-100",
        "name": "Aanmeldingen per 100 inwoners",
        "source": "Team schulden en CBS",
        "kind": "percentage",
        "unit": "%",
        "decimals": 2,
        "polarity": "hoger_slechter",
        "numerator": registrations.pk,
        "denominator": "",
        "factor": 100,
    }
    response = client.post(CREATE, form)
    assert response.status_code == 400 and "both a numerator and a denominator" in response.text
    form["denominator"] = Indicator.objects.get(code="AantalInwoners").pk
    assert client.post(CREATE, form).status_code == 302
    assert Indicator.objects.get(code="aanmeldingen-per-100").is_derived


# --- the rule itself ----------------------------------------------------------------------------------


@hypothesis_settings(max_examples=200)
@given(st.integers(min_value=0, max_value=9))
def test_no_count_below_ten_survives_in_any_form(count):
    hidden = count_figure(count)
    assert hidden.value is None and hidden.hidden
    assert hidden.text() == SMALL_TEXT and hidden.csv() == SMALL_TEXT
    for ratio in (
        ratio_figure(count, 1000, factor=100, numerator_is_count=True, denominator_is_count=True),
        ratio_figure(1000, count, factor=100, numerator_is_count=True, denominator_is_count=True),
    ):
        assert ratio.value is None and (ratio.text(), ratio.csv()) == (str(HIDDEN_TEXT), "hidden")


def test_larger_counts_and_measures_show():
    assert count_figure(10).value == 10
    assert Figure(3.25).text(1) in {"3.2", "3,2", "3.3", "3,3"}
    assert Figure(12.345).csv(decimals=None) == Decimal("12.345")  # an imported figure leaves as it came
    assert str(Figure(12.345).csv(1)) == "12.3" and str(count_figure(12).csv()) == "12"
    assert ratio_figure(5, 10, factor=100, numerator_is_count=False, denominator_is_count=False).value == 50
    assert ratio_figure(50, 0, factor=100, numerator_is_count=True, denominator_is_count=True).value is None


# --- the API -----------------------------------------------------------------------------------------


def test_the_api_gives_figures_with_small_counts_hidden(client_as, figures):
    registrations, _rate = figures
    client = client_as("ww_caseworker")
    listed = client.get("/api/v1/local-picture/GM0867/indicators/").json()
    assert {"AantalInwoners", "aanmeldingen", "aanmeldingen-per-1000"} <= {item["code"] for item in listed}
    body = client.get(f"/api/v1/local-picture/GM0867/indicators/{registrations.pk}/figures/").json()
    assert body["periods"] == ["2022", "2023", "2024"]
    district = next(area for area in body["areas"] if area["code"] == "WK086702")
    assert district["figures"][1] == {"period": "2023", "value": None, "hidden": True}
    assert district["figures"][0] == {"period": "2022", "value": 12.0, "hidden": False}
    assert "7.0" not in json.dumps(body) and ": 7," not in json.dumps(body)


def test_the_api_is_for_staff_of_the_municipality(client_as, figures):
    registrations, _rate = figures
    url = f"/api/v1/local-picture/GM0867/indicators/{registrations.pk}/figures/"
    assert client_as("anonymous").get(url).status_code == 403
    assert client_as("resident").get(url).status_code == 403
    refused = client_as("ms_application_manager").get(url, HTTP_ACCEPT_LANGUAGE="nl")
    assert refused.status_code == 403
    # The framework's refusal in the reader's language, not the service's reason for the log.
    assert refused.json() == {"detail": "Je hebt geen toestemming om deze actie uit te voeren."}
    assert client_as("no_second_factor").get(url).status_code == 403
    assert client_as("ww_policy").get("/api/v1/local-picture/GM9999/indicators/").status_code == 404


def test_the_indicator_page_can_table_neighbourhoods(client_as, figures, world):
    from meedoen.areas.models import Area
    from meedoen.compass.models import FigureImport

    registrations, _rate = figures
    district = Area.objects.get(code="WK086700")
    neighbourhoods = [
        Area.objects.create(code=f"BU086700{n:02d}", name=f"Buurt {n:02d}", level="buurt", parent=district)
        for n in range(2)
    ]
    batch = FigureImport.objects.create(municipality=world.waalwijk, origin="eigen", file_name="x", sha256="0" * 64)
    Observation.objects.bulk_create(
        Observation(indicator=registrations, area=area, period="2024", value=value, figure_import=batch)
        for area, value in zip(neighbourhoods, (150, 4), strict=True)
    )
    url = reverse("workspace:monitor-indicator", args=[registrations.pk])
    page = in_english(client_as("ww_policy")).get(url, {"niveau": "buurt", "gebied": "BU08670000"}).text
    assert "Neighbourhoods in 2024" in page and "Buurt 00" in page
    assert "150" in page and SMALL_TEXT.replace("<", "&lt;") in page
    assert 'value="BU08670000" selected' in page
    assert "Districts in 2024" in in_english(client_as("ww_policy")).get(url).text


# --- figures at the edges of the compass's range -----------------------------------------------------


@pytest.fixture
def amounts(world):
    """Two own amounts of Waalwijk and their ratio (per 10,000), for figures at the edges."""
    actor, common = _defining(world)
    numerator, denominator = (
        indicator_define(code=code, name=code, unit="euro", kind="bedrag", polarity="neutraal", decimals=2, **common)
        for code in ("saldo", "noemer")
    )
    ratio = indicator_define(
        code="saldo-per-noemer",
        name="Saldo per noemer",
        unit="per 10.000",
        kind="verhouding",
        polarity="neutraal",
        numerator=numerator,
        denominator=denominator,
        factor=10000,
        **common,
    )
    return actor, numerator, ratio


def test_a_ratio_beyond_the_compass_range_is_unknown_in_the_page_the_export_and_the_api(client_as, world, amounts):
    actor, _numerator, ratio = amounts
    content = (
        b"gebied;periode;indicator;waarde\n"
        b"GM0867;2024;saldo;1000000000000\n"
        b"GM0867;2024;noemer;0,000000000001\n"  # a ratio of 1e28: a float, but beyond the range
        b"GM0867;2025;saldo;1000000000000\n"
        b"GM0867;2025;noemer;1e-320\n"  # a ratio too large for a float: infinite
    )
    figures_import(actor=actor, municipality=world.waalwijk, content=content, file_name="x.csv")
    client = in_english(client_as("ww_policy"))

    assert client.get(reverse("workspace:monitor-indicator", args=[ratio.pk])).status_code == 200
    exported = client.get(reverse("workspace:monitor-indicator-csv", args=[ratio.pk])).content.decode()
    assert "inf" not in exported.lower() and "e+" not in exported
    body = client.get(f"/api/v1/local-picture/GM0867/indicators/{ratio.pk}/figures/").json()
    municipality = next(area for area in body["areas"] if area["code"] == "GM0867")
    assert municipality["figures"] == [
        {"period": "2024", "value": None, "hidden": False},
        {"period": "2025", "value": None, "hidden": False},
    ]


def test_a_negative_amount_leaves_in_the_export_as_a_number(client_as, world, amounts):
    actor, numerator, _ratio = amounts
    content = b"gebied;periode;indicator;waarde\nGM0867;2024;saldo;-1250,50\nGM0867;2025;saldo;-1000000000000\n"
    figures_import(actor=actor, municipality=world.waalwijk, content=content, file_name="x.csv")

    exported = client_as("ww_policy").get(reverse("workspace:monitor-indicator-csv", args=[numerator.pk]))

    rows = exported_rows(exported)
    # With a decimal comma: a number to a spreadsheet with Dutch settings, which adds it up.
    assert [row["value"] for row in rows if row["area_code"] == "GM0867"] == ["-1250,5", "-1000000000000,0"]


def test_the_chart_leaves_out_a_figure_it_cannot_place():
    chart = line_chart(
        ["2023", "2024", "2025"],
        [("saldo", "a", [Figure(-1.7e308), Figure(12.0), Figure(float("inf"))])],
        target=1.7e308,
    )
    assert chart.target is None
    assert [len(line.dots) for line in chart.lines] == [1]
