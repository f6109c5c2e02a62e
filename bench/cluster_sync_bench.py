"""JetStream's ``sync_interval`` on the 3-node cluster: ingest throughput with fsync on every write
(``always``) against JetStream's default (``2m``: the OS flushes, and JetStream fsyncs every two
minutes). Input to docs/decisions/0019-jetstream-sync-interval.md.

For each setting a `ql dev run --cluster` stack (three nats-server nodes on loopback, every stream
at 3 replicas, two processes of each service; file storage on this machine's disk) takes
``QL_SYNC_BUNDLES`` (300) 75 KB bundles, ``QL_SYNC_ROUNDS`` (3) times each:

* **stream**: one ``POST /api/v1/ingest/runs:stream`` carrying all of them (NDJSON), bundles/s;
* **singles**: ``POST /api/v1/ingest/runs`` from 16 concurrent clients, bundles/s and latency.

Medians over rounds. The two settings run one after the other on a shared machine: the load
average before each is recorded with the figures.

The stack is CPU-bound on a small machine, which can hide the cost of the disk; so the **log
alone** is measured too: a bare 3-node cluster (no services), one R3 file stream, 1,000 75 KB
documents and 2,000 300-byte events published with 64 acks outstanding, rounds interleaved between
the two settings (a fresh cluster each), and the disk's own fsync latency for scale.
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


async def _publish_all(js: Any, subject: str, payloads: list[bytes], window: int = 64) -> float:
    import time

    sem = asyncio.Semaphore(window)

    async def one(p: bytes) -> None:
        async with sem:
            await js.publish(subject, p, timeout=30)

    t0 = time.perf_counter()
    await asyncio.gather(*(one(p) for p in payloads))
    return time.perf_counter() - t0


def _log_alone(sync_interval: str, docs: list[bytes], events: list[bytes]) -> dict[str, float]:
    from nats.js.api import StorageType, StreamConfig
    from qlcore.bus import connect_nats
    from qlcore.busauth import TEST, CredentialStore
    from qlcore.config import load_settings
    from qlcore.embedded import EmbeddedNatsCluster

    home = Path(tempfile.mkdtemp(prefix="ql-bench-sync-log-", dir=os.environ.get("QL_SYNC_DIR")))
    store = CredentialStore(home / "credentials", test=True)
    folder = store.ensure("bench")
    cluster = EmbeddedNatsCluster(home / "nats", store.authorization(), sync_interval=sync_interval).start()
    try:
        settings = load_settings(env={"QL_NATS_URL": cluster.url, "QL_NATS_CREDENTIALS_DIR": str(folder)})

        async def main() -> dict[str, float]:
            nc = await connect_nats(settings, "bench-sync", user=TEST)
            js = nc.jetstream()
            cfg = StreamConfig(name="SYNC", subjects=["sync.>"], storage=StorageType.FILE, num_replicas=3)
            for _ in range(120):  # the cluster elects its meta leader first
                try:
                    await js.add_stream(cfg)
                    break
                except Exception:
                    await asyncio.sleep(0.5)
            doc_s = await _publish_all(js, "sync.doc", docs)
            event_s = await _publish_all(js, "sync.event", events)
            await nc.close()
            return {
                "docs_per_s": round(len(docs) / doc_s, 1),
                "doc_mb_per_s": round(sum(map(len, docs)) / doc_s / 1e6, 2),
                "events_per_s": round(len(events) / event_s, 1),
            }

        return asyncio.run(main())
    finally:
        cluster.stop()
        shutil.rmtree(home, ignore_errors=True)


def _fsync_ms(size: int = 75_000, n: int = 200) -> float:
    import time

    fd, name = tempfile.mkstemp(prefix="ql-fsync-", dir=os.environ.get("QL_SYNC_DIR"))
    lat = []
    try:
        for _ in range(n):
            os.write(fd, os.urandom(size))
            t0 = time.perf_counter()
            os.fsync(fd)
            lat.append((time.perf_counter() - t0) * 1000)
    finally:
        os.close(fd)
        os.unlink(name)
    return round(statistics.median(lat), 3)


def log_alone(rounds: int = ROUNDS) -> dict[str, Any]:
    from quantumledger.examples import bench_bundle_bytes

    docs = [bench_bundle_bytes(900_000_000 + i) for i in range(1000)]
    events = [os.urandom(150).hex().encode() for _ in range(2000)]
    rows: dict[str, list[dict[str, float]]] = {s: [] for s in SETTINGS}
    for _ in range(rounds):  # interleaved: the machine's load hits both settings alike
        for setting in SETTINGS:
            rows[setting].append(_log_alone(setting, docs, events))
    out: dict[str, Any] = {"disk_fsync_75kb_ms_median": _fsync_ms(), "load_average": round(os.getloadavg()[0], 2)}
    for setting, rs in rows.items():
        out[setting] = {k: statistics.median(r[k] for r in rs) for k in rs[0]} | {"rounds": rs}
    out["always_vs_default"] = {k: round(out["always"][k] / out["2m"][k], 3) for k in ("docs_per_s", "events_per_s")}
    return out


def run(results_dir: Path) -> dict[str, Any]:
    alone = log_alone()
    print("log alone", {k: v for k, v in alone.items()}, flush=True)
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
        "log_alone": alone,
    }
    write_results(results_dir, "cluster_sync", data)
    return data
