"""Pages of the compass cycle. The policy officer and the application manager keep the compass;
partner staff report measurements and stories on the activities their organisation carries; the
policy officer approves those values or sends them back. Other roles get a 403."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meedoen.compass.models import Activity, Compass, Measurement, PerformanceMeasure, SocietalResult
from meedoen.compass.selectors import cycle as selectors
from meedoen.compass.services import cycle as services
from meedoen.core.access import Actor
from meedoen.organisations.models import Municipality, Organisation
from meedoen.workspace.compass_forms import (
    ActivityForm,
    CompassForm,
    FollowUpForm,
    MeasureForm,
    MeasurementForm,
    PeriodForm,
    ReflectionForm,
    ResultForm,
    ResultIndicatorForm,
    StoryForm,
    TurnTheCurveForm,
)
from meedoen.workspace.decorators import staff_view
from meedoen.workspace.form_handling import Saved, form_page, submitted
from meedoen.workspace.views import _page

FORM_TEMPLATE = "workspace/compass/form.html"
T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True)
class _FormPage:
    """A page with nothing but ``form`` on it, as its view describes it: ``save`` calls the
    service once the form is valid; the texts say what the page is for and where it leads back to.
    Each of ``buttons`` is a further submit button, as a name, a value and a label."""

    form: Form
    save: Callable[[], Saved]
    title: str
    back_url: str
    submit_label: str
    intro: str = ""
    buttons: tuple[tuple[str, str, str], ...] = ()


def _found(lookup: Callable[..., T | None], actor: Actor, municipality: Municipality, **ids: int) -> T:
    """What ``lookup`` finds for the actor in this municipality; a 404 when it finds nothing."""
    found = lookup(actor=actor, municipality_id=municipality.pk, **ids)
    if found is None:
        raise Http404("not in this municipality")
    return found


def _editable(lookup: Callable[..., T | None], actor: Actor, municipality: Municipality, **ids: int) -> T:
    """What ``lookup`` finds, as :func:`_found` says, for an actor who keeps the compass; a 403 for
    anyone else. For those the lookup lets read, something that is not there is a 404 first."""
    found = _found(lookup, actor, municipality, **ids)
    selectors.require_editor(actor, municipality.pk)
    return found


def _form_view(
    view: Callable[Concatenate[HttpRequest, Actor, Municipality, P], _FormPage],
) -> Callable[..., HttpResponse]:
    """A staff page with nothing but a form on it: ``view`` describes the page, and it is handled
    as :func:`form_handling.form_page` says."""

    @wraps(view)
    def page(
        request: HttpRequest, actor: Actor, municipality: Municipality, /, *args: P.args, **kwargs: P.kwargs
    ) -> HttpResponse:
        described = view(request, actor, municipality, *args, **kwargs)
        texts = {
            "title": described.title,
            "back_url": described.back_url,
            "submit_label": described.submit_label,
            "intro": described.intro,
            "buttons": list(described.buttons),
        }
        return form_page(request, actor, municipality, FORM_TEMPLATE, described.form, described.save, lambda: texts)

    return staff_view(page)


def _action(request: HttpRequest, act: Callable[[], str], next_url: str) -> HttpResponse:
    """A button that calls a service: ``act`` calls it and says what it did. A refusal of the
    service is shown as messages instead; either way the page goes on to ``next_url``."""
    try:
        done = act()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(next_url)


def _compass(actor: Actor, municipality: Municipality, compass_id: int) -> Compass:
    return _found(selectors.compass_of, actor, municipality, compass_id=compass_id)


def _activity(actor: Actor, municipality: Municipality, activity_id: int) -> Activity:
    return _found(selectors.activity_of, actor, municipality, activity_id=activity_id)


def _reporting_organisations(actor: Actor, activity: Activity) -> list[Organisation]:
    organisations = selectors.reporting_organisations(actor, activity)
    if not organisations:
        raise PermissionDenied("the actor reports for no organisation that carries this activity")
    return organisations


def _to_compass(compass: Compass) -> str:
    return reverse("workspace:compass-detail", args=[compass.pk])


def _to_activity(activity: Activity) -> str:
    return reverse("workspace:compass-activity", args=[activity.pk])


# --- overview and the compass itself -----------------------------------------------------------


def _overview_page(
    request: HttpRequest, actor: Actor, municipality: Municipality, compass: Compass | None
) -> HttpResponse:
    compasses = list(selectors.compasses_of(actor=actor, municipality_id=municipality.pk))
    return _page(
        request,
        actor,
        municipality,
        "workspace/compass/overview.html",
        overview=selectors.compass_overview(actor=actor, compass=compass) if compass is not None else None,
        compasses=compasses,
        may_edit=selectors.may_edit(actor, municipality.pk),
        may_review=selectors.may_review(actor, municipality.pk),
    )


@staff_view
def compass(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    """The compass of now: the one whose horizon holds this year."""
    current = selectors.current_compass(actor=actor, municipality_id=municipality.pk)
    return _overview_page(request, actor, municipality, current)


@staff_view
def compass_detail(request: HttpRequest, actor: Actor, municipality: Municipality, compass: int) -> HttpResponse:
    return _overview_page(request, actor, municipality, _compass(actor, municipality, compass))


@_form_view
def compass_create(request: HttpRequest, actor: Actor, municipality: Municipality) -> _FormPage:
    selectors.require_editor(actor, municipality.pk)
    form = CompassForm(submitted(request), municipality=municipality)

    def save() -> Saved:
        created = services.compass_create(
            actor=actor,
            municipality=municipality,
            fields=form.compass_fields(),
            indicators=form.cleaned_data["indicators"],
        )
        return Saved(_("The compass “%(title)s” is started.") % {"title": created.title}, _to_compass(created))

    return _FormPage(
        form,
        save,
        title=_("Start a compass"),
        back_url=reverse("workspace:compass"),
        submit_label=_("Start the compass"),
        intro=_(
            "Step 1 of the compass: agree on the local picture and the ambitions, and choose the approach. "
            "Results, activities and measurements follow."
        ),
    )


@_form_view
def compass_edit(request: HttpRequest, actor: Actor, municipality: Municipality, compass: int) -> _FormPage:
    current = _editable(selectors.compass_of, actor, municipality, compass_id=compass)
    form = CompassForm(submitted(request), municipality=municipality, compass=current)

    def save() -> Saved:
        services.compass_update(
            actor=actor, compass=current, fields=form.compass_fields(), indicators=form.cleaned_data["indicators"]
        )
        return Saved(_("Your changes are saved."), _to_compass(current))

    return _FormPage(
        form,
        save,
        title=_("Change “%(title)s”") % {"title": current.title},
        back_url=_to_compass(current),
        submit_label=_("Save changes"),
    )


# --- results and their indicators ----------------------------------------------------------------


def _result_page(
    request: HttpRequest, actor: Actor, municipality: Municipality, current: Compass, result: SocietalResult | None
) -> _FormPage:
    selectors.require_editor(actor, municipality.pk)
    form = ResultForm(submitted(request), compass=current, result=result)

    def save() -> Saved:
        services.result_save(actor=actor, compass=current, fields=form.result_fields(), result=result)
        return Saved(_("The result is saved."), _to_compass(current))

    return _FormPage(
        form,
        save,
        title=_("Change a societal result") if result else _("Add a societal result"),
        back_url=_to_compass(current),
        submit_label=_("Save the result"),
        intro=_(
            "Step 2: what should be different for a target group at the end of the horizon. "
            "Write it as “In four years we want …”."
        ),
    )


@_form_view
def result_create(request: HttpRequest, actor: Actor, municipality: Municipality, compass: int) -> _FormPage:
    return _result_page(request, actor, municipality, _compass(actor, municipality, compass), None)


@_form_view
def result_edit(request: HttpRequest, actor: Actor, municipality: Municipality, result: int) -> _FormPage:
    found = _found(selectors.result_of, actor, municipality, result_id=result)
    return _result_page(request, actor, municipality, found.compass, found)


@_form_view
def indicator_create(request: HttpRequest, actor: Actor, municipality: Municipality, result: int) -> _FormPage:
    found = _editable(selectors.result_of, actor, municipality, result_id=result)
    form = ResultIndicatorForm(submitted(request), municipality=municipality)

    def save() -> Saved:
        services.result_indicator_save(actor=actor, result=found, fields=form.indicator_fields())
        return Saved(_("The indicator is saved."), _to_compass(found.compass))

    return _FormPage(
        form,
        save,
        title=_("Add an indicator to “%(result)s”") % {"result": found.target_group},
        back_url=_to_compass(found.compass),
        submit_label=_("Save the indicator"),
    )


def _to_indicator(indicator_id: int) -> str:
    return reverse("workspace:compass-indicator", args=[indicator_id])


@_form_view
def indicator_edit(request: HttpRequest, actor: Actor, municipality: Municipality, indicator: int) -> _FormPage:
    found = _editable(selectors.result_indicator_of, actor, municipality, indicator_id=indicator)
    form = ResultIndicatorForm(submitted(request), municipality=municipality, indicator=found)

    def save() -> Saved:
        services.result_indicator_save(
            actor=actor, result=found.result, fields=form.indicator_fields(), indicator=found
        )
        return Saved(_("The indicator is saved."), _to_indicator(found.pk))

    return _FormPage(
        form,
        save,
        title=_("Change an indicator"),
        back_url=_to_indicator(found.pk),
        submit_label=_("Save changes"),
    )


@staff_view
def indicator(request: HttpRequest, actor: Actor, municipality: Municipality, indicator: int) -> HttpResponse:
    """An indicator of a result with its "turn the curve" sheet."""
    found = _found(selectors.result_indicator_of, actor, municipality, indicator_id=indicator)
    return _page(
        request,
        actor,
        municipality,
        "workspace/compass/indicator.html",
        sheet=selectors.indicator_sheet(actor=actor, indicator=found),
        compass=found.result.compass,
    )


@_form_view
def turn_the_curve(request: HttpRequest, actor: Actor, municipality: Municipality, indicator: int) -> _FormPage:
    found = _editable(selectors.result_indicator_of, actor, municipality, indicator_id=indicator)
    existing = getattr(found, "turn_the_curve", None)
    form = TurnTheCurveForm(submitted(request), municipality=municipality, sheet=existing)

    def save() -> Saved:
        services.turn_the_curve_save(
            actor=actor, indicator=found, fields=form.sheet_fields(), partners=form.cleaned_data["partners"]
        )
        return Saved(_("The turn-the-curve sheet is saved."), _to_indicator(found.pk))

    return _FormPage(
        form,
        save,
        title=_("Turn the curve"),
        back_url=_to_indicator(found.pk),
        submit_label=_("Save the sheet"),
        intro=_(
            "Step 6: where does the curve go if nothing more is done, what is the story behind it, "
            "who can help, what works, and what will we do?"
        ),
    )


# --- activities and their performance measures -------------------------------------------------


def _activity_page(
    request: HttpRequest, actor: Actor, municipality: Municipality, current: Compass, activity: Activity | None
) -> _FormPage:
    selectors.require_editor(actor, municipality.pk)
    form = ActivityForm(submitted(request), actor=actor, compass=current, activity=activity)

    def save() -> Saved:
        saved = services.activity_save(
            actor=actor,
            compass=current,
            fields=form.activity_fields(),
            results=form.cleaned_data["results"],
            carriers=form.cleaned_data["carriers"],
            offers=form.cleaned_data["offers"],
            activity=activity,
        )
        return Saved(_("The activity “%(name)s” is saved.") % {"name": saved.name}, _to_activity(saved))

    return _FormPage(
        form,
        save,
        title=_("Change “%(name)s”") % {"name": activity.name} if activity else _("Add an activity"),
        back_url=_to_activity(activity) if activity else _to_compass(current),
        submit_label=_("Save the activity"),
        intro=_(
            "Steps 3 and 4: what partners do for the results, why it should work, and what the work needs "
            "to be done well."
        ),
    )


@_form_view
def activity_create(request: HttpRequest, actor: Actor, municipality: Municipality, compass: int) -> _FormPage:
    return _activity_page(request, actor, municipality, _compass(actor, municipality, compass), None)


@_form_view
def activity_edit(request: HttpRequest, actor: Actor, municipality: Municipality, activity: int) -> _FormPage:
    found = _activity(actor, municipality, activity)
    return _activity_page(request, actor, municipality, found.compass, found)


@staff_view
def activity(request: HttpRequest, actor: Actor, municipality: Municipality, activity: int) -> HttpResponse:
    found = _activity(actor, municipality, activity)
    return _page(
        request,
        actor,
        municipality,
        "workspace/compass/activity.html",
        detail=selectors.activity_detail(actor=actor, activity=found),
        compass=found.compass,
    )


def _measure_page(
    request: HttpRequest, actor: Actor, municipality: Municipality, found: Activity, measure: PerformanceMeasure | None
) -> _FormPage:
    selectors.require_editor(actor, municipality.pk)
    form = MeasureForm(submitted(request), measure=measure)

    def save() -> Saved:
        services.measure_save(actor=actor, activity=found, fields=form.measure_fields(), measure=measure)
        return Saved(_("The performance measure is saved."), _to_activity(found))

    return _FormPage(
        form,
        save,
        title=_("Change a performance measure") if measure else _("Add a performance measure"),
        back_url=_to_activity(found),
        submit_label=_("Save the measure"),
        intro=_("Step 5: how much did we do, how well did we do it, and is anyone better off?"),
    )


@_form_view
def measure_create(request: HttpRequest, actor: Actor, municipality: Municipality, activity: int) -> _FormPage:
    return _measure_page(request, actor, municipality, _activity(actor, municipality, activity), None)


@_form_view
def measure_edit(request: HttpRequest, actor: Actor, municipality: Municipality, measure: int) -> _FormPage:
    found = _found(selectors.measure_of, actor, municipality, measure_id=measure)
    return _measure_page(request, actor, municipality, found.activity, found)


# --- reporting periods -------------------------------------------------------------------------------


def _to_periods(compass_id: int) -> str:
    return reverse("workspace:compass-periods", args=[compass_id])


@staff_view
def periods(request: HttpRequest, actor: Actor, municipality: Municipality, compass: int) -> HttpResponse:
    current = _editable(selectors.compass_of, actor, municipality, compass_id=compass)
    form = PeriodForm(submitted(request))

    def save() -> Saved:
        opened = services.period_open(actor=actor, compass=current, code=form.cleaned_data["code"])
        return Saved(_("The period %(code)s is open for reporting.") % {"code": opened.code}, _to_periods(current.pk))

    def shown() -> dict[str, Any]:
        return {
            "compass": current,
            "periods": list(selectors.periods_of(current)),
            "may_review": selectors.may_review(actor, municipality.pk),
        }

    return form_page(request, actor, municipality, "workspace/compass/periods.html", form, save, shown)


@require_POST
@staff_view
def period_close(request: HttpRequest, actor: Actor, municipality: Municipality, period: int) -> HttpResponse:
    found = _found(selectors.period_of, actor, municipality, period_id=period)

    def close() -> str:
        services.period_close(actor=actor, period=found)
        return _("The period %(code)s is closed; its figures are final.") % {"code": found.code}

    return _action(request, close, _to_periods(found.compass_id))


@require_POST
@staff_view
def period_reopen(request: HttpRequest, actor: Actor, municipality: Municipality, period: int) -> HttpResponse:
    found = _found(selectors.period_of, actor, municipality, period_id=period)

    def reopen() -> str:
        services.period_reopen(actor=actor, period=found, reason=request.POST.get("reason", ""))
        return _("The period %(code)s is open again.") % {"code": found.code}

    return _action(request, reopen, _to_periods(found.compass_id))


# --- partners report ---------------------------------------------------------------------------------


@staff_view
def reporting(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    """What the actor's organisations report: their activities, measures and values."""
    return _page(
        request,
        actor,
        municipality,
        "workspace/compass/reporting.html",
        work=selectors.reporting_work(actor=actor, municipality_id=municipality.pk),
    )


def _measurement_page(request: HttpRequest, actor: Actor, found: Activity, existing: Measurement | None) -> _FormPage:
    organisations = _reporting_organisations(actor, found)
    initial: dict[str, Any] = {}
    if existing is not None:
        initial = {
            "measure": existing.measure_id,
            "period": existing.period_id,
            "organisation": existing.organisation_id,
            # A whole number reads as one (12, not 12,0) when it is corrected.
            "value": int(existing.value) if existing.value.is_integer() else existing.value,
            "base": existing.base,
            "note": existing.note,
        }
    else:
        initial = {
            key: request.GET[param]
            for key, param in (("measure", "maat"), ("period", "periode"))
            if param in request.GET
        }
    form = MeasurementForm(
        submitted(request), activity=found, organisations=organisations, initial=initial, fixed=existing is not None
    )

    def save() -> Saved:
        submit = request.POST.get("action") == "submit"
        saved = services.measurement_enter(
            actor=actor,
            measure=form.cleaned_data["measure"],
            period=form.cleaned_data["period"],
            organisation=form.chosen_organisation(),
            value=form.cleaned_data["value"],
            base=form.cleaned_data["base"],
            note=form.cleaned_data["note"],
            submit=submit,
        )
        if submit:
            said = _("The value for %(period)s is submitted to the municipality.") % {"period": saved.period.code}
        else:
            said = _("The value for %(period)s is saved as a draft.") % {"period": saved.period.code}
        return Saved(said, reverse("workspace:compass-reporting"))

    return _FormPage(
        form,
        save,
        title=_("Report a value for “%(name)s”") % {"name": found.name},
        back_url=reverse("workspace:compass-reporting"),
        submit_label=_("Save as draft"),
        intro=_(
            "The municipality approves the value after you submit it; only approved values count in the compass. "
            "Numbers below 10 are never shown to others."
        ),
        buttons=(("action", "submit", _("Save and submit")),),
    )


@_form_view
def measurement_create(request: HttpRequest, actor: Actor, municipality: Municipality, activity: int) -> _FormPage:
    return _measurement_page(request, actor, _activity(actor, municipality, activity), None)


@_form_view
def measurement_edit(request: HttpRequest, actor: Actor, municipality: Municipality, measurement: int) -> _FormPage:
    found = _found(selectors.measurement_of_reporter, actor, municipality, measurement_id=measurement)
    if not found.is_editable:
        raise PermissionDenied("a submitted or approved value")
    return _measurement_page(request, actor, found.measure.activity, found)


@require_POST
@staff_view
def measurement_submit(
    request: HttpRequest, actor: Actor, municipality: Municipality, measurement: int
) -> HttpResponse:
    found = _found(selectors.measurement_of_reporter, actor, municipality, measurement_id=measurement)

    def submit() -> str:
        services.measurement_submit(actor=actor, measurement=found)
        return _("The value is submitted to the municipality.")

    return _action(request, submit, reverse("workspace:compass-reporting"))


@_form_view
def story_create(request: HttpRequest, actor: Actor, municipality: Municipality, activity: int) -> _FormPage:
    found = _activity(actor, municipality, activity)
    organisations = _reporting_organisations(actor, found)
    form = StoryForm(submitted(request), activity=found, organisations=organisations)

    def save() -> Saved:
        services.story_add(
            actor=actor,
            activity=found,
            period=form.cleaned_data["period"],
            organisation=form.chosen_organisation(),
            title=form.cleaned_data["title"],
            text=form.cleaned_data["text"],
        )
        return Saved(_("Thank you for your story."), _to_activity(found))

    return _FormPage(
        form,
        save,
        title=_("Tell a story about “%(name)s”") % {"name": found.name},
        back_url=_to_activity(found),
        submit_label=_("Add the story"),
        intro=_("Counting and telling: a short story shows what the figures do not."),
    )


# --- the municipality reviews --------------------------------------------------------------------


@staff_view
def review(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    return _page(
        request,
        actor,
        municipality,
        "workspace/compass/review.html",
        waiting=selectors.review_queue(actor=actor, municipality_id=municipality.pk),
    )


@require_POST
@staff_view
def measurement_approve(
    request: HttpRequest, actor: Actor, municipality: Municipality, measurement: int
) -> HttpResponse:
    found = _found(selectors.measurement_for_review, actor, municipality, measurement_id=measurement)

    def approve() -> str:
        services.measurement_approve(actor=actor, measurement=found)
        return _("The value of %(organisation)s for %(period)s is approved.") % _of_organisation_for_period(found)

    return _action(request, approve, reverse("workspace:compass-review"))


@require_POST
@staff_view
def measurement_return(
    request: HttpRequest, actor: Actor, municipality: Municipality, measurement: int
) -> HttpResponse:
    found = _found(selectors.measurement_for_review, actor, municipality, measurement_id=measurement)

    def send_back() -> str:
        services.measurement_return(actor=actor, measurement=found, reason=request.POST.get("reason", ""))
        return _("The value of %(organisation)s for %(period)s is sent back.") % _of_organisation_for_period(found)

    return _action(request, send_back, reverse("workspace:compass-review"))


def _of_organisation_for_period(measurement: Measurement) -> dict[str, str]:
    return {"organisation": measurement.organisation.name, "period": measurement.period.code}


# --- the improvement cycle -------------------------------------------------------------------------


def _to_reflection(session_id: int) -> str:
    return reverse("workspace:compass-reflection", args=[session_id])


@_form_view
def reflection_create(request: HttpRequest, actor: Actor, municipality: Municipality, compass: int) -> _FormPage:
    current = _editable(selectors.compass_of, actor, municipality, compass_id=compass)
    form = ReflectionForm(submitted(request))

    def save() -> Saved:
        session = services.reflection_save(actor=actor, compass=current, fields=form.reflection_fields())
        return Saved(_("The reflection session is saved. Add the follow-up actions."), _to_reflection(session.pk))

    return _FormPage(
        form,
        save,
        title=_("Add a reflection session"),
        back_url=_to_compass(current),
        submit_label=_("Save the session"),
        intro=_("Step 6: look back at the figures and stories together, and decide what to change."),
    )


@_form_view
def reflection_edit(request: HttpRequest, actor: Actor, municipality: Municipality, session: int) -> _FormPage:
    # No editor check of its own: the look-up refuses (403) anyone who does not keep the compass.
    found = _found(selectors.reflection_of, actor, municipality, session_id=session)
    form = ReflectionForm(submitted(request), session=found)

    def save() -> Saved:
        services.reflection_save(actor=actor, compass=found.compass, fields=form.reflection_fields(), session=found)
        return Saved(_("Your changes are saved."), _to_reflection(found.pk))

    return _FormPage(
        form,
        save,
        title=_("Change the reflection session"),
        back_url=_to_reflection(found.pk),
        submit_label=_("Save changes"),
    )


@staff_view
def reflection(request: HttpRequest, actor: Actor, municipality: Municipality, session: int) -> HttpResponse:
    """A reflection session with its follow-up actions; the form adds an action."""
    found = _found(selectors.reflection_of, actor, municipality, session_id=session)
    form = FollowUpForm(submitted(request))

    def save() -> Saved:
        services.follow_up_add(actor=actor, session=found, fields=form.follow_up_fields())
        return Saved(_("The action is added."), _to_reflection(found.pk))

    def shown() -> dict[str, Any]:
        return {"detail": selectors.reflection_detail(actor=actor, session=found), "compass": found.compass}

    return form_page(request, actor, municipality, "workspace/compass/reflection.html", form, save, shown)


@require_POST
@staff_view
def follow_up_done(request: HttpRequest, actor: Actor, municipality: Municipality, action: int) -> HttpResponse:
    found = _found(selectors.follow_up_of, actor, municipality, action_id=action)
    services.follow_up_mark_done(actor=actor, action=found)
    messages.success(request, _("“%(action)s” is done.") % {"action": found.description})
    return redirect("workspace:compass-reflection", session=found.session_id)
