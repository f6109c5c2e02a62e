"""Real HTTP ingest at each size of the store, for comparison with the bulk fill.

``POST /api/v1/ingest/runs:stream`` (NDJSON) of small bundles (the bulk fill's kind) and of the
75 KB 127-qubit bundles of the other benchmarks, each followed by a wait until every read model
has applied them. What each kind adds to the run log and to each schema is measured around it:
the bytes a run costs as ingest itself writes it.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import psycopg
from qlcore.bus import connect_nats
from qlcore.busauth import OPERATOR
from qlcore.config import SERVICES

from bench.common import RunningStack
from bench.scale_disk import Sizes, sizes
from bench.scale_fill import wait_caught_up
from bench.scale_runs import SmallRuns

__all__ = ["LARGE_PER_PHASE", "http_ingest", "stream_ingest"]

LARGE_PER_PHASE = 300  # 75 KB bundles ingested over HTTP at each size


async def stream_ingest(s: RunningStack, bundles: list[bytes]) -> dict[str, Any]:
    """NDJSON streaming ingest over HTTP; bundles/s of the acknowledged ones (each must be a new run)."""

    async def body() -> Any:
        for b in bundles:
            yield b + b"\n"

    ok = 0
    t0 = time.perf_counter()
    async with (
        httpx.AsyncClient(base_url=s.base_url, headers=s.headers, timeout=None) as c,
        c.stream(
            "POST", "/api/v1/ingest/runs:stream", content=body(), headers={"Content-Type": "application/x-ndjson"}
        ) as r,
    ):
        async for line in r.aiter_lines():
            ok += bool(line) and '"error"' not in line and '"deduplicated":false' in line
    dt = time.perf_counter() - t0
    if ok != len(bundles):
        raise RuntimeError(f"streaming ingest: {ok} of {len(bundles)} bundles became new runs")
    return {"bundles": len(bundles), "seconds": round(dt, 2), "bundles_per_s": round(ok / dt, 1)}


async def http_ingest(
    s: RunningStack, db: psycopg.Connection[Any], small: SmallRuns, indices: range, phase: int
) -> dict[str, Any]:
    """Small bundles ``indices``, then ``LARGE_PER_PHASE`` 75 KB ones; rates and bytes per run."""
    from quantumledger.examples import bench_bundle_bytes

    schemas = {name: s.settings.schema(name) for name in SERVICES}
    nc = await connect_nats(s.settings, "bench-scale", user=OPERATOR)
    try:
        js = nc.jetstream()

        async def settled() -> Sizes:
            await wait_caught_up(nc, s.settings, SERVICES, time.perf_counter())
            return await sizes(js, s.settings.stream, db, schemas)

        before = await settled()
        out: dict[str, Any] = {"small": await stream_ingest(s, [small.run(i).bundle() for i in indices])}
        mid = await settled()
        large = [bench_bundle_bytes(phase * 100_000 + k) for k in range(LARGE_PER_PHASE)]
        out["large_75kb"] = await stream_ingest(s, large)
        after = await settled()
    finally:
        await nc.close()
    out["small"]["bytes"] = mid.per_run_since(before, len(indices))
    out["large_75kb"]["bytes"] = after.per_run_since(mid, len(large))
    return out
