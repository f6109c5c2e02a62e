"""Merkle hashing, proof generation and RFC 9162 verification: golden vectors, properties, tampering."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qlprov.tlog.memory import MemoryTree, split_stored_hash_index, stored_hash_count, stored_hash_index
from qlprov.tlog.merkle import (
    EMPTY_ROOT,
    MerkleError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    tree_hash,
)
from qlprov.tlog.verify import InvalidProof, verify_consistency, verify_inclusion

# The RFC 6962 reference vectors of certificate-transparency (merkle_tree_test): leaves, the
# root of each prefix, audit paths and consistency proofs.
LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [
    (0, 8, ["96a296d2", "5f083f0a", "6b47aaf2"]),
    (5, 8, ["bc1a0643", "ca854ea1", "d37ee418"]),
    (2, 3, ["fac54203"]),
    (1, 5, ["6e340b9c", "5f083f0a", "bc1a0643"]),
]
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d2", "5f083f0a", "6b47aaf2"]),
    (6, 8, ["0ebc5d34", "ca854ea1", "d37ee418"]),
    (2, 5, ["5f083f0a", "bc1a0643"]),
]


def reference_root(hashes: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH, written recursively and independently of the store."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return node_hash(reference_root(hashes[:k]), reference_root(hashes[k:]))


def tree_of(n: int) -> MemoryTree:
    return MemoryTree(leaf_hash(i.to_bytes(8, "big")) for i in range(n))


@pytest.fixture(scope="module")
def ct_tree() -> MemoryTree:
    t = MemoryTree()
    for leaf in LEAVES:
        t.append(leaf)
    return t


def test_hashes_are_rfc6962_domain_separated() -> None:
    assert EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert leaf_hash(b"").hex() == ROOTS[1]
    assert node_hash(leaf_hash(LEAVES[0]), leaf_hash(LEAVES[1])).hex() == ROOTS[2]


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_reference_vectors(ct_tree: MemoryTree, size: int) -> None:
    assert tree_hash(size, ct_tree.read).hex() == ROOTS[size]
    assert MemoryTree(leaf_hash(x) for x in LEAVES[:size]).root().hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_the_reference_vectors(
    ct_tree: MemoryTree, index: int, size: int, path: list[str]
) -> None:
    proof = inclusion_proof(size, index, ct_tree.read)
    assert [p.hex()[:8] for p in proof] == path
    verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_match_the_reference_vectors(
    ct_tree: MemoryTree, old: int, new: int, path: list[str]
) -> None:
    proof = consistency_proof(old, new, ct_tree.read)
    assert [p.hex()[:8] for p in proof] == path
    verify_consistency(old, new, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), proof)


SPECIAL_SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257]


@pytest.mark.parametrize("size", SPECIAL_SIZES)
def test_every_proof_of_special_sizes_verifies(size: int) -> None:
    t = tree_of(size)
    leaves = [leaf_hash(i.to_bytes(8, "big")) for i in range(size)]
    root = t.root()
    assert root == reference_root(leaves) == tree_hash(size, t.read)
    for i in range(size):
        verify_inclusion(leaves[i], i, size, inclusion_proof(size, i, t.read), root)
    for m in range(size + 1):
        verify_consistency(m, size, reference_root(leaves[:m]), root, consistency_proof(m, size, t.read))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_random_sizes_prove_and_verify(data: st.DataObject) -> None:
    k = data.draw(st.integers(0, 12))
    size = data.draw(st.sampled_from([0, 1, 2**k - 1, 2**k, 2**k + 1]) | st.integers(0, 3000))
    t = tree_of(size)
    root = t.root()
    if size:
        i = data.draw(st.integers(0, size - 1))
        verify_inclusion(leaf_hash(i.to_bytes(8, "big")), i, size, inclusion_proof(size, i, t.read), root)
        with pytest.raises(InvalidProof):
            verify_inclusion(leaf_hash(b"forged"), i, size, inclusion_proof(size, i, t.read), root)
    m = data.draw(st.integers(0, size))
    old = tree_hash(m, t.read)
    verify_consistency(m, size, old, root, consistency_proof(m, size, t.read))
    if 0 < m < size:
        with pytest.raises(InvalidProof):
            verify_consistency(m, size, leaf_hash(b"other"), root, consistency_proof(m, size, t.read))


def flips(blob: bytes) -> list[bytes]:
    """Every one-bit change of ``blob``."""
    return [blob[:i] + bytes([blob[i] ^ (1 << bit)]) + blob[i + 1 :] for i in range(len(blob)) for bit in range(8)]


@pytest.mark.parametrize(("size", "index"), [(1, 0), (8, 5), (13, 12), (256, 100)])
def test_every_flipped_bit_of_an_inclusion_proof_is_refused(size: int, index: int) -> None:
    t = tree_of(size)
    root, leaf = t.root(), leaf_hash(index.to_bytes(8, "big"))
    proof = inclusion_proof(size, index, t.read)
    for k, h in enumerate(proof):
        for bad in flips(h):
            with pytest.raises(InvalidProof):
                verify_inclusion(leaf, index, size, [*proof[:k], bad, *proof[k + 1 :]], root)
    for bad in flips(root):
        with pytest.raises(InvalidProof):
            verify_inclusion(leaf, index, size, proof, bad)
    for bad in flips(leaf):
        with pytest.raises(InvalidProof):
            verify_inclusion(bad, index, size, proof, root)
    for i, n in [(index + 1, size), (index, size + 1), (index, size * 2), (size, size)]:
        with pytest.raises(InvalidProof):
            verify_inclusion(leaf, i, n, proof, root)
    for bad_proof in [proof[:-1], [*proof, root], [root, *proof]]:
        if bad_proof != proof:
            with pytest.raises(InvalidProof):
                verify_inclusion(leaf, index, size, bad_proof, root)


@pytest.mark.parametrize(("old", "new"), [(1, 2), (3, 7), (4, 8), (6, 8), (100, 257)])
def test_every_flipped_bit_of_a_consistency_proof_is_refused(old: int, new: int) -> None:
    t = tree_of(new)
    r_old, r_new = tree_hash(old, t.read), t.root()
    proof = consistency_proof(old, new, t.read)
    for k, h in enumerate(proof):
        for bad in flips(h):
            with pytest.raises(InvalidProof):
                verify_consistency(old, new, r_old, r_new, [*proof[:k], bad, *proof[k + 1 :]])
    for bad in flips(r_old):
        with pytest.raises(InvalidProof):
            verify_consistency(old, new, bad, r_new, proof)
    for bad in flips(r_new):
        with pytest.raises(InvalidProof):
            verify_consistency(old, new, r_old, bad, proof)
    for bad_proof in [proof[:-1], [*proof, r_new], []]:
        with pytest.raises(InvalidProof):
            verify_consistency(old, new, r_old, r_new, bad_proof)


def test_edge_cases_of_consistency() -> None:
    t = tree_of(5)
    root = t.root()
    verify_consistency(0, 5, EMPTY_ROOT, root, [])
    verify_consistency(5, 5, root, root, [])
    for args in [
        (0, 5, leaf_hash(b"x"), root, []),  # the empty tree has one root
        (0, 5, EMPTY_ROOT, root, [root]),  # and needs no proof
        (5, 5, root, EMPTY_ROOT, []),  # equal sizes, other root
        (5, 5, root, root, [root]),  # equal sizes take no proof
        (6, 5, root, root, []),  # shrinking
        (2, 5, root, root, [b"short"]),  # not a hash
    ]:
        with pytest.raises(InvalidProof):
            verify_consistency(*args)


def test_requests_outside_the_tree_are_errors() -> None:
    t = tree_of(4)
    for call in [
        lambda: inclusion_proof(4, 4, t.read),
        lambda: inclusion_proof(0, 0, t.read),
        lambda: consistency_proof(5, 4, t.read),
        lambda: tree_hash(5, t.read),
        lambda: tree_hash(-1, t.read),
    ]:
        with pytest.raises(MerkleError):
            call()
    with pytest.raises(MerkleError):
        inclusion_proof(4, 1, lambda coords: [b"\x00" * 31 for _ in coords])  # a reader returning junk


def test_go_stored_hash_layout_is_a_bijection_in_append_order() -> None:
    t = MemoryTree()
    order = []
    for i in range(300):
        before = [len(level) for level in t._levels]
        t.append_hash(leaf_hash(i.to_bytes(4, "big")))
        for level, hashes in enumerate(t._levels):
            for n in range(before[level] if level < len(before) else 0, len(hashes)):
                order.append((level, n))
        assert stored_hash_count(i + 1) == len(order)
    assert [stored_hash_index(level, n) for level, n in order] == list(range(len(order)))
    assert [split_stored_hash_index(x) for x in range(len(order))] == order
