"""Coordination of the social map for policy staff: per theme, target group and district, how many
offers there are, where they pile up (fragmentation) and where there are none (gaps); as a heat map
table and as CSV."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from meedoen.core.access import Actor
from meedoen.core.spreadsheets import csv_download
from meedoen.organisations.models import Municipality
from meedoen.socialmap.selectors import FRAGMENTATION_FROM, Coverage, MatrixCell, coordination_matrix
from meedoen.workspace.decorators import staff_view
from meedoen.workspace.views import _page

CSV_COLUMNS = ("theme_code", "theme", "target_group_code", "target_group", "area_code", "area", "offers", "flag")


@staff_view
def coordination(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    matrix = coordination_matrix(actor=actor, municipality=municipality)
    area = matrix.area(request.GET.get("wijk", "")) or matrix.municipality
    cells = list(matrix.cells(area))
    return _page(
        request,
        actor,
        municipality,
        "workspace/socialmap/coordination.html",
        matrix=matrix,
        area=area,
        whole_municipality=area == matrix.municipality,
        rows=matrix.rows(area),
        gaps=[cell for cell in cells if cell.is_gap],
        fragmented=sorted((cell for cell in cells if cell.is_fragmented), key=lambda cell: -cell.offers),
        fragmentation_from=FRAGMENTATION_FROM,
    )


@staff_view
def coordination_csv(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    """Every district and the whole municipality, one row per theme, target group and area."""
    matrix = coordination_matrix(actor=actor, municipality=municipality)
    filename = f"sociale-kaart-overzicht-{municipality.code}-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_download(filename, CSV_COLUMNS, (_csv_row(cell) for area in matrix.areas for cell in matrix.cells(area)))


def _csv_row(cell: MatrixCell) -> tuple[object, ...]:
    flag = "" if cell.coverage == Coverage.COVERED else cell.coverage.value
    return (
        cell.theme.code,
        cell.theme.name,
        cell.target_group.code,
        cell.target_group.name,
        cell.area.code,
        cell.area.name,
        cell.offers,
        flag,
    )
