"""The small-count rule for modules below the compass: a count below 10 is never shown, nor a figure
built on one. The compass builds its figures with the same class (``compass/suppression.py``).

Small numbers of people in a district can point at someone, so a page or an export shows "< 10"
where such a count would stand, and "not shown" where a figure computed from one would, or a count
from which a small one could be worked out: "< 10" in a column of percentages, or for a count of 15
hidden beside one of 3, would read as a value that is not true.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy

SMALL_COUNT = 10
SMALL_TEXT = "< 10"
HIDDEN_TEXT = gettext_lazy("not shown")
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

    @property
    def hidden_text(self) -> str:
        return SMALL_TEXT if self.small else str(HIDDEN_TEXT)

    def text(self, decimals: int = 0) -> str:
        if self.hidden:
            return self.hidden_text
        if self.value is None:
            return NO_FIGURE
        return number_format(round(self.value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)

    def csv(self, decimals: int | None = 0) -> str:
        """Exports carry the same text for hidden figures; unknown ones stay empty. ``decimals``
        None writes the value with every decimal it has (a figure as a municipality imported it)."""
        if self.hidden:
            return self.hidden_text
        if self.value is None:
            return ""
        return repr(self.value) if decimals is None else f"{self.value:.{decimals}f}"


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


def count_beside(value: float | None, *others: float | None) -> Shown:
    """A count that is hidden also when one of ``others`` is small, as each gives the other away
    (a part and the rest of a whole). It reads "< 10" only when it is small itself."""
    if value is None or any(other is None for other in others):
        return UNKNOWN
    if not is_small(value) and any(other is not None and is_small(other) for other in others):
        return HIDDEN
    return count(value)
