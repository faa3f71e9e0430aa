"""``{% audit_trail_url object_id as url %}``: the audit log page narrowed to one object, for a
page that shows the object; empty for a viewer who may not read the audit log there."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from meedoen.core.access import Actor, Role
from meedoen.organisations.models import Municipality

register = template.Library()


@register.simple_tag(takes_context=True)
def audit_trail_url(context: template.Context, object_id: Any) -> str:
    actor, municipality = context.get("actor"), context.get("municipality")
    if not isinstance(actor, Actor) or not isinstance(municipality, Municipality) or not actor.second_factor:
        return ""
    if not actor.has_role(Role.AUDITOR, municipality_id=municipality.pk):
        return ""
    return f"{reverse('workspace:audit')}?{urlencode({'object': str(object_id)})}"
