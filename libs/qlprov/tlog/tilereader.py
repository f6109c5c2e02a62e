"""A client's hash reader over C2SP tiles: fetch the tiles, authenticate them, read hashes.

A verifier that trusts a checkpoint (size and root, signature checked) but not the server
serving the tiles wraps a tile fetcher in :class:`TileHashReader` and hands it to
:func:`~qlprov.tlog.merkle.inclusion_proof` or :func:`~qlprov.tlog.merkle.consistency_proof`:
the proof is rebuilt from tiles, and every hash it uses has been proven to belong to the
checkpoint's tree before it is returned. This is the design of Go's ``tlog.TileHashReader``:

1. The rightmost tile of each level (partial, or the last full one) is fetched whenever needed:
   the complete subtrees that make up the tree head all lie in those tiles, so recomputing the
   head from them and comparing it with the checkpoint's root authenticates them.
2. Any other tile is full, and its head (the hash of its 256 hashes) is a hash of its parent
   tile one level up; the parent chain is fetched up to a tile already authenticated, and each
   child is checked against its parent, top down.

Authenticated tiles are kept for the reader's lifetime, so a client that proves many leaves
against one checkpoint fetches each tile once. A tile of the wrong size or one that does not
authenticate raises :class:`TileError`; nothing from it is returned.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence

from qlprov.tlog.merkle import HASH_SIZE, Coord, MerkleError, node_hash, range_hash, subtree_coords
from qlprov.tlog.tiles import TILE_HEIGHT, TILE_WIDTH, Tile, _width_at, tile_for_coord, tile_hash

__all__ = ["TileError", "TileFetcher", "TileHashReader"]

TileFetcher = Callable[[Sequence[Tile]], Sequence[bytes]]
"""Fetches the bytes of each tile (for example ``GET <prefix>/<tile.path()>``), in order."""


class TileError(MerkleError):
    """A tile that is missing, of the wrong size, or not part of the trusted tree."""


def _head(data: bytes) -> bytes:
    """The head of a full tile: its 256 hashes folded pairwise up 8 levels."""
    hashes = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
    while len(hashes) > 1:
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


class TileHashReader:
    """A :class:`~qlprov.tlog.merkle.HashReader` for the tree ``(size, root)``, backed by tiles."""

    def __init__(self, size: int, root: bytes, fetch: TileFetcher) -> None:
        if size < 1:
            raise TileError("the empty tree has no tiles")
        self.size, self.root, self._fetch = size, root, fetch
        self._root_coords = subtree_coords(0, size)
        self._root_tiles = {tile_for_coord(c, size) for c in self._root_coords}
        self._authentic: dict[Tile, bytes] = {}
        self.tiles_fetched = 0

    def _parent(self, tile: Tile) -> Tile:
        index = tile.index // TILE_WIDTH
        return Tile(tile.level + 1, index, _width_at(tile.level + 1, index, self.size))

    def __call__(self, coords: Sequence[Coord]) -> list[bytes]:
        for level, n in coords:
            if level < 0 or n < 0 or (n + 1) << level > self.size:
                raise TileError(f"hash ({level}, {n}) is not in a tree of size {self.size}")
        tiles = [tile_for_coord(c, self.size) for c in coords]
        self._load(tiles)
        return [tile_hash(t, self._authentic[t], c) for t, c in zip(tiles, coords, strict=True)]

    def _load(self, wanted: Sequence[Tile]) -> None:
        need: set[Tile] = set()
        if not self._root_tiles <= self._authentic.keys():
            need |= self._root_tiles
        for tile in wanted:
            while tile not in self._authentic and tile not in need:
                need.add(tile)
                if tile in self._root_tiles:
                    break
                tile = self._parent(tile)
        if not need:
            return
        order = sorted(need, key=lambda t: (-t.level, t.index))  # parents before children
        data = list(self._fetch(order))
        self.tiles_fetched += len(order)
        if len(data) != len(order):
            raise TileError(f"tile fetcher returned {len(data)} tiles for {len(order)}")
        got = dict(zip(order, data, strict=True))
        for tile, raw in got.items():
            if len(raw) != tile.width * HASH_SIZE:
                raise TileError(f"tile {tile.path()} is {len(raw)} bytes, not {tile.width * HASH_SIZE}")
        if self._root_tiles & need:
            hashes = [tile_hash(t, got[t], c) for c in self._root_coords for t in [tile_for_coord(c, self.size)]]
            if not hmac.compare_digest(range_hash(hashes), self.root):
                raise TileError("tiles do not match the checkpoint's root hash")
            for t in self._root_tiles:
                self._authentic[t] = got[t]
        for tile in order:
            if tile in self._authentic:
                continue
            parent = self._parent(tile)
            parent_data = self._authentic.get(parent)
            if parent_data is None:  # pragma: no cover - the order above rules this out
                raise TileError(f"parent of tile {tile.path()} was not authenticated")
            expected = tile_hash(parent, parent_data, ((tile.level + 1) * TILE_HEIGHT, tile.index))
            if not tile.full or not hmac.compare_digest(_head(got[tile]), expected):
                raise TileError(f"tile {tile.path()} does not match its parent tile")
            self._authentic[tile] = got[tile]
