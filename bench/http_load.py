"""HTTP load for the benchmarks: ``wrk`` (C, one thread) when installed, else a bounded httpx client.

Only against 127.0.0.1, each run bounded in time; the generator shares the cores with the stack.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import statistics
import subprocess
import time
import urllib.parse
from typing import Any

import httpx

__all__ = ["CONNECTIONS", "RUNS", "SECONDS", "RawHttp", "generator_name", "measure_http"]

CONNECTIONS = 64
SECONDS = 5
RUNS = 3
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: (.*)")


def generator_name() -> str:
    return f"wrk -t1 -c{CONNECTIONS}" if shutil.which("wrk") else f"httpx, {CONNECTIONS} connections (no wrk)"


def _wrk(url: str, headers: dict[str, str]) -> dict[str, Any]:
    args = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, timeout=SECONDS + 30, check=True).stdout
    rps, bad, errors = _RPS.search(out), _BAD.search(out), _ERRORS.search(out)
    return {
        "req_per_s": float(rps[1]) if rps else 0.0,
        "bad_responses": int(bad[1]) if bad else 0,
        "socket_errors": errors[1] if errors else None,
    }


async def _httpx(url: str, headers: dict[str, str], expect: int) -> dict[str, Any]:
    """The fallback without wrk: far slower than the server, so it measures itself as much."""
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    done = bad = 0
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=10) as c:
        deadline = time.perf_counter() + SECONDS

        async def worker() -> None:
            nonlocal done, bad
            while time.perf_counter() < deadline:
                r = await c.get(url)
                done, bad = done + 1, bad + (r.status_code != expect)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        return {"req_per_s": round(done / (time.perf_counter() - t0), 1), "bad_responses": bad, "socket_errors": None}


def measure_http(url: str, headers: dict[str, str], expect: int) -> dict[str, Any]:
    """Check one answer (status ``expect``), then ``RUNS`` timed runs; the median and every run."""
    with httpx.Client(headers=headers, timeout=10) as c:
        r = c.get(url)
        if r.status_code != expect:
            raise RuntimeError(f"{url} answered {r.status_code}, expected {expect}: {r.text[:200]}")
    runs = [
        _wrk(url, headers) if shutil.which("wrk") else asyncio.run(_httpx(url, headers, expect)) for _ in range(RUNS)
    ]
    rates = [r["req_per_s"] for r in runs]
    return {
        "median_req_per_s": round(statistics.median(rates), 1),
        "runs_req_per_s": rates,
        "bad_responses": sum(r["bad_responses"] for r in runs),
        "expect_status": expect,
    }


class RawHttp:
    """A minimal HTTP/1.1 keep-alive client for load generation (pooled connections, pre-set headers).

    httpx spends ~1.8 ms of CPU on a 78 KB POST, as much as a third of what the stack spends on
    it; on 2 shared cores that measures the client. This one writes the request bytes and reads a
    ``Content-Length`` response (all the gateway sends outside streaming), for ~0.1 ms.
    """

    def __init__(self, base_url: str, headers: dict[str, str], connections: int = 32) -> None:
        u = urllib.parse.urlsplit(base_url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.headers = "".join(f"{k}: {v}\r\n" for k, v in {"Host": u.netloc, **headers}.items()).encode()
        self.size = connections
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
        self._opened = 0

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        if self._idle.empty() and self._opened < self.size:
            self._opened += 1
            self._idle.put_nowait(await asyncio.open_connection(self.host, self.port))
        reader, writer = await self._idle.get()
        try:
            extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
            head = f"{method} {path} HTTP/1.1\r\nContent-Length: {len(body)}\r\n{extra}".encode()
            writer.write(head + self.headers + b"\r\n" + body)
            status_line = await reader.readuntil(b"\r\n")
            length = 0
            while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            data = await reader.readexactly(length)
        except BaseException:
            writer.close()
            self._opened -= 1
            raise
        self._idle.put_nowait((reader, writer))
        return int(status_line.split()[1]), data

    async def close(self) -> None:
        while not self._idle.empty():
            _, writer = self._idle.get_nowait()
            writer.close()
