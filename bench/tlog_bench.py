"""The transparency log's pure core (``qlprov.tlog``), in process, at one million leaves.

Measures:

* leaf appends/s into the in-memory tree builder (``MemoryTree.append``: the leaf hash and the
  node hashes each leaf completes), building a tree of ``LEAVES`` entries;
* inclusion proof generation (from the tree's stored hashes) and verification (RFC 9162
  §2.1.3.2), latency p50/p99 over ``SAMPLES`` random leaves;
* consistency proof generation and verification, p50/p99 over random old sizes;
* inclusion proof generation by a client from C2SP tiles (``TileHashReader``, tiles already
  fetched: the authentication and hashing cost), cold (a new reader per proof) and warm;
* signing and opening a checkpoint (Ed25519, PyNaCl).

Figures are medians of ``RUNS`` runs; one core of the shared 2-core machine.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qlprov.tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from qlprov.tlog.keys import Ed25519Signer
from qlprov.tlog.memory import MemoryTree
from qlprov.tlog.merkle import consistency_proof, inclusion_proof, leaf_hash, tree_hash
from qlprov.tlog.tilereader import TileHashReader
from qlprov.tlog.tiles import Tile, tile_data, tiles_for_size
from qlprov.tlog.verify import verify_consistency, verify_inclusion

from bench.common import summarize, write_results

__all__ = ["run"]

LEAVES = 1_000_000
SAMPLES = 2_000
RUNS = 3


def _latencies(fn: Callable[[int], object], args: list[int]) -> list[float]:
    out = []
    for a in args:
        t0 = time.perf_counter()
        fn(a)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _median_summary(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in runs), 4) for k in runs[0] if k != "n"} | {"n": runs[0]["n"]}


def _build() -> tuple[MemoryTree, float]:
    data = [i.to_bytes(8, "big") for i in range(LEAVES)]
    tree = MemoryTree()
    append = tree.append
    t0 = time.perf_counter()
    for d in data:
        append(d)
    return tree, LEAVES / (time.perf_counter() - t0)


def _proof_run(tree: MemoryTree, served: dict[Tile, bytes], rng: random.Random) -> dict[str, dict[str, float]]:
    """One run of every proof measurement over random leaves and old sizes."""
    size, root, read = tree.size, tree.root(), tree.read

    def fetch(ts: Sequence[Tile]) -> list[bytes]:
        return [served[t] for t in ts]

    idx = [rng.randrange(size) for _ in range(SAMPLES)]
    proofs = {i: inclusion_proof(size, i, read) for i in idx}
    olds = [rng.randint(1, size) for _ in range(SAMPLES)]
    heads = {m: tree_hash(m, read) for m in olds}
    cproofs = {m: consistency_proof(m, size, read) for m in olds}
    few = idx[: SAMPLES // 10]
    warm = TileHashReader(size, root, fetch)
    out = {
        "inclusion_generate": _latencies(lambda i: inclusion_proof(size, i, read), idx),
        "inclusion_verify": _latencies(
            lambda i: verify_inclusion(leaf_hash(i.to_bytes(8, "big")), i, size, proofs[i], root), idx
        ),
        "consistency_generate": _latencies(lambda m: consistency_proof(m, size, read), olds),
        "consistency_verify": _latencies(lambda m: verify_consistency(m, size, heads[m], root, cproofs[m]), olds),
        "inclusion_from_tiles_cold_reader": _latencies(
            lambda i: inclusion_proof(size, i, TileHashReader(size, root, fetch)), few
        ),
        "inclusion_from_tiles_warm_reader": _latencies(lambda i: inclusion_proof(size, i, warm), few),
    }
    if any(inclusion_proof(size, i, warm) != proofs[i] for i in few[:20]):
        raise RuntimeError("proofs rebuilt from tiles differ from the tree's")
    return {k: summarize(v) for k, v in out.items()}


def run(results_dir: Path) -> dict[str, Any]:
    rates = []
    tree = MemoryTree()
    for _ in range(RUNS):
        tree, rate = _build()
        rates.append(rate)
    size, root = tree.size, tree.root()
    rng = random.Random(1)
    read = tree.read

    served = {t: tile_data(t, read) for t in tiles_for_size(size)}
    runs = [_proof_run(tree, served, rng) for _ in range(RUNS)]

    signer = Ed25519Signer("bench.example/quantumledger/log", b"\x01" * 32)
    cp = Checkpoint(signer.name, size, root)
    keys = {signer.name: [signer.verifier()]}
    signed = sign_checkpoint(cp, [signer])
    sign_ms = [summarize(_latencies(lambda _: sign_checkpoint(cp, [signer]), list(range(500)))) for _ in range(RUNS)]
    open_ms = [summarize(_latencies(lambda _: open_checkpoint(signed, keys), list(range(500)))) for _ in range(RUNS)]

    data = {
        "runs": RUNS,
        "leaves": size,
        "samples": SAMPLES,
        "append_leaves_per_s": round(statistics.median(rates)),
        "append_leaves_per_s_runs": [round(r) for r in rates],
        "stored_hashes": sum(len(level) for level in tree._levels),
        "tiles": len(served),
        **{name: _median_summary([r[name] for r in runs]) for name in runs[0]},
        "checkpoint_sign": _median_summary(sign_ms),
        "checkpoint_open": _median_summary(open_ms),
    }
    write_results(results_dir, "tlog", data)
    return data
