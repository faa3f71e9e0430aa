"""Languages help is commonly given in, in the Netherlands, by their ISO 639 code.

Two-letter ISO 639-1 codes where a language has one, ISO 639-3 otherwise (HSDS accepts both). The
list covers Dutch and English, the languages of the largest groups of newcomers and
labour migrants, and Dutch Sign Language.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

COMMON_LANGUAGES: tuple[tuple[str, str | Promise], ...] = (
    ("nl", _("Dutch")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("tr", _("Turkish")),
    ("pl", _("Polish")),
    ("uk", _("Ukrainian")),
    ("ti", _("Tigrinya")),
    ("so", _("Somali")),
    ("fa", _("Persian (Farsi)")),
    ("prs", _("Dari")),
    ("ps", _("Pashto")),
    ("ku", _("Kurdish")),
    ("rif", _("Tarifit (Berber)")),
    ("pap", _("Papiamento")),
    ("srn", _("Sranan Tongo")),
    ("bg", _("Bulgarian")),
    ("ro", _("Romanian")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("fr", _("French")),
    ("de", _("German")),
    ("zh", _("Chinese")),
    ("dse", _("Dutch Sign Language (NGT)")),
)


def language_name(code: str) -> str | Promise:
    """The name of a language for staff and residents; the bare code for one outside the list."""
    return dict(COMMON_LANGUAGES).get(code, code)
