"""The signals API for creditors: a JSON batch, or a CSV or XLSX file, answered per row.

The format is described in ``docs/early-signals-format.md``. A creditor authenticates with a token
of its organisation and may deliver signals only about residents of municipalities it has an
active agreement with; a row for any other municipality is refused with a reason.

Answers: 200 when the delivery was read (each row then says accepted, duplicate or refused), 400
when it was refused as a whole (a fatal problem, nothing stored), 413 when it was too large to read.
"""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from meedoen.early_signals import formats
from meedoen.early_signals.api.auth import CreditorTokenAuthentication, IsCreditor
from meedoen.early_signals.formats import FATAL, Problem
from meedoen.early_signals.models import CreditorToken, Signal
from meedoen.early_signals.services import (
    ACCEPTED,
    DUPLICATE,
    REFUSED,
    DeliveryAnswer,
    creditor_actor,
    delivery_refused_unread,
    signals_deliver_file,
    signals_deliver_json,
)

# Room for the multipart envelope around a file of the largest size.
MULTIPART_OVERHEAD = 64 * 1024

# --- the schema -------------------------------------------------------------------------------------------


class EarlySignalSerializer(serializers.Serializer[object]):
    municipality = serializers.CharField(help_text="CBS code of the municipality where the person lives, e.g. GM0867.")
    creditor_reference = serializers.CharField(max_length=64, help_text="Your own unique reference of this signal.")
    signal_kind = serializers.ChoiceField(choices=Signal.Kind.values)
    initials = serializers.CharField(required=False, allow_blank=True, max_length=20)
    given_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    surname_prefix = serializers.CharField(required=False, allow_blank=True, max_length=20)
    surname = serializers.CharField(max_length=200)
    date_of_birth = serializers.DateField()
    street = serializers.CharField(max_length=200)
    house_number = serializers.IntegerField(min_value=1, max_value=99999)
    house_number_addition = serializers.CharField(required=False, allow_blank=True, max_length=10)
    postcode = serializers.CharField(max_length=7, help_text="Four digits and two letters, e.g. 5141 AB.")
    city = serializers.CharField(max_length=100)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    email = serializers.EmailField(required=False, allow_blank=True)
    bsn = serializers.CharField(
        required=False, allow_blank=True, help_text="Optional; checked with the eleven test, never stored."
    )
    arrears_amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, coerce_to_string=False, help_text="Arrears in euros, e.g. 412.50."
    )
    months_in_arrears = serializers.IntegerField(min_value=0, max_value=240)
    reminder_date = serializers.DateField(help_text="Date of your written reminder.")
    signal_date = serializers.DateField(help_text="Date of this signal.")


class EarlySignalBatchSerializer(serializers.Serializer[object]):
    format_version = serializers.CharField(help_text="Version of the format: 1.0.")
    signals = serializers.ListField(child=EarlySignalSerializer(), min_length=1, max_length=formats.MAX_BATCH)


class EarlySignalFileSerializer(serializers.Serializer[object]):
    file = serializers.FileField(help_text="A CSV (UTF-8, ; or , delimited) or XLSX file in the documented format.")
    format_version = serializers.CharField(help_text="Version of the format: 1.0.")


class EarlySignalProblemSerializer(serializers.Serializer[object]):
    severity = serializers.CharField(help_text="fatal (nothing stored), error (row refused) or warning (row stored).")
    row = serializers.IntegerField(allow_null=True, help_text="Row of the file (header is 1), or place in the batch.")
    field = serializers.CharField(help_text="Column or field, or empty.")
    code = serializers.CharField(help_text="A stable code for the problem, e.g. invalid_postcode.")
    message = serializers.CharField(help_text="Why, in words.")


class EarlySignalRowSerializer(serializers.Serializer[object]):
    row = serializers.IntegerField()
    creditor_reference = serializers.CharField()
    outcome = serializers.CharField(help_text=f"{ACCEPTED}, {DUPLICATE} (received before) or {REFUSED}.")
    problems = EarlySignalProblemSerializer(many=True)


class EarlySignalReceiptSerializer(serializers.Serializer[object]):
    delivery = serializers.UUIDField(allow_null=True, help_text="Id of the delivery; empty when it was not read.")
    creditor = serializers.CharField()
    channel = serializers.CharField(help_text="csv, xlsx or json; file for a file refused before it was read.")
    format_version = serializers.CharField()
    received_at = serializers.DateTimeField()
    sha256 = serializers.CharField(help_text="SHA-256 of the file or request body, in hexadecimal.")
    size_bytes = serializers.IntegerField()
    rows = serializers.IntegerField()
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    refused = serializers.IntegerField()
    warnings = serializers.IntegerField()
    fatal = serializers.BooleanField()


class EarlySignalAnswerSerializer(serializers.Serializer[object]):
    receipt = EarlySignalReceiptSerializer()
    problems = EarlySignalProblemSerializer(many=True, help_text="Problems of the delivery as a whole.")
    rows = EarlySignalRowSerializer(many=True)


EXAMPLE_SIGNAL = {
    "municipality": "GM0867",
    "creditor_reference": "WS-2026-000123",
    "signal_kind": "arrears",
    "initials": "J.",
    "given_name": "Jolien",
    "surname_prefix": "van",
    "surname": "Voorbeeld",
    "date_of_birth": "1984-03-17",
    "street": "Verzonnenstraat",
    "house_number": 12,
    "house_number_addition": "A",
    "postcode": "5141 ZZ",
    "city": "Waalwijk",
    "phone": "0612345678",
    "email": "",
    "arrears_amount": 412.50,
    "months_in_arrears": 2,
    "reminder_date": "2026-03-02",
    "signal_date": "2026-03-16",
}
RESPONSES = {
    200: EarlySignalAnswerSerializer,
    400: OpenApiResponse(EarlySignalAnswerSerializer, description="Refused as a whole; nothing stored."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="No valid token."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not a creditor's token."),
    413: OpenApiResponse(EarlySignalAnswerSerializer, description="Too large; refused before it was read."),
}


# --- the views ---------------------------------------------------------------------------------------------


def _declared_size(request: Request) -> int:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    return int(raw) if raw.isdigit() else 0


def _answer(answer: DeliveryAnswer, *, refused_status: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response(answer.as_dict(), status=refused_status if answer.fatal else status.HTTP_200_OK)


class _CreditorView(APIView):
    authentication_classes = [CreditorTokenAuthentication]
    permission_classes = [IsCreditor]

    def token(self, request: Request) -> CreditorToken:
        token = request.auth
        assert isinstance(token, CreditorToken)  # IsCreditor ran first
        return token


class SignalBatchView(_CreditorView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="early_signals_deliver",
        tags=["early signals"],
        summary="Deliver signals of payment arrears",
        description=(
            "One to 1,000 signals as JSON. Each is answered: accepted, duplicate (the same creditor_reference "
            "with the same content was received before; nothing changes) or refused, with the problems per field."
        ),
        request=EarlySignalBatchSerializer,
        responses=RESPONSES,
        examples=[
            OpenApiExample(
                "One signal", value={"format_version": "1.0", "signals": [EXAMPLE_SIGNAL]}, request_only=True
            )
        ],
    )
    def post(self, request: Request) -> Response:
        token = self.token(request)
        size = _declared_size(request)
        if size > formats.MAX_JSON_BYTES:
            answer = delivery_refused_unread(
                creditor=token.organisation, size_bytes=size, channel="json", format_version=""
            )
            return _answer(answer, refused_status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        # The raw body, not request.data: its hash goes into the receipt, and a broken body gets the
        # same answer as a broken file.
        content: bytes = request.body
        answer = signals_deliver_json(actor=creditor_actor(token), creditor=token.organisation, content=content)
        return _answer(answer)


class SignalFileView(_CreditorView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="early_signals_deliver_file",
        tags=["early signals"],
        summary="Deliver a CSV or XLSX file of signals",
        description=(
            "The file in the field `file`, the format version in `format_version`. CSV in UTF-8 (Windows-1252 is "
            "read with a warning), delimited by semicolons or commas; XLSX from the first sheet. Answered per row."
        ),
        request={"multipart/form-data": EarlySignalFileSerializer},
        responses=RESPONSES,
    )
    def post(self, request: Request) -> Response:
        token = self.token(request)
        size = _declared_size(request)
        if size > formats.MAX_FILE_BYTES + MULTIPART_OVERHEAD:
            answer = delivery_refused_unread(
                creditor=token.organisation, size_bytes=size, channel="file", format_version=""
            )
            return _answer(answer, refused_status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        upload = request.data.get("file")
        version = request.data.get("format_version")
        problems: list[Problem] = []
        if not isinstance(upload, UploadedFile):
            problems.append(Problem(FATAL, "no_file", _("Send the file in the field “file”."), field="file"))
        if not isinstance(version, str) or not version.strip():
            problems.append(
                Problem(FATAL, "format_version", _("Give the format version, such as “1.0”."), field="format_version")
            )
        if problems:
            answer = delivery_refused_unread(
                creditor=token.organisation, size_bytes=size, channel="file", format_version="", problems=problems
            )
            return _answer(answer)
        assert isinstance(upload, UploadedFile) and isinstance(version, str)
        if upload.size is not None and upload.size > formats.MAX_FILE_BYTES:
            answer = delivery_refused_unread(
                creditor=token.organisation, size_bytes=upload.size, channel="file", format_version=version
            )
            return _answer(answer, refused_status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        content = upload.read(formats.MAX_FILE_BYTES + 1)
        answer = signals_deliver_file(
            actor=creditor_actor(token), creditor=token.organisation, content=content, format_version=version.strip()
        )
        return _answer(answer)
