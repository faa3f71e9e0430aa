"""Characters nobody types: one definition for every place that takes text from people. The board
strips them from a note (``without_hidden``); the forms and the import of offers refuse them and
say where (``refuse_hidden``).

Hidden are the characters that show nothing, or garbage, and that no one means to put in a name or
a description (Unicode 14.0, as Python 3.11 knows it):

- control characters (category Cc): C0 U+0000-U+001F, DEL U+007F and C1 U+0080-U+009F (C1 comes
  from text decoded with the wrong code page). Tab, line feed and carriage return are not hidden: a
  text area holds them, and a one-line field refuses them itself;
- format characters (category Cf) that are invisible and mean nothing for how a word is written:
  zero-width space U+200B, word joiner and invisible operators U+2060-U+2064, the byte order mark
  U+FEFF, the direction embeddings and overrides U+202A-U+202E and isolates U+2066-U+2069 (with
  them a text reads otherwise than it is stored, the "Trojan Source" trick), the deprecated
  U+206A-U+206F, interlinear annotation U+FFF9-U+FFFB, tag characters U+E0001 and U+E0020-U+E007F
  (invisible copies of ASCII), and the format controls of Mongolian, Egyptian hieroglyphs,
  shorthand and musical notation;
- lone surrogates (category Cs), which only a broken JSON escape makes and no database stores.

Not hidden, although they are Cf, because real text uses them:

- the direction marks U+200E, U+200F and the Arabic letter mark U+061C. An Arabic or Hebrew name
  next to a number or a bracket needs one to show in the right order, and a mark only sets the
  direction of the neutral characters beside it: unlike an override, it cannot turn text around;
- zero-width non-joiner and joiner U+200C, U+200D: part of the spelling of Persian and Indic
  words, and the glue of emoji such as a family or the rainbow flag;
- the soft hyphen U+00AD, a hyphenation hint that Word and web pages paste into long Dutch
  compounds; it shows as a hyphen where the line breaks;
- the prepended concatenation marks (Arabic number sign U+0600-U+0605, U+06DD, U+070F,
  U+0890-U+0891, U+08E2, Kaithi number signs U+110BD and U+110CD), which are visible signs.

Spaces are not hidden either: a no-break space from Word is visible spacing and stays. Nor is this
about look-alikes: a joiner between Latin letters, like a Cyrillic letter a among them, can make two
names look the same; that takes another check, which no caller needs yet.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The ranges written out; a test holds them to Python's own Unicode tables.
HIDDEN_CHARACTERS = re.compile(
    "["
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # Cc but tab, line feed, carriage return
    "\u180e\u200b\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"  # Cf, BMP
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"  # Cf, above
    "\ud800-\udfff"  # Cs
    "]"
)


def first_hidden(text: str) -> int | None:
    """The index of the first hidden character in ``text``, or None when it holds none."""
    found = HIDDEN_CHARACTERS.search(text)
    return found.start() if found is not None else None


def without_hidden(text: str) -> str:
    """``text`` with every hidden character left out; everything else stays as it is."""
    return HIDDEN_CHARACTERS.sub("", text)


def refuse_hidden(value: str) -> None:
    """Refuse text with a character nobody types (controls, zero-width spaces, direction overrides:
    above), as a form field's or a model field's validator. Its writer cannot see it, so the
    message names the words just before it."""
    index = first_hidden(value)
    if index is None:
        return
    before = " ".join(value[:index].split()[-3:])[-40:]
    if not before:
        raise ValidationError(
            _("There is an invisible character at the start. Type the start again instead of pasting it."),
            code="hidden",
        )
    raise ValidationError(
        _("There is an invisible character after “%(before)s”. Type that part again instead of pasting it."),
        code="hidden",
        params={"before": before},
    )
