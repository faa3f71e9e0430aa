"""Schemes written down in a file (the demo's, later an import): broken files are refused by file and entry."""

from __future__ import annotations

import pytest

from meedoen.entitlements.schemefile import DEMO_SCHEMES, read_scheme_file

GOOD = """
- municipality: GM0867
  code: kwijtschelding
  name: Kwijtschelding
  kind: kwijtschelding
  amount: 385.5
  valid_from: 2026-01-01
"""


def read(tmp_path, text: str | bytes):
    path = tmp_path / "schemes.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return read_scheme_file(path)


def test_a_good_file_gives_rules_with_amounts_as_decimals(tmp_path):
    (entry,) = read(tmp_path, GOOD)
    assert entry.municipality_code == "GM0867"
    assert str(entry.rule.amount) == "385.5"
    assert entry.rule.key == "gm0867_kwijtschelding"


def test_the_demo_file_has_seven_schemes_for_each_demo_municipality():
    entries = read_scheme_file(DEMO_SCHEMES)
    assert sorted({e.municipality_code for e in entries}) == ["GM0867", "GM0938"]
    assert all(sum(e.municipality_code == code for e in entries) == 7 for code in ("GM0867", "GM0938"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("municipality: GM0867", "a list of schemes"),
        ("- [1, 2]", "scheme 1: a mapping"),
        ("- code: x", "scheme 1: a mapping with a municipality"),
        (GOOD + "  favourite: blue\n", "unknown fields ['favourite']"),
        (GOOD.replace("385.5", "veel"), "an amount or date"),
        (GOOD.replace("2026-01-01", "1 januari"), "an amount or date"),
        ("- municipality: [unclosed", "not a readable YAML file"),
        (b"\xff\xfe\x00broken", "not a readable YAML file"),
    ],
)
def test_a_broken_file_is_refused_naming_the_entry(tmp_path, text, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read(tmp_path, text)
