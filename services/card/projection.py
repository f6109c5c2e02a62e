"""The card read model, built from the run log alone (tables and SQL: :mod:`services.card.store`).

Every event a card shows is applied here: runs, card versions and withdrawals, reproductions
(submitted to a card, or completed by the reproduce service) and attestations. Each change to a
card is noted (``changes``) so the service can tell gateways which cached badges to drop once
the change is committed (:mod:`services.card.adapters.changes`).

An event this projection cannot apply (a run document it cannot decode) is logged with its
cause and raised: the runner retries it and then dead-letters it, where an operator sees it.
"""

from __future__ import annotations

import msgspec
import psycopg
import structlog
from qlcore import runlog
from qlcore.bus import Bus
from qlcore.events import Event, RunIngested
from qlcore.events.attestation import AttestationIssued, AttestationRevoked
from qlcore.events.cards import CardPublished, CardUnpublished, ReproductionSubmitted
from qlcore.events.reproduce import ReproductionCompleted
from qlcore.projection import apply_grouped

from services.card import store
from services.card.adapters.changes import ALL, ChangeFeed
from services.card.domain.documents import decode_facts, hash_matches
from services.card.domain.lifecycle import reproduction_kind

__all__ = ["CardProjection", "UndecodableRun"]

log = structlog.get_logger("card.projection")
KINDS = frozenset({"independent", "simulated"})


class UndecodableRun(ValueError):
    """A ``run.ingested`` head the card cannot read (ingest validated it: a bug to look at)."""


def run_row(event: RunIngested, seq: int) -> store.RunInsert:
    """The ``runs`` row of a ``run.ingested`` event; an undecodable head is logged and raised."""
    try:
        f = decode_facts(bytes(event.head))  # the head has every fact a card shows
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        log.error("card.undecodable_run", run_id=event.run_id, seq=seq, error=repr(exc))
        raise UndecodableRun(f"run {event.run_id} at sequence {seq}: {exc}") from exc
    return store.RunInsert(event.run_id, event.workspace_id or "", event.run_hash, f, seq)


class CardProjection:
    service: str = "card"
    ddl: str = store.DDL
    tables = store.TABLES
    handles: frozenset[str] | None = frozenset(
        {
            "run.ingested",
            "card.published",
            "card.unpublished",
            "card.reproduction_submitted",
            "reproduction.completed",
            "attestation.issued",
            "attestation.revoked",
        }
    )

    def __init__(self) -> None:
        self.changes = ChangeFeed()
        self.bus: Bus | None = None

    def bind(self, bus: Bus) -> None:
        """The run log, to read a published run's whole document back (``hash_verified``)."""
        self.bus = bus

    async def apply(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        match event:
            case RunIngested():
                await store.insert_runs(cur, [run_row(event, seq)])
            case CardPublished():
                await self._verify_run(cur, event.run_id)
                await store.insert_published(cur, event, seq)
                self.changes.note(seq, event.slug)
            case CardUnpublished():
                await store.withdraw_card(cur, event, seq)
                self.changes.note(seq, event.slug)
            case ReproductionSubmitted():
                await self._submitted(cur, event, seq)
            case ReproductionCompleted():
                await self._completed(cur, event, seq)
            case AttestationIssued():
                await store.insert_attestation(cur, event, seq)
                self.changes.note(seq, ALL)
            case AttestationRevoked():
                await store.revoke_attestation(cur, event, seq)
                self.changes.note(seq, ALL)

    async def apply_batch(self, cur: psycopg.AsyncCursor, items: list[tuple[Event, int]]) -> None:
        await apply_grouped(cur, items, RunIngested, self._ingested, self.apply)

    async def _ingested(self, cur: psycopg.AsyncCursor, group: list[tuple[Event, int]]) -> None:
        """Runs are most of the log: one pipelined statement for a run of them."""
        await store.insert_runs(cur, [run_row(e, seq) for e, seq in group if isinstance(e, RunIngested)])

    async def _verify_run(self, cur: psycopg.AsyncCursor, run_id: str) -> None:
        """Re-hash a run's whole document from the log, once: ``hash_verified`` is what the card shows."""
        found = await store.run_to_verify(cur, run_id)
        if found is None or self.bus is None:
            return
        seq, run_hash = found
        document = await runlog.document_at(self.bus, seq, run_id)
        await store.set_hash_verified(cur, run_id, hash_matches(document, run_hash))

    async def _submitted(self, cur: psycopg.AsyncCursor, e: ReproductionSubmitted, seq: int) -> None:
        target = e.card_run_id or await store.run_of_concept(cur, e.concept_id)  # older events: the card's run
        if target is None:
            log.error("card.reproduction_of_unknown_card", concept_id=e.concept_id, seq=seq)
            raise LookupError(f"reproduction {e.reproduction_id} names no run and card {e.concept_id} is unknown")
        owner = await store.run_origin(cur, target)
        submitted = await store.run_origin(cur, e.run_id)
        owner_ws, submitter_ws = (owner[0] if owner else ""), (e.workspace_id or "")
        kind = e.kind if e.kind in KINDS else None
        if kind is None:  # written before events carried it: derived as the card service decides it
            on_simulator = submitted[1] if submitted else False
            kind = reproduction_kind(
                owner_workspace=owner_ws, submitter_workspace=submitter_ws, on_simulator=on_simulator
            )
        await store.insert_reproduction(
            cur,
            store.ReproductionInsert(
                reproduction_id=e.reproduction_id,
                target_run_id=target,
                source="submitted",
                run_id=e.run_id,
                run_hash=e.run_hash,
                workspace_id=e.workspace_id or "",
                backend_provider=e.backend_provider,
                backend_name=e.backend_name,
                shots=e.shots,
                hellinger_fidelity=e.hellinger_fidelity,
                noise_floor=e.noise_floor,
                verdict=e.verdict,
                submitted_at=e.occurred_at,
                seq=seq,
                kind=kind,
                by_owner=submitter_ws == owner_ws,
            ),
        )
        self.changes.note(seq, e.slug)

    async def _completed(self, cur: psycopg.AsyncCursor, e: ReproductionCompleted, seq: int) -> None:
        """A reproduce-service re-run of ``e.run_id``; its run was logged (``run.ingested``) before."""
        provider, name, shots = await store.run_backend(cur, e.reproduced_run_id) or ("", "", 0)
        owner = await store.run_origin(cur, e.run_id)
        await store.insert_reproduction(
            cur,
            store.ReproductionInsert(
                reproduction_id=e.job_id,
                target_run_id=e.run_id,
                source="reproduce",
                run_id=e.reproduced_run_id,
                run_hash=e.reproduced_run_hash,
                workspace_id=e.workspace_id or "",
                backend_provider=provider,
                backend_name=name,
                shots=shots,
                hellinger_fidelity=e.hellinger_fidelity,
                noise_floor=e.noise_floor or 0.0,
                verdict=e.verdict,
                submitted_at=e.occurred_at,
                seq=seq,
                kind=e.kind if e.kind in KINDS else "simulated",  # the owner's drift simulation
                by_owner=owner is None or owner[0] == (e.workspace_id or ""),
            ),
        )
        slug = await store.slug_of_run(cur, e.run_id)
        if slug is not None:
            self.changes.note(seq, slug)
