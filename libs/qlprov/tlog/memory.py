"""An in-memory append-only tree, and Go's linear layout of stored hashes.

:class:`MemoryTree` keeps every stored hash (each complete subtree's head, see
:mod:`qlprov.tlog.merkle`) in one list per level: appending a leaf adds its hash at level 0
and, for each subtree the leaf completes, one node above it, so an append costs one leaf hash
plus on average one node hash. It is the reference store for tests and benchmarks, a builder
for a service that rebuilds its tree from the log at start-up, and the model for a database
table keyed by ``(level, n)``. Its :meth:`MemoryTree.read` is a
:class:`~qlprov.tlog.merkle.HashReader`.

:func:`stored_hash_index` and :func:`split_stored_hash_index` are the dense ordering of
``golang.org/x/mod/sumdb/tlog`` (``StoredHashIndex``, after Crosby and Wallach §3.3): the hashes
of record ``n`` are written right after those of record ``n - 1``, so a log can keep them in
one append-only file or sequence. They are the same functions, checked against Go's in the
interoperability tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from qlprov.tlog.merkle import EMPTY_ROOT, HASH_SIZE, Coord, MerkleError, leaf_hash, node_hash

__all__ = ["MemoryTree", "split_stored_hash_index", "stored_hash_count", "stored_hash_index"]


class MemoryTree:
    """An append-only RFC 6962 tree holding all its stored hashes."""

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append_hash(h)

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, data: bytes) -> int:
        """Append a leaf by its data; returns its index."""
        return self.append_hash(leaf_hash(data))

    def append_hash(self, h: bytes) -> int:
        """Append a leaf by its leaf hash (``SHA-256(0x00 || data)``); returns its index."""
        if len(h) != HASH_SIZE:
            raise MerkleError("a leaf hash is 32 bytes")
        levels = self._levels
        index = len(levels[0])
        levels[0].append(h)
        level, n = 0, index
        while n & 1:  # this leaf completes a subtree at each trailing 1 bit of its index
            below = levels[level]
            if level + 1 == len(levels):
                levels.append([])
            levels[level + 1].append(node_hash(below[n - 1], below[n]))
            level += 1
            n >>= 1
        return index

    def read(self, coords: Sequence[Coord]) -> list[bytes]:
        """The stored hashes at ``coords`` (a :class:`~qlprov.tlog.merkle.HashReader`)."""
        out = []
        for level, n in coords:
            try:
                if level < 0 or n < 0:
                    raise IndexError
                out.append(self._levels[level][n])
            except IndexError:
                raise MerkleError(f"no stored hash at level {level}, index {n} in a tree of {self.size}") from None
        return out

    def root(self) -> bytes:
        """The current tree head, from the complete subtrees at the set bits of the size."""
        size = self.size
        if size == 0:
            return EMPTY_ROOT
        h: bytes | None = None
        lo = size
        for level in range(size.bit_length()):  # smallest subtree (rightmost) first
            if size >> level & 1:
                lo -= 1 << level
                top = self._levels[level][lo >> level]
                h = top if h is None else node_hash(top, h)
        assert h is not None
        return h


def stored_hash_index(level: int, n: int) -> int:
    """Go's ``StoredHashIndex``: where the hash at ``(level, n)`` lives in the linear layout."""
    for _ in range(level):
        n = 2 * n + 1
    i = 0
    while n > 0:
        i += n
        n >>= 1
    return i + level


def split_stored_hash_index(index: int) -> Coord:
    """Go's ``SplitStoredHashIndex``, the inverse of :func:`stored_hash_index`."""
    n = index // 2
    index_n = stored_hash_index(0, n)
    if index_n > index:  # pragma: no cover - cannot happen: StoredHashIndex(0, n) <= 2n
        raise MerkleError("bad stored hash index arithmetic")
    while True:
        # record n + 1 adds 1 + trailing zeros(n + 1) hashes
        m = n + 1
        x = index_n + 1 + ((m & -m).bit_length() - 1)
        if x > index:
            break
        n += 1
        index_n = x
    level = index - index_n
    return level, n >> level


def stored_hash_count(size: int) -> int:
    """Go's ``StoredHashCount``: how many hashes a tree of ``size`` leaves stores."""
    if size == 0:
        return 0
    count = stored_hash_index(0, size - 1) + 1
    i = size - 1
    while i & 1:
        count += 1
        i >>= 1
    return count
