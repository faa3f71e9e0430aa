"""Forms of the local picture: an own indicator, and a file of own figures."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from meedoen.compass.models import Indicator, Polarity

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class IndicatorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=80,
        help_text=_("Short and unique, as it appears in your files, e.g. schuldhulp-aanmeldingen."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    definition = forms.CharField(label=_("Definition"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    source = forms.CharField(label=_("Source"), max_length=300, help_text=_("Who counts this, and how."))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[c for c in Indicator.Kind.choices],
        help_text=_("Counts below 10 are never shown."),
    )
    unit = forms.CharField(label=_("Unit"), max_length=60, help_text=_("e.g. aantal, %, per 1.000 inwoners, euro"))
    decimals = forms.IntegerField(label=_("Decimals"), min_value=0, max_value=4, initial=0)
    polarity = forms.ChoiceField(label=_("Polarity"), choices=Polarity.choices, initial=Polarity.NEUTRAL)
    numerator = forms.ModelChoiceField(
        label=_("Numerator"),
        queryset=Indicator.objects.none(),
        required=False,
        help_text=_("Only for a derived indicator: numerator / denominator x factor, for every area and period."),
    )
    denominator = forms.ModelChoiceField(label=_("Denominator"), queryset=Indicator.objects.none(), required=False)
    factor = forms.TypedChoiceField(
        label=_("Factor"),
        coerce=int,
        choices=[(1, "1"), (100, _("per 100 (percentage)")), (1000, _("per 1,000")), (10000, _("per 10,000"))],
        initial=1,
    )

    def __init__(self, *args: Any, parts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("numerator", "denominator"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = parts

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if bool(cleaned.get("numerator")) != bool(cleaned.get("denominator")):
            raise forms.ValidationError(_("A derived indicator needs both a numerator and a denominator."))
        return cleaned


class FiguresUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File with figures (CSV or XLSX)"),
        help_text=_("Columns: gebied, periode, indicator, waarde and, if you like, eenheid. One value per row."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.") % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload
