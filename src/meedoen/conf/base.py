"""Settings shared by every environment, read from the environment with safe demo defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from meedoen.conf import env
from meedoen.conf.logging import logging_config

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PACKAGE_DIR.parent.parent

# A fixed key so the demo runs without set-up; production refuses to start with it.
DEMO_SECRET_KEY = "demo-only-secret-key-never-use-in-production-4f1c6b2e9a"  # noqa: S105  (refused by production settings)

SECRET_KEY = env.string(
    "SECRET_KEY",
    default=DEMO_SECRET_KEY,
    help="Key that signs sessions and tokens; at least 50 random characters in production.",
    secret=True,
)
DEBUG = env.boolean("DEBUG", default=False, help="Show tracebacks in the browser; never in production.")
ALLOWED_HOSTS = env.string_list(
    "ALLOWED_HOSTS",
    default=["127.0.0.1", "localhost"],
    help="Comma-separated host names this site answers to.",
)
CSRF_TRUSTED_ORIGINS = env.string_list(
    "CSRF_TRUSTED_ORIGINS",
    default=[],
    help="Comma-separated origins (https://host) trusted for form posts behind a proxy.",
)
DEMO_MODE = env.boolean(
    "DEMO_MODE",
    default=False,
    help="Enable the demo persona switcher. Production settings refuse to start with it on.",
)

DATABASE_URL = env.string(
    "DATABASE_URL",
    default=f"sqlite:///{BASE_DIR / 'var' / 'meedoen.sqlite3'}",
    help="Database address, e.g. postgres://user@127.0.0.1:5432/meedoen; SQLite by default.",
    secret=True,
)
DATABASE_CONN_MAX_AGE = env.integer(
    "DATABASE_CONN_MAX_AGE",
    default=60,
    help="Seconds a database connection is kept open for reuse (0 closes it after each request).",
)


def _database(url: str) -> dict[str, object]:
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=DATABASE_CONN_MAX_AGE))
    except ValueError as exc:
        raise env.SettingError("DATABASE_URL", f"cannot be read: {exc}") from exc
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions avoid "database is locked" on concurrent writes; WAL lets
        # readers continue while one process writes. The file is read through a memory map of up
        # to 256 MiB (pages the operating system already caches, shared by every connection)
        # instead of copied into each connection's 2 MiB page cache: a search of 20,000 offers
        # reads more than that, and its p95 drops by a quarter (docs/benchmarks.md).
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA mmap_size=268435456;"
            ),
        }
    return config


DATABASES = {"default": _database(DATABASE_URL)}

CACHE_URL = env.string(
    "CACHE_URL",
    default="",
    help=(
        "Shared cache, e.g. redis://127.0.0.1:6379/1; empty or 'local' keeps a cache per process. Every web "
        "process must share it when more than one runs: the co-creation board's limits on join attempts and "
        "notes, and a creditor clerk's answer per row right after an upload, live there. Required in "
        "production ('local' for an installation with a single web process)."
    ),
    secret=True,
)


def _caches(url: str) -> dict[str, dict[str, object]]:
    if url in ("", "local"):
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise env.SettingError("CACHE_URL", "must be a redis://, rediss:// or unix:// address, 'local', or empty")
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


CACHES = _caches(CACHE_URL)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "meedoen.core.apps.StaticFilesConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "meedoen.core",
    "meedoen.accounts",
    "meedoen.areas",
    "meedoen.organisations",
    "meedoen.ledger",
    "meedoen.socialmap",
    "meedoen.entitlements",
    "meedoen.early_signals",
    "meedoen.compass",
    "meedoen.portal",
    "meedoen.workspace",
    "meedoen.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "meedoen.core.middleware.RequestIdMiddleware",
    "meedoen.core.middleware.UnreadableRequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "meedoen.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "meedoen.organisations.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "meedoen.urls"
WSGI_APPLICATION = "meedoen.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "meedoen.core.context_processors.site",
            ],
        },
    },
]

# --- accounts and sessions -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "portal:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
SESSION_IDLE_MINUTES = env.integer(
    "SESSION_IDLE_MINUTES",
    default=30,
    minimum=1,
    help="Minutes without activity after which a session ends.",
)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # every request renews the idle deadline
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Staff login is rate-limited per user name and address (django-axes, stored in the database
# so every web process shares the count).
AXES_FAILURE_LIMIT = env.integer(
    "LOGIN_FAILURE_LIMIT",
    default=5,
    minimum=1,
    help="Failed staff logins per user name and address before login is locked.",
)
AXES_COOLOFF_TIME = (
    env.integer(
        "LOGIN_LOCKOUT_MINUTES",
        default=15,
        minimum=1,
        help="Minutes a locked staff login stays locked.",
    )
    / 60
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env.string(
    "OTP_ISSUER",
    default="Meedoen",
    help="Name shown in the authenticator app next to the staff account.",
)

# --- OpenID Connect: staff identity provider and DigiD through an OIDC broker ---------------
OIDC_STAFF_ENABLED = env.boolean(
    "OIDC_STAFF_ENABLED", default=False, help="Let staff log in through the organisation's OIDC identity provider."
)
OIDC_RP_CLIENT_ID = env.string("OIDC_STAFF_CLIENT_ID", default="", help="Client id at the staff OIDC provider.")
OIDC_RP_CLIENT_SECRET = env.string(
    "OIDC_STAFF_CLIENT_SECRET", default="", help="Client secret at the staff OIDC provider.", secret=True
)
OIDC_OP_AUTHORIZATION_ENDPOINT = env.string(
    "OIDC_STAFF_AUTHORIZATION_ENDPOINT", default="", help="Authorization endpoint of the staff OIDC provider."
)
OIDC_OP_TOKEN_ENDPOINT = env.string(
    "OIDC_STAFF_TOKEN_ENDPOINT", default="", help="Token endpoint of the staff OIDC provider."
)
OIDC_OP_USER_ENDPOINT = env.string(
    "OIDC_STAFF_USERINFO_ENDPOINT", default="", help="Userinfo endpoint of the staff OIDC provider."
)
OIDC_OP_JWKS_ENDPOINT = env.string(
    "OIDC_STAFF_JWKS_ENDPOINT", default="", help="JWKS endpoint (signing keys) of the staff OIDC provider."
)
OIDC_RP_SIGN_ALGO = env.string("OIDC_STAFF_SIGN_ALGO", default="RS256", help="Signing algorithm of ID tokens.")
OIDC_RP_SCOPES = "openid email profile"
OIDC_TIMEOUT = 10  # seconds for each call to the provider; a slow one must not hold a worker
OIDC_CREATE_USER = False  # staff accounts are made by a functioneel beheerder, never by a login
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"

DIGID_OIDC_ENABLED = env.boolean(
    "DIGID_OIDC_ENABLED", default=False, help="Let residents log in with DigiD through an OIDC broker."
)
DIGID_OIDC = {
    "OIDC_RP_CLIENT_ID": env.string("DIGID_OIDC_CLIENT_ID", default="", help="Client id at the DigiD broker."),
    "OIDC_RP_CLIENT_SECRET": env.string(
        "DIGID_OIDC_CLIENT_SECRET", default="", help="Client secret at the DigiD broker.", secret=True
    ),
    "OIDC_OP_AUTHORIZATION_ENDPOINT": env.string(
        "DIGID_OIDC_AUTHORIZATION_ENDPOINT", default="", help="Authorization endpoint of the DigiD broker."
    ),
    "OIDC_OP_TOKEN_ENDPOINT": env.string(
        "DIGID_OIDC_TOKEN_ENDPOINT", default="", help="Token endpoint of the DigiD broker."
    ),
    "OIDC_OP_USER_ENDPOINT": env.string(
        "DIGID_OIDC_USERINFO_ENDPOINT", default="", help="Userinfo endpoint of the DigiD broker."
    ),
    "OIDC_OP_JWKS_ENDPOINT": env.string(
        "DIGID_OIDC_JWKS_ENDPOINT", default="", help="JWKS endpoint (signing keys) of the DigiD broker."
    ),
    "OIDC_RP_SIGN_ALGO": env.string("DIGID_OIDC_SIGN_ALGO", default="RS256", help="Signing algorithm of ID tokens."),
    "OIDC_RP_SCOPES": env.string("DIGID_OIDC_SCOPES", default="openid", help="Scopes asked of the DigiD broker."),
    "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:digid-callback",
    "OIDC_CREATE_USER": True,  # a resident's first DigiD login makes their pseudonymous account
    "BSN_CLAIM": env.string(
        "DIGID_OIDC_BSN_CLAIM", default="bsn", help="Name of the claim in which the broker gives the BSN."
    ),
}
RESIDENT_PSEUDONYM_KEY = env.string(
    "RESIDENT_PSEUDONYM_KEY",
    default="demo-only-pseudonym-key",
    help="Key with which a resident's BSN is turned into a pseudonym; never stored with the data.",
    secret=True,
)

# --- shared log ------------------------------------------------------------------------------
LEDGER_KEY_SEED = env.string(
    "LEDGER_KEY_SEED",
    default="demo-only-ledger-key-seed",
    help="Secret from which the signing keys of the shared logs and of organisations are derived.",
    secret=True,
)
LEDGER_SUBJECT_KEY = env.string(
    "LEDGER_SUBJECT_KEY",
    default="demo-only-ledger-subject-key",
    help="Key of the per-municipality pseudonyms of residents in the shared log.",
    secret=True,
)
LEDGER_SUBJECT_KEY_VERSION = env.integer(
    "LEDGER_SUBJECT_KEY_VERSION",
    default=1,
    minimum=1,
    help="Version of LEDGER_SUBJECT_KEY, written into every entry; raise it when you rotate the key.",
)
LEDGER_WITNESS_KEYS = env.string_list(
    "LEDGER_WITNESS_KEYS",
    default=[],
    help="Comma-separated cosignature/v1 verifier keys of the witnesses whose cosignatures the logs publish.",
)
LEDGER_ORIGIN_PREFIX = env.string(
    "LEDGER_ORIGIN_PREFIX",
    default="meedoen.localhost/log",
    help="Host and path under which the shared logs are published; a log's origin adds its CBS code.",
)

# --- early signalling ------------------------------------------------------------------------
# The law sets no term (docs/early-signals-retention.md): each municipality sets its own in its
# retention policy. The demo's value is an example, not advice; production refuses to start without one.
DEMO_EARLY_SIGNALS_RETENTION_DAYS = 365
EARLY_SIGNALS_MAX_RETENTION_DAYS = 3650
EARLY_SIGNALS_RETENTION_DAYS = env.integer(
    "EARLY_SIGNALS_RETENTION_DAYS",
    default=DEMO_EARLY_SIGNALS_RETENTION_DAYS,
    minimum=1,
    help=(
        "Days after a case of early signals closed without follow-up before the personal data of its signals is "
        "removed: your municipality's own term; a municipality's own setting overrides it. Required in production."
    ),
)
# Once help was accepted, the household's help goes on in the file of that help, outside Meedoen; the
# signals then serve only the feedback to the creditor and the figures, which their tombstones keep.
# The law sets no term for this either; the demo's value is an example, not advice.
DEMO_EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS = 90
EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS = env.integer(
    "EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS",
    default=DEMO_EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS,
    minimum=1,
    help=(
        "Days after a case of early signals closed with help accepted before the personal data of its signals is "
        "removed: your municipality's own term; a municipality's own setting overrides it. Required in production."
    ),
)
for _name, _days in (
    ("EARLY_SIGNALS_RETENTION_DAYS", EARLY_SIGNALS_RETENTION_DAYS),
    ("EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS", EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS),
):
    if _days > EARLY_SIGNALS_MAX_RETENTION_DAYS:
        raise env.SettingError(_name, f"must be at most {EARLY_SIGNALS_MAX_RETENTION_DAYS} days, not {_days}")

if OIDC_STAFF_ENABLED:
    AUTHENTICATION_BACKENDS.append("meedoen.accounts.oidc.StaffOIDCBackend")
if DIGID_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("meedoen.accounts.oidc.DigiDBackend")

# --- internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# Messages take the names of the NL Design System alert variants.
MESSAGE_TAGS = {10: "info", 20: "info", 25: "ok", 30: "warning", 40: "error"}

# --- static files: our own plus the NL Design System packages from npm ---------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(
    env.string(
        "STATIC_ROOT",
        default=str(BASE_DIR / "var" / "static"),
        help="Folder collectstatic fills and the web process serves static files from.",
    )
)
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
VENDOR_STATIC_FILES = {
    "vendor/utrecht/index.css": NODE_MODULES / "@utrecht" / "component-library-css" / "dist" / "index.css",
    "vendor/utrecht-tokens/index.css": NODE_MODULES / "@utrecht" / "design-tokens" / "dist" / "index.css",
    "vendor/htmx/htmx.min.js": NODE_MODULES / "htmx.org" / "dist" / "htmx.min.js",
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "meedoen.core.staticfiles.VendorFileFinder",
]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- security headers ------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "meedoen.core.json_input.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "meedoen.core.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Meedoen API",
    "DESCRIPTION": "Open API of Meedoen: areas, organisations and the modules built on them.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "kind"; the organisations' kept its first name, so clients do not break.
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "meedoen.organisations.models.Organisation.Kind",
        "WithdrawalReasonEnum": "meedoen.early_signals.models.WithdrawalReason",
    },
}

# --- background tasks: run in-process unless a worker backend is chosen --------------------
TASKS: dict[str, dict[str, Any]] = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- logging --------------------------------------------------------------------------------
LOG_LEVEL = env.string("LOG_LEVEL", default="INFO", help="Lowest level written to the application log.")
LOG_FORMAT = env.string(
    "LOG_FORMAT",
    default="console",
    help="Application log format: console (readable) or json (for collectors; production's default).",
)
if LOG_FORMAT not in {"console", "json"}:
    raise env.SettingError("LOG_FORMAT", f"must be console or json, not {LOG_FORMAT!r}")
LOGGING = logging_config(level=LOG_LEVEL, json=LOG_FORMAT == "json")

DEFAULT_FROM_EMAIL = env.string(
    "DEFAULT_FROM_EMAIL", default="meedoen@localhost", help="Sender address of mail the platform sends."
)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
OIDC_CALLBACK_CLASS = "meedoen.accounts.oidc.StaffOIDCCallbackView"
