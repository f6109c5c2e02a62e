"""End-to-end ingest of real 127-qubit bundles (~78 KB; ibm_kyiv's calibration from
qiskit-ibm-runtime's fake provider) through a stack started as `make run` starts it.

Measures: bundles/s through the NDJSON streaming endpoint; bundles/s and p50/p99 latency of single
requests from 16 concurrent clients; the lag from ingest ack to visible in GET /api/v1/runs/{id} at
half the measured single-request load; replay events/s of the provenance read model.

Single requests are sent by ``wrk`` (16 connections, one thread, every request a new bundle: a Lua
script numbers the job id) when it is installed, else by 16 httpx clients. The generator shares the
2 cores with the stack, and httpx costs ~1.8 ms of CPU a 78 KB request, a quarter of what the whole
stack spends on it: wrk measures the server instead of the client (``generator`` in the results).
Targets (2 cores): streaming >= 400/s; single >= 150/s with p99 < 100 ms; lag p99 < 200 ms; replay
>= 2,000 events/s. The load generator shares the 2 cores with the stack: figures are conservative.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
from qlcore import rpc
from qlcore.bus import connect_nats
from qlcore.busauth import OPERATOR
from qlprov.hashing import run_hash

from bench.common import RunningStack, cpu_ms_per_item, running_stack, summarize, write_results
from bench.http_load import RawHttp

__all__ = ["run"]

TARGETS = {
    "stream_bundles_per_s": 400,
    "single_bundles_per_s": 150,
    "single_p99_ms": 100,
    "visibility_lag_p99_ms": 200,
    "replay_events_per_s": 2000,
}
_counter = itertools.count()


def _bundles(n: int) -> list[bytes]:
    from quantumledger.examples import bench_bundle_bytes

    base = next(_counter) * 1_000_000 + int(time.time()) % 1000 * 1_000_000_000
    out = [bench_bundle_bytes(base + i) for i in range(n)]
    gc.freeze()
    return out


async def _stream(s: RunningStack, bundles: list[bytes]) -> dict[str, Any]:
    async def body() -> Any:
        for b in bundles:
            yield b + b"\n"

    t0 = time.perf_counter()
    n_ok = 0
    async with (
        httpx.AsyncClient(base_url=s.base_url, headers=s.headers, timeout=None) as c,
        c.stream(
            "POST", "/api/v1/ingest/runs:stream", content=body(), headers={"Content-Type": "application/x-ndjson"}
        ) as r,
    ):
        async for line in r.aiter_lines():
            if line and '"error"' not in line:
                n_ok += 1
    dt = time.perf_counter() - t0
    return {"bundles": len(bundles), "ok": n_ok, "seconds": round(dt, 3), "bundles_per_s": round(n_ok / dt, 1)}


async def _singles(s: RunningStack, bundles: list[bytes], clients: int = 16) -> dict[str, Any]:
    queue = list(reversed(bundles))
    lat: list[float] = []

    async def worker(c: httpx.AsyncClient) -> None:
        while queue:
            b = queue.pop()
            t = time.perf_counter()
            r = await c.post("/api/v1/ingest/runs", content=b, headers={"Content-Type": "application/json"})
            lat.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=s.base_url, headers=s.headers, timeout=60, limits=limits) as c:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(c) for _ in range(clients)))
        dt = time.perf_counter() - t0
    return {"clients": clients, "seconds": round(dt, 3), "bundles_per_s": round(len(bundles) / dt, 1), **summarize(lat)}


_WRK_SCRIPT = r"""
local prefix, suffix
local n = 0
init = function(args)
  local f = assert(io.open(args[1], "rb"))
  local body = f:read("*a")
  f:close()
  local i, j = string.find(body, "@@N@@", 1, true)
  prefix, suffix = string.sub(body, 1, i - 1), string.sub(body, j + 1)
  n = tonumber(args[2])
end
request = function()
  n = n + 1
  return wrk.format("POST", nil, nil, prefix .. string.format("%012d", n) .. suffix)
end
"""
_WRK_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_WRK_BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _singles_wrk(s: RunningStack, seconds: float = 8.0, clients: int = 16) -> dict[str, Any]:
    """Single requests from ``wrk``: each a new bundle (its job id numbered by the Lua script)."""
    from quantumledger.examples import _bench_template

    body, marker = _bench_template()
    offset = next(_counter) * 1_000_000 + int(time.time()) % 100_000 * 10_000_000
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "bundle.json").write_bytes(body.replace(marker, b'"bench-@@N@@"'))
        (Path(d) / "ingest.lua").write_text(_WRK_SCRIPT)
        args = ["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", "--latency", "-s", str(Path(d) / "ingest.lua")]
        for k, v in {**s.headers, "Content-Type": "application/json"}.items():
            args += ["-H", f"{k}: {v}"]
        args += [f"{s.base_url}/api/v1/ingest/runs", "--", str(Path(d) / "bundle.json"), str(offset)]
        out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    lat = {q: float(v) * _UNIT_MS[u] for q, v, u in _WRK_LATENCY.findall(out)}
    rate, bad = _WRK_RATE.search(out), _WRK_BAD.search(out)
    if bad or not rate or "50" not in lat:
        raise RuntimeError(f"wrk run failed or had errors:\n{out}")
    return {
        "generator": f"wrk -t1 -c{clients}",
        "clients": clients,
        "seconds": seconds,
        "bundles_per_s": float(rate[1]),
        "p50_ms": lat["50"],
        "p99_ms": lat["99"],
    }


async def _visibility(s: RunningStack, bundles: list[bytes], rate: float) -> dict[str, Any]:
    """Open-loop ingest at ``rate``/s; the lag from each ack until GET /runs/{id} answers 200.

    One poller lists the workspace's newest 50 runs every 10 ms (the list reads the same read-model row
    as GET /runs/{id}); a run seen there (or acked over 0.5 s ago) is fetched with GET /runs/{id}, and
    its lag is the time that GET answered, minus the ack. The GET revalidates with the run_hash as
    ``If-None-Match`` (the document's ETag): a 304 proves the run readable (another workspace's or a
    missing run is a 404) without moving its 78 KB; every 10th run is read whole and re-hashed.
    Polling GET /runs/{id} per run every few ms, or with httpx (``bench.http_load.RawHttp``), would
    measure the load generator instead of the stack: at this rate it costs as much CPU as ingest.
    """
    acked: dict[str, float] = {}
    lags: list[float] = []
    ingest_lat: list[float] = []
    misses = 0
    c = RawHttp(s.base_url, s.headers, connections=64)
    try:
        hashes: dict[str, str] = {}
        full_reads = 0
        checks = itertools.count()

        async def one(b: bytes) -> None:
            t = time.perf_counter()
            status, body = await c.request("POST", "/api/v1/ingest/runs", b)
            if status not in (200, 201):
                raise RuntimeError(f"ingest answered {status}: {body[:300]!r}")
            answer = orjson.loads(body)
            acked[answer["run_id"]] = time.perf_counter()
            hashes[answer["run_id"]] = answer["run_hash"]
            ingest_lat.append((acked[answer["run_id"]] - t) * 1000)

        async def fetch(run_id: str) -> bool:
            nonlocal full_reads
            if next(checks) % 10 == 0:  # every 10th: the whole document, which must re-hash
                status, body = await c.request("GET", f"/api/v1/runs/{run_id}")
                if status == 200 and run_hash(orjson.loads(body)) != hashes[run_id]:
                    raise RuntimeError(f"GET /runs/{run_id} does not re-hash to its run_hash")
                full_reads += status == 200
            else:  # the ETag is the run_hash: 304 = visible, without moving 78 KB per check
                status, _ = await c.request("GET", f"/api/v1/runs/{run_id}", headers=etag_of(hashes[run_id]))
            if status not in (200, 304):
                return False
            lags.append((time.perf_counter() - acked[run_id]) * 1000)
            return True

        async def poll(total: int) -> None:
            nonlocal misses
            seen: set[str] = set()
            async with asyncio.timeout(120):  # a stalled projection fails the benchmark, never hangs it
                while len(seen) < total:
                    listed = {i["run_id"] for i in orjson.loads((await c.request("GET", "/api/v1/runs?limit=50"))[1])}
                    now = time.perf_counter()
                    # what the list shows, and stragglers it no longer shows (a slow poll lets the newest 50 pass)
                    fresh = [k for k, t in acked.items() if k not in seen and (k in listed or now - t > 0.5)]
                    for ok, run_id in zip(await asyncio.gather(*map(fetch, fresh)), fresh, strict=True):
                        if ok:
                            seen.add(run_id)
                        elif run_id in listed:  # listed but not readable: cannot happen with one read model
                            misses += 1
                    await asyncio.sleep(0.01)

        poller = asyncio.create_task(poll(len(bundles)))
        tasks = []
        t0 = time.perf_counter()
        for i, b in enumerate(bundles):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(b)))
        await asyncio.gather(*tasks)
        await poller
    finally:
        await c.close()
    return {
        "rate_per_s": round(rate, 1),
        "lag": summarize(lags),
        "ingest_latency": summarize(ingest_lat),
        "listed_not_readable": misses,
        "full_document_reads": full_reads,
    }


def etag_of(run_hash_hex: str) -> dict[str, str]:
    return {"If-None-Match": f'"{run_hash_hex}"'}


async def _settled(s: RunningStack, timeout: float = 120.0) -> None:
    """Wait until every read model has applied the whole log (the previous phase's backlog)."""
    from services.registry import SERVICES

    nc = await connect_nats(s.settings, "bench", user=OPERATOR)
    try:
        async with asyncio.timeout(timeout):
            for name in SERVICES:
                while (await rpc.call(nc, s.settings, name, "ops.status")).json().get("lag", 0) > 0:
                    await asyncio.sleep(0.05)
    finally:
        await nc.close()


async def _replay(s: RunningStack) -> dict[str, Any]:
    nc = await connect_nats(s.settings, "bench", user=OPERATOR)
    try:
        out = (await rpc.call(nc, s.settings, "provenance", "ops.replay", timeout=600)).json()
    finally:
        await nc.close()
    return {
        "events": out["events"],
        "seconds": round(out["seconds"], 3),
        "events_per_s": round(out["events"] / out["seconds"], 1),
    }


async def _all(s: RunningStack, rounds: int) -> dict[str, Any]:
    streams, singles = [], []
    for _ in range(rounds):
        b = _bundles(1500)
        c0 = s.cpu_seconds()
        streams.append(await _stream(s, b))
        streams[-1]["cpu_ms_per_bundle"] = cpu_ms_per_item(c0, s.cpu_seconds(), len(b))
        c0 = s.cpu_seconds()
        if shutil.which("wrk"):
            singles.append(await asyncio.to_thread(_singles_wrk, s))
            n = round(singles[-1]["bundles_per_s"] * singles[-1]["seconds"])
        else:
            b = _bundles(1000)
            singles.append({"generator": "httpx, 16 clients", **await _singles(s, b)})
            n = len(b)
        singles[-1]["cpu_ms_per_bundle"] = cpu_ms_per_item(c0, s.cpu_seconds(), n)
    single_rate = sorted(x["bundles_per_s"] for x in singles)[len(singles) // 2]
    # steady state at half load: the previous phase's backlog applied, then a warm-up round at the same
    # rate whose figures are dropped (PostgreSQL's autovacuum after ~10k inserts runs into it), then
    # the measured rounds
    await _settled(s)
    await _visibility(s, _bundles(600), rate=single_rate / 2)
    vis = [await _visibility(s, _bundles(600), rate=single_rate / 2) for _ in range(rounds)]
    replays = []
    for _ in range(rounds):
        c0 = s.cpu_seconds()
        replays.append(await _replay(s))
        replays[-1]["cpu_ms_per_event"] = cpu_ms_per_item(c0, s.cpu_seconds(), replays[-1]["events"])
    return {"stream": streams, "single": singles, "visibility": vis, "replay": replays}


def _median(rows: list[dict[str, Any]], key: str) -> float:
    vals = sorted(r[key] for r in rows)
    return vals[len(vals) // 2]


def run(results_dir: Path, rounds: int = 3) -> dict[str, Any]:
    with running_stack() as s:
        raw = asyncio.run(_all(s, rounds))
    figures = {
        "stream_bundles_per_s": _median(raw["stream"], "bundles_per_s"),
        "single_bundles_per_s": _median(raw["single"], "bundles_per_s"),
        "single_p50_ms": _median(raw["single"], "p50_ms"),
        "single_p99_ms": _median(raw["single"], "p99_ms"),
        "visibility_rate_per_s": raw["visibility"][0]["rate_per_s"],
        "visibility_lag_p50_ms": _median([v["lag"] for v in raw["visibility"]], "p50_ms"),
        "visibility_lag_p99_ms": _median([v["lag"] for v in raw["visibility"]], "p99_ms"),
        "replay_events_per_s": _median(raw["replay"], "events_per_s"),
        "stream_cpu_ms_per_bundle": raw["stream"][0]["cpu_ms_per_bundle"],
        "single_cpu_ms_per_bundle": raw["single"][0]["cpu_ms_per_bundle"],
        "replay_cpu_ms_per_event": raw["replay"][0]["cpu_ms_per_event"],
        "single_generator": raw["single"][0]["generator"],
    }
    result = {"bundle_bytes": len(_bundles(1)[0]), "rounds": rounds, "figures": figures, "targets": TARGETS, "raw": raw}
    write_results(results_dir, "ingest", result)
    return result
