"""Read settings from the environment: every setting has help text and a safe demo default.

A secret may also come from a file: ``NAME_FILE=/run/secrets/name`` is read when ``NAME`` is unset.
Each setting read is registered, so ``manage.py settings_help`` and the docs list them all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


@dataclass(frozen=True)
class Setting:
    name: str
    help: str
    default: str
    secret: bool = False


REGISTRY: dict[str, Setting] = {}


class SettingError(ImproperlyConfigured):
    """A setting is missing or malformed; the message names it and says what is expected."""

    def __init__(self, name: str, problem: str) -> None:
        setting = REGISTRY.get(name)
        hint = f" ({setting.help})" if setting else ""
        super().__init__(f"Setting {name}: {problem}{hint}")
        self.setting_name = name


def _register(name: str, *, help: str, default: str, secret: bool) -> None:
    REGISTRY[name] = Setting(name=name, help=help, default=default, secret=secret)


def _raw(name: str) -> str | None:
    """The value the environment gives, or None. An empty value counts as not given: ``NAME=`` in an
    environment file means "use the default"."""
    if os.environ.get(name):
        return os.environ[name]
    file_variable = f"{name}_FILE"
    if os.environ.get(file_variable):
        path = Path(os.environ[file_variable])
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingError(name, f"{file_variable} names a file that cannot be read: {exc}") from exc
    return None


def is_set(name: str) -> bool:
    """True when the environment gives ``name`` (directly or through ``name_FILE``)."""
    return bool(os.environ.get(name) or os.environ.get(f"{name}_FILE"))


def string(name: str, *, default: str, help: str, secret: bool = False) -> str:
    _register(name, help=help, default=default, secret=secret)
    value = _raw(name)
    return default if value is None else value


def required_string(name: str, *, help: str, secret: bool = False) -> str:
    _register(name, help=help, default="", secret=secret)
    value = _raw(name)
    if value is None or not value.strip():
        raise SettingError(name, "is required but not set")
    return value


def boolean(name: str, *, default: bool, help: str) -> bool:
    _register(name, help=help, default="true" if default else "false", secret=False)
    value = _raw(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingError(name, f"must be true or false, not {value!r}")


def integer(name: str, *, default: int, help: str, minimum: int = 0) -> int:
    _register(name, help=help, default=str(default), secret=False)
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise SettingError(name, f"must be a whole number, not {value!r}") from None
    if number < minimum:
        raise SettingError(name, f"must be at least {minimum}, not {number}")
    return number


def string_list(name: str, *, default: list[str], help: str) -> list[str]:
    _register(name, help=help, default=",".join(default), secret=False)
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]
