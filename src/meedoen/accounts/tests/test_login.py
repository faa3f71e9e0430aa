"""Staff login in two steps, its rate limit, and logging out."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from meedoen.accounts.tests.factories import PASSWORD
from meedoen.core.models import AuditEvent


def current_code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, step=device.step, digits=device.digits).token():06d}"


@pytest.fixture
def policy_officer(personas):
    return personas["ww_policy"]


def test_login_page_works_without_login(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert response.headers["Cache-Control"].startswith("max-age=0")


def test_password_then_code_opens_the_workspace(client, policy_officer):
    response = client.post(reverse("accounts:login"), {"username": "ww-beleid", "password": PASSWORD})
    assert response["Location"] == reverse("accounts:login-code")
    # Between the two steps the workspace stays closed.
    assert client.get(reverse("workspace:home")).status_code == 302

    device = TOTPDevice.objects.get(user=policy_officer)
    response = client.post(reverse("accounts:login-code"), {"code": current_code(device)})
    assert response["Location"] == reverse("workspace:home")
    assert client.get(reverse("workspace:home")).status_code == 200
    assert AuditEvent.objects.filter(action="login", actor_id=policy_officer.pk).exists()


def test_login_returns_to_a_safe_next_page_only(client, policy_officer):
    device = TOTPDevice.objects.get(user=policy_officer)
    client.post(
        reverse("accounts:login"), {"username": "ww-beleid", "password": PASSWORD, "next": "https://evil.example/"}
    )
    response = client.post(reverse("accounts:login-code"), {"code": current_code(device)})
    assert response["Location"] == reverse("workspace:home")

    client.post(reverse("accounts:logout"))
    # A code is accepted once: the next login uses the code of the next 30 seconds.
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        client.post(
            reverse("accounts:login"), {"username": "ww-beleid", "password": PASSWORD, "next": "/werkplek/gebieden/"}
        )
        response = client.post(reverse("accounts:login-code"), {"code": current_code(device)})
    assert response["Location"] == "/werkplek/gebieden/"


def test_wrong_password_says_so_without_revealing_whether_the_user_exists(client, policy_officer):
    wrong = client.post(reverse("accounts:login"), {"username": "ww-beleid", "password": "fout"})
    unknown = client.post(reverse("accounts:login"), {"username": "niemand", "password": "fout"})
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_wrong_code_keeps_the_door_closed(client, policy_officer):
    client.post(reverse("accounts:login"), {"username": "ww-beleid", "password": PASSWORD})
    response = client.post(reverse("accounts:login-code"), {"code": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert client.get(reverse("workspace:home")).status_code == 302
    assert AuditEvent.objects.filter(action="login.code_failed").count() == 1


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "<script>", "١٢٣٤٥٦"])
def test_malformed_codes_are_refused_with_a_message(client, policy_officer, code):
    client.post(reverse("accounts:login"), {"username": "ww-beleid", "password": PASSWORD})
    response = client.post(reverse("accounts:login-code"), {"code": code})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


def test_repeated_wrong_codes_are_slowed_down(client, policy_officer):
    client.post(reverse("accounts:login"), {"username": "ww-beleid", "password": PASSWORD})
    client.post(reverse("accounts:login-code"), {"code": "000000"})
    device = TOTPDevice.objects.get(user=policy_officer)
    # django-otp now makes the next attempt wait, even with the right code.
    response = client.post(reverse("accounts:login-code"), {"code": current_code(device)})
    assert response.status_code == 200
    assert client.get(reverse("workspace:home")).status_code == 302


def test_code_step_without_password_step_goes_back_to_login(client):
    assert client.get(reverse("accounts:login-code"))["Location"] == reverse("accounts:login")
    assert client.get(reverse("accounts:login-setup"))["Location"] == reverse("accounts:login")


def test_login_is_locked_after_too_many_wrong_passwords(client, policy_officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "ww-beleid", "password": "fout"})
    response = client.post(reverse("accounts:login"), {"username": "ww-beleid", "password": PASSWORD})
    assert response.status_code == 429
    assert "login_pending_user" not in client.session
    minutes = settings.AXES_COOLOFF_TIME * 60
    assert f"Wacht {minutes:.0f} minuten" in response.content.decode()
    lockouts = AuditEvent.objects.filter(action="login.locked_out")
    assert lockouts.exists()
    assert {event.actor_id for event in lockouts} == {policy_officer.pk}


def test_first_login_connects_an_authenticator_app(client, personas):
    from meedoen.accounts.tests.factories import UserFactory

    newcomer = UserFactory(username="nieuw")
    response = client.post(reverse("accounts:login"), {"username": "nieuw", "password": PASSWORD})
    assert response["Location"] == reverse("accounts:login-setup")
    page = client.get(reverse("accounts:login-setup"))
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)

    response = client.post(reverse("accounts:login-setup"), {"code": "000000"})
    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed

    # After a wrong code django-otp makes the next try wait a moment.
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        response = client.post(reverse("accounts:login-setup"), {"code": current_code(device)})
    assert response["Location"] == reverse("workspace:home")
    device.refresh_from_db()
    assert device.confirmed


def test_residents_cannot_log_in_with_a_password(client, personas):
    resident = personas["resident"]
    resident.set_password(PASSWORD)
    resident.save()
    response = client.post(reverse("accounts:login"), {"username": resident.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "login_pending_user" not in client.session


def test_logout_needs_a_post_and_ends_the_session(client_as):
    client = client_as("ww_policy")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("workspace:home")).status_code == 302


def test_passwords_are_hashed_with_argon2_outside_tests():
    from meedoen.conf import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    from django.contrib.auth.hashers import make_password
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        assert identify_hasher(make_password("een wachtwoord")).algorithm == "argon2"


def test_sessions_end_after_idle_time():
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
