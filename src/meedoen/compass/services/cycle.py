"""Writes of the compass cycle, each checked against the actor's role and audited in its transaction.

The policy officer and the application manager of the municipality keep the compass. Partner staff
(offer maintainer or case worker of an organisation that carries an activity) enter and submit
measurements and stories for that activity only. Only the policy officer approves a measurement or
sends it back; only approved values count in any figure.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from meedoen.compass.models import (
    Activity,
    Compass,
    FollowUpAction,
    Indicator,
    Measurement,
    PerformanceMeasure,
    ReflectionSession,
    ReportingPeriod,
    ResultIndicator,
    SocietalResult,
    Story,
    TurnTheCurve,
)
from meedoen.compass.selectors.cycle import EDITORS, REPORTERS, REVIEWERS
from meedoen.compass.suppression import within_range
from meedoen.core.access import Actor, require_role
from meedoen.core.audit import record_change
from meedoen.core.indicators import operational_indicator
from meedoen.organisations.models import Municipality, Organisation

COMPASS_FIELDS = ("title", "start_year", "horizon_years", "approach", "local_picture", "ambitions")
RESULT_FIELDS = ("target_group", "statement", "domain", "position")
RESULT_INDICATOR_FIELDS = (
    "monitor_indicator",
    "operational_code",
    "baseline_value",
    "baseline_date",
    "target_value",
    "polarity",
)
ACTIVITY_FIELDS = (
    "name",
    "description",
    "evidence_level",
    "evidence_source",
    "evidence_url",
    "mechanism",
    "training",
    "methods",
    "conditions",
)
MEASURE_FIELDS = ("question", "name", "kind", "unit", "definition")
REFLECTION_FIELDS = ("held_on", "topic", "participants", "findings", "decisions")
FOLLOW_UP_FIELDS = ("description", "owner", "due_on")
TURN_THE_CURVE_FIELDS = ("forecast_value", "story", "other_partners", "what_works", "action_plan")


def period_bounds(code: str) -> tuple[date, date]:
    """First and last day of a period written as 2025, 2025-Q2 or 2025-03."""
    year = int(code[:4])
    if len(code) == 4:
        return date(year, 1, 1), date(year, 12, 31)
    if code[5] == "Q":
        first_month = (int(code[6]) - 1) * 3 + 1
        last_month = first_month + 2
    else:
        first_month = last_month = int(code[5:7])
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def _require_editor(actor: Actor, municipality_id: int) -> None:
    require_role(actor, *EDITORS, municipality_id=municipality_id)


def _require_reporter(actor: Actor, activity: Activity, organisation: Organisation) -> None:
    """Partner staff report for their own organisation, and only on an activity it carries."""
    require_role(actor, *REPORTERS, municipality_id=activity.compass.municipality_id, organisation_id=organisation.pk)
    if not activity.carriers.filter(pk=organisation.pk).exists():
        raise PermissionDenied("the organisation does not carry this activity")


def _require_open(period: ReportingPeriod) -> None:
    if period.is_closed:
        assert period.closed_at is not None
        raise ValidationError(
            {
                "period": _(
                    "The period %(period)s was closed by the municipality on %(date)s: its figures are final. "
                    "Ask the policy officer to reopen it if a figure must still change."
                )
                % {"period": period.code, "date": date_format(timezone.localtime(period.closed_at).date())}
            }
        )


def _only(fields: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    return dict(fields)


def _changed(instance: Any, fields: Mapping[str, Any]) -> list[str]:
    return sorted(name for name, value in fields.items() if getattr(instance, name) != value)


def _save_fields(
    *,
    actor: Actor,
    instance: Any,
    wanted: Mapping[str, Any],
    action: str,
    municipality_id: int,
    also: Callable[[], None] | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Give a new or existing row the wanted values, check and save it, run ``also`` (its links)
    in the same transaction, and audit it as ``<action>.create`` or ``<action>.update`` with the
    names of the fields that changed."""
    created = instance.pk is None
    changed = _changed(instance, wanted)
    for name, value in wanted.items():
        setattr(instance, name, value)
    instance.full_clean()
    with transaction.atomic():
        instance.save()
        if also is not None:
            also()
        record_change(
            actor=actor,
            action=f"{action}.create" if created else f"{action}.update",
            obj=instance,
            municipality_id=municipality_id,
            details={"fields": changed, **(details or {})},
        )


# --- the compass: horizon, approach, ambitions and the local picture -------------------------------


def _check_local_picture(municipality: Municipality, indicators: Iterable[Indicator]) -> list[Indicator]:
    chosen = list(indicators)
    if any(indicator.municipality_id not in (None, municipality.pk) for indicator in chosen):
        raise ValidationError({"indicators": _("Choose figures of the local picture of this municipality.")})
    return chosen


def compass_create(
    *, actor: Actor, municipality: Municipality, fields: Mapping[str, Any], indicators: Iterable[Indicator] = ()
) -> Compass:
    _require_editor(actor, municipality.pk)
    chosen = _check_local_picture(municipality, indicators)
    compass = Compass(municipality=municipality, **_only(fields, COMPASS_FIELDS))
    compass.full_clean()
    with transaction.atomic():
        compass.save()
        compass.indicators.set(chosen)
        record_change(
            actor=actor,
            action="compass.create",
            obj=compass,
            municipality_id=municipality.pk,
            details={"title": compass.title, "start_year": compass.start_year},
        )
    return compass


def compass_update(
    *, actor: Actor, compass: Compass, fields: Mapping[str, Any], indicators: Iterable[Indicator]
) -> Compass:
    _require_editor(actor, compass.municipality_id)
    chosen = _check_local_picture(compass.municipality, indicators)
    wanted = _only(fields, COMPASS_FIELDS)
    changed = _changed(compass, wanted)
    for name, value in wanted.items():
        setattr(compass, name, value)
    compass.full_clean()
    outside = {result.domain for result in compass.results.all()} - set(compass.domains)
    if outside:
        raise ValidationError(
            {"approach": _("Some results are about a life domain outside this approach. Change those results first.")}
        )
    with transaction.atomic():
        compass.save()
        compass.indicators.set(chosen)
        record_change(
            actor=actor,
            action="compass.update",
            obj=compass,
            municipality_id=compass.municipality_id,
            details={"fields": changed},
        )
    return compass


# --- societal results and how they are measured ----------------------------------------------------


def result_save(
    *, actor: Actor, compass: Compass, fields: Mapping[str, Any], result: SocietalResult | None = None
) -> SocietalResult:
    _require_editor(actor, compass.municipality_id)
    if result is not None and result.compass_id != compass.pk:
        raise PermissionDenied("a result of another compass")
    wanted = _only(fields, RESULT_FIELDS)
    if wanted.get("domain") not in compass.domains:
        raise ValidationError({"domain": _("Choose a life domain of the approach of this compass.")})
    result = result or SocietalResult(compass=compass)
    _save_fields(
        actor=actor, instance=result, wanted=wanted, action="compass_result", municipality_id=compass.municipality_id
    )
    return result


def result_indicator_save(
    *, actor: Actor, result: SocietalResult, fields: Mapping[str, Any], indicator: ResultIndicator | None = None
) -> ResultIndicator:
    municipality_id = result.compass.municipality_id
    _require_editor(actor, municipality_id)
    if indicator is not None and indicator.result_id != result.pk:
        raise PermissionDenied("an indicator of another result")
    wanted = _only(fields, RESULT_INDICATOR_FIELDS)
    monitor = wanted.get("monitor_indicator")
    code = wanted.get("operational_code") or ""
    wanted["operational_code"] = code
    if (monitor is None) == (not code):
        raise ValidationError(_("Choose either a figure of the local picture or an operational indicator, not both."))
    if isinstance(monitor, Indicator) and monitor.municipality_id not in (None, municipality_id):
        raise ValidationError({"monitor_indicator": _("Choose a figure of the local picture of this municipality.")})
    if code and operational_indicator(code) is None:
        raise ValidationError({"operational_code": _("There is no operational indicator %(code)s.") % {"code": code}})
    for name in ("baseline_value", "target_value"):
        value = wanted.get(name)
        if not isinstance(value, int | float) or not within_range(value):
            raise ValidationError({name: _("Enter a number.")})
    indicator = indicator or ResultIndicator(result=result)
    _save_fields(
        actor=actor, instance=indicator, wanted=wanted, action="result_indicator", municipality_id=municipality_id
    )
    return indicator


def turn_the_curve_save(
    *,
    actor: Actor,
    indicator: ResultIndicator,
    fields: Mapping[str, Any],
    partners: Iterable[Organisation] = (),
) -> TurnTheCurve:
    municipality_id = indicator.result.compass.municipality_id
    _require_editor(actor, municipality_id)
    wanted = _only(fields, TURN_THE_CURVE_FIELDS)
    forecast = wanted.get("forecast_value")
    if forecast is not None and not within_range(forecast):
        raise ValidationError({"forecast_value": _("Enter a number.")})
    chosen = list(partners)
    working_here = set(
        Organisation.objects.filter(municipalities=municipality_id, pk__in=[p.pk for p in chosen]).values_list(
            "pk", flat=True
        )
    )
    if any(partner.pk not in working_here for partner in chosen):
        raise ValidationError({"partners": _("Choose partners that work in this municipality.")})
    with transaction.atomic():
        sheet, created = TurnTheCurve.objects.select_for_update().get_or_create(indicator=indicator)
        changed = _changed(sheet, wanted)
        for name, value in wanted.items():
            setattr(sheet, name, value)
        sheet.full_clean()
        sheet.save()
        sheet.partners.set(chosen)
        record_change(
            actor=actor,
            action="turn_the_curve.create" if created else "turn_the_curve.update",
            obj=sheet,
            municipality_id=municipality_id,
            details={"fields": changed},
        )
    return sheet


# --- activities, what works and input quality ------------------------------------------------------


def activity_save(
    *,
    actor: Actor,
    compass: Compass,
    fields: Mapping[str, Any],
    results: Iterable[SocietalResult],
    carriers: Iterable[Organisation],
    offers: Iterable[Any] = (),
    activity: Activity | None = None,
) -> Activity:
    """Create or change an activity with the results it contributes to, the partners that carry it
    and the social-map offers it consists of."""
    municipality_id = compass.municipality_id
    _require_editor(actor, municipality_id)
    if activity is not None and activity.compass_id != compass.pk:
        raise PermissionDenied("an activity of another compass")
    chosen_results, chosen_carriers, chosen_offers = list(results), list(carriers), list(offers)
    if not chosen_results:
        raise ValidationError({"results": _("Choose at least one result this activity contributes to.")})
    if any(result.compass_id != compass.pk for result in chosen_results):
        raise ValidationError({"results": _("Choose results of this compass.")})
    if not chosen_carriers:
        raise ValidationError({"carriers": _("Choose at least one partner that carries this activity.")})
    working_here = set(
        Organisation.objects.filter(
            municipalities=municipality_id, pk__in=[carrier.pk for carrier in chosen_carriers]
        ).values_list("pk", flat=True)
    )
    if any(carrier.pk not in working_here for carrier in chosen_carriers):
        raise ValidationError({"carriers": _("Choose partners that work in this municipality.")})
    if any(not offer.municipalities.filter(pk=municipality_id).exists() for offer in chosen_offers):
        raise ValidationError({"offers": _("Choose offers of the social map of this municipality.")})
    wanted = _only(fields, ACTIVITY_FIELDS)
    activity = activity or Activity(compass=compass)

    def link() -> None:
        activity.results.set(chosen_results)
        activity.carriers.set(chosen_carriers)
        activity.offers.set(chosen_offers)

    _save_fields(
        actor=actor,
        instance=activity,
        wanted=wanted,
        action="compass_activity",
        municipality_id=municipality_id,
        also=link,
        details={"carriers": sorted(carrier.pk for carrier in chosen_carriers)},
    )
    return activity


def measure_save(
    *, actor: Actor, activity: Activity, fields: Mapping[str, Any], measure: PerformanceMeasure | None = None
) -> PerformanceMeasure:
    municipality_id = activity.compass.municipality_id
    _require_editor(actor, municipality_id)
    if measure is not None and measure.activity_id != activity.pk:
        raise PermissionDenied("a measure of another activity")
    wanted = _only(fields, MEASURE_FIELDS)
    if measure is not None and "kind" in wanted and wanted["kind"] != measure.kind and measure.measurements.exists():
        raise ValidationError({"kind": _("Partners have reported on this measure: its kind of figure stays.")})
    measure = measure or PerformanceMeasure(activity=activity)
    _save_fields(
        actor=actor, instance=measure, wanted=wanted, action="performance_measure", municipality_id=municipality_id
    )
    return measure


# --- reporting periods -------------------------------------------------------------------------------


def period_open(*, actor: Actor, compass: Compass, code: str) -> ReportingPeriod:
    """Open a period partners can report on: a year (2025), a quarter (2025-Q1) or a month (2025-03)."""
    _require_editor(actor, compass.municipality_id)
    period = ReportingPeriod(compass=compass, code=code.strip())
    try:
        period.clean_fields(exclude=["starts_on", "ends_on"])
    except ValidationError as error:
        raise ValidationError({"code": error.message_dict.get("code", error.messages)}) from error
    period.starts_on, period.ends_on = period_bounds(period.code)
    if not compass.covers(period.starts_on.year):
        raise ValidationError(
            {
                "code": _("Choose a period between %(first)s and %(last)s, the horizon of this compass.")
                % {"first": compass.start_year, "last": compass.end_year}
            }
        )
    overlapping = compass.periods.filter(starts_on__lte=period.ends_on, ends_on__gte=period.starts_on).first()
    if overlapping is not None:
        raise ValidationError(
            {"code": _("This period overlaps the period %(code)s, which exists already.") % {"code": overlapping.code}}
        )
    with transaction.atomic():
        period.save()
        record_change(
            actor=actor,
            action="reporting_period.open",
            obj=period,
            municipality_id=compass.municipality_id,
            details={"code": period.code},
        )
    return period


def period_close(*, actor: Actor, period: ReportingPeriod) -> ReportingPeriod:
    """Close a period: its approved figures are final and partners can no longer report on it."""
    municipality_id = period.compass.municipality_id
    _require_editor(actor, municipality_id)
    with transaction.atomic():
        locked = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
        if locked.is_closed:
            return locked
        waiting = locked.measurements.filter(status=Measurement.Status.SUBMITTED).count()
        if waiting:
            raise ValidationError(
                _(
                    "%(count)s submitted measurement(s) of %(period)s still wait for review. "
                    "Approve them or send them back before closing the period."
                )
                % {"count": waiting, "period": locked.code}
            )
        locked.closed_at = timezone.now()
        locked.closed_by_id = actor.user_id
        locked.save(update_fields=["closed_at", "closed_by"])
        record_change(
            actor=actor,
            action="reporting_period.close",
            obj=locked,
            municipality_id=municipality_id,
            details={"code": locked.code},
        )
    return locked


def period_reopen(*, actor: Actor, period: ReportingPeriod, reason: str) -> ReportingPeriod:
    """Reopen a closed period, for a correction; the reason stays in the audit log."""
    municipality_id = period.compass.municipality_id
    require_role(actor, *REVIEWERS, municipality_id=municipality_id)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the period is reopened.")})
    with transaction.atomic():
        locked = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
        if not locked.is_closed:
            return locked
        locked.closed_at = None
        locked.closed_by = None
        locked.save(update_fields=["closed_at", "closed_by"])
        record_change(
            actor=actor,
            action="reporting_period.reopen",
            obj=locked,
            municipality_id=municipality_id,
            reason=reason.strip(),
            details={"code": locked.code},
        )
    return locked


# --- measurements: partners enter and submit, the municipality approves ---------------------------


def _check_value(measure: PerformanceMeasure, value: float, base: int | None) -> None:
    if not within_range(value):
        raise ValidationError({"value": _("Enter a number.")})
    if measure.is_count and (value < 0 or value != int(value)):
        raise ValidationError({"value": _("Enter a whole number of 0 or more.")})
    if measure.is_percentage:
        if not 0 <= value <= 100:
            raise ValidationError({"value": _("Enter a percentage from 0 to 100.")})
        if base is None or base < 1:
            raise ValidationError({"base": _("Say how many people or households the percentage is about.")})
    elif base is not None:
        raise ValidationError({"base": _("Only a percentage is out of a number of people or households.")})


def measurement_enter(
    *,
    actor: Actor,
    measure: PerformanceMeasure,
    period: ReportingPeriod,
    organisation: Organisation,
    value: float,
    base: int | None = None,
    note: str = "",
    submit: bool = False,
) -> Measurement:
    """Enter (or correct) the value a partner reports for a measure and period, as a draft or
    submitted at once. A submitted or approved value is not changed here."""
    activity = measure.activity
    _require_reporter(actor, activity, organisation)
    if period.compass_id != activity.compass_id:
        raise ValidationError({"period": _("Choose a period of this compass.")})
    _check_value(measure, value, base)
    with transaction.atomic():
        locked_period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
        _require_open(locked_period)
        measurement = (
            Measurement.objects.select_for_update()
            .filter(measure=measure, period=locked_period, organisation=organisation)
            .first()
        )
        if measurement is not None and not measurement.is_editable:
            raise ValidationError(
                _("The value of %(organisation)s for %(period)s is %(status)s already; it cannot change now.")
                % {
                    "organisation": organisation.name,
                    "period": locked_period.code,
                    "status": measurement.get_status_display(),
                }
            )
        now = timezone.now()
        measurement = measurement or Measurement(measure=measure, period=locked_period, organisation=organisation)
        measurement.value, measurement.base, measurement.note = value, base, note
        measurement.entered_by_id, measurement.entered_at = actor.user_id, now
        # A value sent back becomes a draft again once corrected; the reason stays for the record.
        measurement.status = Measurement.Status.SUBMITTED if submit else Measurement.Status.DRAFT
        measurement.submitted_at = now if submit else None
        measurement.full_clean()
        measurement.save()
        record_change(
            actor=actor,
            action="measurement.submit" if submit else "measurement.enter",
            obj=measurement,
            municipality_id=activity.compass.municipality_id,
            organisation_id=organisation.pk,
            details={"measure": measure.pk, "period": locked_period.code},
        )
    return measurement


def measurement_submit(*, actor: Actor, measurement: Measurement) -> Measurement:
    activity = measurement.measure.activity
    _require_reporter(actor, activity, measurement.organisation)
    with transaction.atomic():
        period = ReportingPeriod.objects.select_for_update().get(pk=measurement.period_id)
        _require_open(period)
        locked = Measurement.objects.select_for_update().get(pk=measurement.pk)
        if not locked.is_editable:
            raise ValidationError(_("This value is %(status)s already.") % {"status": locked.get_status_display()})
        locked.status, locked.submitted_at = Measurement.Status.SUBMITTED, timezone.now()
        locked.save(update_fields=["status", "submitted_at"])
        record_change(
            actor=actor,
            action="measurement.submit",
            obj=locked,
            municipality_id=activity.compass.municipality_id,
            organisation_id=locked.organisation_id,
            details={"measure": locked.measure_id, "period": period.code},
        )
    return locked


def _review(actor: Actor, measurement: Measurement, status: str, action: str, reason: str = "") -> Measurement:
    municipality_id = measurement.measure.activity.compass.municipality_id
    require_role(actor, *REVIEWERS, municipality_id=municipality_id)
    with transaction.atomic():
        period = ReportingPeriod.objects.select_for_update().get(pk=measurement.period_id)
        _require_open(period)
        locked = Measurement.objects.select_for_update().get(pk=measurement.pk)
        if locked.status != Measurement.Status.SUBMITTED:
            raise ValidationError(
                _("Only a submitted value can be reviewed; this one is %(status)s.")
                % {"status": locked.get_status_display()}
            )
        locked.status, locked.reviewed_by_id, locked.reviewed_at = status, actor.user_id, timezone.now()
        locked.review_note = reason
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        record_change(
            actor=actor,
            action=action,
            obj=locked,
            municipality_id=municipality_id,
            organisation_id=locked.organisation_id,
            reason=reason,
            details={"measure": locked.measure_id, "period": period.code},
        )
    return locked


def measurement_approve(*, actor: Actor, measurement: Measurement) -> Measurement:
    return _review(actor, measurement, Measurement.Status.APPROVED, "measurement.approve")


def measurement_return(*, actor: Actor, measurement: Measurement, reason: str) -> Measurement:
    """Send a submitted value back to the partner, with the reason they will read."""
    if not reason.strip():
        raise ValidationError({"reason": _("Tell the partner why the value goes back.")})
    return _review(actor, measurement, Measurement.Status.RETURNED, "measurement.return", reason.strip())


def story_add(
    *,
    actor: Actor,
    activity: Activity,
    period: ReportingPeriod,
    organisation: Organisation,
    title: str,
    text: str,
) -> Story:
    """A short story from practice next to the figures ("tellen en vertellen")."""
    _require_reporter(actor, activity, organisation)
    if period.compass_id != activity.compass_id:
        raise ValidationError({"period": _("Choose a period of this compass.")})
    story = Story(
        activity=activity, period=period, organisation=organisation, title=title, text=text, entered_by_id=actor.user_id
    )
    story.full_clean()
    with transaction.atomic():
        _require_open(ReportingPeriod.objects.select_for_update().get(pk=period.pk))
        story.save()
        record_change(
            actor=actor,
            action="story.add",
            obj=story,
            municipality_id=activity.compass.municipality_id,
            organisation_id=organisation.pk,
            details={"activity": activity.pk, "period": period.code},
        )
    return story


# --- the improvement cycle -----------------------------------------------------------------------


def reflection_save(
    *, actor: Actor, compass: Compass, fields: Mapping[str, Any], session: ReflectionSession | None = None
) -> ReflectionSession:
    _require_editor(actor, compass.municipality_id)
    if session is not None and session.compass_id != compass.pk:
        raise PermissionDenied("a session of another compass")
    wanted = _only(fields, REFLECTION_FIELDS)
    session = session or ReflectionSession(compass=compass)
    _save_fields(
        actor=actor, instance=session, wanted=wanted, action="reflection", municipality_id=compass.municipality_id
    )
    return session


def follow_up_add(*, actor: Actor, session: ReflectionSession, fields: Mapping[str, Any]) -> FollowUpAction:
    municipality_id = session.compass.municipality_id
    _require_editor(actor, municipality_id)
    action = FollowUpAction(session=session, **_only(fields, FOLLOW_UP_FIELDS))
    action.full_clean()
    with transaction.atomic():
        action.save()
        record_change(
            actor=actor,
            action="follow_up.create",
            obj=action,
            municipality_id=municipality_id,
            details={"session": session.pk},
        )
    return action


def follow_up_mark_done(*, actor: Actor, action: FollowUpAction, on: date | None = None) -> FollowUpAction:
    municipality_id = action.session.compass.municipality_id
    _require_editor(actor, municipality_id)
    with transaction.atomic():
        locked = FollowUpAction.objects.select_for_update().get(pk=action.pk)
        if locked.done_on is not None:
            return locked
        locked.done_on = on or timezone.localdate()
        locked.save(update_fields=["done_on"])
        record_change(
            actor=actor,
            action="follow_up.done",
            obj=locked,
            municipality_id=municipality_id,
            details={"session": locked.session_id},
        )
    return locked
