"""Forms with which partner staff keep their offers and places. They check and shape the input; the
services in ``socialmap.services`` check access again, write and audit."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db.models import QuerySet
from django.forms.boundfield import BoundField
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from meedoen.areas.models import Area
from meedoen.areas.selectors import districts_of
from meedoen.core.access import Actor
from meedoen.core.text import refuse_hidden
from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap.languages import COMMON_LANGUAGES
from meedoen.socialmap.models import Location, OpeningHours, TaxonomyTerm
from meedoen.socialmap.models import Offer as OfferModel
from meedoen.socialmap.selectors import locations_of_municipalities, offer_municipalities, taxonomy_terms
from meedoen.socialmap.services import LOCATION_FIELDS, OFFER_FIELDS, OfferRelations
from meedoen.socialmap.taxonomy import TARGET_GROUPS_CODE, THEMES_CODE
from meedoen.workspace.fields import IdsChoiceField

TEXTBOX = "utrecht-textbox utrecht-textbox--html-input"
TEXTAREA = "utrecht-textarea utrecht-textarea--html-textarea"
SELECT = "utrecht-select utrecht-select--html-select"
CHECKBOX = "utrecht-checkbox utrecht-checkbox--html-input"
RADIO = "utrecht-radio-button utrecht-radio-button--html-input"
# Long enough for any honest description; a megabyte of text is refused, not stored.
LONG_TEXT = 5000
PHONE_NUMBER = RegexValidator(
    r"^\+?[0-9][0-9 ()-]{5,28}$",
    _("Enter a phone number in digits, such as 0416 123456 or +31 6 12345678."),
)
# A link residents open in their browser: no ftp, no javascript:.
WEB_ADDRESS = URLValidator(
    schemes=["https", "http"],
    message=_("Enter a web address that starts with https://, such as https://www.example.nl."),
)
POSTAL_CODE = re.compile(r"^([1-9][0-9]{3})([A-Z]{2})$")
# Line breaks and tabs are text in a description, not in a name or an address.
NO_LINE_BREAKS = RegexValidator(r"[\t\n\r]", _("Remove the tabs and line breaks."), inverse_match=True)
NO_CONTROL_IN_LINE = (refuse_hidden, NO_LINE_BREAKS)
NO_CONTROL_IN_TEXT = (refuse_hidden,)


class WebAddressField(forms.URLField):
    default_validators = [WEB_ADDRESS]


def _textbox(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"class": TEXTBOX, **attrs})


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"class": TEXTAREA, "rows": str(rows)})


def _number() -> forms.NumberInput:
    return forms.NumberInput(attrs={"class": f"{TEXTBOX} utrecht-textbox--numeric", "inputmode": "numeric"})


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": CHECKBOX})


def _select() -> forms.Select:
    return forms.Select(attrs={"class": SELECT})


def _name_field(help_text: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=_("Name"), max_length=200, help_text=help_text, widget=_textbox(), validators=NO_CONTROL_IN_LINE
    )


def _long_text_field(
    label: StrOrPromise, *, rows: int = 4, required: bool = False, help_text: StrOrPromise = ""
) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=LONG_TEXT,
        required=required,
        help_text=help_text,
        widget=_textarea(rows),
        validators=NO_CONTROL_IN_TEXT,
    )


def _phone_field(label: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=30,
        required=False,
        validators=[PHONE_NUMBER],
        widget=_textbox(type="tel", autocomplete="off"),
    )


def _age_field(label: StrOrPromise) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=130, required=False, widget=_number())


def _tick_field(label: StrOrPromise) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, widget=forms.CheckboxInput(attrs={"class": CHECKBOX}))


def _terms_field(
    label: StrOrPromise, taxonomy: str, help_text: StrOrPromise
) -> forms.ModelMultipleChoiceField[TaxonomyTerm]:
    """Check boxes for the terms of one managed list, chosen and kept by their code."""
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=taxonomy_terms(taxonomy),
        to_field_name="code",
        required=False,
        help_text=help_text,
        widget=_checkboxes(),
    )


def _options_field(
    label: StrOrPromise, help_text: StrOrPromise, choices: Iterable[tuple[str, Any]] = ()
) -> forms.MultipleChoiceField:
    """Check boxes of which any number may be ticked, or none."""
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, help_text=help_text, widget=_checkboxes()
    )


def _in_order(chosen: Iterable[str], choices: Iterable[tuple[str, Any]]) -> list[str]:
    """The chosen values in the order of the list, so that saving an unchanged form changes nothing."""
    wanted = set(chosen)
    return [value for value, _label in choices if value in wanted]


@dataclass(frozen=True)
class ChoiceGroup:
    """Check boxes under one heading: the places of one organisation."""

    label: str
    options: list[Any]


class _KeptByOrganisationForm(forms.Form):
    """Something one organisation keeps: an offer or a place. A new one asks which organisation, unless
    the maintainer keeps only one; one that exists stays with the organisation that keeps it."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        widget=_select(),
    )

    def __init__(
        self,
        data: Any,
        *,
        initial: dict[str, Any],
        organisations: QuerySet[Organisation],
        kept_by: Organisation | None,
    ) -> None:
        super().__init__(data, initial=initial)
        # The organisations it may be kept by, read once: one that exists stays with its own, and a
        # maintainer of one organisation is not asked.
        self.organisations = list(organisations) if kept_by is None else [kept_by]
        if len(self.organisations) == 1:
            kept_by = self.organisations[0]
        self.fixed_organisation: Organisation | None = kept_by
        if kept_by is not None:
            del self.fields["organisation"]
        else:
            self._field("organisation").queryset = organisations

    def _field(self, name: str) -> Any:
        return self.fields[name]

    def chosen_organisation(self) -> Organisation | None:
        if self.fixed_organisation is not None:
            return self.fixed_organisation
        chosen = self.cleaned_data.get("organisation")
        return chosen if isinstance(chosen, Organisation) else None

    def keeping_organisation(self) -> Organisation:
        """The organisation that is to keep the offer or place, as the services take it; only once the
        form is valid, when there always is one."""
        organisation = self.chosen_organisation()
        assert organisation is not None
        return organisation


class OfferForm(_KeptByOrganisationForm):
    """An offer with everything a maintainer says about it. Built for one actor in one municipality;
    for a new offer of a maintainer of several organisations it asks which one."""

    name = _name_field(_("Short and clear, such as “Food parcel” or “Help with forms”."))
    description = _long_text_field(
        _("Description"),
        rows=6,
        required=True,
        help_text=_(
            "Write in plain language (level B1): short sentences and everyday words. Say what someone gets, and how."
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=OfferModel.Status.choices,
        initial=OfferModel.Status.ACTIVE,
        widget=forms.RadioSelect(attrs={"class": RADIO}),
    )
    themes = _terms_field(_("Themes"), THEMES_CODE, _("What the help is about. Residents filter on these."))
    target_groups = _terms_field(
        _("Target groups"),
        TARGET_GROUPS_CODE,
        _("Who the help is mainly meant for. Leave empty when it is for everyone."),
    )
    conditions = _long_text_field(_("Conditions"), help_text=_("Who can use it, in words."))
    income_limit_percent = forms.IntegerField(
        label=_("Income limit (% of the social minimum)"),
        min_value=1,
        max_value=500,
        required=False,
        help_text=_("Such as 120. Leave empty when there is no income limit."),
        widget=_number(),
    )
    minimum_age = _age_field(_("Minimum age"))
    maximum_age = _age_field(_("Maximum age"))
    residents_only = _tick_field(_("Only for residents of the municipality"))
    is_free = _tick_field(_("Free of charge"))
    costs = _long_text_field(
        _("Costs"), rows=3, help_text=_("What it costs, when it is not free. Mention discounts too.")
    )
    ways_in = _options_field(_("Ways in"), _("How residents can get in touch."), OfferModel.WayIn.choices)
    application_process = _long_text_field(
        _("How to apply"),
        help_text=_("The steps, such as “Call us for an appointment” or “Fill in the form on our website”."),
    )
    languages = _options_field(_("Languages"), _("The languages residents can be helped in."), COMMON_LANGUAGES)
    municipalities = IdsChoiceField(
        label=_("Offered in"),
        queryset=Municipality.objects.none(),
        help_text=_("The municipalities whose residents can use this offer."),
        widget=_checkboxes(),
    )
    locations = _options_field(_("Places"), _("Where residents can get this help. Any partner's place can be chosen."))
    phone = _phone_field(_("Phone number"))
    whatsapp = _phone_field(_("WhatsApp number"))
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, required=False, widget=_textbox(type="email", autocomplete="off")
    )
    url = WebAddressField(
        label=_("Website"),
        max_length=200,
        required=False,
        assume_scheme="https",
        help_text=_("The page about this offer, such as https://www.example.nl/help."),
        widget=_textbox(type="url", autocomplete="off"),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        actor: Actor,
        municipality: Municipality,
        organisations: QuerySet[Organisation],
        offer: OfferModel | None = None,
    ) -> None:
        self.actor = actor
        self.municipality = municipality
        self.offer = offer
        super().__init__(
            data,
            initial=self._initial_of(offer) if offer is not None else {"is_free": True},
            organisations=organisations,
            kept_by=offer.organisation if offer is not None else None,
        )
        if offer is not None:
            allowed = offer_municipalities(actor=actor, organisation=offer.organisation)
        else:
            allowed = Municipality.objects.filter(
                pk__in={m.pk for o in self.organisations for m in offer_municipalities(actor=actor, organisation=o)}
            ).order_by("name")
        self.offered_in = list(allowed)
        if len(self.offered_in) > 1:
            self._field("municipalities").queryset = allowed
            self.fields["municipalities"].initial = self.initial.get("municipalities", [municipality])
        else:
            del self.fields["municipalities"]
        self._locations = {
            str(location.pk): location
            for location in locations_of_municipalities(
                actor=actor, municipality_ids=[m.pk for m in self.offered_in] or [municipality.pk]
            )
        }
        several = len(self.offered_in) > 1
        groups: dict[str, list[tuple[str, str]]] = {}
        for key, location in self._locations.items():
            heading = location.organisation.name
            if several:
                heading = f"{heading} ({location.municipality.name})"
            groups.setdefault(heading, []).append((key, f"{location.name}, {location.street_address}, {location.city}"))
        self._field("locations").choices = list(groups.items())
        known = {code for code, _name in COMMON_LANGUAGES}
        others = [(code, code) for code in (offer.languages if offer is not None else []) if code not in known]
        self._field("languages").choices = [*COMMON_LANGUAGES, *others]

    @staticmethod
    def _initial_of(offer: OfferModel) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(offer, name) for name in OFFER_FIELDS}
        initial["themes"] = [term.code for term in offer.themes.all()]
        initial["target_groups"] = [term.code for term in offer.target_groups.all()]
        initial["municipalities"] = list(offer.municipalities.all())
        initial["locations"] = [str(pk) for pk in offer.offer_locations.values_list("location_id", flat=True)]
        return initial

    def location_groups(self) -> list[ChoiceGroup]:
        """The place check boxes under the name of the organisation that keeps each place."""
        bound = {option.data["value"]: option for option in self["locations"]}
        return [
            ChoiceGroup(str(heading), [bound[value] for value, _label in options])
            for heading, options in self._field("locations").choices
        ]

    def clean_ways_in(self) -> list[str]:
        return _in_order(self.cleaned_data["ways_in"], OfferModel.WayIn.choices)

    def clean_languages(self) -> list[str]:
        return _in_order(self.cleaned_data["languages"], self._field("languages").choices)

    def clean_locations(self) -> list[Location]:
        return [self._locations[key] for key in self.cleaned_data["locations"]]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        minimum, maximum = cleaned.get("minimum_age"), cleaned.get("maximum_age")
        if minimum is not None and maximum is not None and minimum > maximum:
            self.add_error("maximum_age", _("The maximum age must not be lower than the minimum age."))
        if not cleaned.get("is_free") and not cleaned.get("costs") and "costs" not in self.errors:
            self.add_error("costs", _("Say what it costs, or tick “Free of charge”."))
        chosen = self.chosen_municipalities()
        organisation = self.chosen_organisation()
        if chosen and organisation is not None and "municipalities" in self.fields:
            allowed = set(offer_municipalities(actor=self.actor, organisation=organisation))
            if not set(chosen) <= allowed:
                self.add_error(
                    "municipalities",
                    _("You keep the offers of %(organisation)s only in: %(municipalities)s.")
                    % {
                        "organisation": organisation.name,
                        "municipalities": ", ".join(m.name for m in sorted(allowed, key=lambda m: m.name)),
                    },
                )
        locations = cleaned.get("locations") or []
        if chosen and any(location.municipality_id not in {m.pk for m in chosen} for location in locations):
            self.add_error("locations", _("Choose places in the municipalities where the offer is given."))
        return cleaned

    def chosen_municipalities(self) -> list[Municipality]:
        if "municipalities" not in self.fields:
            return [self.municipality]
        return list(self.cleaned_data.get("municipalities") or [])

    def offer_fields(self) -> dict[str, Any]:
        """The offer's own fields, as the services take them."""
        return {name: self.cleaned_data[name] for name in OFFER_FIELDS}

    def relations(self) -> OfferRelations:
        return OfferRelations(
            municipalities=tuple(self.chosen_municipalities()),
            themes=tuple(self.cleaned_data["themes"]),
            target_groups=tuple(self.cleaned_data["target_groups"]),
            locations=tuple(self.cleaned_data["locations"]),
        )


@dataclass(frozen=True)
class HoursRow:
    """The fields of one weekday: up to two periods, each a pair of (field, short label)."""

    day: str | Promise
    periods: list[list[tuple[BoundField, str | Promise]]]
    errors: list[str]


# The fields of a place that staff fill in: all that ``location_save`` takes but the coordinates,
# which the form leaves as they are.
PLACE_FIELDS = tuple(name for name in LOCATION_FIELDS if name not in ("latitude", "longitude"))

# Two periods a day cover the usual "morning, and again after lunch"; both empty means closed.
PERIODS = 2


def _hour_field_names(weekday: int) -> list[tuple[str, str]]:
    return [(f"day{weekday}_opens_{period}", f"day{weekday}_closes_{period}") for period in range(1, PERIODS + 1)]


class LocationForm(_KeptByOrganisationForm):
    """A place an organisation keeps, with its weekly opening hours."""

    name = _name_field(_("The name residents know, such as “Community centre De Hoef”."))
    description = _long_text_field(_("About this place"), rows=3)
    street_address = forms.CharField(
        label=_("Street and number"),
        max_length=200,
        widget=_textbox(autocomplete="off"),
        validators=NO_CONTROL_IN_LINE,
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=20,
        help_text=_("Such as 5141 AB."),
        widget=_textbox(autocomplete="off", size="8"),
    )
    city = forms.CharField(
        label=_("Place"), max_length=100, widget=_textbox(autocomplete="off"), validators=NO_CONTROL_IN_LINE
    )
    area = forms.ChoiceField(
        label=_("District"),
        required=False,
        help_text=_("Residents can look for help in their own district."),
        widget=_select(),
    )
    accessibility = _long_text_field(
        _("Accessibility"),
        rows=3,
        help_text=_("Such as: no steps at the entrance, a lift, an accessible toilet, a hearing loop."),
    )
    transportation = _long_text_field(
        _("Getting there"),
        rows=3,
        help_text=_("Such as the nearest bus stop, and where to park a car or bicycle."),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        municipality: Municipality,
        organisations: QuerySet[Organisation],
        location: Location | None = None,
    ) -> None:
        super().__init__(
            data,
            initial=self._initial_of(location) if location is not None else {},
            organisations=organisations,
            kept_by=location.organisation if location is not None else None,
        )
        self.municipality = municipality
        # Places abroad (from an import, say) keep their own kind of postal code.
        self.in_the_netherlands = location is None or getattr(location, "country", "NL") == "NL"
        self._areas: dict[str, Area] = {area.code: area for area in districts_of(municipality.code)}
        if location is not None and location.area is not None and location.area.code not in self._areas:
            # A neighbourhood (buurt) set by an import stays choosable, so saving does not lose it.
            self._areas[location.area.code] = location.area
        self._field("area").choices = [("", _("No district")), *((code, a.name) for code, a in self._areas.items())]
        for weekday, weekday_name in OpeningHours.Weekday.choices:
            day = capfirst(weekday_name)
            for period, (opens, closes) in enumerate(_hour_field_names(weekday), start=1):
                if period == 1:
                    opens_label = _("%(day)s, opens at") % {"day": day}
                    closes_label = _("%(day)s, closes at") % {"day": day}
                else:
                    opens_label = _("%(day)s, opens again at") % {"day": day}
                    closes_label = _("%(day)s, closes again at") % {"day": day}
                self.fields[opens] = self._time_field(opens_label)
                self.fields[closes] = self._time_field(closes_label)

    @staticmethod
    def _time_field(label: str) -> forms.TimeField:
        return forms.TimeField(
            label=label,
            required=False,
            input_formats=["%H:%M", "%H:%M:%S", "%H.%M"],
            error_messages={"invalid": _("Enter a time such as 09:00.")},
            widget=forms.TimeInput(format="%H:%M", attrs={"type": "time", "class": f"{TEXTBOX} meedoen-time"}),
        )

    @staticmethod
    def _initial_of(location: Location) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(location, name) for name in PLACE_FIELDS}
        initial["area"] = location.area.code if location.area is not None else ""
        periods: dict[int, list[OpeningHours]] = {}
        for entry in sorted(location.opening_hours.all(), key=lambda entry: (entry.weekday, entry.opens_at)):
            periods.setdefault(entry.weekday, []).append(entry)
        for weekday, entries in periods.items():
            for (opens, closes), entry in zip(_hour_field_names(weekday), entries, strict=False):
                initial[opens], initial[closes] = entry.opens_at, entry.closes_at
        return initial

    def hours_rows(self) -> list[HoursRow]:
        rows = []
        for weekday, day in OpeningHours.Weekday.choices:
            periods: list[list[tuple[BoundField, str | Promise]]] = []
            errors: list[str] = []
            for period, (opens, closes) in enumerate(_hour_field_names(weekday), start=1):
                periods.append([(self[opens], _("from") if period == 1 else _("and from")), (self[closes], _("until"))])
                errors.extend(str(error) for error in self[opens].errors)
                errors.extend(str(error) for error in self[closes].errors)
            rows.append(HoursRow(capfirst(day), periods, errors))
        return rows

    def clean_postal_code(self) -> str:
        if not self.in_the_netherlands:
            return str(self.cleaned_data["postal_code"])
        compact = re.sub(r"\s+", "", self.cleaned_data["postal_code"]).upper()
        match = POSTAL_CODE.match(compact)
        if match is None:
            raise ValidationError(_("Enter a Dutch postal code: four digits and two letters, such as 5141 AB."))
        return f"{match.group(1)} {match.group(2)}"

    def clean_area(self) -> Area | None:
        code = self.cleaned_data["area"]
        return self._areas.get(code) if code else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for weekday in OpeningHours.Weekday.values:
            previous_close: time | None = None
            for opens_name, closes_name in _hour_field_names(weekday):
                if opens_name in self.errors or closes_name in self.errors:
                    continue
                opens, closes = cleaned.get(opens_name), cleaned.get(closes_name)
                if opens is None and closes is None:
                    continue
                if opens is None or closes is None:
                    self.add_error(
                        opens_name if opens is None else closes_name,
                        _("Fill in both times, or leave both empty when closed."),
                    )
                    continue
                if opens >= closes:
                    self.add_error(
                        closes_name,
                        _("The closing time must be later than the opening time."),
                    )
                    continue
                if previous_close is not None and opens < previous_close:
                    self.add_error(
                        opens_name,
                        _("The second period must start after the first one ends."),
                    )
                previous_close = closes
        return cleaned

    def location_fields(self) -> dict[str, Any]:
        """The place's own fields, as ``location_save`` takes them; coordinates stay as they are."""
        return {name: self.cleaned_data[name] for name in PLACE_FIELDS}

    def opening_hours(self) -> list[tuple[int, time, time]]:
        hours = []
        for weekday in OpeningHours.Weekday.values:
            for opens_name, closes_name in _hour_field_names(weekday):
                opens, closes = self.cleaned_data.get(opens_name), self.cleaned_data.get(closes_name)
                if opens is not None and closes is not None:
                    hours.append((weekday, opens, closes))
        return hours
