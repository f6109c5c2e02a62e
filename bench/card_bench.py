"""Badges through the gateway of a stack started as `make run` starts it: requests/s with 64
connections, SVG and JSON, full answers (200) and revalidations (304 on If-None-Match).

Targets (2 cores): >= 3,000 req/s for 200s and >= 4,000 req/s for 304s. The load generator is
`wrk` when installed (C, one thread; `apt-get install wrk`), else a bounded httpx client with 64
connections, which is far slower than the server and then measures itself as much as the
gateway. It runs on the same 2 cores as the stack, only against 127.0.0.1, each run bounded in
time. For comparison it also measures the card JSON (`GET /api/v1/cards/{slug}`), which goes
through NATS to the card service on every request.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import RunningStack, running_stack, write_results

__all__ = ["run"]

TARGETS = {"badge_200_req_per_s": 3000, "badge_304_req_per_s": 4000}
CONNECTIONS = 64
SECONDS = 5
RUNS = 3
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: (.*)")


def _publish(s: RunningStack) -> str:
    from quantumledger.examples import ghz_bundle

    with httpx.Client(base_url=s.base_url, headers=s.headers, timeout=60) as c:
        r = c.post("/api/v1/ingest/runs", json=ghz_bundle(3, backend="kyiv", seed=int(time.time()) % 100_000))
        r.raise_for_status()
        card = c.post(f"/api/v1/runs/{r.json()['run_id']}/card/publish", json={"authors": [{"name": "Bench Mark"}]})
        card.raise_for_status()
        return str(card.json()["slug"])


def _wrk(url: str, headers: dict[str, str]) -> dict[str, Any]:
    args = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, timeout=SECONDS + 30, check=True).stdout
    rps = _RPS.search(out)
    bad = _BAD.search(out)
    errors = _ERRORS.search(out)
    return {
        "req_per_s": float(rps[1]) if rps else 0.0,
        "bad_responses": int(bad[1]) if bad else 0,
        "socket_errors": errors[1] if errors else None,
    }


async def _httpx_load(url: str, headers: dict[str, str], expect: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    done = bad = 0
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=10) as c:
        deadline = time.perf_counter() + SECONDS

        async def worker() -> None:
            nonlocal done, bad
            while time.perf_counter() < deadline:
                r = await c.get(url)
                done += 1
                bad += r.status_code != expect

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        dt = time.perf_counter() - t0
    return {"req_per_s": round(done / dt, 1), "bad_responses": bad, "socket_errors": None}


def _measure(url: str, headers: dict[str, str], expect: int) -> dict[str, Any]:
    with httpx.Client(headers=headers, timeout=10) as c:  # correctness first, then load
        r = c.get(url)
        if r.status_code != expect:
            raise RuntimeError(f"{url} answered {r.status_code}, expected {expect}: {r.text[:200]}")
    runs = []
    for _ in range(RUNS):
        if shutil.which("wrk"):
            runs.append(_wrk(url, headers))
        else:
            runs.append(asyncio.run(_httpx_load(url, headers, expect)))
    rates = [r["req_per_s"] for r in runs]
    return {
        "median_req_per_s": round(statistics.median(rates), 1),
        "runs_req_per_s": rates,
        "bad_responses": sum(r["bad_responses"] for r in runs),
        "expect_status": expect,
    }


def run(results_dir: Path) -> dict[str, Any]:
    with running_stack() as s:
        slug = _publish(s)
        figures: dict[str, Any] = {}
        for ext in ("svg", "json"):
            url = f"{s.base_url}/badge/{slug}/reproduced.{ext}"
            etag = httpx.get(url).headers["etag"]
            figures[f"badge_{ext}_200"] = _measure(url, {}, 200)
            figures[f"badge_{ext}_304"] = _measure(url, {"If-None-Match": etag}, 304)
        figures["card_json_200_via_card_service"] = _measure(f"{s.base_url}/api/v1/cards/{slug}", {}, 200)
    worst_200 = min(figures[f"badge_{e}_200"]["median_req_per_s"] for e in ("svg", "json"))
    worst_304 = min(figures[f"badge_{e}_304"]["median_req_per_s"] for e in ("svg", "json"))
    data = {
        "load_average_after": [round(x, 2) for x in os.getloadavg()],  # other work on the machine skews figures
        "load_generator": "wrk -t1" if shutil.which("wrk") else "httpx (wrk not installed)",
        "connections": CONNECTIONS,
        "seconds_per_run": SECONDS,
        "runs": RUNS,
        "figures": figures,
        "targets": TARGETS,
        "met": {
            "badge_200_req_per_s": worst_200 >= TARGETS["badge_200_req_per_s"],
            "badge_304_req_per_s": worst_304 >= TARGETS["badge_304_req_per_s"],
        },
    }
    write_results(results_dir, "card", data)
    return data
