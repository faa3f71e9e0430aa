"""Every text a user sees exists in Dutch: the nl catalogue has no empty or fuzzy entries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def catalogue_entries(path: Path) -> list[tuple[str, str, bool]]:
    """(source, translation, fuzzy) for each text of a .po file, header left out; a plural entry
    gives one pair per form, the plural source beside every form after the first."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block.splitlines())
        parts: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if match := re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line):
                key, text = match.groups()
                parts[key] = text
            elif line.startswith('"') and key:
                parts[key] += line[1:-1]
        if not parts.get("msgid"):
            continue
        if "msgid_plural" in parts:
            forms = sorted(key for key in parts if key.startswith("msgstr["))
            for index, form in enumerate(forms):
                source = parts["msgid"] if index == 0 else parts["msgid_plural"]
                entries.append((source, parts[form], fuzzy))
        else:
            entries.append((parts["msgid"], parts.get("msgstr", ""), fuzzy))
    return entries


def test_the_dutch_catalogue_translates_every_text():
    entries = catalogue_entries(LOCALE / "nl" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr, _ in entries if not msgstr]
    fuzzy = [msgid for msgid, _, is_fuzzy in entries if is_fuzzy]
    assert not untranslated, f"no Dutch text for: {untranslated}"
    assert not fuzzy, f"unchecked (fuzzy) Dutch text for: {fuzzy}"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_placeholders_survive_translation(language):
    for msgid, msgstr, _ in catalogue_entries(LOCALE / language / "LC_MESSAGES" / "django.po"):
        if msgstr:
            assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid
