"""The evidence tree against the Certificate Transparency (RFC 6962) reference vectors."""

from __future__ import annotations

import pytest
from qlprov.attest import (
    InclusionProof,
    MerkleError,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    paged_inclusion_proof,
    root_from_inclusion_proof,
    root_of_subtrees,
    verify_inclusion,
)

# Leaves and roots of the CT reference tests (certificate-transparency-go merkle tests).
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
# (leaf index, tree size, audit path) from the same suite.
PROOFS = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_reference(size: int) -> None:
    assert merkle_root(LEAVES[:size]).hex() == ROOTS[size]


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    assert leaf_hash(b"").hex() == ROOTS[1]
    assert node_hash(leaf_hash(LEAVES[0]), leaf_hash(LEAVES[1])).hex() == ROOTS[2]


@pytest.mark.parametrize(("index", "size", "path"), PROOFS)
def test_inclusion_proofs_match_the_reference(index: int, size: int, path: list[str]) -> None:
    proof = inclusion_proof(LEAVES[:size], index)
    assert proof == InclusionProof(leaf_index=index, tree_size=size, path=path)
    assert root_from_inclusion_proof(LEAVES[index], proof).hex() == ROOTS[size]


def test_every_proof_verifies_in_every_shape_and_nothing_else_does() -> None:
    leaves = [bytes([i, i * 7 % 256]) for i in range(40)]
    for size in range(1, len(leaves) + 1):
        tree = leaves[:size]
        root = merkle_root(tree)
        for index in range(size):
            proof = inclusion_proof(tree, index)
            assert verify_inclusion(tree[index], proof, root)
            assert not verify_inclusion(b"forged", proof, root)
            if size > 1:
                other = (index + 1) % size
                assert not verify_inclusion(tree[other], proof, root)
                moved = InclusionProof(leaf_index=other, tree_size=size, path=proof.path)
                assert not verify_inclusion(tree[index], moved, root)


def _corruptions(proof: InclusionProof) -> list[InclusionProof]:
    i, n, path = proof.leaf_index, proof.tree_size, proof.path
    flipped = [f"{int(path[0][:2], 16) ^ 8:02x}{path[0][2:]}", *path[1:]]
    return [
        InclusionProof(leaf_index=i, tree_size=n * 2, path=path),
        InclusionProof(leaf_index=i, tree_size=n // 2, path=path),
        InclusionProof(leaf_index=i, tree_size=n, path=path[:-1]),
        InclusionProof(leaf_index=i, tree_size=n, path=[*path, ROOTS[8]]),
        InclusionProof(leaf_index=i, tree_size=n, path=[ROOTS[8], *path]),
        InclusionProof(leaf_index=i, tree_size=n, path=flipped),
        InclusionProof(leaf_index=i ^ 2, tree_size=n, path=path),
    ]


@pytest.mark.parametrize(("index", "size", "path"), PROOFS)
def test_corrupted_proofs_fail(index: int, size: int, path: list[str]) -> None:
    root = bytes.fromhex(ROOTS[size])
    good = InclusionProof(leaf_index=index, tree_size=size, path=path)
    assert verify_inclusion(LEAVES[index], good, root)
    for bad in _corruptions(good):
        assert not verify_inclusion(LEAVES[index], bad, root), bad
    assert not verify_inclusion(LEAVES[index], good, bytes.fromhex(ROOTS[0]))


def test_out_of_range_requests_raise() -> None:
    with pytest.raises(MerkleError):
        inclusion_proof(LEAVES[:3], 3)
    with pytest.raises(MerkleError):
        inclusion_proof([], 0)
    with pytest.raises(MerkleError):
        root_from_inclusion_proof(b"", InclusionProof(leaf_index=0, tree_size=0, path=[]))
    with pytest.raises(MerkleError):
        root_from_inclusion_proof(b"", InclusionProof(leaf_index=0, tree_size=2, path=["zz"]))


@pytest.mark.parametrize("page_size", [1, 2, 4, 8, 16])
def test_a_tree_kept_in_pages_has_the_same_root_and_proofs(page_size: int) -> None:
    """Pages of a power of two are subtrees: the root from page roots, and a proof from one page
    and the page roots, are those of the whole tree (what makes paged evidence provable)."""
    for n in [*range(1, 40), 63, 64, 65, 129]:
        leaves = [n.to_bytes(4, "big") + i.to_bytes(4, "big") for i in range(n)]
        pages = [leaves[i : i + page_size] for i in range(0, n, page_size)]
        roots = [merkle_root(page) for page in pages]
        assert root_of_subtrees(roots) == merkle_root(leaves)
        for i in range(n):
            paged = paged_inclusion_proof(
                pages[i // page_size], i % page_size, roots, i // page_size, page_size=page_size, tree_size=n
            )
            assert paged == inclusion_proof(leaves, i), (n, i)
    assert root_of_subtrees([]) == merkle_root([])


def test_paged_proofs_refuse_pages_that_do_not_fit() -> None:
    leaves = [bytes([i]) for i in range(10)]
    roots = [merkle_root(leaves[i : i + 4]) for i in range(0, 10, 4)]
    with pytest.raises(MerkleError, match="power of two"):
        paged_inclusion_proof(leaves[:3], 0, roots, 0, page_size=3, tree_size=10)
    with pytest.raises(MerkleError, match="must hold"):
        paged_inclusion_proof(leaves[:3], 0, roots, 0, page_size=4, tree_size=10)  # a full page cut short
    with pytest.raises(MerkleError):
        paged_inclusion_proof(leaves[8:], 0, roots[:2], 2, page_size=4, tree_size=10)
