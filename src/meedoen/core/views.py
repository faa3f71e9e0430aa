"""Pages and endpoints every installation has: the health check."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from meedoen.core.health import check_health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    health = check_health()
    body = {
        "status": "ok" if health.ok else "unavailable",
        "database": "ok" if health.database else "unreachable",
        "migrations": "ok" if health.migrations else f"{health.pending} pending",
    }
    return JsonResponse(body, status=200 if health.ok else 503)
