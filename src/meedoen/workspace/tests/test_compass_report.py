"""The compass report: the whole compass as an HTML page and a PDF a council member can read, with
each result indicator drawn against its target. Small counts stay hidden in both."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from meedoen.areas.tests.factories import MunicipalityAreaFactory
from meedoen.compass.kwb import parse_metadata
from meedoen.compass.models import Indicator, ResultIndicator, TurnTheCurve
from meedoen.compass.services.monitor import indicators_import_cbs_kwb
from meedoen.compass.tests.factories import MeasurementFactory, make_cycle
from meedoen.core.access import Actor
from meedoen.core.pdf import FetchRefusedError, html_to_pdf

pytestmark = pytest.mark.django_db

COLUMNS = parse_metadata(
    json.loads(
        (Path(__file__).resolve().parents[2] / "compass" / "data" / "85984NED-columns.json").read_text(encoding="utf-8")
    )
)


@pytest.fixture
def report_compass(world):
    MunicipalityAreaFactory(code="NL01", name="Nederland", level="land")
    for year, minimum, country in (("2022", 7.9, 6.1), ("2023", 7.4, 6.0), ("2024", 7.0, 5.8)):
        rows = {
            "NL01": {"HuishOnderOfRondSociaalMinimum_90": country},
            "GM0867": {"HuishOnderOfRondSociaalMinimum_90": minimum},
        }
        indicators_import_cbs_kwb(
            actor=Actor.system("test"),
            content=json.dumps(rows).encode(),
            file_name="kwb.json",
            columns=COLUMNS,
            period=year,
        )
    cycle = make_cycle(world.waalwijk, world.ww_foodbank)
    indicator = ResultIndicator.objects.create(
        result=cycle.result,
        monitor_indicator=Indicator.objects.get(code="HuishOnderOfRondSociaalMinimum"),
        baseline_value=7.9,
        baseline_date=datetime.date(2022, 1, 1),
        target_value=6.5,
        polarity="hoger_slechter",
    )
    TurnTheCurve.objects.create(indicator=indicator, story="Vaste lasten stegen sneller dan de inkomens.")
    MeasurementFactory(measure=cycle.measure, period=cycle.period, organisation=world.ww_foodbank, value=7)
    return cycle


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_report_shows_results_against_their_targets_and_who_contributes(client_as, report_compass):
    url = reverse("workspace:compass-report", args=[report_compass.compass.pk])
    page = in_english(client_as("ww_policy")).get(url)
    assert page.status_code == 200
    text = page.text
    assert report_compass.result.statement in text
    assert "Huish. onder of rond sociaal minimum" in text
    assert "meedoen-chart__target" in text  # the target line is drawn
    assert ">7.9<" in text and ">7.0<" in text and ">5.8<" in text  # the figures of the chart, as a table
    assert "better than the baseline" in text
    assert "Vaste lasten stegen sneller" in text
    assert "Voedselbank Waalwijk" in text and "Spreekuur geldzorgen" in text
    assert "&lt; 10" in text  # the approved count of 7 households
    assert ">7<" not in text


def test_the_report_downloads_as_a_pdf(client_as, report_compass):
    response = client_as("ww_caseworker").get(reverse("workspace:compass-report-pdf", args=[report_compass.compass.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "kwaliteitskompas-waalwijk" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("ww_auditor", 403), ("ww_early_signals", 403), ("ms_application_manager", 404)],
)
def test_the_report_is_for_readers_of_the_compass(client_as, report_compass, persona, status):
    for name in ("workspace:compass-report", "workspace:compass-report-pdf"):
        assert client_as(persona).get(reverse(name, args=[report_compass.compass.pk])).status_code == status


@pytest.mark.parametrize(
    "html",
    [
        '<img src="http://169.254.169.254/latest/meta-data/">',
        '<link rel="stylesheet" href="file:///etc/hostname">',
        # Fetched while the PDF is written, not while it is laid out: an attachment.
        '<p><a rel="attachment" href="file:///etc/hostname">x</a></p>',
        '<link rel="attachment" href="http://169.254.169.254/latest/meta-data/">',
    ],
)
def test_rendering_a_document_fetches_nothing(html):
    with pytest.raises(FetchRefusedError):
        html_to_pdf(html)
