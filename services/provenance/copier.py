"""Task: copy each run's document from the run log into the ``documents`` table, after the fact.

``GET /runs/{id}`` of a random old run read from the log costs nats-server a load of the 8 MB
file-store block that holds it (11 ms of CPU, p99 54 ms at a million runs); one row of PostgreSQL
costs ~1 ms (decision 0025). The copy is made here, behind the projection, and not inside it:

* a run is listed and readable as soon as its row is applied (the read falls back to the log
  until its document is copied), so the copy adds nothing to the time from ingest to read;
* a replay of the read model does not copy 1,000,000 documents again: the table is not one of the
  projection's, a document never changes, and the copier skips what is there.

Only the projection leader copies (one writer; a second one would only do the work twice, harmlessly:
inserts of a run already copied do nothing). Each document is checked against its ``run_hash``
before it is stored, and again when it is served (``services.provenance.handlers``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import structlog
from qlcore import runlog
from qlcore.projection import TRANSIENT
from qlcore.runlog import LogInconsistent
from qlprov.hashing import digest_hex

from services.provenance import store

if TYPE_CHECKING:
    from services.provenance.bootstrap import Deps

__all__ = ["BATCH", "copier_status", "copy_documents", "copy_once"]

log = structlog.get_logger("provenance.copier")

BATCH = 64  # documents fetched from the log at once (in parallel) and stored in one transaction
RECHECK_S = 10.0  # an idle copier looks at its table again this often (two index lookups)
_DEFERRED: tuple[type[BaseException], ...] = (*TRANSIENT, OSError)  # outages: tried again in a second


async def copy_once(deps: Deps, limit: int = BATCH) -> int:
    """Copy the next ``limit`` documents not copied yet; returns how many it found to copy.

    The position moves to the last run looked at, or to the read model's end when fewer than
    ``limit`` are left: runs are applied in log order, so every run up to the end read first is
    visible to the query that follows. A replay refills the read model below the position and
    the copier follows it up, finding every document there already (nothing is fetched again)."""
    rt = deps.rt
    async with rt.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        after, end = await store.copied_position(cur)
        todo = await store.to_copy(cur, after, limit)
        position = todo[-1].seq if len(todo) == limit else max(end, todo[-1].seq if todo else 0)
        if todo:
            await store.insert_documents(cur, await _fetch(deps, todo))
        if todo or position != after:
            await store.move_copier(cur, position)
    return len(todo)


async def _fetch(deps: Deps, todo: list[store.ToCopy]) -> list[tuple[str, str, bytes]]:
    """The documents of ``todo`` from the log, checked and packed: ``(run_id, run_hash, packed)``."""
    got = await asyncio.gather(
        *(runlog.document_entry(deps.rt.bus, t.document_seq, t.run_hash) for t in todo), return_exceptions=True
    )
    rows: list[tuple[str, str, bytes]] = []
    for t, body in zip(todo, got, strict=True):
        if isinstance(body, BaseException) and not isinstance(body, LogInconsistent):
            raise body  # an outage: the batch is tried again
        if isinstance(body, LogInconsistent) or digest_hex(body) != t.run_hash:
            # the log has no such document (a log replaced under the read model): nothing to copy;
            # a read of this run meets the same inconsistency in the log and says so
            log.error("provenance.document_not_copied", run_id=t.run_id, document_seq=t.document_seq)
            continue
        rows.append((t.run_id, t.run_hash, store.pack_document(body)))
    return rows


async def copy_documents(deps: Deps) -> None:
    """Task: on the projection leader, copy whatever the read model holds and the table does not;
    asleep until the projection applies something (or a second passes: leadership may change)."""
    runner = deps.rt.runner
    if runner is None:
        return
    loop = asyncio.get_running_loop()
    seen = -1  # the projection position the copier last caught up with
    looked = 0.0  # when it last looked (it looks again every RECHECK_S: an operator may reset it)
    while not deps.rt.stop.is_set():
        if not runner.leader or (runner.position == seen and loop.time() - looked < RECHECK_S):
            await runner.wait_moved(runner.position if not runner.leader else seen, 1.0)
            continue
        position, looked = runner.position, loop.time()
        try:
            if await copy_once(deps) < BATCH:
                seen = position  # caught up with everything applied when it looked
            continue
        except _DEFERRED as exc:  # PostgreSQL or NATS is down: the projection stalls too
            log.warning("provenance.copy_deferred", error=repr(exc))
            pause = 1.0
        except Exception:  # a bug: said loudly and tried again later; reads go to the log meanwhile
            log.exception("provenance.copy_failed")
            pause = 5.0
        try:
            await asyncio.wait_for(deps.rt.stop.wait(), pause)
        except TimeoutError:
            pass


async def copier_status(deps: Deps) -> dict[str, Any]:
    """The copier's figures in ``ops.status`` (``ql ops status provenance``): the sequence of the last
    run it went through, and how many runs it has still to go through (their reads go to the log)."""
    position, behind = await store.copier_behind(deps.rt.statements)
    return {"documents": {"copied_through_seq": position, "runs_behind": behind}}
