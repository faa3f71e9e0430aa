"""The participant's side of the co-creation board: join with the code of the session, add short
notes, and see the board fill, on a phone or on the screen in the room.

No account is needed and a name is optional. A participant is recognised only by a random token in
their browser session, which marks their own notes. The code is the key to one board: unknown codes
are counted per address and, after too many, joining is refused for a while.
"""

from __future__ import annotations

from typing import Any

import segno
from axes.helpers import get_client_ip_address
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from meedoen.compass.models import BoardSession, ParticipantKind
from meedoen.compass.models.board import NAME_MAX_LENGTH, NOTE_MAX_LENGTH
from meedoen.compass.selectors import board as selectors
from meedoen.compass.services import board as services

# The key of the participant's token in their browser session.
PARTICIPANT_TOKEN = "board_participant"  # noqa: S105 - a session key, not a secret
TEXTBOX = "utrecht-textbox utrecht-textbox--html-input"


class JoinForm(forms.Form):
    # Without "required" in the page: browsers would colour the empty field as an error before
    # anyone typed in it. The form still refuses an empty code.
    use_required_attribute = False

    code = forms.CharField(
        label=gettext_lazy("Code"),
        help_text=gettext_lazy("The 6 letters and numbers on the screen or on paper."),
        max_length=20,
        error_messages={
            "required": gettext_lazy("Type the code of 6 letters and numbers."),
            "max_length": gettext_lazy("A code has 6 letters and numbers."),
        },
        widget=forms.TextInput(
            attrs={
                "class": f"{TEXTBOX} meedoen-board-code-input",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "aria-required": "true",
            }
        ),
    )


class NoteForm(forms.Form):
    use_required_attribute = False

    text = forms.CharField(
        label=gettext_lazy("Your note"),
        help_text=gettext_lazy("One idea per note. At most 280 characters."),
        max_length=NOTE_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Write your note."),
            "max_length": gettext_lazy(
                "Your note is too long. Use at most %(limit_value)s characters. Now it has %(show_value)s."
            ),
        },
        widget=forms.Textarea(
            attrs={
                "class": "utrecht-textarea utrecht-textarea--html-textarea",
                "rows": "3",
                "aria-required": "true",
            }
        ),
    )
    author_name = forms.CharField(
        label=gettext_lazy("Your name (you may leave this empty)"),
        required=False,
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"class": TEXTBOX, "autocomplete": "nickname"}),
    )
    participant_kind = forms.ChoiceField(
        label=gettext_lazy("I take part as (you may leave this empty)"),
        required=False,
        choices=[("", gettext_lazy("I would rather not say")), *ParticipantKind.choices],
        widget=forms.RadioSelect(attrs={"class": "utrecht-radio-button utrecht-radio-button--html-input"}),
    )


def _address(request: HttpRequest) -> str:
    """The address join attempts are counted for; the same one django-axes counts staff logins for."""
    address = get_client_ip_address(request)
    return str(address) if address else "unknown"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _join_page(request: HttpRequest, form: JoinForm, status: int = 200, **context: Any) -> HttpResponse:
    return render(request, "portal/board/join.html", {"form": form, **context}, status=status)


def _find(request: HttpRequest, typed: str) -> BoardSession | HttpResponse:
    """The session of a code, or the page that says why there is none. Every unknown code counts
    towards the limit of the address; while it is reached, no code is looked up at all."""
    address = _address(request)
    if selectors.join_blocked(address):
        return _join_page(request, JoinForm(), status=429, blocked=True)
    session = selectors.session_by_code(typed)
    if session is None:
        services.board_join_failure_record(address)
        form = JoinForm({"code": typed[:20]})
        form.is_valid()
        form.add_error("code", _("We do not know this code. Look at the screen again and type the 6 characters."))
        return _join_page(request, form, status=404)
    return session


@never_cache
def join(request: HttpRequest) -> HttpResponse:
    """Type the code of a session."""
    if request.method != "POST":
        return _join_page(request, JoinForm())
    form = JoinForm(request.POST)
    if not form.is_valid():
        return _join_page(request, form, status=400)
    found = _find(request, form.cleaned_data["code"])
    if isinstance(found, HttpResponse):
        return found
    return redirect("portal:board-participate", code=found.code)


def _own_ref(request: HttpRequest, session: BoardSession) -> str:
    token = request.session.get(PARTICIPANT_TOKEN)
    return selectors.participant_ref(session.pk, token) if isinstance(token, str) and token else ""


def _participant_context(request: HttpRequest, session: BoardSession, form: NoteForm, **extra: Any) -> dict[str, Any]:
    now = timezone.now()
    is_open = session.is_open(now)
    return {
        "session": session,
        "municipality": session.compass.municipality,
        "form": form,
        "is_open": is_open,
        "state": selectors.board_state(session) if is_open else None,
        "own_ref": _own_ref(request, session),
        **extra,
    }


def _note_form(request: HttpRequest, session: BoardSession) -> NoteForm:
    """An empty note form, with the name and kind the participant gave last time filled in."""
    ref = _own_ref(request, session)
    name, kind = selectors.last_details_of(session, ref) if ref else ("", "")
    return NoteForm(initial={"author_name": name, "participant_kind": kind})


@never_cache
def participate(request: HttpRequest, code: str) -> HttpResponse:
    """The participant's page: the question, the form for a note, and every note of the session."""
    found = _find(request, code)
    if isinstance(found, HttpResponse):
        return found
    if found.code != code:
        return redirect("portal:board-participate", code=found.code)
    if request.method == "POST":
        return _add_note(request, found)
    return render(
        request, "portal/board/participate.html", _participant_context(request, found, _note_form(request, found))
    )


def _add_note(request: HttpRequest, session: BoardSession) -> HttpResponse:
    form = NoteForm(request.POST)
    status = 400
    refusal = ""
    if form.is_valid():
        token = request.session.get(PARTICIPANT_TOKEN)
        if not isinstance(token, str) or not token:
            token = services.new_participant_token()
        try:
            services.board_note_add(
                session=session,
                participant_token=token,
                text=form.cleaned_data["text"],
                author_name=form.cleaned_data["author_name"],
                participant_kind=form.cleaned_data["participant_kind"],
            )
        except services.SessionClosedError as error:
            status, refusal = 410, str(error)
        except services.TooManyNotesError as error:
            status, refusal = 429, str(error)
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            request.session[PARTICIPANT_TOKEN] = token
            if not _is_htmx(request):
                messages.success(request, _("Your note is on the board. Thank you!"))
                return redirect(reverse("portal:board-participate", args=[session.code]) + "#note-form")
            return render(
                request,
                "portal/board/_form.html",
                _participant_context(request, session, _note_form(request, session), posted=True),
            )
    context = _participant_context(request, session, form, refusal=refusal)
    template = "portal/board/_form.html" if _is_htmx(request) else "portal/board/participate.html"
    return render(request, template, context, status=status)


def _number(request: HttpRequest, name: str) -> int:
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return -1


def _poll(request: HttpRequest, code: str, *, screen: bool) -> HttpResponse:
    found = _find(request, code)
    if isinstance(found, HttpResponse):
        return found
    update = selectors.board_update(
        found, after_id=_number(request, "na"), version=_number(request, "versie"), now=timezone.now()
    )
    if update.unchanged:
        return HttpResponse(status=204)
    return render(
        request,
        "portal/board/_poll.html",
        {
            "session": found,
            "update": update,
            "state": update.state,
            "own_ref": _own_ref(request, found),
            "screen": screen,
        },
        status=selectors.POLL_STOP if update.closed else 200,
    )


@never_cache
def participate_poll(request: HttpRequest, code: str) -> HttpResponse:
    """The notes a participant's page lacks; 204 when there are none."""
    return _poll(request, code, screen=False)


@never_cache
def screen(request: HttpRequest, code: str) -> HttpResponse:
    """The board for the screen in the room: the code to join with, and the notes by theme."""
    found = _find(request, code)
    if isinstance(found, HttpResponse):
        return found
    is_open = found.is_open(timezone.now())
    join_address = request.build_absolute_uri(reverse("portal:board-participate", args=[found.code]))
    return render(
        request,
        "portal/board/screen.html",
        {
            "session": found,
            "municipality": found.compass.municipality,
            "is_open": is_open,
            "state": selectors.board_state(found) if is_open else None,
            "join_page": request.build_absolute_uri(reverse("portal:board-join")),
            "qr_svg": segno.make(join_address, error="m").svg_inline(scale=4, omitsize=True, dark="#000", light="#fff"),
        },
    )


@never_cache
def screen_poll(request: HttpRequest, code: str) -> HttpResponse:
    return _poll(request, code, screen=True)
