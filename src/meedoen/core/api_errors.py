"""How the API answers a refusal that a service raised.

Services refuse with Django's ``PermissionDenied`` and a reason written for the logs, in English
("no role that allows this"). Passed on as it is, that reason would reach an API client in English
whatever its language, and tell it how the rules are built; the client gets the framework's own
refusal in its language instead, and the reason goes to the log.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.core.exceptions import PermissionDenied
from rest_framework import exceptions, views
from rest_framework.response import Response

log = structlog.get_logger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with a service's refusal answered as above."""
    if isinstance(exc, PermissionDenied):
        log.info("api.refused", reason=str(exc))
        exc = exceptions.PermissionDenied()
    return views.exception_handler(exc, context)
