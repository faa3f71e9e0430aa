"""How a workspace page handles a form it was sent: once the form is valid, the service saves, and
the page says so and goes on; a refusal of the service is shown next to the field it names, or at
the top of the form, and the page is shown again, with status 400 when the form has errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect

from meedoen.core.access import Actor
from meedoen.organisations.models import Municipality
from meedoen.workspace.views import _page


@dataclass(frozen=True)
class Saved:
    """What a page says once the service has saved, and the page it goes on to."""

    message: str
    next_url: str


def submitted(request: HttpRequest) -> QueryDict | None:
    """What a form on the page was sent: the data of a POST, else None (the form is shown empty)."""
    return request.POST if request.method == "POST" else None


def add_service_errors(form: forms.BaseForm, error: ValidationError, aliases: Mapping[str, str] | None = None) -> None:
    """Show a refusal of a service next to the field it names (``aliases`` maps the service's names
    to the form's where they differ), or at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        field = (aliases or {}).get(name, name)
        form.add_error(field if field in form.fields else None, errors)


def saved_or_shown(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[], Saved],
    show: Callable[[], HttpResponse],
    *,
    aliases: Mapping[str, str] | None = None,
) -> HttpResponse:
    """``save`` once ``form`` is sent and valid, then go on to the page it names; else, or when the
    service refuses, ``show`` the page with the form and its errors."""
    if form.is_bound and form.is_valid():
        try:
            saved = save()
        except ValidationError as error:
            add_service_errors(form, error, aliases)
        else:
            messages.success(request, saved.message)
            return redirect(saved.next_url)
    return show()


def form_page(
    request: HttpRequest,
    actor: Actor,
    municipality: Municipality,
    template: str,
    form: forms.BaseForm,
    save: Callable[[], Saved],
    context: Callable[[], Mapping[str, object]] = dict,
) -> HttpResponse:
    """A workspace page with ``form`` on ``template``, handled as :func:`saved_or_shown` says; the
    page is 400 when the form has errors. ``context`` is asked for only when the page is shown, so
    that it shows what is stored after a refusal, and costs nothing on the way to the next page."""
    return saved_or_shown(
        request,
        form,
        save,
        lambda: _page(
            request, actor, municipality, template, form=form, status=400 if form.errors else 200, **context()
        ),
    )
