"""The references of signals and cases are not checked by the database (ADR 0012). What keeps them
whole: Django refuses to delete what a signal refers to, a district that goes is taken off its
cases, and the intake writes only ids it read in the same transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.models import ProtectedError

from meedoen.areas.models import Area, PostcodeArea
from meedoen.early_signals.models import Case, Signal
from meedoen.early_signals.tests.factories import deliver_rows, signal_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(world, creditors) -> Signal:
    top = Area.objects.get(code="GM0867")
    PostcodeArea.objects.create(municipality=top, prefix="5141", area=Area.objects.get(code="WK086700"))
    assert deliver_rows(creditors.housing, signal_row()).receipt.accepted == 1
    return Signal.objects.select_related("case__district", "delivery", "creditor", "municipality").get()


UNCHECKED = {
    Signal: {"case_id", "delivery_id", "creditor_id", "municipality_id"},
    Case: {"municipality_id", "district_id"},
}


def test_the_database_checks_none_of_the_six_references():
    with connection.cursor() as cursor:
        for model, columns in UNCHECKED.items():
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
            keys = [constraint for constraint in constraints.values() if constraint["foreign_key"]]
            checked = {column for constraint in keys for column in constraint["columns"]}
            assert not checked & columns, model.__name__


@pytest.mark.parametrize("parent", ["case", "delivery", "creditor", "municipality"])
def test_what_a_signal_refers_to_cannot_be_deleted(stored, parent):
    referred = getattr(stored, parent)
    with pytest.raises(ProtectedError) as refused, transaction.atomic():
        referred.delete()

    assert stored in refused.value.protected_objects
    assert type(referred).objects.filter(pk=referred.pk).exists()
    assert Signal.objects.filter(pk=stored.pk).exists()


def test_a_district_that_goes_is_taken_off_its_cases(stored):
    district = stored.case.district
    assert district is not None and district.code == "WK086700"

    district.delete()

    assert Case.objects.get(pk=stored.case.pk).district is None


OPERATIONS = Path(__file__).resolve().parents[4] / "docs" / "operations.md"


def documented_checks() -> list[str]:
    """The queries docs/operations.md gives to find signals and cases that refer to nothing."""
    text = OPERATIONS.read_text(encoding="utf-8")
    block = text[text.index("ADR 0012") :]
    block = block[block.index("```sql") + len("```sql") : block.index("```", block.index("```sql") + 6)]
    return [statement.strip() for statement in block.split(";") if statement.strip()]


BROKEN = {
    "case": "UPDATE early_signals_signal SET case_id = %s",
    "delivery": "UPDATE early_signals_signal SET delivery_id = %s",
    "creditor": "UPDATE early_signals_signal SET creditor_id = %s",
    "signal's municipality": "UPDATE early_signals_signal SET municipality_id = %s",
    "case's municipality": "UPDATE early_signals_case SET municipality_id = %s",
    "district": "UPDATE early_signals_case SET district_id = %s",
}


@pytest.mark.parametrize("reference", BROKEN)
def test_the_documented_checks_find_a_reference_to_nothing(stored, reference):
    checks = documented_checks()
    assert len(checks) == 2
    with connection.cursor() as cursor:
        assert [count(cursor, check) for check in checks] == [0, 0]
        cursor.execute(BROKEN[reference], [10**9])
        found = [count(cursor, check) for check in checks]
    assert found == ([1, 0] if BROKEN[reference].startswith("UPDATE early_signals_signal ") else [0, 1])


def test_an_intake_that_opens_and_joins_cases_leaves_no_reference_to_nothing(world, creditors):
    kees = {"initials": "K.", "given_name": "Kees", "surname": "Verzonnen", "date_of_birth": "1971-11-02"}
    answer = deliver_rows(
        creditors.housing,
        signal_row(creditor_reference="A-1"),
        signal_row(creditor_reference="A-2", arrears_amount="99.00"),
        signal_row(creditor_reference="A-3", **kees),
    )
    assert answer.receipt.accepted == 3
    assert (Signal.objects.count(), Case.objects.count()) == (3, 2)
    with connection.cursor() as cursor:
        assert [count(cursor, check) for check in documented_checks()] == [0, 0]


def count(cursor, query: str) -> int:
    cursor.execute(query)
    return cursor.fetchone()[0]
