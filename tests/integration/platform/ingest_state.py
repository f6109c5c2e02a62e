"""Putting a stack's ingest in the states the claims tests need: a short de-duplication window (and
knowing when it has passed), the ingest service stopped and started on its own, the claims
index in the state a lost commit leaves, and the claims projection held back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import psycopg
from nats.js.errors import NotFoundError
from psycopg import sql
from qlcore.embedded import free_port
from qlcore.events import RunIngested
from qlcore.events.registry import decode_event
from qlcore.service import run_service

from services.registry import load_spec
from tests.fixtures import Infra, Stack, stack_context

__all__ = ["IngestHarness", "WindowProbe", "harness", "logged_runs", "wait_for"]


async def wait_for(cond: object, timeout: float, what: str) -> None:
    """Poll an async condition every 20 ms until it holds, or fail naming it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await cond():  # type: ignore[operator]
        if loop.time() > deadline:
            raise TimeoutError(f"still not {what} after {timeout} s")
        await asyncio.sleep(0.02)


async def logged_runs(stack: Stack, run_hash: str) -> list[str]:
    """The run ids of every ``run.ingested`` of ``run_hash`` in the run log, in log order (a scan of
    the whole stream: test stacks hold a few dozen entries)."""
    js = stack.nc.jetstream()
    last = (await js.stream_info(stack.settings.stream)).state.last_seq
    subject = f"{stack.settings.log_subject_prefix}.run.ingested"
    found = []
    for seq in range(1, last + 1):
        try:
            msg = await js.get_msg(stack.settings.stream, seq=seq, direct=True)
        except NotFoundError:
            continue
        if msg.subject == subject:
            event = decode_event(msg.data or b"", "run.ingested")
            if isinstance(event, RunIngested) and event.run_hash == run_hash:
                found.append(event.run_id)
    return found


class WindowProbe:
    """Knows when JetStream's de-duplication window has passed for what was appended before
    :meth:`mark`: a probe message with its own ``Nats-Msg-Id`` (on a subject of the run log that no
    consumer reads) is published again until JetStream no longer calls it a duplicate. JetStream
    forgets message ids in the order it stored them, so the earlier ones are forgotten too."""

    def __init__(self, stack: Stack) -> None:
        self.js = stack.nc.jetstream()
        self.stream = stack.settings.stream
        self.subject = f"{stack.settings.document_subject_prefix}.probe"
        self.msg_id = f"probe-{uuid.uuid4().hex}"

    async def _publish(self) -> bool:
        ack = await self.js.publish(self.subject, b"", stream=self.stream, headers={"Nats-Msg-Id": self.msg_id})
        return not ack.duplicate

    async def mark(self) -> None:
        assert await self._publish(), "a fresh probe id cannot be a duplicate"

    async def inside(self) -> bool:
        """Whether the window is still open (publishes the probe again if it had closed)."""
        return not await self._publish()

    async def passed(self, timeout: float = 30.0) -> None:
        await wait_for(self._publish, timeout, "past the de-duplication window")


@dataclass
class IngestHarness:
    """A stack whose ingest service runs apart, so that a test can stop it and start it again (the
    state PostgreSQL's lost commits leave is only seen by a service that starts on it)."""

    stack: Stack
    infra: Infra
    stop: asyncio.Event | None = None
    task: asyncio.Task[None] | None = None

    async def start_ingest(self) -> None:
        self.stop, started = asyncio.Event(), asyncio.Event()
        self.task = asyncio.create_task(run_service(load_spec("ingest"), self.stack.settings, self.stop, started))
        await asyncio.wait_for(started.wait(), 30)

    async def stop_ingest(self) -> None:
        if self.stop is not None and self.task is not None:
            self.stop.set()
            await self.task
        self.stop = self.task = None

    @asynccontextmanager
    async def db(self) -> AsyncIterator[psycopg.AsyncConnection]:
        """A connection to ingest's schema (autocommit)."""
        async with await psycopg.AsyncConnection.connect(self.stack.settings.database_url, autocommit=True) as conn:
            await conn.execute(
                sql.SQL("SET search_path TO {}").format(sql.Identifier(self.stack.settings.schema("ingest")))
            )
            yield conn

    async def claim_row(self, workspace_id: str, run_hash: str) -> tuple[str, int | None] | None:
        async with self.db() as conn:
            cur = await conn.execute(
                "SELECT run_id, logged_seq FROM claims WHERE workspace_id = %s AND run_hash = %s",
                (workspace_id, run_hash),
            )
            row = await cur.fetchone()
        return None if row is None else (row[0], row[1])

    async def projection_state(self) -> tuple[int, object]:
        """The claims projection's position: its checkpoint and ``claims_position``."""
        async with self.db() as conn:
            seq = await (await conn.execute("SELECT seq FROM _checkpoint WHERE id = 1")).fetchone()
            newest = await (await conn.execute("SELECT newest_event_at FROM claims_position")).fetchone()
        return (int(seq[0]) if seq else 0), (newest[0] if newest else None)

    async def lose_claim(self, workspace_id: str, run_hash: str, before: tuple[int, object]) -> int:
        """The state a lost ``synchronous_commit = off`` commit leaves (ingest stopped): the claim is
        gone, and so is the claims projection's record of its event, which is in the log (PostgreSQL
        loses a suffix of its WAL, and the claim's commit came before the projection's): the
        projection is back at ``before``, its position before the claim. Returns the event's seq."""
        row = await self.claim_row(workspace_id, run_hash)
        assert row is not None and row[1] is not None, "the claim must be logged before it is lost"
        async with self.db() as conn:
            await conn.execute("DELETE FROM claims WHERE workspace_id = %s AND run_hash = %s", (workspace_id, run_hash))
            await conn.execute("UPDATE _checkpoint SET seq = %s WHERE id = 1", (before[0],))
            await conn.execute("DELETE FROM claims_position")
            if before[1] is not None:
                await conn.execute("INSERT INTO claims_position (id, newest_event_at) VALUES (1, %s)", (before[1],))
        return row[1]

    @asynccontextmanager
    async def projection_held(self) -> AsyncIterator[None]:
        """Hold the claims projection back: its next batch waits for the checkpoint row, locked here
        (claims read the checkpoint without locking it)."""
        async with self.db() as conn, conn.transaction():
            await conn.execute("SELECT seq FROM _checkpoint WHERE id = 1 FOR UPDATE")
            yield


@asynccontextmanager
async def harness(infra: Infra, dedup_window_s: float = 120.0) -> AsyncIterator[IngestHarness]:
    """Provenance and the gateway in a stack of their own (a fresh namespace, so its own run log with
    this de-duplication window), and ingest started apart."""
    settings = infra.settings(port=free_port(), dedup_window_s=dedup_window_s)
    async for stack in stack_context(infra, services=("provenance", "gateway"), settings=settings):
        h = IngestHarness(stack, infra)
        await h.start_ingest()
        try:
            yield h
        finally:
            await h.stop_ingest()
