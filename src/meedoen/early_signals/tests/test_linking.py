"""Signals about one household, from several creditors and over several months, join one case,
despite spelling variants and diacritics; other people at the same address do not."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from meedoen.core.access import Actor, Grant, Role
from meedoen.early_signals.linking import (
    Person,
    edit_distance,
    fold,
    initials_of,
    likeness,
    same_person,
    surname_key,
)
from meedoen.early_signals.models import Case, Signal
from meedoen.early_signals.services import case_close
from meedoen.early_signals.tests.factories import deliver_rows, signal_row, unanswered_letter

BORN = date(1984, 3, 17)
pytestmark = pytest.mark.django_db


# --- the rules ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Öztürk", "ozturk"),
        ("Çelik", "celik"),
        ("Ngô Thị", "ngo thi"),
        ("Bijl", "byl"),
        ("O'Neill-Smit", "o neill smit"),
    ],
)
def test_folding_drops_diacritics_case_and_punctuation(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("surname", "prefix"),
    [("van der Berg", ""), ("Berg", "van der"), ("BERG", "v.d."), ("Van Der Berg", "")],
)
def test_surname_prefixes_are_set_aside(surname, prefix):
    assert surname_key(surname, prefix) == "berg"


@pytest.mark.parametrize(
    ("surname", "key"),
    [
        ("Jansen-de Vries", "jansen-vries"),
        ("Jansen de Vries", "jansen-vries"),
        ("Jansen \u2013 van der Berg", "jansen-berg"),
        ("Schimmelpenninck van der Oye", "schimmelpenninck-oye"),
        ("'s-Gravesande", "gravesande"),
        ("Van-Dijk", "dyk"),
        ("De", "de"),
        ("Bos\u2011Jansen", "bos-jansen"),  # the non-breaking hyphen of a word processor
        ("Bos Jansen", "bosjansen"),  # no prefix between them: one name, as written
        ("Nguyen Le", "nguyenle"),  # prefixes that end a name belong to it
        ("Tran-Le", "tran-le"),
    ],
)
def test_the_parts_of_a_double_surname_are_kept_apart(surname, key):
    assert surname_key(surname) == key


def test_initials_come_from_initials_or_given_names():
    assert initials_of("J.P.") == "JP"
    assert initials_of("", "Jan Pieter") == "JP"
    assert initials_of("", "") == ""


def test_edit_distance_counts_a_swap_of_neighbours_as_one():
    assert edit_distance("jansen", "janssen") == 1
    assert edit_distance("jansen", "jasnen") == 1
    assert edit_distance("bakker", "backer") == 1
    assert edit_distance("smit", "jansen") == 6


def person(surname: str, initials: str = "J", born: date = BORN, resident_ref: str = "") -> Person:
    return Person(
        surname=surname_key(surname), initials=initials_of(initials), date_of_birth=born, resident_ref=resident_ref
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (person("Jansen"), person("Janssen")),
        (person("Öztürk"), person("Ozturk")),
        (person("de Vries"), person("Vries")),
        (person("Bijl"), person("Byl")),
        (person("Voorbeeld", "J.P."), person("Voorbeeld", "J.")),
        (person("Voorbeeld", ""), person("Voorbeeld", "K.")),
        (person("Verzonnenhuizen"), person("Verzonenhuisen")),
        (person("Jansen-de Vries", "J.M."), person("de Vries", "J.M.")),
        (person("Jansen-de Vries"), person("Jansen")),
        (person("Jansen-de Vries", ""), person("Jansen de Vries", "")),
        (person("Bos-van Dijk", ""), person("van Dyk-Bos")),
        (person("Tran-Le"), person("Le")),
        (person("Nguyen Le"), person("Nguyen-Le")),
    ],
)
def test_spelling_variants_are_the_same_person(a, b):
    assert same_person(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (person("Voorbeeld", "J."), person("Voorbeeld", "K.")),
        (person("Voorbeeld"), person("Voorbeeld", born=date(1984, 3, 18))),
        (person("Smit"), person("Smid-Jansen")),
        # A part is matched exactly: a typing error and another name at once is another person.
        (person("Bos-Jansen"), person("Vos")),
        # Two double surnames sharing one part: two women married to brothers.
        (person("Bos-Jansen"), person("Bos-Pietersen")),
        (person("Jansen-de Vries"), person("Jansen-Bakker")),
        # A part alone needs initials on both sides that agree in full (a partner may carry it).
        (person("Jansen-de Vries", "J.M."), person("Jansen", "J.")),
        (person("Jansen-de Vries", ""), person("Jansen", "J.")),
        (person("Nguyen"), person("Nguyen Le")),
        (person("Bakker"), person("Backers")),
        (person("Voorbeeld", resident_ref="a" * 64), person("Voorbeeld", resident_ref="b" * 64)),
    ],
)
def test_other_people_are_not_the_same_person(a, b):
    assert not same_person(a, b)


def test_of_two_people_linking_takes_for_one_the_likeliest_has_the_same_given_name_initials_and_surname():
    jolien = Person("voorbeeld", "J", BORN, given_name="jolien")
    joost = Person("voorbeeld", "J", BORN, given_name="joost")
    initials_only = Person("voorbeeld", "J", BORN)
    misspelt = Person("voorbeeldt", "JM", BORN, given_name="jolien")
    assert same_person(jolien, joost) and same_person(jolien, misspelt) and same_person(jolien, initials_only)

    assert likeness(jolien, jolien) == 4
    assert likeness(jolien, joost) == likeness(jolien, initials_only) == likeness(initials_only, jolien) == 2
    assert likeness(jolien, misspelt) == 2  # the given name, not the initials nor the spelling
    assert likeness(initials_only, initials_only) == 2  # no given name on either side: nothing to compare
    assert likeness(jolien, Person("voorbeeld", "JM", BORN, given_name="jolien maria")) == 3  # her first name
    with_bsn = Person("voorbeeld", "J", BORN, resident_ref="a1")
    assert likeness(with_bsn, with_bsn) == 10 > likeness(jolien, jolien)


def test_the_bsn_pseudonym_decides_when_both_have_one():
    assert same_person(person("Voorbeeld", resident_ref="a" * 64), person("Anders", "K.", resident_ref="a" * 64))


# --- cases -----------------------------------------------------------------------------------------------


def officer_of(world) -> Actor:
    return Actor(
        user_id=99,
        label="ww-vroeg",
        grants=frozenset({Grant(world.waalwijk.pk, world.ww_team.pk, Role.EARLY_SIGNALS_OFFICER)}),
        second_factor=True,
    )


def test_signals_of_several_creditors_about_one_household_join_one_case(creditors):
    deliver_rows(creditors.housing, signal_row(initials="J.", surname_prefix="van", surname="Voorbeeld"))
    deliver_rows(
        creditors.energy,
        signal_row(
            creditor_reference="EV-77",
            initials="",
            given_name="Jolién",
            surname_prefix="",
            surname="Van Voorbeelt",
            postcode="5141zx",
            signal_kind="arrears",
        ),
    )

    case = Case.objects.get()
    assert (case.signal_count, case.creditor_count, case.priority) == (2, 2, 3)
    assert set(case.signals.values_list("creditor__slug", flat=True)) == {creditors.housing.slug, creditors.energy.slug}


def test_a_double_surname_and_one_of_its_parts_join_one_case(creditors):
    deliver_rows(creditors.housing, signal_row(surname_prefix="", surname="Voorbeeld-de Verzonnen"))
    deliver_rows(
        creditors.energy,
        signal_row(creditor_reference="EV-78", surname_prefix="de", surname="Verzonnen", signal_kind="arrears"),
    )

    case = Case.objects.get()
    assert (case.signal_count, case.creditor_count) == (2, 2)


def test_a_repeat_signal_a_month_later_joins_the_open_case_and_raises_its_priority(creditors):
    deliver_rows(creditors.housing, signal_row())
    with time_machine.travel(date(2026, 4, 20), tick=False):
        deliver_rows(
            creditors.housing,
            signal_row(
                creditor_reference="WS-0002", surname="Voorbéeld", signal_date="2026-04-17", months_in_arrears=3
            ),
        )

    case = Case.objects.get()
    assert (case.signal_count, case.creditor_count, case.priority) == (2, 1, 2)


def test_another_person_at_the_same_address_gets_a_case_of_their_own(creditors):
    deliver_rows(creditors.housing, signal_row())
    deliver_rows(
        creditors.energy,
        signal_row(
            creditor_reference="EV-1", initials="K.", given_name="Kees", surname="Verzonnen", date_of_birth="1971-11-02"
        ),
    )

    assert Case.objects.count() == 2


def test_the_same_name_at_another_dwelling_of_the_building_is_another_case(creditors):
    deliver_rows(creditors.housing, signal_row(house_number_addition="A"))
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-1", house_number_addition="B"))
    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-2", house_number_addition="a"))

    assert sorted(Case.objects.values_list("signal_count", flat=True)) == [1, 2]


def test_the_same_household_in_another_municipality_is_another_case(creditors, world):
    from meedoen.early_signals.models import CreditorAgreement

    CreditorAgreement.objects.create(organisation=creditors.energy, municipality=world.meerssen)
    # The same address in two municipalities cannot happen; it shows that cases never cross tenants.
    deliver_rows(creditors.energy, signal_row())
    deliver_rows(
        creditors.energy,
        signal_row(creditor_reference="EV-2", municipality="GM0938"),
    )

    assert sorted(Case.objects.values_list("municipality__code", flat=True)) == ["GM0867", "GM0938"]


def test_a_signal_after_the_case_was_closed_opens_a_new_case_for_the_same_household(creditors, world):
    deliver_rows(creditors.housing, signal_row())
    first = Case.objects.get()
    unanswered_letter(first, world.ww_team)
    case_close(actor=officer_of(world), case=first, organisation=world.ww_team, outcome=Case.Outcome.NO_CONTACT)

    deliver_rows(creditors.housing, signal_row(creditor_reference="WS-0002"))

    second = Case.objects.exclude(pk=first.pk).get()
    assert second.status == Case.Status.NEW
    assert second.household_ref == first.household_ref
    assert Signal.objects.get(creditor_reference="WS-0002").case == second


def test_a_threatening_signal_raises_priority_and_brings_the_deadline_forward(creditors):
    deliver_rows(creditors.housing, signal_row())
    regular = Case.objects.get()
    assert (regular.priority, regular.threatening, regular.first_offer_due) == (1, False, date(2026, 4, 17))

    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-1", signal_kind="end_of_supply"))

    case = Case.objects.get()
    assert (case.priority, case.threatening, case.first_offer_due) == (1 + 2 + 5, True, date(2026, 3, 25))


def test_a_case_holds_no_name_or_address(creditors):
    deliver_rows(creditors.housing, signal_row())

    values = " ".join(str(value) for value in Case.objects.values().get().values()).lower()
    for personal in ("voorbeeld", "jolien", "5141 zx", "verzonnenstraat", "1984-03-17", "waalwijk"):
        assert personal not in values
