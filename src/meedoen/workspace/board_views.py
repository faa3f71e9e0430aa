"""The facilitator's side of the co-creation board: open a session for a step of the compass, watch
the notes come in, cluster them into themes and turn a theme into a result or an activity. Only the
policy officer and the application manager of the municipality facilitate; others get a 403."""

from __future__ import annotations

from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from meedoen.compass.models import BoardSession, BoardStep, BoardTheme, Compass, Domain
from meedoen.compass.selectors import board as selectors
from meedoen.compass.selectors.cycle import compasses_of, current_compass
from meedoen.compass.services import board as services
from meedoen.core.access import Actor
from meedoen.core.numbers import whole_number
from meedoen.organisations.models import Municipality
from meedoen.workspace.decorators import staff_view
from meedoen.workspace.form_handling import Saved, form_page, submitted
from meedoen.workspace.socialmap_forms import SELECT, TEXTBOX
from meedoen.workspace.views import _page

DURATIONS = [
    (60, gettext_lazy("1 hour")),
    (120, gettext_lazy("2 hours")),
    (180, gettext_lazy("3 hours")),
    (240, gettext_lazy("4 hours")),
    (480, gettext_lazy("8 hours")),
]


class OpenSessionForm(forms.Form):
    compass = forms.ModelChoiceField(
        label=gettext_lazy("Compass"),
        queryset=Compass.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"class": SELECT}),
    )
    step = forms.ChoiceField(
        label=gettext_lazy("Step of the compass"),
        choices=BoardStep.choices,
        widget=forms.Select(attrs={"class": SELECT}),
    )
    question = forms.CharField(
        label=gettext_lazy("Question to the participants"),
        help_text=gettext_lazy(
            "Short and in plain words, for example: What should be different in four years for people with "
            "money worries?"
        ),
        max_length=300,
        widget=forms.TextInput(attrs={"class": TEXTBOX}),
    )
    minutes = forms.TypedChoiceField(
        label=gettext_lazy("Open for"),
        choices=DURATIONS,
        coerce=int,
        initial=120,
        widget=forms.Select(attrs={"class": SELECT}),
    )

    def __init__(self, *args: Any, compasses: QuerySet[Compass], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["compass"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = compasses


def _session(actor: Actor, municipality: Municipality, session_id: int) -> BoardSession:
    found = selectors.session_of(actor=actor, municipality_id=municipality.pk, session_id=session_id)
    if found is None:
        raise Http404("not a session of this municipality")
    return found


def _board_url(session_id: int, anchor: str = "") -> str:
    url = reverse("workspace:board", args=[session_id])
    return f"{url}#{anchor}" if anchor else url


def _to_board(session_id: int, anchor: str = "") -> HttpResponse:
    return redirect(_board_url(session_id, anchor))


def _refusal(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- sessions ---------------------------------------------------------------------------------------


@staff_view
def sessions(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    """The sessions of the municipality, and the form that opens a new one."""
    lines = selectors.sessions_of(actor=actor, municipality_id=municipality.pk)
    compasses = compasses_of(actor=actor, municipality_id=municipality.pk)
    current = current_compass(actor=actor, municipality_id=municipality.pk)
    form = OpenSessionForm(
        submitted(request),
        compasses=compasses,
        initial={"compass": current.pk if current else None, "minutes": 120},
    )

    def save() -> Saved:
        opened = services.board_session_open(
            actor=actor,
            compass=form.cleaned_data["compass"],
            step=form.cleaned_data["step"],
            question=form.cleaned_data["question"],
            minutes=form.cleaned_data["minutes"],
        )
        message = _("The session is open. Participants join with the code %(code)s.") % {"code": opened.code}
        return Saved(message, _board_url(opened.pk))

    def shown() -> dict[str, object]:
        now = timezone.now()
        return {
            "lines": lines,
            "open_ids": {line.session.pk for line in lines if line.session.is_open(now)},
            "has_compass": current is not None,
        }

    return form_page(request, actor, municipality, "workspace/board/sessions.html", form, save, shown)


def _join_address(request: HttpRequest, session: BoardSession) -> str:
    return request.build_absolute_uri(reverse("portal:board-participate", args=[session.code]))


@staff_view
def board(request: HttpRequest, actor: Actor, municipality: Municipality, session: int) -> HttpResponse:
    """The facilitator's board: the join code, the new notes, the themes and what became of them."""
    found = _session(actor, municipality, session)
    join_address = _join_address(request, found)
    return _page(
        request,
        actor,
        municipality,
        "workspace/board/board.html",
        session=found,
        state=selectors.board_state(found),
        is_open=found.is_open(timezone.now()),
        join_address=join_address,
        join_page=request.build_absolute_uri(reverse("portal:board-join")),
        qr_svg=segno.make(join_address, error="m").svg_inline(scale=4, omitsize=True, dark="#000", light="#fff"),
        domains=_domain_choices(found.compass),
        results=selectors.results_for_activities(actor=actor, session=found),
    )


def _domain_choices(compass: Compass) -> list[tuple[str, str]]:
    labels = dict(Domain.choices)
    return [(domain, str(labels[domain])) for domain in compass.domains]


def _number(request: HttpRequest, name: str) -> int:
    """A whole number from the query string; -1 when it is missing or not a number."""
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return -1


@never_cache
@staff_view
def board_poll(request: HttpRequest, actor: Actor, municipality: Municipality, session: int) -> HttpResponse:
    """What changed on the board since the notes and layout the page shows: 204 when nothing did."""
    found = _session(actor, municipality, session)
    update = selectors.board_update(
        found, after_id=_number(request, "na"), version=_number(request, "versie"), now=timezone.now()
    )
    if update.unchanged:
        return HttpResponse(status=204)
    return render(
        request,
        "workspace/board/_poll.html",
        {
            "session": found,
            "update": update,
            "state": update.state,
            "domains": _domain_choices(found.compass),
            "results": selectors.results_for_activities(actor=actor, session=found) if update.state else [],
        },
        status=selectors.POLL_STOP if update.closed else 200,
    )


@require_POST
@staff_view
def session_close(request: HttpRequest, actor: Actor, municipality: Municipality, session: int) -> HttpResponse:
    found = _session(actor, municipality, session)
    services.board_session_close(actor=actor, session=found)
    messages.success(request, _("The session is closed. Participants can no longer add notes."))
    return _to_board(found.pk)


# --- clustering -------------------------------------------------------------------------------------


def _ids(values: list[str]) -> list[int]:
    return [number for value in values if (number := whole_number(value)) is not None]


def _target_theme(actor: Actor, municipality: Municipality, session: BoardSession, wanted: str) -> BoardTheme | None:
    """The theme notes move to; None (the new notes) when none is chosen."""
    if not wanted:
        return None
    theme_id = whole_number(wanted)
    theme = (
        selectors.theme_of(actor=actor, municipality_id=municipality.pk, theme_id=theme_id)
        if theme_id is not None
        else None
    )
    if theme is None or theme.session_id != session.pk:
        raise Http404("not a theme of this session")
    return theme


@require_POST
@staff_view
def notes_move(request: HttpRequest, actor: Actor, municipality: Municipality, session: int) -> HttpResponse:
    """Put the chosen notes in a theme, back among the new notes, or in a new theme."""
    found = _session(actor, municipality, session)
    notes = selectors.notes_of(actor=actor, session=found, note_ids=_ids(request.POST.getlist("note")))
    try:
        if request.POST.get("action") == "new":
            created = services.board_theme_create(
                actor=actor, session=found, name=request.POST.get("name", ""), notes=notes
            )
            messages.success(request, _("The theme “%(name)s” is made.") % {"name": created.name})
            return _to_board(found.pk, f"theme-{created.pk}")
        theme = _target_theme(actor, municipality, found, request.POST.get("theme", ""))
        moved = services.board_notes_move(actor=actor, session=found, notes=notes, theme=theme)
    except ValidationError as error:
        _refusal(request, error)
        return _to_board(found.pk)
    messages.success(request, ngettext("%(count)s note moved.", "%(count)s notes moved.", moved) % {"count": moved})
    return _to_board(found.pk, f"theme-{theme.pk}" if theme else "new-notes")


@require_POST
@staff_view
def note_remove(request: HttpRequest, actor: Actor, municipality: Municipality, note: int) -> HttpResponse:
    found = selectors.note_of(actor=actor, municipality_id=municipality.pk, note_id=note)
    if found is None:
        raise Http404("not a note of this municipality")
    services.board_note_remove(actor=actor, note=found)
    messages.success(request, _("The note is taken off the board."))
    return _to_board(found.session_id)


# --- from a theme to the compass ------------------------------------------------------------------


@require_POST
@staff_view
def theme_to_result(request: HttpRequest, actor: Actor, municipality: Municipality, theme: int) -> HttpResponse:
    found = selectors.theme_of(actor=actor, municipality_id=municipality.pk, theme_id=theme)
    if found is None:
        raise Http404("not a theme of this municipality")
    try:
        services.board_theme_to_result(
            actor=actor,
            theme=found,
            target_group=request.POST.get("target_group", ""),
            domain=request.POST.get("domain", ""),
        )
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(
            request,
            _("“%(name)s” is now a societal result of the compass. Refine it there.") % {"name": found.name},
        )
    return _to_board(found.session_id, f"theme-{found.pk}")


@require_POST
@staff_view
def theme_to_activity(request: HttpRequest, actor: Actor, municipality: Municipality, theme: int) -> HttpResponse:
    found = selectors.theme_of(actor=actor, municipality_id=municipality.pk, theme_id=theme)
    if found is None:
        raise Http404("not a theme of this municipality")
    result_id = request.POST.get("result", "")
    results = {result.pk: result for result in selectors.results_for_activities(actor=actor, session=found.session)}
    try:
        result = results.get(whole_number(result_id) or 0)
        if result is None:
            raise ValidationError(_("Choose the result this activity contributes to."))
        services.board_theme_to_activity(actor=actor, theme=found, result=result)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(
            request,
            _("“%(name)s” is now an activity of the compass. Choose its partners there.") % {"name": found.name},
        )
    return _to_board(found.session_id, f"theme-{found.pk}")
