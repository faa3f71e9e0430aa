"""The small-count rule: a count below 10 is never shown, nor a figure built on one.

Small numbers of people in a district can point at someone (the block with three households on
welfare). Every view, export and API of the compass reads figures through :func:`figure`, and
gets a :class:`Figure` that holds no value at all when it must stay hidden. A hidden count reads
"< 10"; a hidden figure calculated from one (a rate, a percentage) reads "not shown".
"""

from __future__ import annotations

import math

# One threshold, one text and one class for every module: the modules below the compass use the
# same rule through ``meedoen.core.small_counts``.
from meedoen.core import small_counts
from meedoen.core.small_counts import HIDDEN, HIDDEN_TEXT, SMALL, SMALL_COUNT, SMALL_TEXT, UNKNOWN, Shown

__all__ = [
    "HIDDEN",
    "HIDDEN_TEXT",
    "LARGEST_VALUE",
    "SMALL",
    "SMALL_COUNT",
    "SMALL_TEXT",
    "UNKNOWN",
    "Figure",
    "OutOfRangeError",
    "count_figure",
    "figure",
    "in_range",
    "ratio_figure",
    "within_range",
]

Figure = Shown
"""A figure of the compass as it may be shown: its value, or nothing when it is hidden or unknown."""

LARGEST_VALUE = 1e12
"""The largest size, either way, of a figure the compass takes or works out: far above any honest
count or amount, so a typo of ten extra digits is refused, not stored, and every figure worked
out from figures (a difference, a scale, a ratio) stays a finite number."""


class OutOfRangeError(ValueError):
    """A finite number beyond ``LARGEST_VALUE`` either way."""


def within_range(value: float) -> bool:
    """Whether the compass takes ``value``: finite, and at most ``LARGEST_VALUE`` either way."""
    return math.isfinite(value) and abs(value) <= LARGEST_VALUE


def in_range(value: float) -> float:
    """``value`` if the compass takes it; raises ValueError for a value that is not finite (not a
    number at all) and OutOfRangeError for one beyond ``LARGEST_VALUE``."""
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    if abs(value) > LARGEST_VALUE:
        raise OutOfRangeError(f"beyond {LARGEST_VALUE:,.0f} either way")
    return value


def count_figure(value: float | None) -> Figure:
    return small_counts.count(value)


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
    if numerator_is_count and small_counts.is_small(numerator):
        return HIDDEN
    if denominator_is_count and small_counts.is_small(denominator):
        return HIDDEN
    if denominator == 0:
        return UNKNOWN
    value = numerator / denominator * factor
    # A tiny denominator makes a ratio no one can read, or one too large for a float.
    return Figure(value) if within_range(value) else UNKNOWN
