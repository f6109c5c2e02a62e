"""Appending leaves to a tree whose stored hashes live elsewhere: the tree's right edge only.

To append leaf ``s`` to a tree of ``s`` leaves, a log needs none of its old leaves: only the
heads of the complete subtrees that cover ``[0, s)`` (at most one per set bit of ``s``, the
"compact range" of transparency-dev, the right edge of the tree). Appending pushes the leaf and
merges equal-sized neighbours, like a binary counter; each merge is a new stored hash. So the
service reads those ~log2(s) hashes once per batch (``qlprov.tlog.merkle.subtree_coords(0, s)``),
appends a whole batch in memory, and writes only the new stored hashes: one row per leaf and,
on average, one per internal node.

The new hashes are exactly those :class:`qlprov.tlog.memory.MemoryTree` stores, at the same
``(level, n)`` coordinates: ``tests/unit/tlog_service/test_frontier.py`` checks it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from qlprov.tlog.merkle import EMPTY_ROOT, HASH_SIZE, Coord, MerkleError, node_hash, subtree_coords

__all__ = ["Frontier", "StoredHash"]

StoredHash = tuple[int, int, bytes]
"""``(level, n, hash)``: the head of the complete subtree over leaves ``[n << level, (n + 1) << level)``."""


@dataclass
class Frontier:
    """The complete subtrees covering ``[0, size)``, largest (leftmost) first."""

    size: int
    edge: list[StoredHash] = field(default_factory=list)

    @staticmethod
    def coords(size: int) -> list[Coord]:
        """Which stored hashes to read for a tree of ``size`` leaves."""
        return subtree_coords(0, size)

    @classmethod
    def of(cls, size: int, hashes: Sequence[bytes]) -> Frontier:
        """The frontier of a tree of ``size`` leaves from the hashes at :meth:`coords` (in order)."""
        coords = cls.coords(size)
        if len(hashes) != len(coords) or any(len(h) != HASH_SIZE for h in hashes):
            raise MerkleError(f"a tree of {size} leaves has {len(coords)} subtree heads, got {len(hashes)}")
        return cls(size, [(level, n, h) for (level, n), h in zip(coords, hashes, strict=True)])

    def append(self, leaf: bytes) -> list[StoredHash]:
        """Append one leaf hash; returns the stored hashes it creates (the leaf's first)."""
        if len(leaf) != HASH_SIZE:
            raise MerkleError("a leaf hash is 32 bytes")
        created: list[StoredHash] = [(0, self.size, leaf)]
        self.edge.append(created[0])
        while len(self.edge) > 1 and self.edge[-1][0] == self.edge[-2][0]:
            right = self.edge.pop()
            left = self.edge.pop()
            merged = (left[0] + 1, left[1] >> 1, node_hash(left[2], right[2]))
            self.edge.append(merged)
            created.append(merged)
        self.size += 1
        return created

    def root(self) -> bytes:
        """The tree head: the edge folded right to left (``SHA-256("")`` when empty)."""
        if not self.edge:
            return EMPTY_ROOT
        h = self.edge[-1][2]
        for _, _, left in reversed(self.edge[:-1]):
            h = node_hash(left, h)
        return h
