"""Values every template may use."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from meedoen.core.access import actor_of


def site(request: HttpRequest) -> dict[str, Any]:
    return {"demo_mode": settings.DEMO_MODE, "actor": actor_of(request)}
