"""User accounts. Staff log in with a password and a second factor, or through their organisation's
identity provider; residents log in with DigiD and are known only by a pseudonym."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    resident_ref = models.CharField(
        _("resident pseudonym"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Keyed hash of the BSN for residents who logged in with DigiD; empty for staff."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["resident_ref"], condition=~models.Q(resident_ref=""), name="user_unique_resident_ref"
            ),
        ]
