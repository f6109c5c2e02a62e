"""Appending at the tree's right edge writes exactly the stored hashes an in-memory tree keeps."""

from __future__ import annotations

import hashlib
import random

import pytest
from qlprov.tlog.memory import MemoryTree, stored_hash_count
from qlprov.tlog.merkle import EMPTY_ROOT, MerkleError, leaf_hash

from services.tlog.domain.frontier import Frontier


def leaf(i: int) -> bytes:
    return leaf_hash(hashlib.sha256(str(i).encode()).digest())


@pytest.mark.parametrize("seed", range(5))
def test_batches_of_any_size_make_the_same_hashes_as_a_memory_tree(seed: int) -> None:
    rng = random.Random(seed)
    reference, size = MemoryTree(), 0
    while size < 1200:
        batch = rng.choice([1, 2, 3, 7, 64, 255, 256, 257, 300])
        edge = Frontier.of(size, reference.read(Frontier.coords(size)))
        created = []
        for i in range(size, size + batch):
            created += edge.append(leaf(i))
            reference.append_hash(leaf(i))
        size += batch
        assert edge.size == size and edge.root() == reference.root()
        assert len(created) == stored_hash_count(size) - stored_hash_count(size - batch)
        for level, n, h in created:
            assert reference.read([(level, n)]) == [h]
        assert len({(level, n) for level, n, _ in created}) == len(created)


def test_the_empty_tree_and_bad_input() -> None:
    assert Frontier.of(0, []).root() == EMPTY_ROOT
    with pytest.raises(MerkleError):
        Frontier.of(3, [b"\x00" * 32])  # a tree of 3 has two subtree heads
    with pytest.raises(MerkleError):
        Frontier(0).append(b"short")
