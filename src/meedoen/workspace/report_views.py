"""The compass report: the whole compass as an HTML page and as a PDF a council member can read."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify

from meedoen.compass.charts import line_chart
from meedoen.compass.models import Compass
from meedoen.compass.selectors.cycle import compass_of
from meedoen.compass.selectors.report import CompassReport, compass_report
from meedoen.core.access import Actor
from meedoen.core.pdf import html_to_pdf
from meedoen.organisations.models import Municipality
from meedoen.workspace.decorators import staff_view
from meedoen.workspace.views import _page

STYLESHEETS = ("meedoen/monitor.css", "meedoen/report.css")


def _report(actor: Actor, municipality: Municipality, compass: int) -> tuple[Compass, CompassReport, list[object]]:
    """The report and, per result, its indicator trends each with a chart (None without figures)."""
    found = compass_of(actor=actor, municipality_id=municipality.pk, compass_id=compass)
    if found is None:
        raise Http404
    report = compass_report(actor=actor, compass=found)
    results: list[object] = [
        (
            result,
            [
                (
                    trend,
                    line_chart(trend.periods, trend.series, decimals=trend.decimals, target=trend.target)
                    if trend.periods
                    else None,
                )
                for trend in result.trends
            ],
        )
        for result in report.results
    ]
    return found, report, results


@staff_view
def report(request: HttpRequest, actor: Actor, municipality: Municipality, compass: int) -> HttpResponse:
    found, built, results = _report(actor, municipality, compass)
    return _page(
        request,
        actor,
        municipality,
        "workspace/compass/report.html",
        report=built,
        results=results,
        compass=found,
    )


def _styles() -> str:
    texts = []
    for name in STYLESHEETS:
        path = finders.find(name)
        assert isinstance(path, str), name
        texts.append(Path(path).read_text(encoding="utf-8"))
    return "\n".join(texts)


@staff_view
def report_pdf(request: HttpRequest, actor: Actor, municipality: Municipality, compass: int) -> HttpResponse:
    found, built, results = _report(actor, municipality, compass)
    html = render_to_string(
        "workspace/compass/report_document.html",
        {
            "report": built,
            "results": results,
            "compass": found,
            "municipality": municipality,
            "styles": _styles(),
        },
        request=request,
    )
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    name = slugify(f"kwaliteitskompas-{municipality.name}-{found.start_year}")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
