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


def test_the_database_checks_none_of_the_references_of_signals_and_cases():
    with connection.cursor() as cursor:
        for model in (Signal, Case):
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
            assert [name for name, constraint in constraints.items() if constraint["foreign_key"]] == []


@pytest.mark.parametrize("parent", ["case", "delivery", "creditor", "municipality"])
def test_what_a_signal_refers_to_cannot_be_deleted(stored, parent):
    with pytest.raises(ProtectedError) as refused, transaction.atomic():
        getattr(stored, parent).delete()

    assert stored in refused.value.protected_objects or stored.case in refused.value.protected_objects
    assert Signal.objects.filter(pk=stored.pk, case=stored.case, municipality=stored.municipality).exists()


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


def test_the_documented_checks_find_a_signal_whose_delivery_was_deleted_by_hand(stored):
    checks = documented_checks()
    assert len(checks) == 2
    with connection.cursor() as cursor:
        assert [count(cursor, check) for check in checks] == [0, 0]
        cursor.execute("DELETE FROM early_signals_delivery WHERE id = %s", [stored.delivery_id])
        cursor.execute("UPDATE early_signals_case SET district_id = %s WHERE id = %s", [10**9, stored.case_id])
        assert [count(cursor, check) for check in checks] == [1, 1]


def count(cursor, query: str) -> int:
    cursor.execute(query)
    return cursor.fetchone()[0]
