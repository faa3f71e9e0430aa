"""Forms of the early-signalling pages: an attempt to reach a household, moving and closing a case,
and the municipality's terms, thresholds and offer letter. They check and shape the input; the
services in ``early_signals.services`` check access again, write and audit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from meedoen.early_signals.letters import PLACEHOLDERS, LetterText, placeholder_problems
from meedoen.early_signals.models import OPEN_STATUSES, TEAM_OUTCOMES, Case, ContactAttempt, LetterTemplate, Signal
from meedoen.early_signals.selectors import CaseSummary, SignalDetail, ThresholdSetting
from meedoen.workspace.socialmap_forms import CHECKBOX, NO_CONTROL_IN_TEXT, RADIO, SELECT, TEXTAREA, TEXTBOX

YES, NO = "yes", "no"
NOTE_LENGTH = 500


def _radio() -> forms.RadioSelect:
    return forms.RadioSelect(attrs={"class": RADIO})


def _number(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"class": f"{TEXTBOX} utrecht-textbox--numeric", "inputmode": "numeric", **attrs})


# --- a case ------------------------------------------------------------------------------------------------


class AttemptForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How did you try to reach them?"), choices=ContactAttempt.Channel.choices, widget=_radio()
    )
    attempted_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": TEXTBOX})
    )
    attempted_time = forms.TimeField(
        label=_("Time"), widget=forms.TimeInput(format="%H:%M", attrs={"type": "time", "class": TEXTBOX})
    )
    reached = forms.ChoiceField(
        label=_("Did you reach the household?"),
        choices=[(YES, _("Yes, we were in touch")), (NO, _("No"))],
        widget=_radio(),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        help_text=_("Short, and only what the team needs to go on. At most 500 characters."),
        required=False,
        max_length=NOTE_LENGTH,
        validators=NO_CONTROL_IN_TEXT,
        widget=forms.Textarea(attrs={"class": TEXTAREA, "rows": "3", "maxlength": str(NOTE_LENGTH)}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "attempt")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            now = timezone.localtime()
            self.initial.setdefault("attempted_on", now.date())
            self.initial.setdefault("attempted_time", now.time().replace(second=0, microsecond=0))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day, time = cleaned.get("attempted_on"), cleaned.get("attempted_time")
        if day is not None and time is not None:
            attempted_at = timezone.make_aware(datetime.combine(day, time))
            if attempted_at > timezone.now():
                self.add_error("attempted_on", _("The date and time of an attempt cannot lie in the future."))
            cleaned["attempted_at"] = attempted_at
        return cleaned

    @property
    def attempted_at(self) -> datetime:
        value = self.cleaned_data["attempted_at"]
        assert isinstance(value, datetime)
        return value

    @property
    def was_reached(self) -> bool:
        return bool(self.cleaned_data["reached"] == YES)


# The service's names of the attempt's fields, as the form calls them.
ATTEMPT_ALIASES = {"attempted_at": "attempted_on"}


class MoveForm(forms.Form):
    status = forms.ChoiceField(label=_("Move to tray"))

    def __init__(self, *args: Any, current: str, attempted: bool, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "move")
        super().__init__(*args, **kwargs)
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)
        # A case someone tried to reach is no longer new (services.case_move refuses it too).
        field.choices = [
            (value, str(label).capitalize())
            for value, label in Case.Status.choices
            if value in OPEN_STATUSES and value != current and not (attempted and value == Case.Status.NEW)
        ]
        field.widget.attrs["class"] = SELECT


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        help_text=_(
            "An outcome after contact needs a recorded attempt that reached the household; "
            "“no contact” needs at least one recorded attempt."
        ),
        # The outcomes of a withdrawal are set by the creditors' withdrawals, never chosen here.
        choices=[(outcome, label) for outcome, label in Case.Outcome.choices if outcome in TEAM_OUTCOMES],
        widget=_radio(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "close")
        super().__init__(*args, **kwargs)


class ReopenForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is the case opened again?"),
        help_text=_("The case goes back to the tray “contacted”, or “to contact” if nobody was reached."),
        # Undoing a join opens the case joined again (services.case_split); it is not chosen here.
        choices=[
            (value, label) for value, label in Case.ReopenReason.choices if value != Case.ReopenReason.JOINED_IN_ERROR
        ],
        widget=_radio(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "reopen")
        super().__init__(*args, **kwargs)


class JoinForm(forms.Form):
    """Which open case at the same address is about the same person, and that the officer checked it."""

    other = forms.ChoiceField(label=_("Which case is about the same person?"), widget=_radio())
    same_person = forms.BooleanField(
        label=_("I have checked that both cases are about the same person."),
        help_text=_(
            "The signals and attempts of that case come to this one, and that case is closed as joined. "
            "While this case is open, the join can be undone on this page."
        ),
        error_messages={"required": _("Check that both cases are about the same person, and tick the box.")},
        widget=forms.CheckboxInput(attrs={"class": CHECKBOX}),
    )

    def __init__(self, *args: Any, cases: Iterable[CaseSummary] = (), **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "join")
        super().__init__(*args, **kwargs)
        other = self.fields["other"]
        assert isinstance(other, forms.ChoiceField)
        other.choices = [(str(case.uuid), _case_choice(case)) for case in cases]
        other.error_messages["invalid_choice"] = _(
            "Choose one of the open cases at this address; the list may have changed since you opened the page."
        )


def _case_choice(case: CaseSummary) -> str:
    return _("Case %(number)s, opened on %(date)s, tray “%(tray)s”") % {
        "number": case.number,
        "date": formats.date_format(timezone.localtime(case.opened_at), "j F Y"),
        "tray": Case.Status(case.status).label,
    }


def _joined_choice(case: CaseSummary) -> str:
    # A case joined is closed when it is joined: its tray says nothing, the day of the join does.
    return _("Case %(number)s, opened on %(date)s, joined with this case on %(joined)s") % {
        "number": case.number,
        "date": formats.date_format(timezone.localtime(case.opened_at), "j F Y"),
        "joined": formats.date_format(timezone.localtime(case.closed_at), "j F Y") if case.closed_at else "",
    }


class SplitForm(forms.Form):
    """Which case joined with this one is about someone else after all, and that the officer checked it."""

    joined = forms.ChoiceField(label=_("Which joined case is about someone else?"), widget=_radio())
    different_people = forms.BooleanField(
        label=_("I have checked that the two cases are about different people."),
        help_text=_(
            "The signals and attempts that case brought go back to it, and it is opened again in the tray it had. "
            "What came to this case since the join stays here."
        ),
        error_messages={"required": _("Check that the cases are about different people, and tick the box.")},
        widget=forms.CheckboxInput(attrs={"class": CHECKBOX}),
    )

    def __init__(self, *args: Any, cases: Iterable[CaseSummary] = (), **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "split")
        super().__init__(*args, **kwargs)
        joined = self.fields["joined"]
        assert isinstance(joined, forms.ChoiceField)
        joined.choices = [(str(case.uuid), _joined_choice(case)) for case in cases]
        joined.error_messages["invalid_choice"] = _(
            "Choose one of the cases joined with this one; the list may have changed since you opened the page."
        )


class SeparateForm(forms.Form):
    """Which signals of this case are about someone else, and that the officer checked it."""

    signals = forms.MultipleChoiceField(
        label=_("Which signals are about someone else?"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": CHECKBOX}),
        error_messages={"required": _("Choose the signals that are about someone else.")},
    )
    someone_else = forms.BooleanField(
        label=_("I have checked that these signals are about someone else than the other signals of this case."),
        help_text=_(
            "They go to a new case of their own in the tray “new”, with its own term. The attempts stay with this "
            "case. If this was a mistake, join the two cases again."
        ),
        error_messages={"required": _("Check that the signals are about someone else, and tick the box.")},
        widget=forms.CheckboxInput(attrs={"class": CHECKBOX}),
    )

    def __init__(self, *args: Any, signals: Iterable[str] = (), **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "separate")
        super().__init__(*args, **kwargs)
        self._signals().choices = [(key, key) for key in signals]
        self._signals().error_messages["invalid_choice"] = _(
            "Choose among the signals of this case; the page may have changed since you opened it."
        )

    def describe(self, signals: Iterable[SignalDetail]) -> None:
        """Offer ``signals`` named as the case page shows them (the page's read is recorded)."""
        self._signals().choices = [(str(signal.uuid), _signal_choice(signal)) for signal in signals]

    def _signals(self) -> forms.MultipleChoiceField:
        field = self.fields["signals"]
        assert isinstance(field, forms.MultipleChoiceField)
        return field


def _signal_choice(signal: SignalDetail) -> str:
    name = " ".join(
        part for part in (signal.given_name or signal.initials, signal.surname_prefix, signal.surname) if part
    )
    values = {
        "creditor": signal.creditor,
        "kind": Signal.Kind(signal.kind).label,
        "date": formats.date_format(timezone.localtime(signal.received_at), "j F Y"),
        "name": name,
        "born": formats.date_format(signal.date_of_birth, "j F Y"),
    }
    if signal.withdrawn_at is not None:
        return _("%(creditor)s: %(kind)s, received on %(date)s, about %(name)s, born on %(born)s (withdrawn)") % values
    return _("%(creditor)s: %(kind)s, received on %(date)s, about %(name)s, born on %(born)s") % values


# --- the municipality's settings ---------------------------------------------------------------------------


class TermsForm(forms.Form):
    regular_term_days = forms.IntegerField(
        label=_("Term for a first offer (days)"),
        help_text=_("Calendar days from receipt of a signal to the first offer. Usual: 28."),
        min_value=1,
        max_value=365,
        widget=_number(),
    )
    urgent_term_working_days = forms.IntegerField(
        label=_("Term for a first offer when the situation threatens (working days)"),
        help_text=_("Working days from receipt of an eviction or end-of-supply signal to the first offer. Usual: 3."),
        min_value=1,
        max_value=30,
        widget=_number(),
    )
    retention_days = forms.IntegerField(
        label=_("Retention term (days)"),
        required=False,
        min_value=1,
        max_value=settings.EARLY_SIGNALS_MAX_RETENTION_DAYS,
        widget=_number(),
    )
    retention_after_help_days = forms.IntegerField(
        label=_("Retention term after help (days)"),
        required=False,
        min_value=1,
        max_value=settings.EARLY_SIGNALS_MAX_RETENTION_DAYS,
        widget=_number(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each says the installation's term, which an empty field means.
        self.fields["retention_days"].help_text = _(
            "Days after a case closed without help (no contact, solves it themselves, declines help) before "
            "the personal data of its signals is removed. Open cases nobody reached are closed and removed "
            "once their last signal is that old. Leave empty for the term of the installation: %(days)s days."
        ) % {"days": settings.EARLY_SIGNALS_RETENTION_DAYS}
        self.fields["retention_after_help_days"].help_text = _(
            "Days after a case closed with help accepted (solved directly, payment arrangement, referral) before "
            "the personal data of its signals is removed; the help goes on in the file of the debt help or the "
            "partner. Leave empty for the term of the installation: %(days)s days."
        ) % {"days": settings.EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS}


class ThresholdsForm(forms.Form):
    """The least arrears the municipality takes up, per kind of creditor: one pair of fields each."""

    def __init__(self, *args: Any, thresholds: Iterable[ThresholdSetting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = [(threshold.creditor_kind, threshold.label) for threshold in thresholds]
        for threshold in thresholds:
            kind = threshold.creditor_kind
            self.fields[f"{kind}-amount"] = forms.DecimalField(
                label=_("Minimum arrears (euro)"),
                min_value=Decimal(0),
                max_digits=10,
                decimal_places=2,
                localize=True,
                initial=threshold.minimum_amount,
                widget=forms.TextInput(attrs={"class": f"{TEXTBOX} utrecht-textbox--numeric", "inputmode": "decimal"}),
            )
            self.fields[f"{kind}-months"] = forms.IntegerField(
                label=_("Minimum months in arrears"),
                min_value=0,
                max_value=240,
                initial=threshold.minimum_months_in_arrears,
                widget=_number(),
            )

    def groups(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(label, self[f"{kind}-amount"], self[f"{kind}-months"]) for kind, label in self.kinds]

    def values(self) -> dict[str, tuple[Decimal, int]]:
        return {
            kind: (self.cleaned_data[f"{kind}-amount"], self.cleaned_data[f"{kind}-months"])
            for kind, _label in self.kinds
        }


def _template_field(name: str) -> Any:
    return LetterTemplate._meta.get_field(name)


class LetterTemplateForm(forms.Form):
    subject = forms.CharField(
        label=_("Subject"),
        validators=NO_CONTROL_IN_TEXT,
        max_length=_template_field("subject").max_length,
        widget=forms.TextInput(),
    )
    body = forms.CharField(
        label=_("Text of the letter"),
        validators=NO_CONTROL_IN_TEXT,
        max_length=_template_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": "16"}),
    )
    urgent_subject = forms.CharField(
        label=_("Subject when the situation threatens"),
        validators=NO_CONTROL_IN_TEXT,
        max_length=_template_field("urgent_subject").max_length,
        widget=forms.TextInput(),
    )
    urgent_body = forms.CharField(
        label=_("Text of the letter when the situation threatens"),
        validators=NO_CONTROL_IN_TEXT,
        max_length=_template_field("urgent_body").max_length,
        widget=forms.Textarea(attrs={"rows": "16"}),
    )
    sender = forms.CharField(
        label=_("Signed by"),
        validators=NO_CONTROL_IN_TEXT,
        max_length=_template_field("sender").max_length,
        widget=forms.TextInput(),
    )
    contact = forms.CharField(
        label=_("How residents reach the team"),
        help_text=_("Phone number, e-mail address or walk-in hours, in one or two short sentences."),
        validators=NO_CONTROL_IN_TEXT,
        max_length=_template_field("contact").max_length,
        required=False,
        widget=forms.TextInput(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = {"names": ", ".join("{" + name + "}" for name in PLACEHOLDERS)}
        self.fields["body"].help_text = (
            _("Short sentences, and “je”. Blank lines separate paragraphs. Placeholders: %(names)s.") % names
        )
        self.fields["urgent_body"].help_text = (
            _(
                "For a case with an eviction, an end of supply or another threat. Say that it is urgent and ask "
                "for contact soon: {reageer_voor} is then five working days after the letter. Placeholders: "
                "%(names)s."
            )
            % names
        )
        for name, field in self.fields.items():
            field.widget.attrs["class"] = TEXTAREA if name in ("body", "urgent_body") else TEXTBOX

    def _placeholders(self, name: str) -> str:
        value = self.cleaned_data[name]
        assert isinstance(value, str)
        problems = placeholder_problems(value)
        if problems:
            raise ValidationError(problems)
        return value

    def clean_subject(self) -> str:
        return self._placeholders("subject")

    def clean_body(self) -> str:
        return self._placeholders("body")

    def clean_urgent_subject(self) -> str:
        return self._placeholders("urgent_subject")

    def clean_urgent_body(self) -> str:
        return self._placeholders("urgent_body")

    def letter_text(self) -> LetterText:
        """The texts as entered (the form must be valid)."""
        data = self.cleaned_data
        return LetterText(
            subject=data["subject"],
            body=data["body"],
            sender=data["sender"],
            contact=data["contact"],
            own=True,
            urgent_subject=data["urgent_subject"],
            urgent_body=data["urgent_body"],
        )

    def clean_sender(self) -> str:
        return self._placeholders("sender")
