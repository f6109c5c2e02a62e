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


async def run_ql(*args: str, timeout: float = 120) -> tuple[int, str, str]:
    """Run ``ql`` in a child process (the event loop, and so the stack, keeps serving meanwhile)."""
    import sys
    from pathlib import Path

    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("ql")), *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode or 0, out.decode(), err.decode()


class WitnessProcess:
    """``ql witness serve`` in a child process, on a port of its own."""

    def __init__(self, key: Any, state: Any, vkey: str, port: int, refusals: Any) -> None:
        self.key, self.state, self.vkey, self.port, self.refusals = key, state, vkey, port, refusals
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        import sys
        from pathlib import Path

        args = ["witness", "serve", "--key", str(self.key), "--state", str(self.state), "--log", self.vkey]
        args += ["--listen", f"127.0.0.1:{self.port}", "--refusals", str(self.refusals)]
        self.proc = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("ql")), *args, stderr=asyncio.subprocess.PIPE
        )

        async def up() -> bool:
            try:
                async with httpx.AsyncClient() as c:
                    return (await c.get(self.url + "/")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(up, what="the witness server listening")

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await asyncio.wait_for(self.proc.wait(), 10)
        self.proc = None
