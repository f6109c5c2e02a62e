"""The card read model, built from the run log alone.

* ``runs`` - every ingested run: what a card shows and scores (program hash, backend, shots,
  calibration time, counts) and the log sequence of its event: the public provenance link reads
  the document back from the log (``qlcore.runlog``, decision 0007);
* ``cards`` - one row per card (concept): its current version and state;
* ``card_versions`` - every published version (the Zenodo model);
* ``reproductions`` - independent reproductions submitted to a card and the reproduce
  service's completed re-runs, both keyed by the run they reproduce;
* ``attestations`` - which workspaces hold an unrevoked attestation (the ``attested`` badge).

Times are kept as the events wrote them (text), so replay rebuilds byte-identical rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import psycopg
from psycopg.types.json import Jsonb
from qlcore import runlog
from qlcore.bus import Bus
from qlcore.events import Event, RunIngested
from qlcore.events.attestation import AttestationIssued, AttestationRevoked
from qlcore.events.cards import CardPublished, CardUnpublished, ReproductionSubmitted
from qlcore.events.reproduce import ReproductionCompleted
from qlcore.projection import apply_grouped

from services.card.changes import ALL, ChangeFeed
from services.card.documents import decode_facts, hash_matches
from services.card.tables import DDL

__all__ = ["CardProjection"]


_VERDICTS = frozenset({"reproduced", "drifted", "failed"})

_INSERT_RUN = (
    "INSERT INTO runs (run_id, workspace_id, run_hash, hash_verified, program_name, program_hash,"
    " backend_provider, backend_name, num_qubits, shots, calibration_taken_at, created_at, status,"
    " counts, seq) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
    " ON CONFLICT (run_id) DO NOTHING"
)


def _run_row(event: RunIngested, seq: int) -> tuple[object, ...] | None:
    """The ``runs`` row of a ``run.ingested`` event; None for a document no card can show."""
    body = bytes(event.head)  # enough for the card's facts; the whole document is re-hashed on publish
    try:
        f = decode_facts(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None  # ingest validated it; a document no card can show is simply not a card candidate
    return (
        event.run_id,
        event.workspace_id or "",
        event.run_hash,
        False,  # hash_verified: set when the run is published (the whole document re-hashed then)
        f.program_name,
        f.program_hash,
        f.backend_provider,
        f.backend_name,
        f.num_qubits,
        f.shots,
        f.calibration_taken_at,
        f.created_at,
        f.status,
        Jsonb(f.counts),
        seq,
    )


class CardProjection:
    service: str = "card"
    ddl: str = DDL
    tables: Sequence[tuple[str, str]] = (
        ("runs", "run_id"),
        ("cards", "concept_id"),
        ("card_versions", "version_id"),
        ("reproductions", "reproduction_id"),
        ("attestations", "attestation_id"),
    )
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
                await self._run(cur, event, seq)
            case CardPublished():
                await self._published(cur, event, seq)
            case CardUnpublished():
                await cur.execute(
                    "UPDATE cards SET state = 'withdrawn', withdrawn_at = %s, withdrawn_reason = %s, seq = %s"
                    " WHERE concept_id = %s AND state <> 'withdrawn'",
                    (event.occurred_at, event.reason, seq, event.concept_id),
                )
                self.changes.note(seq, event.slug)
            case ReproductionSubmitted():
                await self._submitted(cur, event, seq)
            case ReproductionCompleted():
                await self._completed(cur, event, seq)
            case AttestationIssued():
                await cur.execute(
                    "INSERT INTO attestations (attestation_id, workspace_id, framework_id, revoked, seq)"
                    " VALUES (%s, %s, %s, false, %s) ON CONFLICT (attestation_id) DO NOTHING",
                    (event.attestation_id, event.workspace_id or "", event.framework_id, seq),
                )
                self.changes.note(seq, ALL)
            case AttestationRevoked():
                await cur.execute(
                    "UPDATE attestations SET revoked = true, seq = %s WHERE attestation_id = %s",
                    (seq, event.attestation_id),
                )
                self.changes.note(seq, ALL)

    async def apply_batch(self, cur: psycopg.AsyncCursor, items: list[tuple[Event, int]]) -> None:
        await apply_grouped(cur, items, RunIngested, self._ingested, self.apply)

    async def _ingested(self, cur: psycopg.AsyncCursor, group: list[tuple[Event, int]]) -> None:
        """Runs are most of the log: one pipelined statement for a run of them."""
        rows = [r for e, seq in group if isinstance(e, RunIngested) and (r := _run_row(e, seq))]
        if rows:
            await cur.executemany(_INSERT_RUN, rows)

    async def _run(self, cur: psycopg.AsyncCursor, event: RunIngested, seq: int) -> None:
        row = _run_row(event, seq)
        if row is not None:
            await cur.execute(_INSERT_RUN, row)

    async def _verify_run(self, cur: psycopg.AsyncCursor, run_id: str) -> None:
        """Re-hash a run's whole document from the log, once: ``hash_verified`` is what the card shows."""
        await cur.execute("SELECT seq, run_hash, hash_verified FROM runs WHERE run_id = %s", (run_id,))
        row = await cur.fetchone()
        if row is None or row[2] or self.bus is None:
            return
        document = await runlog.document_at(self.bus, int(row[0]), run_id)
        await cur.execute(
            "UPDATE runs SET hash_verified = %s WHERE run_id = %s", (hash_matches(document, str(row[1])), run_id)
        )

    async def _published(self, cur: psycopg.AsyncCursor, e: CardPublished, seq: int) -> None:
        """A first publish, a new version, or a restore (same version id, state back to published)."""
        await self._verify_run(cur, e.run_id)
        authors, keywords = Jsonb(e.authors), Jsonb(e.keywords)
        await cur.execute(
            "INSERT INTO cards (concept_id, slug, run_id, workspace_id, version_id, version, title, authors,"
            " abstract, license, keywords, published_at, first_published_at, state, withdrawn_at,"
            " withdrawn_reason, seq) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'published',NULL,NULL,%s)"
            " ON CONFLICT (concept_id) DO UPDATE SET version_id = EXCLUDED.version_id,"
            " version = EXCLUDED.version, title = EXCLUDED.title, authors = EXCLUDED.authors,"
            " abstract = EXCLUDED.abstract, license = EXCLUDED.license, keywords = EXCLUDED.keywords,"
            " published_at = EXCLUDED.published_at, state = 'published', withdrawn_at = NULL,"
            " withdrawn_reason = NULL, seq = EXCLUDED.seq",
            (
                e.concept_id,
                e.slug,
                e.run_id,
                e.workspace_id or "",
                e.version_id,
                e.card_version,
                e.title,
                authors,
                e.abstract,
                e.license,
                keywords,
                e.published_at,
                e.published_at,
                seq,
            ),
        )
        await cur.execute(
            "INSERT INTO card_versions (version_id, concept_id, version, slug, run_id, run_hash, title, authors,"
            " abstract, license, keywords, published_at, seq) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
            " ON CONFLICT (version_id) DO NOTHING",
            (
                e.version_id,
                e.concept_id,
                e.card_version,
                e.slug,
                e.run_id,
                e.run_hash,
                e.title,
                authors,
                e.abstract,
                e.license,
                keywords,
                e.published_at,
                seq,
            ),
        )
        self.changes.note(seq, e.slug)

    async def _submitted(self, cur: psycopg.AsyncCursor, e: ReproductionSubmitted, seq: int) -> None:
        target = e.card_run_id
        if not target:  # events written before card_run_id existed: the card names its run
            await cur.execute("SELECT run_id FROM cards WHERE concept_id = %s", (e.concept_id,))
            row = await cur.fetchone()
            if row is None:
                return
            target = row[0]
        await self._reproduction(
            cur,
            seq,
            reproduction_id=e.reproduction_id,
            target=target,
            source="submitted",
            run_id=e.run_id,
            run_hash=e.run_hash,
            workspace_id=e.workspace_id or "",
            backend=(e.backend_provider, e.backend_name),
            shots=e.shots,
            fidelity=e.hellinger_fidelity,
            floor=e.noise_floor,
            verdict=e.verdict,
            at=e.occurred_at,
        )
        self.changes.note(seq, e.slug)

    async def _completed(self, cur: psycopg.AsyncCursor, e: ReproductionCompleted, seq: int) -> None:
        """A reproduce-service re-run of ``e.run_id``; its run was logged (``run.ingested``) before."""
        await cur.execute(
            "SELECT backend_provider, backend_name, shots FROM runs WHERE run_id = %s", (e.reproduced_run_id,)
        )
        run = await cur.fetchone()
        await self._reproduction(
            cur,
            seq,
            reproduction_id=e.job_id,
            target=e.run_id,
            source="reproduce",
            run_id=e.reproduced_run_id,
            run_hash=e.reproduced_run_hash,
            workspace_id=e.workspace_id or "",
            backend=(run[0], run[1]) if run else ("", ""),
            shots=run[2] if run else 0,
            fidelity=e.hellinger_fidelity,
            floor=e.noise_floor or 0.0,
            verdict=e.verdict,
            at=e.occurred_at,
        )
        await cur.execute("SELECT slug FROM cards WHERE run_id = %s", (e.run_id,))
        card = await cur.fetchone()
        if card is not None:
            self.changes.note(seq, card[0])

    async def _reproduction(
        self,
        cur: psycopg.AsyncCursor,
        seq: int,
        *,
        reproduction_id: str,
        target: str,
        source: str,
        run_id: str,
        run_hash: str,
        workspace_id: str,
        backend: tuple[str, str],
        shots: int,
        fidelity: float,
        floor: float,
        verdict: str,
        at: str,
    ) -> None:
        await cur.execute(
            "INSERT INTO reproductions (reproduction_id, target_run_id, source, run_id, run_hash, workspace_id,"
            " backend_provider, backend_name, shots, hellinger_fidelity, noise_floor, verdict, submitted_at, seq)"
            " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
            (
                reproduction_id,
                target,
                source,
                run_id,
                run_hash,
                workspace_id,
                backend[0],
                backend[1],
                shots,
                fidelity,
                floor,
                verdict if verdict in _VERDICTS else "failed",
                at,
                seq,
            ),
        )
