"""API of municipalities and their partner organisations (public), and of the caller's own roles."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from meedoen.core.access import actor_of
from meedoen.organisations.models import Membership, Municipality, Organisation
from meedoen.organisations.selectors import partner_organisations


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    class Meta:
        model = Organisation
        fields = ["slug", "name", "kind"]


class MunicipalitySerializer(serializers.ModelSerializer[Municipality]):
    class Meta:
        model = Municipality
        fields = ["code", "name", "slug"]


@extend_schema(tags=["municipalities"])
class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet[Municipality]):
    """The municipalities (tenants) on this installation."""

    serializer_class = MunicipalitySerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    lookup_value_regex = r"GM[0-9]{4}"
    queryset = Municipality.objects.order_by("name")

    @extend_schema(responses=OrganisationSerializer(many=True))
    @action(detail=True)
    def organisations(self, request: Request, code: str) -> Response:
        """Partner organisations that work in this municipality."""
        organisations: QuerySet[Organisation] = partner_organisations(self.get_object())
        page = self.paginate_queryset(organisations)  # type: ignore[arg-type]  # paginates another model
        return self.get_paginated_response(OrganisationSerializer(page, many=True).data)


class GrantSerializer(serializers.Serializer[Membership]):
    municipality = serializers.CharField(source="municipality.code")
    organisation = serializers.CharField(source="organisation.slug")
    role = serializers.CharField()


class MeSerializer(serializers.Serializer[object]):
    username = serializers.CharField()
    second_factor = serializers.BooleanField()
    grants = GrantSerializer(many=True)


@extend_schema(tags=["me"], responses=MeSerializer)
class MeView(APIView):
    """Who the caller is and which roles they hold (only with a second factor)."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        assert actor.user_id is not None  # IsAuthenticated ran first
        memberships = (
            Membership.objects.filter(user_id=actor.user_id).select_related("municipality", "organisation")
            if actor.second_factor
            else Membership.objects.none()
        )
        data = {"username": actor.label, "second_factor": actor.second_factor, "grants": memberships}
        return Response(MeSerializer(data).data)
