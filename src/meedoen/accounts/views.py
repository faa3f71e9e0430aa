"""Staff login in two steps (password, then a code from an authenticator app) and logout.

Between the steps the session holds only the id of the user who gave the right password; it
expires after five minutes. Password attempts are limited by django-axes, code attempts by
django-otp's growing delay.
"""

from __future__ import annotations

import time
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from meedoen.accounts.forms import CodeForm, PasswordForm
from meedoen.accounts.models import User
from meedoen.core.audit import record_access

PENDING_USER = "login_pending_user"
PENDING_SINCE = "login_pending_since"
PENDING_NEXT = "login_pending_next"
PENDING_MAX_SECONDS = 300


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER)
    since = request.session.get(PENDING_SINCE, 0)
    if not user_id or time.time() - since > PENDING_MAX_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True, resident_ref="").first()


def _complete_login(request: HttpRequest, user: User, device: TOTPDevice) -> HttpResponse:
    next_url = request.session.get(PENDING_NEXT)
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    record_access(action="login", actor_id=user.pk, actor_label=user.get_username())
    return HttpResponseRedirect(_safe_next(request, next_url))


@never_cache
@sensitive_post_parameters("password")
def login_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PasswordForm(request, data=request.POST)
        if form.is_valid() and form.user is not None:
            request.session.cycle_key()
            request.session[PENDING_USER] = form.user.pk
            request.session[PENDING_SINCE] = time.time()
            request.session[PENDING_NEXT] = _safe_next(request, request.POST.get("next"))
            if TOTPDevice.objects.filter(user=form.user, confirmed=True).exists():
                return redirect("accounts:login-code")
            return redirect("accounts:login-setup")
        record_access(action="login.password_failed", actor_id=None, actor_label="", details={})
    else:
        form = PasswordForm(request)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", ""), "oidc_staff_enabled": settings.OIDC_STAFF_ENABLED},
    )


@never_cache
def login_code_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("accounts:login-setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            form.add_error("code", _("Too many wrong codes. Wait a minute and try again."))
        elif device.verify_token(form.cleaned_data["code"]):
            return _complete_login(request, user, device)
        else:
            record_access(action="login.code_failed", actor_id=user.pk, actor_label=user.get_username())
            form.add_error("code", _("This code is not right. Check the time on your phone and try again."))
    return render(request, "accounts/login_code.html", {"form": form})


@never_cache
def login_setup_view(request: HttpRequest) -> HttpResponse:
    """First login: connect an authenticator app by scanning a QR code, then confirm with a code."""
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:login-code")
    device, _created = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": "authenticator"})
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            record_access(action="second_factor.enrolled", actor_id=user.pk, actor_label=user.get_username())
            return _complete_login(request, user, device)
        form.add_error("code", _("This code is not right. Scan the QR code again and enter the new code."))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/login_setup.html", {"form": form, "qr_svg": qr_svg, "secret": secret})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        record_access(action="logout", actor_id=request.user.pk, actor_label=request.user.get_username())
    auth_logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)
