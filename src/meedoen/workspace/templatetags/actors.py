"""``{{ label|actor_shown }}``: who acted, in words, as the audit log page says it (a login name as
it is, a creditor's API key and the platform operator said so); a dash for no one recorded."""

from __future__ import annotations

from django import template

from meedoen.workspace import audit_labels

register = template.Library()


@register.filter
def actor_shown(label: str) -> str:
    return audit_labels.actor_shown(label) if label else "\u2013"
