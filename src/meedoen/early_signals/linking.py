"""Which signals are about the same household, and the pseudonyms a case keeps.

Two signals are about the same household when they name the same address (postcode, house number
and addition, exactly, after normalising) and the same person: the same date of birth, surnames
that differ by at most a small edit distance once diacritics, case, punctuation and Dutch surname
prefixes are set aside, and initials that agree on the first letter (or are missing on one side).
A double surname is also the same as one of its parts written exactly, when both signals give
initials and they agree in full: a woman reported as "J.M. Jansen-de Vries" by her landlord and as
"J.M. de Vries" by her health insurer (the name she was born with, which the BRP keeps) is one
person when her address and date of birth agree too. The stricter initials are there because her
partner, at the same address, may carry one of the parts. A part is not matched with a typing
error ("Smid-Jansen" is not "Smit"), and two double surnames must have the same parts ("Bos-Jansen"
is not "Bos-Pietersen"). A BSN on both sides decides: the same pseudonym is the same person,
different ones are not.

Different people at one address (partners, housemates) are not joined automatically: the brief
links on name and date of birth, and a wrong join would show one person's debts to another. Nor is
a name whose initials disagree on the first letter, though it may be the same person under the name
she is called by ("Piet" for "J.P."). The team sees such cases side by side instead: a case lists the
other cases at its address (``selectors.case_detail``), and decides whom to approach together.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.conf import settings

# Dutch surname prefixes (tussenvoegsels) that creditors sometimes put in the surname itself.
SURNAME_PREFIXES = frozenset(
    {"van", "de", "der", "den", "het", "t", "ter", "ten", "te", "in", "op", "la", "le", "du", "d", "s", "da", "von"}
)
_NOT_LETTER = re.compile(r"[^a-z]+")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")
# Between the parts of a double surname: any dash a keyboard or a word processor makes (the hyphen,
# the non-breaking hyphen, the en and em dashes, the minus sign, their small and full-width forms).
_DOUBLE_NAME = re.compile("[-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
# Names repeat: the same surnames, initials and given names come back in every delivery, so their
# folded forms are kept (a bounded number of them) rather than worked out for every signal.
NAMES_KEPT = 1 << 14


@dataclass(frozen=True)
class Person:
    """What linking compares: from a signal being received, or from one already stored."""

    surname: str
    initials: str
    date_of_birth: date
    resident_ref: str = ""
    given_name: str = ""  # folded (``fold``); only to choose between cases that both match


@lru_cache(maxsize=NAMES_KEPT)
def fold(text: str) -> str:
    """Lower case ASCII letters and spaces: diacritics dropped, ``ij`` read as ``y``."""
    if text.isascii():
        # Nothing to decompose: casefold() of ASCII text is lower().
        letters = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
        letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    letters = letters.replace("ij", "y")
    return " ".join(_NOT_LETTER.sub(" ", letters).split())


@lru_cache(maxsize=NAMES_KEPT)
def surname_key(surname: str, prefix: str = "") -> str:
    """``"van der Bérg"`` and ``"Berg"`` (prefix ``"v.d."``) both give ``"berg"``.

    The parts of a double surname are kept apart by a hyphen, each without its leading prefixes:
    ``"Jansen-de Vries"`` gives ``"jansen-vries"``. Written without the hyphen, a prefix after a
    name begins the next part (``"Jansen de Vries"`` gives the same), but prefixes that end the
    name belong to it (``"Nguyen Le"`` gives ``"nguyenle"``). A part of prefixes alone introduces
    the next part (``"'s-Gravesande"`` gives ``"gravesande"``) or, at the end, keeps its last word
    (``"Tran-Le"`` gives ``"tran-le"``); so does a name of prefixes alone (``"De"``)."""
    pieces = [fold(piece).split() for piece in _DOUBLE_NAME.split(surname)]
    pieces = [words for words in pieces if words]
    parts: list[str] = []
    for number, words in enumerate(pieces):
        if all(word in SURNAME_PREFIXES for word in words):
            if number == len(pieces) - 1:
                parts.append(words[-1])
            continue
        part, after = "", ""
        for word in words:
            if word not in SURNAME_PREFIXES:
                if after:  # prefixes between two names: the next part begins
                    parts.append(part)
                    part, after = "", ""
                part += word
            elif part:
                after += word
        parts.append(part + after)
    return "-".join(parts)


@lru_cache(maxsize=NAMES_KEPT)
def initials_of(initials: str, given_name: str = "") -> str:
    """``"J.P."`` -> ``"JP"``; without initials, the first letters of the given names."""
    if folded := fold(initials):
        return "".join(folded.split()).upper()
    return "".join(word[0] for word in fold(given_name).split()).upper()


def address_key(postcode: str, house_number: int, addition: str) -> str:
    """``"5141AB|12|A"``: the address as linking compares it."""
    return f"{postcode.replace(' ', '').upper()}|{house_number}|{_NOT_ALNUM.sub('', addition.upper())}"


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def allowed_distance(a: str, b: str) -> int:
    """One typing error in a short surname, two in a long one."""
    return 1 if min(len(a), len(b)) <= 6 else 2


def same_person(a: Person, b: Person) -> bool:
    if a.resident_ref and b.resident_ref:
        return a.resident_ref == b.resident_ref
    if a.date_of_birth != b.date_of_birth:
        return False
    if a.initials and b.initials and a.initials[0] != b.initials[0]:
        return False
    if not a.surname or not b.surname:
        return False
    if alike_surnames(a.surname, b.surname):
        return True
    # A part of a double surname may be the partner's, who lives at the same address.
    return bool(a.initials) and a.initials == b.initials and one_is_part_of_the_other(a.surname, b.surname)


def likeness(a: Person, b: Person) -> int:
    """How alike two people are whom ``same_person`` takes for one, to choose between two open cases
    at an address that both match a signal: after the team moved signals about a twin into a case
    of their own (services.case_separate), her brother's next signal, with the same initial, goes to
    his case by his given name, or by his BSN. Eight points for the same BSN pseudonym, which
    decides; two for the same first given name (given on both sides); one for the same initials in
    full, one for the same surname."""
    first_a, first_b = a.given_name.split(" ", 1)[0], b.given_name.split(" ", 1)[0]
    return (
        8 * (bool(a.resident_ref) and a.resident_ref == b.resident_ref)
        + 2 * (bool(first_a) and first_a == first_b)
        + (a.initials == b.initials)
        + (a.surname == b.surname)
    )


def alike_surnames(a: str, b: str) -> bool:
    """Two surname keys alike but for a typing error or two, or the same parts in another order."""
    if a == b:
        return True  # as most repeat signals spell it: no distance to work out (tens of µs in Python)
    whole_a, whole_b = a.replace("-", ""), b.replace("-", "")
    allowed = allowed_distance(whole_a, whole_b)
    # The distance is at least the difference in length.
    if abs(len(whole_a) - len(whole_b)) <= allowed and edit_distance(whole_a, whole_b) <= allowed:
        return True
    return "-" in a and sorted(a.split("-")) == sorted(b.split("-"))


def one_is_part_of_the_other(a: str, b: str) -> bool:
    """One surname key is a single name that is, exactly, a part of the other's double name."""
    parts_a, parts_b = a.split("-"), b.split("-")
    if len(parts_a) == 1:
        return len(parts_b) > 1 and parts_a[0] in parts_b
    return len(parts_b) == 1 and parts_b[0] in parts_a


def _pseudonym(purpose: str, *parts: str) -> str:
    """HMAC-SHA256 with the resident pseudonym key, separated by purpose from the BSN pseudonyms
    (those hash nine digits; these hash a text that starts with the purpose)."""
    key = settings.RESIDENT_PSEUDONYM_KEY.encode()
    message = "|".join(("meedoen.early_signals", purpose, "v1", *parts))
    return hmac.digest(key, message.encode(), "sha256").hex()


def address_ref(municipality_code: str, address: str) -> str:
    return _pseudonym("address", municipality_code, address)


def household_ref(municipality_code: str, address: str, date_of_birth: date) -> str:
    """The pseudonym of the household in the shared log: stable while the person lives there, so a
    later case for the same household carries the same pseudonym."""
    return _pseudonym("household", municipality_code, address, date_of_birth.isoformat())


def case_priority(*, creditor_count: int, signal_count: int, threatening: bool) -> int:
    """1 for one signal; +2 for each further creditor, +1 for each repeat signal of a creditor
    already on the case, +5 when a signal threatens (eviction, end of supply)."""
    repeats = max(signal_count - creditor_count, 0)
    return 1 + 2 * max(creditor_count - 1, 0) + repeats + (5 if threatening else 0)
