"""Verification of inclusion and consistency proofs, as RFC 9162 §2.1.3.2 and §2.1.4.2 write it.

The algorithms are the RFC's iterative ones, step for step (the step numbers are in the
comments), so that a reader can check them against the text; they are independent of the
recursive generation in :mod:`qlprov.tlog.merkle`, and the tests check each against the other
and both against Go's ``sumdb/tlog``.

Both raise :class:`InvalidProof` and return nothing: a caller cannot forget to look at a
boolean. Cases the RFC leaves to the caller are decided as the witness protocol
(c2sp.org/tlog-witness) and transparency-dev/merkle decide them: equal sizes need an empty
proof and equal roots; a consistency proof from the empty tree is empty and its root must be
``SHA-256("")``.

:func:`root_from_inclusion_proof` and :func:`consistency_roots` return the heads a proof
implies instead of comparing them, for fork evidence (:mod:`qlprov.tlog.fork`).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from qlprov.tlog.merkle import EMPTY_ROOT, HASH_SIZE, node_hash

__all__ = ["InvalidProof", "consistency_roots", "root_from_inclusion_proof", "verify_consistency", "verify_inclusion"]


class InvalidProof(ValueError):
    """The proof does not prove what it is offered for."""


def _check_hashes(proof: Sequence[bytes], *named: bytes) -> None:
    for h in (*proof, *named):
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise InvalidProof("every hash must be 32 bytes")


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for leaf hash ``leaf`` at ``index`` of a tree of ``size``."""
    _check_hashes(proof, leaf)
    # 1. leaf_index must be below tree_size
    if not 0 <= index < size:
        raise InvalidProof(f"leaf index {index} is not below tree size {size}")
    # 2. fn = leaf_index, sn = tree_size - 1; 3. r = hash
    fn, sn, r = index, size - 1, leaf
    # 4. for each p in inclusion_path
    for p in proof:
        if sn == 0:  # 4a
            raise InvalidProof("inclusion proof too long")
        if fn & 1 or fn == sn:  # 4b
            r = node_hash(p, r)
            while fn and not fn & 1:  # 4b ii / 6b iii: until LSB(fn) is set or fn is 0
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # 4c
        sn >>= 1
    # 5. sn must be 0
    if sn != 0:
        raise InvalidProof("inclusion proof too short")
    return r


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2: raise :class:`InvalidProof` unless ``proof`` puts ``leaf`` at ``index``."""
    _check_hashes((), root)
    if not hmac.compare_digest(root_from_inclusion_proof(leaf, index, size, proof), root):
        raise InvalidProof("inclusion proof does not lead to the root")


def consistency_roots(old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes) -> tuple[bytes, bytes]:
    """Run RFC 9162 §2.1.4.2 steps 1-6 and return ``(fr, sr)``: the two heads the proof implies.

    For ``0 < old_size < new_size``. When ``old_size`` is a power of two the proof does not hold
    the old head and ``old_root`` is used as its first element (step 2), so ``fr`` is
    ``old_root`` itself; otherwise ``old_root`` is not used and ``fr`` is the head of the first
    ``old_size`` leaves of the tree that ``proof`` and ``sr`` describe.
    """
    _check_hashes(proof, old_root)
    if not 0 < old_size < new_size:
        raise InvalidProof(f"no consistency proof runs from size {old_size} to {new_size}")
    # 1. an empty path fails
    if not proof:
        raise InvalidProof("empty consistency proof")
    path = list(proof)
    # 2. if first is an exact power of 2, prepend first_hash
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # 3. fn = first - 1, sn = second - 1
    fn, sn = old_size - 1, new_size - 1
    # 4. if LSB(fn) is set, right-shift both until it is not
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. fr = sr = the first value of the path
    fr = sr = path[0]
    # 6. for each subsequent value c
    for c in path[1:]:
        if sn == 0:  # 6a
            raise InvalidProof("consistency proof too long")
        if fn & 1 or fn == sn:  # 6b
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:  # 4b ii / 6b iii: until LSB(fn) is set or fn is 0
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # 6c
        sn >>= 1
    # 7 (its last check): sn must be 0
    if sn != 0:
        raise InvalidProof("consistency proof too short")
    return fr, sr


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2: raise :class:`InvalidProof` unless the old tree is a prefix of the new."""
    _check_hashes(proof, old_root, new_root)
    if not 0 <= old_size <= new_size:
        raise InvalidProof(f"old size {old_size} is not between 0 and the new size {new_size}")
    if old_size == new_size:
        if proof:
            raise InvalidProof("a proof between equal sizes must be empty")
        if not hmac.compare_digest(old_root, new_root):
            raise InvalidProof("equal sizes with different roots")
        return
    if old_size == 0:
        if proof:
            raise InvalidProof("a proof from the empty tree must be empty")
        if not hmac.compare_digest(old_root, EMPTY_ROOT):
            raise InvalidProof("the empty tree's root is SHA-256 of the empty string")
        return
    fr, sr = consistency_roots(old_size, new_size, proof, old_root)
    # 7. fr must equal first_hash and sr second_hash
    if not (hmac.compare_digest(fr, old_root) and hmac.compare_digest(sr, new_root)):
        raise InvalidProof("consistency proof does not lead to both roots")
