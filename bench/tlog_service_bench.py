"""The transparency log service on a stack started as `make run` starts it (issue 17, item 6).

Measures, medians of ``RUNS`` rounds:

* **appending while ingest runs**: the dev workspace opts in, then ``BUNDLES`` real 127-qubit
  bundles (~78 KB, ibm_kyiv's calibration) go through the NDJSON streaming endpoint at the rate
  ingest takes them. Each becomes a ``run_committed`` leaf: the tlog projection reads the
  document back from the run log, hashes it (BLAKE3 + SHA-256), appends the leaf and its stored
  hashes. Reported: ingest bundles/s, log entries/s (from the first bundle sent to the last leaf
  appended), how far the log lags behind ingest when ingest ends, the time until a signed
  checkpoint covers every entry, and the CPU milliseconds the tlog process spends per entry;
* **proof latency** over HTTP, one client: an inclusion proof of a random entry
  (``/api/v1/log/proof/inclusion``), a consistency proof from a random size, and an offline
  bundle (``/api/v1/log/bundle``), p50/p99; beside them, the card JSON (one NATS hop to the card
  service, then the bundle the gateway adds) as a yardstick for the machine's load;
* **rebuilding the tree**: ``ops.replay`` of the tlog read model, every leaf appended again from
  the run log (documents read back, hashed, stored hashes written): leaves/s, the ceiling of
  the append rate with nothing else running;
* **tile serving**, req/s with 64 connections (``wrk`` when installed): a full tile (immutable,
  kept by the gateway) and a partial one (read from PostgreSQL through the tlog service), each
  as 200 and as 304 on ``If-None-Match``, and the checkpoint.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import nats
from qlcore import rpc
from qlprov.tlog.tiles import Tile

from bench.common import RunningStack, cpu_ms_per_item, running_stack, summarize, write_results
from bench.http_load import CONNECTIONS, SECONDS, generator_name, measure_http
from bench.ingest_bench import _bundles, _stream

__all__ = ["run"]

BUNDLES = 1000
RUNS = 3
PROOFS = 300


def _log_state(c: httpx.Client) -> tuple[int, int]:
    info = c.get("/.well-known/quantumledger-log.json").json()
    return int(info["tree_size"]), int((info["checkpoint"] or {"size": 0})["size"])


async def _append_round(s: RunningStack, bundles: list[bytes]) -> dict[str, Any]:
    with httpx.Client(base_url=s.base_url, timeout=30) as c:
        start_size, _ = _log_state(c)
        target = start_size + len(bundles)
        cpu0, t0 = s.cpu_seconds(), time.perf_counter()
        ingest = asyncio.create_task(_stream(s, bundles))
        ingest_done_at, size_then, appended_at = None, 0, None
        while True:
            await asyncio.sleep(0.02)
            size, signed = await asyncio.to_thread(_log_state, c)
            if ingest.done() and ingest_done_at is None:
                ingest_done_at, size_then = time.perf_counter(), size
            if size >= target and appended_at is None:
                appended_at = time.perf_counter()
            if signed >= target:
                break
            if time.perf_counter() - t0 > 300:
                raise TimeoutError(f"the log reached {size} of {target} entries in 300 s")
        signed_at = time.perf_counter()
        streamed = await ingest
        cpu1 = s.cpu_seconds()
    assert ingest_done_at is not None and appended_at is not None
    return {
        "ingest_bundles_per_s": streamed["bundles_per_s"],
        "log_entries_per_s": round(len(bundles) / (appended_at - t0), 1),
        "entries_behind_when_ingest_ended": max(0, target - size_then),
        "last_entry_after_ingest_ms": round(max(0.0, appended_at - ingest_done_at) * 1000, 1),
        "signed_after_last_entry_ms": round((signed_at - appended_at) * 1000, 1),
        "tlog_cpu_ms_per_entry": cpu_ms_per_item(cpu0, cpu1, len(bundles)).get("tlog"),
    }


async def _replay(s: RunningStack) -> dict[str, Any]:
    with httpx.Client(base_url=s.base_url, timeout=30) as c:
        size, _ = _log_state(c)
    nc = await nats.connect(s.settings.nats_url)
    try:
        out = (await rpc.call(nc, s.settings, "tlog", "ops.replay", timeout=900)).json()
    finally:
        await nc.close()
    return {"leaves": size, "seconds": round(out["seconds"], 3), "leaves_per_s": round(size / out["seconds"], 1)}


def _latency(c: httpx.Client, urls: list[str]) -> list[float]:
    out = []
    for url in urls:
        t0 = time.perf_counter()
        r = c.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise RuntimeError(f"{url}: {r.status_code} {r.text[:200]}")
    return out


def _card(s: RunningStack) -> str:
    from quantumledger.examples import bell_bundle

    with httpx.Client(base_url=s.base_url, headers=s.headers, timeout=60) as c:
        r = c.post("/api/v1/ingest/runs", json=bell_bundle())
        r.raise_for_status()
        card = c.post(f"/api/v1/runs/{r.json()['run_id']}/card/publish", json={"authors": [{"name": "Bench Mark"}]})
        card.raise_for_status()
        return str(card.json()["slug"])


def _proofs(s: RunningStack) -> dict[str, Any]:
    rng = random.Random(17)
    slug = _card(s)
    with httpx.Client(base_url=s.base_url, timeout=30) as c:
        _, size = _log_state(c)
        subjects = [c.get(f"/api/v1/log/entries/{rng.randrange(size)}").json()["subject"] for _ in range(50)]
        cases = {
            "card_json_for_comparison": [f"/api/v1/cards/{slug}"] * PROOFS,
            "inclusion": [f"/api/v1/log/proof/inclusion?index={rng.randrange(size)}" for _ in range(PROOFS)],
            "consistency": [f"/api/v1/log/proof/consistency?from={rng.randrange(1, size)}" for _ in range(PROOFS)],
            "bundle": [f"/api/v1/log/bundle?kind=run&subject={rng.choice(subjects)}" for _ in range(PROOFS)],
        }
        out: dict[str, Any] = {"tree_size": size}
        for name, urls in cases.items():
            _latency(c, urls[:20])  # warm the connection and the service's pools
            runs = [summarize(_latency(c, urls)) for _ in range(RUNS)]
            out[f"{name}_ms"] = {k: statistics.median(r[k] for r in runs) for k in ("p50_ms", "p99_ms", "mean_ms")}
    return out


def _tiles(s: RunningStack) -> dict[str, Any]:
    with httpx.Client(base_url=s.base_url, timeout=30) as c:
        _, size = _log_state(c)
        width = size % 256
        paths = {"full_tile": "/log/" + Tile(0, 0).path()}
        if width:
            paths["partial_tile"] = "/log/" + Tile(0, size // 256, width).path()
        paths["checkpoint"] = "/log/checkpoint"
        out: dict[str, Any] = {"tree_size": size}
        for name, path in paths.items():
            etag = c.get(path).headers["etag"]
            out[f"{name}_200"] = measure_http(s.base_url + path, {}, 200)
            if name != "checkpoint":  # the checkpoint moves on while the load runs; its 304 is checked in tests
                out[f"{name}_304"] = measure_http(s.base_url + path, {"If-None-Match": etag}, 304)
    return out


def run(results_dir: Path) -> dict[str, Any]:
    with running_stack() as s:
        with httpx.Client(base_url=s.base_url, headers=s.headers, timeout=30) as c:
            me = c.get("/api/v1/me").json()
            r = c.post(f"/api/v1/workspaces/{me['workspace']['id']}/transparency", json={"run_commitments": True})
            r.raise_for_status()
        asyncio.run(_append_round(s, _bundles(100)))  # warm-up: pools, caches, the first tiles
        rounds = [asyncio.run(_append_round(s, _bundles(BUNDLES))) for _ in range(RUNS)]
        appending = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]} | {"rounds": rounds}
        proofs = _proofs(s)
        tiles = _tiles(s)
        replay = asyncio.run(_replay(s))
    data = {
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "bundles_per_round": BUNDLES,
        "rounds": RUNS,
        "load_generator": generator_name(),
        "connections": CONNECTIONS,
        "seconds_per_http_run": SECONDS,
        "appending_while_ingesting": appending,
        "proof_latency": proofs,
        "tile_serving": tiles,
        "replay": replay,
    }
    write_results(results_dir, "tlog_service", data)
    return data
