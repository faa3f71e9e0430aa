"""The signals API for creditors: a JSON batch, or a CSV or XLSX file, answered per row; and the
feedback on the signals a creditor delivered.

The format is described in ``docs/early-signals-format.md``. A creditor authenticates with a token
of its organisation and may deliver signals only about residents of municipalities it has an
active agreement with; a row for any other municipality is refused with a reason.

Answers: 200 when the delivery was read (each row then says accepted, duplicate or refused), 400
when it was refused as a whole (a fatal problem, nothing stored), 413 when it was too large to read.
The feedback answers 200 with a page of changes (JSON or CSV), 400 for a query it cannot read.
The proof of receipt answers 200 with the proof of one signal, 404 when there is none to give.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from meedoen.core.json_input import JSONParser
from meedoen.core.numbers import whole_number
from meedoen.early_signals import feedback, formats, selectors
from meedoen.early_signals.api.auth import CreditorTokenAuthentication, IsCreditor
from meedoen.early_signals.formats import FATAL, Problem
from meedoen.early_signals.models import CreditorToken, Signal, WithdrawalReason
from meedoen.early_signals.rows import MAX_AMOUNT, REFERENCE_LENGTH, read_reference
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
    house_number = serializers.IntegerField(
        min_value=1, max_value=99999, help_text="Text such as 12A is read as number 12, addition A, with a warning."
    )
    house_number_addition = serializers.CharField(required=False, allow_blank=True, max_length=10)
    postcode = serializers.CharField(max_length=7, help_text="Four digits and two letters, e.g. 5141 AB.")
    city = serializers.CharField(max_length=100)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    email = serializers.EmailField(required=False, allow_blank=True)
    bsn = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Optional; checked with the eleven test. Only a keyed pseudonym of it is kept, never the number.",
    )
    arrears_amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=MAX_AMOUNT,
        coerce_to_string=False,
        help_text="Arrears in euros, e.g. 412.50; more than 0 for arrears.",
    )
    months_in_arrears = serializers.IntegerField(min_value=0, max_value=240)
    reminder_date = serializers.DateField(help_text="Date of your written reminder.")
    signal_date = serializers.DateField(help_text="Date of this signal.")


class EarlySignalBatchSerializer(serializers.Serializer[object]):
    format_version = serializers.CharField(help_text="Version of the format: 1.0.")
    signals = serializers.ListField(child=EarlySignalSerializer(), min_length=1, max_length=formats.MAX_BATCH)


@extend_schema_field(OpenApiTypes.BINARY)
class UploadedFileField(serializers.FileField):
    """A file sent as a part of a multipart request: binary in the schema, not the address of a file."""


class EarlySignalFileSerializer(serializers.Serializer[object]):
    file = UploadedFileField(
        help_text="A CSV (UTF-8 or Windows-1252; delimited by ;, , or tab) or XLSX file in the documented format."
    )
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
    "phone": "06 12345678",
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
    return whole_number(raw) or 0


def _answer(answer: DeliveryAnswer, *, refused_status: int = status.HTTP_400_BAD_REQUEST) -> Response:
    """200 when the delivery was read, 413 when it was too large (also an XLSX found too large once
    unpacked), else ``refused_status``."""
    if not answer.fatal:
        return Response(answer.as_dict(), status=status.HTTP_200_OK)
    if any(problem.code == "too_large" for problem in answer.problems):
        refused_status = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    return Response(answer.as_dict(), status=refused_status)


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
        elif (files := len(request.FILES.getlist("file"))) > 1:
            # Reading one of them would leave the others' signals undelivered without a word.
            message = _("Send one file per delivery; this request holds %(count)s in the field “file”.")
            problems.append(Problem(FATAL, "several_files", message % {"count": files}, field="file"))
        if not isinstance(version, str) or not version.strip():
            problems.append(
                Problem(FATAL, "format_version", _("Give the format version, such as “1.0”."), field="format_version")
            )
        if isinstance(upload, UploadedFile) and upload.size is not None and upload.size > formats.MAX_FILE_BYTES:
            answer = delivery_refused_unread(
                creditor=token.organisation,
                size_bytes=upload.size,
                channel="file",
                format_version=version.strip() if isinstance(version, str) else "",
            )
            return _answer(answer, refused_status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        content = upload.read(formats.MAX_FILE_BYTES + 1) if isinstance(upload, UploadedFile) else None
        if problems:
            # The receipt names the file that came, so that the creditor can tell which one it was.
            answer = delivery_refused_unread(
                creditor=token.organisation,
                size_bytes=size if content is None else len(content),
                channel="file",
                format_version="",
                problems=problems,
                sha256="" if content is None else hashlib.sha256(content).hexdigest(),
            )
            return _answer(answer)
        assert content is not None and isinstance(version, str)
        answer = signals_deliver_file(
            actor=creditor_actor(token), creditor=token.organisation, content=content, format_version=version.strip()
        )
        return _answer(answer)


# --- feedback --------------------------------------------------------------------------------------------


class EarlySignalFeedbackSerializer(serializers.Serializer[object]):
    creditor_reference = serializers.CharField(help_text="Your reference of the signal.")
    municipality = serializers.CharField(help_text="CBS code of the municipality, e.g. GM0867.")
    status = serializers.ChoiceField(
        choices=feedback.STATUSES,
        help_text="received (not yet taken up), in_progress (the team is offering help), closed, or withdrawn "
        "(you withdrew the signal: nothing more is told about it).",
    )
    help_accepted = serializers.ChoiceField(
        choices=feedback.HELP_ANSWERS,
        help_text="yes once the household has taken up help (the case is in help, or closed with help); no once "
        "it is closed without help; unknown before either, and for a withdrawn signal.",
    )
    closed_on = serializers.DateField(
        allow_null=True, help_text="The day the case was closed; null while open, and for a withdrawn signal."
    )
    changed_at = serializers.DateTimeField(help_text="When this feedback last changed; use it as the next `since`.")
    withdrawn_on = serializers.DateField(
        allow_null=True, help_text="The day you withdrew the signal; null for a signal that stands."
    )
    withdrawal_reason = serializers.ChoiceField(
        choices=WithdrawalReason.choices,
        allow_null=True,
        help_text="Why you withdrew it: paid, arrangement or sent_in_error; null for a signal that stands.",
    )


class EarlySignalFeedbackPageSerializer(serializers.Serializer[object]):
    next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last page.")
    results = EarlySignalFeedbackSerializer(many=True)


class FeedbackCSVRenderer(BaseRenderer):
    """The page of feedback as CSV; cells that a spreadsheet would run as a formula are made text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        results = data.get("results", []) if isinstance(data, dict) else []
        return feedback.csv_text(results).encode("utf-8")


def _since(request: Request) -> datetime | None:
    raw = request.query_params.get("since")
    if raw is None:
        return None
    message = _(
        "Give since as an ISO 8601 date and time, such as 2026-03-01T00:00:00Z or 2026-03-01T00:00:00+01:00 "
        "(write the + of an offset as %2B in a web address)."
    )
    try:
        if not raw.isprintable():
            # The parser stops at a NUL and would accept what follows it unread.
            raise ValueError(raw)
        since = datetime.fromisoformat(raw.strip())
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        # In UTC, as the database compares it; a moment that falls off the calendar there is refused here.
        return since.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationError({"since": [message]}) from None


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return feedback.DEFAULT_LIMIT
    limit = whole_number(raw, digits=9)
    if limit is None or not 1 <= limit <= feedback.MAX_LIMIT:
        raise ValidationError(
            {"limit": [_("Give limit as a whole number from 1 to %(max)s.") % {"max": feedback.MAX_LIMIT}]}
        )
    return limit


class FeedbackView(_CreditorView):
    renderer_classes = [JSONRenderer, FeedbackCSVRenderer]

    @extend_schema(
        operation_id="early_signals_feedback",
        tags=["early signals"],
        summary="Feedback on your signals",
        description=(
            "Per signal you delivered, about residents of municipalities you have an active agreement with: "
            "whether the case was received, is in progress or was closed, whether help was accepted, and the day "
            "it closed. Nothing else about the household. Only signals whose feedback changed at or after `since`, "
            "oldest change first, a page at a time: follow `next` (also given as a `Link` header) until it is "
            "null. Signals whose personal data was removed after the retention term are still answered. A signal "
            "you withdrew is answered as withdrawn, with the day and your reason, and nothing about its case. As "
            "CSV with `?format=csv` or `Accept: text/csv`."
        ),
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                description="Changes at or after this moment (ISO 8601; without an offset: Dutch time).",
            ),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="Where the previous page ended (from `next`)."),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"Items per page, 1 to {feedback.MAX_LIMIT} (default {feedback.DEFAULT_LIMIT}).",
            ),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="json (default) or csv."),
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                EarlySignalFeedbackPageSerializer, description="A page of feedback, the oldest change first."
            ),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="The same page as CSV: " + ", ".join(feedback.CSV_COLUMNS) + "."
            ),
            (400, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="A query parameter that cannot be read, with the reason."
            ),
            (401, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="No valid token."),
            (403, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="Not a creditor's token."),
        },
    )
    def get(self, request: Request) -> Response:
        token = self.token(request)
        since, limit = _since(request), _limit(request)
        try:
            page = feedback.creditor_feedback(
                token=token,
                actor=creditor_actor(token),
                since=since,
                cursor=request.query_params.get("cursor") or None,
                limit=limit,
                via=f"api:{request.accepted_renderer.format}",
            )
        except feedback.CursorError:
            raise ValidationError({"cursor": [_("This cursor was not handed out by this server.")]}) from None
        next_url = None
        if page.next_cursor is not None:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        response = Response({"next": next_url, "results": [item.as_dict() for item in page.items]})
        if next_url is not None:
            response["Link"] = f'<{next_url}>; rel="next"'
        return response

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # DRF answers an unknown ?format= with 404, as if the feedback did not exist; it is a query
        # that cannot be read. (With force, DRF is choosing a renderer for an error: never refuse.)
        asked = request.query_params.get(api_settings.URL_FORMAT_OVERRIDE or "format")
        if not force and asked and asked not in {renderer.format for renderer in self.get_renderers()}:
            raise ValidationError({"format": [_("Give format as json or csv.")]})
        return super().perform_content_negotiation(request, force)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Errors are answered in JSON, also to a client that asked for CSV.
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and isinstance(renderer, BaseRenderer) and renderer.format != "json":
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


# --- proof of receipt -----------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.BYTE)
class Base64Field(serializers.CharField):
    """Bytes, written in base64 (RFC 4648, with padding)."""


class EarlySignalProofEntrySerializer(serializers.Serializer[object]):
    index = serializers.IntegerField(
        allow_null=True, help_text="The entry's place in the log; null until the log has taken it in (seconds)."
    )
    leaf = Base64Field(help_text="The entry as the log hashes it: canonical JSON, signed by your organisation.")
    leaf_hash = Base64Field(help_text="SHA-256 of a 0x00 byte followed by the leaf (RFC 9162).")


class EarlySignalProofItemSerializer(serializers.Serializer[object]):
    text = serializers.CharField(
        help_text=(
            "Your signal as an item of the entry: canonical JSON of kind, payload_sha256, subject (empty: an item "
            "names no household), subject_key and v."
        )
    )
    position = serializers.IntegerField(help_text="The item's place among the entry's items, from 0.")
    batch_size = serializers.IntegerField(help_text="How many items the entry stands for.")
    path = serializers.ListField(child=Base64Field(), help_text="The RFC 9162 audit path from the item to root.")
    # The serializer's metaclass takes declared fields off the class: this does not hide Field.root.
    root = Base64Field(help_text="The root of the tree over the entry's items.")  # type: ignore[assignment]


class EarlySignalProofInclusionSerializer(serializers.Serializer[object]):
    tree_size = serializers.IntegerField(help_text="The size of the log at the checkpoint.")
    proof = serializers.ListField(
        child=Base64Field(), help_text="The RFC 9162 inclusion proof of the entry in the checkpoint's tree."
    )
    checkpoint = serializers.CharField(
        help_text="The log's latest checkpoint: a signed note (C2SP tlog-checkpoint), with witnesses' cosignatures."
    )


class EarlySignalProofSerializer(serializers.Serializer[object]):
    creditor_reference = serializers.CharField(help_text="Your reference of the signal.")
    log = serializers.CharField(help_text="The origin of the municipality's shared log, as its checkpoints name it.")
    entry = EarlySignalProofEntrySerializer()
    item = EarlySignalProofItemSerializer()
    inclusion = EarlySignalProofInclusionSerializer(
        allow_null=True, help_text="Null until the entry is in a checkpoint of the log; ask again later."
    )


def _reference(request: Request) -> str:
    # Read as the intake read it: the same text that was delivered finds the signal.
    reference = read_reference(request.query_params.get("reference") or "")
    if reference is None:
        message = _(
            "Give reference as the creditor_reference of one of your signals: 1 to %(max)s characters, "
            "without control characters."
        ) % {"max": REFERENCE_LENGTH}
        raise ValidationError({"reference": [message]})
    return reference


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _proof_answer(proof: selectors.SignalProof) -> dict[str, Any]:
    found = proof.in_log
    included = found.inclusion
    return {
        "creditor_reference": proof.creditor_reference,
        "log": found.origin,
        "entry": {
            "index": found.entry_index,
            "leaf": _b64(found.entry_leaf),
            "leaf_hash": _b64(found.entry_leaf_hash),
        },
        "item": {
            # Canonical JSON with ASCII escapes: the text is the item's bytes exactly.
            "text": found.item.decode("ascii"),
            "position": found.position,
            "batch_size": found.size,
            "path": [_b64(digest) for digest in found.path],
            "root": _b64(found.root),
        },
        "inclusion": None
        if included is None
        else {
            "tree_size": found.tree_size,
            "proof": [_b64(digest) for digest in included.proof],
            "checkpoint": included.checkpoint_note,
        },
    }


class SignalProofView(_CreditorView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="early_signals_proof",
        tags=["early signals"],
        summary="Proof that the municipality received your signal",
        description=(
            "For one signal you delivered (also after its personal data was removed), the proof from the "
            "municipality's shared log that it was received, which you can check without trusting Meedoen. The "
            "signals a delivery stores are written to the log together: one entry, signed by your organisation, "
            "per municipality in every chunk of up to 500 rows; each signal is an item of it. To check: (1) "
            "compute payload_sha256, the SHA-256 in hexadecimal of "
            "the canonical JSON of your reference and dates, "
            '`{"creditor_reference":"…","reminder_date":"YYYY-MM-DD","signal_date":"YYYY-MM-DD"}` (keys sorted, '
            "no spaces, non-ASCII characters escaped as \\uXXXX); (2) check that `item.text` holds that "
            "payload_sha256 and the kind signal.received; (3) verify `item.path` from the item at "
            "`item.position` of `item.batch_size` items to `item.root` as an RFC 9162 inclusion proof, with leaf "
            "hash SHA-256(0x00 || item) and node hash SHA-256(0x01 || left || right); (4) check that the "
            "payload_sha256 in `entry.leaf` is the SHA-256 of the canonical JSON "
            '`{"items":batch_size,"kind":"signal.received","root":"<root in hexadecimal>","v":1}`, and that '
            "`entry.leaf_hash` is SHA-256(0x00 || leaf); (5) check the signature of `inclusion.checkpoint` with "
            "the log's public key, and verify `inclusion.proof` from `entry.leaf_hash` at `entry.index` to the "
            "root of the checkpoint of `inclusion.tree_size` entries. `inclusion` is null, and `entry.index` "
            "too, until the log has taken the entry in (seconds after the delivery); ask again then. Signals "
            "received before signals were logged as items have no proof here (404)."
        ),
        parameters=[
            OpenApiParameter(
                "reference",
                OpenApiTypes.STR,
                required=True,
                description=f"Your creditor_reference of the signal (at most {REFERENCE_LENGTH} characters).",
            ),
        ],
        responses={
            200: OpenApiResponse(EarlySignalProofSerializer, description="The proof of the signal."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="No reference, or one that cannot be read."),
            401: OpenApiResponse(OpenApiTypes.OBJECT, description="No valid token."),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not a creditor's token."),
            404: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="You delivered no signal with this reference that has a proof here.",
            ),
        },
    )
    def get(self, request: Request) -> Response:
        token = self.token(request)
        reference = _reference(request)
        proof = selectors.signal_proof(
            actor=creditor_actor(token), creditor=token.organisation, reference=reference, via="api"
        )
        if proof is None:
            raise NotFound(_("You delivered no signal with this reference that has a proof here."))
        return Response(_proof_answer(proof))
