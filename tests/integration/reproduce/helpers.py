"""Real runs (GHZ circuits on real IBM calibration snapshots) and the steps the reproduce tests share."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

import httpx
from quantumledger.examples import ghz_bundle

__all__ = ["eventually", "ghz", "ingest", "log_events", "poll", "reproduce"]


@cache
def _ghz(n: int, backend: str, shots: int, seed: int) -> dict[str, Any]:
    return ghz_bundle(n, backend=backend, shots=shots, seed=seed)


def ghz(n: int = 3, backend: str = "kyiv", shots: int = 4096, seed: int = 7) -> dict[str, Any]:
    """A real GHZ-n capture on a fake IBM device: its transpiled circuit, the device's real
    calibration snapshot, and counts simulated with that device's noise."""
    return copy.deepcopy(_ghz(n, backend, shots, seed))


async def ingest(c: httpx.AsyncClient, document: dict[str, Any]) -> dict[str, Any]:
    r = await c.post("/api/v1/ingest/runs", json=document)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


async def reproduce(
    c: httpx.AsyncClient, run_id: str, days: float, profile: str, seed: int | None = None, **headers: str
) -> httpx.Response:
    body: dict[str, Any] = {"days": days, "profile": profile}
    if seed is not None:
        body["seed"] = seed
    return await c.post(f"/api/v1/runs/{run_id}/reproduce", json=body, headers=headers or None)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30.0, every: float = 0.05) -> None:
    """Wait (with a timeout, polling) until ``check()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(every)


async def poll(c: httpx.AsyncClient, location: str, timeout: float = 60.0) -> dict[str, Any]:
    """Follow a 202's Location until the job is no longer pending; returns its final state. A 503
    (no reproduce process up, e.g. while one restarts) is waited out like a pending job."""
    state: dict[str, Any] = {}

    async def settled() -> bool:
        nonlocal state
        r = await c.get(location)
        if r.status_code == 503:
            return False
        assert r.status_code == 200, r.text
        state = r.json()
        return state["status"] != "pending"

    await eventually(settled, timeout, every=0.1)
    return state


async def log_events(stack: Any, event_type: str) -> list[Any]:
    """Every event of one type in the stack's run log, oldest first (an ephemeral consumer)."""
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
    from qlcore.events.registry import decode_event

    js = stack.nc.jetstream()
    psub = await js.pull_subscribe(
        f"{stack.settings.log_subject_prefix}.{event_type}",
        stream=stack.settings.stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=30),
    )
    events: list[Any] = []
    try:
        while True:
            try:
                msgs = await psub.fetch(256, timeout=0.5)
            except TimeoutError:
                return events
            events += [decode_event(m.data, event_type) for m in msgs]
    finally:
        await psub.unsubscribe()
