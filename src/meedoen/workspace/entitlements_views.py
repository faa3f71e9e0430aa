"""Entitlement check pages of the workspace. Every staff member of the municipality reads its schemes;
policy officers and application managers add, change and end them, keep the population assumptions,
import recipient counts and read the estimated non-take-up per scheme and district (as a page and as
CSV). Counts below 10 read "< 10", and figures built on them "not shown"."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meedoen.core import small_counts
from meedoen.core.access import Actor, require_role
from meedoen.core.numbers import whole_number
from meedoen.core.spreadsheets import csv_download
from meedoen.entitlements import services
from meedoen.entitlements.models import Scheme
from meedoen.entitlements.selectors import (
    FIGURE_READERS,
    NonTakeUpTable,
    non_take_up,
    population_assumptions_of,
    recipient_years,
    scheme_of,
    schemes_of,
)
from meedoen.entitlements.services import KEEPERS, RecipientImportError
from meedoen.organisations.models import Municipality
from meedoen.organisations.selectors import partner_organisations
from meedoen.socialmap.selectors import offers_of_municipality
from meedoen.workspace.decorators import staff_view
from meedoen.workspace.entitlements_forms import (
    PopulationForm,
    RecipientsUploadForm,
    SchemeEndForm,
    SchemeForm,
)
from meedoen.workspace.form_handling import Saved, form_page, submitted
from meedoen.workspace.views import _page

FIRST_YEAR, LAST_YEAR = 2000, 2100
SCHEME_FORM_PAGE = "workspace/entitlements/scheme_form.html"
CSV_COLUMNS = (
    "scheme_code",
    "scheme",
    "area_code",
    "area",
    "year",
    "households_estimated",
    "eligible_estimated",
    "uncertain_estimated",
    "recipients",
    "non_take_up",
    "non_take_up_percent",
)


def _holds(actor: Actor, municipality: Municipality, roles: tuple[str, ...]) -> bool:
    return any(actor.has_role(role, municipality_id=municipality.pk) for role in roles)


def _scheme(municipality: Municipality, scheme_uuid: UUID) -> Scheme:
    """A scheme of the current municipality; 404 for any other, so ids of other municipalities tell nothing."""
    scheme = scheme_of(municipality, scheme_uuid)
    if scheme is None:
        raise Http404("no scheme of this municipality")
    return scheme


def _scheme_form(request: HttpRequest, actor: Actor, municipality: Municipality, instance: Scheme) -> SchemeForm:
    return SchemeForm(
        submitted(request),
        instance=instance,
        organisations=partner_organisations(municipality),
        offers=offers_of_municipality(actor=actor, municipality_id=municipality.pk),
    )


# --- schemes ------------------------------------------------------------------------------------------


@staff_view
def schemes(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    """The schemes of the municipality: running, planned and ended. Read-only unless the actor keeps them."""
    today = timezone.localdate()
    every = list(schemes_of(municipality))
    return _page(
        request,
        actor,
        municipality,
        "workspace/entitlements/schemes.html",
        running=[s for s in every if s.valid_from <= today and (s.valid_until is None or s.valid_until >= today)],
        planned=[s for s in every if s.valid_from > today],
        ended=[s for s in every if s.valid_until is not None and s.valid_until < today],
        may_edit=_holds(actor, municipality, KEEPERS),
        may_see_figures=_holds(actor, municipality, FIGURE_READERS),
    )


@staff_view
def scheme_create(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    require_role(actor, *KEEPERS, municipality_id=municipality.pk)
    form = _scheme_form(request, actor, municipality, Scheme(municipality=municipality))

    def save() -> Saved:
        created = services.scheme_create(actor=actor, municipality=municipality, fields=form.scheme_fields())
        return Saved(_("“%(name)s” is added.") % {"name": created.name}, reverse("workspace:benefits"))

    return form_page(request, actor, municipality, SCHEME_FORM_PAGE, form, save, lambda: {"scheme": None})


@staff_view
def scheme_edit(request: HttpRequest, actor: Actor, municipality: Municipality, scheme: UUID) -> HttpResponse:
    require_role(actor, *KEEPERS, municipality_id=municipality.pk)
    current = _scheme(municipality, scheme)
    # The form works on its own copy, so the service compares against the scheme as it is stored.
    form = _scheme_form(request, actor, municipality, _scheme(municipality, scheme))

    def save() -> Saved:
        services.scheme_update(actor=actor, scheme=current, fields=form.scheme_fields())
        return Saved(_("Your changes to “%(name)s” are saved.") % {"name": current.name}, reverse("workspace:benefits"))

    return form_page(request, actor, municipality, SCHEME_FORM_PAGE, form, save, lambda: {"scheme": current})


@staff_view
def scheme_end(request: HttpRequest, actor: Actor, municipality: Municipality, scheme: UUID) -> HttpResponse:
    """End a scheme on a day. It is kept, with its recipient counts; residents no longer see it."""
    require_role(actor, *KEEPERS, municipality_id=municipality.pk)
    current = _scheme(municipality, scheme)
    form = SchemeEndForm(submitted(request), initial={"valid_until": current.valid_until or timezone.localdate()})

    def save() -> Saved:
        ends = form.cleaned_data["valid_until"]
        services.scheme_update(actor=actor, scheme=current, fields={"valid_until": ends})
        message = _("“%(name)s” ends on %(date)s.") % {"name": current.name, "date": ends.strftime("%d-%m-%Y")}
        return Saved(message, reverse("workspace:benefits"))

    template = "workspace/entitlements/scheme_end.html"
    return form_page(request, actor, municipality, template, form, save, lambda: {"scheme": current})


# --- non-take-up ---------------------------------------------------------------------------------------


def _year(request: HttpRequest, municipality: Municipality) -> tuple[int, list[int]]:
    """The year asked for (``?jaar=``), else the latest with recipient counts, else this year."""
    this_year = timezone.localdate().year
    with_counts = recipient_years(municipality)
    asked = request.GET.get("jaar", "")
    asked_year = whole_number(asked, digits=4)
    if asked_year is not None and FIRST_YEAR <= asked_year <= LAST_YEAR:
        year = asked_year
    else:
        year = with_counts[0] if with_counts else this_year
    return year, sorted({year, this_year, *with_counts}, reverse=True)


@staff_view
def non_take_up_page(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    year, years = _year(request, municipality)
    table = non_take_up(actor=actor, municipality=municipality, year=year)
    return _page(
        request,
        actor,
        municipality,
        "workspace/entitlements/non_take_up.html",
        table=table,
        years=years,
        may_edit=_holds(actor, municipality, KEEPERS),
        small_text=small_counts.SMALL_TEXT,
        hidden_text=small_counts.HIDDEN_TEXT,
    )


@staff_view
def non_take_up_csv(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    """Every scheme and area of the year; hidden figures read "< 10" or "not shown", as on the page."""
    year, _years = _year(request, municipality)
    table = non_take_up(actor=actor, municipality=municipality, year=year)
    return csv_download(f"niet-gebruik-{municipality.code}-{year}.csv", CSV_COLUMNS, _csv_rows(table))


def _csv_rows(table: NonTakeUpTable) -> Iterator[tuple[object, ...]]:
    for row in table.schemes:
        for area in row.areas:
            yield (
                row.scheme.code,
                row.scheme.name,
                area.code,
                area.name,
                table.year,
                area.households,
                area.shown_eligible.csv(),
                area.shown_uncertain.csv(),
                area.shown_recipients.csv(),
                area.shown_non_take_up.csv(),
                area.shown_non_take_up_percent.csv(1),
            )


@staff_view
def population(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    """The assumptions of the synthetic population: read and changed by policy staff."""
    require_role(actor, *FIGURE_READERS, municipality_id=municipality.pk)
    stored = population_assumptions_of(municipality)
    if request.method == "POST":
        require_role(actor, *KEEPERS, municipality_id=municipality.pk)
    # The form works on its own copy, so the service compares against the assumptions as they are stored.
    form = PopulationForm(submitted(request), instance=population_assumptions_of(municipality))

    def save() -> Saved:
        services.population_assumptions_save(actor=actor, municipality=municipality, fields=form.population_fields())
        return Saved(
            _("The assumptions are saved. The estimates use them from now on."), reverse("workspace:non-take-up")
        )

    def shown() -> dict[str, object]:
        return {
            "saved": stored.pk is not None,
            "updated_at": stored.updated_at,
            "may_edit": _holds(actor, municipality, KEEPERS),
        }

    return form_page(request, actor, municipality, "workspace/entitlements/population.html", form, save, shown)


@staff_view
def recipients_upload(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    require_role(actor, *KEEPERS, municipality_id=municipality.pk)
    form = RecipientsUploadForm(request.POST or None, request.FILES or None)
    problems = None
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.recipients_import(
                actor=actor, municipality=municipality, content=upload.read(), file_name=upload.name or ""
            )
        except RecipientImportError as error:
            problems = error.problems
        else:
            messages.success(request, _("%(count)s recipient counts imported.") % {"count": result.rows})
            return redirect(f"{reverse('workspace:non-take-up')}?jaar={result.years[-1]}")
    return _page(
        request,
        actor,
        municipality,
        "workspace/entitlements/recipients_upload.html",
        form=form,
        problems=problems,
        schemes=schemes_of(municipality),
        status=400 if form.errors or problems else 200,
    )
