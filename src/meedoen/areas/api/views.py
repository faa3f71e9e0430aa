"""Public, read-only API of areas: CBS codes, names and key figures are open statistics."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from meedoen.areas.models import Area


class AreaSerializer(serializers.ModelSerializer[Area]):
    part_of = serializers.CharField(source="parent.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Area
        fields = ["code", "name", "level", "part_of", "population", "dwellings", "reference_year"]


@extend_schema(tags=["areas"])
class AreaViewSet(viewsets.ReadOnlyModelViewSet[Area]):
    """Municipalities, districts and neighbourhoods with their CBS codes."""

    serializer_class = AreaSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    lookup_value_regex = r"(NL01|GM[0-9]{4}|WK[0-9]{4}[0-9A-Z]{2}|BU[0-9]{4}[0-9A-Z]{4})"

    @extend_schema(
        parameters=[
            OpenApiParameter("municipality", str, description="Only areas within this municipality (GM0000)."),
            OpenApiParameter("level", str, enum=Area.Level.values, description="Only areas of this level."),
        ]
    )
    def list(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Area]:
        queryset = Area.objects.select_related("parent").order_by("code")
        municipality = self.request.query_params.get("municipality", "")
        if municipality:
            if len(municipality) != 6 or not municipality.startswith("GM") or not municipality[2:].isdigit():
                raise serializers.ValidationError({"municipality": "expected a municipality code such as GM0867"})
            queryset = queryset.filter(code__regex=rf"^(GM|WK|BU){municipality[2:]}")
        level = self.request.query_params.get("level", "")
        if level:
            if level not in Area.Level.values:
                raise serializers.ValidationError({"level": f"expected one of {', '.join(Area.Level.values)}"})
            queryset = queryset.filter(level=level)
        return queryset
