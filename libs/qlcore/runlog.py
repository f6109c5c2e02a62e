"""Reading events back from the run log by stream sequence.

Read models keep the columns their queries filter and sort on, plus the sequence of the event
they came from; a document is read back from the log when a query returns it, instead of being
copied into three read models (provenance, card, reproduce). The log is the source of truth
anyway, and a copy in PostgreSQL (78 KB a run, TOASTed in ~40 chunks) cost more CPU than the
rest of the projection: see ``docs/decisions/0007-documents-read-from-the-log.md``.

The whole document is its own log entry and ``run.ingested`` carries its head and the
document's sequence (decision 0008): :func:`document_at` follows that pointer (two gets);
a read model that kept ``document_seq`` uses :func:`document_entry` (one get).

Gets are JetStream *direct gets* (``allow_direct`` on the stream): any replica answers, without
a round trip through the stream leader's API; a replica's "not found" is asked of the leader again
(a replica may lag behind the log, the leader does not).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import nats.errors
import structlog
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError

from qlcore.bus import HDR_RUN_HASH, HDR_TYPE, HDR_VERSION, Bus
from qlcore.errors import QLError, Unavailable
from qlcore.events.envelope import Event
from qlcore.events.registry import decode_event
from qlcore.events.runs import RunIngested

__all__ = ["LogInconsistent", "document_at", "document_entry", "document_of", "documents_at", "event_at"]

log = structlog.get_logger("qlcore.runlog")


class LogInconsistent(QLError):
    """A read model points at a log entry that is missing or is not what it recorded."""

    status = 500
    slug = "log-inconsistent"
    title = "Read model and run log disagree"


async def _get(bus: Bus, seq: int) -> RawStreamMsg:
    """The entry at ``seq``: a direct get, and the leader's get when a replica says it has none.

    An entry never changes once stored, so whatever replica answers with one answers right; but a
    replica that has not caught up (a node restarted after a crash, still replaying the leader's
    log) answers "not found" for an entry the log has, acknowledged and readable everywhere else.
    The stream leader has every committed entry: its "not found" is the truth.
    """
    stream = bus.settings.stream
    try:
        try:
            return await bus.js.get_msg(stream, seq=seq, direct=True)
        except NotFoundError:
            log.info("runlog.replica_behind", seq=seq)  # asked of the leader instead
            return await bus.js.get_msg(stream, seq=seq)
    except NotFoundError as exc:
        raise LogInconsistent(f"nothing at sequence {seq} of the run log") from exc
    except (nats.errors.TimeoutError, nats.errors.NoRespondersError) as exc:
        raise Unavailable("the run log did not answer") from exc


async def event_at(bus: Bus, seq: int) -> Event:
    """The event stored at ``seq`` in the run log (upcast to the current version)."""
    msg = await _get(bus, seq)
    h = msg.headers or {}
    if HDR_TYPE not in h:
        raise LogInconsistent(f"the log entry at sequence {seq} is not an event")
    return decode_event(msg.data or b"", h.get(HDR_TYPE), int(h.get(HDR_VERSION, "1")))


async def document_at(bus: Bus, seq: int, run_id: str) -> bytes:
    """The whole canonical document (without ``run_hash``) of run ``run_id``, whose event is at ``seq``."""
    event = await event_at(bus, seq)
    if not isinstance(event, RunIngested) or event.run_id != run_id:
        raise LogInconsistent(f"the event at sequence {seq} is not the ingest of run {run_id}")
    return await document_of(bus, event)


async def document_of(bus: Bus, event: RunIngested) -> bytes:
    """The whole canonical document of a ``run.ingested`` event (the entry at its ``document_seq``)."""
    return await document_entry(bus, event.document_seq, event.run_hash)


async def document_entry(bus: Bus, seq: int, run_hash: str) -> bytes:
    """The whole document stored at ``seq`` (a ``RunIngested.document_seq``), checked to be ``run_hash``'s.

    One get, for a read model that kept ``document_seq`` beside the event's sequence.
    """
    msg = await _get(bus, seq)
    h = msg.headers or {}
    if msg.subject != bus.settings.document_subject or h.get(HDR_RUN_HASH) != run_hash:
        raise LogInconsistent(f"the log entry at sequence {seq} is not the document {run_hash}")
    return msg.data or b""


async def documents_at(bus: Bus, refs: Sequence[tuple[int, str]]) -> dict[str, bytes]:
    """Several documents at once, ``{run_id: bytes}`` for ``(seq, run_id)`` pairs (gets in parallel)."""
    bodies = await asyncio.gather(*(document_at(bus, seq, run_id) for seq, run_id in refs))
    return {run_id: body for (_, run_id), body in zip(refs, bodies, strict=True)}
