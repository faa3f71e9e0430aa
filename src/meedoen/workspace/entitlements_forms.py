"""Forms of the entitlement check in the workspace: a scheme, the end of a scheme, the population
assumptions and a file of recipient counts. They check and shape the input; the services in
``entitlements.services`` check access again, write and audit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from meedoen.entitlements.models import (
    AGE_FIELDS,
    HOUSEHOLD_TYPE_FIELDS,
    INCOME_FIELDS,
    SAVINGS_FIELDS,
    PopulationAssumptions,
    Scheme,
)
from meedoen.entitlements.services import POPULATION_FIELDS, SCHEME_FIELDS
from meedoen.organisations.models import Organisation
from meedoen.socialmap.models import Offer
from meedoen.workspace.socialmap_forms import CHECKBOX, LONG_TEXT, SELECT, TEXTAREA, TEXTBOX, WebAddressField

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _date() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": TEXTBOX})


def _style(form: forms.BaseForm) -> None:
    """NL Design System classes on every widget, by kind; long texts get a limit, so a megabyte of text is
    refused rather than stored."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(field, forms.CharField) and isinstance(widget, forms.Textarea) and field.max_length is None:
            field.max_length = LONG_TEXT
            field.validators.append(MaxLengthValidator(LONG_TEXT))
            widget.attrs["maxlength"] = str(LONG_TEXT)
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = CHECKBOX
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = SELECT
        elif isinstance(widget, forms.Textarea):
            widget.attrs.update({"class": TEXTAREA, "rows": "4"})
        elif isinstance(widget, forms.NumberInput):
            widget.attrs.update({"class": f"{TEXTBOX} utrecht-textbox--numeric", "inputmode": "decimal"})
        elif isinstance(widget, forms.DateInput):
            continue
        else:
            widget.attrs["class"] = TEXTBOX


class SchemeForm(forms.ModelForm[Scheme]):
    """Every field of a scheme a maintainer edits. Built for one municipality: only its partner
    organisations and the offers given there can be chosen."""

    website = WebAddressField(label=_("website"), required=False, max_length=200, assume_scheme="https")
    legal_source_url = WebAddressField(
        label=_("address of the legal source"), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = Scheme
        fields = SCHEME_FIELDS
        widgets = {"valid_from": _date(), "valid_until": _date()}

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        offers: QuerySet[Offer],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        organisation = self.fields["organisation"]
        assert isinstance(organisation, forms.ModelChoiceField)
        organisation.queryset = organisations
        offer = self.fields["offer"]
        assert isinstance(offer, forms.ModelChoiceField)
        offer.queryset = offers
        offer.help_text = _("The offer residents are sent to for help with applying, if there is one.")
        _style(self)

    def scheme_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SCHEME_FIELDS}


class SchemeEndForm(forms.Form):
    valid_until = forms.DateField(
        label=_("Last day of the scheme"),
        help_text=_("From the next day residents no longer see the scheme in the check. Its history stays."),
        widget=_date(),
    )


class PopulationForm(forms.ModelForm[PopulationAssumptions]):
    """The assumptions, grouped as the page shows them. The model checks that each group adds up to 100."""

    class Meta:
        model = PopulationAssumptions
        fields = POPULATION_FIELDS

    GROUPS = (
        (_("Households"), ("inhabitants_per_household", *HOUSEHOLD_TYPE_FIELDS, "children_per_family")),
        (_("Age of the main person"), AGE_FIELDS),
        (_("Net income as a share of the social minimum"), (*INCOME_FIELDS, "long_term_low_income_percent")),
        (
            _("Housing and fixed costs"),
            (
                "renting_low_income_percent",
                "renting_other_percent",
                "rent_lowest",
                "rent_highest",
                "fixed_costs_base",
                "fixed_costs_per_person",
            ),
        ),
        (_("Savings"), SAVINGS_FIELDS),
        (_("Reproducibility and sources"), ("seed", "sources")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]

    def population_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in POPULATION_FIELDS}


class RecipientsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File with recipient counts (CSV or XLSX)"),
        help_text=_("Columns: regeling, gebied, jaar, aantal. One count per scheme, area and year."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.") % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload
