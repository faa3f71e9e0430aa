"""Settings of the embedded demo: SQLite, tasks in-process, persona switcher on."""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DEMO_MODE", "true")
# The demo witness (meedoen.demo.witness): its key is public, so only the demo trusts it.
DEMO_WITNESS_KEY = "witness.demo.meedoen.localhost+305da24f+BKvJYnCeYfuQeP9LrM3uTA7+vp26Jy6Y8VPA0cM4w2Ep"
os.environ.setdefault("LEDGER_WITNESS_KEYS", DEMO_WITNESS_KEY)

from meedoen.conf.base import *  # noqa: E402, F403

(BASE_DIR / "var").mkdir(exist_ok=True)
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
