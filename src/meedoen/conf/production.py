"""Production settings: the base settings, hardened, refusing to start when something is unsafe."""

from __future__ import annotations

from whitenoise.compress import Compressor

from meedoen.conf import env
from meedoen.conf.base import *  # noqa: F403
from meedoen.conf.base import (
    CACHE_URL,
    DATABASES,
    DEBUG,
    DEMO_MODE,
    DEMO_SECRET_KEY,
    LEDGER_KEY_SEED,
    LEDGER_SUBJECT_KEY,
    LOG_LEVEL,
    RESIDENT_PSEUDONYM_KEY,
    SECRET_KEY,
)
from meedoen.conf.logging import logging_config

ALLOW_SQLITE_IN_PRODUCTION = env.boolean(
    "ALLOW_SQLITE_IN_PRODUCTION",
    default=False,
    help="Allow SQLite in production (a single small installation); PostgreSQL is the production engine.",
)

if not env.is_set("SECRET_KEY") or SECRET_KEY == DEMO_SECRET_KEY:
    raise env.SettingError("SECRET_KEY", "must be set to a random value of your own in production")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise env.SettingError("SECRET_KEY", "must be at least 50 characters with at least 5 different ones")
if DEBUG:
    raise env.SettingError("DEBUG", "must be off in production")
if DEMO_MODE:
    raise env.SettingError("DEMO_MODE", "must be off in production: the persona switcher logs in without a password")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not ALLOW_SQLITE_IN_PRODUCTION:
    raise env.SettingError("DATABASE_URL", "points to SQLite; use PostgreSQL or set ALLOW_SQLITE_IN_PRODUCTION=true")
if not env.is_set("RESIDENT_PSEUDONYM_KEY") or RESIDENT_PSEUDONYM_KEY == "demo-only-pseudonym-key":
    raise env.SettingError("RESIDENT_PSEUDONYM_KEY", "must be set to a random value of your own in production")
for name, value, demo in (
    ("LEDGER_KEY_SEED", LEDGER_KEY_SEED, "demo-only-ledger-key-seed"),
    ("LEDGER_SUBJECT_KEY", LEDGER_SUBJECT_KEY, "demo-only-ledger-subject-key"),
):
    if not env.is_set(name) or value == demo or len(value) < 32:
        raise env.SettingError(name, "must be set to at least 32 random characters of your own in production")
if len(RESIDENT_PSEUDONYM_KEY) < 32:
    raise env.SettingError("RESIDENT_PSEUDONYM_KEY", "must have at least 32 random characters in production")
if not CACHE_URL:
    raise env.SettingError(
        "CACHE_URL",
        "must name the cache every web process shares (redis://...) in production, or be 'local' for an "
        "installation with a single web process",
    )
for name in ("EARLY_SIGNALS_RETENTION_DAYS", "EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS"):
    if not env.is_set(name):
        raise env.SettingError(
            name, "must be set in production to the term of your municipality's own retention policy, in days"
        )

SECURE_SSL_REDIRECT = env.boolean(
    "SECURE_SSL_REDIRECT",
    default=True,
    help="Redirect plain HTTP to HTTPS (switch off only when a proxy in front already does).",
)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.integer(
    "SECURE_HSTS_SECONDS", default=31_536_000, help="How long browsers must use HTTPS only (HSTS), in seconds."
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Source maps are read by a browser's developer tools only: served as they are, not compressed
# (compressing them was half of collectstatic's time).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Log collectors read JSON; a person at a terminal can still ask for LOG_FORMAT=console.
if not env.is_set("LOG_FORMAT"):
    LOGGING = logging_config(level=LOG_LEVEL, json=True)
