"""The resident's question to the social map. Read from the address bar; never stored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from meedoen.areas.selectors import districts_of
from meedoen.organisations.models import Municipality
from meedoen.socialmap.selectors import taxonomy_terms
from meedoen.socialmap.taxonomy import TARGET_GROUPS_CODE, THEMES_CODE


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
        self.fields["thema"].choices = [(term.code, term.name) for term in taxonomy_terms(THEMES_CODE)]  # type: ignore[attr-defined]
        self.fields["doelgroep"].choices = [  # type: ignore[attr-defined]
            (term.code, term.name) for term in taxonomy_terms(TARGET_GROUPS_CODE)
        ]
        self.fields["wijk"].choices = [("", _("All districts"))] + [  # type: ignore[attr-defined]
            (area.code, area.name) for area in districts_of(municipality.code).order_by("name")
        ]
