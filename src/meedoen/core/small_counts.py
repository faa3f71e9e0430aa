"""The small-count rule for modules below the compass: a count below 10 is never shown, nor a figure
built on one. The compass builds its figures with the same class (``compass/suppression.py``).

Small numbers of people in a district can point at someone, so a page or an export shows "< 10"
where such a count would stand (``count``), and "not shown" where a figure built on one would
(``built_on``), or a count hidden so that a small one cannot be worked out from it (``HIDDEN``):
"< 10" in a column of percentages, or for a count of 15 hidden beside one of 3, would read as a
value, and a wrong one. Which text a figure gets follows from what kind of figure it is, never from
its value: a count hidden beside a small one reads "not shown" even when it is small itself, since
telling the two apart would point at the small one. Exports write "hidden" for "not shown", the
same in every language, so a script reading them need not know the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy

SMALL_COUNT = 10
SMALL_TEXT = "< 10"
HIDDEN_TEXT = gettext_lazy("not shown")
HIDDEN_IN_EXPORTS = "hidden"
NO_FIGURE = "\u2013"  # an en dash


def is_small(count: float) -> bool:
    """A count that may not be shown: below the threshold on either side of zero (a difference of counts)."""
    return abs(count) < SMALL_COUNT


@dataclass(frozen=True)
class Shown:
    """A figure as it may be shown: its value, or nothing when it is hidden or unknown."""

    value: float | None
    hidden: bool = False
    # Hidden because it is itself a count below the threshold (else it is built on one, or would
    # give one away).
    small: bool = False

    @property
    def known(self) -> bool:
        return self.value is not None

    def text(self, decimals: int = 0) -> str:
        if self.hidden:
            return SMALL_TEXT if self.small else str(HIDDEN_TEXT)
        if self.value is None:
            return NO_FIGURE
        return number_format(round(self.value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)

    def csv(self, decimals: int | None = 0) -> Decimal | str:
        """The figure as a cell of an export: its value as a number with ``decimals`` decimals (the
        download writes it as the reader's spreadsheet reads a number), "< 10" or "hidden" for a
        hidden figure, empty for an unknown one. ``decimals`` None keeps every decimal the value has
        (a figure as a municipality imported it)."""
        if self.hidden:
            return SMALL_TEXT if self.small else HIDDEN_IN_EXPORTS
        if self.value is None:
            return ""
        return Decimal(repr(self.value) if decimals is None else f"{self.value:.{decimals}f}")


UNKNOWN = Shown(None)
SMALL = Shown(None, hidden=True, small=True)
HIDDEN = Shown(None, hidden=True)


def count(value: float | None) -> Shown:
    """A count of people or households."""
    if value is None:
        return UNKNOWN
    return SMALL if is_small(value) else Shown(value)


def built_on(value: float | None, *counts: float | None) -> Shown:
    """A figure computed from ``counts``: unknown when it or any of them is unknown, else hidden when
    any of them is small."""
    if value is None or any(part is None for part in counts):
        return UNKNOWN
    if any(part is not None and is_small(part) for part in counts):
        return HIDDEN
    return Shown(value)
