"""The small-count rule: a count below 10 is never shown, nor a figure built on one.

Small numbers of people in a district can point at someone (the block with three households on
welfare). Every view, export and API of the compass reads figures through :func:`figure`, and
gets a :class:`Figure` that holds no value at all when it must stay hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format

# One threshold and one text for every module: the modules below the compass use the same rule
# through ``meedoen.core.small_counts``.
from meedoen.core.small_counts import HIDDEN_TEXT, NO_FIGURE, SMALL_COUNT

__all__ = ["HIDDEN", "HIDDEN_TEXT", "SMALL_COUNT", "UNKNOWN", "Figure", "count_figure", "figure", "ratio_figure"]


@dataclass(frozen=True)
class Figure:
    value: float | None  # None when hidden or unknown
    hidden: bool = False

    @property
    def known(self) -> bool:
        return self.value is not None

    def text(self, decimals: int = 0) -> str:
        if self.hidden:
            return HIDDEN_TEXT
        if self.value is None:
            return NO_FIGURE
        return number_format(round(self.value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)

    def csv(self) -> str:
        """Exports carry the same text for hidden figures; unknown ones stay empty."""
        if self.hidden:
            return HIDDEN_TEXT
        return "" if self.value is None else repr(self.value)


UNKNOWN = Figure(None)
HIDDEN = Figure(None, hidden=True)


def count_figure(value: float | None) -> Figure:
    if value is None:
        return UNKNOWN
    return HIDDEN if value < SMALL_COUNT else Figure(value)


def figure(value: float | None, *, is_count: bool) -> Figure:
    return count_figure(value) if is_count else (UNKNOWN if value is None else Figure(value))


def ratio_figure(
    numerator: float | None,
    denominator: float | None,
    *,
    factor: int,
    numerator_is_count: bool,
    denominator_is_count: bool,
) -> Figure:
    """numerator / denominator x factor, hidden when either part is a count below the threshold."""
    if numerator is None or denominator is None:
        return UNKNOWN
    if numerator_is_count and numerator < SMALL_COUNT:
        return HIDDEN
    if denominator_is_count and denominator < SMALL_COUNT:
        return HIDDEN
    if denominator == 0:
        return UNKNOWN
    return Figure(numerator / denominator * factor)
