"""Pages where a creditor's staff deliver signals of payment arrears by hand: upload a CSV or XLSX
file, read the receipt and the answer per row, download that answer as CSV, find the
organisation's deliveries again, and withdraw a signal (``early_signals.withdrawals``).

The file goes to the same service as a file sent to the API (``signals_deliver_file``). The answer
per row is not stored with the delivery (it repeats values of the rows, also of refused rows that
were never taken in): it is kept in the cache for an hour, only for the person who uploaded, so that
they can page through it and download it. After that the receipt's counts remain.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from meedoen.core.access import Actor, Role
from meedoen.core.numbers import whole_number
from meedoen.core.spreadsheets import csv_download
from meedoen.early_signals import formats
from meedoen.early_signals.deliveries import (
    DeliveryNotFoundError,
    deliverable_municipalities,
    deliveries_for_deliverer,
    delivery_for_deliverer,
    granted_municipalities,
    require_deliverer,
)
from meedoen.early_signals.formats import ERROR, FATAL, WARNING, grouped
from meedoen.early_signals.models import Delivery, WithdrawalReason
from meedoen.early_signals.services import ACCEPTED, DUPLICATE, REFUSED, DeliveryAnswer, signals_deliver_file
from meedoen.early_signals.withdrawals import (
    ALREADY_WITHDRAWN,
    WITHDRAWN,
    WithdrawalPreview,
    reason_label,
    signal_withdraw,
    withdrawal_preview,
)
from meedoen.organisations.models import Organisation
from meedoen.workspace.decorators import current_municipality, deliverer_view
from meedoen.workspace.navigation import modules_for
from meedoen.workspace.signal_delivery_forms import SignalFileForm, WithdrawalForm, megabytes

ANSWERS_KEPT_SECONDS = 60 * 60
ANSWERS_PER_PAGE = 100
DELIVERIES_PER_PAGE = 25
PAGE = "pagina"
# Room for the multipart envelope around a file of the largest size (as the API allows).
ENVELOPE_BYTES = 64 * 1024
FILE_NAME_SHOWN = 100
DOCS = Path(settings.BASE_DIR) / "docs"
FORMAT_DOC = DOCS / "early-signals-format.md"
EXAMPLE_FILE = DOCS / "early-signals-example.csv"
CSV_COLUMNS = ("row", "creditor_reference", "outcome", "severity", "field", "code", "message")

OUTCOMES = {
    ACCEPTED: gettext_lazy("accepted"),
    DUPLICATE: gettext_lazy("received before"),
    REFUSED: gettext_lazy("refused"),
}
SEVERITIES = {
    FATAL: gettext_lazy("refused as a whole"),
    "error": gettext_lazy("error"),
    WARNING: gettext_lazy("warning"),
}


# --- the answer per row, kept for a while ----------------------------------------------------------------


@dataclass(frozen=True)
class ProblemShown:
    severity: str
    field: str
    code: str
    message: str

    @property
    def severity_label(self) -> str:
        return str(SEVERITIES.get(self.severity, self.severity))


@dataclass(frozen=True)
class RowShown:
    row: int
    creditor_reference: str
    outcome: str
    problems: tuple[ProblemShown, ...]

    @property
    def outcome_label(self) -> str:
        return str(OUTCOMES.get(self.outcome, self.outcome))

    @property
    def warned(self) -> bool:
        return any(problem.severity == WARNING for problem in self.problems)

    @property
    def order(self) -> tuple[int, int]:
        """Refused rows first, then rows with a warning, then the rest; each in the file's order."""
        rank = 0 if self.outcome == REFUSED else 1 if self.warned else 2
        return rank, self.row


@dataclass(frozen=True)
class KeptAnswer:
    delivery: str
    file_name: str
    problems: tuple[ProblemShown, ...]
    rows: tuple[RowShown, ...]


def _answer_key(actor: Actor) -> str:
    # One answer per person: the latest upload's. What it holds is the person's own file.
    return f"workspace:signal-delivery:answer:{actor.user_id}"


def _keep(actor: Actor, answer: DeliveryAnswer, file_name: str) -> None:
    def problem(item: formats.Problem) -> list[str]:
        return [item.severity, item.field, item.code, item.message]

    data = {
        "delivery": str(answer.receipt.delivery),
        "file_name": file_name,
        "problems": [problem(item) for item in answer.problems],
        "rows": [
            [row.row, row.creditor_reference, row.outcome, [problem(item) for item in row.problems]]
            for row in answer.rows
        ],
    }
    cache.set(_answer_key(actor), zlib.compress(json.dumps(data).encode("utf-8")), timeout=ANSWERS_KEPT_SECONDS)


def _kept(actor: Actor, delivery: Delivery) -> KeptAnswer | None:
    """The answer per row of ``delivery`` when it is the actor's latest upload and still kept."""
    raw = cache.get(_answer_key(actor))
    if not isinstance(raw, bytes):
        return None
    data: dict[str, Any] = json.loads(zlib.decompress(raw))
    if data.get("delivery") != str(delivery.uuid):
        return None
    rows = (
        RowShown(row, reference, outcome, tuple(ProblemShown(*item) for item in problems))
        for row, reference, outcome, problems in data["rows"]
    )
    return KeptAnswer(
        delivery=data["delivery"],
        file_name=data["file_name"],
        problems=tuple(ProblemShown(*item) for item in data["problems"]),
        rows=tuple(sorted(rows, key=lambda row: row.order)),
    )


def _file_name(name: str | None) -> str:
    text = formats.printable(name or "")
    return text if len(text) <= FILE_NAME_SHOWN else text[: FILE_NAME_SHOWN - 1] + "…"


# --- pages ------------------------------------------------------------------------------------------------


def _page(
    request: HttpRequest,
    actor: Actor,
    organisations: Sequence[Organisation],
    template: str,
    *,
    status: int = 200,
    **context: object,
) -> HttpResponse:
    workspace = current_municipality(request, actor)
    roles = {*actor.roles_in(workspace.pk), Role.CREDITOR_DELIVERER} if workspace else {Role.CREDITOR_DELIVERER}
    base = {
        "organisations": organisations,
        "modules": modules_for(roles),
        "roles": sorted(str(Role(role).label) for role in roles),
    }
    return render(request, template, base | context, status=status)


def _declared_size(request: HttpRequest) -> int:
    return whole_number(request.META.get("CONTENT_LENGTH") or "0", digits=18) or 0


@never_cache
@csrf_exempt
@deliverer_view
def upload(request: HttpRequest, actor: Actor, organisations: Sequence[Organisation]) -> HttpResponse:
    """The upload form with the organisation's deliveries. A file announced as larger than may be
    read is refused before its body is read: the check against cross-site posts reads the form,
    so it runs only after this one."""
    if request.method == "POST" and _declared_size(request) > formats.MAX_FILE_BYTES + ENVELOPE_BYTES:
        form = SignalFileForm(organisations=organisations)
        too_large = formats.too_large(_declared_size(request), formats.MAX_FILE_BYTES)
        assert too_large is not None
        return _upload_page(request, actor, organisations, form, refused=too_large.message, status=413)
    return _upload_checked(request, actor, organisations)


@csrf_protect
def _upload_checked(request: HttpRequest, actor: Actor, organisations: Sequence[Organisation]) -> HttpResponse:
    if request.method != "POST":
        return _upload_page(request, actor, organisations, SignalFileForm(organisations=organisations))
    form = SignalFileForm(request.POST, request.FILES, organisations=organisations)
    if form.is_valid():
        creditor = form.chosen_organisation
        require_deliverer(actor, creditor)
        if not deliverable_municipalities(actor, creditor):
            form.add_error(
                None,
                _(
                    "%(name)s has no active agreement with a municipality, so it cannot deliver signals now. Ask the "
                    "municipality about an agreement."
                )
                % {"name": creditor.name},
            )
        else:
            upload = form.cleaned_data["file"]
            answer = signals_deliver_file(
                actor=actor,
                creditor=creditor,
                content=upload.read(formats.MAX_FILE_BYTES + 1),
                format_version=form.cleaned_data["format_version"],
            )
            if answer.receipt.delivery is not None:
                _keep(actor, answer, _file_name(upload.name))
                return redirect("workspace:signal-delivery-receipt", delivery=answer.receipt.delivery)
            for problem in answer.problems:
                form.add_error("file", problem.message)
    status = 413 if form.too_large else 400 if form.errors else 200
    return _upload_page(request, actor, organisations, form, status=status)


def _upload_page(
    request: HttpRequest,
    actor: Actor,
    organisations: Sequence[Organisation],
    form: SignalFileForm,
    *,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    deliveries = Paginator(deliveries_for_deliverer(actor=actor, creditors=organisations), DELIVERIES_PER_PAGE)
    page = deliveries.get_page(whole_number(request.GET.get(PAGE, ""), digits=9) or 1)
    agreements = [(organisation, deliverable_municipalities(actor, organisation)) for organisation in organisations]
    return _page(
        request,
        actor,
        organisations,
        "workspace/signal_delivery/upload.html",
        status=status,
        form=form,
        refused=refused,
        agreements=agreements,
        may_deliver=any(municipalities for _, municipalities in agreements),
        required_columns=formats.REQUIRED_COLUMNS,
        optional_columns=[column.name for column in formats.COLUMNS if not column.required],
        max_size=megabytes(formats.MAX_FILE_BYTES),
        max_bytes=grouped(formats.MAX_FILE_BYTES),
        max_rows=grouped(formats.MAX_ROWS),
        page=page,
        several=len(organisations) > 1,
    )


def _delivery(actor: Actor, delivery: UUID) -> Delivery:
    """A delivery of one of the actor's organisations; 404 for any other, so ids tell nothing."""
    try:
        return delivery_for_deliverer(actor=actor, delivery_id=delivery)
    except DeliveryNotFoundError:
        raise Http404("no delivery of this organisation") from None


@never_cache
@deliverer_view
def receipt(request: HttpRequest, actor: Actor, organisations: Sequence[Organisation], delivery: UUID) -> HttpResponse:
    """The receipt of one delivery; right after the upload also the answer per row, refused and
    warned rows first, a page at a time."""
    found = _delivery(actor, delivery)
    kept = _kept(actor, found)
    page = None
    if kept is not None:
        page = Paginator(kept.rows, ANSWERS_PER_PAGE).get_page(whole_number(request.GET.get(PAGE, ""), digits=9) or 1)
    return _page(
        request,
        actor,
        organisations,
        "workspace/signal_delivery/receipt.html",
        delivery=found,
        kept=kept,
        page=page,
        kept_minutes=ANSWERS_KEPT_SECONDS // 60,
        several=len(organisations) > 1,
    )


@never_cache
@deliverer_view
def answer_csv(
    request: HttpRequest, actor: Actor, organisations: Sequence[Organisation], delivery: UUID
) -> HttpResponse:
    """The answer per row as CSV, in the order of the page: a line per problem, and a line for a
    row without one. Cells are written so that no spreadsheet runs them as a formula."""
    found = _delivery(actor, delivery)
    kept = _kept(actor, found)
    if kept is None:
        # No longer kept: the receipt says so.
        return redirect("workspace:signal-delivery-receipt", delivery=found.uuid)
    filename = f"antwoord-{found.creditor.slug}-{timezone.localtime(found.received_at):%Y-%m-%d-%H%M}.csv"
    return csv_download(filename, CSV_COLUMNS, _answer_rows(kept))


def _answer_rows(kept: KeptAnswer) -> Iterator[tuple[object, ...]]:
    for whole in kept.problems:
        yield ("", "", "", *_problem_cells(whole))
    for row in kept.rows:
        problems: tuple[ProblemShown | None, ...] = row.problems or (None,)
        for problem in problems:
            yield (row.row, row.creditor_reference, row.outcome, *_problem_cells(problem))


def _problem_cells(problem: ProblemShown | None) -> tuple[str, str, str, str]:
    if problem is None:
        return ("", "", "", "")
    return (problem.severity, problem.field, problem.code, problem.message)


@deliverer_view
def format_description(request: HttpRequest, actor: Actor, organisations: Sequence[Organisation]) -> HttpResponse:
    """The documented format, as the text it is written in."""
    return _document(FORMAT_DOC, "text/plain; charset=utf-8", attachment=False)


@deliverer_view
def example_file(request: HttpRequest, actor: Actor, organisations: Sequence[Organisation]) -> HttpResponse:
    """The example file of the format (invented people only)."""
    return _document(EXAMPLE_FILE, "text/csv; charset=utf-8", attachment=True)


def _document(path: Path, content_type: str, *, attachment: bool) -> HttpResponse:
    if not path.is_file():
        raise Http404("not part of this installation")
    response = HttpResponse(path.read_bytes(), content_type=content_type)
    if attachment:
        response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response


# --- withdrawing a signal ---------------------------------------------------------------------------------


@never_cache
@deliverer_view
def withdraw(request: HttpRequest, actor: Actor, organisations: Sequence[Organisation]) -> HttpResponse:
    """Withdraw one signal of the organisation by its reference and a reason, through the same
    service as the API's batch: a signal about a resident of a municipality of the person's role.
    The form first shows what would be withdrawn, and withdraws once that is confirmed."""
    form = WithdrawalForm(request.POST if request.method == "POST" else None, organisations=organisations)
    if form.is_bound and form.is_valid():
        creditor = form.chosen_organisation
        asked = {"actor": actor, "creditor": creditor, "reference": form.cleaned_data["reference"]}
        if form.cleaned_data["confirmed"]:
            answer = signal_withdraw(**asked, reason=form.cleaned_data["reason"])
        else:
            seen = withdrawal_preview(**asked, reason=form.cleaned_data["reason"])
            if isinstance(seen, WithdrawalPreview):
                return _page(
                    request,
                    actor,
                    organisations,
                    "workspace/signal_delivery/withdraw_confirm.html",
                    preview=seen,
                    creditor=creditor,
                    several=len(organisations) > 1,
                    reason_shown=reason_label(seen.reason),
                    reason_before_shown=reason_label(seen.reason_before) if seen.reason_before else "",
                )
            answer = seen
        values = {"reference": answer.reference, "reason": reason_label(answer.reason)}
        if answer.withdrawn_at is not None:
            values["date"] = date_format(timezone.localtime(answer.withdrawn_at), "j F Y")
        if answer.outcome == WITHDRAWN:
            withdrawn = _("Signal %(reference)s is withdrawn (%(reason)s). The municipality no longer uses it.")
            if any(problem.code == "reason_corrected" for problem in answer.problems):
                message = _(
                    "Signal %(reference)s, withdrawn on %(date)s, is now withdrawn as sent in error. Its personal "
                    "data has been removed."
                )
            elif answer.reason == WithdrawalReason.SENT_IN_ERROR:
                message = f"{withdrawn} {_('Its personal data has been removed.')}"
            else:
                message = withdrawn
            messages.success(request, message % values)
            return redirect("workspace:signal-withdrawal")
        if answer.outcome == ALREADY_WITHDRAWN:
            messages.info(
                request,
                _("Signal %(reference)s was already withdrawn on %(date)s (%(reason)s); nothing changed.") % values,
            )
            return redirect("workspace:signal-withdrawal")
        for problem in answer.problems:
            if problem.severity == ERROR:
                form.add_error(problem.field if problem.field in form.fields else None, problem.message)
    return _page(
        request,
        actor,
        organisations,
        "workspace/signal_delivery/withdraw.html",
        status=400 if form.errors else 200,
        form=form,
        granted=[(organisation, granted_municipalities(actor, organisation)) for organisation in organisations],
        several=len(organisations) > 1,
    )
