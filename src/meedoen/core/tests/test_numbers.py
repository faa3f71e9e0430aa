"""Whole numbers from a request: ASCII digits only, and not too many of them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meedoen.core.numbers import whole_number


@pytest.mark.parametrize(
    ("text", "number"),
    [("0", 0), ("42", 42), ("007", 7), ("9" * 18, int("9" * 18))],
)
def test_ascii_digits_are_read(text, number):
    assert whole_number(text) == number


@pytest.mark.parametrize(
    "text",
    [
        *[None, "", " 1", "1 ", "-1", "+1", "1.0", "1e3", "0x1"],
        *["²", "1²", "٢٠٢٤", "\uff12\uff10\uff12\uff14"],  # digits to str.isdigit(): superscript, Arabic, full width
        *["9" * 19, "9" * 5000],
    ],
)
def test_anything_else_is_not_a_number(text):
    assert whole_number(text) is None


def test_the_number_of_digits_can_be_narrowed():
    assert whole_number("2024", digits=4) == 2024
    assert whole_number("20245", digits=4) is None


@given(st.text(max_size=30))
def test_a_number_is_read_only_from_what_writes_it_in_ascii(text):
    number = whole_number(text)

    assert number is None or (text.isascii() and str(number) == text.lstrip("0").rjust(1, "0"))
