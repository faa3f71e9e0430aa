"""Read API of the local picture, for staff of a municipality. Figures come through the same
selectors as the pages: a count below 10, or a figure built on one, has no value here either
("hidden": true, "value": null)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from meedoen.compass.models import Indicator
from meedoen.compass.selectors.monitor import indicator_figures, indicators_of, require_reader
from meedoen.core.access import actor_of
from meedoen.organisations.models import Municipality


class IndicatorSerializer(serializers.ModelSerializer[Indicator]):
    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "unit", "kind", "polarity", "origin", "decimals", "source", "definition"]


class FigureSerializer(serializers.Serializer[object]):
    period = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="Empty when unknown or hidden.")
    hidden = serializers.BooleanField(help_text="True for a count below 10, or a figure built on one.")


class AreaFiguresSerializer(serializers.Serializer[object]):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    figures = FigureSerializer(many=True)


class IndicatorFiguresSerializer(serializers.Serializer[object]):
    indicator = IndicatorSerializer()
    periods = serializers.ListField(child=serializers.CharField())
    areas = AreaFiguresSerializer(many=True)


def _municipality(request: Request, code: str) -> Municipality:
    municipality = get_object_or_404(Municipality, code=code)
    require_reader(actor_of(request._request), municipality)
    return municipality


@extend_schema(tags=["local picture"], responses=IndicatorSerializer(many=True))
class IndicatorListView(APIView):
    """The indicators of a municipality's local picture: CBS's and its own."""

    def get(self, request: Request, municipality: str) -> Response:
        found = _municipality(request, municipality)
        return Response(IndicatorSerializer(indicators_of(found), many=True).data)


@extend_schema(tags=["local picture"], responses=IndicatorFiguresSerializer)
class IndicatorFiguresView(APIView):
    """One indicator for the municipality, its districts and the Netherlands, every period."""

    def get(self, request: Request, municipality: str, pk: int) -> Response:
        found = _municipality(request, municipality)
        indicator = next((i for i in indicators_of(found) if i.pk == pk), None)
        if indicator is None:
            return Response({"detail": "no such indicator for this municipality"}, status=404)
        periods, areas = indicator_figures(actor=actor_of(request._request), municipality=found, indicator=indicator)
        payload = {
            "indicator": indicator,
            "periods": periods,
            "areas": [
                {
                    "code": area.code,
                    "name": area.name,
                    "level": area.level,
                    "figures": [
                        {"period": period, "value": figure.value, "hidden": figure.hidden}
                        for period, figure in zip(periods, figures, strict=True)
                    ],
                }
                for area, figures in areas
            ],
        }
        return Response(IndicatorFiguresSerializer(payload).data)
