"""The compass cycle of one municipality: ambitions, societal results with their indicators,
activities with the evidence behind them, measured outcomes and the improvement cycle.

Measurements are aggregates a partner reports about its own work (how many households, how many
of them better off); no row here is about one resident.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from meedoen.compass.models.monitor import PERIOD, Indicator, Polarity

DEFAULT_HORIZON_YEARS = 4


class Domain(models.TextChoices):
    """The life domains of the broad view of poverty."""

    INCOME = "inkomen", _("income")
    HOUSING = "wonen", _("housing")
    SELF_RELIANCE = "zelfredzaamheid", _("self-reliance")
    PARTICIPATION = "participatie", _("social participation")


class Approach(models.TextChoices):
    NARROW = "smal", _("narrow: income")
    BROAD = "breed", _("broad: income, housing, self-reliance and social participation")


DOMAINS_OF_APPROACH: dict[str, tuple[str, ...]] = {
    Approach.NARROW: (Domain.INCOME,),
    Approach.BROAD: tuple(Domain.values),
}


class EvidenceLevel(models.TextChoices):
    """How well an activity is known to work. The levels after "not assessed" are those of the Dutch
    recognition system for interventions (Erkenningscommissie Interventies, whose databases Movisie,
    NJi, RIVM and Trimbos keep): well described, well founded, and effective according to first,
    good or strong indications. "Not assessed" covers what the compass also counts as knowing what
    works: the knowledge of professionals and the experience of residents."""

    NOT_ASSESSED = "niet_beoordeeld", _("not assessed: knowledge of practice or experience")
    WELL_DESCRIBED = "goed_beschreven", _("well described")
    WELL_FOUNDED = "goed_onderbouwd", _("well founded")
    EFFECTIVE_FIRST = "effectief_eerste", _("effective: first indications")
    EFFECTIVE_GOOD = "effectief_goede", _("effective: good indications")
    EFFECTIVE_STRONG = "effectief_sterke", _("effective: strong indications")


class Compass(models.Model):
    """A municipality's compass for one horizon: from the local picture to what should have changed."""

    municipality = models.ForeignKey(
        "organisations.Municipality", verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="compasses"
    )
    title = models.CharField(_("title"), max_length=200)
    start_year = models.PositiveSmallIntegerField(
        _("first year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    horizon_years = models.PositiveSmallIntegerField(
        _("horizon in years"),
        default=DEFAULT_HORIZON_YEARS,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    approach = models.CharField(_("approach"), max_length=10, choices=Approach.choices, default=Approach.BROAD)
    local_picture = models.TextField(_("the local picture"), blank=True)
    ambitions = models.TextField(_("ambitions"), blank=True)
    indicators = models.ManyToManyField(
        Indicator, verbose_name=_("figures of the local picture"), blank=True, related_name="compasses"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("quality compass")
        verbose_name_plural = _("quality compasses")
        ordering = ["-start_year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "start_year"], name="compass_one_per_start_year"),
            models.CheckConstraint(
                condition=models.Q(horizon_years__gte=1, horizon_years__lte=10), name="compass_horizon_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def end_year(self) -> int:
        return self.start_year + self.horizon_years - 1

    @property
    def domains(self) -> tuple[str, ...]:
        return DOMAINS_OF_APPROACH[self.approach]

    def covers(self, year: int) -> bool:
        return self.start_year <= year <= self.end_year


class SocietalResult(models.Model):
    """What should be different for a target group at the end of the horizon."""

    compass = models.ForeignKey(Compass, verbose_name=_("compass"), on_delete=models.CASCADE, related_name="results")
    target_group = models.CharField(_("target group"), max_length=200)
    statement = models.TextField(_("what we want"), max_length=1000)
    domain = models.CharField(_("life domain"), max_length=20, choices=Domain.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("societal result")
        verbose_name_plural = _("societal results")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.target_group}: {self.statement}"


class ResultIndicator(models.Model):
    """How a result is measured: a figure of the local picture or a live figure of a module."""

    result = models.ForeignKey(
        SocietalResult, verbose_name=_("result"), on_delete=models.CASCADE, related_name="indicators"
    )
    monitor_indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("figure of the local picture"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="result_indicators",
    )
    operational_code = models.CharField(_("operational indicator"), max_length=80, blank=True)
    baseline_value = models.FloatField(_("baseline"))
    baseline_date = models.DateField(_("date of the baseline"))
    target_value = models.FloatField(_("target"))
    polarity = models.CharField(_("polarity"), max_length=20, choices=Polarity.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("result indicator")
        verbose_name_plural = _("result indicators")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(monitor_indicator__isnull=False, operational_code="")
                    | models.Q(models.Q(monitor_indicator__isnull=True), ~models.Q(operational_code=""))
                ),
                name="result_indicator_one_source",
            ),
        ]

    def __str__(self) -> str:
        return self.operational_code or str(self.monitor_indicator)


class Activity(models.Model):
    """Something partners do that contributes to one or more results, and why it should work."""

    compass = models.ForeignKey(Compass, verbose_name=_("compass"), on_delete=models.CASCADE, related_name="activities")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    results = models.ManyToManyField(SocietalResult, verbose_name=_("contributes to"), related_name="activities")
    carriers = models.ManyToManyField(
        "organisations.Organisation", verbose_name=_("carried by"), related_name="compass_activities"
    )
    offers = models.ManyToManyField(
        "socialmap.Offer", verbose_name=_("offers of the social map"), blank=True, related_name="compass_activities"
    )
    # What works ("wat werkt").
    evidence_level = models.CharField(
        _("evidence level"), max_length=20, choices=EvidenceLevel.choices, default=EvidenceLevel.NOT_ASSESSED
    )
    evidence_source = models.CharField(_("source of the evidence"), max_length=300, blank=True)
    evidence_url = models.URLField(_("link to the evidence"), blank=True)
    mechanism = models.TextField(_("key mechanism"), max_length=2000, blank=True)
    # Input quality.
    training = models.TextField(_("training"), max_length=2000, blank=True)
    methods = models.TextField(_("methods"), max_length=2000, blank=True)
    conditions = models.TextField(_("conditions"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class PerformanceMeasure(models.Model):
    """A performance measure of an activity, in one of the three questions of Results-Based
    Accountability."""

    class Question(models.TextChoices):
        HOW_MUCH = "hoeveel", _("How much did we do?")
        HOW_WELL = "hoe_goed", _("How well did we do it?")
        BETTER_OFF = "beter_af", _("Is anyone better off?")

    class Kind(models.TextChoices):
        COUNT = "aantal", _("number of people, households or times")
        PERCENTAGE = "percentage", _("percentage")
        OTHER = "maat", _("other figure, such as an average")

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="measures"
    )
    question = models.CharField(_("question"), max_length=10, choices=Question.choices)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind of figure"), max_length=10, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    definition = models.TextField(_("definition"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("performance measure")
        verbose_name_plural = _("performance measures")
        ordering = ["activity", "question", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_count(self) -> bool:
        return self.kind == self.Kind.COUNT

    @property
    def is_percentage(self) -> bool:
        return self.kind == self.Kind.PERCENTAGE


class ReportingPeriod(models.Model):
    """A stretch of time partners report on. The municipality closes it when its figures are final."""

    compass = models.ForeignKey(Compass, verbose_name=_("compass"), on_delete=models.CASCADE, related_name="periods")
    code = models.CharField(_("period"), max_length=7, validators=[PERIOD])
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["starts_on", "code"]
        constraints = [
            models.UniqueConstraint(fields=["compass", "code"], name="reporting_period_code_unique"),
            models.CheckConstraint(
                condition=models.Q(starts_on__lte=models.F("ends_on")), name="reporting_period_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Measurement(models.Model):
    """The value one carrying partner reports for a measure and period. It counts once approved."""

    class Status(models.TextChoices):
        DRAFT = "concept", _("draft")
        SUBMITTED = "ingediend", _("submitted")
        APPROVED = "goedgekeurd", _("approved")
        RETURNED = "teruggestuurd", _("sent back")

    measure = models.ForeignKey(
        PerformanceMeasure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="measurements"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="measurements"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.FloatField(_("value"))
    # For a percentage: how many people or households it is a share of, so that a percentage of a
    # small group is hidden as the group itself would be.
    base = models.PositiveIntegerField(_("out of how many"), null=True, blank=True)
    note = models.TextField(_("explanation"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.DRAFT)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("reason for sending back"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["period__starts_on", "measure", "organisation", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "period", "organisation"], name="measurement_one_per_partner_period"
            ),
        ]
        indexes = [models.Index(fields=["status", "period"], name="measurement_status_period")]

    def __str__(self) -> str:
        return f"{self.measure} {self.period}: {self.value}"

    @property
    def is_editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.RETURNED}


class Story(models.Model):
    """A short story from practice next to the figures ("tellen en vertellen")."""

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="stories")
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="stories"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("story"), max_length=5000)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class ReflectionSession(models.Model):
    """A meeting where partners look back at the figures and stories, and decide what to change."""

    compass = models.ForeignKey(
        Compass, verbose_name=_("compass"), on_delete=models.CASCADE, related_name="reflections"
    )
    held_on = models.DateField(_("held on"))
    topic = models.CharField(_("topic"), max_length=200)
    participants = models.TextField(_("who took part"), max_length=2000, blank=True)
    findings = models.TextField(_("findings"), max_length=5000)
    decisions = models.TextField(_("decisions"), max_length=5000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("reflection session")
        verbose_name_plural = _("reflection sessions")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.topic


class FollowUpAction(models.Model):
    session = models.ForeignKey(
        ReflectionSession, verbose_name=_("reflection session"), on_delete=models.CASCADE, related_name="actions"
    )
    description = models.CharField(_("action"), max_length=500)
    owner = models.CharField(_("owner"), max_length=200)
    due_on = models.DateField(_("due date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["done_on", "due_on", "pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    def is_overdue(self, today: datetime.date) -> bool:
        return self.done_on is None and self.due_on < today


class TurnTheCurve(models.Model):
    """The "turn the curve" sheet of one result indicator (Results-Based Accountability)."""

    indicator = models.OneToOneField(
        ResultIndicator, verbose_name=_("result indicator"), on_delete=models.CASCADE, related_name="turn_the_curve"
    )
    forecast_value = models.FloatField(_("forecast"), null=True, blank=True)
    story = models.TextField(_("the story behind the curve"), max_length=5000, blank=True)
    partners = models.ManyToManyField(
        "organisations.Organisation", verbose_name=_("partners with a role to play"), blank=True, related_name="+"
    )
    other_partners = models.TextField(_("other partners"), max_length=2000, blank=True)
    what_works = models.TextField(_("what works"), max_length=5000, blank=True)
    action_plan = models.TextField(_("action plan"), max_length=5000, blank=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("turn-the-curve sheet")
        verbose_name_plural = _("turn-the-curve sheets")

    def __str__(self) -> str:
        return str(self.indicator)
