"""Writes of staff accounts and their second factor."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from meedoen.accounts.models import User
from meedoen.core.access import Actor
from meedoen.core.audit import record_change


def staff_user_create(
    *,
    actor: Actor,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str | None,
    validate: bool = True,
) -> User:
    """Create a staff account. Without a password the person can only log in through OIDC."""
    with transaction.atomic():
        user = User(username=username, first_name=first_name, last_name=last_name, email=email)
        if password is None:
            user.set_unusable_password()
        else:
            if validate:
                validate_password(password, user)
            user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        record_change(actor=actor, action="user.create", obj=user)
    return user


def totp_device_set(*, actor: Actor, user: User, key_hex: str) -> TOTPDevice:
    """Give ``user`` a confirmed authenticator with a known key (used for the demo personas)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="authenticator", key=key_hex, confirmed=True)
        record_change(actor=actor, action="second_factor.set", obj=user)
    return device
