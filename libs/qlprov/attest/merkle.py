"""The evidence Merkle tree: RFC 9162 (Certificate Transparency v2) section 2.1, sha256.

Construction, for leaf data ``d[0..n)`` (each evidence item's 32-byte sha256 digest, leaves
ordered by evidence id ascending as UTF-8 bytes):

* empty tree: ``MTH({}) = SHA-256()``;
* leaf: ``MTH({d}) = SHA-256(0x00 || d)``;
* node: for ``n > 1`` and ``k`` the largest power of two smaller than ``n``,
  ``MTH(D[0:n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))``.

The distinct leaf and node prefixes stop a node being passed off as a leaf (second-preimage).
The split at a power of two (not the midpoint) is RFC 6962's, so any CT library and the
published CT test vectors agree with this module. Inclusion proofs and their verification are
RFC 9162 sections 2.1.3.1 and 2.1.3.2.

Large trees are kept in pages of ``2^p`` leaves (the evidence set, C2SP tlog-tiles' idea). Every
full page is then a complete subtree, the last (partial) page is a node of the right spine, and
the levels above the pages are the same construction over the page roots: with ``k`` the split
of ``n`` leaves (``k >= 2^p`` when ``n > 2^p``), ``k / 2^p`` is the largest power of two below the
page count. So the root is :func:`root_of_subtrees` over the page roots, and an inclusion proof
is the path inside the leaf's page followed by the page's path among the pages
(:func:`paged_inclusion_proof`), without reading the other pages.

The hashing (leaf and node hashes, the split, the empty root) and the proof walk are the
transparency log's (:mod:`qlprov.tlog.merkle`, :mod:`qlprov.tlog.verify`): one implementation of
RFC 9162 in the package; this module adds the evidence tree's in-memory and paged construction.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from qlprov.attest.errors import MerkleError
from qlprov.tlog import verify as tlog_verify
from qlprov.tlog.merkle import EMPTY_ROOT, leaf_hash, node_hash, split

__all__ = [
    "InclusionProof",
    "inclusion_proof",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "paged_inclusion_proof",
    "root_from_inclusion_proof",
    "root_of_subtrees",
    "verify_inclusion",
]


class InclusionProof(msgspec.Struct, frozen=True, kw_only=True):
    """An audit path: sibling hashes (hex) from the leaf up to the root."""

    leaf_index: int
    tree_size: int
    path: list[str]


def _mth(hashes: Sequence[bytes]) -> bytes:
    """Root over already leaf-hashed entries, bottom-up (same tree as the recursive definition)."""
    level = list(hashes)
    # Pairing left to right and carrying an odd last node up unchanged builds exactly the
    # power-of-two-split tree of RFC 9162.
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of the leaf data (not yet leaf-hashed)."""
    if not leaves:
        return EMPTY_ROOT
    return _mth([leaf_hash(data) for data in leaves])


def _path(index: int, hashes: Sequence[bytes]) -> list[bytes]:
    n = len(hashes)
    if n == 1:
        return []
    k = split(n)
    if index < k:
        return [*_path(index, hashes[:k]), _mth(hashes[k:])]
    return [*_path(index - k, hashes[k:]), _mth(hashes[:k])]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> InclusionProof:
    """RFC 9162 ``PATH(m, D[n])`` for leaf ``index`` of the leaf data ``leaves``."""
    if not 0 <= index < len(leaves):
        raise MerkleError(f"leaf index {index} outside a tree of {len(leaves)}")
    hashes = [leaf_hash(data) for data in leaves]
    return InclusionProof(leaf_index=index, tree_size=len(leaves), path=[h.hex() for h in _path(index, hashes)])


def root_of_subtrees(roots: Sequence[bytes]) -> bytes:
    """The tree's root from the roots of its pages (all full but the last; see the module docstring)."""
    if not roots:
        return EMPTY_ROOT
    return _mth(roots)


def paged_inclusion_proof(
    page_leaves: Sequence[bytes],
    index_in_page: int,
    page_roots: Sequence[bytes],
    page_index: int,
    *,
    page_size: int,
    tree_size: int,
) -> InclusionProof:
    """The RFC 9162 proof of one leaf from its page's leaves and every page's root: the same proof as
    :func:`inclusion_proof` over all ``tree_size`` leaves, kept in pages of ``page_size`` (a power
    of two) leaves."""
    if page_size < 1 or page_size & (page_size - 1):
        raise MerkleError(f"a page size must be a power of two, not {page_size}")
    pages = -(-tree_size // page_size)
    if len(page_roots) != pages or not 0 <= page_index < pages:
        raise MerkleError(f"page {page_index} of {len(page_roots)}, for a tree of {tree_size} in {pages} pages")
    expected = page_size if page_index < pages - 1 else tree_size - (pages - 1) * page_size
    if len(page_leaves) != expected or not 0 <= index_in_page < expected:
        raise MerkleError(f"page {page_index} must hold {expected} leaves, not {len(page_leaves)}")
    inner = _path(index_in_page, [leaf_hash(d) for d in page_leaves])
    outer = _path(page_index, page_roots)
    return InclusionProof(
        leaf_index=page_index * page_size + index_in_page,
        tree_size=tree_size,
        path=[h.hex() for h in (*inner, *outer)],
    )


def root_from_inclusion_proof(leaf_data: bytes, proof: InclusionProof) -> bytes:
    """RFC 9162 section 2.1.3.2: the root a proof leads to from a leaf (raises if malformed).

    The walk is :func:`qlprov.tlog.verify.root_from_inclusion_proof`, the transparency log's: one
    implementation of the algorithm for both trees."""
    try:
        path = [bytes.fromhex(h) for h in proof.path]
    except ValueError as exc:
        raise MerkleError("proof path is not hex") from exc
    try:
        return tlog_verify.root_from_inclusion_proof(leaf_hash(leaf_data), proof.leaf_index, proof.tree_size, path)
    except tlog_verify.InvalidProof as exc:
        raise MerkleError(str(exc)) from exc


def verify_inclusion(leaf_data: bytes, proof: InclusionProof, root: bytes) -> bool:
    """True if ``leaf_data`` is leaf ``proof.leaf_index`` of the tree with ``root``."""
    try:
        return root_from_inclusion_proof(leaf_data, proof) == root
    except MerkleError:
        return False
