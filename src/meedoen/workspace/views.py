"""Workspace pages. Each page asks the access layer; a role that does not allow it gets a 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from meedoen.areas.selectors import area_by_code, districts_of
from meedoen.areas.services import area_rename
from meedoen.core.access import WORKSPACE_ROLES, Actor, Role, actor_of, require_role
from meedoen.organisations.models import Municipality
from meedoen.organisations.selectors import members_of_municipality, municipalities_for, partner_organisations
from meedoen.workspace import audit_page
from meedoen.workspace.audit_forms import AuditFilterForm
from meedoen.workspace.decorators import CURRENT_MUNICIPALITY, staff_view
from meedoen.workspace.navigation import modules_for


def _page(
    request: HttpRequest,
    actor: Actor,
    municipality: Municipality,
    template: str,
    status: int = 200,
    **context: object,
) -> HttpResponse:
    roles = actor.roles_in(municipality.pk)
    base = {
        "municipality": municipality,
        "municipalities": municipalities_for(actor),
        "modules": modules_for(roles),
        "roles": sorted(Role(role).label for role in roles),
    }
    return render(request, template, base | context, status=status)


@staff_view
def home(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    return _page(request, actor, municipality, "workspace/home.html")


@require_POST
def switch_municipality(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    try:
        wanted = int(request.POST.get("municipality", ""))
    except ValueError:
        wanted = 0
    if wanted not in actor.municipality_ids(*WORKSPACE_ROLES):
        raise PermissionDenied("not a municipality of this staff member")
    request.session[CURRENT_MUNICIPALITY] = wanted
    return redirect("workspace:home")


@staff_view
def areas(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    """Districts with CBS figures; application managers can give districts their local names."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        district = districts_of(municipality.code).filter(code=request.POST.get("code", "")).first()
        if district is None:
            raise PermissionDenied("not a district of this municipality")
        try:
            area_rename(
                actor=actor,
                municipality_id=municipality.pk,
                municipality_code=municipality.code,
                area=district,
                name=request.POST.get("name", ""),
            )
        except ValidationError as error:
            errors = {district.code: error.messages}
        else:
            messages.success(request, _("The name of %(code)s is saved.") % {"code": district.code})
            return redirect("workspace:areas")
    return _page(
        request,
        actor,
        municipality,
        "workspace/areas.html",
        area=area_by_code(municipality.code),
        districts=districts_of(municipality.code),
        can_rename=actor.has_role(Role.APPLICATION_MANAGER, municipality_id=municipality.pk),
        errors=errors,
        status=400 if errors else 200,
    )


@staff_view
def organisations(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    members = members_of_municipality(actor=actor, municipality_id=municipality.pk)
    return _page(
        request,
        actor,
        municipality,
        "workspace/organisations.html",
        organisations=partner_organisations(municipality),
        members=members,
    )


# The export streams its rows (StreamingHttpResponse), which staff_view's type does not name.
@never_cache
@staff_view  # type: ignore[arg-type]
def audit(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponseBase:
    """The municipality's audit log for its auditors, narrowed by the filter; as CSV on request."""
    require_role(actor, Role.AUDITOR, municipality_id=municipality.pk)
    form = AuditFilterForm(request.GET)
    if request.GET.get(audit_page.EXPORT) == audit_page.CSV:
        return audit_page.export(actor, municipality, form)
    actors = audit_page.actors(actor, municipality)
    if not form.is_valid():
        return _page(request, actor, municipality, "workspace/audit.html", 400, form=form, actors=actors)
    context = audit_page.page_context(request, actor, municipality, form)
    return _page(request, actor, municipality, "workspace/audit.html", form=form, actors=actors, **context)
