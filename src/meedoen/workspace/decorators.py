"""Guard for workspace pages: a logged-in staff member with a second factor and a role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from meedoen.core.access import Actor, actor_of
from meedoen.organisations.models import Municipality

P = ParamSpec("P")
CURRENT_MUNICIPALITY = "workspace_municipality"

StaffView = Callable[Concatenate[HttpRequest, Actor, Municipality, P], HttpResponse]


def current_municipality(request: HttpRequest, actor: Actor) -> Municipality | None:
    """The municipality the staff member works in now: the one chosen, else the first they serve."""
    allowed = Municipality.objects.filter(pk__in=actor.municipality_ids()).order_by("name")
    chosen = request.session.get(CURRENT_MUNICIPALITY)
    if isinstance(chosen, int):
        return allowed.filter(pk=chosen).first() or allowed.first()
    return allowed.first()


def staff_view(view: StaffView[P]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        actor = actor_of(request)
        if actor.is_anonymous or not actor.second_factor:
            return redirect_to_login(request.get_full_path())
        municipality = current_municipality(request, actor)
        if municipality is None:
            return render(request, "workspace/no_role.html", status=403)
        return view(request, actor, municipality, *args, **kwargs)

    return wrapper
