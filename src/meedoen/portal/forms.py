"""The resident's question to the social map. Read from the address bar; never stored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from meedoen.organisations.models import Municipality
from meedoen.socialmap import directory


class HelpSearchForm(forms.Form):
    q = forms.CharField(
        label=_("What can we help you with?"),
        help_text=_("Say it in your own words, for example: no money for groceries."),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "utrecht-textbox utrecht-textbox--html-input", "type": "search"}),
    )
    thema = forms.MultipleChoiceField(label=_("Theme"), required=False, widget=forms.CheckboxSelectMultiple)
    doelgroep = forms.MultipleChoiceField(label=_("For"), required=False, widget=forms.CheckboxSelectMultiple)
    wijk = forms.ChoiceField(
        label=_("Your district"),
        required=False,
        widget=forms.Select(attrs={"class": "utrecht-select utrecht-select--html-select"}),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["thema"].choices = [(term.code, term.name) for term in directory.themes()]  # type: ignore[attr-defined]
        self.fields["doelgroep"].choices = [(term.code, term.name) for term in directory.target_groups()]  # type: ignore[attr-defined]
        self.fields["wijk"].choices = [("", _("All districts"))] + [  # type: ignore[attr-defined]
            (area.code, area.name) for area in directory.districts(municipality)
        ]
