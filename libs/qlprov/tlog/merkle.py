"""RFC 6962 / RFC 9162 Merkle tree hashing, and tree heads and proofs built from stored hashes.

Hashing is RFC 9162 §2.1.1 with SHA-256: ``leaf = SHA-256(0x00 || data)``,
``node = SHA-256(0x01 || left || right)``, and the empty tree's head is ``SHA-256("")``.

Generation never holds the tree: it asks a :class:`HashReader` for the *stored hashes* it
needs, in one call per tree head or proof. A stored hash is the head of a complete subtree,
named by its coordinates ``(level, n)``: the ``2**level`` leaves ``[n * 2**level,
(n + 1) * 2**level)``. These are exactly the hashes a log has to keep (a leaf's hash at level 0,
and each node once both its children exist) and exactly what C2SP tlog-tiles serves, so the
same generation code runs over an in-memory tree (:mod:`qlprov.tlog.memory`), a database, or
tiles fetched and authenticated by a client (:mod:`qlprov.tlog.tilereader`). Go's
``golang.org/x/mod/sumdb/tlog`` is built the same way (``HashReader``, ``subTreeIndex``); its
linear ``StoredHashIndex`` layout is available in :mod:`qlprov.tlog.memory`.

Proofs follow RFC 9162 §2.1.3.1 (``PATH``) and §2.1.4.1 (``PROOF``/``SUBPROOF``) literally,
as recursions over leaf ranges: first the ranges whose heads the proof lists, then one read of
the complete subtrees that cover them, then the hashing. Their verification is in
:mod:`qlprov.tlog.verify`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Coord",
    "HashReader",
    "MerkleError",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "range_hash",
    "split",
    "subtree_coords",
    "tree_hash",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Coord = tuple[int, int]
"""``(level, n)``: the complete subtree over leaves ``[n << level, (n + 1) << level)``."""


class MerkleError(ValueError):
    """A request outside the tree (an index past its size, a bigger old tree) or a bad reader."""


class HashReader(Protocol):
    """Returns the stored hashes at the given coordinates, in order (one call per request)."""

    def __call__(self, coords: Sequence[Coord], /) -> Sequence[bytes]: ...


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """k, the largest power of two smaller than n (n >= 2), as in RFC 9162 §2.1.1."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_coords(lo: int, hi: int) -> list[Coord]:
    """The complete subtrees that cover ``[lo, hi)``, left to right, largest first.

    ``[lo, hi)`` must be a range that RFC 9162's recursion produces (``lo`` a multiple of the
    largest power of two not above ``hi - lo``); the head of the range is the right-to-left
    fold of their hashes (:func:`range_hash`).
    """
    out: list[Coord] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        if lo & ((1 << level) - 1):
            raise MerkleError(f"[{lo}, {hi}) is not a subtree range")
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def range_hash(hashes: Sequence[bytes]) -> bytes:
    """The head of a range from the hashes of :func:`subtree_coords`, folded right to left."""
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


def _read(reader: HashReader, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """The heads of ``ranges``, from one call to ``reader``."""
    groups = [subtree_coords(lo, hi) for lo, hi in ranges]
    coords = [c for g in groups for c in g]
    if not coords:
        return []
    hashes = list(reader(coords))
    if len(hashes) != len(coords) or any(len(h) != HASH_SIZE for h in hashes):
        raise MerkleError(f"hash reader returned {len(hashes)} values for {len(coords)} coordinates")
    out, i = [], 0
    for g in groups:
        out.append(range_hash(hashes[i : i + len(g)]))
        i += len(g)
    return out


def tree_hash(size: int, reader: HashReader) -> bytes:
    """The tree head ``MTH(D[0:size])`` (RFC 9162 §2.1.1); ``SHA-256("")`` for the empty tree."""
    if size < 0:
        raise MerkleError("negative tree size")
    if size == 0:
        return EMPTY_ROOT
    return _read(reader, [(0, size)])[0]


def _path(m: int, lo: int, hi: int, out: list[tuple[int, int]]) -> None:
    """RFC 9162 §2.1.3.1 ``PATH(m, D[lo:hi])``: the ranges whose heads form the proof."""
    if hi - lo == 1:
        return
    k = split(hi - lo)
    if m < lo + k:
        _path(m, lo, lo + k, out)
        out.append((lo + k, hi))
    else:
        _path(m, lo + k, hi, out)
        out.append((lo, lo + k))


def inclusion_proof(size: int, index: int, reader: HashReader) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves, leaf's sibling first."""
    if not 0 <= index < size:
        raise MerkleError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    _path(index, 0, size, ranges)
    return _read(reader, ranges)


def _subproof(m: int, lo: int, hi: int, whole: bool, out: list[tuple[int, int]]) -> None:
    """RFC 9162 §2.1.4.1 ``SUBPROOF(m, D[lo:hi], b)`` with ``m`` counted from ``lo``."""
    n = hi - lo
    if m == n:
        if not whole:
            out.append((lo, hi))
        return
    k = split(n)
    if m <= k:
        _subproof(m, lo, lo + k, whole, out)
        out.append((lo + k, hi))
    else:
        _subproof(m - k, lo + k, hi, False, out)
        out.append((lo, lo + k))


def consistency_proof(old_size: int, new_size: int, reader: HashReader) -> list[bytes]:
    """``PROOF(old_size, D[0:new_size])``; empty when ``old_size`` is 0 or equals ``new_size``.

    RFC 9162 defines the proof for ``0 < old_size < new_size``; the empty tree and an equal
    tree need none (c2sp.org/tlog-witness: "the empty tree is consistent with any tree").
    """
    if not 0 <= old_size <= new_size:
        raise MerkleError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[tuple[int, int]] = []
    _subproof(old_size, 0, new_size, True, ranges)
    return _read(reader, ranges)
