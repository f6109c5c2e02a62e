"""C2SP tlog-tiles: paths, the tiles of a tree, tile contents, the client's tile reader, entry bundles."""

from __future__ import annotations

import random

import pytest
from qlprov.tlog.memory import MemoryTree
from qlprov.tlog.merkle import MerkleError, consistency_proof, inclusion_proof, leaf_hash, node_hash, tree_hash
from qlprov.tlog.tilereader import TileError, TileHashReader
from qlprov.tlog.tiles import (
    ENTRIES,
    Tile,
    decode_entry_bundle,
    encode_entry_bundle,
    entry_bundles_for_size,
    new_tiles,
    parse_tile_path,
    tile_data,
    tiles_for_size,
    verify_entry_bundle,
)
from qlprov.tlog.verify import verify_inclusion


@pytest.mark.parametrize(
    ("tile", "path"),
    [
        (Tile(0, 1234067), "tile/0/x001/x234/067"),  # the specification's example
        (Tile(0, 0), "tile/0/000"),
        (Tile(2, 999, 5), "tile/2/999.p/5"),
        (Tile(1, 1000, 255), "tile/1/x001/000.p/255"),
        (Tile(63, 123456789), "tile/63/x123/x456/789"),
        (Tile(ENTRIES, 1234067, 1), "tile/entries/x001/x234/067.p/1"),
    ],
)
def test_paths_round_trip(tile: Tile, path: str) -> None:
    assert tile.path() == path
    assert parse_tile_path(path) == tile


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1234067",  # not in 3-digit groups
        "tile/0/x000/067",  # a leading zero group
        "tile/0/001/234",  # x missing before a non-final group
        "tile/0/x001",  # x on the final group
        "tile/00/001",  # level with a leading zero
        "tile/64/001",  # level above 63
        "tile/-1/001",
        "tile/0/001.p/256",  # a partial tile is narrower than 256
        "tile/0/001.p/0",
        "tile/0/001.p/05",
        "tile/8/0/001",  # Go's path with the height is not a C2SP path
        "tile/data/001",
        "/tile/0/001",
        "tile/0/001/",
        "tile/0/\u0660\u0660\u0661",  # Unicode digits
    ],
)
def test_malformed_paths_are_refused(path: str) -> None:
    with pytest.raises(MerkleError):
        parse_tile_path(path)


def test_the_specifications_examples_of_tree_shapes() -> None:
    tiles = tiles_for_size(70_000)
    level0 = [t for t in tiles if t.level == 0]
    assert len([t for t in level0 if t.full]) == 273 and [t.width for t in level0 if not t.full] == [112]
    assert sorted((t.level, t.width) for t in tiles if t.level > 0) == [(1, 17), (1, 256), (2, 1)]
    assert tiles_for_size(256) == [Tile(0, 0), Tile(1, 0, 1)]
    assert tiles_for_size(0) == []


def test_new_tiles_are_the_difference_between_two_sizes() -> None:
    for old, new in [(0, 1), (1, 2), (255, 256), (256, 257), (300, 70_000), (65_535, 65_536)]:
        before, after = set(tiles_for_size(old)), set(tiles_for_size(new))
        added = set(new_tiles(old, new))
        assert added == after - before, (old, new)
    assert [t.path() for t in entry_bundles_for_size(600, 300)] == ["tile/entries/001", "tile/entries/002.p/88"]


@pytest.fixture(scope="module")
def big() -> tuple[MemoryTree, dict[Tile, bytes]]:
    t = MemoryTree(leaf_hash(i.to_bytes(4, "big")) for i in range(70_000))
    return t, {tile: tile_data(tile, t.read) for tile in tiles_for_size(t.size)}


def test_tile_contents_are_the_stored_hashes(big: tuple[MemoryTree, dict[Tile, bytes]]) -> None:
    t, tiles = big
    assert tiles[Tile(0, 3)][:32] == leaf_hash((3 * 256).to_bytes(4, "big"))
    first, second = tiles[Tile(1, 0)][:32], tiles[Tile(1, 0)][32:64]  # MTH(D[0:256]), MTH(D[256:512])
    assert first == tree_hash(256, t.read) and node_hash(first, second) == tree_hash(512, t.read)
    assert tiles[Tile(2, 0, 1)] == tree_hash(65_536, t.read)


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 65_535, 65_536, 65_537, 70_000])
def test_proofs_rebuilt_from_tiles_equal_direct_proofs(big: tuple[MemoryTree, dict[Tile, bytes]], size: int) -> None:
    full, _ = big
    t = MemoryTree(full.read([(0, i) for i in range(size)]))
    served = {tile: tile_data(tile, t.read) for tile in tiles_for_size(size)}
    reader = TileHashReader(size, t.root(), lambda ts: [served[x] for x in ts])
    rng = random.Random(size)
    for i in rng.sample(range(size), min(size, 25)):
        proof = inclusion_proof(size, i, reader)
        assert proof == inclusion_proof(size, i, t.read)
        verify_inclusion(leaf_hash(i.to_bytes(4, "big")), i, size, proof, t.root())
    for m in rng.sample(range(size + 1), min(size, 10)):
        assert consistency_proof(m, size, reader) == consistency_proof(m, size, t.read)
        assert tree_hash(m, reader) == tree_hash(m, t.read)


def test_a_tampered_or_truncated_tile_is_never_used(big: tuple[MemoryTree, dict[Tile, bytes]]) -> None:
    t, tiles = big
    for victim in [Tile(0, 5), Tile(0, 273, 112), Tile(1, 0), Tile(1, 1, 17), Tile(2, 0, 1)]:
        for bad in [bytes([tiles[victim][0] ^ 1]) + tiles[victim][1:], tiles[victim][:-32]]:
            served = {**tiles, victim: bad}
            reader = TileHashReader(t.size, t.root(), lambda ts, s=served: [s[x] for x in ts])  # type: ignore[misc]
            with pytest.raises(TileError):
                inclusion_proof(t.size, 5 * 256 + 3, reader)
    reader = TileHashReader(t.size, leaf_hash(b"another root"), lambda ts: [tiles[x] for x in ts])
    with pytest.raises(TileError):
        inclusion_proof(t.size, 0, reader)


def test_the_reader_fetches_each_tile_once(big: tuple[MemoryTree, dict[Tile, bytes]]) -> None:
    t, tiles = big
    reader = TileHashReader(t.size, t.root(), lambda ts: [tiles[x] for x in ts])
    inclusion_proof(t.size, 1000, reader)
    first = reader.tiles_fetched
    inclusion_proof(t.size, 1001, reader)
    assert first > 0 and reader.tiles_fetched == first


def test_entry_bundles() -> None:
    entries = [b"", b"a", b"x" * 65_535]
    data = encode_entry_bundle(entries)
    assert data[:2] == b"\x00\x00" and data[2:5] == b"\x00\x01a" and data[5:7] == b"\xff\xff"
    assert decode_entry_bundle(data, 3) == entries
    verify_entry_bundle(entries, b"".join(leaf_hash(e) for e in entries))
    with pytest.raises(MerkleError):
        verify_entry_bundle(entries, b"".join(leaf_hash(e) for e in reversed(entries)))
    for bad in [data[:-1], data + b"\x00", data[:1]]:
        with pytest.raises(MerkleError):
            decode_entry_bundle(bad, 3)
    with pytest.raises(MerkleError):
        decode_entry_bundle(data, 256)
    with pytest.raises(MerkleError):
        encode_entry_bundle([b"x" * 65_536])
