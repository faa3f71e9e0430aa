"""Only the early-signalling officers of a municipality read its cases; opening a case is recorded
in the audit log before the personal data is returned. Everyone else is refused, and nothing is
recorded or changed for them."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from meedoen.accounts.tests.factories import TOTPDeviceFactory, UserFactory
from meedoen.core.access import ANONYMOUS, Actor, Role, grants_from
from meedoen.core.models import AuditEvent
from meedoen.early_signals.models import Case, ContactAttempt, CreditorAgreement
from meedoen.early_signals.selectors import CaseNotFoundError, case_detail, cases_of_municipality
from meedoen.early_signals.services import attempt_record, case_close
from meedoen.early_signals.tests.factories import deliver_rows, signal_row
from meedoen.ledger.models import Entry
from meedoen.organisations.models import Membership
from meedoen.organisations.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PURPOSE = "first offer of a conversation"
REFUSED_PERSONAS = [
    "anonymous",
    "resident",
    "no_second_factor",
    "no_role",
    "ww_policy",
    "ww_caseworker",
    "ww_offer_maintainer",
    "ww_application_manager",
    "ww_auditor",
    "ms_auditor",
    "ww_signal_deliverer",
]


def actor_for(user) -> Actor:
    """The actor the middleware builds for this user after both login steps."""
    if user is None:
        return ANONYMOUS
    verified = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    rows = Membership.objects.filter(user=user).values_list("municipality_id", "organisation_id", "role")
    return Actor(
        user_id=user.pk,
        label=user.username,
        grants=grants_from(rows) if verified else frozenset(),
        resident_ref=user.resident_ref,
        second_factor=verified,
    )


@pytest.fixture
def officers(world, personas):
    meerssen = UserFactory(username="ms-vroeg")
    TOTPDeviceFactory(user=meerssen)
    MembershipFactory(
        user=meerssen, organisation=world.ms_team, municipality=world.meerssen, role=Role.EARLY_SIGNALS_OFFICER
    )
    return {"waalwijk": actor_for(personas["ww_early_signals"]), "meerssen": actor_for(meerssen)}


@pytest.fixture
def cases(creditors, world):
    """A case in Waalwijk (with a BSN) and one in Meerssen."""
    deliver_rows(creditors.housing, signal_row(bsn="111222333"))
    deliver_rows(
        creditors.water,
        signal_row(creditor_reference="WB-1", municipality="GM0938", postcode="6241 ZT", city="Bunde"),
    )
    return {
        "waalwijk": Case.objects.get(municipality=world.waalwijk),
        "meerssen": Case.objects.get(municipality=world.meerssen),
    }


def reads() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=AuditEvent.Kind.READ))


def test_an_officer_lists_the_cases_of_their_municipality_without_personal_data(officers, cases, world):
    listed = cases_of_municipality(actor=officers["waalwijk"], municipality_id=world.waalwijk.pk)

    assert [case.uuid for case in listed] == [cases["waalwijk"].uuid]
    assert listed[0].signal_count == 1
    assert reads() == []


def test_an_officer_opens_a_case_and_the_read_is_recorded_first(officers, cases, world):
    from meedoen.accounts.pseudonyms import resident_ref_for_bsn

    case = cases["waalwijk"]

    detail = case_detail(actor=officers["waalwijk"], case_id=case.uuid, purpose=PURPOSE)

    assert [(s.surname, s.postcode, s.creditor) for s in detail.signals] == [
        ("Voorbeeld", "5141 ZX", "Woonstichting Langstraat")
    ]
    recorded = reads()
    assert sorted(event.subject_ref for event in recorded) == sorted(
        [case.household_ref, resident_ref_for_bsn("111222333")]
    )
    event = recorded[0]
    assert (event.actor_label, event.reason, event.municipality_id, event.organisation_id) == (
        "ww-vroeg",
        PURPOSE,
        world.waalwijk.pk,
        world.ww_team.pk,
    )
    assert (event.object_type, event.object_id) == ("early_signals.case", str(case.pk))
    assert "surname" in event.details["fields"]


def test_other_roles_cannot_list_cases(cases, personas, world):
    for persona in REFUSED_PERSONAS:
        with pytest.raises(PermissionDenied):
            cases_of_municipality(actor=actor_for(personas[persona]), municipality_id=world.waalwijk.pk)
            pytest.fail(f"{persona} listed the cases")


def test_other_roles_cannot_open_a_case_and_no_read_is_recorded(cases, personas):
    for persona in REFUSED_PERSONAS:
        with pytest.raises((PermissionDenied, CaseNotFoundError)):
            case_detail(actor=actor_for(personas[persona]), case_id=cases["waalwijk"].uuid, purpose=PURPOSE)
            pytest.fail(f"{persona} opened the case")

    assert reads() == []


def test_an_officer_of_another_municipality_is_refused(officers, cases, world):
    with pytest.raises(PermissionDenied):
        cases_of_municipality(actor=officers["meerssen"], municipality_id=world.waalwijk.pk)
    with pytest.raises(CaseNotFoundError):
        case_detail(actor=officers["meerssen"], case_id=cases["waalwijk"].uuid, purpose=PURPOSE)

    assert reads() == []
    assert [c.uuid for c in cases_of_municipality(actor=officers["meerssen"], municipality_id=world.meerssen.pk)] == [
        cases["meerssen"].uuid
    ]


def test_an_officer_without_a_second_factor_sees_nothing(officers, cases, world):
    officer = officers["waalwijk"]
    unverified = Actor(user_id=officer.user_id, label=officer.label, grants=officer.grants, second_factor=False)

    with pytest.raises(PermissionDenied):
        cases_of_municipality(actor=unverified, municipality_id=world.waalwijk.pk)
    with pytest.raises(PermissionDenied):
        case_detail(actor=unverified, case_id=cases["waalwijk"].uuid, purpose=PURPOSE)
    assert reads() == []


def test_an_officer_closes_a_case_and_the_log_records_it(officers, cases, world):
    attempt_record(
        actor=officers["waalwijk"],
        case=cases["waalwijk"],
        organisation=world.ww_team,
        channel=ContactAttempt.Channel.PHONE,
        attempted_at=timezone.now(),
        reached=True,
    )
    case = case_close(
        actor=officers["waalwijk"],
        case=cases["waalwijk"],
        organisation=world.ww_team,
        outcome=Case.Outcome.REFERRED_DEBT_HELP,
    )

    assert (case.status, case.outcome) == (Case.Status.CLOSED, Case.Outcome.REFERRED_DEBT_HELP)
    closed = Entry.objects.get(kind="signal.case_closed")
    assert closed.acting_organisation == world.ww_team
    assert AuditEvent.objects.filter(action="early_signals.case.close", subject_ref=case.household_ref).count() == 1


def test_other_roles_cannot_close_a_case_and_nothing_changes(cases, personas, world):
    for persona in REFUSED_PERSONAS:
        with pytest.raises(PermissionDenied):
            case_close(
                actor=actor_for(personas[persona]),
                case=cases["waalwijk"],
                organisation=world.ww_team,
                outcome=Case.Outcome.QUICK_FIX,
            )
            pytest.fail(f"{persona} closed the case")

    assert Case.objects.get(pk=cases["waalwijk"].pk).status == Case.Status.NEW
    assert not Entry.objects.filter(kind="signal.case_closed").exists()


def test_an_officer_of_another_municipality_cannot_close_a_case(officers, cases, world):
    with pytest.raises(PermissionDenied):
        case_close(
            actor=officers["meerssen"],
            case=cases["waalwijk"],
            organisation=world.ms_team,
            outcome=Case.Outcome.QUICK_FIX,
        )

    assert Case.objects.get(pk=cases["waalwijk"].pk).status == Case.Status.NEW


def test_agreements_are_made_by_the_municipalitys_application_manager(creditors, personas, world):
    from meedoen.early_signals.services import agreement_set

    with pytest.raises(PermissionDenied):
        agreement_set(
            actor=actor_for(personas["ms_application_manager"]),
            organisation=creditors.insurer,
            municipality=world.waalwijk,
        )
    assert not CreditorAgreement.objects.filter(organisation=creditors.insurer).exists()

    agreement_set(
        actor=actor_for(personas["ww_application_manager"]), organisation=creditors.insurer, municipality=world.waalwijk
    )

    assert CreditorAgreement.objects.get(organisation=creditors.insurer).active
