"""Outages: how fast a request is answered while NATS or PostgreSQL is down, and how fast the stack
serves again once it is back (issue 13, item 2).

The stack runs as `make run` runs it (separate processes, embedded NATS and PostgreSQL); the
benchmark stops one server itself (the supervisor's loop is not running, so nothing restarts it
behind the benchmark's back), then

* **time to 503**: the wall time of each ``GET /api/v1/runs`` (and ``POST /api/v1/ingest/runs``)
  sent while the server is down, with the status it got (all must be 503 with ``Retry-After``);
* **time to recover**: from the moment the server accepts connections again until the first
  ``GET /api/v1/runs`` that succeeds, polled every 20 ms; then 50 more requests, counting errors
  (a stale pooled connection would show here).

``QL_OUTAGE_TRIALS`` (5) outages of each kind; medians.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.common import write_results

TRIALS = int(os.environ.get("QL_OUTAGE_TRIALS", "5"))
DOWN_REQUESTS = 10
REQUEST_TIMEOUT = 120.0  # the old code hung 30 s; never cut a slow answer short


def _bundle() -> dict[str, Any]:
    from tests.integration.platform.bundles import bundle

    return bundle(f"bench-outage-{uuid.uuid4().hex[:12]}")


def _down_requests(c: httpx.Client) -> list[dict[str, Any]]:
    out = []
    for i in range(DOWN_REQUESTS):
        t0 = time.perf_counter()
        if i % 2:
            r = c.post("/api/v1/ingest/runs", json=_bundle())
        else:
            r = c.get("/api/v1/runs")
        out.append(
            {
                "ms": (time.perf_counter() - t0) * 1000,
                "status": r.status_code,
                "retry_after": r.headers.get("retry-after"),
            }
        )
    return out


def _recover(c: httpx.Client, t_back: float, cap: float = 300.0) -> dict[str, Any]:
    statuses: dict[int, int] = {}
    while True:
        try:
            r = c.get("/api/v1/runs")
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            if r.status_code == 200:
                break
        except httpx.HTTPError:
            statuses[0] = statuses.get(0, 0) + 1
        if time.perf_counter() - t_back > cap:
            return {"recover_ms": None, "statuses_while_recovering": statuses, "errors_after": None}
        time.sleep(0.02)
    recover_ms = (time.perf_counter() - t_back) * 1000
    after = [c.get("/api/v1/runs").status_code for _ in range(50)]
    return {
        "recover_ms": recover_ms,
        "statuses_while_recovering": statuses,
        "errors_after": sum(1 for s in after if s != 200),
    }


def _trial(c: httpx.Client, stop: Any, start: Any) -> dict[str, Any]:
    assert c.get("/api/v1/runs").status_code == 200
    stop()
    down = _down_requests(c)
    start()
    t_back = time.perf_counter()
    return {"down": down, **_recover(c, t_back)}


def _summary(trials: list[dict[str, Any]]) -> dict[str, Any]:
    down_ms = [d["ms"] for t in trials for d in t["down"]]
    statuses: dict[str, int] = {}
    for t in trials:
        for d in t["down"]:
            statuses[str(d["status"])] = statuses.get(str(d["status"]), 0) + 1
    recovered = [t["recover_ms"] for t in trials if t["recover_ms"] is not None]
    return {
        "trials": len(trials),
        "down_request_ms_median": round(statistics.median(down_ms), 1),
        "down_request_ms_max": round(max(down_ms), 1),
        "down_statuses": statuses,
        "all_down_503_with_retry_after": all(
            d["status"] == 503 and d["retry_after"] for t in trials for d in t["down"]
        ),
        "time_to_recover_ms_median": round(statistics.median(recovered), 1) if recovered else None,
        "time_to_recover_ms_max": round(max(recovered), 1) if recovered else None,
        "not_recovered": len(trials) - len(recovered),
        "errors_in_50_requests_after_recovery": [t["errors_after"] for t in trials],
    }


def run(results_dir: Path) -> dict[str, Any]:
    from qlcore.embedded import EmbeddedNats, EmbeddedPostgres, free_port
    from qlcore.stack import StackSupervisor

    from services.registry import SERVICE_MODULE, SERVICES

    home = Path(tempfile.mkdtemp(prefix="ql-bench-outage-"))
    env = {**os.environ, "QL_HOME": str(home), "QL_PORT": str(free_port()), "QL_LOG_LEVEL": "warning"}
    for var in ("QL_NATS_URL", "QL_DATABASE_URL", "QL_NATS_CREDENTIALS_DIR"):
        env.pop(var, None)  # its own embedded servers: the benchmark stops them
    sup = StackSupervisor(env=env, services=SERVICES, module=SERVICE_MODULE)
    try:
        key = sup.start() or (home / "dev-api-key").read_text().strip()
        nats = next(e for e in sup.embedded if isinstance(e, EmbeddedNats))
        pg = next(e for e in sup.embedded if isinstance(e, EmbeddedPostgres))
        results: dict[str, Any] = {}
        with httpx.Client(
            base_url=sup.settings.base_url(), headers={"Authorization": f"Bearer {key}"}, timeout=REQUEST_TIMEOUT
        ) as c:
            assert c.post("/api/v1/ingest/runs", json=_bundle()).status_code == 201
            for name, stop, start in (
                ("nats", nats.stop, nats.start),
                ("postgresql", pg.halt, pg.restart),
            ):
                trials = [_trial(c, stop, start) for _ in range(TRIALS)]
                results[name] = _summary(trials)
                print(name, results[name], flush=True)
        data = {"trials_each": TRIALS, **results}
        write_results(results_dir, "outage", data)
        return data
    finally:
        sup.stop()
        shutil.rmtree(home, ignore_errors=True)
