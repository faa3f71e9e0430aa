"""Tile paths are read strictly: any text either names a tile or is refused with TilePathError."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meedoen.ledger.tiles import TILE_WIDTH, TilePathError, TileRef, available, format_index, parse_tile_path, tile_path


@given(st.text(max_size=300))
def test_any_text_is_a_tile_or_a_clear_refusal(text):
    try:
        ref = parse_tile_path(text)
    except TilePathError:
        return
    assert tile_path(ref) == text


@given(
    st.integers(min_value=0, max_value=10**15), st.integers(min_value=0, max_value=63) | st.none(), st.integers(1, 256)
)
def test_paths_round_trip(index, level, width):
    ref = TileRef(level=level, index=index, width=width)
    assert parse_tile_path(tile_path(ref)) == ref


@pytest.mark.parametrize(("index", "path"), [(0, "000"), (7, "007"), (1234067, "x001/x234/067"), (1000, "x001/000")])
def test_indexes_are_written_as_the_spec_shows(index, path):
    assert format_index(index) == path


def test_a_tree_of_70000_has_the_tiles_the_spec_lists():
    size = 70_000
    assert available(TileRef(0, 272, TILE_WIDTH), size)
    assert not available(TileRef(0, 273, TILE_WIDTH), size)
    assert available(TileRef(0, 273, 112), size)
    assert available(TileRef(1, 0, TILE_WIDTH), size)
    assert available(TileRef(1, 1, 17), size)
    assert available(TileRef(2, 0, 1), size)
    assert not available(TileRef(2, 0, 2), size)
