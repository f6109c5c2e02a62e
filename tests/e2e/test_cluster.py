"""`ql dev run --cluster` (issue 13, item 6): three nats-server nodes on loopback with authenticated
routes, every stream and consumer at 3 replicas, two processes of each service.

* the run log's stream leader is SIGKILLed in the middle of a streaming ingest: every acknowledged
  run is kept and readable, ingest goes on, and every read model equals its own replay from the log;
* one process of each service is SIGKILLed (the supervisor paused, so nothing is restarted): the
  twins take over requests (the gateways share the HTTP port) and projections.

One stack for the file: starting 16 service processes and three servers costs most of the time.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from qlcore import rpc
from qlcore.bus import connect_nats
from qlcore.busauth import OPERATOR
from qlcore.config import BACKEND_SERVICES, SERVICES, load_settings
from qlcore.embedded import free_port, nats_server_binary

from tests.e2e.test_make_run import BIN, Running
from tests.integration.platform.bundles import bundle

pytestmark = pytest.mark.e2e

PROJECTIONS = ("ingest", "provenance", "leaderboard", "attestation", "card", "reproduce", "tlog", "gateway")


def _stack_file(r: Running) -> dict[str, Any]:
    return dict(json.loads((r.home / "stack.json").read_text()))


def _operator(r: Running, fn: Any) -> Any:
    """Run ``fn(nc, settings)`` on an operator connection to the cluster."""
    st = _stack_file(r)
    settings = load_settings(
        env={
            "QL_NATS_URL": st["nats_url"],
            "QL_NATS_CREDENTIALS_DIR": st["nats_credentials_dir"],
            "QL_HOME": str(r.home),
        }
    )

    async def main() -> Any:
        nc = await connect_nats(settings, "pytest-cluster", user=OPERATOR)
        try:
            return await fn(nc, settings)
        finally:
            await nc.close()

    return asyncio.run(main())


def _wait(predicate: Any, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (OSError, ValueError, KeyError, httpx.HTTPError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    home = tmp_path_factory.mktemp("qlcluster")
    port = free_port()
    env = {**os.environ, "QL_HOME": str(home), "QL_PORT": str(port), "QL_URL": f"http://127.0.0.1:{port}"}
    for var in ("QL_TOKEN", "QL_NATS_URL", "QL_DATABASE_URL"):
        env.pop(var, None)
    out = open(home / "supervisor.out", "wb")  # written by the supervisor until the end
    proc = subprocess.Popen([str(BIN / "ql"), "dev", "run", "--cluster"], env=env, stdout=out, stderr=subprocess.STDOUT)
    r = Running(proc, home, f"http://127.0.0.1:{port}", env)
    try:
        _wait(
            lambda: proc.poll() is None and (home / "dev-api-key").exists() and "parts" in _stack_file(r),
            "the cluster stack",
            240,
        )
        yield r
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)
            proc.send_signal(signal.SIGINT)
            proc.wait(120)
        out.close()


class Ingester:
    """Streams runs into the stack from a few threads, each resending a run until it is acknowledged
    (what a client does with a 503: a resend whose first copy reached the log is answered 200,
    deduplicated, with the same run id), and records what was acknowledged when."""

    def __init__(self, r: Running, threads: int = 3) -> None:
        self.r, self.stop = r, threading.Event()
        self.acked: list[tuple[float, str]] = []  # (time, run_id)
        self.statuses: dict[int, int] = {}
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(threads)]

    def __enter__(self) -> Ingester:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(60)

    def _loop(self) -> None:
        while not self.stop.is_set():
            doc = bundle(f"cluster-{uuid.uuid4().hex[:12]}")
            # a bundle is sent until it is acknowledged, even after the stop: one abandoned after a
            # 503 leaves its claim unlogged in ingest's read model, which a replay (rebuilt from the
            # log alone) rightly does not have, and the digests below would differ
            give_up = None
            while give_up is None or time.monotonic() < give_up:
                if give_up is None and self.stop.is_set():
                    give_up = time.monotonic() + 45
                try:  # a new connection each time: a killed gateway's connections are gone
                    resp = httpx.post(
                        self.r.url + "/api/v1/ingest/runs",
                        json=doc,
                        headers={"Authorization": f"Bearer {self.r.key}"},
                        timeout=60,
                    )
                    status = resp.status_code
                except httpx.HTTPError:
                    status = 0
                with self.lock:
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                    if status in (200, 201):  # 200: a resend of a run the log has (its ack was lost)
                        self.acked.append((time.monotonic(), resp.json()["run_id"]))
                        break
                time.sleep(0.05)

    def count(self) -> int:
        with self.lock:
            return len(self.acked)


def _all_readable(r: Running, run_ids: list[str]) -> list[str]:
    """The runs that cannot be read, each with the answer it got (an empty list: all readable)."""
    unreadable = []
    with httpx.Client(base_url=r.url, headers={"Authorization": f"Bearer {r.key}"}, timeout=60) as c:
        for i in run_ids:
            resp = c.get(f"/api/v1/runs/{i}")
            if resp.status_code != 200:
                unreadable.append(f"{i}: {resp.status_code} {resp.text[:300]}")
    return unreadable


def _caught_up(r: Running) -> None:
    async def lags(nc: Any, settings: Any) -> dict[str, int]:
        out = {}
        for s in PROJECTIONS:
            reply = await rpc.call(nc, settings, s, "ops.status", timeout=20)
            out[s] = reply.json()["lag"] if reply.status == 200 else -1
        return out

    _wait(lambda: set(_operator(r, lags).values()) == {0}, "every read model to catch up", 180)


def test_every_stream_and_consumer_has_three_replicas(cluster: Running) -> None:
    async def replicas(nc: Any, settings: Any) -> tuple[int, int]:
        info = await nc.jetstream().stream_info(settings.stream)
        return info.config.num_replicas, len(info.cluster.replicas or [])

    assert _operator(cluster, replicas) == (3, 2)  # 3 replicas: a leader and two followers
    st = _stack_file(cluster)
    for service in (*BACKEND_SERVICES, "gateway"):  # each consumer seen by its own service's user
        settings = load_settings(
            env={"QL_NATS_URL": st["nats_url"], "QL_NATS_CREDENTIALS_DIR": st["nats_credentials_dir"]}
        )

        async def consumer(service: str = service, settings: Any = settings) -> int:
            nc = await connect_nats(settings, "pytest-" + service, user=service)
            try:
                c = await nc.jetstream().consumer_info(settings.stream, settings.schema(service))
                return 1 + len(c.cluster.replicas or [])
            finally:
                await nc.close()

        assert asyncio.run(consumer()) == 3, service
    assert sorted(k for k in st["parts"] if k.startswith("nats-")) == ["nats-n1", "nats-n2", "nats-n3"]
    assert sorted(st["parts"]) == sorted(
        ["nats-n1", "nats-n2", "nats-n3", "postgresql", *(f"{s}.{i}" for s in SERVICES for i in (1, 2))]
    )
    conf = (cluster.home / "nats-cluster" / "n1" / "nats.conf").read_text()
    assert "authorization {" in conf and "nats-route://route:" in conf and 'listen: "127.0.0.1:' in conf


def test_a_route_without_the_clusters_secret_is_refused(cluster: Running, tmp_path: Path) -> None:
    """The bus stays closed with routes: a server on the machine that routes to a node without the
    route secret is refused, so it cannot join and read the streams."""
    ports = json.loads((cluster.home / "nats-cluster" / "ports.json").read_text())
    conf = tmp_path / "rogue.conf"
    conf.write_text(
        f'listen: "127.0.0.1:{free_port()}"\n'
        f'cluster {{ name: "ql-embedded", listen: "127.0.0.1:{free_port()}", '
        f'routes: ["nats-route://127.0.0.1:{ports[0][1]}"] }}\n'
    )
    log = tmp_path / "rogue.log"
    rogue = subprocess.Popen([nats_server_binary(), "-c", str(conf), "-l", str(log)])
    try:
        _wait(lambda: "Route Error 'Authorization Violation'" in log.read_text(), "the route to be refused", 30)
    finally:
        rogue.terminate()
        rogue.wait(10)
    assert "Route connection created" in log.read_text()  # it did reach the node, and was refused


def test_the_run_logs_stream_leader_killed_during_a_streaming_ingest(cluster: Running) -> None:
    async def leader(nc: Any, settings: Any) -> str:
        return str((await nc.jetstream().stream_info(settings.stream)).cluster.leader)

    with Ingester(cluster) as ing:
        _wait(lambda: ing.count() >= 30, "a first stretch of ingest")
        name = _operator(cluster, leader)
        pid = _stack_file(cluster)["parts"][f"nats-{name}"]
        os.kill(pid, signal.SIGKILL)
        killed_at, before = time.monotonic(), ing.count()
        _wait(lambda: ing.count() >= before + 30, "ingest to go on after the leader's death")
        resumed = next(t for t, _ in ing.acked[before:]) - killed_at
    assert _operator(cluster, leader) != name or _stack_file(cluster)["parts"][f"nats-{name}"] != pid
    acked = [run_id for _, run_id in ing.acked]
    assert len(set(acked)) == len(acked)
    _caught_up(cluster)
    assert _all_readable(cluster, acked) == []  # 0 acknowledged runs lost
    with httpx.Client(base_url=cluster.url, headers={"Authorization": f"Bearer {cluster.key}"}, timeout=60) as c:
        listed: set[str] = set()
        page = c.get("/api/v1/runs", params={"limit": 100})
        while True:
            assert page.status_code == 200, page.text
            listed |= {x["run_id"] for x in page.json()}
            nxt = page.links.get("next", {}).get("url")
            if not nxt:
                break
            page = c.get(nxt)
    assert set(acked) <= listed

    async def digests(nc: Any, settings: Any) -> dict[str, tuple[str, str]]:
        out = {}
        for s in PROJECTIONS:  # each read model equals its replay from the log
            now = (await rpc.call(nc, settings, s, "ops.digest", timeout=60)).json()["digest"]
            replayed = (await rpc.call(nc, settings, s, "ops.replay", timeout=300)).json()["digest"]
            out[s] = (now, replayed)
        return out

    for service, (now, replayed) in _operator(cluster, digests).items():
        assert now == replayed, service
    print(f"ingest resumed {resumed:.2f} s after the stream leader was killed; statuses {ing.statuses}")


def test_one_process_of_each_service_killed_the_twins_take_over(cluster: Running) -> None:
    parts = _stack_file(cluster)["parts"]
    cluster.proc.send_signal(signal.SIGSTOP)  # the supervisor pauses: nothing is restarted behind the test
    try:
        for service in SERVICES:
            os.kill(parts[f"{service}.1"], signal.SIGKILL)
        with Ingester(cluster, threads=2) as ing:
            _wait(lambda: ing.count() >= 20, "ingest served by the surviving processes")
        acked = [run_id for _, run_id in ing.acked]
        _caught_up(cluster)  # every projection applied by the twin: it took the leadership
        assert _all_readable(cluster, acked) == []

        async def leaders(nc: Any, settings: Any) -> dict[str, bool]:
            return {
                s: (await rpc.call(nc, settings, s, "ops.status", timeout=20)).json()["leader"] for s in PROJECTIONS
            }

        assert all(_operator(cluster, leaders).values())  # the only instance left of each leads
        for service in SERVICES:
            assert Path(f"/proc/{parts[f'{service}.2']}").exists()
    finally:
        cluster.proc.send_signal(signal.SIGCONT)
