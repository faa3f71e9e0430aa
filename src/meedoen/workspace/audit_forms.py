"""The audit log page's filter: which object, who, which action, which days and which request. A
GET form, so that a filtered page can be bookmarked, paged and exported."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from meedoen.core.middleware import SAFE_REQUEST_ID
from meedoen.core.selectors import AuditQuery
from meedoen.core.text import refuse_hidden
from meedoen.workspace.audit_labels import ACTOR_WORDS, action_choices
from meedoen.workspace.audit_objects import identifier_in
from meedoen.workspace.socialmap_forms import SELECT, TEXTBOX

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)
FILTERS = ("object", "wie", "handeling", "van", "tot", "verzoek")
"""The names of the filter in the page's address, in the order of the form."""


def _day(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": TEXTBOX}),
        error_messages={"invalid": pgettext_lazy("audit log", "Give a date such as 2026-03-20.")},
    )


class AuditFilterForm(forms.Form):
    object = forms.CharField(
        label=pgettext_lazy("audit log", "Object"),
        help_text=pgettext_lazy(
            "audit log",
            "The number of a case, the id (UUID) of a case or another object, or the address of its page; "
            "or a CBS code.",
        ),
        required=False,
        max_length=300,
        validators=[refuse_hidden],
        widget=forms.TextInput(attrs={"class": TEXTBOX, "spellcheck": "false", "autocomplete": "off"}),
    )
    wie = forms.CharField(
        label=pgettext_lazy("audit log", "Who"),
        help_text=pgettext_lazy(
            "audit log",
            "A login name; “system” for Meedoen itself; “creditor” for every creditor's system.",
        ),
        required=False,
        max_length=150,
        validators=[refuse_hidden],
        widget=forms.TextInput(
            attrs={"class": TEXTBOX, "spellcheck": "false", "autocomplete": "off", "list": "audit-actors"}
        ),
    )
    handeling = forms.ChoiceField(
        label=pgettext_lazy("audit log", "Action"),
        required=False,
        widget=forms.Select(attrs={"class": SELECT}),
        error_messages={"invalid_choice": pgettext_lazy("audit log", "Choose an action from the list.")},
    )
    van = _day(pgettext_lazy("audit log", "From (date)"))
    tot = _day(pgettext_lazy("audit log", "Up to and including (date)"))
    verzoek = forms.CharField(
        label=pgettext_lazy("audit log", "Request id"),
        help_text=pgettext_lazy(
            "audit log", "Everything recorded while answering one request, as the application's log names it."
        ),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"class": TEXTBOX, "spellcheck": "false", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["handeling"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = action_choices()

    def clean_object(self) -> str:
        text: str = self.cleaned_data["object"].strip()
        return identifier_in(text) if text else ""

    def clean_wie(self) -> str:
        text: str = self.cleaned_data["wie"].strip()
        return ACTOR_WORDS.get(text.lower(), text)

    def clean_verzoek(self) -> str:
        text: str = self.cleaned_data["verzoek"].strip()
        if text and not SAFE_REQUEST_ID.fullmatch(text):
            raise forms.ValidationError(
                pgettext_lazy("audit log", "A request id has 8 to 64 letters, digits, dots, hyphens or underscores."),
                code="invalid",
            )
        return text

    def _clean_day(self, name: str) -> date | None:
        day: date | None = self.cleaned_data[name]
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(
                pgettext_lazy("audit log", "Choose a day from 1 January 2000 up to 31 December 2999."),
                code="out_of_range",
            )
        return day

    def clean_van(self) -> date | None:
        return self._clean_day("van")

    def clean_tot(self) -> date | None:
        return self._clean_day("tot")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("van"), cleaned.get("tot")
        if isinstance(first, date) and isinstance(last, date) and last < first:
            self.add_error("tot", pgettext_lazy("audit log", "This day lies before the first day."))
        return cleaned

    def query(self, objects: tuple[tuple[str, str], ...] | None) -> AuditQuery:
        """The valid filter as the audit log's selector takes it, with the objects the identifier
        named (None without one). Days run from midnight to midnight in the municipality's time."""
        data = self.cleaned_data
        return AuditQuery(
            objects=objects if data["object"] else None,
            actor=data["wie"],
            action=data["handeling"],
            start=_midnight(data["van"]),
            end=_midnight(data["tot"] + timedelta(days=1)) if data["tot"] else None,
            request_id=data["verzoek"],
        )

    def used(self) -> dict[str, str]:
        """The filters of a valid form that were filled in, by their names in the address, as
        applied (a pasted address as the id in it, a day as 2026-03-20)."""
        used = {}
        for name in FILTERS:
            value = self.cleaned_data.get(name)
            if value:
                used[name] = value.isoformat() if isinstance(value, date) else str(value)
        return used


def _midnight(day: date | None) -> datetime | None:
    return timezone.make_aware(datetime.combine(day, time.min)) if day is not None else None
