"""Feedback to creditors in the workspace: the early-signalling officers of a municipality see the
creditors it has an agreement with and download, per creditor and period, the same feedback the
creditor fetches from the API (received, in progress or closed; help accepted yes or no; the day the
case closed) as CSV, for a creditor that does not use the API."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meedoen.core.access import Actor
from meedoen.core.spreadsheets import csv_download
from meedoen.early_signals import feedback
from meedoen.organisations.models import Municipality
from meedoen.workspace.decorators import staff_view
from meedoen.workspace.views import _page

# The days a download may name: before 2000 nothing was signalled; the bounds keep the search's
# moments (midnight in Dutch time, in UTC) on the calendar.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
BOUNDS = [MinValueValidator(EARLIEST), MaxValueValidator(LATEST)]


class PeriodForm(forms.Form):
    """The days whose changes the download holds; both may stay empty (from the start, up to today)."""

    van = forms.DateField(
        label=gettext_lazy("Changed from"), required=False, input_formats=["%Y-%m-%d"], validators=BOUNDS
    )
    tot = forms.DateField(
        label=gettext_lazy("up to and including"), required=False, input_formats=["%Y-%m-%d"], validators=BOUNDS
    )

    def __init__(self, data: QueryDict, *, today: date) -> None:
        super().__init__(data)
        self.today = today

    def clean(self) -> dict[str, object]:
        # Both refusals concern the first day, and are shown beside it.
        cleaned = super().clean() or {}
        start, end = cleaned.get("van"), cleaned.get("tot")
        if isinstance(start, date) and start > self.today:
            self.add_error("van", _("The first day is after today; nothing can have changed since then."))
        elif isinstance(start, date) and isinstance(end, date) and start > end:
            self.add_error("van", _("The first day comes after the last day; swap them."))
        return cleaned


def _overview(
    request: HttpRequest,
    actor: Actor,
    municipality: Municipality,
    *,
    form: PeriodForm | None = None,
    failed: str = "",
    status: int = 200,
) -> HttpResponse:
    creditors = feedback.creditors_of_municipality(actor=actor, municipality=municipality)
    return _page(
        request,
        actor,
        municipality,
        "workspace/early_signals_feedback/overview.html",
        status=status,
        creditors=creditors,
        columns=feedback.describe_columns(),
        form=form,
        failed=failed,
        today=timezone.localdate(),
    )


@staff_view
def overview(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    return _overview(request, actor, municipality)


@staff_view
def download(request: HttpRequest, actor: Actor, municipality: Municipality, creditor: str) -> HttpResponse:
    form = PeriodForm(request.GET, today=timezone.localdate())
    if not form.is_valid():
        # The overview checks the role before it shows the refusal.
        return _overview(request, actor, municipality, form=form, failed=creditor, status=400)
    try:
        organisation, items = feedback.municipality_feedback(
            actor=actor,
            municipality=municipality,
            creditor_slug=creditor,
            changed_from=form.cleaned_data["van"],
            changed_to=form.cleaned_data["tot"],
        )
    except feedback.CreditorNotFoundError:
        raise Http404("no creditor with an agreement with this municipality") from None
    filename = f"terugkoppeling-{organisation.slug}-{municipality.code}-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_download(filename, feedback.CSV_COLUMNS, feedback.csv_rows(item.as_dict() for item in items))
