"""The SDK's streaming ingest against a stack started as `make run` starts it.

``Client.ingest_stream`` sends bundles in chunks (256 lines a request) because an HTTP/1.1 client
sends a whole request body before it reads the answer (docs/sdk.md). This compares it with one
unbounded NDJSON stream sent with raw httpx (as ``ingest_bench`` does) on the same real ~78 KB
bundles: bundles/s, and when the first answer can be read (the progress bar's first step).
A probe sends many small bundles both ways, to see whether the unbounded stream's unread
answers stall it.

Figures: medians of ``rounds``; for the probe, whether each finished within its time limit.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.common import RunningStack, running_stack, write_results

__all__ = ["run"]

_counter = itertools.count()


def _real(n: int) -> list[bytes]:
    from quantumledger.examples import bench_bundle_bytes

    base = next(_counter) * 1_000_000 + int(time.time()) % 1000 * 1_000_000_000
    return [bench_bundle_bytes(base + i) for i in range(n)]


def _small(n: int) -> Iterator[bytes]:
    """The smallest valid documents (~0.7 KB), each unique."""
    from qlprov.hashing import run_hash

    tag = f"{time.time_ns()}-{next(_counter)}"
    for i in range(n):
        doc: dict[str, Any] = {
            "schema": "qlprov/run/1.0",
            "created_at": "2025-02-26T10:00:00Z",
            "program": {"name": "p", "format": "openqasm3", "source": f"// {tag}-{i}\nOPENQASM 3.0;\n"},
            "backend": {"provider": "lab", "name": "sim", "num_qubits": 1},
            "calibration": {"taken_at": "2025-02-26T08:00:00Z", "qubits": [], "gates": []},
            "execution": {"shots": 1, "status": "completed", "job_id": None},
            "results": {"counts": {"0": 1}},
            "environment": {"sdk": {"name": "bench", "version": "0"}, "python": "3.11", "packages": {}},
        }
        doc["execution"] |= {"submitted_at": None, "completed_at": None}
        doc["run_hash"] = run_hash(doc)
        yield orjson.dumps(doc)


def _raw_stream(s: RunningStack, bundles: Iterator[bytes] | list[bytes], timeout: float | None) -> dict[str, Any]:
    """One unbounded NDJSON request; answers are read only once httpx has sent the whole body."""
    t0 = time.perf_counter()
    ok, first = 0, None
    try:
        with (
            httpx.Client(base_url=s.base_url, headers=s.headers, timeout=timeout) as c,
            c.stream(
                "POST",
                "/api/v1/ingest/runs:stream",
                content=(b + b"\n" for b in bundles),
                headers={"Content-Type": "application/x-ndjson"},
            ) as r,
        ):
            for line in r.iter_lines():
                first = first or time.perf_counter()
                ok += bool(line) and '"error"' not in line
        finished = True
    except httpx.TimeoutException:
        finished = False
    return _figures(t0, first, ok, finished)


def _figures(t0: float, first: float | None, ok: int, finished: bool) -> dict[str, Any]:
    dt = time.perf_counter() - t0
    return {
        "finished": finished,
        "ok": ok,
        "seconds": round(dt, 2),
        "first_answer_s": round(first - t0, 2) if first else None,
        "bundles_per_s": round(ok / dt, 1),
    }


def _sdk_stream(s: RunningStack, bundles: Iterator[bytes] | list[bytes], timeout: float | None) -> dict[str, Any]:
    from quantumledger import Client, RetryPolicy

    t0 = time.perf_counter()
    ok, first = 0, None
    with Client(s.base_url, s.api_key, timeout=timeout or 60.0, retry=RetryPolicy(max_retries=0)) as ql:
        for res in ql.ingest_stream(bundles, progress=False):
            first = first or time.perf_counter()
            ok += res.ok
    return _figures(t0, first, ok, True)


def run(results_dir: Path, rounds: int = 3, n: int = 400, probe: int = 30_000) -> dict[str, Any]:
    raw: dict[str, list[dict[str, Any]]] = {"raw_stream": [], "sdk_stream": []}
    with running_stack() as s:
        _sdk_stream(s, _real(50), None)  # warm-up
        for _ in range(rounds):  # alternate, so both see the same machine; bundles made before timing
            raw["raw_stream"].append(_raw_stream(s, _real(n), None))
            raw["sdk_stream"].append(_sdk_stream(s, _real(n), None))
        probe_raw = _raw_stream(s, _small(probe), 120.0)
        probe_sdk = _sdk_stream(s, _small(probe), 120.0)
    figures = {
        "raw_stream_bundles_per_s": statistics.median(r["bundles_per_s"] for r in raw["raw_stream"]),
        "sdk_stream_bundles_per_s": statistics.median(r["bundles_per_s"] for r in raw["sdk_stream"]),
        "raw_stream_first_answer_s": statistics.median(r["first_answer_s"] for r in raw["raw_stream"]),
        "sdk_stream_first_answer_s": statistics.median(r["first_answer_s"] for r in raw["sdk_stream"]),
        f"probe_{probe}_small_raw_one_stream": probe_raw,
        f"probe_{probe}_small_sdk_chunks": probe_sdk,
    }
    result = {"bundles": n, "rounds": rounds, "figures": figures, "raw": raw}
    write_results(results_dir, "sdk", result)
    print(figures, flush=True)
    return result
