"""The projection runner: the run log into a service's read model, exactly once and in order.

Guarantees:

* **exactly-once effect**: a fetched batch is applied in one PostgreSQL transaction together
  with the checkpoint (the stream sequence of its last event); the batch is acked only after
  the commit. A crash anywhere re-delivers events whose sequence is at or below the stored
  checkpoint, and those are skipped, so nothing is lost or applied twice;
* **nothing skipped**: the consumer numbers its deliveries; a gap (deliveries lost on the way,
  e.g. with the NATS node the process was connected to) restarts the consumer from the
  checkpoint instead of applying past the lost events;
* **in order, one writer**: one durable pull consumer per service (events only: whole
  documents between them are not delivered, see ``qlcore.runlog``), consumed by the single
  instance that leads (``qlcore.projection.leadership``); other instances stand by and serve
  queries;
* **no swallowed error**: a batch that fails is re-applied one event at a time; an event that
  still fails after ``max_attempts`` is dead-lettered (``qlcore.projection.dead_letters``).
  Connection errors are retried without limit: an outage stalls the projection (leader or
  standby), never skips an event and never kills the service;
* events the projection does not handle (or does not know) still advance the checkpoint.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog
from nats import errors as nats_errors
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from psycopg_pool import AsyncConnectionPool

from qlcore import db, runlog
from qlcore.bus import HDR_TYPE, HDR_VERSION, Bus
from qlcore.errors import Unavailable
from qlcore.events.envelope import Event
from qlcore.events.ops import DeadLetterSkipped
from qlcore.events.registry import TYPE_NAMES, UnknownEvent, decode_event
from qlcore.projection.dead_letters import DeadLetters
from qlcore.projection.leadership import Leadership
from qlcore.projection.protocol import Projection

__all__ = ["TRANSIENT", "ProjectionRunner", "ReplayResult", "RunnerStatus"]

log = structlog.get_logger("qlcore.projection")


@dataclass(frozen=True)
class ReplayResult:
    events: int  # events the projection was given (documents between them are not events)
    seconds: float
    position: int
    digest: str


@dataclass(frozen=True)
class RunnerStatus:
    leader: bool
    position: int
    dead_letters: int


class ProjectionRunner:
    def __init__(
        self,
        bus: Bus,
        pool: AsyncConnectionPool,
        projection: Projection,
        *,
        batch: int = 256,
        max_attempts: int = 5,
        retry_base: float = 0.05,
        linger: float | None = None,
    ) -> None:
        self.bus, self.pool, self.p = bus, pool, projection
        self.batch, self.max_attempts, self.retry_base = batch, max_attempts, retry_base
        self.linger = bus.settings.projection_linger_ms / 1000 if linger is None else linger
        s = bus.settings
        self.schema = s.schema(projection.service)
        self.durable = self.schema
        self.leadership = Leadership(s.database_url, self.schema)
        self.dead_letters = DeadLetters(bus, pool, projection.service)
        self.position = 0
        self.skipped: set[int] = set()  # sequences operators decided to skip (ops.dead_letter_skipped)
        self._cond = asyncio.Condition()
        self._lock = asyncio.Lock()  # held while a batch is applied; replay takes it to pause
        self._psub: Any = None
        self._delivered = 0  # the consumer sequence of the last message this subscription fetched
        self.events_seen = 0  # events passed through this runner's batches (for replay figures)
        self._waiters = 0  # callers in wait_for: read-your-writes skips the linger
        bind = getattr(projection, "bind", None)
        if bind is not None:
            bind(bus)

    @property
    def leader(self) -> bool:
        """Whether this instance applies the log (holds the service's leadership)."""
        return self.leadership.held

    # ---- lifecycle -------------------------------------------------------------------
    async def setup(self) -> None:
        """Create the read model's tables and meta tables (idempotent); once, before :meth:`run`."""
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.schema + ":ddl",))
            await conn.execute(db.META_DDL)
            await conn.execute(self.p.ddl)  # type: ignore[arg-type]
        self.position = await self._stored_checkpoint()
        self.skipped = await self.dead_letters.skip_decisions()

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set: lead (or stand by), then apply batches in order.

        Every outage (PostgreSQL or NATS), whether it hits a standby trying to lead or the leader
        applying, stalls the loop for a second and is tried again: it never ends the service.
        """
        try:
            while not stop.is_set():
                try:
                    if not await self._lead():
                        await _wait(stop, 1.0)
                        continue
                    await self._step()
                except OutOfOrder as exc:
                    log.warning("projection.resubscribe", service=self.p.service, reason=str(exc))
                    await self._drop_subscription()
                except _STALLS as exc:
                    log.warning("projection.stalled", service=self.p.service, error=repr(exc))
                    await self._drop_subscription()
                    await _wait(stop, 1.0)
        finally:
            await self._release()

    async def _lead(self) -> bool:
        """Whether this instance leads now: re-checks a held leadership, tries to take a free one."""
        if self.leadership.held:
            if await self.leadership.still_held():
                return True
            await self._drop_subscription()  # lost: another instance may lead now
            return False
        if not await self.leadership.try_acquire():
            return False
        self.position = await self._stored_checkpoint()
        log.info("projection.leader", service=self.p.service, position=self.position)
        return True

    async def _step(self) -> None:
        # fetch and apply under one lock: a replay (which drops and recreates the subscription)
        # waits for the batch in hand instead of pulling the subscription from under it
        async with self._lock:
            if self._psub is None:
                await self._subscribe()
            try:
                msgs = await self._psub.fetch(self.batch, timeout=0.5)
            except TimeoutError:
                return
            msgs = await self._linger(msgs)
            self._check_contiguous(msgs)
            try:
                await self._apply_batch(msgs)
            except BaseException:
                await self._hand_back(msgs)
                raise

    def _check_contiguous(self, msgs: list[Msg]) -> None:
        """Every delivery of this subscription's consumer reached us, in order.

        The consumer numbers its deliveries 1, 2, 3… (redeliveries too). A delivery lost on its way
        (the NATS node the process is connected to dies with messages in flight, the client drops
        messages as a slow consumer, the consumer's leader moves) leaves a hole: the server counts
        those events as delivered and goes on with the next ones, which sit *after* the lost
        events in the log. Applied, they would move the checkpoint past events never applied, and
        their ack (``AckPolicy.ALL``) would acknowledge the lost ones for good: the read model
        would silently miss them. So a hole, or a number going back (a new consumer leader that
        had not heard of the last deliveries), drops the subscription and the consumer starts
        again from the checkpoint, as NATS's own ordered consumers do.
        """
        for m in msgs:
            delivered = m.metadata.sequence.consumer
            if delivered != self._delivered + 1:
                expected, self._delivered = self._delivered + 1, 0
                raise OutOfOrder(
                    f"delivery {delivered} of the consumer after {expected - 1}: "
                    f"deliveries were lost on the way (stream sequence {m.metadata.sequence.stream})"
                )
            self._delivered = delivered

    async def _hand_back(self, msgs: list[Msg]) -> None:
        """Nak a batch that was not applied, so it comes back at once instead of after ``ack_wait``
        (best effort: the consumer is recreated from the checkpoint anyway)."""
        for m in msgs:
            try:
                await m.nak()
            except nats_errors.Error as exc:  # the connection is gone: the rest would fail alike
                log.warning("projection.nak_failed", service=self.p.service, error=repr(exc))
                return

    async def _linger(self, msgs: list[Msg]) -> list[Msg]:
        """Under a trickle of events, wait ``linger`` seconds for more before applying (not when a caller
        waits for its own write to be applied).

        Each batch costs a transaction (checkpoint read and write, commit) and a round of acks;
        at ~100 events/s fetches return one or two events, and that fixed cost dominates. A
        short linger trades a few milliseconds of visibility for batches several times larger.
        """
        if self.linger <= 0 or len(msgs) >= self.batch or self._waiters:
            return msgs  # a full batch, or a caller waiting to read its own write (wait_for): no linger
        # one sleep and one more pull, not a loop of pulls: every pull request (a no-wait probe and
        # a lingering request) costs the server and every consumer, and 7 consumers linger at once
        await asyncio.sleep(self.linger)
        try:  # what has arrived meanwhile; a short timeout: with nothing there, a fetch waits all of it
            msgs += await self._psub.fetch(self.batch - len(msgs), timeout=0.005)
        except TimeoutError:
            pass
        return msgs

    async def _drop_subscription(self) -> None:
        if self._psub is not None:
            try:
                await self._psub.unsubscribe()  # type: ignore[attr-defined]
            except nats_errors.Error as exc:  # the connection may already be closed (outage, shutdown)
                log.info("projection.unsubscribe_failed", service=self.p.service, error=repr(exc))
            self._psub = None

    async def _release(self) -> None:
        await self._drop_subscription()
        await self.leadership.release()

    async def _subscribe(self) -> None:
        """(Re)create the durable consumer at the stored checkpoint + 1 and bind to it.

        The checkpoint in PostgreSQL is the truth, not the consumer's server-side state: after a
        crash, messages delivered to the dead process would only come back after ``ack_wait``,
        out of order. Recreating the consumer from the checkpoint restores strict order.
        """
        js, stream = self.bus.js, self.bus.settings.stream
        checkpoint = await self._stored_checkpoint()
        async with self._cond:
            # PostgreSQL may have lost its last commits (synchronous_commit=off, decision 0003): the
            # stored checkpoint is the truth, so read-your-writes waits never trust a higher position
            self.position = checkpoint
        try:
            await js.delete_consumer(stream, self.durable)
        except NotFoundError:
            pass
        await js.add_consumer(stream, self._consumer_config(checkpoint + 1))
        self._psub = await js.pull_subscribe_bind(self.durable, stream)
        self._delivered = 0  # a new consumer numbers its deliveries from 1

    def _consumer_config(self, start: int) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if start > 1 else DeliverPolicy.ALL,
            opt_start_seq=start if start > 1 else None,
            ack_policy=AckPolicy.ALL,
            ack_wait=60,
            max_ack_pending=50_000,
            filter_subject=f"{self.bus.settings.log_subject_prefix}.>",
        )

    # ---- applying ------------------------------------------------------------------
    async def _apply_batch(self, msgs: list[Msg]) -> None:
        if not msgs:
            return
        try:
            async with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                last = await self._apply_msgs(cur, msgs)
        except _RESUBSCRIBE:
            raise  # an outage or out of order: the run loop re-subscribes from the checkpoint
        except Exception as exc:
            log.warning("projection.batch_failed", service=self.p.service, error=repr(exc), size=len(msgs))
            for m in msgs:
                await self._apply_one_with_retries(m)
            last = msgs[-1].metadata.sequence.stream
        await msgs[-1].ack()  # AckPolicy.ALL: acks the whole batch
        await self._advance(last)

    async def _apply_msgs(self, cur: psycopg.AsyncCursor, msgs: list[Msg]) -> int:
        await cur.execute("SELECT seq FROM _checkpoint WHERE id = 1 FOR UPDATE")
        row = await cur.fetchone()
        checkpoint = int(row[0]) if row else 0
        last = checkpoint
        apply_batch = getattr(self.p, "apply_batch", None)
        pending: list[tuple[Event, int]] = []
        for m in msgs:
            seq = m.metadata.sequence.stream
            if seq <= checkpoint:
                continue  # already applied before a crash or redelivery
            # never apply out of order: the consumer was created at checkpoint + 1, so in order means
            # increasing sequences, each delivered for the first time. A redelivery (after ack_wait,
            # e.g. to a process that stalled) may come after later events: start again from the
            # checkpoint. Sequences are not contiguous: documents sit between events (qlcore.runlog).
            if seq <= last or m.metadata.num_delivered > 1:
                raise OutOfOrder(f"sequence {seq} after {last} (delivery {m.metadata.num_delivered})")
            if seq in self.skipped:
                log.warning("projection.skipped", service=self.p.service, seq=seq, why="an operator's decision")
                last = seq
                continue
            if (m.headers or {}).get(HDR_TYPE) == _SKIP_TYPE:
                await self._apply_skip(cur, m)
                last = seq
                continue
            event = self._decode(m)
            if event is not None and apply_batch is not None:
                pending.append((event, seq))
            elif event is not None:
                structlog.contextvars.bind_contextvars(event_id=event.event_id, run_id=getattr(event, "run_id", None))
                try:
                    await self.p.apply(cur, event, seq)
                finally:
                    structlog.contextvars.unbind_contextvars("event_id", "run_id")
            last = seq
        if pending:
            await apply_batch(cur, pending)  # type: ignore[misc]
        if last > checkpoint:
            await cur.execute("UPDATE _checkpoint SET seq = %s WHERE id = 1", (last,))
            self._log_applied(msgs, checkpoint, last)
            self.events_seen += sum(1 for m in msgs if m.metadata.sequence.stream > checkpoint)
        return last

    async def _apply_skip(self, cur: psycopg.AsyncCursor, m: Msg) -> None:
        """An operator skipped one of this service's dead letters: drop it, remember the decision."""
        event = decode_event(m.data, _SKIP_TYPE)
        if isinstance(event, DeadLetterSkipped) and event.service == self.p.service:
            await DeadLetters.resolve(cur, event.seq)
            self.skipped.add(event.seq)
            log.warning(
                "projection.dead_letter_skipped",
                service=self.p.service,
                seq=event.seq,
                operator=event.actor,
                reason=event.reason,
            )

    async def retry_dead_letter(self, seq: int) -> None:
        """Apply the dead-lettered event at ``seq`` now (after a fix) and drop its dead letter, in one
        transaction; an error is raised to the caller and the dead letter stays."""
        if not self.leader:
            raise RuntimeError("a dead letter is retried on the projection leader")
        if await self.dead_letters.get(seq) is None:
            raise LookupError(f"no dead letter at sequence {seq}")
        event = await runlog.event_at(self.bus, seq)
        async with self._lock, self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            apply_batch = getattr(self.p, "apply_batch", None)
            if apply_batch is not None:
                await apply_batch(cur, [(event, seq)])
            else:
                await self.p.apply(cur, event, seq)
            await DeadLetters.resolve(cur, seq)
        log.warning("projection.dead_letter_retried", service=self.p.service, seq=seq, event_type=event.type)

    def _log_applied(self, msgs: list[Msg], checkpoint: int, last: int) -> None:
        """One line a batch; with the run ids and correlation (request) ids of small batches, so one run
        can be followed from its HTTP request into every read model."""
        fresh = [m for m in msgs if m.metadata.sequence.stream > checkpoint]
        details: dict[str, object] = {}
        if len(fresh) <= 20:
            details["event_ids"] = [(m.headers or {}).get("Ql-Event-Id") for m in fresh]
            details["run_ids"] = [r for m in fresh if (r := (m.headers or {}).get("Ql-Run-Id"))]
            details["correlation_ids"] = [c for m in fresh if (c := (m.headers or {}).get("Ql-Correlation-Id"))]
        log.info(
            "projection.applied",
            service=self.p.service,
            from_seq=checkpoint + 1,
            to_seq=last,
            events=len(fresh),
            **details,
        )

    def _decode(self, m: Msg) -> Event | None:
        h = m.headers or {}
        type_name = h.get(HDR_TYPE)
        handles = self.p.handles
        if type_name is None or type_name not in TYPE_NAMES or (handles is not None and type_name not in handles):
            return None
        try:
            return decode_event(m.data, type_name, int(h.get(HDR_VERSION, "1")))
        except UnknownEvent:
            return None

    async def _apply_one_with_retries(self, m: Msg) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                    await self._apply_msgs(cur, [m])
                return
            except TRANSIENT as exc:  # PostgreSQL or NATS (a projection reading the log back) is down
                log.warning("projection.unavailable", service=self.p.service, error=repr(exc))
                await asyncio.sleep(min(5.0, self.retry_base * 2 ** min(attempt, 6)))
                attempt -= 1  # an outage is not the event's fault
            except Exception as exc:
                if attempt >= self.max_attempts:
                    await self.dead_letters.record(m, exc, attempt)
                    return
                await asyncio.sleep(self.retry_base * 2**attempt)

    async def _advance(self, seq: int) -> None:
        async with self._cond:
            self.position = max(self.position, seq)
            self._cond.notify_all()

    async def _stored_checkpoint(self) -> int:
        async with self.pool.connection() as conn:
            row = await (await conn.execute("SELECT seq FROM _checkpoint WHERE id = 1")).fetchone()
        return int(row[0]) if row else 0

    # ---- queries used by ops and tests ------------------------------------------------
    async def wait_for(self, seq: int, timeout: float = 10.0) -> int:
        """Wait until the read model has applied ``seq`` (in this process); returns the position."""
        self._waiters += 1
        try:
            async with self._cond:
                await asyncio.wait_for(self._cond.wait_for(lambda: self.position >= seq), timeout)
        finally:
            self._waiters -= 1
        return self.position

    async def wait_moved(self, seen: int, timeout: float) -> int:
        """Wait until the position is no longer ``seen`` (a batch applied, or a replay begun), at
        most ``timeout`` seconds; returns the position. For work that follows the read model (a
        task of the service): unlike :meth:`wait_for`, it does not hurry the runner's batches."""
        try:
            async with self._cond:
                await asyncio.wait_for(self._cond.wait_for(lambda: self.position != seen), timeout)
        except TimeoutError:
            pass
        return self.position

    async def stored_position(self) -> int:
        return await self._stored_checkpoint()

    async def digest(self) -> str:
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return await db.digest_tables(conn, self.p.tables)

    async def status(self) -> RunnerStatus:
        return RunnerStatus(self.leader, await self._stored_checkpoint(), await self.dead_letters.count())

    async def replay(self, timeout: float = 600.0) -> ReplayResult:
        """Rebuild the read model from sequence 1 and wait until it has caught up."""
        if not self.leader:
            raise RuntimeError("replay must run on the projection leader")
        t0 = time.perf_counter()
        async with self._lock:
            if self._psub is not None:
                await self._psub.unsubscribe()  # type: ignore[attr-defined]
                self._psub = None
            try:
                await self.bus.js.delete_consumer(self.bus.settings.stream, self.durable)
            except NotFoundError:
                pass
            async with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                await db.reset_tables(cur, [t for t, _ in self.p.tables])
                await cur.execute(self.p.ddl)  # type: ignore[arg-type]  # restores rows the DDL seeds
            async with self._cond:
                self.position = 0
            self.skipped = await self.dead_letters.skip_decisions()
            seen_before = self.events_seen
            target = await self.bus.last_event_seq()
            await self._subscribe()
        log.info("projection.replay_started", service=self.p.service, target=target)
        await self.wait_for(target, timeout)
        seconds = time.perf_counter() - t0
        events = self.events_seen - seen_before
        log.info("projection.replayed", service=self.p.service, events=events, seconds=round(seconds, 3))
        return ReplayResult(events, seconds, self.position, await self.digest())


# an outage stalls the projection (retried without limit), never dead-letters an event
TRANSIENT: tuple[type[BaseException], ...] = (psycopg.OperationalError, nats_errors.Error, Unavailable)


_SKIP_TYPE = str(DeadLetterSkipped.__struct_config__.tag)


class OutOfOrder(Exception):
    """A fetched event is not the next one after the checkpoint."""


_STALLS: tuple[type[BaseException], ...] = (*TRANSIENT, OSError)
_RESUBSCRIBE: tuple[type[BaseException], ...] = (*TRANSIENT, OutOfOrder)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass
