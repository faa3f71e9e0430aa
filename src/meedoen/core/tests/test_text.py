"""Characters nobody types: which they are, and that leaving them out leaves everything else alone."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meedoen.core.text import HIDDEN_CHARACTERS, first_hidden, without_hidden

# The decision of meedoen.core.text, written out again: Cc, Cf and Cs are hidden except these.
TEXT_AREA_CONTROLS = "\t\n\r"
DIRECTION_MARKS = "\u200e\u200f\u061c"
JOINERS = "\u200c\u200d"
SOFT_HYPHEN = "\u00ad"
VISIBLE_SIGNS = "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
NOT_HIDDEN = set(TEXT_AREA_CONTROLS + DIRECTION_MARKS + JOINERS + SOFT_HYPHEN + VISIBLE_SIGNS)

ARABIC_NAME = "\u0644\u064a\u0644\u0649 \u0628\u0646\u0639\u0644\u064a"  # an invented name: Laila Benali
HEBREW_NAME = "\u05d3\u05e0\u05d4 \u05db\u05d4\u05df"  # an invented name: Dana Cohen
PERSIAN_WORD = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want": the non-joiner belongs to it
SURROGATE = "\ud800"
HIDDEN_EXAMPLES = {
    "NUL": "\x00",
    "escape": "\x1b",
    "DEL": "\x7f",
    "C1 next line": "\x85",
    "C1 from cp1252 quotes": "\x93",
    "zero-width space": "\u200b",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "right-to-left override": "\u202e",
    "left-to-right embedding": "\u202a",
    "first strong isolate": "\u2068",
    "tag letter": "\U000e0041",
    "lone surrogate": SURROGATE,
}


def test_hidden_is_every_control_format_and_surrogate_character_but_those_text_needs():
    everything = "".join(map(chr, range(0x110000)))
    by_category = {char for char in everything if unicodedata.category(char) in ("Cc", "Cf", "Cs")}
    assert set(HIDDEN_CHARACTERS.findall(everything)) == by_category - NOT_HIDDEN
    assert unicodedata.unidata_version == "14.0.0", "a new Unicode version: check the ranges of core.text"


@pytest.mark.parametrize("char", HIDDEN_EXAMPLES.values(), ids=HIDDEN_EXAMPLES.keys())
def test_a_hidden_character_is_found_and_left_out(char):
    text = f"Voedsel{char}pakket"
    assert first_hidden(text) == len("Voedsel")
    assert without_hidden(text) == "Voedselpakket"


@pytest.mark.parametrize(
    "text",
    [
        "Crème brûlée bij Café De Ûle in IJsselstein, \u2019s-Hertogenbosch",
        "Lijn 1\nLijn 2\r\nLijn 3\tmet een tab",
        "Hulp bij\u00a0geldzaken",  # a no-break space, as Word pastes it
        "arbeids\u00adongeschiktheids\u00aduitkering",  # soft hyphens, as Word pastes them
        f"\u200f{ARABIC_NAME} (12)",  # a right-to-left mark keeps the number beside an Arabic name in place
        f"{HEBREW_NAME}\u200e 3",  # a left-to-right mark after a Hebrew name
        PERSIAN_WORD,
        "Samen \U0001f468\u200d\U0001f469\u200d\U0001f467 naar het zwembad",  # an emoji family, joined
    ],
)
def test_text_people_write_holds_nothing_hidden(text):
    assert first_hidden(text) is None
    assert without_hidden(text) == text


def test_the_first_of_several_hidden_characters_is_found():
    assert first_hidden("ab\u202ec\x00") == 2


hidden = st.sampled_from(sorted(HIDDEN_EXAMPLES.values()))
texts = st.text(alphabet=st.one_of(st.characters(), hidden, st.sampled_from(sorted(NOT_HIDDEN))))


@given(texts)
def test_without_hidden_leaves_no_hidden_character(text):
    assert first_hidden(without_hidden(text)) is None


@given(texts)
def test_without_hidden_twice_is_without_hidden_once(text):
    once = without_hidden(text)
    assert without_hidden(once) == once


@given(texts)
def test_without_hidden_only_leaves_out_and_only_what_first_hidden_finds(text):
    kept = without_hidden(text)
    assert kept == "".join(char for char in text if first_hidden(char) is None)
    assert (kept == text) == (first_hidden(text) is None)
