"""Resolve who is acting once per request, so every access check reads the same answer."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from meedoen.core.access import ANONYMOUS, SECOND_FACTOR_BY_IDP, Actor, grants_from
from meedoen.organisations.models import Membership


def actor_for_request(request: HttpRequest) -> Actor:
    user = request.user
    if not user.is_authenticated:
        return ANONYMOUS
    verified = bool(getattr(user, "is_verified", lambda: False)()) or bool(request.session.get(SECOND_FACTOR_BY_IDP))
    rows = Membership.objects.filter(user_id=user.pk).values_list("municipality_id", "organisation_id", "role")
    return Actor(
        user_id=user.pk,
        label=user.get_username(),
        grants=grants_from(rows) if verified else frozenset(),
        resident_ref=getattr(user, "resident_ref", ""),
        second_factor=verified,
    )


class ActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = actor_for_request(request)  # type: ignore[attr-defined]
        return self.get_response(request)
