"""Settings of the embedded demo: SQLite, tasks in-process, persona switcher on."""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DEMO_MODE", "true")

from meedoen.conf.base import *  # noqa: F403

(BASE_DIR / "var").mkdir(exist_ok=True)
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
