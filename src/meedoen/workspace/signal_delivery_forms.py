"""The forms with which a creditor's staff upload a file of signals and withdraw a signal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meedoen.early_signals import formats
from meedoen.early_signals.formats import grouped
from meedoen.early_signals.models import WithdrawalReason
from meedoen.organisations.models import Organisation
from meedoen.workspace.socialmap_forms import RADIO, SELECT, TEXTBOX

# What the browser offers to choose; the intake tells CSV and XLSX apart by their content, not by name.
ACCEPTED_FILES = ".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def megabytes(size: int) -> str:
    return f"{grouped(size // (1024 * 1024))} MB"


class _ForAnOrganisation(forms.Form):
    """A form a person sends for one of the organisations they deliver for: with one, nothing to
    choose (the field goes); with several, a choice of them."""

    organisation = forms.TypedChoiceField(coerce=int)

    def __init__(self, *args: Any, organisations: Sequence[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {organisation.pk: organisation for organisation in organisations}
        if len(organisations) == 1:
            del self.fields["organisation"]
        else:
            choice = self.fields["organisation"]
            assert isinstance(choice, forms.TypedChoiceField)
            choice.choices = [(organisation.pk, organisation.name) for organisation in organisations]
            choice.widget.attrs["class"] = SELECT

    @property
    def chosen_organisation(self) -> Organisation:
        if "organisation" not in self.fields:
            return next(iter(self.organisations.values()))
        return self.organisations[self.cleaned_data["organisation"]]


class SignalFileForm(_ForAnOrganisation):
    organisation = forms.TypedChoiceField(label=gettext_lazy("Deliver for"), coerce=int)
    file = forms.FileField(
        label=gettext_lazy("File with signals (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}),
    )
    format_version = forms.ChoiceField(
        label=gettext_lazy("Format version"),
        help_text=gettext_lazy("The version of the format your file follows. The format description names it."),
        widget=forms.Select(attrs={"class": SELECT}),
    )

    def __init__(self, *args: Any, organisations: Sequence[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, organisations=organisations, **kwargs)
        versions = self.fields["format_version"]
        assert isinstance(versions, forms.ChoiceField)
        versions.choices = [(version, version) for version in sorted(formats.SUPPORTED_VERSIONS)]
        versions.initial = formats.FORMAT_VERSION
        self.fields["file"].help_text = _(
            "At most %(size)s (%(bytes)s bytes) and %(rows)s signals. A larger file: split it into smaller files."
        ) % {
            "size": megabytes(formats.MAX_FILE_BYTES),
            "bytes": grouped(formats.MAX_FILE_BYTES),
            "rows": grouped(formats.MAX_ROWS),
        }

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        assert isinstance(upload, UploadedFile)
        too_large = formats.too_large(upload.size or 0, formats.MAX_FILE_BYTES)
        if too_large is not None:
            raise forms.ValidationError(too_large.message, code="too_large")
        return upload

    @property
    def too_large(self) -> bool:
        return any(error.code == "too_large" for error in self.errors.as_data().get("file", []))


class WithdrawalForm(_ForAnOrganisation):
    """Withdraw one signal of the organisation by its reference, for a reason from the fixed choice
    (never free text, which could hold personal data)."""

    organisation = forms.TypedChoiceField(label=gettext_lazy("Withdraw for"), coerce=int)
    reference = forms.CharField(
        label=gettext_lazy("Reference of the signal (creditor_reference)"),
        help_text=gettext_lazy("Exactly as your organisation delivered it."),
        # Longer text is refused by the withdrawal itself, with the reason; this only keeps a form
        # from sending a book.
        max_length=1000,
        strip=False,
        widget=forms.TextInput(attrs={"class": TEXTBOX, "autocomplete": "off", "spellcheck": "false"}),
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("Why do you withdraw the signal?"),
        choices=WithdrawalReason.choices,
        widget=forms.RadioSelect(attrs={"class": RADIO}),
    )
    # Sent by the page that showed what would be withdrawn: a withdrawal cannot be undone.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
