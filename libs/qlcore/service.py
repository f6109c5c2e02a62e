"""The one composition of a service process: bus, pool, projection runner, RPC endpoints.

A service supplies a :class:`ServiceSpec` (its name, its projection, a function registering
its request handlers, optional background tasks); :func:`run_service` wires the shared
mechanisms around it and :func:`main` is the process entrypoint (signals → stop → drain).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import msgspec
import structlog
from psycopg_pool import AsyncConnectionPool
from ulid import ULID

from qlcore.bus import Bus, connect
from qlcore.config import Settings, load_settings
from qlcore.db import make_pool
from qlcore.errors import Conflict, Unavailable
from qlcore.logging import configure_logging
from qlcore.projection import Projection, ProjectionRunner
from qlcore.rpc import RpcReply, RpcRequest, RpcServer, json_reply

__all__ = ["NO_REPLY", "ServiceContext", "ServiceSpec", "main", "run_service", "tune_gc"]

log = structlog.get_logger("qlcore.service")

NO_REPLY = RpcReply(status=0)  # a handler's way to stay silent (another instance answers)


@dataclass
class ServiceContext:
    """What a service's handlers and tasks get: its settings, bus, pool and runner."""

    name: str
    settings: Settings
    bus: Bus
    pool: AsyncConnectionPool
    runner: ProjectionRunner | None
    stop: asyncio.Event
    instance_id: str = field(default_factory=lambda: str(ULID()))
    state: dict[str, object] = field(default_factory=dict)
    autocommit_pool: AsyncConnectionPool | None = None

    @property
    def statements(self) -> AsyncConnectionPool:
        """Connections in autocommit mode, for hot single-statement reads and writes (one round trip,
        not three; ``qlcore.db.make_pool``). Several statements that must commit together use
        :attr:`pool`, whose connections commit when handed back."""
        return self.autocommit_pool or self.pool

    async def applied(self, seq: int, timeout: float = 10.0) -> None:
        """Read-your-writes: return once this service's read model includes log sequence ``seq``.

        On the projection leader the runner's in-memory position is awaited (woken on each
        commit); a standby instance watches the stored checkpoint. A bounded wait either way: a
        stalled projection is a 503 :class:`Unavailable`, never a hang.
        """
        runner = self.runner
        if runner is None or seq <= 0:
            return
        try:
            if runner.leader:
                await runner.wait_for(seq, timeout)
                return
            async with asyncio.timeout(timeout):
                delay = 0.005
                while await runner.stored_position() < seq:
                    await asyncio.sleep(delay)
                    delay = min(0.1, delay * 2)
        except TimeoutError as exc:
            raise Unavailable(
                f"the {self.name} read model has not reached position {seq} yet; retry", retry_after=5
            ) from exc

    async def caught_up(self, timeout: float = 10.0) -> None:
        """Return once the read model includes everything in the log now."""
        await self.applied(await self.bus.last_event_seq(), timeout)


Register = Callable[[RpcServer, ServiceContext], None]
Task = Callable[[ServiceContext], Coroutine[Any, Any, None]]


@dataclass
class ServiceSpec:
    name: str
    projection: Callable[[], Projection] | None
    register: Register
    tasks: list[Task] = field(default_factory=list)
    pool_size: int = 8
    on_start: Callable[[ServiceContext], Awaitable[None]] | None = None
    on_stop: Callable[[ServiceContext], Awaitable[None]] | None = None


def _register_ops(rpc: RpcServer, ctx: ServiceContext) -> None:
    """Operations every service answers: status, digest, replay (replay on the leader only)."""

    async def status(_: RpcRequest) -> RpcReply:
        r = ctx.runner
        if r is None:
            return json_reply({"service": ctx.name, "projection": False})
        st = await r.status()
        last = await ctx.bus.last_event_seq()
        return json_reply(
            {
                "service": ctx.name,
                "projection": True,
                "position": st.position,
                "last_event_seq": last,
                "lag": max(0, last - st.position),
                "dead_letters": st.dead_letters,
            }
        )

    async def digest(_: RpcRequest) -> RpcReply:
        if ctx.runner is None:
            raise Conflict(f"{ctx.name} has no read model")
        return json_reply(
            {"service": ctx.name, "digest": await ctx.runner.digest(), "position": await ctx.runner.stored_position()}
        )

    async def replay(_: RpcRequest) -> RpcReply:
        if ctx.runner is None:
            raise Conflict(f"{ctx.name} has no read model")
        if not ctx.runner.leader:
            return NO_REPLY
        res = await ctx.runner.replay()
        return json_reply(msgspec.structs.asdict(res) if isinstance(res, msgspec.Struct) else res.__dict__)

    rpc.add("ops.status", status)
    rpc.add("ops.digest", digest)
    rpc.add("ops.replay", replay, broadcast=True)


async def run_service(
    spec: ServiceSpec, settings: Settings, stop: asyncio.Event, started: asyncio.Event | None = None
) -> None:
    """Run one service until ``stop`` is set."""
    structlog.contextvars.bind_contextvars(service=spec.name)
    bus = await connect(settings, spec.name)
    pool = await make_pool(settings.database_url, settings.schema(spec.name), max_size=spec.pool_size)
    statements = await make_pool(
        settings.database_url, settings.schema(spec.name), max_size=spec.pool_size, autocommit=True
    )
    runner = ProjectionRunner(bus, pool, spec.projection()) if spec.projection else None
    ctx = ServiceContext(spec.name, settings, bus, pool, runner, stop, autocommit_pool=statements)
    rpc = RpcServer(bus.nc, settings, spec.name)
    _register_ops(rpc, ctx)
    spec.register(rpc, ctx)
    tasks: list[asyncio.Task[None]] = []
    try:
        if runner is not None:
            await runner.setup()
        if spec.on_start is not None:
            await spec.on_start(ctx)
        await rpc.start()
        if runner is not None:
            tasks.append(asyncio.create_task(runner.run(stop), name=f"{spec.name}-projection"))
        tasks.extend(asyncio.create_task(t(ctx), name=f"{spec.name}-task") for t in spec.tasks)
        log.info("service.started", instance=ctx.instance_id)
        if settings.gc_tuning:
            tune_gc()
        if started is not None:
            started.set()
        waiter = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            if t is not waiter and t.exception() is not None:
                log.error("service.task_failed", task=t.get_name(), error=repr(t.exception()))
                raise t.exception()  # type: ignore[misc]
    finally:
        stop.set()
        await rpc.stop()
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        if spec.on_stop is not None:
            await spec.on_stop(ctx)
        await pool.close()
        await statements.close()
        await bus.close()
        log.info("service.stopped")


def tune_gc() -> None:
    """Move everything alive after start-up out of the collector's sight and collect young objects
    less often.

    Parsing one 75 KB bundle creates ~20k short-lived objects; with CPython's default threshold
    (700) that sets off dozens of collections per bundle, some of them full scans of a heap that
    holds every imported module. Measured on ingest's prepare step: mean 1.7 ms → 0.62 ms. Cycles
    are still collected, just in larger batches (the approach of Instagram's ``gc.freeze``).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)


def main(spec_factory: Callable[[], ServiceSpec]) -> None:
    """Process entrypoint: settings from the environment, logging, SIGINT/SIGTERM → graceful stop."""
    settings = load_settings(gc_tuning=True)
    spec = spec_factory()
    configure_logging(settings.log_format, settings.log_level, service=spec.name)

    async def _run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_service(spec, settings, stop)

    try:
        import uvloop  # the faster event loop where available (Linux, macOS)
    except ImportError:
        asyncio.run(_run())
    else:
        uvloop.run(_run())
