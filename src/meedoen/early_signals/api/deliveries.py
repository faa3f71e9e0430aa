"""A creditor's deliveries through the API: the list of its receipts, newest first, and one receipt
by its id. Only the token's own organisation's deliveries; counts and a hash, never the rows.

Answers: 200 with the receipts or the receipt, 400 for a query that cannot be read, 404 for a
delivery that is not the organisation's (or does not exist: the two are not told apart).
"""

from __future__ import annotations

from uuid import UUID

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from meedoen.core.numbers import whole_number
from meedoen.early_signals.api.views import EarlySignalReceiptSerializer, _CreditorView
from meedoen.early_signals.deliveries import (
    DeliveryNotFoundError,
    deliveries_of_creditor,
    delivery_of_creditor,
    receipt_of,
)

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_PAGES = 999_999_999  # the most a page number of nine digits can say


class EarlySignalDeliverySerializer(EarlySignalReceiptSerializer):
    delivery = serializers.UUIDField(help_text="Id of the delivery.")
    channel = serializers.CharField(help_text="csv, xlsx or json.")
    completed_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When every row was answered; null while the delivery is taken in, or when it was cut off "
        "(send it again: rows already received are answered as duplicates).",
    )
    delivered_by = serializers.CharField(
        allow_null=True,
        help_text="Who sent it: the login name of a colleague on the workspace's upload page, "
        "`creditor:<organisation>:<key prefix>` for one of your API keys, `system:<name>` for the platform "
        "operator; null for deliveries from before this was recorded.",
    )


class EarlySignalDeliveryPageSerializer(serializers.Serializer[object]):
    count = serializers.IntegerField(help_text="How many deliveries your organisation made in all.")
    next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last page.")
    results = EarlySignalDeliverySerializer(many=True)


REFUSALS = {
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="No valid token."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not a creditor's token."),
}


def _number(request: Request, name: str, default: int, maximum: int, refused: dict[str, list[str]]) -> int:
    """The whole number ``name`` of the query, from 1 to ``maximum``; ``default`` when it is not
    given, or when it cannot be used, and then the reason is added to ``refused``."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    number = whole_number(raw, digits=9)
    if number is None or not 1 <= number <= maximum:
        refused[name] = [_("Give %(name)s as a whole number from 1 to %(max)s.") % {"name": name, "max": maximum}]
        return default
    return number


class DeliveryListView(_CreditorView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="early_signals_deliveries",
        tags=["early signals"],
        summary="Your deliveries",
        description=(
            "The receipts of every delivery of your organisation that was read (JSON batches and files, through "
            "the API, the workspace or the operator), newest first, a page at a time: follow `next` until it is "
            "null. A delivery refused before it was read (too large, no file) was not kept and is not listed. "
            "The answer per row is not kept: it is given only in the reply to the delivery."
        ),
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="The page, from 1 (default 1)."),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"Receipts per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."
            ),
        ],
        responses={
            200: OpenApiResponse(EarlySignalDeliveryPageSerializer, description="A page of receipts, newest first."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="A query parameter that cannot be read."),
            **REFUSALS,
        },
    )
    def get(self, request: Request) -> Response:
        token = self.token(request)
        refused: dict[str, list[str]] = {}  # both are checked, so a query is told all that is wrong with it
        limit = _number(request, "limit", DEFAULT_LIMIT, MAX_LIMIT, refused)
        paginator = Paginator(deliveries_of_creditor(creditor=token.organisation), limit)
        # The last page depends on the limit: with the limit refused, only "a whole number" is checked.
        last = max(paginator.num_pages, 1) if not refused else MAX_PAGES
        number = _number(request, "page", 1, last, refused)
        if refused:
            raise ValidationError(refused)
        page = paginator.page(number)
        next_url = None
        if page.has_next():
            next_url = replace_query_param(request.build_absolute_uri(), "page", page.next_page_number())
        response = Response(
            {"count": paginator.count, "next": next_url, "results": [receipt_of(item) for item in page]}
        )
        if next_url is not None:
            response["Link"] = f'<{next_url}>; rel="next"'
        return response


class DeliveryView(_CreditorView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="early_signals_delivery",
        tags=["early signals"],
        summary="The receipt of one of your deliveries",
        description=(
            "The receipt of a delivery by its id (`receipt.delivery` in the reply to the delivery): the counts "
            "of its rows, the SHA-256 and size of what was sent, and whether it was completed. The answer per "
            "row is not kept."
        ),
        responses={
            200: OpenApiResponse(EarlySignalDeliverySerializer, description="The receipt."),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No delivery of your organisation with this id."),
            **REFUSALS,
        },
    )
    def get(self, request: Request, delivery: UUID) -> Response:
        token = self.token(request)
        try:
            found = delivery_of_creditor(creditor=token.organisation, delivery_id=delivery)
        except DeliveryNotFoundError:
            raise NotFound(_("Your organisation made no delivery with this id.")) from None
        return Response(receipt_of(found))
