"""What the transparency log tests share: waiting for proofs, reading the log over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from qlprov.tlog.checkpoint import SignedCheckpoint, open_checkpoint
from quantumledger.transparency import LogClient, LogKeys, log_keys

__all__ = ["eventually", "logs_of", "signed_checkpoint", "with_proof", "within_checkpoint"]


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll ``check()`` until it returns something truthy (with a deadline, never a bare sleep)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        got = await check()
        if got:
            return got
        if loop.time() > deadline:
            raise TimeoutError(f"{what} not met within {timeout} s")
        await asyncio.sleep(0.05)


async def logs_of(c: httpx.AsyncClient) -> tuple[dict[str, Any], LogKeys]:
    """The log's identity as published, and the trusted-keys map a verifier builds from its vkey."""
    info = (await c.get("/.well-known/quantumledger-log.json")).json()
    return info, log_keys([info["vkey"]])


async def signed_checkpoint(c: httpx.AsyncClient, logs: LogKeys) -> SignedCheckpoint:
    r = await c.get("/log/checkpoint")
    assert r.status_code == 200 and r.headers["content-type"] == "text/plain; charset=utf-8", r.text
    return open_checkpoint(r.content, logs)


async def within_checkpoint(c: httpx.AsyncClient, logs: LogKeys, size: int) -> SignedCheckpoint:
    """Wait for a signed checkpoint of at least ``size`` leaves."""

    async def grown() -> SignedCheckpoint | None:
        cp = await signed_checkpoint(c, logs)
        return cp if cp.checkpoint.size >= size else None

    result: SignedCheckpoint = await eventually(grown, what=f"a checkpoint of size >= {size}")
    return result


async def with_proof(c: httpx.AsyncClient, url: str) -> dict[str, Any]:
    """The JSON at ``url`` once it carries ``transparency`` (its entry is under a signed checkpoint)."""

    async def ready() -> dict[str, Any] | None:
        r = await c.get(url)
        assert r.status_code == 200, r.text
        doc: dict[str, Any] = r.json()
        return doc if doc.get("transparency") else None

    result: dict[str, Any] = await eventually(ready, what=f"a transparency proof on {url}")
    return result


def reader_root(base_url: str, cp: SignedCheckpoint) -> bytes:
    """The tree head recomputed from the tiles served over HTTP (run in a thread: sync client)."""
    from qlprov.tlog.merkle import tree_hash

    with LogClient(base_url) as client:
        return tree_hash(cp.checkpoint.size, client.reader(cp))
