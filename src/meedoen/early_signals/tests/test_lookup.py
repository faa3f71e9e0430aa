"""Finding a case when a household or a creditor calls: by case number, reference or address; only
within the officer's municipality, and every case found is a recorded read."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied

from meedoen.accounts.pseudonyms import resident_ref_for_bsn
from meedoen.accounts.tests.factories import UserFactory
from meedoen.core.access import Actor, Grant, Role
from meedoen.core.models import AuditEvent
from meedoen.early_signals.lookup import BY_ADDRESS, BY_NUMBER, BY_REFERENCE, find_cases, read_query
from meedoen.early_signals.models import Case, case_number
from meedoen.early_signals.selectors import CASE_PURPOSE
from meedoen.early_signals.tests.factories import deliver_rows, signal_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(world) -> Actor:
    return Actor(
        user_id=UserFactory(username="ww-zoeker").pk,
        label="ww-zoeker",
        grants=frozenset({Grant(world.waalwijk.pk, world.ww_team.pk, Role.EARLY_SIGNALS_OFFICER)}),
        second_factor=True,
    )


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("5141 ZX 12", ((BY_ADDRESS, "5141ZX|12|"), (BY_REFERENCE, "5141 ZX 12"))),
        (" 5141 ZX, 12-a ", ((BY_ADDRESS, "5141ZX|12|A"), (BY_REFERENCE, "5141 ZX, 12-a"))),
        ("NL-5141 ZX 12 bis", ((BY_ADDRESS, "5141ZX|12|BIS"), (BY_REFERENCE, "NL-5141 ZX 12 bis"))),
        ("9f3a-c21d", ((BY_NUMBER, "9f3ac21d"), (BY_REFERENCE, "9f3a-c21d"))),
        (" 635C  F8D0", ((BY_NUMBER, "635cf8d0"), (BY_REFERENCE, "635C F8D0"))),
        # Both a case number and a postcode with house number: looked for both ways.
        ("5141ab12", ((BY_NUMBER, "5141ab12"), (BY_ADDRESS, "5141AB|12|"), (BY_REFERENCE, "5141ab12"))),
        ("1234-AB12", ((BY_NUMBER, "1234ab12"), (BY_ADDRESS, "1234AB|12|"), (BY_REFERENCE, "1234-AB12"))),
        ("  ws 0001 ", ((BY_REFERENCE, "ws 0001"),)),
        # Characters nobody types are left out: PostgreSQL cannot compare a NUL.
        ("WS-0001\x00", ((BY_REFERENCE, "WS-0001"),)),
        ("5141\u200bZX 12\ufeff", ((BY_ADDRESS, "5141ZX|12|"), (BY_REFERENCE, "5141ZX 12"))),
        ("\x00 \u202e", ()),
    ],
)
def test_what_the_officer_types_is_read_every_way_it_can_be(typed, read):
    assert read_query(typed) == read


def test_a_case_number_that_also_reads_as_an_address_is_found(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row())
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(uuid=uuid.UUID("019d0a79-1280-79e5-baa9-63ee1234ab12"))
    case.refresh_from_db()
    assert case.number == "1234-AB12"

    found = find_cases(actor=officer, municipality=world.waalwijk, query="1234-AB12")

    assert [summary.uuid for summary in found.cases] == [case.uuid]


def test_a_case_is_found_by_its_number_its_references_and_its_address(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row(house_number_addition="A"))
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-1", house_number_addition="A"))
    deliver_rows(creditors.housing, signal_row(creditor_reference="WS-0002", house_number="14", surname="Ander"))
    case = Case.objects.get(signals__creditor_reference="EV-1")

    for typed in (case.number, case.number.lower().replace("-", ""), "WS-0001", "EV-1", "5141 zx 12a", "5141ZX 12 A"):
        found = find_cases(actor=officer, municipality=world.waalwijk, query=typed)
        assert [summary.uuid for summary in found.cases] == [case.uuid], typed

    assert find_cases(actor=officer, municipality=world.waalwijk, query="5141 ZX 12").cases == ()  # no addition
    assert find_cases(actor=officer, municipality=world.waalwijk, query="WS-9999").cases == ()


def test_open_cases_come_before_closed_ones_at_an_address(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row())
    first = Case.objects.get()
    Case.objects.filter(pk=first.pk).update(status=Case.Status.CLOSED, outcome="declined")
    deliver_rows(creditors.housing, signal_row(creditor_reference="WS-0002"))

    found = find_cases(actor=officer, municipality=world.waalwijk, query="5141 ZX 12")

    assert [summary.status for summary in found.cases] == [Case.Status.NEW, Case.Status.CLOSED]


def test_the_search_and_every_case_found_are_recorded(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row())
    case = Case.objects.get()

    find_cases(actor=officer, municipality=world.waalwijk, query="WS-0001")
    find_cases(actor=officer, municipality=world.waalwijk, query="WS-0404")

    searches = AuditEvent.objects.filter(action="early_signals.case.search").order_by("id")
    assert [event.details for event in searches] == [
        {"by": [BY_REFERENCE], "found": 1},
        {"by": [BY_REFERENCE], "found": 0},
    ]
    assert "WS-0001" not in str([event.details for event in searches])  # what was typed is not kept
    (read,) = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ)
    assert (read.subject_ref, read.reason, read.actor_label) == (case.household_ref, CASE_PURPOSE, "ww-zoeker")


def test_a_case_found_is_a_read_for_each_resident_its_signals_name_by_bsn(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row(bsn="111222333"))
    case = Case.objects.get()

    find_cases(actor=officer, municipality=world.waalwijk, query="5141 ZX 12")

    recorded = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ)
    assert sorted((event.subject_ref, event.details["fields"]) for event in recorded) == sorted(
        [(case.household_ref, ["case_status"]), (resident_ref_for_bsn("111222333"), ["case_status"])]
    )


def test_characters_nobody_types_neither_hide_a_case_nor_fail_the_search(creditors, world, officer):
    deliver_rows(creditors.housing, signal_row())
    case = Case.objects.get()
    searches = AuditEvent.objects.filter(action="early_signals.case.search")

    for typed in ("WS-0001\x00", "\u200bWS-0001", f"{case.number}\x00", "5141 ZX\x00 12"):
        found = find_cases(actor=officer, municipality=world.waalwijk, query=typed)
        assert [summary.uuid for summary in found.cases] == [case.uuid], typed
    recorded = searches.count()
    nothing = find_cases(actor=officer, municipality=world.waalwijk, query="\x00\u202e")

    assert (nothing.searched, nothing.cases) == ((), ())
    assert searches.count() == recorded  # nothing was looked for, so nothing was read


def test_another_municipalitys_cases_are_not_found_and_its_officers_may_not_search_here(creditors, world, officer):
    deliver_rows(creditors.water, signal_row(creditor_reference="WB-1", municipality="GM0938", postcode="6241 ZT"))
    case = Case.objects.get()

    for typed in (case.number, "WB-1", "6241 ZT 12"):
        assert find_cases(actor=officer, municipality=world.waalwijk, query=typed).cases == ()
    with pytest.raises(PermissionDenied):
        find_cases(actor=officer, municipality=world.meerssen, query="WB-1")


def test_a_long_list_is_cut_and_says_so(creditors, world, officer, monkeypatch):
    monkeypatch.setattr("meedoen.early_signals.lookup.MAX_FOUND", 2)
    deliver_rows(creditors.housing, signal_row())
    for number in range(3):
        Case.objects.filter(status=Case.Status.NEW).update(status=Case.Status.CLOSED, outcome="declined")
        deliver_rows(creditors.housing, signal_row(creditor_reference=f"WS-1{number}"))

    found = find_cases(actor=officer, municipality=world.waalwijk, query="5141 ZX 12")

    assert (len(found.cases), found.more) == (2, True)


def test_a_case_number_is_the_random_end_of_its_id():
    assert case_number(uuid.UUID("019d0a79-1280-79e5-baa9-63ee08ae8e6f")) == "08AE-8E6F"
