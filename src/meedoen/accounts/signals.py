"""Lockouts go to the audit log, so an auditor sees attacks on staff accounts."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.dispatch import receiver

from meedoen.core.audit import record_access


@receiver(user_locked_out, dispatch_uid="meedoen.accounts.lockout_audited")
def record_lockout(sender: Any, request: Any, username: str | None = None, **kwargs: Any) -> None:
    # Only a name that belongs to an account is written; a typed-in stranger's name is not ours to keep.
    user = get_user_model().objects.filter(username=username).first() if username else None
    record_access(
        action="login.locked_out",
        actor_id=user.pk if user else None,
        actor_label=user.get_username() if user else "",
    )
