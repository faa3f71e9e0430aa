"""The compass cycle's writes: who may do what, the rules of each step, and an audit record with
every change."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation

from meedoen.compass.models import (
    Compass,
    FollowUpAction,
    Indicator,
    Measurement,
    PerformanceMeasure,
    ReportingPeriod,
    ResultIndicator,
    SocietalResult,
    Story,
    TurnTheCurve,
)
from meedoen.compass.services.cycle import (
    activity_save,
    compass_create,
    compass_update,
    follow_up_add,
    follow_up_mark_done,
    measure_save,
    measurement_approve,
    measurement_enter,
    measurement_return,
    measurement_submit,
    period_bounds,
    period_close,
    period_open,
    period_reopen,
    reflection_save,
    result_indicator_save,
    result_save,
    story_add,
    turn_the_curve_save,
)
from meedoen.compass.tests.factories import (
    CompassFactory,
    MeasurementFactory,
    make_cycle,
    staff_actor,
)
from meedoen.core.access import Role
from meedoen.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """Refusals are worded in the visitor's language; these tests read the English text."""
    with translation.override("en"):
        yield


COMPASS = {
    "title": "Samen tegen armoede 2025-2028",
    "start_year": 2025,
    "horizon_years": 4,
    "approach": "breed",
    "local_picture": "",
    "ambitions": "",
}


@pytest.fixture
def cycle(world):
    return make_cycle(world.waalwijk, world.ww_foodbank)


@pytest.fixture
def policy(world):
    return staff_actor(Role.POLICY_OFFICER, world.ww_team, world.waalwijk)


@pytest.fixture
def manager(world):
    return staff_actor(Role.APPLICATION_MANAGER, world.ww_team, world.waalwijk)


@pytest.fixture
def partner(world):
    """Staff of the food bank, which carries the activity of ``cycle``."""
    return staff_actor(Role.OFFER_MAINTAINER, world.ww_foodbank, world.waalwijk)


def enter(actor, cycle, organisation, value=25.0, **kwargs):
    kwargs.setdefault("period", cycle.period)
    return measurement_enter(actor=actor, measure=cycle.measure, organisation=organisation, value=value, **kwargs)


# --- the compass and its results -----------------------------------------------------------------


def test_a_policy_officer_starts_a_compass_with_its_audit_record(world, policy):
    compass = compass_create(actor=policy, municipality=world.waalwijk, fields=COMPASS)
    assert (compass.end_year, compass.domains) == (2028, ("inkomen", "wonen", "zelfredzaamheid", "participatie"))
    record = AuditEvent.objects.get(action="compass.create")
    assert (record.municipality_id, record.actor_id, record.object_id) == (
        world.waalwijk.pk,
        policy.user_id,
        str(compass.pk),
    )


@pytest.mark.parametrize("role", [Role.OFFER_MAINTAINER, Role.CASEWORKER, Role.EARLY_SIGNALS_OFFICER, Role.AUDITOR])
def test_only_the_policy_officer_and_application_manager_keep_the_compass(world, role):
    actor = staff_actor(role, world.ww_team, world.waalwijk)
    with pytest.raises(PermissionDenied):
        compass_create(actor=actor, municipality=world.waalwijk, fields=COMPASS)
    assert not Compass.objects.exists()
    assert not AuditEvent.objects.exists()


def test_staff_of_another_municipality_cannot_start_a_compass_here(world):
    outsider = staff_actor(Role.POLICY_OFFICER, world.ms_team, world.meerssen)
    with pytest.raises(PermissionDenied):
        compass_create(actor=outsider, municipality=world.waalwijk, fields=COMPASS)


def test_one_compass_per_municipality_and_first_year(world, manager):
    compass_create(actor=manager, municipality=world.waalwijk, fields=COMPASS)
    with pytest.raises(ValidationError):
        compass_create(actor=manager, municipality=world.waalwijk, fields=COMPASS)
    assert Compass.objects.count() == 1


def test_the_horizon_is_one_to_ten_years(world, policy):
    with pytest.raises(ValidationError) as refused:
        compass_create(actor=policy, municipality=world.waalwijk, fields={**COMPASS, "horizon_years": 11})
    assert "horizon_years" in refused.value.message_dict


def test_a_narrow_compass_has_results_on_income_only(world, policy):
    compass = compass_create(actor=policy, municipality=world.waalwijk, fields={**COMPASS, "approach": "smal"})
    fields = {"target_group": "huurders", "statement": "minder huurders een huurachterstand hebben", "position": 0}
    with pytest.raises(ValidationError) as refused:
        result_save(actor=policy, compass=compass, fields={**fields, "domain": "wonen"})
    assert "domain" in refused.value.message_dict
    result_save(actor=policy, compass=compass, fields={**fields, "domain": "inkomen"})
    assert SocietalResult.objects.count() == 1


def test_the_approach_cannot_narrow_below_the_results(world, policy):
    compass = compass_create(actor=policy, municipality=world.waalwijk, fields=COMPASS)
    result_save(
        actor=policy,
        compass=compass,
        fields={"target_group": "ouderen", "statement": "ouderen meedoen", "domain": "participatie", "position": 0},
    )
    with pytest.raises(ValidationError):
        compass_update(actor=policy, compass=compass, fields={**COMPASS, "approach": "smal"}, indicators=[])
    compass.refresh_from_db()
    assert compass.approach == "breed"


def _monitor_indicator(municipality=None, code="laag-inkomen"):
    return Indicator.objects.create(
        municipality=municipality,
        code=code,
        name="Huishoudens met een laag inkomen",
        unit="%",
        source="eigen",
        kind=Indicator.Kind.PERCENTAGE,
        origin=Indicator.Origin.OWN,
    )


INDICATOR = {
    "monitor_indicator": None,
    "operational_code": "",
    "baseline_value": 8.1,
    "baseline_date": date(2024, 12, 31),
    "target_value": 7.0,
    "polarity": "hoger_slechter",
}


def test_a_result_indicator_points_at_one_figure(world, policy, cycle):
    own = _monitor_indicator(world.waalwijk)
    with pytest.raises(ValidationError):
        result_indicator_save(actor=policy, result=cycle.result, fields=INDICATOR)
    with pytest.raises(ValidationError):
        result_indicator_save(
            actor=policy,
            result=cycle.result,
            fields={**INDICATOR, "monitor_indicator": own, "operational_code": "compass.approved_measurements"},
        )
    saved = result_indicator_save(actor=policy, result=cycle.result, fields={**INDICATOR, "monitor_indicator": own})
    live = result_indicator_save(
        actor=policy, result=cycle.result, fields={**INDICATOR, "operational_code": "compass.approved_measurements"}
    )
    assert {saved.monitor_indicator_id, live.operational_code} == {own.pk, "compass.approved_measurements"}
    assert AuditEvent.objects.filter(action="result_indicator.create").count() == 2


def test_a_result_indicator_refuses_unknown_live_figures_and_other_municipalities_figures(world, policy, cycle):
    with pytest.raises(ValidationError) as refused:
        result_indicator_save(actor=policy, result=cycle.result, fields={**INDICATOR, "operational_code": "x.nope"})
    assert "operational_code" in refused.value.message_dict
    theirs = _monitor_indicator(world.meerssen)
    with pytest.raises(ValidationError):
        result_indicator_save(actor=policy, result=cycle.result, fields={**INDICATOR, "monitor_indicator": theirs})
    assert not ResultIndicator.objects.exists()


def test_an_activity_is_carried_by_partners_of_the_municipality(world, policy, cycle):
    fields = {
        "name": "Eén voordeur",
        "description": "Spreekuur in de wijk.",
        "evidence_level": "goed_onderbouwd",
        "evidence_source": "Databank Effectieve sociale interventies",
        "evidence_url": "",
        "mechanism": "Minder schaarste-stress.",
        "training": "",
        "methods": "",
        "conditions": "",
    }
    with pytest.raises(ValidationError) as refused:
        activity_save(
            actor=policy, compass=cycle.compass, fields=fields, results=[cycle.result], carriers=[world.ms_team]
        )
    assert "carriers" in refused.value.message_dict
    with pytest.raises(ValidationError):
        activity_save(actor=policy, compass=cycle.compass, fields=fields, results=[], carriers=[world.ww_team])
    other = CompassFactory(municipality=world.waalwijk, start_year=2029)
    foreign_result = SocietalResult.objects.create(compass=other, target_group="x", statement="y", domain="inkomen")
    with pytest.raises(ValidationError):
        activity_save(
            actor=policy, compass=cycle.compass, fields=fields, results=[foreign_result], carriers=[world.ww_team]
        )
    activity = activity_save(
        actor=policy, compass=cycle.compass, fields=fields, results=[cycle.result], carriers=[world.ww_team]
    )
    assert list(activity.carriers.all()) == [world.ww_team]
    assert activity.evidence_level == "goed_onderbouwd"


# --- periods -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "bounds"),
    [
        ("2025", (date(2025, 1, 1), date(2025, 12, 31))),
        ("2025-Q1", (date(2025, 1, 1), date(2025, 3, 31))),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
        ("2025-Q4", (date(2025, 10, 1), date(2025, 12, 31))),
    ],
)
def test_period_bounds(code, bounds):
    assert period_bounds(code) == bounds


def test_periods_lie_within_the_horizon_and_do_not_overlap(world, policy, cycle):
    for code, reason in (("2031-Q1", "horizon"), ("2025", "overlaps"), ("2025-04", "overlaps"), ("Q1-2025", "")):
        with pytest.raises(ValidationError) as refused:
            period_open(actor=policy, compass=cycle.compass, code=code)
        assert "code" in refused.value.message_dict
        assert reason in " ".join(refused.value.messages)
    period_open(actor=policy, compass=cycle.compass, code="2025-Q3")
    assert ReportingPeriod.objects.filter(compass=cycle.compass).count() == 3


def test_partners_cannot_open_or_close_periods(world, partner, cycle):
    with pytest.raises(PermissionDenied):
        period_open(actor=partner, compass=cycle.compass, code="2025-Q3")
    with pytest.raises(PermissionDenied):
        period_close(actor=partner, period=cycle.period)
    cycle.period.refresh_from_db()
    assert not cycle.period.is_closed


def test_a_period_with_values_waiting_for_review_cannot_close(world, policy, partner, cycle):
    enter(partner, cycle, world.ww_foodbank, submit=True)
    with pytest.raises(ValidationError) as refused:
        period_close(actor=policy, period=cycle.period)
    assert "wait for review" in refused.value.messages[0]
    cycle.period.refresh_from_db()
    assert not cycle.period.is_closed


def test_only_the_policy_officer_reopens_a_period_and_says_why(world, policy, manager, cycle):
    with pytest.raises(PermissionDenied):
        period_reopen(actor=manager, period=cycle.closed_period, reason="correctie")
    with pytest.raises(ValidationError):
        period_reopen(actor=policy, period=cycle.closed_period, reason=" ")
    period_reopen(actor=policy, period=cycle.closed_period, reason="Een telfout van de voedselbank.")
    cycle.closed_period.refresh_from_db()
    assert not cycle.closed_period.is_closed
    assert AuditEvent.objects.get(action="reporting_period.reopen").reason == "Een telfout van de voedselbank."


# --- measurements ---------------------------------------------------------------------------------------


def test_a_partner_enters_submits_and_the_policy_officer_approves(world, policy, partner, cycle):
    measurement = enter(partner, cycle, world.ww_foodbank)
    assert measurement.status == Measurement.Status.DRAFT
    measurement = measurement_submit(actor=partner, measurement=measurement)
    assert measurement.status == Measurement.Status.SUBMITTED
    measurement = measurement_approve(actor=policy, measurement=measurement)
    assert (measurement.status, measurement.reviewed_by_id) == (Measurement.Status.APPROVED, policy.user_id)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "organisation_id"))
    assert actions == [
        ("measurement.enter", world.ww_foodbank.pk),
        ("measurement.submit", world.ww_foodbank.pk),
        ("measurement.approve", world.ww_foodbank.pk),
    ]


def test_a_case_worker_of_a_carrying_organisation_reports_too(world, cycle):
    caseworker = staff_actor(Role.CASEWORKER, world.ww_foodbank, world.waalwijk)
    assert enter(caseworker, cycle, world.ww_foodbank, submit=True).status == Measurement.Status.SUBMITTED


@pytest.mark.parametrize("role", [Role.POLICY_OFFICER, Role.APPLICATION_MANAGER, Role.AUDITOR])
def test_roles_that_do_not_report_cannot_enter_values(world, cycle, role):
    actor = staff_actor(role, world.ww_foodbank, world.waalwijk)
    with pytest.raises(PermissionDenied):
        enter(actor, cycle, world.ww_foodbank)
    assert not Measurement.objects.exists()


def test_a_partner_that_does_not_carry_the_activity_cannot_report_on_it(world, cycle):
    other = staff_actor(Role.OFFER_MAINTAINER, world.ww_team, world.waalwijk)
    with pytest.raises(PermissionDenied):
        enter(other, cycle, world.ww_team)
    with pytest.raises(PermissionDenied):
        enter(other, cycle, world.ww_foodbank)  # nor in another organisation's name
    assert not Measurement.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_value_for_a_closed_period_is_refused_with_a_reason(world, partner, cycle):
    with pytest.raises(ValidationError) as refused:
        enter(partner, cycle, world.ww_foodbank, period=cycle.closed_period, submit=True)
    message = refused.value.message_dict["period"][0]
    assert "2025-Q1" in message
    assert "closed" in message
    assert not Measurement.objects.exists()


def test_a_draft_cannot_be_submitted_or_approved_once_its_period_closed(world, policy, partner, cycle):
    draft = enter(partner, cycle, world.ww_foodbank)
    period_close(actor=policy, period=cycle.period)
    with pytest.raises(ValidationError):
        measurement_submit(actor=partner, measurement=draft)
    draft.refresh_from_db()
    assert draft.status == Measurement.Status.DRAFT


@pytest.mark.parametrize("role", [Role.APPLICATION_MANAGER, Role.OFFER_MAINTAINER, Role.CASEWORKER, Role.AUDITOR])
def test_only_the_policy_officer_approves_or_returns(world, partner, cycle, role):
    submitted = enter(partner, cycle, world.ww_foodbank, submit=True)
    actor = staff_actor(role, world.ww_foodbank if role != Role.APPLICATION_MANAGER else world.ww_team, world.waalwijk)
    with pytest.raises(PermissionDenied):
        measurement_approve(actor=actor, measurement=submitted)
    with pytest.raises(PermissionDenied):
        measurement_return(actor=actor, measurement=submitted, reason="klopt niet")
    submitted.refresh_from_db()
    assert submitted.status == Measurement.Status.SUBMITTED


def test_the_policy_officer_of_another_municipality_cannot_approve(world, partner, cycle):
    submitted = enter(partner, cycle, world.ww_foodbank, submit=True)
    with pytest.raises(PermissionDenied):
        measurement_approve(
            actor=staff_actor(Role.POLICY_OFFICER, world.ms_team, world.meerssen), measurement=submitted
        )


def test_a_returned_value_is_corrected_and_submitted_again(world, policy, partner, cycle):
    submitted = enter(partner, cycle, world.ww_foodbank, value=130, submit=True)
    with pytest.raises(ValidationError):
        measurement_return(actor=policy, measurement=submitted, reason="")
    returned = measurement_return(actor=policy, measurement=submitted, reason="Telt u gezinnen of uitgiftes?")
    assert (returned.status, returned.review_note) == (Measurement.Status.RETURNED, "Telt u gezinnen of uitgiftes?")
    corrected = enter(partner, cycle, world.ww_foodbank, value=96, submit=True)
    assert (corrected.pk, corrected.value, corrected.status) == (submitted.pk, 96, Measurement.Status.SUBMITTED)


def test_a_submitted_or_approved_value_does_not_change(world, policy, partner, cycle):
    submitted = enter(partner, cycle, world.ww_foodbank, value=30, submit=True)
    with pytest.raises(ValidationError):
        enter(partner, cycle, world.ww_foodbank, value=31)
    measurement_approve(actor=policy, measurement=submitted)
    with pytest.raises(ValidationError):
        enter(partner, cycle, world.ww_foodbank, value=32)
    with pytest.raises(ValidationError):
        measurement_approve(actor=policy, measurement=submitted)
    submitted.refresh_from_db()
    assert submitted.value == 30


@pytest.mark.parametrize(
    ("kind", "value", "base", "field"),
    [
        ("aantal", -1, None, "value"),
        ("aantal", 2.5, None, "value"),
        ("aantal", 1e15, None, "value"),
        ("aantal", float("nan"), None, "value"),
        ("aantal", 12, 40, "base"),
        ("percentage", 120, 40, "value"),
        ("percentage", 50, None, "base"),
    ],
)
def test_values_that_cannot_be_right_are_refused(world, partner, cycle, kind, value, base, field):
    cycle.measure.kind = kind
    cycle.measure.save()
    with pytest.raises(ValidationError) as refused:
        enter(partner, cycle, world.ww_foodbank, value=value, base=base)
    assert field in refused.value.message_dict
    assert not Measurement.objects.exists()


def test_a_value_is_reported_for_a_period_of_the_same_compass(world, partner, cycle):
    foreign = CompassFactory(municipality=world.waalwijk, start_year=2029)
    foreign_period = ReportingPeriod.objects.create(
        compass=foreign, code="2029", starts_on=date(2029, 1, 1), ends_on=date(2029, 12, 31)
    )
    with pytest.raises(ValidationError):
        enter(partner, cycle, world.ww_foodbank, period=foreign_period)


def test_a_story_is_told_by_a_carrying_partner_for_an_open_period(world, partner, cycle):
    with pytest.raises(ValidationError):
        story_add(
            actor=partner,
            activity=cycle.activity,
            period=cycle.closed_period,
            organisation=world.ww_foodbank,
            title="Te laat",
            text="x",
        )
    outsider = staff_actor(Role.OFFER_MAINTAINER, world.ww_team, world.waalwijk)
    with pytest.raises(PermissionDenied):
        story_add(
            actor=outsider,
            activity=cycle.activity,
            period=cycle.period,
            organisation=world.ww_team,
            title="t",
            text="x",
        )
    story_add(
        actor=partner,
        activity=cycle.activity,
        period=cycle.period,
        organisation=world.ww_foodbank,
        title="Eindelijk durven bellen",
        text="Een moeder opent haar post weer zelf.",
    )
    assert Story.objects.get().title == "Eindelijk durven bellen"


# --- the improvement cycle -----------------------------------------------------------------------


def test_a_reflection_session_with_follow_up_actions(world, manager, partner, cycle):
    fields = {
        "held_on": date(2026, 1, 20),
        "topic": "Terugblik najaar",
        "participants": "inwoners en partners",
        "findings": "Het spreekuur bereikt meer gezinnen.",
        "decisions": "",
    }
    with pytest.raises(PermissionDenied):
        reflection_save(actor=partner, compass=cycle.compass, fields=fields)
    session = reflection_save(actor=manager, compass=cycle.compass, fields=fields)
    action = follow_up_add(
        actor=manager,
        session=session,
        fields={"description": "Brief over de buspas", "owner": "team Werk en Inkomen", "due_on": date(2026, 3, 1)},
    )
    assert action.is_overdue(date(2026, 3, 2))
    with pytest.raises(PermissionDenied):
        follow_up_mark_done(actor=partner, action=action)
    follow_up_mark_done(actor=manager, action=action, on=date(2026, 2, 27))
    action.refresh_from_db()
    assert action.done_on == date(2026, 2, 27)
    assert not action.is_overdue(date(2026, 3, 2))
    assert FollowUpAction.objects.count() == 1


def test_a_turn_the_curve_sheet_per_indicator(world, policy, partner, cycle):
    indicator = result_indicator_save(
        actor=policy, result=cycle.result, fields={**INDICATOR, "operational_code": "compass.approved_measurements"}
    )
    fields = {
        "forecast_value": 7.9,
        "story": "Vaste lasten stijgen.",
        "other_partners": "werkgevers",
        "what_works": "Vroegsignalering.",
        "action_plan": "Spreekuur op scholen.",
    }
    with pytest.raises(PermissionDenied):
        turn_the_curve_save(actor=partner, indicator=indicator, fields=fields)
    with pytest.raises(ValidationError):
        turn_the_curve_save(actor=policy, indicator=indicator, fields=fields, partners=[world.ms_team])
    turn_the_curve_save(actor=policy, indicator=indicator, fields=fields, partners=[world.ww_foodbank])
    turn_the_curve_save(actor=policy, indicator=indicator, fields={**fields, "forecast_value": 8.0})
    sheet = TurnTheCurve.objects.get()
    assert (sheet.forecast_value, list(sheet.partners.all())) == (8.0, [])
    assert [e.action for e in AuditEvent.objects.order_by("pk")][-2:] == [
        "turn_the_curve.create",
        "turn_the_curve.update",
    ]


def test_a_change_and_its_audit_record_commit_together(world, policy, cycle):
    """When the transaction around a write fails, neither the change nor its record remains."""
    with pytest.raises(RuntimeError), transaction.atomic():
        result_save(
            actor=policy,
            compass=cycle.compass,
            fields={
                "target_group": "jongeren",
                "statement": "minder schaamte",
                "domain": "zelfredzaamheid",
                "position": 1,
            },
        )
        raise RuntimeError("the request failed after the write")
    assert SocietalResult.objects.count() == 1
    assert not AuditEvent.objects.filter(action="compass_result.create").exists()


def test_measures_keep_their_kind_once_reported_on(world, policy, cycle):
    MeasurementFactory(measure=cycle.measure, period=cycle.period, organisation=world.ww_foodbank)
    with pytest.raises(ValidationError):
        measure_save(
            actor=policy,
            activity=cycle.activity,
            measure=cycle.measure,
            fields={"question": "hoeveel", "name": "x", "kind": "percentage", "unit": "", "definition": ""},
        )
    assert PerformanceMeasure.objects.get(pk=cycle.measure.pk).kind == "aantal"
