"""The cells of our CSV files: what a spreadsheet would run as a formula shows as text, at the
start of a cell and after a ";" (where a spreadsheet with Dutch settings starts a new cell); a
plain number stays a number. A download for people opens in Excel with Dutch settings: UTF-8 with a
byte order mark, ";" between cells, a decimal comma."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meedoen.core.spreadsheets import (
    FORMULA_STARTS,
    LINES_PER_CHUNK,
    csv_download,
    csv_download_streamed,
    download_cell,
    formula_start,
    safe_cell,
)


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


# --- the download for people -------------------------------------------------------------------------


def test_a_download_opens_in_a_spreadsheet_with_dutch_settings():
    response = csv_download(
        "overzicht.csv",
        ("naam", "bedrag", "opmerking"),
        [
            ("Zoë Brandsmaë", Decimal("-1250.50"), "a;b"),
            ("=HYPERLINK(1)", -5e-05, 'zei "ja"'),
            ("@SUM(A1)", 3, "twee\nregels"),
        ],
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="overzicht.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")  # the byte order mark, so Excel reads UTF-8
    assert response.content.decode("utf-8-sig").split("\r\n") == [
        "naam;bedrag;opmerking",
        'Zoë Brandsmaë;-1250,50;"a;b"',
        '\'=HYPERLINK(1);-0,00005;"zei ""ja"""',
        '\'@SUM(A1);3;"twee\nregels"',
        "",
    ]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows == [
        ["naam", "bedrag", "opmerking"],
        ["Zoë Brandsmaë", "-1250,50", "a;b"],
        ["'=HYPERLINK(1)", "-0,00005", 'zei "ja"'],
        ["'@SUM(A1)", "3", "twee\nregels"],
    ]
    # Without the mark, as the old code page, the name is garbled: the mark is what keeps it.
    assert "Zoë" not in response.content[3:].decode("cp1252")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (-1250.5, "-1250,5"),
        (1e20, "100000000000000000000"),
        (Decimal("25.0"), "25,0"),
        (-9949700, "-9949700"),
        (float("inf"), ""),
        (float("nan"), ""),
        (True, "True"),
        ("-1250.5", "-1250.5"),  # text stays text
        ("REF;=1+1;", "REF;'=1+1;"),
        ("-2+3", "'-2+3"),
        (None, ""),
    ],
)
def test_a_download_writes_numbers_with_a_decimal_comma_and_text_as_safe_cell_does(value, cell):
    assert download_cell(value) == cell


def test_a_streamed_download_is_the_same_file_sent_in_parts():
    rows = [(f"rij {number}", number, "=1") for number in range(2 * LINES_PER_CHUNK + 1)]
    whole = csv_download("a.csv", ("naam", "nummer", "formule"), rows)
    streamed = csv_download_streamed("a.csv", ("naam", "nummer", "formule"), iter(rows))
    parts = list(streamed.streaming_content)
    assert len(parts) > 2
    assert b"".join(parts) == whole.content
    assert streamed["Content-Disposition"] == whole["Content-Disposition"]


def test_a_file_name_outside_ascii_is_given_as_rfc_5987_says():
    response = csv_download("overzicht-Zoë.csv", ("a",), [])
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''overzicht-Zo%C3%AB.csv"
    assert response.content == b"\xef\xbb\xbfa\r\n"
    with pytest.raises(ValueError, match="file name"):
        csv_download("", ("a",), [])
