"""JetStream's ``sync_interval`` on the 3-node cluster: ingest throughput with fsync on every write
(``always``) against JetStream's default (``2m``: the OS flushes, and JetStream fsyncs every two
minutes). Input to docs/decisions/XXXX-faults-jetstream-sync-interval.md.

For each setting a `ql dev run --cluster` stack (three nats-server nodes on loopback, every stream
at 3 replicas, two processes of each service; file storage on this machine's disk) takes
``QL_SYNC_BUNDLES`` (300) 75 KB bundles, ``QL_SYNC_ROUNDS`` (3) times each:

* **stream**: one ``POST /api/v1/ingest/runs:stream`` carrying all of them (NDJSON), bundles/s;
* **singles**: ``POST /api/v1/ingest/runs`` from 16 concurrent clients, bundles/s and latency.

Medians over rounds. The two settings run one after the other on a shared machine: the load
average before each is recorded with the figures.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
from pathlib import Path
from typing import Any

from bench.common import RunningStack, write_results
from bench.ingest_bench import _bundles, _singles, _stream

SETTINGS = ("2m", "always")
BUNDLES = int(os.environ.get("QL_SYNC_BUNDLES", "300"))
ROUNDS = int(os.environ.get("QL_SYNC_ROUNDS", "3"))


def _measure(sync_interval: str) -> dict[str, Any]:
    from qlcore.embedded import free_port
    from qlcore.stack import StackSupervisor

    from services.registry import SERVICE_MODULE, SERVICES

    home = Path(tempfile.mkdtemp(prefix="ql-bench-sync-"))
    env = {
        **os.environ,
        "QL_HOME": str(home),
        "QL_PORT": str(free_port()),
        "QL_LOG_LEVEL": "warning",
        "QL_NAMESPACE": "bench",
        "QL_NATS_SYNC_INTERVAL": sync_interval,
    }
    for var in ("QL_NATS_URL", "QL_DATABASE_URL", "QL_NATS_CREDENTIALS_DIR"):
        env.pop(var, None)
    sup = StackSupervisor(env=env, services=SERVICES, module=SERVICE_MODULE, cluster=True)
    try:
        key = sup.start() or (home / "dev-api-key").read_text().strip()
        conf = (home / "nats-cluster" / "n1" / "nats.conf").read_text()
        assert f'sync_interval: "{sync_interval}"' in conf, conf
        s = RunningStack(sup.settings.base_url(), key, home, sup.settings, {})
        load = os.getloadavg()[0]
        stream, singles = [], []
        for _ in range(ROUNDS):
            stream.append(asyncio.run(_stream(s, _bundles(BUNDLES))))
            singles.append(asyncio.run(_singles(s, _bundles(BUNDLES))))
        return {
            "load_average_before": round(load, 2),
            "stream_bundles_per_s_median": statistics.median(r["bundles_per_s"] for r in stream),
            "singles_bundles_per_s_median": statistics.median(r["bundles_per_s"] for r in singles),
            "singles_p50_ms_median": statistics.median(r["p50_ms"] for r in singles),
            "singles_p99_ms_median": statistics.median(r["p99_ms"] for r in singles),
            "rounds": {"stream": stream, "singles": singles},
        }
    finally:
        sup.stop()
        shutil.rmtree(home, ignore_errors=True)


def run(results_dir: Path) -> dict[str, Any]:
    results = {setting: _measure(setting) for setting in SETTINGS}
    base, always = results["2m"], results["always"]
    data = {
        "bundles_per_round": BUNDLES,
        "rounds": ROUNDS,
        "always_vs_default": {
            "stream_throughput_ratio": round(
                always["stream_bundles_per_s_median"] / base["stream_bundles_per_s_median"], 3
            ),
            "singles_throughput_ratio": round(
                always["singles_bundles_per_s_median"] / base["singles_bundles_per_s_median"], 3
            ),
        },
        **{f"sync_interval_{k}": v for k, v in results.items()},
    }
    write_results(results_dir, "cluster_sync", data)
    return data
