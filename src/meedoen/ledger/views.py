"""The shared log on the web: the C2SP tlog-tiles resources any tiles client can verify, and a
JSON API with inclusion and consistency proofs for partners, residents and witnesses."""

from __future__ import annotations

import base64

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from meedoen.core.json_input import JSONParser
from meedoen.core.numbers import whole_number
from meedoen.ledger import selectors, services
from meedoen.ledger.merkle import ProofError
from meedoen.ledger.models import Log
from meedoen.ledger.notes import NoteError
from meedoen.ledger.tiles import TilePathError, parse_tile_path, read_tile


def _log(code: str) -> Log:
    return get_object_or_404(Log.objects.select_related("municipality"), municipality__code=code)


@require_GET
@cache_control(max_age=5, public=True)
def checkpoint(request: HttpRequest, code: str) -> HttpResponse:
    log = get_object_or_404(Log.objects.only("checkpoint"), municipality__code=code)
    latest = selectors.latest_checkpoint_note(log)
    if latest is None:
        raise Http404("no checkpoint yet")
    return HttpResponse(latest, content_type="text/plain; charset=utf-8")


@require_GET
def tile(request: HttpRequest, code: str, path: str) -> HttpResponse:
    try:
        ref = parse_tile_path(path)
    except TilePathError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    content = read_tile(get_object_or_404(Log.objects.only("size"), municipality__code=code), ref)
    if content is None:
        raise Http404("no such tile")
    response = HttpResponse(content, content_type="application/octet-stream")
    # Tiles never change once they exist.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _number(request: Request, name: str, default: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        if default is None:
            raise ValidationError({name: "required"})
        return default
    number = whole_number(raw)
    if number is None:
        raise ValidationError({name: "a whole number of at most 18 digits"})
    return number


class InclusionProofView(APIView):
    """An entry with its proof of inclusion in the latest (or a given) checkpoint of the log."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        parameters=[OpenApiParameter("size", int, description="Tree size of the checkpoint; default the latest.")],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
        tags=["shared log"],
    )
    def get(self, request: Request, code: str, index: int) -> Response:
        log = Log.objects.filter(municipality__code=code).first()
        if log is None:
            raise NotFound("no such log")
        size = _number(request, "size", default=log.size)
        try:
            found = selectors.inclusion(log, index, size)
        except ProofError as error:
            raise ValidationError({"size": str(error)}) from error
        if found is None:
            raise NotFound("no such entry or checkpoint")
        return Response(
            {
                "origin": log.origin,
                "index": index,
                "tree_size": size,
                "leaf": _b64(found.leaf),
                "leaf_hash": _b64(found.leaf_hash),
                "inclusion_proof": [_b64(digest) for digest in found.proof],
                "checkpoint": found.checkpoint_note,
            }
        )


class ConsistencyProofView(APIView):
    """A proof that the tree of size ``from`` is a prefix of the tree of size ``to``, for witnesses."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        parameters=[OpenApiParameter("from", int, required=True), OpenApiParameter("to", int, required=True)],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
        tags=["shared log"],
    )
    def get(self, request: Request, code: str) -> Response:
        log = Log.objects.filter(municipality__code=code).first()
        if log is None:
            raise NotFound("no such log")
        size1, size2 = _number(request, "from"), _number(request, "to")
        try:
            proof = selectors.consistency(log, size1, size2)
        except ProofError as error:
            raise ValidationError({"from": str(error)}) from error
        return Response({"origin": log.origin, "from": size1, "to": size2, "proof": [_b64(d) for d in proof]})


class CosignatureSerializer(serializers.Serializer[object]):
    checkpoint_size = serializers.IntegerField(min_value=0, help_text="The size of the checkpoint you cosigned.")
    signature_line = serializers.CharField(
        max_length=500,
        trim_whitespace=False,
        help_text="Your cosignature line of that checkpoint (C2SP tlog-cosignature).",
    )


class CosignatureView(APIView):
    """Witnesses hand in their cosignature of a checkpoint; the log publishes it with the checkpoint."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    parser_classes = [JSONParser]

    @extend_schema(
        request=CosignatureSerializer,
        responses={201: OpenApiResponse(OpenApiTypes.OBJECT), 400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT},
        tags=["shared log"],
    )
    def post(self, request: Request, code: str) -> Response:
        log = Log.objects.filter(municipality__code=code).first()
        if log is None:
            raise NotFound("no such log")
        # A body that is not an object (a list, a text, null) is refused by the serializer, not read.
        handed_in = CosignatureSerializer(data=request.data)
        handed_in.is_valid(raise_exception=True)
        size, line = handed_in.validated_data["checkpoint_size"], handed_in.validated_data["signature_line"]
        try:
            witness_name = services.cosignature_add(log=log, size=size, signature_line=line)
        except services.UnknownWitnessError as error:
            raise PermissionDenied(str(error)) from error
        except (NoteError, ValueError) as error:
            raise ValidationError({"signature_line": str(error)}) from error
        return Response({"witness": witness_name, "checkpoint_size": size}, status=201)


def entry_page(request: HttpRequest, code: str, index: int) -> HttpResponse:
    """One entry with its proof, checked here against the latest checkpoint and its cosignatures,
    in words a resident or partner can follow; the raw proof is there for anyone who checks it
    with their own tools."""
    log = _log(code)
    found = selectors.inclusion(log, index, log.size) if index < log.size else None
    if found is None:
        raise Http404("no such entry")
    check = selectors.check_inclusion(log, index, found)
    return render(
        request,
        "ledger/entry.html",
        {
            "municipality": log.municipality,
            "log": log,
            "index": index,
            "fields": check.fields,
            "check": check,
            "proof": [digest.hex() for digest in found.proof],
            "leaf_hash": found.leaf_hash.hex(),
            "checkpoint": found.checkpoint_note,
        },
    )
