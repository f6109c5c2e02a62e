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

import os
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import RunningStack, running_stack, write_results
from bench.http_load import CONNECTIONS, RUNS, SECONDS, generator_name, measure_http

__all__ = ["run"]

TARGETS = {"badge_200_req_per_s": 3000, "badge_304_req_per_s": 4000}


def _publish(s: RunningStack) -> str:
    from quantumledger.examples import ghz_bundle

    with httpx.Client(base_url=s.base_url, headers=s.headers, timeout=60) as c:
        r = c.post("/api/v1/ingest/runs", json=ghz_bundle(3, backend="kyiv", seed=int(time.time()) % 100_000))
        r.raise_for_status()
        card = c.post(f"/api/v1/runs/{r.json()['run_id']}/card/publish", json={"authors": [{"name": "Bench Mark"}]})
        card.raise_for_status()
        return str(card.json()["slug"])


def run(results_dir: Path) -> dict[str, Any]:
    with running_stack() as s:
        slug = _publish(s)
        figures: dict[str, Any] = {}
        for ext in ("svg", "json"):
            url = f"{s.base_url}/badge/{slug}/reproduced.{ext}"
            etag = httpx.get(url).headers["etag"]
            figures[f"badge_{ext}_200"] = measure_http(url, {}, 200)
            figures[f"badge_{ext}_304"] = measure_http(url, {"If-None-Match": etag}, 304)
        figures["card_json_200_via_card_service"] = measure_http(f"{s.base_url}/api/v1/cards/{slug}", {}, 200)
    worst_200 = min(figures[f"badge_{e}_200"]["median_req_per_s"] for e in ("svg", "json"))
    worst_304 = min(figures[f"badge_{e}_304"]["median_req_per_s"] for e in ("svg", "json"))
    data = {
        "load_average_after": [round(x, 2) for x in os.getloadavg()],  # other work on the machine skews figures
        "load_generator": generator_name(),
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
