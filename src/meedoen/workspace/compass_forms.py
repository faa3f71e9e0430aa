"""Forms of the compass cycle. They check and shape the input; the services in
``compass.services.cycle`` check access again, write and audit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.db.models import Model, QuerySet
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
    RESULT_INDICATOR_FIELDS,
    TURN_THE_CURVE_FIELDS,
)
from meedoen.core.access import Actor
from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap.models import Offer
from meedoen.socialmap.selectors import offers_of_municipality
from meedoen.workspace.fields import IdsChoiceField
from meedoen.workspace.socialmap_forms import CHECKBOX, LONG_TEXT, RADIO, SELECT, TEXTAREA, TEXTBOX, WebAddressField

F = TypeVar("F", bound=forms.Field)


def _textbox(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"class": TEXTBOX, **attrs})


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"class": TEXTAREA, "rows": str(rows)})


def _number(**attrs: str) -> forms.TextInput:
    # A text box, so that a value can be typed the Dutch way (12,5); the field reads it localised.
    return forms.TextInput(attrs={"class": f"{TEXTBOX} utrecht-textbox--numeric", "inputmode": "decimal", **attrs})


def _date() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": TEXTBOX})


def _line(label: Any, *, max_length: int = 200, **kwargs: Any) -> forms.CharField:
    """Text on one line."""
    return forms.CharField(label=label, max_length=max_length, widget=_textbox(), **kwargs)


def _text(label: Any, *, rows: int, max_length: int = LONG_TEXT, **kwargs: Any) -> forms.CharField:
    """Text over ``rows`` lines."""
    return forms.CharField(label=label, max_length=max_length, widget=_textarea(rows), **kwargs)


def _note(label: Any, help_text: Any, *, rows: int = 3) -> forms.CharField:
    """A few lines that may stay empty."""
    return _text(label, rows=rows, max_length=2000, required=False, help_text=help_text)


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


def _radio_buttons(label: Any, choices: Any, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect(attrs={"class": RADIO}), **kwargs)


def _select(field: Callable[..., F], label: Any, **kwargs: Any) -> F:
    """A drop-down list of one kind of ``field``."""
    return field(label=label, widget=forms.Select(attrs={"class": SELECT}), **kwargs)


def _select_model(field: Callable[..., F], label: Any, model: type[Model]) -> F:
    """A drop-down list of ``model``s that always has one chosen; the form sets the queryset."""
    return _select(field, label, queryset=model._default_manager.none(), empty_label=None)


def _check_boxes(
    label: Any,
    model: type[Model],
    field: type[forms.ModelMultipleChoiceField[Any]] = IdsChoiceField,
    **kwargs: Any,
) -> forms.ModelMultipleChoiceField[Any]:
    """A check box for each of some ``model``s; the form sets the queryset."""
    return field(
        label=label,
        queryset=model._default_manager.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": CHECKBOX}),
        **kwargs,
    )


def _initial(instance: Model | None, names: Iterable[str], *, many: Iterable[str] = ()) -> dict[str, Any]:
    """What a form for ``instance`` starts with: the values of its fields ``names`` and the members
    of its many-to-many fields ``many``; nothing for a new one."""
    if instance is None:
        return {}
    initial = {name: getattr(instance, name) for name in names}
    initial.update({name: list(getattr(instance, name).all()) for name in many})
    return initial


class OfferChoiceField(IdsChoiceField):
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

    def set_queryset(self, name: str, queryset: QuerySet[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def set_choices(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class CompassForm(SectionedForm):
    title = _line(_("Title"), help_text=_("Such as “Samen tegen armoede 2025-2028”."))
    start_year = _whole_number(_("First year"), min_value=2000, max_value=2100)
    horizon_years = _whole_number(
        _("Horizon in years"),
        min_value=1,
        max_value=10,
        initial=4,
        help_text=_("How far ahead the results look. The compass usually looks four years ahead."),
    )
    approach = _radio_buttons(
        _("Approach"),
        Approach.choices,
        initial=Approach.BROAD,
        help_text=_("Narrow looks at income only; broad also at housing, self-reliance and social participation."),
    )
    local_picture = _text(
        _("The local picture"),
        rows=6,
        required=False,
        help_text=_(
            "What poverty looks like here, in figures and in what residents and partners see, such as "
            "a taboo that keeps it invisible or schemes so complex that people fear applying."
        ),
    )
    ambitions = _text(_("Ambitions"), rows=6, required=False)
    indicators = _check_boxes(
        _("Figures of the local picture"),
        Indicator,
        required=False,
        help_text=_("The figures that show the local picture, from CBS or the municipality's own figures."),
    )

    sections_spec = (
        (_("Horizon and approach"), ("title", "start_year", "horizon_years", "approach")),
        (_("Monitoring and ambitions"), ("local_picture", "indicators", "ambitions")),
    )

    def __init__(self, data: Any = None, *, municipality: Municipality, compass: Compass | None = None) -> None:
        super().__init__(data, initial=_initial(compass, COMPASS_FIELDS, many=["indicators"]))
        self.set_queryset("indicators", monitor_indicators_for(municipality))

    def compass_fields(self) -> dict[str, Any]:
        return self.values(COMPASS_FIELDS)


class ResultForm(SectionedForm):
    target_group = _line(
        _("Target group"), help_text=_("Such as “families with children”, “elderly people” or “young people”.")
    )
    statement = _text(
        _("What we want for them"),
        rows=3,
        max_length=1000,
        help_text=_(
            "Complete the sentence “In four years we want …”, such as "
            "“fewer families with children in Waalwijk to have debts”."
        ),
    )
    domain = _select(forms.ChoiceField, _("Life domain"))
    position = _whole_number(_("Position"), min_value=0, max_value=999, initial=0, required=False)

    def __init__(self, data: Any = None, *, compass: Compass, result: SocietalResult | None = None) -> None:
        super().__init__(data, initial=_initial(result, RESULT_FIELDS))
        self.set_choices("domain", [(value, label) for value, label in Domain.choices if value in compass.domains])

    def result_fields(self) -> dict[str, Any]:
        fields = self.values(RESULT_FIELDS)
        fields["position"] = fields["position"] or 0
        return fields


class ResultIndicatorForm(SectionedForm):
    monitor_indicator = _select(
        forms.ModelChoiceField,
        _("A figure of the local picture"),
        queryset=Indicator.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    operational_code = _select(
        forms.ChoiceField,
        _("Or a live figure of Meedoen"),
        required=False,
        help_text=_("Figures the modules of Meedoen compute from their own work, such as measurements approved."),
    )
    baseline_value = _decimal(_("Baseline"))
    baseline_date = _date_field(_("Date of the baseline"))
    target_value = _decimal(_("Target"), help_text=_("The value you want at the end of the horizon."))
    polarity = _radio_buttons(
        _("Polarity"), Polarity.choices, help_text=_("Whether a higher value means things go better or worse.")
    )

    sections_spec = (
        (_("Which figure"), ("monitor_indicator", "operational_code")),
        (_("Baseline and target"), ("baseline_value", "baseline_date", "target_value", "polarity")),
    )

    def __init__(
        self, data: Any = None, *, municipality: Municipality, indicator: ResultIndicator | None = None
    ) -> None:
        # The figure by its id, so that showing the form does not load it.
        initial = _initial(indicator, [name for name in RESULT_INDICATOR_FIELDS if name != "monitor_indicator"])
        if indicator is not None:
            initial["monitor_indicator"] = indicator.monitor_indicator_id
        super().__init__(data, initial=initial)
        self.set_queryset("monitor_indicator", monitor_indicators_for(municipality))
        self.set_choices("operational_code", [("", _("(none)")), *operational_indicator_choices()])

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
        fields = self.values(RESULT_INDICATOR_FIELDS)
        fields["operational_code"] = fields["operational_code"] or ""
        return fields


class ActivityForm(SectionedForm):
    name = _line(
        _("Name"),
        help_text=_("Such as “One front door in the neighbourhood” or “Stories of young people on social media”."),
    )
    description = _text(_("Description"), rows=5)
    results = _check_boxes(_("Contributes to"), SocietalResult)
    carriers = _check_boxes(
        _("Carried by"), Organisation, help_text=_("Staff of these partners report the measurements of this activity.")
    )
    offers = _check_boxes(
        _("Offers of the social map"),
        Offer,
        OfferChoiceField,
        required=False,
        help_text=_("The help residents find in the social map that is part of this activity."),
    )
    evidence_level = _select(
        forms.ChoiceField,
        _("Evidence level"),
        choices=EvidenceLevel.choices,
        initial=EvidenceLevel.NOT_ASSESSED,
        help_text=_(
            "The levels of the Dutch recognition of interventions, as in the databases of Movisie, NJi and RIVM. "
            "Knowledge of professionals and the experience of residents count too."
        ),
    )
    evidence_source = _line(
        _("Source of the evidence"),
        max_length=300,
        required=False,
        help_text=_("Such as a database of effective interventions, a study, or the experience of residents."),
    )
    evidence_url = WebAddressField(
        label=_("Link to the evidence"),
        max_length=200,
        required=False,
        assume_scheme="https",
        widget=_textbox(type="url", autocomplete="off"),
    )
    mechanism = _note(
        _("Key mechanism"),
        _(
            "Why it works, such as: it takes away the stress of scarcity, so that people have room to act; "
            "or it breaks the shame that keeps people from asking for help."
        ),
    )
    training = _note(_("Training"), _("What the people who do the work have learnt or will learn."))
    methods = _note(_("Methods"), _("The way of working, such as a described method or a conversation model."))
    conditions = _note(_("Conditions"), _("What must be in place: time, money, places, cooperation."))

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
        super().__init__(data, initial=_initial(activity, ACTIVITY_FIELDS, many=["results", "carriers", "offers"]))
        self.set_queryset("results", compass.results.order_by("position", "pk"))
        self.set_queryset("carriers", partners_of(compass.municipality))
        self.set_queryset(
            "offers", offers_of_municipality(actor=actor, municipality_id=compass.municipality_id).order_by("name")
        )

    def activity_fields(self) -> dict[str, Any]:
        return self.values(ACTIVITY_FIELDS)


class MeasureForm(SectionedForm):
    question = _radio_buttons(
        _("Question"),
        PerformanceMeasure.Question.choices,
        help_text=_("The three questions of Results-Based Accountability."),
    )
    name = _line(
        _("Name"),
        help_text=_(
            "Such as “Households helped”, “Waiting days until the first talk” or “Households without arrears”."
        ),
    )
    kind = _radio_buttons(
        _("Kind of figure"),
        PerformanceMeasure.Kind.choices,
        help_text=_("A number below 10, or a percentage of fewer than 10 people, is never shown."),
    )
    unit = _line(_("Unit"), max_length=60, required=False, help_text=_("Such as households or days."))
    definition = _note(_("Definition"), _("What exactly is counted, so that every partner counts the same."))

    def __init__(self, data: Any = None, *, measure: PerformanceMeasure | None = None) -> None:
        super().__init__(data, initial=_initial(measure, MEASURE_FIELDS))

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


class ReportForm(SectionedForm):
    """What partner staff report on an activity, for a period and one of the organisations they
    report for; for a single organisation the form does not ask which. Each form declares its own
    ``period`` and ``organisation`` fields, so that they stand where it wants them."""

    fixed_organisation: Organisation | None = None

    def _report_on(self, activity: Activity, organisations: list[Organisation]) -> None:
        self.set_queryset("period", periods_of(activity.compass))
        self.fixed_organisation = organisations[0] if len(organisations) == 1 else None
        if self.fixed_organisation is not None:
            del self.fields["organisation"]
        else:
            self.set_queryset(
                "organisation", Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by("name")
            )

    def chosen_organisation(self) -> Organisation:
        chosen = self.fixed_organisation or self.cleaned_data.get("organisation")
        assert isinstance(chosen, Organisation)
        return chosen


class MeasurementForm(ReportForm):
    """A value a partner reports. Closed periods stay in the list, marked: the service explains why
    it refuses them, rather than the form saying only that the choice is not valid."""

    measure = _select_model(MeasureChoiceField, _("Measure"), PerformanceMeasure)
    period = _select_model(PeriodChoiceField, _("Period"), ReportingPeriod)
    organisation = _select_model(forms.ModelChoiceField, _("For"), Organisation)
    value = _decimal(_("Value"))
    base = _whole_number(
        _("Out of how many"),
        min_value=1,
        required=False,
        help_text=_("For a percentage: how many people or households it is a share of."),
    )
    note = _note(
        _("Explanation"), _("How you counted, or what stands out. No names or details that make someone recognisable.")
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
        self.set_queryset("measure", measures_of(activity))
        self._report_on(activity, organisations)
        if fixed:
            # Correcting a value keeps what it is about.
            for name in ("measure", "period", "organisation"):
                if name in self.fields:
                    self.fields[name].disabled = True


class StoryForm(ReportForm):
    period = _select_model(PeriodChoiceField, _("Period"), ReportingPeriod)
    organisation = _select_model(forms.ModelChoiceField, _("For"), Organisation)
    title = _line(_("Title"))
    text = _text(
        _("Story"),
        rows=6,
        help_text=_(
            "What happened, and what it meant for someone. Leave out names and details that make someone recognisable."
        ),
    )

    def __init__(self, data: Any = None, *, activity: Activity, organisations: list[Organisation]) -> None:
        super().__init__(data)
        self._report_on(activity, organisations)


class ReflectionForm(SectionedForm):
    held_on = _date_field(_("Held on"))
    topic = _line(_("Topic"))
    participants = _note(
        _("Who took part"),
        _("Such as residents, professionals, young people and volunteers; names are not needed."),
        rows=2,
    )
    findings = _text(_("Findings"), rows=5)
    decisions = _text(_("Decisions"), rows=4, required=False)

    def __init__(self, data: Any = None, *, session: ReflectionSession | None = None) -> None:
        super().__init__(data, initial=_initial(session, REFLECTION_FIELDS))

    def reflection_fields(self) -> dict[str, Any]:
        return self.values(REFLECTION_FIELDS)


class FollowUpForm(SectionedForm):
    description = _line(_("Action"), max_length=500)
    owner = _line(_("Owner"), help_text=_("Who sees to it, such as a team or partner."))
    due_on = _date_field(_("Due date"))

    def follow_up_fields(self) -> dict[str, Any]:
        return self.values(FOLLOW_UP_FIELDS)


class TurnTheCurveForm(SectionedForm):
    forecast_value = _decimal(
        _("Forecast"),
        required=False,
        help_text=_("Where the curve goes at the end of the horizon if nothing more is done."),
    )
    story = _text(
        _("The story behind the curve"),
        rows=5,
        required=False,
        help_text=_("Causes and forces at work: why the figure is where it is and where it goes."),
    )
    partners = _check_boxes(_("Partners with a role to play"), Organisation, required=False)
    other_partners = _note(
        _("Other partners"), _("Partners not in Meedoen, such as residents' groups or employers."), rows=2
    )
    what_works = _text(
        _("What works"),
        rows=4,
        required=False,
        help_text=_("What could turn the curve, including low-cost and no-cost ideas."),
    )
    action_plan = _text(_("Action plan"), rows=4, required=False)

    sections_spec = (
        (_("Baseline and forecast"), ("forecast_value",)),
        (_("The story behind the curve"), ("story",)),
        (_("Partners"), ("partners", "other_partners")),
        (_("What works and the action plan"), ("what_works", "action_plan")),
    )

    def __init__(self, data: Any = None, *, municipality: Municipality, sheet: TurnTheCurve | None = None) -> None:
        super().__init__(data, initial=_initial(sheet, TURN_THE_CURVE_FIELDS, many=["partners"]))
        self.set_queryset("partners", partners_of(municipality))

    def sheet_fields(self) -> dict[str, Any]:
        return self.values(TURN_THE_CURVE_FIELDS)
