"""Forms of the compass cycle. They check and shape the input; the services in
``compass.services.cycle`` check access again, write and audit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.boundfield import BoundField
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from meedoen.compass.models import (
    Activity,
    Approach,
    Compass,
    Domain,
    EvidenceLevel,
    Indicator,
    PerformanceMeasure,
    Polarity,
    ReflectionSession,
    ReportingPeriod,
    ResultIndicator,
    SocietalResult,
    TurnTheCurve,
)
from meedoen.compass.selectors.cycle import (
    measures_of,
    monitor_indicators_for,
    operational_indicator_choices,
    partners_of,
    periods_of,
)
from meedoen.compass.services.cycle import (
    ACTIVITY_FIELDS,
    COMPASS_FIELDS,
    FOLLOW_UP_FIELDS,
    MEASURE_FIELDS,
    REFLECTION_FIELDS,
    RESULT_FIELDS,
    TURN_THE_CURVE_FIELDS,
)
from meedoen.core.access import Actor
from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap.models import Offer
from meedoen.socialmap.selectors import offers_of_municipality
from meedoen.workspace.socialmap_forms import CHECKBOX, LONG_TEXT, RADIO, SELECT, TEXTAREA, TEXTBOX, WebAddressField


def _textbox(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"class": TEXTBOX, **attrs})


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"class": TEXTAREA, "rows": str(rows)})


def _number(**attrs: str) -> forms.TextInput:
    # A text box, so that a value can be typed the Dutch way (12,5); the field reads it localised.
    return forms.TextInput(attrs={"class": f"{TEXTBOX} utrecht-textbox--numeric", "inputmode": "decimal", **attrs})


def _date() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": TEXTBOX})


def _whole_number(label: Any, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, widget=forms.NumberInput(attrs={"class": f"{TEXTBOX} utrecht-textbox--numeric"}), **kwargs
    )


def _decimal(label: Any, **kwargs: Any) -> forms.FloatField:
    return forms.FloatField(label=label, localize=True, widget=_number(), **kwargs)


def _date_field(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
        error_messages={"invalid": _("Enter a date such as 31-12-2025.")},
        widget=_date(),
        **kwargs,
    )


class OfferChoiceField(forms.ModelMultipleChoiceField[Offer]):
    def label_from_instance(self, obj: Offer) -> str:
        return f"{obj.name} ({obj.organisation.name})"


@dataclass(frozen=True)
class Section:
    heading: str | Promise
    fields: list[BoundField]


class SectionedForm(forms.Form):
    """A form shown in parts, each under a heading; the generic form page walks the parts."""

    sections_spec: tuple[tuple[str | Promise, tuple[str, ...]], ...] = ()

    def sections(self) -> list[Section]:
        if not self.sections_spec:
            return [Section("", [self[name] for name in self.fields])]
        return [
            Section(heading, [self[name] for name in names if name in self.fields])
            for heading, names in self.sections_spec
        ]

    def values(self, names: Iterable[str]) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in names}


class CompassForm(SectionedForm):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("Such as “Samen tegen armoede 2025-2028”."),
        widget=_textbox(),
    )
    start_year = _whole_number(_("First year"), min_value=2000, max_value=2100)
    horizon_years = _whole_number(
        _("Horizon in years"),
        min_value=1,
        max_value=10,
        initial=4,
        help_text=_("How far ahead the results look. The compass usually looks four years ahead."),
    )
    approach = forms.ChoiceField(
        label=_("Approach"),
        choices=Approach.choices,
        initial=Approach.BROAD,
        help_text=_("Narrow looks at income only; broad also at housing, self-reliance and social participation."),
        widget=forms.RadioSelect(attrs={"class": RADIO}),
    )
    local_picture = forms.CharField(
        label=_("The local picture"),
        max_length=LONG_TEXT,
        required=False,
        help_text=_(
            "What poverty looks like here, in figures and in what residents and partners see, such as "
            "a taboo that keeps it invisible or schemes so complex that people fear applying."
        ),
        widget=_textarea(6),
    )
    ambitions = forms.CharField(label=_("Ambitions"), max_length=LONG_TEXT, required=False, widget=_textarea(6))
    indicators = forms.ModelMultipleChoiceField(
        label=_("Figures of the local picture"),
        queryset=Indicator.objects.none(),
        required=False,
        help_text=_("The figures that show the local picture, from CBS or the municipality's own figures."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": CHECKBOX}),
    )

    sections_spec = (
        (_("Horizon and approach"), ("title", "start_year", "horizon_years", "approach")),
        (_("Monitoring and ambitions"), ("local_picture", "indicators", "ambitions")),
    )

    def __init__(self, data: Any = None, *, municipality: Municipality, compass: Compass | None = None) -> None:
        initial: dict[str, Any] = {}
        if compass is not None:
            initial = {name: getattr(compass, name) for name in COMPASS_FIELDS}
            initial["indicators"] = list(compass.indicators.all())
        super().__init__(data, initial=initial)
        indicators = self.fields["indicators"]
        assert isinstance(indicators, forms.ModelMultipleChoiceField)
        indicators.queryset = monitor_indicators_for(municipality)

    def compass_fields(self) -> dict[str, Any]:
        return self.values(COMPASS_FIELDS)


class ResultForm(SectionedForm):
    target_group = forms.CharField(
        label=_("Target group"),
        max_length=200,
        help_text=_("Such as “families with children”, “elderly people” or “young people”."),
        widget=_textbox(),
    )
    statement = forms.CharField(
        label=_("What we want for them"),
        max_length=1000,
        help_text=_(
            "Complete the sentence “In four years we want …”, such as "
            "“fewer families with children in Waalwijk to have debts”."
        ),
        widget=_textarea(3),
    )
    domain = forms.ChoiceField(label=_("Life domain"), widget=forms.Select(attrs={"class": SELECT}))
    position = _whole_number(_("Position"), min_value=0, max_value=999, initial=0, required=False)

    def __init__(self, data: Any = None, *, compass: Compass, result: SocietalResult | None = None) -> None:
        initial = {name: getattr(result, name) for name in RESULT_FIELDS} if result is not None else {}
        super().__init__(data, initial=initial)
        domain = self.fields["domain"]
        assert isinstance(domain, forms.ChoiceField)
        domain.choices = [(value, label) for value, label in Domain.choices if value in compass.domains]

    def result_fields(self) -> dict[str, Any]:
        fields = self.values(RESULT_FIELDS)
        fields["position"] = fields["position"] or 0
        return fields


class ResultIndicatorForm(SectionedForm):
    monitor_indicator = forms.ModelChoiceField(
        label=_("A figure of the local picture"),
        queryset=Indicator.objects.none(),
        required=False,
        empty_label=_("(none)"),
        widget=forms.Select(attrs={"class": SELECT}),
    )
    operational_code = forms.ChoiceField(
        label=_("Or a live figure of Meedoen"),
        required=False,
        help_text=_("Figures the modules of Meedoen compute from their own work, such as measurements approved."),
        widget=forms.Select(attrs={"class": SELECT}),
    )
    baseline_value = _decimal(_("Baseline"))
    baseline_date = _date_field(_("Date of the baseline"))
    target_value = _decimal(_("Target"), help_text=_("The value you want at the end of the horizon."))
    polarity = forms.ChoiceField(
        label=_("Polarity"),
        choices=Polarity.choices,
        help_text=_("Whether a higher value means things go better or worse."),
        widget=forms.RadioSelect(attrs={"class": RADIO}),
    )

    sections_spec = (
        (_("Which figure"), ("monitor_indicator", "operational_code")),
        (_("Baseline and target"), ("baseline_value", "baseline_date", "target_value", "polarity")),
    )

    def __init__(
        self, data: Any = None, *, municipality: Municipality, indicator: ResultIndicator | None = None
    ) -> None:
        initial: dict[str, Any] = {}
        if indicator is not None:
            initial = {
                "monitor_indicator": indicator.monitor_indicator_id,
                "operational_code": indicator.operational_code,
                "baseline_value": indicator.baseline_value,
                "baseline_date": indicator.baseline_date,
                "target_value": indicator.target_value,
                "polarity": indicator.polarity,
            }
        super().__init__(data, initial=initial)
        monitor = self.fields["monitor_indicator"]
        assert isinstance(monitor, forms.ModelChoiceField)
        monitor.queryset = monitor_indicators_for(municipality)
        operational = self.fields["operational_code"]
        assert isinstance(operational, forms.ChoiceField)
        operational.choices = [("", _("(none)")), *operational_indicator_choices()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        monitor, code = cleaned.get("monitor_indicator"), cleaned.get("operational_code")
        if "monitor_indicator" not in self.errors and "operational_code" not in self.errors:
            if monitor is None and not code:
                self.add_error("monitor_indicator", _("Choose a figure of the local picture or a live figure."))
            elif monitor is not None and code:
                self.add_error("operational_code", _("Choose one figure: of the local picture or a live one."))
        return cleaned

    def indicator_fields(self) -> dict[str, Any]:
        return {
            "monitor_indicator": self.cleaned_data["monitor_indicator"],
            "operational_code": self.cleaned_data["operational_code"] or "",
            "baseline_value": self.cleaned_data["baseline_value"],
            "baseline_date": self.cleaned_data["baseline_date"],
            "target_value": self.cleaned_data["target_value"],
            "polarity": self.cleaned_data["polarity"],
        }


class ActivityForm(SectionedForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("Such as “One front door in the neighbourhood” or “Stories of young people on social media”."),
        widget=_textbox(),
    )
    description = forms.CharField(label=_("Description"), max_length=LONG_TEXT, widget=_textarea(5))
    results = forms.ModelMultipleChoiceField(
        label=_("Contributes to"),
        queryset=SocietalResult.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": CHECKBOX}),
    )
    carriers = forms.ModelMultipleChoiceField(
        label=_("Carried by"),
        queryset=Organisation.objects.none(),
        help_text=_("Staff of these partners report the measurements of this activity."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": CHECKBOX}),
    )
    offers = OfferChoiceField(
        label=_("Offers of the social map"),
        queryset=Offer.objects.none(),
        required=False,
        help_text=_("The help residents find in the social map that is part of this activity."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": CHECKBOX}),
    )
    evidence_level = forms.ChoiceField(
        label=_("Evidence level"),
        choices=EvidenceLevel.choices,
        initial=EvidenceLevel.NOT_ASSESSED,
        help_text=_(
            "The levels of the Dutch recognition of interventions, as in the databases of Movisie, NJi and RIVM. "
            "Knowledge of professionals and the experience of residents count too."
        ),
        widget=forms.Select(attrs={"class": SELECT}),
    )
    evidence_source = forms.CharField(
        label=_("Source of the evidence"),
        max_length=300,
        required=False,
        help_text=_("Such as a database of effective interventions, a study, or the experience of residents."),
        widget=_textbox(),
    )
    evidence_url = WebAddressField(
        label=_("Link to the evidence"),
        max_length=200,
        required=False,
        assume_scheme="https",
        widget=_textbox(type="url", autocomplete="off"),
    )
    mechanism = forms.CharField(
        label=_("Key mechanism"),
        max_length=2000,
        required=False,
        help_text=_(
            "Why it works, such as: it takes away the stress of scarcity, so that people have room to act; "
            "or it breaks the shame that keeps people from asking for help."
        ),
        widget=_textarea(3),
    )
    training = forms.CharField(
        label=_("Training"),
        max_length=2000,
        required=False,
        help_text=_("What the people who do the work have learnt or will learn."),
        widget=_textarea(3),
    )
    methods = forms.CharField(
        label=_("Methods"),
        max_length=2000,
        required=False,
        help_text=_("The way of working, such as a described method or a conversation model."),
        widget=_textarea(3),
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        max_length=2000,
        required=False,
        help_text=_("What must be in place: time, money, places, cooperation."),
        widget=_textarea(3),
    )

    sections_spec = (
        (_("The activity"), ("name", "description", "results", "carriers", "offers")),
        (_("What works"), ("evidence_level", "evidence_source", "evidence_url", "mechanism")),
        (_("Input quality"), ("training", "methods", "conditions")),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        actor: Actor,
        compass: Compass,
        activity: Activity | None = None,
    ) -> None:
        initial: dict[str, Any] = {}
        if activity is not None:
            initial = {name: getattr(activity, name) for name in ACTIVITY_FIELDS}
            initial["results"] = list(activity.results.all())
            initial["carriers"] = list(activity.carriers.all())
            initial["offers"] = list(activity.offers.all())
        super().__init__(data, initial=initial)
        self._set_queryset("results", compass.results.order_by("position", "pk"))
        self._set_queryset("carriers", partners_of(compass.municipality))
        self._set_queryset(
            "offers", offers_of_municipality(actor=actor, municipality_id=compass.municipality_id).order_by("name")
        )

    def _set_queryset(self, name: str, queryset: QuerySet[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = queryset

    def activity_fields(self) -> dict[str, Any]:
        return self.values(ACTIVITY_FIELDS)


class MeasureForm(SectionedForm):
    question = forms.ChoiceField(
        label=_("Question"),
        choices=PerformanceMeasure.Question.choices,
        help_text=_("The three questions of Results-Based Accountability."),
        widget=forms.RadioSelect(attrs={"class": RADIO}),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_(
            "Such as “Households helped”, “Waiting days until the first talk” or “Households without arrears”."
        ),
        widget=_textbox(),
    )
    kind = forms.ChoiceField(
        label=_("Kind of figure"),
        choices=PerformanceMeasure.Kind.choices,
        help_text=_("A number below 10, or a percentage of fewer than 10 people, is never shown."),
        widget=forms.RadioSelect(attrs={"class": RADIO}),
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=60, required=False, help_text=_("Such as households or days."), widget=_textbox()
    )
    definition = forms.CharField(
        label=_("Definition"),
        max_length=2000,
        required=False,
        help_text=_("What exactly is counted, so that every partner counts the same."),
        widget=_textarea(3),
    )

    def __init__(self, data: Any = None, *, measure: PerformanceMeasure | None = None) -> None:
        initial = {name: getattr(measure, name) for name in MEASURE_FIELDS} if measure is not None else {}
        super().__init__(data, initial=initial)

    def measure_fields(self) -> dict[str, Any]:
        return self.values(MEASURE_FIELDS)


class PeriodForm(forms.Form):
    code = forms.CharField(
        label=_("Period"),
        max_length=7,
        help_text=_("A year (2025), a quarter (2025-Q1) or a month (2025-03)."),
        widget=_textbox(size="8", autocomplete="off"),
    )


class PeriodChoiceField(forms.ModelChoiceField[ReportingPeriod]):
    def label_from_instance(self, obj: ReportingPeriod) -> str:
        return f"{obj.code} ({_('closed')})" if obj.is_closed else obj.code


class MeasureChoiceField(forms.ModelChoiceField[PerformanceMeasure]):
    def label_from_instance(self, obj: PerformanceMeasure) -> str:
        return f"{obj.get_question_display()} {obj.name}"


class MeasurementForm(SectionedForm):
    """A value a partner reports. Closed periods stay in the list, marked: the service explains why
    it refuses them, rather than the form saying only that the choice is not valid."""

    measure = MeasureChoiceField(
        label=_("Measure"),
        queryset=PerformanceMeasure.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"class": SELECT}),
    )
    period = PeriodChoiceField(
        label=_("Period"),
        queryset=ReportingPeriod.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"class": SELECT}),
    )
    organisation = forms.ModelChoiceField(
        label=_("For"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"class": SELECT}),
    )
    value = _decimal(_("Value"))
    base = _whole_number(
        _("Out of how many"),
        min_value=1,
        required=False,
        help_text=_("For a percentage: how many people or households it is a share of."),
    )
    note = forms.CharField(
        label=_("Explanation"),
        max_length=2000,
        required=False,
        help_text=_("How you counted, or what stands out. No names or details that make someone recognisable."),
        widget=_textarea(3),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        activity: Activity,
        organisations: list[Organisation],
        initial: dict[str, Any] | None = None,
        fixed: bool = False,
    ) -> None:
        super().__init__(data, initial=initial or {})
        measure = self.fields["measure"]
        assert isinstance(measure, forms.ModelChoiceField)
        measure.queryset = measures_of(activity)
        period = self.fields["period"]
        assert isinstance(period, forms.ModelChoiceField)
        period.queryset = periods_of(activity.compass)
        self.fixed_organisation = organisations[0] if len(organisations) == 1 else None
        if self.fixed_organisation is not None:
            del self.fields["organisation"]
        else:
            organisation = self.fields["organisation"]
            assert isinstance(organisation, forms.ModelChoiceField)
            organisation.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by("name")
        if fixed:
            # Correcting a value keeps what it is about.
            for name in ("measure", "period", "organisation"):
                if name in self.fields:
                    self.fields[name].disabled = True

    def chosen_organisation(self) -> Organisation:
        chosen = self.fixed_organisation or self.cleaned_data.get("organisation")
        assert isinstance(chosen, Organisation)
        return chosen


class StoryForm(SectionedForm):
    period = PeriodChoiceField(
        label=_("Period"),
        queryset=ReportingPeriod.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"class": SELECT}),
    )
    organisation = forms.ModelChoiceField(
        label=_("For"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"class": SELECT}),
    )
    title = forms.CharField(label=_("Title"), max_length=200, widget=_textbox())
    text = forms.CharField(
        label=_("Story"),
        max_length=LONG_TEXT,
        help_text=_(
            "What happened, and what it meant for someone. Leave out names and details that make someone recognisable."
        ),
        widget=_textarea(6),
    )

    def __init__(self, data: Any = None, *, activity: Activity, organisations: list[Organisation]) -> None:
        super().__init__(data)
        period = self.fields["period"]
        assert isinstance(period, forms.ModelChoiceField)
        period.queryset = periods_of(activity.compass)
        self.fixed_organisation = organisations[0] if len(organisations) == 1 else None
        if self.fixed_organisation is not None:
            del self.fields["organisation"]
        else:
            organisation = self.fields["organisation"]
            assert isinstance(organisation, forms.ModelChoiceField)
            organisation.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by("name")

    def chosen_organisation(self) -> Organisation:
        chosen = self.fixed_organisation or self.cleaned_data.get("organisation")
        assert isinstance(chosen, Organisation)
        return chosen


class ReflectionForm(SectionedForm):
    held_on = _date_field(_("Held on"))
    topic = forms.CharField(label=_("Topic"), max_length=200, widget=_textbox())
    participants = forms.CharField(
        label=_("Who took part"),
        max_length=2000,
        required=False,
        help_text=_("Such as residents, professionals, young people and volunteers; names are not needed."),
        widget=_textarea(2),
    )
    findings = forms.CharField(label=_("Findings"), max_length=LONG_TEXT, widget=_textarea(5))
    decisions = forms.CharField(label=_("Decisions"), max_length=LONG_TEXT, required=False, widget=_textarea(4))

    def __init__(self, data: Any = None, *, session: ReflectionSession | None = None) -> None:
        initial = {name: getattr(session, name) for name in REFLECTION_FIELDS} if session is not None else {}
        super().__init__(data, initial=initial)

    def reflection_fields(self) -> dict[str, Any]:
        return self.values(REFLECTION_FIELDS)


class FollowUpForm(SectionedForm):
    description = forms.CharField(label=_("Action"), max_length=500, widget=_textbox())
    owner = forms.CharField(
        label=_("Owner"), max_length=200, help_text=_("Who sees to it, such as a team or partner."), widget=_textbox()
    )
    due_on = _date_field(_("Due date"))

    def follow_up_fields(self) -> dict[str, Any]:
        return self.values(FOLLOW_UP_FIELDS)


class TurnTheCurveForm(SectionedForm):
    forecast_value = _decimal(
        _("Forecast"),
        required=False,
        help_text=_("Where the curve goes at the end of the horizon if nothing more is done."),
    )
    story = forms.CharField(
        label=_("The story behind the curve"),
        max_length=LONG_TEXT,
        required=False,
        help_text=_("Causes and forces at work: why the figure is where it is and where it goes."),
        widget=_textarea(5),
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Partners with a role to play"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": CHECKBOX}),
    )
    other_partners = forms.CharField(
        label=_("Other partners"),
        max_length=2000,
        required=False,
        help_text=_("Partners not in Meedoen, such as residents' groups or employers."),
        widget=_textarea(2),
    )
    what_works = forms.CharField(
        label=_("What works"),
        max_length=LONG_TEXT,
        required=False,
        help_text=_("What could turn the curve, including low-cost and no-cost ideas."),
        widget=_textarea(4),
    )
    action_plan = forms.CharField(label=_("Action plan"), max_length=LONG_TEXT, required=False, widget=_textarea(4))

    sections_spec = (
        (_("Baseline and forecast"), ("forecast_value",)),
        (_("The story behind the curve"), ("story",)),
        (_("Partners"), ("partners", "other_partners")),
        (_("What works and the action plan"), ("what_works", "action_plan")),
    )

    def __init__(self, data: Any = None, *, municipality: Municipality, sheet: TurnTheCurve | None = None) -> None:
        initial: dict[str, Any] = {}
        if sheet is not None:
            initial = {name: getattr(sheet, name) for name in TURN_THE_CURVE_FIELDS}
            initial["partners"] = list(sheet.partners.all())
        super().__init__(data, initial=initial)
        partners = self.fields["partners"]
        assert isinstance(partners, forms.ModelMultipleChoiceField)
        partners.queryset = partners_of(municipality)

    def sheet_fields(self) -> dict[str, Any]:
        return self.values(TURN_THE_CURVE_FIELDS)
