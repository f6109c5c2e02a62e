"""Fork detection: two signed histories of one log, and evidence that anyone can check."""

from __future__ import annotations

import pytest
from qlprov.tlog.checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint, sign_checkpoint
from qlprov.tlog.fork import (
    ForkEvidence,
    ForkVerdict,
    check_fork,
    check_fork_with_reader,
    verify_fork_evidence,
)
from qlprov.tlog.keys import Ed25519Signer
from qlprov.tlog.memory import MemoryTree
from qlprov.tlog.merkle import consistency_proof, leaf_hash, tree_hash
from qlprov.tlog.tilereader import TileHashReader
from qlprov.tlog.tiles import tile_data, tiles_for_size

from tests.unit.tlog.conftest import ORIGIN


def signed(signer: Ed25519Signer, size: int, root: bytes) -> SignedCheckpoint:
    return open_checkpoint(sign_checkpoint(Checkpoint(ORIGIN, size, root), [signer]), {ORIGIN: [signer.verifier()]})


def history(n: int, fork_at: int | None = None) -> MemoryTree:
    """Leaves 0..n-1; from ``fork_at`` on, another history."""
    t = MemoryTree()
    for i in range(n):
        t.append((b"fork" if fork_at is not None and i >= fork_at else b"") + i.to_bytes(8, "big"))
    return t


def tile_reader(t: MemoryTree) -> TileHashReader:
    served = {tile: tile_data(tile, t.read) for tile in tiles_for_size(t.size)}
    return TileHashReader(t.size, t.root(), lambda ts: [served[x] for x in ts])


def test_consistent_checkpoints(log_signer: Ed25519Signer) -> None:
    t = history(300)
    old, new = signed(log_signer, 100, tree_hash(100, t.read)), signed(log_signer, 300, t.root())
    assert check_fork(old, new, consistency_proof(100, 300, t.read)).verdict is ForkVerdict.CONSISTENT
    assert check_fork(new, old, consistency_proof(100, 300, t.read)).verdict is ForkVerdict.CONSISTENT
    assert check_fork_with_reader(old, new, tile_reader(t)).verdict is ForkVerdict.CONSISTENT
    assert check_fork(new, new, []).verdict is ForkVerdict.CONSISTENT


def test_same_size_with_two_roots(log_signer: Ed25519Signer) -> None:
    a, b = signed(log_signer, 10, history(10).root()), signed(log_signer, 10, history(10, fork_at=9).root())
    check = check_fork(a, b, [])
    assert check.verdict is ForkVerdict.FORK and check.evidence is not None
    verify_fork_evidence(check.evidence, {ORIGIN: [log_signer.verifier()]})


@pytest.mark.parametrize(
    ("old_size", "fork_at", "new_size"), [(100, 50, 300), (64, 10, 65), (256, 255, 700), (5, 0, 6)]
)
def test_a_rewritten_history_is_proven(log_signer: Ed25519Signer, old_size: int, fork_at: int, new_size: int) -> None:
    seen = history(old_size)  # what a client saw earlier
    rewritten = history(new_size, fork_at=fork_at)  # what the log serves now
    old, new = signed(log_signer, old_size, seen.root()), signed(log_signer, new_size, rewritten.root())
    check = check_fork_with_reader(old, new, tile_reader(rewritten))
    assert check.verdict is ForkVerdict.FORK and check.evidence is not None
    keys = {ORIGIN: [log_signer.verifier()]}
    verify_fork_evidence(check.evidence, keys)
    # the log's own proof gives the same verdict when the old size is not a power of two
    by_proof = check_fork(old, new, consistency_proof(old_size, new_size, rewritten.read))
    expected = ForkVerdict.UNPROVEN if old_size & (old_size - 1) == 0 else ForkVerdict.FORK
    assert by_proof.verdict is expected


def test_a_bad_proof_alone_proves_nothing(log_signer: Ed25519Signer) -> None:
    t = history(300)
    old, new = signed(log_signer, 100, tree_hash(100, t.read)), signed(log_signer, 300, t.root())
    check = check_fork(old, new, [leaf_hash(b"junk")] * 4)
    assert check.verdict is ForkVerdict.UNPROVEN and check.evidence is None


def test_forged_evidence_is_refused(log_signer: Ed25519Signer) -> None:
    t = history(300)
    keys = {ORIGIN: [log_signer.verifier()]}
    old, new = signed(log_signer, 100, tree_hash(100, t.read)), signed(log_signer, 300, t.root())
    proof = tuple(consistency_proof(100, 300, t.read))
    for ev in [
        ForkEvidence(ORIGIN, old.encoded, new.encoded, leaf_hash(b"made up"), proof),  # proof does not tie it
        ForkEvidence(ORIGIN, old.encoded, new.encoded, old.checkpoint.root_hash, proof),  # no difference
        ForkEvidence(ORIGIN, old.encoded, new.encoded),
        ForkEvidence(ORIGIN, new.encoded, new.encoded),  # the same head twice
        ForkEvidence(ORIGIN, new.encoded, old.encoded, leaf_hash(b"x"), proof),  # swapped
    ]:
        with pytest.raises(ValueError):
            verify_fork_evidence(ev, keys)
    other = Ed25519Signer(ORIGIN, b"\x04" * 32)  # a checkpoint the log did not sign
    fake = signed(other, 300, history(300, fork_at=1).root())
    with pytest.raises(ValueError):
        verify_fork_evidence(ForkEvidence(ORIGIN, new.encoded, fake.encoded), keys)
    elsewhere = Ed25519Signer("elsewhere.example/log", b"\x02" * 32)
    foreign = sign_checkpoint(Checkpoint(elsewhere.name, 300, t.root()), [elsewhere])
    with pytest.raises(ValueError):  # two logs cannot fork each other
        check_fork(old, open_checkpoint(foreign, {elsewhere.name: [elsewhere.verifier()]}), [])
