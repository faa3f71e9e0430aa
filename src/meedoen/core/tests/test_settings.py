"""Settings come from the environment; production refuses to start when something is unsafe.

Each case starts a fresh Python process, because settings are read once at import.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
GOOD_PRODUCTION = {
    "SECRET_KEY": "k" * 20 + "abcdefghij" * 4,
    "RESIDENT_PSEUDONYM_KEY": "p" * 40,
    "LEDGER_KEY_SEED": "l" * 40,
    "LEDGER_SUBJECT_KEY": "s" * 40,
    "DATABASE_URL": "postgres://meedoen@127.0.0.1:5432/meedoen",
    "ALLOWED_HOSTS": "meedoen.example.nl",
    "EARLY_SIGNALS_RETENTION_DAYS": "180",
    "EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS": "90",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def run(code: str, env: dict[str, str], settings: str = "meedoen.conf.production") -> subprocess.CompletedProcess[str]:
    # Only what a fresh shell has; the test settings of this process put their own values in os.environ.
    clean = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    clean.update({"PYTHONPATH": str(ROOT / "src"), "DJANGO_SETTINGS_MODULE": settings, **env})
    return subprocess.run(  # noqa: S603  (our own interpreter, fixed arguments)
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=240, check=False
    )


def load_settings(env: dict[str, str], settings: str = "meedoen.conf.production") -> subprocess.CompletedProcess[str]:
    return run("import django; django.setup(); print('started')", env, settings)


def test_production_starts_with_good_settings():
    result = load_settings(GOOD_PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "demo-only-secret-key-never-use-in-production-4f1c6b2e9a"}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"DEBUG": "perhaps"}, "DEBUG"),
        ({"DEMO_MODE": "true"}, "DEMO_MODE"),
        ({"DATABASE_URL": "sqlite:////tmp/meedoen.sqlite3"}, "DATABASE_URL"),
        ({"DATABASE_URL": "nonsense://x"}, "DATABASE_URL"),
        ({"RESIDENT_PSEUDONYM_KEY": ""}, "RESIDENT_PSEUDONYM_KEY"),
        ({"RESIDENT_PSEUDONYM_KEY": "short-but-not-empty"}, "RESIDENT_PSEUDONYM_KEY"),
        ({"LEDGER_KEY_SEED": "demo-only-ledger-key-seed"}, "LEDGER_KEY_SEED"),
        ({"LEDGER_SUBJECT_KEY": "short"}, "LEDGER_SUBJECT_KEY"),
        ({"SESSION_IDLE_MINUTES": "half an hour"}, "SESSION_IDLE_MINUTES"),
        ({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES"),
        ({"LOGIN_FAILURE_LIMIT": "-3"}, "LOGIN_FAILURE_LIMIT"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"EARLY_SIGNALS_RETENTION_DAYS": ""}, "EARLY_SIGNALS_RETENTION_DAYS"),
        ({"EARLY_SIGNALS_RETENTION_DAYS": "0"}, "EARLY_SIGNALS_RETENTION_DAYS"),
        ({"EARLY_SIGNALS_RETENTION_DAYS": "a year"}, "EARLY_SIGNALS_RETENTION_DAYS"),
        ({"EARLY_SIGNALS_RETENTION_DAYS": "3651"}, "EARLY_SIGNALS_RETENTION_DAYS"),
        ({"EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS": ""}, "EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS"),
        ({"EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS": "0"}, "EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS"),
        ({"EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS": "three months"}, "EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS"),
        ({"EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS": "3651"}, "EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS"),
        ({"CACHE_URL": ""}, "CACHE_URL"),
        ({"CACHE_URL": "memcached://127.0.0.1"}, "CACHE_URL"),
    ],
)
def test_production_refuses_unsafe_or_malformed_settings_with_one_clear_message(change, named):
    env = {**GOOD_PRODUCTION, **change}
    if change.get("SECRET_KEY") == "" or change.get("RESIDENT_PSEUDONYM_KEY") == "":
        env = {key: value for key, value in env.items() if key not in change}
    result = load_settings(env)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert f"Setting {named}:" in last_line


@pytest.mark.parametrize(
    ("name", "example"), [("EARLY_SIGNALS_RETENTION_DAYS", "365"), ("EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS", "90")]
)
def test_production_refuses_to_start_without_a_retention_term_and_the_demo_uses_an_example(name, example):
    missing = load_settings({key: value for key, value in GOOD_PRODUCTION.items() if key != name})
    assert missing.returncode != 0
    assert f"Setting {name}: must be set in production" in missing.stderr.strip().splitlines()[-1]
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    assert run(code, GOOD_PRODUCTION).stdout.strip() == GOOD_PRODUCTION[name]
    assert run(code, {}, settings="meedoen.conf.dev").stdout.strip() == example


def test_an_empty_pseudonym_key_is_refused_as_well_as_a_missing_one():
    result = load_settings({**GOOD_PRODUCTION, "RESIDENT_PSEUDONYM_KEY": ""})
    assert result.returncode != 0
    assert "Setting RESIDENT_PSEUDONYM_KEY:" in result.stderr.strip().splitlines()[-1]


def test_production_logs_json_unless_asked_otherwise():
    code = "import django; django.setup(); import logging; logging.getLogger('meedoen.probe').warning('probe')"
    json_line = run(code, GOOD_PRODUCTION).stderr.strip().splitlines()[-1]
    console_line = run(code, {**GOOD_PRODUCTION, "LOG_FORMAT": "console"}).stderr.strip().splitlines()[-1]
    assert json.loads(json_line)["event"] == "probe"
    assert not console_line.startswith("{")


def test_collectstatic_builds_every_file_the_pages_link_with_production_storage(tmp_path):
    env = {**GOOD_PRODUCTION, "STATIC_ROOT": str(tmp_path / "static")}
    collected = run(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'collectstatic', '--noinput', '--verbosity', '0'])",
        env,
    )
    assert collected.returncode == 0, collected.stderr
    linked = sorted(
        {
            name
            for template in (ROOT / "src" / "meedoen").rglob("*.html")
            for name in re.findall(r"{% static ['\"]([^'\"]+)['\"] %}", template.read_text(encoding="utf-8"))
        }
    )
    assert "vendor/utrecht/index.css" in linked
    # The API's documentation page (Swagger UI) loads its files from the sidecar; ReDoc is left out.
    linked += [f"drf_spectacular_sidecar/swagger-ui-dist/{name}" for name in ("swagger-ui-bundle.js", "swagger-ui.css")]
    static_root = tmp_path / "static"
    assert not (static_root / "drf_spectacular_sidecar" / "redoc").exists()
    # Source maps are served as they are; every other text file compressed beside it.
    assert not list(static_root.rglob("*.map.br"))
    assert (static_root / "vendor" / "utrecht" / "index.css.br").is_file()
    resolved = run(
        "import django; django.setup(); from django.templatetags.static import static\n"
        f"for name in {linked!r}:\n    print(static(name))",
        env,
    )
    assert resolved.returncode == 0, resolved.stderr
    # Hashed names: browsers may cache them for a year.
    assert all(re.search(r"\.[0-9a-f]{12}\.", url) for url in resolved.stdout.split()), resolved.stdout


def test_sqlite_is_allowed_in_production_only_when_asked():
    env = {**GOOD_PRODUCTION, "DATABASE_URL": "sqlite:////tmp/meedoen.sqlite3", "ALLOW_SQLITE_IN_PRODUCTION": "true"}
    assert load_settings(env).returncode == 0


def test_secrets_can_come_from_files(tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(GOOD_PRODUCTION["SECRET_KEY"] + "\n", encoding="utf-8")
    env = {key: value for key, value in GOOD_PRODUCTION.items() if key != "SECRET_KEY"}
    env["SECRET_KEY_FILE"] = str(secret_file)
    result = run(
        "import django; django.setup(); from django.conf import settings; print(len(settings.SECRET_KEY))", env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(len(GOOD_PRODUCTION["SECRET_KEY"]))


def test_an_unreadable_secret_file_is_named(tmp_path):
    env = {key: value for key, value in GOOD_PRODUCTION.items() if key != "SECRET_KEY"}
    env["SECRET_KEY_FILE"] = str(tmp_path / "missing")
    result = load_settings(env)
    assert result.returncode != 0
    assert "SECRET_KEY_FILE" in result.stderr


def test_check_deploy_passes_with_production_settings():
    env = {**GOOD_PRODUCTION, "PYTHONPATH": str(ROOT / "src")}
    result = run(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_uses_the_database_task_backend_and_the_demo_does_not():
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.TASKS['default']['BACKEND'])"
    )
    production = run(code, GOOD_PRODUCTION)
    demo = run(code, {}, settings="meedoen.conf.dev")
    assert production.stdout.strip() == "django_tasks_db.DatabaseBackend"
    assert demo.stdout.strip() == "django_tasks.backends.immediate.ImmediateBackend"


def test_the_persona_switcher_is_not_routed_in_production():
    code = (
        "import django; django.setup(); from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/demo/personas/'); print('routed')\nexcept Resolver404:\n    print('absent')"
    )
    assert run(code, GOOD_PRODUCTION).stdout.strip() == "absent"
    assert run(code, {}, settings="meedoen.conf.dev").stdout.strip() == "routed"


def test_every_setting_read_from_the_environment_is_in_env_example():
    result = run(
        "import django; django.setup(); from meedoen.conf.env import REGISTRY; print('\\n'.join(sorted(REGISTRY)))",
        GOOD_PRODUCTION,
    )
    names = result.stdout.split()
    assert names, result.stderr
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    missing = [name for name in names if f"{name}=" not in example]
    assert not missing, f".env.example lacks {missing}"


def test_production_starts_from_env_example_with_only_the_secrets_and_database_filled_in():
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    example = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    result = load_settings({**example, **GOOD_PRODUCTION})
    assert result.returncode == 0, result.stderr


def test_settings_help_lists_every_setting_without_secret_defaults():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("settings_help", stdout=out)
    text = out.getvalue()
    assert "SECRET_KEY" in text
    assert "(secret)" in text
    assert "demo-only-secret-key" not in text


def test_a_shared_cache_is_configured_from_its_address(monkeypatch):
    from meedoen.conf import base, env

    assert base._caches("")["default"]["BACKEND"].endswith("LocMemCache")
    assert base._caches("local")["default"]["BACKEND"].endswith("LocMemCache")
    redis = base._caches("redis://127.0.0.1:6379/1")["default"]
    assert redis == {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/1"}
    with pytest.raises(env.SettingError, match="CACHE_URL"):
        base._caches("memcached://127.0.0.1")
