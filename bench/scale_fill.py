"""Bulk fill of a stack's run log: the entries ingest writes for a new run, appended in batches.

Streaming 1,000,000 bundles through ``POST /ingest/runs:stream`` would take about an hour at
~400/s; the part of that path that depends on the size of the store (the claims index, the read
models) is what this benchmark measures, and it sees the same entries either way. So for each
run :func:`append_runs` appends exactly what ``services.ingest.handlers`` appends (decision
0008): the whole document on ``{ns}.doc.run`` with ``Ql-Run-Id``/``Ql-Run-Hash`` and
``Nats-Msg-Id = {ws}:{run_hash}:doc``, then ``run.ingested`` (head + ``document_seq``) with the
headers of ``Bus.append`` and ``Nats-Msg-Id = {ws}:{run_hash}``; a run id is a new ULID like a
claim's. Only the claim itself is not taken first: ingest's claims projection writes it from the
event, as it does on a replay. :func:`check_headers` compares the headers with an event that
went through ingest. Appends go ``publish_async`` in chunks: a chunk of documents, their acks
(the sequences the events point at), then the chunk's events.

:func:`wait_caught_up` times every read model until it has applied the whole log.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec
from nats.aio.client import Client as NATS
from qlcore import rpc
from qlcore.bus import HDR_RUN_HASH, HDR_RUN_ID, HDR_TYPE, HDR_VERSION, HDR_WORKSPACE, Bus
from qlcore.events import RunIngested, utcnow
from qlcore.events.registry import encode_event
from ulid import ULID

from bench.scale_runs import SmallRun

__all__ = ["Filled", "append_runs", "check_headers", "event_headers", "wait_caught_up"]

CHUNK = 2000  # runs a chunk: 2,000 documents in flight, then 2,000 events (publish_async allows 4,000)


@dataclass
class Filled:
    runs: int = 0
    seconds: float = 0.0
    document_bytes: int = 0  # payloads appended (documents, events), without headers
    event_bytes: int = 0
    last_seq: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "seconds": round(self.seconds, 1),
            "runs_per_s": round(self.runs / self.seconds, 1) if self.seconds else None,
            "mean_document_bytes": round(self.document_bytes / self.runs) if self.runs else None,
            "mean_event_bytes": round(self.event_bytes / self.runs) if self.runs else None,
        }


def event_headers(event: RunIngested, msg_id: str) -> dict[str, str]:
    """``Bus.append``'s headers for ``event``."""
    return {
        HDR_TYPE: event.type,
        HDR_VERSION: str(event.schema_version),
        "Ql-Event-Id": event.event_id,
        "Ql-Correlation-Id": event.correlation_id,
        HDR_WORKSPACE: str(event.workspace_id),
        HDR_RUN_ID: event.run_id,
        "Nats-Msg-Id": msg_id,
    }


async def append_runs(bus: Bus, runs: Iterable[SmallRun], *, workspace_id: str, actor: str) -> Filled:
    """Append each run's document and ``run.ingested``; returns counts and the time it took."""
    out = Filled()
    js, s = bus.js, bus.settings
    t0 = time.perf_counter()
    chunk: list[SmallRun] = []

    async def flush() -> None:
        ids = [str(ULID()) for _ in chunk]
        docs = [
            await js.publish_async(
                s.document_subject,
                r.body,
                stream=s.stream,
                headers={HDR_RUN_ID: rid, HDR_RUN_HASH: r.run_hash, "Nats-Msg-Id": f"{workspace_id}:{r.run_hash}:doc"},
            )
            for r, rid in zip(chunk, ids, strict=True)
        ]
        acks = [await f for f in docs]
        if any(a.duplicate for a in acks):
            raise RuntimeError("a bulk document was a duplicate: run indices overlap an earlier fill")
        events = [
            RunIngested.new(
                actor=actor,
                workspace_id=workspace_id,
                run_id=rid,
                run_hash=r.run_hash,
                head=msgspec.Raw(r.head),
                received_at=utcnow(),
                document_seq=a.seq,
            )
            for r, rid, a in zip(chunk, ids, acks, strict=True)
        ]
        pending = []
        for e in events:
            data = encode_event(e)
            out.event_bytes += len(data)
            h = event_headers(e, f"{workspace_id}:{e.run_hash}")
            pending.append(await js.publish_async(bus.subject_for(e), data, stream=s.stream, headers=h))
        for f in pending:
            ack = await f
            if ack.duplicate:
                raise RuntimeError("a bulk run.ingested was a duplicate")
            out.last_seq = max(out.last_seq, ack.seq)
        out.runs += len(chunk)
        out.document_bytes += sum(len(r.body) for r in chunk)
        chunk.clear()

    for r in runs:
        chunk.append(r)
        if len(chunk) >= CHUNK:
            await flush()
    if chunk:
        await flush()
    out.seconds = time.perf_counter() - t0
    return out


async def check_headers(bus: Bus, ingested_seq: int) -> None:
    """The bulk entries carry the same headers as those of a run ingested over HTTP at ``ingested_seq``."""
    event = await bus.js.get_msg(bus.settings.stream, seq=ingested_seq, direct=True)
    document_seq = int(msgspec.json.decode(event.data or b"{}")["document_seq"])
    doc = await bus.js.get_msg(bus.settings.stream, seq=document_seq, direct=True)
    probe = RunIngested.new(
        actor="x", workspace_id="w", run_id="r", run_hash="h", head=msgspec.Raw(b"{}"), received_at="", document_seq=1
    )
    ours = set(event_headers(probe, "m"))
    theirs, doc_theirs = _stored_headers(event.headers), _stored_headers(doc.headers)
    if ours != theirs:
        raise RuntimeError(f"bulk event headers {sorted(ours)} differ from ingest's {sorted(theirs)}")
    if doc_theirs != {HDR_RUN_ID, HDR_RUN_HASH, "Nats-Msg-Id"}:
        raise RuntimeError(f"ingest's document headers changed: {sorted(doc_theirs)}")


def _stored_headers(headers: dict[str, str] | None) -> set[str]:
    """A message's header names as its publisher set them (a direct get adds ``Nats-Sequence``...)."""
    return {h for h in headers or {} if not h.startswith("Nats-") or h == "Nats-Msg-Id"}


async def wait_caught_up(
    nc: NATS, settings: Any, services: Iterable[str], t0: float, timeout: float = 4 * 3600
) -> dict[str, float]:
    """Poll every service's ``ops.status`` until its projection has applied the log's last event;
    the seconds from ``t0`` (a ``time.perf_counter``) at which each got there."""
    pending = set(services)
    done: dict[str, float] = {}
    async with asyncio.timeout(timeout):
        while pending:
            for name in sorted(pending):
                st = (await rpc.call(nc, settings, name, "ops.status", timeout=30)).json()
                if st.get("dead_letters"):
                    raise RuntimeError(f"{name} dead-lettered events during the fill: {st}")
                if st.get("lag", 1) == 0:
                    done[name] = round(time.perf_counter() - t0, 1)
                    pending.discard(name)
            if pending:
                await asyncio.sleep(0.5)
    return done
