"""Latency of the run list and of ``GET /runs/{id}`` through the gateway, and the plans behind it.

Each measured route is a set of paths (one path, or thousands: random run ids, cursors at random
depths); ``wrk -t1 --latency`` picks one at random for every request, for ``SECONDS`` seconds,
``ROUNDS`` times, with 1 connection (the cost of a request as one client sees it) and with 8 (a
few clients at once: queueing in front of one gateway worker on 2 shared cores). The figures are
the medians of the rounds' p50 and p99, and the CPU milliseconds each process of the stack spent
a request over all rounds, which, unlike latency, does not depend on what else the shared
machine runs. Without wrk, a keep-alive client in Python (``bench.http_load.RawHttp``) does the
same, slower.

:func:`explain` runs ``EXPLAIN (ANALYZE, BUFFERS)`` on the very SQL the provenance service runs
(``services.provenance.store.list_query``), to say why a figure does or does not grow.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.common import RunningStack, percentile
from bench.http_load import RawHttp

__all__ = ["CONNECTIONS", "ROUNDS", "SECONDS", "explain", "idle_cpu", "measure_paths"]

CONNECTIONS = (1, 8)  # concurrent keep-alive connections, each measured apart
SECONDS = int(os.environ.get("QL_BENCH_SCALE_SECONDS", "5"))  # a quick trial may shorten these
ROUNDS = int(os.environ.get("QL_BENCH_SCALE_ROUNDS", "3"))

_LUA = r"""
local paths = {}
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  math.randomseed(tonumber(args[2]))
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""
_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_DONE = re.compile(r"(\d+) requests in")
_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: (.*)")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(base_url: str, paths_file: Path, script: Path, headers: dict[str, str], c: int, seed: int) -> dict[str, Any]:
    args = ["wrk", "-t1", f"-c{c}", f"-d{SECONDS}s", "--latency", "-s", str(script)]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run(
        [*args, base_url, "--", str(paths_file), str(seed)], capture_output=True, text=True, timeout=SECONDS + 60
    ).stdout
    lat = {q: float(v) * _UNIT_MS[u] for q, v, u in _LATENCY.findall(out)}
    rate, done, bad, errors = _RATE.search(out), _DONE.search(out), _BAD.search(out), _ERRORS.search(out)
    if bad or errors or not rate or not done or "99" not in lat:
        raise RuntimeError(f"wrk failed or had errors:\n{out}")
    return {"p50_ms": lat["50"], "p99_ms": lat["99"], "req_per_s": float(rate[1]), "requests": int(done[1])}


async def _python(base_url: str, paths: list[str], headers: dict[str, str], c: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    client = RawHttp(base_url, headers, connections=c)
    lat: list[float] = []
    deadline = time.perf_counter() + SECONDS

    async def worker() -> None:
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            status, _ = await client.request("GET", rng.choice(paths))
            lat.append((time.perf_counter() - t) * 1000)
            if status >= 400:
                raise RuntimeError(f"a measured path answered {status}")

    try:
        await asyncio.gather(*(worker() for _ in range(c)))
    finally:
        await client.close()
    return {
        "p50_ms": percentile(lat, 0.5),
        "p99_ms": percentile(lat, 0.99),
        "req_per_s": len(lat) / SECONDS,
        "requests": len(lat),
    }


def idle_cpu(s: RunningStack, seconds: float = 10.0) -> dict[str, float]:
    """CPU seconds each process of the stack spends a second doing nothing asked of it (projection
    polls, leadership checks): taken off the CPU a request costs."""
    c0, t0 = s.cpu_seconds(), time.perf_counter()
    time.sleep(seconds)
    c1, dt = s.cpu_seconds(), time.perf_counter() - t0
    return {k: (c1[k] - c0[k]) / dt for k in c0}


def _cpu_ms(c0: dict[str, float], c1: dict[str, float], idle: dict[str, float], dt: float, n: int) -> dict[str, float]:
    per = {k: round(max(0.0, c1[k] - c0[k] - idle.get(k, 0.0) * dt) * 1000 / n, 3) for k in c0}
    per["total"] = round(sum(per.values()), 3)
    return per


def measure_paths(s: RunningStack, paths: list[str], idle: dict[str, float], expect: int = 200) -> dict[str, Any]:
    """p50/p99 (ms), requests/s and CPU ms a request (``idle`` taken off) of GETs over ``paths``, at
    each of ``CONNECTIONS``."""
    with httpx.Client(base_url=s.base_url, headers=s.headers, timeout=60) as client:
        for p in paths[:3]:
            r = client.get(p)
            if r.status_code != expect:
                raise RuntimeError(f"{p} answered {r.status_code}, expected {expect}: {r.text[:300]}")
    out: dict[str, Any] = {"paths": len(paths)}
    with tempfile.TemporaryDirectory() as d:
        paths_file, script = Path(d) / "paths.txt", Path(d) / "paths.lua"
        paths_file.write_text("\n".join(paths) + "\n")
        script.write_text(_LUA)
        for c in CONNECTIONS:
            rounds = []
            cpu0, t0 = s.cpu_seconds(), time.perf_counter()
            for k in range(ROUNDS):
                if shutil.which("wrk"):
                    rounds.append(_wrk(s.base_url, paths_file, script, s.headers, c, seed=k + 1))
                else:
                    rounds.append(asyncio.run(_python(s.base_url, paths, s.headers, c, seed=k + 1)))
            cpu = _cpu_ms(cpu0, s.cpu_seconds(), idle, time.perf_counter() - t0, sum(r["requests"] for r in rounds))
            out[f"c{c}"] = {
                "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds), 2),
                "p99_ms": round(statistics.median(r["p99_ms"] for r in rounds), 2),
                "req_per_s": round(statistics.median(r["req_per_s"] for r in rounds), 1),
                "cpu_ms_per_request": cpu,
                "rounds": rounds,
            }
    return out


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = [plan]
    for child in plan.get("Plans", []):
        out += _nodes(child)
    return out


def explain(conn: psycopg.Connection[Any], sql: str, args: tuple[object, ...]) -> dict[str, Any]:
    """The plan of ``sql`` as executed: time, the scans (index, rows read, rows filtered out), buffers.

    Run twice, the second is kept: the first may read pages from disk into the cache."""
    for _ in range(2):
        row = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", args).fetchone()  # type: ignore[arg-type]
    assert row is not None
    top = row[0][0]
    scans = [
        {
            "node": n["Node Type"],
            "index": n.get("Index Name"),
            "rows": n.get("Actual Rows"),
            "rows_removed_by_filter": n.get("Rows Removed by Filter", 0),
            "heap_fetches": n.get("Heap Fetches"),
        }
        for n in _nodes(top["Plan"])
        if "Scan" in n["Node Type"]
    ]
    plan = top["Plan"]
    return {
        "execution_ms": round(top["Execution Time"], 3),
        "planning_ms": round(top["Planning Time"], 3),
        "scans": scans,
        "sort": any(n["Node Type"] == "Sort" for n in _nodes(plan)),
        "shared_hit_blocks": plan.get("Shared Hit Blocks"),
        "shared_read_blocks": plan.get("Shared Read Blocks"),
    }
