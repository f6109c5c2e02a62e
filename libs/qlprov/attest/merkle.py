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
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import msgspec

from qlprov.attest.errors import MerkleError

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


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


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
        return hashlib.sha256(b"").digest()
    return _mth([leaf_hash(data) for data in leaves])


def _path(index: int, hashes: Sequence[bytes]) -> list[bytes]:
    n = len(hashes)
    if n == 1:
        return []
    k = _split(n)
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
        return hashlib.sha256(b"").digest()
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
    """RFC 9162 section 2.1.3.2: the root a proof leads to from a leaf (raises if malformed)."""
    if not 0 <= proof.leaf_index < proof.tree_size:
        raise MerkleError("leaf index outside the tree")
    try:
        path = [bytes.fromhex(h) for h in proof.path]
    except ValueError as exc:
        raise MerkleError("proof path is not hex") from exc
    if any(len(h) != 32 for h in path):
        raise MerkleError("proof path entries must be 32 bytes")
    fn, sn = proof.leaf_index, proof.tree_size - 1
    r = leaf_hash(leaf_data)
    for p in path:
        if sn == 0:
            raise MerkleError("proof longer than the tree is high")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise MerkleError("proof shorter than the tree is high")
    return r


def verify_inclusion(leaf_data: bytes, proof: InclusionProof, root: bytes) -> bool:
    """True if ``leaf_data`` is leaf ``proof.leaf_index`` of the tree with ``root``."""
    try:
        return root_from_inclusion_proof(leaf_data, proof) == root
    except MerkleError:
        return False
