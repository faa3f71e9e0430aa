"""UUIDs of version 7: the time first, so keys made one after the other sort in that order."""

from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from meedoen.core import ids
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


def test_uuid7s_made_after_a_block_of_randomness_is_used_up_are_still_all_different():
    made = {uuid7() for _ in range(5 * ids._DRAWN_AT_ONCE // ids._RANDOM_BYTES + 7)}
    assert len(made) == 5 * ids._DRAWN_AT_ONCE // ids._RANDOM_BYTES + 7


def test_uuid7s_made_by_threads_side_by_side_are_all_different():
    with ThreadPoolExecutor(max_workers=4) as pool:
        batches = list(pool.map(lambda _: [uuid7() for _ in range(2000)], range(4)))
    made = [value for batch in batches for value in batch]
    assert len(set(made)) == len(made)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_process_draws_other_random_bits_than_its_parent():
    uuid7()  # the parent has a block of randomness in hand
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (runs in the child)
        os.close(reading)
        os.write(writing, uuid7().bytes)
        os._exit(0)
    os.close(writing)
    from_child = os.read(reading, 16)
    os.close(reading)
    os.waitpid(child, 0)
    in_parent = uuid7().bytes
    # The random parts (after the 48 bits of time) differ: the child did not reuse the parent's block.
    assert from_child[6:] != in_parent[6:]
