"""Reproducible benchmarks of Meedoen: ``make bench`` or ``python -m bench``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_apart(module: str, arguments: list[str], what: str) -> None:
    """Run a benchmark module that always uses PostgreSQL in a process of its own
    (``python -m module arguments``) from the suite, and say so when it fails."""
    sys.stdout.flush()
    done = subprocess.run([sys.executable, "-m", module, *arguments], cwd=ROOT, check=False)  # noqa: S603
    if done.returncode:
        print(f"  {what} failed (exit status {done.returncode}); is PostgreSQL running?")
    print()
