"""The compass cycle in the workspace: the policy officer and application manager keep the compass,
partner staff report values on the activities their organisation carries, the policy officer
approves them. Every other persona is refused, and a refusal changes nothing."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from meedoen.compass.models import (
    Activity,
    Compass,
    FollowUpAction,
    Measurement,
    PerformanceMeasure,
    ReflectionSession,
    ReportingPeriod,
    ResultIndicator,
    SocietalResult,
    Story,
    TurnTheCurve,
)
from meedoen.compass.tests.factories import MeasurementFactory, make_cycle
from meedoen.core.models import AuditEvent

LOGIN, OK, FORBIDDEN, NOT_FOUND = "login", 200, 403, 404
NOT_LOGGED_IN = {"anonymous", "resident", "second_resident", "no_second_factor"}
STAFF = [
    "ww_policy",
    "ww_caseworker",
    "ww_early_signals",
    "ww_offer_maintainer",
    "ww_application_manager",
    "ww_auditor",
    "ms_auditor",
    "ms_application_manager",
]
EVERYONE = [*sorted(NOT_LOGGED_IN), "no_role", *STAFF]
EDITORS = {"ww_policy", "ww_application_manager"}
# The activity of the cycle is carried by the food bank, whose offer maintainer reports on it.
READERS = {*EDITORS, "ww_caseworker", "ww_offer_maintainer"}
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def cycle(world):
    return make_cycle(world.waalwijk, world.ww_foodbank)


def pages(cycle):
    """Every page of the cycle, with the Waalwijk personas it opens for. Meerssen's application
    manager may read compasses, but not Waalwijk's: an id of another municipality is not found."""
    compass, activity = cycle.compass, cycle.activity
    indicator = ResultIndicator.objects.create(
        result=cycle.result,
        operational_code="compass.approved_measurements",
        baseline_value=10,
        baseline_date=date(2025, 1, 1),
        target_value=40,
        polarity="hoger_beter",
    )
    session = ReflectionSession.objects.create(
        compass=compass, held_on=date(2026, 1, 20), topic="Terugblik", findings="x"
    )
    own = {"ww_offer_maintainer"}
    return {
        reverse("workspace:compass"): READERS | {"ms_application_manager"},
        reverse("workspace:compass-detail", args=[compass.pk]): READERS,
        reverse("workspace:compass-create"): EDITORS | {"ms_application_manager"},
        reverse("workspace:compass-edit", args=[compass.pk]): EDITORS,
        reverse("workspace:compass-result-create", args=[compass.pk]): EDITORS,
        reverse("workspace:compass-result-edit", args=[cycle.result.pk]): EDITORS,
        reverse("workspace:compass-indicator-create", args=[cycle.result.pk]): EDITORS,
        reverse("workspace:compass-indicator", args=[indicator.pk]): READERS,
        reverse("workspace:compass-indicator-edit", args=[indicator.pk]): EDITORS,
        reverse("workspace:compass-turn-the-curve", args=[indicator.pk]): EDITORS,
        reverse("workspace:compass-activity-create", args=[compass.pk]): EDITORS,
        reverse("workspace:compass-activity", args=[activity.pk]): READERS,
        reverse("workspace:compass-activity-edit", args=[activity.pk]): EDITORS,
        reverse("workspace:compass-measure-create", args=[activity.pk]): EDITORS,
        reverse("workspace:compass-measure-edit", args=[cycle.measure.pk]): EDITORS,
        reverse("workspace:compass-periods", args=[compass.pk]): EDITORS,
        reverse("workspace:compass-reporting"): {"ww_caseworker", "ww_offer_maintainer"},
        reverse("workspace:compass-measurement-create", args=[activity.pk]): own,
        reverse("workspace:compass-story-create", args=[activity.pk]): own,
        reverse("workspace:compass-review"): {"ww_policy"},
        reverse("workspace:compass-reflection-create", args=[compass.pk]): EDITORS,
        reverse("workspace:compass-reflection", args=[session.pk]): EDITORS,
        reverse("workspace:compass-reflection-edit", args=[session.pk]): EDITORS,
    }


def expected(url: str, allowed: set[str], persona: str) -> int | str:
    if persona in NOT_LOGGED_IN:
        return LOGIN
    if persona in allowed:
        return OK
    # Meerssen's application manager holds an editing role, but these objects are Waalwijk's.
    if persona == "ms_application_manager" and "/kompas/" in url and re.search(r"/\d+/", url):
        return NOT_FOUND
    return FORBIDDEN


@pytest.mark.parametrize("persona", EVERYONE)
def test_every_compass_page_for_every_persona(client_as, cycle, persona):
    client = client_as(persona)
    for url, allowed in pages(cycle).items():
        events_before = AuditEvent.objects.count()
        response = client.get(url)
        outcome = expected(url, allowed, persona)
        if outcome == LOGIN:
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("accounts:login")), url
        else:
            assert response.status_code == outcome, (url, persona)
        assert AuditEvent.objects.count() == events_before, url


def test_the_compass_module_opens_for_those_who_keep_it_and_partners_who_report(client_as):
    link = f'href="{reverse("workspace:compass")}"'
    for persona in ("ww_policy", "ww_application_manager", "ww_offer_maintainer", "ww_caseworker"):
        assert link in client_as(persona).get(reverse("workspace:home")).content.decode(), persona
    for persona in ("ww_early_signals", "ww_auditor"):
        assert link not in client_as(persona).get(reverse("workspace:home")).content.decode(), persona


# --- keeping the compass --------------------------------------------------------------------------


COMPASS_FORM = {
    "title": "Samen tegen armoede 2025-2028",
    "start_year": "2025",
    "horizon_years": "4",
    "approach": "breed",
    "local_picture": "Een taboe houdt armoede onzichtbaar.",
    "ambitions": "Armoede eerder zien.",
}


@pytest.mark.parametrize("persona", EVERYONE)
def test_only_the_keepers_start_a_compass(client_as, world, persona):
    events_before = AuditEvent.objects.count()
    response = client_as(persona).post(reverse("workspace:compass-create"), COMPASS_FORM)
    if persona in EDITORS | {"ms_application_manager"}:
        assert response.status_code == 302
        compass = Compass.objects.get()
        municipality = world.meerssen if persona.startswith("ms_") else world.waalwijk
        assert compass.municipality == municipality
        assert AuditEvent.objects.filter(action="compass.create", municipality_id=municipality.pk).count() == 1
        return
    assert response.status_code in {302, 403}
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not Compass.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_the_policy_officer_builds_the_cycle_through_the_pages(client_as, world):
    client = client_as("ww_policy")
    response = client.post(reverse("workspace:compass-create"), COMPASS_FORM)
    compass = Compass.objects.get()
    assert response["Location"] == reverse("workspace:compass-detail", args=[compass.pk])

    response = client.post(
        reverse("workspace:compass-result-create", args=[compass.pk]),
        {
            "target_group": "gezinnen met kinderen",
            "statement": "minder gezinnen met kinderen in Waalwijk schulden hebben",
            "domain": "inkomen",
            "position": "1",
        },
    )
    assert response.status_code == 302
    result = SocietalResult.objects.get()
    response = client.post(
        reverse("workspace:compass-indicator-create", args=[result.pk]),
        {
            "monitor_indicator": "",
            "operational_code": "compass.activities_better_off",
            "baseline_value": "12,5",
            "baseline_date": "2025-01-01",
            "target_value": "75",
            "polarity": "hoger_beter",
        },
    )
    assert response.status_code == 302
    assert ResultIndicator.objects.get().baseline_value == 12.5
    response = client.post(
        reverse("workspace:compass-activity-create", args=[compass.pk]),
        {
            "name": "Eén voordeur in de wijk",
            "description": "Een vast spreekuur in het wijkcentrum.",
            "results": [result.pk],
            "carriers": [world.ww_foodbank.pk],
            "evidence_level": "goed_beschreven",
            "evidence_source": "Databank Effectieve sociale interventies",
            "evidence_url": "https://www.movisie.nl/",
            "mechanism": "Minder schaarste-stress.",
            "training": "Training omgaan met schaarste.",
            "methods": "Eén intake.",
            "conditions": "Een ruimte in het wijkcentrum.",
        },
    )
    activity = Activity.objects.get()
    assert response["Location"] == reverse("workspace:compass-activity", args=[activity.pk])
    assert (activity.training, list(activity.carriers.all())) == ("Training omgaan met schaarste.", [world.ww_foodbank])
    response = client.post(
        reverse("workspace:compass-measure-create", args=[activity.pk]),
        {"question": "beter_af", "name": "Gezinnen met een betalingsregeling", "kind": "aantal", "unit": "gezinnen"},
    )
    assert response.status_code == 302
    response = client.post(reverse("workspace:compass-periods", args=[compass.pk]), {"code": "2025-Q1"})
    assert response.status_code == 302
    assert ReportingPeriod.objects.get().ends_on == date(2025, 3, 31)

    page = client.get(reverse("workspace:compass-detail", args=[compass.pk])).content.decode()
    assert "minder gezinnen met kinderen in Waalwijk schulden hebben" in page
    assert "Eén voordeur in de wijk" in page
    assert "Gezinnen met een betalingsregeling" in page


def test_a_form_with_mistakes_says_what_is_wrong_and_saves_nothing(client_as, cycle):
    response = client_as("ww_policy").post(
        reverse("workspace:compass-indicator-create", args=[cycle.result.pk]),
        {
            "monitor_indicator": "",
            "operational_code": "",
            "baseline_value": "veel",
            "target_value": "1",
            "polarity": "x",
        },
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "meedoen-error-summary" in content
    assert not ResultIndicator.objects.exists()


def test_hostile_text_is_shown_as_text(client_as, cycle):
    client = client_as("ww_policy")
    client.post(
        reverse("workspace:compass-result-edit", args=[cycle.result.pk]),
        {"target_group": HOSTILE, "statement": HOSTILE, "domain": "inkomen", "position": "0"},
    )
    page = client.get(reverse("workspace:compass-detail", args=[cycle.compass.pk])).content.decode()
    assert HOSTILE not in page
    assert "&lt;script&gt;" in page


def test_a_period_is_closed_by_the_keepers_only(client_as, cycle):
    url = reverse("workspace:compass-period-close", args=[cycle.period.pk])
    for persona in ("ww_offer_maintainer", "ww_caseworker", "ww_auditor"):
        assert client_as(persona).post(url).status_code == 403
    assert client_as("ms_application_manager").post(url).status_code == 404
    cycle.period.refresh_from_db()
    assert not cycle.period.is_closed
    assert client_as("ww_application_manager").post(url).status_code == 302
    cycle.period.refresh_from_db()
    assert cycle.period.is_closed


# --- partners report, the policy officer reviews --------------------------------------------------


def measurement_form(cycle, **changes):
    data = {"measure": cycle.measure.pk, "period": cycle.period.pk, "value": "25", "base": "", "note": ""}
    data.update(changes)
    return data


def test_a_partner_reports_and_submits_a_value_for_their_activity(client_as, world, cycle):
    client = client_as("ww_offer_maintainer")
    url = reverse("workspace:compass-measurement-create", args=[cycle.activity.pk])
    assert client.post(url, measurement_form(cycle)).status_code == 302
    measurement = Measurement.objects.get()
    assert (measurement.status, measurement.organisation, measurement.value) == ("concept", world.ww_foodbank, 25)
    page = client.get(reverse("workspace:compass-reporting")).content.decode()
    assert f'id="measurement-{measurement.pk}"' in page
    response = client.post(reverse("workspace:compass-measurement-submit", args=[measurement.pk]))
    assert response.status_code == 302
    measurement.refresh_from_db()
    assert measurement.status == "ingediend"
    # Submitted values are no longer the partner's to change.
    assert client.get(reverse("workspace:compass-measurement-edit", args=[measurement.pk])).status_code == 403


def test_a_partner_submits_in_one_go(client_as, cycle):
    url = reverse("workspace:compass-measurement-create", args=[cycle.activity.pk])
    client_as("ww_offer_maintainer").post(url, {**measurement_form(cycle), "action": "submit"})
    assert Measurement.objects.get().status == "ingediend"


@pytest.mark.parametrize("persona", ["ww_caseworker", "ww_policy", "ww_application_manager", "ww_auditor"])
def test_staff_whose_organisation_does_not_carry_the_activity_cannot_report_on_it(client_as, cycle, persona):
    url = reverse("workspace:compass-measurement-create", args=[cycle.activity.pk])
    response = client_as(persona).post(url, {**measurement_form(cycle), "action": "submit"})
    assert response.status_code == 403
    assert not Measurement.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_partner_cannot_touch_another_partners_value(client_as, world, cycle):
    theirs = MeasurementFactory(
        measure=cycle.measure, period=cycle.period, organisation=world.ww_team, status=Measurement.Status.DRAFT
    )
    client = client_as("ww_offer_maintainer")
    assert client.get(reverse("workspace:compass-measurement-edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("workspace:compass-measurement-submit", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Measurement.Status.DRAFT


def test_a_value_for_a_closed_period_is_refused_on_the_page_with_the_reason(client_as, cycle):
    url = reverse("workspace:compass-measurement-create", args=[cycle.activity.pk])
    client = client_as("ww_offer_maintainer")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the reason is read in English here
    response = client.post(url, {**measurement_form(cycle, period=cycle.closed_period.pk), "action": "submit"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "2025-Q1" in content
    assert "was closed by the municipality" in content
    assert not Measurement.objects.exists()


def test_a_partner_corrects_a_value_that_was_sent_back(client_as, world, cycle):
    returned = MeasurementFactory(
        measure=cycle.measure,
        period=cycle.period,
        organisation=world.ww_foodbank,
        value=130,
        status=Measurement.Status.RETURNED,
        review_note="Telt u gezinnen of uitgiftes?",
    )
    client = client_as("ww_offer_maintainer")
    url = reverse("workspace:compass-measurement-edit", args=[returned.pk])
    assert 'value="130"' in client.get(url).content.decode()
    # What the value is about stays: a changed period in the request is ignored.
    response = client.post(
        url, {**measurement_form(cycle, period=cycle.closed_period.pk, value="96"), "action": "submit"}
    )
    assert response.status_code == 302
    returned.refresh_from_db()
    assert (returned.value, returned.period, returned.status) == (96, cycle.period, Measurement.Status.SUBMITTED)


@pytest.mark.parametrize("persona", [p for p in EVERYONE if p != "ww_policy"])
def test_only_the_policy_officer_approves_or_sends_back(client_as, world, cycle, persona):
    submitted = MeasurementFactory(
        measure=cycle.measure, period=cycle.period, organisation=world.ww_foodbank, status=Measurement.Status.SUBMITTED
    )
    client = client_as(persona)
    for name, data in (("compass-measurement-approve", {}), ("compass-measurement-return", {"reason": "klopt niet"})):
        response = client.post(reverse(f"workspace:{name}", args=[submitted.pk]), data)
        assert response.status_code in {302, 403, 404}
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:login"))
    submitted.refresh_from_db()
    assert submitted.status == Measurement.Status.SUBMITTED
    assert not AuditEvent.objects.filter(action__startswith="measurement.").exists()


def test_the_policy_officer_approves_and_sends_back_with_a_reason(client_as, world, cycle):
    first = MeasurementFactory(
        measure=cycle.measure, period=cycle.period, organisation=world.ww_foodbank, status=Measurement.Status.SUBMITTED
    )
    second = MeasurementFactory(
        measure=PerformanceMeasure.objects.create(
            activity=cycle.activity, question="hoe_goed", name="Snel", kind="aantal"
        ),
        period=cycle.period,
        organisation=world.ww_foodbank,
        status=Measurement.Status.SUBMITTED,
    )
    client = client_as("ww_policy")
    queue = client.get(reverse("workspace:compass-review")).content.decode()
    assert f'id="measurement-{first.pk}"' in queue
    client.post(reverse("workspace:compass-measurement-approve", args=[first.pk]))
    response = client.post(reverse("workspace:compass-measurement-return", args=[second.pk]), {"reason": ""})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == Measurement.Status.SUBMITTED  # a reason is required
    client.post(reverse("workspace:compass-measurement-return", args=[second.pk]), {"reason": "Telt u gezinnen?"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.review_note) == ("goedgekeurd", "teruggestuurd", "Telt u gezinnen?")
    page = client_as("ww_offer_maintainer").get(reverse("workspace:compass-reporting")).content.decode()
    assert "Telt u gezinnen?" in page


# --- figures: only approved values, never below 10 -----------------------------------------------


def figure_cell(content: str, measure_pk: int, period_pk: int) -> str:
    match = re.search(rf'id="figure-{measure_pk}-{period_pk}">([^<]*)<', content)
    assert match is not None
    return match.group(1)


def test_only_approved_values_count_in_the_figures(client_as, world, cycle):
    MeasurementFactory(measure=cycle.measure, period=cycle.period, organisation=world.ww_foodbank, value=40)
    MeasurementFactory(
        measure=cycle.measure,
        period=cycle.period,
        organisation=world.ww_team,
        value=500,
        status=Measurement.Status.SUBMITTED,
    )
    MeasurementFactory(
        measure=cycle.measure,
        period=cycle.closed_period,
        organisation=world.ww_foodbank,
        value=300,
        status=Measurement.Status.DRAFT,
    )
    page = client_as("ww_policy").get(reverse("workspace:compass-activity", args=[cycle.activity.pk])).content.decode()
    assert figure_cell(page, cycle.measure.pk, cycle.period.pk) == "40"
    assert figure_cell(page, cycle.measure.pk, cycle.closed_period.pk) == "\u2013"
    # Neither the submitted nor the draft value is shown anywhere on the page. (Its text only: ids in
    # links and tokens may hold any digits.)
    shown_text = " ".join(re.findall(r">([^<]*)<", page))
    assert "500" not in shown_text
    assert "300" not in shown_text


def test_a_count_below_10_shows_as_less_than_10_everywhere(client_as, world, cycle):
    MeasurementFactory(measure=cycle.measure, period=cycle.period, organisation=world.ww_foodbank, value=7)
    MeasurementFactory(
        measure=cycle.measure,
        period=cycle.closed_period,
        organisation=world.ww_foodbank,
        value=3,
        status=Measurement.Status.SUBMITTED,
    )
    activity_page = client_as("ww_policy").get(reverse("workspace:compass-activity", args=[cycle.activity.pk]))
    assert figure_cell(activity_page.content.decode(), cycle.measure.pk, cycle.period.pk) == "&lt; 10"
    review = client_as("ww_policy").get(reverse("workspace:compass-review")).content.decode()
    reporting = client_as("ww_offer_maintainer").get(reverse("workspace:compass-reporting")).content.decode()
    for content in (review, reporting):
        rows = [row for row in re.split(r"<tr\b", content) if 'id="measurement-' in row]
        assert rows
        for row in rows:
            assert "&lt; 10" in row
            assert not re.search(r">\s*[37]\s*<", row)


def test_stories_are_for_the_keepers_and_the_carrying_partners(client_as, world, cycle):
    url = reverse("workspace:compass-story-create", args=[cycle.activity.pk])
    response = client_as("ww_offer_maintainer").post(
        url, {"period": cycle.period.pk, "title": "Eindelijk durven bellen", "text": "Ze opent haar post weer."}
    )
    assert response.status_code == 302
    assert Story.objects.get().organisation == world.ww_foodbank
    activity_url = reverse("workspace:compass-activity", args=[cycle.activity.pk])
    for persona in ("ww_policy", "ww_offer_maintainer"):
        assert "Eindelijk durven bellen" in client_as(persona).get(activity_url).content.decode()
    assert "Eindelijk durven bellen" not in client_as("ww_caseworker").get(activity_url).content.decode()


# --- the improvement cycle -----------------------------------------------------------------------


def test_a_reflection_session_with_actions_through_the_pages(client_as, cycle):
    client = client_as("ww_application_manager")
    response = client.post(
        reverse("workspace:compass-reflection-create", args=[cycle.compass.pk]),
        {
            "held_on": "2026-01-20",
            "topic": "Terugblik najaar",
            "participants": "inwoners, jongeren en partners",
            "findings": "Ouderen kennen de buspas niet.",
            "decisions": "De pas wordt automatisch verstrekt.",
        },
    )
    session = ReflectionSession.objects.get()
    assert response["Location"] == reverse("workspace:compass-reflection", args=[session.pk])
    url = reverse("workspace:compass-reflection", args=[session.pk])
    response = client.post(
        url, {"description": "Brief aan ouderen", "owner": "team Werk en Inkomen", "due_on": "2026-03-01"}
    )
    assert response.status_code == 302
    action = FollowUpAction.objects.get()
    assert (
        client_as("ww_offer_maintainer").post(reverse("workspace:compass-action-done", args=[action.pk])).status_code
        == 403
    )
    client.post(reverse("workspace:compass-action-done", args=[action.pk]))
    action.refresh_from_db()
    assert action.done_on == timezone.localdate()


def test_a_turn_the_curve_sheet_through_the_pages(client_as, world, cycle):
    indicator = ResultIndicator.objects.create(
        result=cycle.result,
        operational_code="compass.approved_measurements",
        baseline_value=20,
        baseline_date=date(2025, 1, 1),
        target_value=40,
        polarity="hoger_beter",
    )
    client = client_as("ww_policy")
    response = client.post(
        reverse("workspace:compass-turn-the-curve", args=[indicator.pk]),
        {
            "forecast_value": "22",
            "story": "Partners melden nog niet elk kwartaal.",
            "partners": [world.ww_foodbank.pk],
            "other_partners": "",
            "what_works": "Een vaste dag om te melden.",
            "action_plan": "Herinnering aan het eind van elk kwartaal.",
        },
    )
    assert response.status_code == 302
    assert list(TurnTheCurve.objects.get().partners.all()) == [world.ww_foodbank]
    page = client_as("ww_offer_maintainer").get(reverse("workspace:compass-indicator", args=[indicator.pk])).content
    assert "Herinnering aan het eind van elk kwartaal." in page.decode()


def test_a_result_indicator_shows_its_live_figure(client_as, world, cycle):
    ResultIndicator.objects.create(
        result=cycle.result,
        operational_code="compass.approved_measurements",
        baseline_value=3,
        baseline_date=date(2025, 1, 1),
        target_value=40,
        polarity="hoger_beter",
    )
    page = client_as("ww_policy").get(reverse("workspace:compass-detail", args=[cycle.compass.pk])).content.decode()
    row = next(part for part in re.split(r"<tr\b", page) if 'id="indicator-' in part)
    # A baseline of 3 is a count below 10, and so is the live figure of no approved values yet.
    assert row.count("&lt; 10") >= 2
