"""What the closed bus costs: nkey connects, and the stack's permission lists on the hot paths.

One embedded nats-server, closed as ``make run``'s is. Each path is run as the stack's users
(``gateway`` calling ``provenance``, ``ingest`` appending, ``provenance`` pulling from its
durable consumer: every message checked against their allow lists, every reply tracked by
``allow_responses``) and as the test harness user (``publish``/``subscribe`` ``>``: no lists),
on the same server, in rounds that alternate which goes first; figures are medians over the rounds.
Beside the rates, the nats-server process's CPU time per operation (``server_us_per_*``, from
/proc): the permission checks run there, and CPU time is steadier than wall time on a shared machine.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from qlcore.bus import Bus, connect_nats
from qlcore.busauth import OPERATOR, TEST, CredentialStore
from qlcore.config import Settings, load_settings
from qlcore.embedded import EmbeddedNats

from bench.common import percentile, write_results

__all__ = ["run"]

ROUNDS = 7
REQUESTS = 2000
APPENDS = 3000
CONNECTS = 20


async def _rpc(caller: NATS, callee: NATS, s: Settings) -> dict[str, float]:
    async def answer(m: Msg) -> None:
        await m.respond(m.data)

    sub = await callee.subscribe(s.rpc_subject("provenance", "runs.get"), queue="ql_provenance", cb=answer)
    await callee.flush()
    await callee.flush()  # nats-py writes a flush's PING ahead of a queued SUB: two round trips
    samples = []
    t0 = time.perf_counter()
    for _ in range(REQUESTS):
        t = time.perf_counter()
        await caller.request(s.rpc_subject("provenance", "runs.get"), b'{"run_id":"r"}', timeout=5)
        samples.append((time.perf_counter() - t) * 1000)
    total = time.perf_counter() - t0
    await sub.unsubscribe()
    return {"p50_ms": percentile(samples, 0.5), "p99_ms": percentile(samples, 0.99), "per_s": REQUESTS / total}


async def _append(nc: NATS, s: Settings) -> float:
    js, subject = nc.jetstream(), f"{s.log_subject_prefix}.run.ingested"
    t0 = time.perf_counter()
    for i in range(APPENDS):
        await js.publish(subject, b'{"i":%d}' % i, stream=s.stream)
    return APPENDS / (time.perf_counter() - t0)


async def _consume(nc: NATS, s: Settings, durable: str, start: int) -> float:
    js = nc.jetstream()
    config = ConsumerConfig(
        durable_name=durable,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=start,
        ack_policy=AckPolicy.ALL,
        filter_subject=f"{s.log_subject_prefix}.>",
        max_ack_pending=50_000,
    )
    await js.add_consumer(s.stream, config)
    psub = await js.pull_subscribe_bind(durable, s.stream)
    got, t0 = 0, time.perf_counter()
    while got < APPENDS:
        msgs = await psub.fetch(256, timeout=5)
        await msgs[-1].ack()
        got += len(msgs)
    rate = got / (time.perf_counter() - t0)
    await psub.unsubscribe()
    await js.delete_consumer(s.stream, durable)
    return rate


async def _connect_ms(s: Settings) -> float:
    samples = []
    for _ in range(CONNECTS):
        t = time.perf_counter()
        nc = await connect_nats(s, "bench-connect", user="ingest", allow_reconnect=False)
        samples.append((time.perf_counter() - t) * 1000)
        await nc.close()
    return statistics.median(samples)


def _server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _measure(s: Settings, pid: int) -> dict[str, Any]:
    setup = await connect_nats(s, "bench-setup", user=OPERATOR)
    await Bus(setup, s).ensure_stream()
    await setup.close()
    users = {"permission lists": ("gateway", "provenance", "ingest"), "no lists (test user)": (TEST, TEST, TEST)}
    conns = {kind: [await connect_nats(s, f"bench-{u}", user=u) for u in names] for kind, names in users.items()}
    rounds: dict[str, list[dict[str, float]]] = {kind: [] for kind in users}
    try:
        for i in range(ROUNDS):
            order = list(conns.items()) if i % 2 == 0 else list(reversed(conns.items()))  # no order bias
            for kind, (caller, callee, appender) in order:
                c0 = _server_cpu_s(pid)
                rpc = await _rpc(caller, callee, s)
                c1 = _server_cpu_s(pid)
                start = (await appender.jetstream().stream_info(s.stream)).state.last_seq + 1
                appended = await _append(appender, s)
                c2 = _server_cpu_s(pid)
                durable = s.schema("provenance") if kind == "permission lists" else "bench_test"
                consumed = await _consume(callee, s, durable, start)
                c3 = _server_cpu_s(pid)
                rounds[kind].append(
                    {
                        **rpc,
                        "appends_per_s": appended,
                        "pulled_per_s": consumed,
                        "server_us_per_request": (c1 - c0) * 1e6 / REQUESTS,
                        "server_us_per_append": (c2 - c1) * 1e6 / APPENDS,
                        "server_us_per_pulled": (c3 - c2) * 1e6 / APPENDS,
                    }
                )
        out: dict[str, Any] = {"nkey_connect_ms_p50": round(await _connect_ms(s), 2)}
        for kind, rs in rounds.items():
            out[kind] = {k: round(statistics.median(r[k] for r in rs), 3) for k in rs[0]}
        return out
    finally:
        for cs in conns.values():
            for nc in cs:
                await nc.close()


def run(results_dir: Path) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="ql-bus-bench-"))
    store = CredentialStore(home / "credentials", test=True)
    folder = store.ensure("bench")
    server = EmbeddedNats(home / "nats", authorization=store.authorization()).start()
    try:
        s = load_settings(env={}, nats_url=server.url, namespace="bench", nats_credentials_dir=folder)
        assert server.proc is not None
        figures = asyncio.run(_measure(s, server.proc.pid))
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
    data = {"rounds": ROUNDS, "requests": REQUESTS, "appends": APPENDS, **figures}
    write_results(results_dir, "bus", data)
    return data
