"""Guards for workspace pages: a logged-in staff member with a second factor and a role.

The municipality's pages (``staff_view``) open for the workspace roles; the pages where a creditor's
staff deliver signals (``deliverer_view``) open for the signal deliverer only. A deliverer holds a
grant in a municipality, but that grant opens nothing else of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from meedoen.core.access import WORKSPACE_ROLES, Actor, Role, actor_of
from meedoen.early_signals.deliveries import deliverer_organisations
from meedoen.organisations.models import Municipality, Organisation

P = ParamSpec("P")
CURRENT_MUNICIPALITY = "workspace_municipality"
HOME = "workspace:home"
SIGNAL_DELIVERY = "workspace:signal-delivery"

StaffView = Callable[Concatenate[HttpRequest, Actor, Municipality, P], HttpResponse]
DelivererView = Callable[Concatenate[HttpRequest, Actor, Sequence[Organisation], P], HttpResponse]


def current_municipality(request: HttpRequest, actor: Actor) -> Municipality | None:
    """The municipality the staff member works in now: the one chosen, else the first they serve
    in a workspace role."""
    allowed = Municipality.objects.filter(pk__in=actor.municipality_ids(*WORKSPACE_ROLES)).order_by("name")
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
            if actor.municipality_ids(Role.CREDITOR_DELIVERER):
                # A creditor's deliverer lands on the workspace after logging in: its one page.
                if request.resolver_match is not None and request.resolver_match.view_name == HOME:
                    return redirect(SIGNAL_DELIVERY)
                raise PermissionDenied("a signal deliverer opens only the pages of its deliveries")
            return render(request, "workspace/no_role.html", status=403)
        return view(request, actor, municipality, *args, **kwargs)

    return wrapper


def deliverer_view(view: DelivererView[P]) -> Callable[..., HttpResponse]:
    """For the staff of a creditor who deliver its signals: hands the view the actor and the
    organisations the actor delivers for (one, as a rule); refuses everyone else."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        actor = actor_of(request)
        if actor.is_anonymous or not actor.second_factor:
            return redirect_to_login(request.get_full_path())
        organisations = deliverer_organisations(actor)
        if not organisations:
            raise PermissionDenied("not a signal deliverer of any organisation")
        return view(request, actor, organisations, *args, **kwargs)

    return wrapper
