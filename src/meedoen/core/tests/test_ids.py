"""UUIDs of version 7: the time first, so keys made one after the other sort in that order."""

from __future__ import annotations

import time
import uuid

from meedoen.core.ids import uuid7


def test_a_uuid7_has_version_7_the_rfc_variant_and_the_time_in_milliseconds():
    before = time.time_ns() // 1_000_000
    made = uuid7()
    after = time.time_ns() // 1_000_000

    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= after


def test_uuid7s_made_in_other_milliseconds_sort_by_time_and_are_all_different():
    made = []
    for _ in range(3):
        made.extend(uuid7() for _ in range(1000))
        time.sleep(0.002)
    assert len(set(made)) == len(made)
    by_millisecond = [value.int >> 80 for value in made]
    assert by_millisecond == sorted(by_millisecond)
    assert str(made[0]) < str(made[-1])
