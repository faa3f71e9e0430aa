"""Demo persona switcher: log in as any demo persona with one click. Only with DEMO_MODE on."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from meedoen.accounts.models import User
from meedoen.core.audit import record_access
from meedoen.demo.loader import demo_memberships
from meedoen.demo.personas import PERSONAS


def _require_demo_mode() -> None:
    if not settings.DEMO_MODE:
        raise Http404("the persona switcher exists only in the demo")


def personas(request: HttpRequest) -> HttpResponse:
    _require_demo_mode()
    if request.method == "POST":
        username = request.POST.get("username", "")
        if username not in {p.username for p in PERSONAS}:
            raise Http404("not a demo persona")
        user = User.objects.filter(username=username).first()
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if user is None or device is None:
            raise Http404("demo data not loaded")
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        otp_login(request, device)
        record_access(action="login.demo_persona", actor_id=user.pk, actor_label=user.get_username())
        return redirect("workspace:home")
    return render(request, "demo/personas.html", {"memberships": demo_memberships()})
