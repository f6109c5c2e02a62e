"""The transparency log's tree, built from the run log: leaves appended in log order.

Each batch: decide, event by event in log order, which facts become leaves
(``services.tlog.domain.leaves``), with the state those decisions need (which workspaces opted
in, whose card a reproduction is for) updated as the batch goes; read the committed runs'
documents back from the run log; drop facts already logged; then append every leaf at once:
one read of the tree's right edge, the new stored hashes and entries written with COPY, the
new size. All of it in the runner's transaction with the checkpoint, so a replay from sequence 1
rebuilds the same tree, hash for hash (``ops.digest``), and the same roots.

Signing is not here: the projection never reads a key or a clock. The checkpoint task signs the
tree the projection built (``services.tlog.checkpointing``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import psycopg
import structlog
from qlcore import runlog
from qlcore.bus import Bus
from qlcore.events import Event, RunIngested
from qlcore.events.attestation import AttestationIssued, AttestationRevoked
from qlcore.events.cards import CardPublished, ReproductionSubmitted
from qlcore.events.transparency import WorkspaceLogOptedIn, WorkspaceLogOptedOut
from qlprov.tlog.entry import EntryKind, parse_entry

from services.tlog import store
from services.tlog.domain import Frontier, Leaf, LeafError, leaves

__all__ = ["TreeProjection"]

log = structlog.get_logger("tlog.projection")

HANDLES = frozenset(
    {
        "card.published",
        "card.reproduction_submitted",
        "attestation.issued",
        "attestation.revoked",
        "run.ingested",
        "workspace.log_opted_in",
        "workspace.log_opted_out",
    }
)
DOCUMENT_READS = 32
Planned = list[tuple[Leaf, int]]  # run documents read back from the log at once


@dataclass
class _Batch:
    """The decisions of one batch, in log order: leaves, and runs whose documents are still to read."""

    opted_in: set[str]
    owners: dict[str, str | None] = field(default_factory=dict)
    planned: list[tuple[Leaf | RunIngested, int]] = field(default_factory=list)
    issued: dict[str, Leaf] = field(default_factory=dict)


class TreeProjection:
    service: str = "tlog"
    ddl: str = store.DDL
    tables = store.TABLES
    handles: frozenset[str] | None = HANDLES

    def __init__(self) -> None:
        self._bus: Bus | None = None

    def bind(self, bus: Bus) -> None:
        """The run log, to read back the documents of the runs a workspace commits."""
        self._bus = bus

    async def apply(self, cur: psycopg.AsyncCursor[Any], event: Event, seq: int) -> None:
        await self.apply_batch(cur, [(event, seq)])

    async def apply_batch(self, cur: psycopg.AsyncCursor[Any], items: list[tuple[Event, int]]) -> None:
        batch = _Batch(await store.settings.opted_in(cur))
        for event, seq in items:
            await self._decide(cur, batch, event, seq)
        planned = await self._with_documents(batch.planned)
        await self._append(cur, await self._new_facts(cur, planned))

    async def _decide(self, cur: psycopg.AsyncCursor[Any], b: _Batch, event: Event, seq: int) -> None:
        ws = event.workspace_id or ""
        match event:
            case WorkspaceLogOptedIn():
                b.opted_in.add(ws)
                await store.settings.set_opt_in(cur, ws, True, event.occurred_at, seq)
            case WorkspaceLogOptedOut():
                b.opted_in.discard(ws)
                await store.settings.set_opt_in(cur, ws, False, event.occurred_at, seq)
            case CardPublished():
                if await self._owner(cur, b, event.concept_id) is None:
                    b.owners[event.concept_id] = ws
                    await store.settings.set_card_owner(cur, event.concept_id, ws)
                b.planned.append((leaves.card_leaf(event), seq))
            case ReproductionSubmitted():
                owner = await self._owner(cur, b, event.concept_id)
                if owner is None:
                    raise LeafError(f"reproduction {event.reproduction_id} of card {event.concept_id}, never published")
                if owner == ws:
                    log.info("tlog.not_independent", reproduction_id=event.reproduction_id, seq=seq)
                else:
                    b.planned.append((leaves.reproduction_leaf(event), seq))
            case AttestationIssued():
                leaf = leaves.attestation_leaf(event)
                b.issued[event.attestation_id] = leaf
                b.planned.append((leaf, seq))
            case AttestationRevoked():
                b.planned.append((await self._revocation(cur, b, event), seq))
            case RunIngested():
                if ws in b.opted_in:
                    b.planned.append((event, seq))
            case _:
                log.info("tlog.event_ignored", event_type=event.type, seq=seq)

    async def _owner(self, cur: psycopg.AsyncCursor[Any], b: _Batch, concept_id: str) -> str | None:
        if concept_id not in b.owners:
            b.owners[concept_id] = await store.settings.card_owner(cur, concept_id)
        return b.owners[concept_id]

    async def _revocation(self, cur: psycopg.AsyncCursor[Any], b: _Batch, e: AttestationRevoked) -> Leaf:
        issued = b.issued.get(e.attestation_id)
        data = (
            issued.data
            if issued
            else await store.entries.ref_entry(cur, EntryKind.ATTESTATION_ISSUED, e.attestation_id)
        )
        if data is None:
            raise LeafError(f"attestation {e.attestation_id} is revoked but was never issued")
        return leaves.revocation_leaf(e, parse_entry(data))

    async def _with_documents(self, planned: list[tuple[Leaf | RunIngested, int]]) -> list[tuple[Leaf, int]]:
        """Runs become leaves once their documents are read back from the log (bounded concurrency)."""
        runs = [p for p, _ in planned if isinstance(p, RunIngested)]
        if runs and self._bus is None:
            raise RuntimeError("the tlog projection reads run documents from the log: bind it to the bus")
        limit = asyncio.Semaphore(DOCUMENT_READS)

        async def read(e: RunIngested) -> bytes:
            assert self._bus is not None
            async with limit:
                return await runlog.document_of(self._bus, e)

        documents = await asyncio.gather(*(read(e) for e in runs))
        by_run = {e.run_id: d for e, d in zip(runs, documents, strict=True)}
        return [(leaves.run_leaf(p, by_run[p.run_id]) if isinstance(p, RunIngested) else p, s) for p, s in planned]

    async def _new_facts(
        self, cur: psycopg.AsyncCursor[Any], planned: list[tuple[Leaf, int]]
    ) -> list[tuple[Leaf, int]]:
        """Drop facts already logged (a card restored unchanged appends ``card.published`` again)."""
        known = await store.entries.known_refs(cur, [(leaf.kind.value, leaf.ref) for leaf, _ in planned])
        out = []
        for leaf, seq in planned:
            key = (leaf.kind.value, leaf.ref)
            if key in known:
                log.info("tlog.already_logged", kind=leaf.kind.value, ref=leaf.ref, seq=seq)
                continue
            known.add(key)
            out.append((leaf, seq))
        return out

    async def _append(self, cur: psycopg.AsyncCursor[Any], new: list[tuple[Leaf, int]]) -> None:
        if not new:
            return
        size = await store.tree.locked_size(cur)
        frontier = Frontier.of(size, await store.tree.read_hashes(cur, Frontier.coords(size)))
        hashes, rows = [], []
        for leaf, seq in new:
            rows.append((frontier.size, leaf.kind.value, leaf.subject, leaf.ref, leaf.data, seq))
            hashes += frontier.append(leaf.hash)
        await store.tree.append_hashes(cur, hashes)
        await store.entries.append_entries(cur, rows)
        await store.tree.set_size(cur, frontier.size)
