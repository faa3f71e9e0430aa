"""How a workspace page handles a form it was sent: once the form is valid, the service saves, and
the page says so and goes on; a refusal of the service is shown next to the field it names, or at
the top of the form, and the page is shown again."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@dataclass(frozen=True)
class Saved:
    """What a page says once the service has saved, and the page it goes on to."""

    message: str
    next_url: str


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
