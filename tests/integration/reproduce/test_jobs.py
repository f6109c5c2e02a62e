"""The work queue: 202 and polling, two processes sharing jobs, a worker killed mid-job, a job
delivered twice. Separate reproduce processes are started as `make run` starts them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import msgspec
import pytest
from qlcore import rpc
from qlcore.bus import connect
from qlcore.busauth import nats_env
from qlcore.config import Settings
from qlcore.events.reproduce import ReproductionRequested
from qlprov.hashing import run_hash

from tests.fixtures import Infra, Stack, stack_context
from tests.integration.reproduce.helpers import eventually, ghz, ingest, log_events, poll, reproduce

pytestmark = pytest.mark.integration

ASYNC = {"Prefer": "respond-async"}


def _spawn(settings: Settings, **env: str) -> subprocess.Popen[bytes]:
    full = {
        **os.environ,
        **nats_env(settings, "reproduce"),
        "QL_DATABASE_URL": settings.database_url,
        "QL_LOG_LEVEL": "warning",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "services.reproduce"], env=full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


async def _consumer(stack: Stack) -> Any:
    ns = stack.settings.namespace
    return await stack.nc.jetstream().consumer_info(f"{ns.upper()}_REPRO_JOBS", f"{ns}_reproduce_workers")


async def _waiting_workers(stack: Stack, n: int, timeout: float = 90.0) -> None:
    """Until ``n`` pull requests wait on the shared consumer at once (``n`` idle worker loops)."""

    async def ready() -> bool:
        try:
            return int((await _consumer(stack)).num_waiting) >= n
        except Exception:  # the stream or consumer is not made yet
            return False

    await eventually(ready, timeout, every=0.02)


async def test_202_then_poll(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = (await ingest(c, ghz(3, "kyiv", shots=1024)))["run_id"]
        for prefer in ("respond-async", "wait=0.001"):  # no wait, and a tiny time limit
            r = await reproduce(c, run_id, 30, "typical", seed=4, Prefer=prefer)
            assert r.status_code == 202, r.text
            pending = r.json()
            assert r.headers["location"] == f"/api/v1/reproductions/{pending['job_id']}" == pending["location"]
            assert pending["status"] == "pending" and pending["seed"] == 4 and r.headers["retry-after"]
            first = await c.get(r.headers["location"])
            assert first.status_code == 200 and first.json()["status"] in ("pending", "completed")
            done = await poll(c, r.headers["location"])
            assert done["status"] == "completed" and done["job_id"] == pending["job_id"]
            assert done["verdict"] in ("reproduced", "drifted") and 0.9 < done["hellinger_fidelity"] <= 1
            assert (await c.get(f"/api/v1/runs/{done['reproduced_run_id']}")).status_code in (200, 404)
        sync = (await reproduce(c, run_id, 30, "typical", seed=4)).json()  # the same outcome, synchronously
    assert (sync["hellinger_fidelity"], sync["verdict"]) == (done["hellinger_fidelity"], done["verdict"])


async def test_a_job_delivered_twice_completes_once(stack: Stack) -> None:
    """The same job in the queue twice (as after a redelivery): one completion, one reproduced run."""
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = (await ingest(c, ghz(3, "kyiv", shots=1024, seed=9)))["run_id"]
        job = (await reproduce(c, run_id, 7, "bad_day", seed=8, **ASYNC)).json()
        again = {
            **{k: job[k] for k in ("job_id", "run_id", "days", "profile", "seed", "requested_at")},
            "workspace_id": t.workspace_id,
        }
        ns = stack.settings.namespace
        await stack.nc.jetstream().publish(
            f"{ns}.jobs.reproduce.{job['job_id']}",
            msgspec.json.encode(again),
            headers={"Nats-Msg-Id": job["job_id"] + "-again"},
        )
        done = await poll(c, job["location"])

        async def drained() -> bool:
            c_info = await _consumer(stack)
            return int(c_info.num_pending) == 0 and int(c_info.num_ack_pending) == 0

        await eventually(drained)
    completions = [e for e in await log_events(stack, "reproduction.completed") if e.job_id == job["job_id"]]
    assert len(completions) == 1 and completions[0].reproduced_run_id == done["reproduced_run_id"]
    runs = [e for e in await log_events(stack, "run.ingested") if e.run_hash == done["reproduced_run_hash"]]
    assert len(runs) == 1


async def test_two_processes_share_the_jobs(stack: Stack) -> None:
    proc = _spawn(stack.settings)
    try:
        await _waiting_workers(stack, 2)  # this process's worker and the new one, both idle
        t = await stack.tenant()
        async with stack.client(t) as c:
            run_id = (await ingest(c, ghz(3, "kyiv", shots=1024, seed=10)))["run_id"]
            jobs = await asyncio.gather(*(reproduce(c, run_id, 3, "typical", seed=s, **ASYNC) for s in range(10)))
            assert all(r.status_code == 202 for r in jobs)
            done = [await poll(c, r.headers["location"]) for r in jobs]
        assert all(d["status"] == "completed" for d in done)
        ids = {d["job_id"] for d in done}
        workers = {e.worker for e in await log_events(stack, "reproduction.completed") if e.job_id in ids}
        assert len(workers) == 2, workers
        assert f"{os.uname().nodename}:{proc.pid}" in workers
    finally:
        _stop(proc)


@pytest.fixture
async def bare_stack(infra: Infra) -> AsyncIterator[Stack]:
    """A stack of its own without an in-process reproduce service: only the processes a test
    starts work its queue."""
    async for s in stack_context(infra, services=("ingest", "provenance", "gateway")):
        yield s


@pytest.fixture(scope="module")
def ghz10() -> Iterator[dict[str, Any]]:
    yield ghz(10, "kyiv", shots=8192, seed=3)  # ~1 s a job: time to kill the worker in the middle


async def test_killed_mid_job_is_redelivered_and_completes_once(bare_stack: Stack, ghz10: dict[str, Any]) -> None:
    stack = bare_stack
    quick = {"QL_REPRODUCE_ACK_WAIT_S": "2"}  # a dead worker's job comes back after 2 s, not 30
    first = _spawn(stack.settings, **quick)
    second: subprocess.Popen[bytes] | None = None
    try:
        await _waiting_workers(stack, 1)
        t = await stack.tenant()
        async with stack.client(t) as c:
            run_id = (await ingest(c, ghz10))["run_id"]
            job = (await reproduce(c, run_id, 30, "typical", seed=21, **ASYNC)).json()

            async def taken() -> bool:
                return int((await _consumer(stack)).num_ack_pending) == 1

            await eventually(taken, 30, every=0.01)
            first.send_signal(signal.SIGKILL)  # mid-job: no chance to nak or clean up
            first.wait(10)
            ended = await log_events(stack, "reproduction.completed") + await log_events(stack, "reproduction.failed")
            assert not [e for e in ended if e.job_id == job["job_id"]], "the job ended before the kill"
            second = _spawn(stack.settings, **quick)
            done = await poll(c, job["location"], timeout=90)
            assert done["status"] == "completed", done
            await stack.wait_caught_up("provenance")
            doc = (await c.get(f"/api/v1/runs/{done['reproduced_run_id']}")).json()
        assert doc["run_hash"] == run_hash(doc) == done["reproduced_run_hash"]
        completions = [e for e in await log_events(stack, "reproduction.completed") if e.job_id == job["job_id"]]
        assert len(completions) == 1
        assert completions[0].attempts == 2 and completions[0].worker == f"{os.uname().nodename}:{second.pid}"
        status = (await rpc.call(stack.nc, stack.settings, "reproduce", "ops.status", timeout=5)).json()
        assert status["dead_letters"] == 0
    finally:
        _stop(first)
        if second is not None:
            _stop(second)


async def test_a_requested_job_missing_from_the_queue_is_enqueued_again(bare_stack: Stack) -> None:
    """A process that dies between appending ``reproduction.requested`` and enqueuing the job leaves a
    job only the log knows: the leader's sweep finds it pending and not queued, and enqueues it."""
    stack = bare_stack
    proc = _spawn(stack.settings, QL_REPRODUCE_REQUEUE_AFTER_S="1")
    bus = await connect(stack.settings, "test")
    try:
        await _waiting_workers(stack, 1)
        t = await stack.tenant()
        async with stack.client(t) as c:
            run_id = (await ingest(c, ghz(3, "kyiv", shots=1024, seed=14)))["run_id"]
            requested = ReproductionRequested.new(
                actor="test",
                workspace_id=t.workspace_id,
                job_id="01LOSTJOB" + run_id[-8:],
                run_id=run_id,
                days=2.0,
                profile="typical",
                seed=5,
            )
            await bus.append(requested)  # ... and the process "dies" before enqueuing the job
            done = await poll(c, f"/api/v1/reproductions/{requested.job_id}", timeout=60)
        assert done["status"] == "completed" and done["seed"] == 5 and done["requested_at"] == requested.occurred_at
    finally:
        await bus.close()
        _stop(proc)
