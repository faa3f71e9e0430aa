"""Request-wide middleware: a request id for the logs, requests that cannot be read refused, and the
page language."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from meedoen.core.numbers import whole_number
from meedoen.core.requests import current_request_id

SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        # fullmatch: "$" would also let a line break at the end through, into the response's header.
        request_id = offered if SAFE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        token = current_request_id.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class UnreadableRequestMiddleware:
    """Refuse (400) a request that no page can have meant: a NUL character in the address or in a
    posted form, or a Content-Length that is not a number. A cookie with a NUL is left out.

    A NUL is never part of a code, an id or a text anyone types, and PostgreSQL can neither store
    nor compare it: a view that looks up or saves what it was given would fail (500) instead of
    saying the request is wrong. A posted form is looked at only where Django's CSRF check reads it
    anyway, so never the API's bodies: the API reads its own and names the field (a JSON body, a
    large upload, a query parameter).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH", "")
        if length and whole_number(length) is None:
            return _refuse(request, "The Content-Length header is not a number.")
        if "\x00" in request.path_info:
            return _refuse(request, "The address holds a NUL character.")
        if any("\x00" in value for value in request.COOKIES.values()):
            # A cookie this site set never holds one; the visitor goes on as without that cookie
            # (the session store would be asked for it and fail on PostgreSQL).
            request.COOKIES = {name: value for name, value in request.COOKIES.items() if "\x00" not in value}
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.method == "POST" and not getattr(view, "csrf_exempt", False) and _holds_nul(request.POST):
            raise BadRequest("NUL in the posted form")
        return None


def _refuse(request: HttpRequest, reason: str) -> HttpResponse:
    """400: in JSON for the API, else the site's page for a request it cannot read."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": reason}, status=400)
    raise BadRequest(reason)


def _holds_nul(values: Any) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values.getlist(key)) for key in values)


class LanguageMiddleware:
    """Dutch unless the visitor chose another language with the switch on the page.

    Django's LocaleMiddleware would follow the browser's Accept-Language; many residents' phones
    are set to a language we do not offer in full, and the B1 Dutch text is the designed default.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response
