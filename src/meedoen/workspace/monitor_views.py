"""The local picture of the quality compass: indicators per area and period, the municipality next
to the Netherlands, trends and districts; own indicators and own figures. Counts below 10 never
show: the selectors hand out figures that no longer hold them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meedoen.compass.charts import line_chart, sparkline
from meedoen.compass.models import Indicator
from meedoen.compass.selectors.monitor import indicator_detail, indicator_figures, indicator_of, local_picture
from meedoen.compass.services.monitor import EDITORS, FigureImportError, figures_import, indicator_define
from meedoen.core.access import Actor, require_role
from meedoen.core.spreadsheets import csv_download
from meedoen.organisations.models import Municipality
from meedoen.workspace.decorators import staff_view
from meedoen.workspace.form_handling import Saved, form_page, submitted
from meedoen.workspace.monitor_forms import FiguresUploadForm, IndicatorForm
from meedoen.workspace.views import _page

SERIES_CLASSES = {"area": "meedoen-chart__line--area", "municipality": "meedoen-chart__line--municipality"}


def _may_edit(actor: Actor, municipality: Municipality) -> bool:
    return any(actor.has_role(role, municipality_id=municipality.pk) for role in EDITORS)


@staff_view
def picture(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    dashboard = local_picture(actor=actor, municipality=municipality)
    rows = [(row, sparkline(row.municipality_series)) for row in dashboard.rows]
    return _page(
        request,
        actor,
        municipality,
        "workspace/monitor/picture.html",
        dashboard=dashboard,
        rows=rows,
        may_edit=_may_edit(actor, municipality),
    )


def _indicator(municipality: Municipality, pk: int) -> Indicator:
    indicator = indicator_of(municipality, pk)
    if indicator is None:
        raise Http404
    return indicator


@staff_view
def indicator(request: HttpRequest, actor: Actor, municipality: Municipality, pk: int) -> HttpResponse:
    detail = indicator_detail(
        actor=actor,
        municipality=municipality,
        indicator=_indicator(municipality, pk),
        area_code=request.GET.get("gebied", ""),
        period=request.GET.get("periode", ""),
        level="buurt" if request.GET.get("niveau") == "buurt" else "wijk",
    )
    chart = line_chart(
        detail.periods,
        [
            (series.area.name, SERIES_CLASSES.get(series.role, "meedoen-chart__line--country"), series.figures)
            for series in detail.series
        ],
        decimals=detail.indicator.decimals,
    )
    return _page(
        request,
        actor,
        municipality,
        "workspace/monitor/indicator.html",
        detail=detail,
        chart=chart,
        table_rows=list(zip(detail.periods, zip(*(s.figures for s in detail.series), strict=True), strict=True))
        if detail.series
        else [],
    )


@staff_view
def indicator_csv(request: HttpRequest, actor: Actor, municipality: Municipality, pk: int) -> HttpResponse:
    """Every area of the municipality and every period; hidden figures read "< 10" (a count) or "not
    shown" (a figure calculated from one), as on the page."""
    current = _indicator(municipality, pk)
    periods, areas = indicator_figures(actor=actor, municipality=municipality, indicator=current)
    return csv_download(
        f"lokaal-beeld-{municipality.code}-{current.pk}-{timezone.localdate():%Y-%m-%d}.csv",
        ("indicator", "unit", "area_code", "area", "period", "value"),
        (
            (current.code, current.unit, area.code, area.name, period, figure.csv(decimals=None))
            for area, figures in areas
            for period, figure in zip(periods, figures, strict=True)
        ),
    )


@staff_view
def indicator_create(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    if not _may_edit(actor, municipality):
        raise PermissionDenied("only policy staff define indicators")
    parts = Indicator.objects.filter(Q(municipality__isnull=True) | Q(municipality=municipality)).exclude(
        origin=Indicator.Origin.DERIVED
    )
    form = IndicatorForm(submitted(request), parts=parts)

    def save() -> Saved:
        data = form.cleaned_data
        created = indicator_define(
            actor=actor,
            municipality=municipality,
            code=data["code"],
            name=data["name"],
            unit=data["unit"],
            kind=data["kind"],
            definition=data["definition"],
            source=data["source"],
            polarity=data["polarity"],
            decimals=data["decimals"],
            numerator=data["numerator"],
            denominator=data["denominator"],
            factor=data["factor"] if data["numerator"] else 1,
        )
        return Saved(_("Indicator “%(name)s” is added.") % {"name": created.name}, reverse("workspace:monitor"))

    return form_page(request, actor, municipality, "workspace/monitor/indicator_form.html", form, save)


@staff_view
def figures_upload(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    require_role(actor, *EDITORS, municipality_id=municipality.pk)
    form = FiguresUploadForm(request.POST or None, request.FILES or None)
    problems = None
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = figures_import(
                actor=actor, municipality=municipality, content=upload.read(), file_name=upload.name or ""
            )
        except FigureImportError as error:
            problems = error.problems
        else:
            messages.success(request, _("%(count)s figures imported.") % {"count": result.values_written})
            return redirect("workspace:monitor")
    own = Indicator.objects.filter(municipality=municipality, origin=Indicator.Origin.OWN).order_by("code")
    return _page(
        request,
        actor,
        municipality,
        "workspace/monitor/figures_upload.html",
        form=form,
        problems=problems,
        own_indicators=own,
        status=400 if form.errors or problems else 200,
    )
