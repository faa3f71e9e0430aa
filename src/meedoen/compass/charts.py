"""Line charts as plain SVG geometry, drawn on the server so they work without JavaScript and print
well. Hidden and unknown figures break a line rather than being drawn as zero. Every chart on a
page sits next to a table with the same figures, for screen readers and for reading exact values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeGuard

from django.utils.formats import number_format

from meedoen.compass.suppression import Figure, within_range


@dataclass(frozen=True)
class Line:
    label: str
    css_class: str
    path: str
    dots: list[tuple[float, float]]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[Line]
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    target: tuple[float, str] | None
    plot_left: int
    plot_right: int


def _drawn(value: float | None) -> TypeGuard[float]:
    """A value the chart can place: the compass takes none beyond ``LARGEST_VALUE`` (one stored
    before it did is left out, like an unknown figure, rather than breaking the scale)."""
    return value is not None and within_range(value)


def _nice_step(span: float, ticks: int) -> float:
    raw = span / max(ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= raw)


def _path(points: Sequence[tuple[float, float] | None]) -> str:
    parts: list[str] = []
    pen_down = False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{point[0]:.1f},{point[1]:.1f}")
        pen_down = True
    return " ".join(parts)


def line_chart(
    periods: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[Figure]]],
    *,
    decimals: int = 0,
    target: float | None = None,
    width: int = 640,
    height: int = 240,
) -> Chart:
    """``series`` holds (label, css class, one figure per period)."""
    left, right, top, bottom = 64, width - 16, 16, height - 32
    known = [f.value for _label, _css, figures in series for f in figures if _drawn(f.value)]
    if target is not None and not _drawn(target):
        target = None
    if target is not None:
        known.append(target)
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    low = min(low, 0.0)  # an axis from zero shows a change at its true size
    if high <= low:
        high = low + 1.0
    step = _nice_step(high - low, 4)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step

    def x(index: int) -> float:
        return left + (right - left) * (index / (len(periods) - 1) if len(periods) > 1 else 0.5)

    def y(value: float) -> float:
        return bottom - (bottom - top) * (value - low) / (high - low)

    lines = []
    for label, css_class, figures in series:
        points = [(x(i), y(f.value)) if _drawn(f.value) else None for i, f in enumerate(figures)]
        lines.append(Line(label, css_class, _path(points), [p for p in points if p is not None]))
    tick_count = round((high - low) / step)
    y_ticks = [
        (y(low + i * step), number_format(low + i * step, decimal_pos=decimals, use_l10n=True, force_grouping=True))
        for i in range(tick_count + 1)
    ]
    every = max(1, math.ceil(len(periods) / 8))
    x_labels = [(x(i), period) for i, period in enumerate(periods) if i % every == 0 or i == len(periods) - 1]
    target_line = (
        (y(target), number_format(target, decimal_pos=decimals, use_l10n=True, force_grouping=True))
        if target is not None
        else None
    )
    return Chart(width, height, lines, x_labels, y_ticks, target_line, left, right)


def sparkline(figures: Sequence[Figure], *, width: int = 120, height: int = 28) -> str:
    """The path of a small trend line without axes, for a table cell."""
    known = [f.value for f in figures if f.value is not None]
    if len(known) < 2:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    count = len(figures)
    points = [
        (2 + (width - 4) * i / (count - 1), height - 2 - (height - 4) * (f.value - low) / span)
        if f.value is not None
        else None
        for i, f in enumerate(figures)
    ]
    return _path(points)
