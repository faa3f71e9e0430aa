"""The cells of our CSV files: what a spreadsheet would run as a formula shows as text, at the
start of a cell and after a ";" (where a spreadsheet with Dutch settings starts a new cell); a
plain number stays a number."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meedoen.core.spreadsheets import FORMULA_STARTS, formula_start, safe_cell


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6 1234", "'+31 6 1234"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-2+3", "'-2+3"),
        ("-", "'-"),
        ("'=al veilig", "'=al veilig"),
        # After a ";", with or without spaces, as Dutch settings split the line.
        ("REF;=1+1;", "REF;'=1+1;"),
        ("a; @SUM(A1)", "a;' @SUM(A1)"),
        ("=1;=2", "'=1;'=2"),
        ("a;b;c", "a;b;c"),
        # Plain numbers, as text or as numbers, are numbers.
        ("-5", "-5"),
        ("-1250.5", "-1250.5"),
        ("x;-3", "x;-3"),
        (-9949700, "-9949700"),
        (Decimal("-19780.70"), "-19780.70"),
        (-1.5, "-1.5"),
        (-1e20, "-1e+20"),
        (-0.00005, "-5e-05"),
        ("-5e-05", "-5e-05"),
        ("-5e", "'-5e"),
        ("Voedsel", "Voedsel"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (3, "3"),
    ],
)
def test_the_formula_guard(value, safe):
    assert safe_cell(value) == safe


# The rule again, written apart from the module: what a spreadsheet would run.
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", re.ASCII)


def runs(part: str) -> bool:
    start = part.lstrip(" ")
    return start[:1] in {"=", "+", "-", "@", "\t", "\r"} and not NUMBER.fullmatch(start)


@given(st.text(alphabet=st.sampled_from("=+-@\t\r ;'0123456789.eEa")) | st.text())
def test_no_part_of_a_safe_cell_runs_as_a_formula(text):
    cell = safe_cell(text)
    parts, safe_parts = text.split(";"), cell.split(";")
    assert len(parts) == len(safe_parts)
    for part, safe_part in zip(parts, safe_parts, strict=True):
        assert not runs(safe_part)
        # Nothing is lost, and a quote is put in only where a part would run.
        assert safe_part == ("'" + part if runs(part) else part)
    assert (formula_start(text) is None) == (cell == text)


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_each_start_is_found_at_the_beginning_and_after_a_break(start):
    assert formula_start(f"{start}x") == start
    assert formula_start(f"x; {start}x") == start
    assert formula_start(f"x {start}x") is None
