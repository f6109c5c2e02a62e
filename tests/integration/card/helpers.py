"""Real-data bundles and the publishing steps the card tests share."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

import httpx
from quantumledger.examples import bell_bundle, ghz_bundle

__all__ = ["AUTHORS", "bell", "eventually", "ghz", "ingest", "publish"]

AUTHORS = [
    {"name": "Zoë Ñúñez", "orcid": "https://orcid.org/0000-0002-1825-0097", "affiliation": "Universitat de Barcelona"},
    {"name": "李雷", "affiliation": "清华大学"},
    {"name": "Ludwig van Beethoven"},
]


@cache
def _ghz(backend: str, seed: int) -> dict[str, Any]:
    return ghz_bundle(3, backend=backend, seed=seed)


def ghz(backend: str = "kyiv", seed: int = 1234) -> dict[str, Any]:
    """A real GHZ-3 capture on a fake IBM device (noise from its calibration snapshot)."""
    return copy.deepcopy(_ghz(backend, seed))


def bell(backend: str = "kyiv") -> dict[str, Any]:
    return bell_bundle(backend=backend)


async def ingest(c: httpx.AsyncClient, document: dict[str, Any]) -> str:
    r = await c.post("/api/v1/ingest/runs", json=document)
    assert r.status_code in (200, 201), r.text
    return str(r.json()["run_id"])


async def publish(c: httpx.AsyncClient, run_id: str, **card: Any) -> dict[str, Any]:
    body = {"authors": AUTHORS, **card}
    r = await c.post(f"/api/v1/runs/{run_id}/card/publish", json=body)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    """Wait (with a timeout, polling) until ``check()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)
