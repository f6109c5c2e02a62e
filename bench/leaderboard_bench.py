"""The leaderboard through the gateway of a stack started as `make run` starts it.

Measures, with the whole corpus imported (every source, ~100 real snapshots of 80 devices):

* ``ql corpus import all``'s path (the importer, the ``corpus.import`` RPC, appends, projection):
  events/s of the first import, snapshots/s of a re-import (which appends nothing), and CPU ms
  per event in each process of the stack;
* requests/s with 64 connections (``wrk -t1`` when installed, else a bounded httpx client) of the
  public JSON routes and the pages: leaderboard and device trend, full answers (200, served from
  the service's per-position reply cache) and revalidations (304 on ``If-None-Match``);
* leaderboard requests/s when every request misses the cache (a distinct ``as_of`` each: the
  read-model query, ranking and JSON encoding every time; 8 concurrent clients);
* replay events/s of the leaderboard read model.

The load generator shares the 2 cores with the stack and runs only against 127.0.0.1, each run
bounded in time; figures are medians of ``RUNS`` runs.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from qlcore import rpc
from qlcore.bus import connect_nats
from qlcore.busauth import OPERATOR

from bench.common import RunningStack, cpu_ms_per_item, running_stack, write_results
from bench.http_load import RUNS, generator_name, measure_http

__all__ = ["run"]

UNCACHED_REQUESTS = 300
TARGETS = {"leaderboard_200_req_per_s": 1000, "trend_200_req_per_s": 1000, "import_events_per_s": 100}


async def _import(s: RunningStack, observations: list[Any]) -> dict[str, Any]:
    from services.ops.corpus_import import send_observations

    nc = await connect_nats(s.settings, "bench", user=OPERATOR)
    try:
        c0 = s.cpu_seconds()
        first = await send_observations(nc, s.settings, observations, operator="bench")
        cpu = cpu_ms_per_item(c0, s.cpu_seconds(), max(1, first.appended))
        again = await send_observations(nc, s.settings, observations, operator="bench")
    finally:
        await nc.close()
    if first.appended != len(observations) or again.appended != 0:
        raise RuntimeError(f"import not idempotent: {first.as_dict()} then {again.as_dict()}")
    return {"first": first.as_dict(), "reimport": again.as_dict(), "cpu_ms_per_event": cpu}


async def _replays(s: RunningStack) -> list[dict[str, Any]]:
    nc = await connect_nats(s.settings, "bench", user=OPERATOR)
    out = []
    try:
        for _ in range(RUNS):
            r = (await rpc.call(nc, s.settings, "leaderboard", "ops.replay", timeout=600)).json()
            out.append(
                {
                    "events": r["events"],
                    "seconds": round(r["seconds"], 3),
                    "events_per_s": round(r["events"] / r["seconds"], 1),
                }
            )
    finally:
        await nc.close()
    return out


async def _uncached_round(c: httpx.AsyncClient, as_ofs: list[str], clients: int) -> tuple[float, int]:
    todo = list(as_ofs)
    bad = 0

    async def worker() -> None:
        nonlocal bad
        while todo:
            r = await c.get("/api/v1/leaderboard", params={"as_of": todo.pop()})
            bad += r.status_code != 200

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return round(len(as_ofs) / (time.perf_counter() - t0), 1), bad


async def _uncached(base_url: str, clients: int = 8) -> dict[str, Any]:
    """A distinct ``as_of`` (one second apart, never repeated) per request: every one misses the cache."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rates, bad = [], 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as c:
        for r in range(RUNS):
            as_ofs = [
                (start - timedelta(seconds=r * UNCACHED_REQUESTS + i)).strftime("%Y-%m-%dT%H:%M:%SZ")
                for i in range(UNCACHED_REQUESTS)
            ]
            rate, failed = await _uncached_round(c, as_ofs, clients)
            rates.append(rate)
            bad += failed
    return {
        "median_req_per_s": statistics.median(rates),
        "runs_req_per_s": rates,
        "bad_responses": bad,
        "clients": clients,
    }


def run(results_dir: Path) -> dict[str, Any]:
    from qlcore.corpus.adapters import load_source

    observations = list(load_source("all"))
    with running_stack() as s:
        imports = asyncio.run(_import(s, observations))
        figures: dict[str, Any] = {}
        routes = {
            "leaderboard": "/api/v1/leaderboard?metric=median_2q_error",
            "trend": "/api/v1/backends/ibm/ibm_hanoi/trend?metric=median_2q_error&bucket=day",
            "leaderboard_page": "/leaderboard?metric=median_t1",
            "trend_page": "/backends/ibm/ibm_kyiv/trend?metric=median_t1",
        }
        for name, path in routes.items():
            url = s.base_url + path
            figures[f"{name}_200"] = measure_http(url, {}, 200)
            if not name.endswith("_page"):
                figures[f"{name}_304"] = measure_http(url, {"If-None-Match": httpx.get(url).headers["etag"]}, 304)
        figures["leaderboard_uncached_200"] = asyncio.run(_uncached(s.base_url))
        replays = asyncio.run(_replays(s))
    data = {
        "load_average_after": [round(x, 2) for x in os.getloadavg()],  # other work on the machine skews figures
        "load_generator": generator_name(),
        "runs": RUNS,
        "corpus": {"snapshots": len(observations), "devices": len({o.device for o in observations})},
        "import": imports,
        "figures": figures,
        "replay": {"runs": replays, "median_events_per_s": statistics.median(r["events_per_s"] for r in replays)},
        "targets": TARGETS,
        "met": {
            "leaderboard_200_req_per_s": figures["leaderboard_200"]["median_req_per_s"]
            >= TARGETS["leaderboard_200_req_per_s"],
            "trend_200_req_per_s": figures["trend_200"]["median_req_per_s"] >= TARGETS["trend_200_req_per_s"],
            "import_events_per_s": imports["first"]["events_per_s"] >= TARGETS["import_events_per_s"],
        },
    }
    write_results(results_dir, "leaderboard", data)
    return data
