"""The documented format is the format: the example file is received without a single problem, and
every problem code the intake can give is explained in docs/early-signals-format.md."""

from __future__ import annotations

import re
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from meedoen.early_signals import formats
from meedoen.early_signals.models import Case, CreditorAgreement, Signal
from meedoen.early_signals.tests.conftest import AMSTERDAM

ROOT = Path(__file__).resolve().parents[4]
DOC = ROOT / "docs" / "early-signals-format.md"
EXAMPLE = ROOT / "docs" / "early-signals-example.csv"
SOURCES = [
    Path(formats.__file__).parent / name
    for name in ("formats.py", "rows.py", "services.py", "withdrawals.py", "api/views.py", "api/withdrawals.py")
]
CODE_PATTERNS = [
    re.compile(r"\.(?:error|warn)\(\s*(?:field|\"[a-z_]+\"),\s*\"([a-z_0-9]+)\""),
    re.compile(r"refuse\(\s*\"([a-z_0-9]+)\""),
    re.compile(r"Problem\(\s*(?:FATAL|ERROR|WARNING),\s*\"([a-z_0-9]+)\""),
]


def codes_in_source() -> set[str]:
    found: set[str] = set()
    for source in SOURCES:
        text = source.read_text(encoding="utf-8")
        for pattern in CODE_PATTERNS:
            found.update(pattern.findall(text))
    return found


def test_every_problem_code_is_documented():
    codes = codes_in_source()
    documented = set(re.findall(r"`([a-z_0-9]+)`", DOC.read_text(encoding="utf-8")))

    assert len(codes) > 40
    assert sorted(codes - documented) == []


def test_every_column_is_documented_with_whether_it_is_required():
    text = DOC.read_text(encoding="utf-8")
    for column in formats.COLUMNS:
        assert f"| `{column.name}` | {'yes' if column.required else 'no'} |" in text, column.name
    assert f"Format version: **{formats.FORMAT_VERSION}**" in text


@pytest.mark.django_db
def test_the_example_file_is_received_without_a_problem(creditors, world):
    CreditorAgreement.objects.create(organisation=creditors.housing, municipality=world.meerssen)
    out, err = StringIO(), StringIO()

    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=AMSTERDAM), tick=False):
        call_command(
            "early_signals_import", str(EXAMPLE), "--organisation", creditors.housing.slug, stdout=out, stderr=err
        )

    assert err.getvalue() == ""
    assert "6 rows, 6 accepted, 0 duplicates, 0 refused, 0 warnings" in out.getvalue()
    assert Signal.objects.count() == 6
    assert Case.objects.filter(threatening=True).count() == 2
    assert Signal.objects.exclude(resident_ref="").count() == 1
