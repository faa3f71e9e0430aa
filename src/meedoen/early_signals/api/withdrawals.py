"""A creditor withdraws signals it delivered through the API: a batch of references with a reason
each, answered per item as the intake answers per row (``early_signals.withdrawals``).

Answers: 200 when the batch was read (each item then says withdrawn, already_withdrawn or refused),
400 when it was refused as a whole (nothing withdrawn), 413 when it was too large to read.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from meedoen.core.json_input import JSONParser
from meedoen.early_signals import formats
from meedoen.early_signals.api.views import EarlySignalProblemSerializer, _CreditorView, _declared_size
from meedoen.early_signals.models import WithdrawalReason
from meedoen.early_signals.services import creditor_actor
from meedoen.early_signals.withdrawals import (
    ALREADY_WITHDRAWN,
    REFUSED,
    WITHDRAWN,
    WithdrawalsAnswer,
    signals_withdraw_json,
)

REASONS_HELP = "paid (the arrears were paid), arrangement (a payment arrangement was made with you) or sent_in_error"


class EarlySignalWithdrawalSerializer(serializers.Serializer[object]):
    reference = serializers.CharField(
        max_length=64, help_text="Your creditor_reference of the signal, as you delivered it."
    )
    reason = serializers.ChoiceField(choices=WithdrawalReason.choices, help_text=f"Why: {REASONS_HELP}.")


class EarlySignalWithdrawalBatchSerializer(serializers.Serializer[object]):
    withdrawals = serializers.ListField(
        child=EarlySignalWithdrawalSerializer(), min_length=1, max_length=formats.MAX_BATCH
    )


class EarlySignalWithdrawalResultSerializer(serializers.Serializer[object]):
    row = serializers.IntegerField(help_text="The item's place in the list, from 1.")
    reference = serializers.CharField()
    outcome = serializers.ChoiceField(
        choices=[WITHDRAWN, ALREADY_WITHDRAWN, REFUSED],
        help_text=f"{WITHDRAWN}, {ALREADY_WITHDRAWN} (withdrawn before; nothing changed) or {REFUSED}.",
    )
    reason = serializers.ChoiceField(
        choices=WithdrawalReason.choices,
        allow_null=True,
        help_text="The reason recorded for the signal now (for a signal withdrawn before, the reason then, "
        "unless this withdrawal corrected it to sent_in_error); null when refused.",
    )
    withdrawn_at = serializers.DateTimeField(allow_null=True, help_text="When it was withdrawn; null when refused.")
    problems = EarlySignalProblemSerializer(many=True)


class EarlySignalWithdrawalSummarySerializer(serializers.Serializer[object]):
    items = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    already_withdrawn = serializers.IntegerField()
    refused = serializers.IntegerField()
    fatal = serializers.BooleanField(help_text="Refused as a whole: nothing was withdrawn.")


class EarlySignalWithdrawalAnswerSerializer(serializers.Serializer[object]):
    summary = EarlySignalWithdrawalSummarySerializer()
    problems = EarlySignalProblemSerializer(many=True, help_text="Problems of the batch as a whole.")
    results = EarlySignalWithdrawalResultSerializer(many=True)


class WithdrawalView(_CreditorView):
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="early_signals_withdraw",
        tags=["early signals"],
        summary="Withdraw signals you delivered",
        description=(
            "One to 1,000 withdrawals, each the reference of one of your signals and why you withdraw it: "
            f"{REASONS_HELP}. Each is answered: withdrawn, already_withdrawn (nothing changed) or refused, with the "
            "reason (unknown_reference for a reference your organisation did not deliver, reference_removed when "
            "its data was removed after the retention term). The municipality's team stops with a signal you "
            "withdrew, and the feedback answers it as withdrawn; the data of a signal sent in error is removed at "
            "once."
        ),
        request=EarlySignalWithdrawalBatchSerializer,
        responses={
            200: EarlySignalWithdrawalAnswerSerializer,
            400: OpenApiResponse(EarlySignalWithdrawalAnswerSerializer, description="Refused as a whole."),
            401: OpenApiResponse(OpenApiTypes.OBJECT, description="No valid token."),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not a creditor's token."),
            413: OpenApiResponse(EarlySignalWithdrawalAnswerSerializer, description="Too large; not read."),
        },
        examples=[
            OpenApiExample(
                "Two withdrawals",
                value={
                    "withdrawals": [
                        {"reference": "WS-2026-000123", "reason": "paid"},
                        {"reference": "WS-2026-000124", "reason": "sent_in_error"},
                    ]
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        token = self.token(request)
        size = _declared_size(request)
        if size > formats.MAX_JSON_BYTES:
            too_large = formats.too_large(size, formats.MAX_JSON_BYTES)
            assert too_large is not None
            return _answer(WithdrawalsAnswer(problems=(too_large,)))
        # The raw body, not request.data: a broken body is answered as the intake answers one.
        answer = signals_withdraw_json(actor=creditor_actor(token), creditor=token.organisation, content=request.body)
        return _answer(answer)


def _answer(answer: WithdrawalsAnswer) -> Response:
    """200 when the batch was read, 413 when it was too large to read, else 400."""
    if not answer.fatal:
        return Response(answer.as_dict(), status=status.HTTP_200_OK)
    if any(problem.code == "too_large" for problem in answer.problems):
        return Response(answer.as_dict(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return Response(answer.as_dict(), status=status.HTTP_400_BAD_REQUEST)
