"""The stack's health, as the gateway sees it: NATS, PostgreSQL and every service.

``down``: NATS or PostgreSQL does not answer, or a service does not (the stack cannot serve
everything). ``degraded``: everything answers but a read model holds dead letters: the stack
serves, and an operator has something to handle (``ql ops dead-letters``). ``up``: neither.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

from qlcore import rpc
from qlcore.config import Settings

from services.gateway.deps import Gateway

__all__ = ["HealthReport", "health_report", "is_operator"]

CHECK_TIMEOUT = 3.0


@dataclass(frozen=True)
class HealthReport:
    status: str  # up | degraded | down
    details: dict[str, Any] = field(default_factory=dict)


def is_operator(settings: Settings, authorization: str | None) -> bool:
    """Whether ``Authorization: Bearer <token>`` carries the operator token (compared by its SHA-256,
    in constant time; the token itself is stored nowhere on the server)."""
    expected = settings.operator_token_sha256
    if not expected or not authorization or not authorization.startswith("Bearer "):
        return False
    digest = hashlib.sha256(authorization[len("Bearer ") :].strip().encode()).hexdigest()
    return hmac.compare_digest(digest, expected.lower())


async def health_report(gw: Gateway) -> HealthReport:
    async def nats_check() -> dict[str, Any]:
        t = time.perf_counter()
        info = await gw.nc.jetstream().stream_info(gw.settings.stream)
        return {
            "status": "up",
            "stream": gw.settings.stream,
            "last_seq": info.state.last_seq,
            "ms": round((time.perf_counter() - t) * 1000, 2),
        }

    async def pg_check() -> dict[str, Any]:
        t = time.perf_counter()
        async with gw.pool.connection() as conn:
            await conn.execute("SELECT 1")
        return {"status": "up", "ms": round((time.perf_counter() - t) * 1000, 2)}

    async def service_check(name: str) -> dict[str, Any]:
        reply = await rpc.call(gw.nc, gw.settings, name, "ops.status", b"", timeout=2.0)
        out = reply.json() or {}
        degraded = out.get("dead_letters", 0) > 0
        return {"status": "degraded" if degraded else "up", **{k: v for k, v in out.items() if k != "service"}}

    async def guarded(coro: Any) -> dict[str, Any]:
        try:
            return await asyncio.wait_for(coro, CHECK_TIMEOUT)
        except Exception as exc:  # any failure of a check is that part being down; said in the details
            return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}

    names = ("gateway", *gw.services)
    results = await asyncio.gather(
        guarded(nats_check()), guarded(pg_check()), *(guarded(service_check(n)) for n in names)
    )
    statuses = {r["status"] for r in results}
    status = "down" if "down" in statuses else "degraded" if "degraded" in statuses else "up"
    details = {"nats": results[0], "postgres": results[1], "services": dict(zip(names, results[2:], strict=True))}
    return HealthReport(status, details)
