"""C2SP tlog-tiles: tile coordinates, paths, contents, and entry bundles (the server's side).

A tile at level ``L``, index ``N`` holds up to 256 consecutive stored hashes at tree level
``8 * L``: the heads of the subtrees of ``256**L`` leaves numbered ``N * 256`` to
``N * 256 + W - 1``. Level-0 tiles hold leaf hashes; a tile of a higher level holds the heads of
*full* tiles below it. The rightmost tile of each level may be partial (``W < 256``, path suffix
``.p/<W>``); a tree of size ``s`` has at level ``L`` the partial tile of width
``floor(s / 256**L) mod 256`` (none when that is 0).

Paths are ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``, ``<N>`` in zero-padded
3-digit path elements, all but the last prefixed with ``x`` (``1234067`` → ``x001/x234/067``).
Go's ``sumdb/tlog`` writes the same tiles (same contents, same ``<N>`` encoding) under
``tile/<H>/<L>/<N>`` with the height as an extra element, and its raw-record tiles
(``tile/<H>/data/<N>``) concatenate records with no framing, where C2SP entry bundles prefix
each entry with its length as a big-endian uint16; the interoperability tests compare what is
shared. :class:`Tile` uses ``level = ENTRIES`` (``-1``, Go's data level) for entry bundles.

:func:`tile_data` builds a tile's bytes from stored hashes (a server publishing tiles);
:mod:`qlprov.tlog.tilereader` is the client that fetches tiles and authenticates them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qlprov.tlog.merkle import HASH_SIZE, Coord, HashReader, MerkleError, leaf_hash, node_hash

__all__ = [
    "ENTRIES",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "Tile",
    "decode_entry_bundle",
    "encode_entry_bundle",
    "entry_bundles_for_size",
    "new_tiles",
    "parse_tile_path",
    "tile_data",
    "tile_for_coord",
    "tile_hash",
    "tiles_for_size",
    "verify_entry_bundle",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
ENTRIES = -1
MAX_LEVEL = 63
MAX_ENTRY = 0xFFFF
_PATH = re.compile(r"tile/(entries|0|[1-9][0-9]?)/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?")


@dataclass(frozen=True, slots=True)
class Tile:
    """A tile (``level >= 0``) or an entry bundle (``level == ENTRIES``) of ``width`` items."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not (ENTRIES <= self.level <= MAX_LEVEL and self.index >= 0 and 1 <= self.width <= TILE_WIDTH):
            raise MerkleError(f"invalid tile {self.level}/{self.index}/{self.width}")

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    def path(self) -> str:
        """The C2SP path, relative to the log's prefix."""
        n, groups = self.index, [f"{self.index % 1000:03d}"]
        while n >= 1000:
            n //= 1000
            groups.insert(0, f"x{n % 1000:03d}")
        level = "entries" if self.level == ENTRIES else str(self.level)
        suffix = "" if self.full else f".p/{self.width}"
        return f"tile/{level}/{'/'.join(groups)}{suffix}"

    def coords(self) -> list[Coord]:
        """The stored hashes this tile holds, in order (not for entry bundles)."""
        if self.level == ENTRIES:
            raise MerkleError("an entry bundle holds entries, not hashes")
        base = self.index * TILE_WIDTH
        return [(self.level * TILE_HEIGHT, base + i) for i in range(self.width)]


def parse_tile_path(path: str) -> Tile:
    """Parse a C2SP tile or entry bundle path; only the canonical spelling is accepted."""
    m = _PATH.fullmatch(path)
    if m is None:
        raise MerkleError(f"malformed tile path {path[:100]!r}")
    level = ENTRIES if m[1] == "entries" else int(m[1])
    index = 0
    for group in m[2].split("/"):
        index = index * 1000 + int(group.lstrip("x"))
    width = int(m[3]) if m[3] else TILE_WIDTH
    if width >= TILE_WIDTH and m[3]:
        raise MerkleError(f"partial tile width must be below {TILE_WIDTH}: {path!r}")
    if level > MAX_LEVEL:
        raise MerkleError(f"tile level above {MAX_LEVEL}: {path!r}")
    tile = Tile(level, index, width)
    if tile.path() != path:  # leading x000 groups, for example
        raise MerkleError(f"non-canonical tile path {path!r}")
    return tile


def _width_at(level: int, index: int, size: int) -> int:
    """The width of tile ``(level, index)`` in a tree of ``size`` leaves (0 if it has none)."""
    hashes = size >> (TILE_HEIGHT * max(level, 0))
    return max(0, min(TILE_WIDTH, hashes - index * TILE_WIDTH))


def tiles_for_size(size: int) -> list[Tile]:
    """Every hash tile of a tree of ``size`` leaves: the full ones and each level's partial one."""
    return new_tiles(0, size)


def new_tiles(old_size: int, new_size: int) -> list[Tile]:
    """The hash tiles to publish when the tree grows from ``old_size`` to ``new_size``.

    The full tiles completed since ``old_size`` and the partial tiles of ``new_size`` (C2SP:
    partial tiles are served for the sizes of published checkpoints; unlike Go's ``NewTiles``,
    which lists every intermediate width, only the width at ``new_size``).
    """
    if not 0 <= old_size <= new_size:
        raise MerkleError(f"cannot grow from {old_size} to {new_size}")
    out: list[Tile] = []
    level = 0
    while new_size >> (TILE_HEIGHT * level):
        old_n = old_size >> (TILE_HEIGHT * level)
        new_n = new_size >> (TILE_HEIGHT * level)
        out.extend(Tile(level, i) for i in range(old_n // TILE_WIDTH, new_n // TILE_WIDTH))
        width = new_n % TILE_WIDTH
        if width and new_n != old_n:
            out.append(Tile(level, new_n // TILE_WIDTH, width))
        level += 1
    return out


def entry_bundles_for_size(size: int, old_size: int = 0) -> list[Tile]:
    """The entry bundles of the leaves added from ``old_size`` to ``size`` (level-0 layout)."""
    return [Tile(ENTRIES, t.index, t.width) for t in new_tiles(old_size, size) if t.level == 0]


def tile_for_coord(coord: Coord, size: int) -> Tile:
    """The tile of a tree of ``size`` leaves that holds, or can rebuild, the hash at ``coord``.

    A hash at level ``l`` lies in the tile at level ``l // 8``; when ``l`` is not a multiple of
    8 it is rebuilt from the ``2**(l % 8)`` hashes of that tile below it (:func:`tile_hash`).
    """
    level, n = coord
    tile_level, sub = divmod(level, TILE_HEIGHT)
    first = n << sub  # the first tile-level hash under this node
    index = first // TILE_WIDTH
    width = _width_at(tile_level, index, size)
    if (first % TILE_WIDTH) + (1 << sub) > width:
        raise MerkleError(f"hash ({level}, {n}) is not complete in a tree of size {size}")
    return Tile(tile_level, index, width)


def tile_hash(tile: Tile, data: bytes, coord: Coord) -> bytes:
    """The hash at ``coord`` from the bytes of ``tile`` (which must hold or cover it)."""
    level, n = coord
    tile_level, sub = divmod(level, TILE_HEIGHT)
    first = n << sub
    start = first - tile.index * TILE_WIDTH
    if tile_level != tile.level or start < 0 or start + (1 << sub) > tile.width:
        raise MerkleError(f"hash ({level}, {n}) is not in tile {tile.path()}")
    if len(data) != tile.width * HASH_SIZE:
        raise MerkleError(f"tile {tile.path()} must be {tile.width * HASH_SIZE} bytes, not {len(data)}")
    hashes = [data[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(start, start + (1 << sub))]
    while len(hashes) > 1:
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


def tile_data(tile: Tile, reader: HashReader) -> bytes:
    """A hash tile's bytes: its ``width`` stored hashes, concatenated (the server's side)."""
    hashes = reader(tile.coords())
    if len(hashes) != tile.width or any(len(h) != HASH_SIZE for h in hashes):
        raise MerkleError(f"hash reader returned a bad result for tile {tile.path()}")
    return b"".join(hashes)


def encode_entry_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry prefixed with its length as a big-endian uint16."""
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise MerkleError("an entry bundle holds 1 to 256 entries")
    out = bytearray()
    for e in entries:
        if len(e) > MAX_ENTRY:
            raise MerkleError(f"an entry is at most {MAX_ENTRY} bytes")
        out += len(e).to_bytes(2, "big") + e
    return bytes(out)


def decode_entry_bundle(data: bytes, width: int = TILE_WIDTH) -> list[bytes]:
    """The entries of a bundle of ``width`` entries; trailing or missing bytes are an error."""
    out, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise MerkleError("entry bundle ends inside a length prefix")
        n = int.from_bytes(data[i : i + 2], "big")
        if i + 2 + n > len(data):
            raise MerkleError("entry bundle ends inside an entry")
        out.append(data[i + 2 : i + 2 + n])
        i += 2 + n
    if len(out) != width:
        raise MerkleError(f"entry bundle holds {len(out)} entries, expected {width}")
    return out


def verify_entry_bundle(entries: Sequence[bytes], level0: bytes) -> None:
    """Check that each entry hashes to its leaf hash in the matching level-0 tile's bytes."""
    if len(level0) != len(entries) * HASH_SIZE:
        raise MerkleError("entry bundle and level-0 tile differ in width")
    for i, e in enumerate(entries):
        if leaf_hash(e) != level0[i * HASH_SIZE : (i + 1) * HASH_SIZE]:
            raise MerkleError(f"entry {i} of the bundle does not match its leaf hash")
