from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    """The check's texts are translated; tests read them in the source language."""
    with translation.override("en"):
        yield
