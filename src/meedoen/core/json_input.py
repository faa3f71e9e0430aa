"""JSON that arrives from outside: why it cannot be read, in the reader's language, whole numbers
read with a bound on their digits, and a parser for the API that answers a body nested too deeply
with 400 instead of failing.

Python's decoder gives its reason in English (``Expecting ',' delimiter``); the reasons are a
fixed set, so each has a translation here. A reason not in the set (a newer Python) is shown as
the decoder gave it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as RestJSONParser

REASONS: dict[str, Promise] = {
    "Expecting value": gettext_lazy("a value was expected"),
    "Expecting ',' delimiter": gettext_lazy("a comma was expected"),
    "Expecting ':' delimiter": gettext_lazy("a colon was expected"),
    "Expecting property name enclosed in double quotes": gettext_lazy("a name in double quotes was expected"),
    "Unterminated string starting at": gettext_lazy("a text that starts here has no closing double quote"),
    "Invalid control character at": gettext_lazy(
        "a text holds a control character, such as a tab or line break; write it as \\t or \\n"
    ),
    "Extra data": gettext_lazy("more follows after the end of the JSON"),
    "Invalid \\escape": gettext_lazy("a backslash is followed by a letter that JSON does not know"),
    "Invalid \\uXXXX escape": gettext_lazy("\\u must be followed by four hexadecimal digits"),
}


def decode_error_text(error: json.JSONDecodeError) -> str:
    """Where and why ``error`` stopped the decoder, such as "line 1, column 40: a value was expected"."""
    reason = REASONS.get(error.msg, error.msg)
    return _("line %(line)s, column %(column)s: %(reason)s") % {
        "line": error.lineno,
        "column": error.colno,
        "reason": reason,
    }


MAX_DIGITS = 100
"""The most digits of a whole number read from outside: more than any field holds (a reference or an
amount has at most a few dozen), far fewer than the 4,300 beyond which Python refuses to convert one
with a bare ``ValueError``, and few enough that converting one costs nothing."""


class TooManyDigitsError(ValueError):
    """A whole number in JSON with more than ``MAX_DIGITS`` digits."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.digits = len(text.lstrip("-"))

    def __str__(self) -> str:
        return _("a whole number of %(digits)s digits; at most %(limit)s are read") % {
            "digits": number_format(self.digits, force_grouping=True),
            "limit": MAX_DIGITS,
        }


def json_int(text: str) -> int:
    """``parse_int`` for ``json.loads`` of JSON from outside (see ``MAX_DIGITS``)."""
    if len(text) > MAX_DIGITS + 1 and len(text.lstrip("-")) > MAX_DIGITS:
        raise TooManyDigitsError(text)
    return int(text)


class JSONParser(RestJSONParser):
    """DRF's JSON parser, which answers a body too deeply nested to decode as a parse error (400)."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply to read.")) from None
