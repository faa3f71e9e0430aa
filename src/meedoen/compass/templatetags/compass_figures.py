"""Show a figure in a template: ``{{ figure|figure_text:indicator.decimals }}``; hidden ones read
"< 10" (a count) or "not shown"."""

from __future__ import annotations

from django import template

from meedoen.compass.suppression import Figure

register = template.Library()


@register.filter
def figure_text(value: Figure, decimals: int = 0) -> str:
    return value.text(int(decimals)) if isinstance(value, Figure) else ""
