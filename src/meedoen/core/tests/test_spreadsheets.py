"""The cells of our CSV files: what a spreadsheet would run as a formula shows as text, at the
start of a cell and after a ";" (where a spreadsheet with Dutch settings starts a new cell); a
plain number stays a number."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meedoen.core.spreadsheets import CELL_BREAK, FORMULA_STARTS, formula_start, safe_cell


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
        (-1e20, "'-1e+20"),  # not written as a plain number: shown as text
        ("Voedsel", "Voedsel"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (3, "3"),
    ],
)
def test_the_formula_guard(value, safe):
    assert safe_cell(value) == safe


@given(st.text())
def test_no_part_of_a_safe_cell_runs_as_a_formula(text):
    cell = safe_cell(text)
    assert formula_start(cell) is None
    # Nothing is lost but the quotes put in: each part is the same after its quote.
    parts, safe_parts = text.split(CELL_BREAK), cell.split(CELL_BREAK)
    assert len(parts) == len(safe_parts)
    for part, safe_part in zip(parts, safe_parts, strict=True):
        assert safe_part in (part, "'" + part)


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_each_start_is_found_at_the_beginning_and_after_a_break(start):
    assert formula_start(f"{start}x") == start
    assert formula_start(f"x; {start}x") == start
    assert formula_start(f"x {start}x") is None
