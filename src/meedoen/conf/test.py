"""Settings of the test suite: fast hashing, in-process tasks, SQLite unless DATABASE_URL says otherwise."""

from __future__ import annotations

import os

os.environ.setdefault("DEMO_MODE", "true")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
# Both OIDC logins are switched on against an identity provider that does not exist; tests stub it.
for prefix in ("OIDC_STAFF", "DIGID_OIDC"):
    os.environ.setdefault(f"{prefix}_ENABLED", "true")
    os.environ.setdefault(f"{prefix}_CLIENT_ID", "meedoen-test")
    os.environ.setdefault(f"{prefix}_CLIENT_SECRET", "not-a-secret")
    for endpoint in ("AUTHORIZATION", "TOKEN", "USERINFO", "JWKS"):
        os.environ.setdefault(f"{prefix}_{endpoint}_ENDPOINT", f"https://idp.example.invalid/{endpoint.lower()}")

from meedoen.conf.base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; argon2 is tested apart
AXES_FAILURE_LIMIT = 5
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic before tests
WHITENOISE_USE_FINDERS = True
