"""Importing recipient counts: every problem is found with its row, column and reason, and a file with
any problem imports nothing."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from meedoen.core.access import Actor, Role
from meedoen.core.models import AuditEvent
from meedoen.entitlements.models import RecipientCount
from meedoen.entitlements.recipients import read_recipients, read_whole_number
from meedoen.entitlements.services import RecipientImportError, recipients_import
from meedoen.entitlements.tests.factories import keeper_of, load_demo_file_schemes, make_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def waalwijk(world):
    load_demo_file_schemes(world.waalwijk)
    return world.waalwijk


def run(municipality, text: str | bytes, actor: Actor | None = None):
    content = text.encode() if isinstance(text, str) else text
    return recipients_import(
        actor=actor or Actor.system("test"), municipality=municipality, content=content, file_name="ontvangers.csv"
    )


def problems_of(municipality, text: str | bytes) -> list[tuple[int | None, str, str]]:
    with pytest.raises(RecipientImportError) as refused:
        run(municipality, text)
    return [(problem.row, problem.column, problem.reason) for problem in refused.value.problems]


def test_a_good_file_imports_counts_per_scheme_area_and_year_with_one_audit_record(waalwijk):
    result = run(
        waalwijk,
        "regeling;gebied;jaar;aantal\n"
        "kwijtschelding;WK086700;2026;120\n"
        "kwijtschelding;WK086701;2026;1.250\n"
        "meedoenregeling;GM0867;2026;640\n",
    )
    assert (result.rows, result.years) == (3, (2026,))
    stored = {(c.scheme.code, c.area_code, c.year): c.households for c in RecipientCount.objects.all()}
    assert stored == {
        ("kwijtschelding", "WK086700", 2026): 120,
        ("kwijtschelding", "WK086701", 2026): 1250,
        ("meedoenregeling", "GM0867", 2026): 640,
    }
    record = AuditEvent.objects.get(action="recipients.import")
    assert record.municipality_id == waalwijk.pk
    assert record.details == {"file_name": "ontvangers.csv", "rows": 3, "years": [2026]}


def test_importing_again_replaces_the_count_of_the_same_scheme_area_and_year(waalwijk):
    run(waalwijk, "regeling,gebied,jaar,aantal\nkwijtschelding,WK086700,2026,120\n")
    run(waalwijk, "regeling,gebied,jaar,aantal\nkwijtschelding,WK086700,2026,95\n")
    assert list(RecipientCount.objects.values_list("households", flat=True)) == [95]


def test_every_problem_is_reported_with_row_and_column_and_nothing_is_imported(waalwijk):
    problems = problems_of(
        waalwijk,
        "regeling;gebied;jaar;aantal\n"
        "kwijtschelding;WK086700;2026;120\n"  # fine, but not imported
        "bestaat-niet;WK086700;2026;10\n"  # unknown scheme
        "kwijtschelding;WK093800;2026;10\n"  # a district of another municipality
        "kwijtschelding;WK086701;2026;veel\n"  # not a number
        "kwijtschelding;WK086700;2026;130\n"  # the first row again
        "kwijtschelding;GM0938;2026;10\n"  # another municipality
        "kwijtschelding;Noord;twintig;-3\n"  # not an area code, not a year, negative
        "kwijtschelding;WK086702;2026;12,5\n"  # not whole
        ";WK086702;2026;12\n"  # no scheme
        "kwijtschelding;WK086702;2019;12\n",  # the scheme did not run then
    )
    assert problems == [
        (3, "regeling", "“bestaat-niet” is not the code of a scheme of Waalwijk"),
        (4, "gebied", "WK093800 is not Waalwijk or one of its districts"),
        (5, "aantal", "“veel” is not a whole number of households of 0 or more"),
        (6, "", "kwijtschelding, WK086700, 2026 appears twice (also on row 2)"),
        (7, "gebied", "GM0938 is not Waalwijk or one of its districts"),
        (8, "aantal", "“-3” is not a whole number of households of 0 or more"),
        (8, "gebied", "“Noord” is not the CBS code of a district (WK…) or a municipality (GM…)"),
        (8, "jaar", "“twintig” is not a year, such as 2025"),
        (9, "aantal", "“12,5” is not a whole number of households of 0 or more"),
        (10, "regeling", "empty; give the code of the scheme"),
        (11, "jaar", "kwijtschelding did not run in 2019"),
    ]
    assert not RecipientCount.objects.exists()
    assert not AuditEvent.objects.filter(action="recipients.import").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty."),
        (b"regeling;gebied;jaar;aantal\n", "The file has a header but no rows."),
        (b"\xff\xfer\x00e\x00", "The file is UTF-16 text; save it as CSV UTF-8."),
        (b"PK\x03\x04 not really a workbook", "The file looks like an XLSX workbook but cannot be opened."),
    ],
)
def test_files_that_cannot_be_read_are_refused_whole(waalwijk, content, expected):
    assert problems_of(waalwijk, content) == [(None, "", expected)]
    assert not RecipientCount.objects.exists()


def test_missing_columns_are_named(waalwijk):
    assert problems_of(waalwijk, "regeling;wijk;aantal\nkwijtschelding;WK086700;3\n") == [
        (1, "jaar", "missing column; the header needs regeling, gebied, jaar, aantal")
    ]


def test_extra_columns_are_ignored_and_windows_text_and_tabs_are_read(waalwijk):
    text = "naam\tregeling\tgebied\tjaar\taantal\nKwijtschelding op één blad\tkwijtschelding\tWK086700\t2026\t77\n"
    assert run(waalwijk, text.encode("cp1252")).rows == 1


def test_hostile_text_and_formulas_are_quoted_as_text_never_run(waalwijk):
    problems = problems_of(
        waalwijk,
        'regeling,gebied,jaar,aantal\n<script>alert(1)</script>,WK086700,2026,"=1+1"\n',
    )
    assert problems == [
        (2, "aantal", "“=1+1” is not a whole number of households of 0 or more"),
        (2, "regeling", "“<script>alert(1)</script>” is not the code of a scheme of Waalwijk"),
    ]


def test_absurd_counts_and_long_values_are_refused_and_shortened(waalwijk):
    problems = problems_of(waalwijk, f"regeling,gebied,jaar,aantal\nkwijtschelding,{'W' * 300},2026,99999999\n")
    assert problems[0] == (2, "aantal", "99999999 households is more than any municipality has")
    assert problems[1][1] == "gebied" and len(problems[1][2]) < 120


def test_an_xlsx_workbook_is_read_with_numbers_as_numbers(waalwijk):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Regeling", "Gebied", "Jaar", "Aantal"])
    sheet.append(["kwijtschelding", "WK086700", 2026, 40])
    sheet.append(["kwijtschelding", "WK086701", 2026.0, 12.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert run(waalwijk, buffer.getvalue()).rows == 2
    assert sorted(RecipientCount.objects.values_list("households", flat=True)) == [12, 40]


def test_whole_numbers_are_read_as_people_write_them():
    assert [read_whole_number(value) for value in ("12", " 1.234 ", 7, 8.0)] == [12, 1234, 7, 8]
    for wrong in ("1,5", "1.5", "", None, True, 8.5, "١٢", "1_000"):
        with pytest.raises(ValueError):
            read_whole_number(wrong)


def test_the_reader_alone_needs_no_database():
    rows, problems = read_recipients(b"scheme,area,year,count\nx,GM0867,2026,3\n")
    assert problems == [] and rows[0].households == 3


def test_only_policy_staff_of_the_municipality_import_and_a_refusal_changes_nothing(world):
    make_scheme(world.waalwijk)
    file = "regeling,gebied,jaar,aantal\nindividuele-inkomenstoeslag,WK086700,2026,12\n"
    for actor in (
        keeper_of(world.waalwijk, world.ww_team, Role.CASEWORKER),
        keeper_of(world.waalwijk, world.ww_team, Role.AUDITOR),
        keeper_of(world.meerssen, world.ms_team, Role.POLICY_OFFICER),
    ):
        with pytest.raises(PermissionDenied):
            run(world.waalwijk, file, actor)
    assert not RecipientCount.objects.exists()
    assert not AuditEvent.objects.exists() or not AuditEvent.objects.filter(action="recipients.import").exists()
    run(world.waalwijk, file, keeper_of(world.waalwijk, world.ww_team, Role.APPLICATION_MANAGER))
    assert RecipientCount.objects.count() == 1
