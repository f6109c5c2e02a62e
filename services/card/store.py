"""The card read model: its tables (DDL), the projection's writes and the handlers' reads.

* ``runs`` - every ingested run: what a card shows and scores (program hash, backend, shots,
  calibration time, counts) and the log sequence of its event: the public provenance link reads
  the document back from the log (``qlcore.runlog``, decision 0007);
* ``cards`` - one row per card (concept): its current version and state;
* ``card_versions`` - every published version (the Zenodo model);
* ``reproductions`` - reproductions submitted to a card and the reproduce service's completed
  re-runs, both keyed by the run they reproduce;
* ``attestations`` - the workspaces' attestations (the ``attested`` badge).

Times are kept as the events wrote them (text), so replay rebuilds byte-identical rows. Only the
projection writes (functions taking a cursor); the handlers read (functions taking a connection).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import psycopg
from psycopg.types.json import Jsonb
from qlcore.events.attestation import AttestationIssued, AttestationRevoked
from qlcore.events.cards import CardPublished, CardUnpublished

from services.card.domain.attestations import (
    AttestationFacts,
    AttestationState,
    AttestationSummary,
    attestation_facts,
    summarize_attestations,
)
from services.card.domain.documents import RunFacts
from services.card.domain.model import Author, Card, Reproduction, RunSummary

__all__ = [
    "DDL",
    "TABLES",
    "CardRow",
    "ReproductionInsert",
    "RunInsert",
    "RunRow",
    "attestation_refs",
    "attestations",
    "card_by_run",
    "card_by_slug",
    "insert_attestation",
    "insert_published",
    "insert_reproduction",
    "insert_runs",
    "reproduction_of",
    "reproductions",
    "revoke_attestation",
    "run",
    "run_backend",
    "run_of_concept",
    "run_origin",
    "run_ref",
    "run_to_verify",
    "set_hash_verified",
    "slug_of_run",
    "slugs_like",
    "withdraw_card",
]

DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id text PRIMARY KEY,
    workspace_id text NOT NULL,
    run_hash text NOT NULL,
    hash_verified boolean NOT NULL,
    program_name text NOT NULL,
    program_hash text NOT NULL,
    backend_provider text NOT NULL,
    backend_name text NOT NULL,
    num_qubits integer NOT NULL,
    shots integer NOT NULL,
    calibration_taken_at text NOT NULL,
    created_at text NOT NULL,
    status text NOT NULL,
    counts jsonb NOT NULL,
    seq bigint NOT NULL
);
ALTER TABLE runs DROP COLUMN IF EXISTS document;  -- read models before decision 0007 kept a copy
CREATE TABLE IF NOT EXISTS cards (
    concept_id text PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    run_id text NOT NULL UNIQUE,
    workspace_id text NOT NULL,
    version_id text NOT NULL,
    version integer NOT NULL,
    title text NOT NULL,
    authors jsonb NOT NULL,
    abstract text,
    license text NOT NULL,
    keywords jsonb NOT NULL,
    published_at text NOT NULL,
    first_published_at text NOT NULL,
    state text NOT NULL,
    withdrawn_at text,
    withdrawn_reason text,
    seq bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS card_versions (
    version_id text PRIMARY KEY,
    concept_id text NOT NULL,
    version integer NOT NULL,
    slug text NOT NULL,
    run_id text NOT NULL,
    run_hash text NOT NULL,
    title text NOT NULL,
    authors jsonb NOT NULL,
    abstract text,
    license text NOT NULL,
    keywords jsonb NOT NULL,
    published_at text NOT NULL,
    seq bigint NOT NULL,
    UNIQUE (concept_id, version)
);
CREATE TABLE IF NOT EXISTS reproductions (
    reproduction_id text PRIMARY KEY,
    target_run_id text NOT NULL,
    source text NOT NULL,
    run_id text NOT NULL,
    run_hash text NOT NULL,
    workspace_id text NOT NULL,
    backend_provider text NOT NULL,
    backend_name text NOT NULL,
    shots integer NOT NULL,
    hellinger_fidelity double precision NOT NULL,
    noise_floor double precision NOT NULL,
    verdict text NOT NULL,
    submitted_at text NOT NULL,
    seq bigint NOT NULL,
    UNIQUE (target_run_id, run_hash)
);
CREATE TABLE IF NOT EXISTS attestations (
    attestation_id text PRIMARY KEY,
    workspace_id text NOT NULL,
    framework_id text NOT NULL,
    revoked boolean NOT NULL,
    seq bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS attestations_ws ON attestations (workspace_id) WHERE NOT revoked;
-- reproductions by kind (docs/cards.md): a run simulated rather than run on hardware; each
-- reproduction's kind and whether the card's owner submitted it. Rows from before these columns
-- are filled in from what the read model has (the reproduce service's re-runs are simulated).
ALTER TABLE runs ADD COLUMN IF NOT EXISTS on_simulator boolean NOT NULL DEFAULT false;
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT '';
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS by_owner boolean NOT NULL DEFAULT false;
UPDATE reproductions r SET by_owner = (r.workspace_id = t.workspace_id),
    kind = CASE WHEN r.source = 'reproduce' OR (r.workspace_id = t.workspace_id AND s.on_simulator)
                THEN 'simulated' ELSE 'independent' END
    FROM runs t, runs s WHERE r.kind = '' AND t.run_id = r.target_run_id AND s.run_id = r.run_id;
UPDATE reproductions SET kind = CASE WHEN source = 'reproduce' THEN 'simulated' ELSE 'independent' END
    WHERE kind = '';
-- the attested badge's status (a read model from before these columns says "unknown" until replayed)
ALTER TABLE attestations ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'unknown';
ALTER TABLE attestations ADD COLUMN IF NOT EXISTS passing_controls integer NOT NULL DEFAULT 0;
ALTER TABLE attestations ADD COLUMN IF NOT EXISTS total_controls integer NOT NULL DEFAULT 0;
ALTER TABLE attestations ADD COLUMN IF NOT EXISTS issued_seq bigint NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS attestations_ws_framework ON attestations (workspace_id, framework_id, issued_seq);
"""

TABLES: Sequence[tuple[str, str]] = (
    ("runs", "run_id"),
    ("cards", "concept_id"),
    ("card_versions", "version_id"),
    ("reproductions", "reproduction_id"),
    ("attestations", "attestation_id"),
)

_RUN_COLUMNS = (
    "run_id, run_hash, hash_verified, program_name, program_hash, backend_provider, backend_name, num_qubits,"
    " shots, calibration_taken_at, created_at, status, workspace_id, counts, on_simulator"
)
_CARD_COLUMNS = (
    "c.slug, c.concept_id, c.version_id, c.version, c.title, c.authors, c.license, c.published_at,"
    " c.first_published_at, c.abstract, c.keywords, c.state, c.withdrawn_at, c.workspace_id, "
    + ", ".join(f"r.{col.strip()}" for col in _RUN_COLUMNS.split(","))
)
_REPRODUCTION_COLUMNS = (
    "reproduction_id, run_id, run_hash, workspace_id, backend_provider, backend_name, shots,"
    " hellinger_fidelity, noise_floor, verdict, submitted_at, kind, by_owner, source"
)


@dataclass(frozen=True)
class RunRow:
    summary: RunSummary
    workspace_id: str
    counts: dict[str, int]
    on_simulator: bool = False  # simulated, not run on hardware


@dataclass(frozen=True)
class CardRow:
    card: Card
    workspace_id: str
    counts: dict[str, int]


def _run_row(r: tuple[Any, ...]) -> RunRow:
    summary = RunSummary(
        run_id=r[0],
        run_hash=r[1],
        hash_verified=r[2],
        program_name=r[3],
        program_hash=r[4],
        backend_provider=r[5],
        backend_name=r[6],
        num_qubits=r[7],
        shots=r[8],
        calibration_taken_at=r[9],
        created_at=r[10],
        status=r[11],
    )
    return RunRow(summary, r[12], dict(r[13]), bool(r[14]))


def _card_row(r: tuple[Any, ...]) -> CardRow:
    run = _run_row(r[14:])
    card = Card(
        slug=r[0],
        concept_id=r[1],
        version_id=r[2],
        version=r[3],
        run=run.summary,
        title=r[4],
        authors=tuple(msgspec.convert(a, Author) for a in r[5]),
        license=r[6],
        published_at=r[7],
        first_published_at=r[8],
        abstract=r[9],
        keywords=tuple(r[10]),
        state=r[11],
        withdrawn_at=r[12],
    )
    return CardRow(card, r[13], run.counts)


async def run(conn: psycopg.AsyncConnection, run_id: str) -> RunRow | None:
    row = await (await conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = %s", (run_id,))).fetchone()
    return None if row is None else _run_row(row)


async def run_ref(conn: psycopg.AsyncConnection, run_id: str) -> tuple[int, str] | None:
    """Where the run's document is in the log, and its hash: ``(seq, run_hash)``."""
    row = await (await conn.execute("SELECT seq, run_hash FROM runs WHERE run_id = %s", (run_id,))).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


async def _card(conn: psycopg.AsyncConnection, where: str, value: str) -> CardRow | None:
    sql = f"SELECT {_CARD_COLUMNS} FROM cards c JOIN runs r ON r.run_id = c.run_id WHERE c.{where} = %s"
    row = await (await conn.execute(sql, (value,))).fetchone()
    return None if row is None else _card_row(row)


async def card_by_slug(conn: psycopg.AsyncConnection, slug: str) -> CardRow | None:
    return await _card(conn, "slug", slug)


async def card_by_run(conn: psycopg.AsyncConnection, run_id: str) -> CardRow | None:
    return await _card(conn, "run_id", run_id)


def _reproduction(r: tuple[Any, ...]) -> Reproduction:
    return Reproduction(
        reproduction_id=r[0],
        run_id=r[1],
        run_hash=r[2],
        workspace_id=r[3],
        backend_provider=r[4],
        backend_name=r[5],
        shots=r[6],
        hellinger_fidelity=r[7],
        noise_floor=r[8],
        verdict=r[9],
        submitted_at=r[10],
        kind=r[11],
        submitted_by="owner" if r[12] else "another workspace",
        method="drift simulation" if r[13] == "reproduce" else "submitted run",
    )


async def reproductions(conn: psycopg.AsyncConnection, target_run_id: str) -> list[Reproduction]:
    """Every reproduction of a run (submitted to its card or re-run by the reproduce service)."""
    cur = await conn.execute(
        f"SELECT {_REPRODUCTION_COLUMNS} FROM reproductions WHERE target_run_id = %s"
        " ORDER BY submitted_at, reproduction_id",
        (target_run_id,),
    )
    return [_reproduction(r) for r in await cur.fetchall()]


async def reproduction_of(conn: psycopg.AsyncConnection, target_run_id: str, run_hash: str) -> Reproduction | None:
    cur = await conn.execute(
        f"SELECT {_REPRODUCTION_COLUMNS} FROM reproductions WHERE target_run_id = %s AND run_hash = %s",
        (target_run_id, run_hash),
    )
    row = await cur.fetchone()
    return None if row is None else _reproduction(row)


async def attestations(conn: psycopg.AsyncConnection, workspace_id: str) -> AttestationSummary:
    """The workspace's attestations, summarized: of each framework the latest unrevoked one, else
    the latest revoked one."""
    cur = await conn.execute(
        "SELECT DISTINCT ON (framework_id) framework_id, status, passing_controls, total_controls, revoked"
        " FROM attestations WHERE workspace_id = %s ORDER BY framework_id, revoked, issued_seq DESC",
        (workspace_id,),
    )
    return summarize_attestations(
        AttestationState(r[0], AttestationFacts(r[1], r[2], r[3]), bool(r[4])) for r in await cur.fetchall()
    )


async def attestation_refs(conn: psycopg.AsyncConnection, workspace_id: str) -> list[tuple[str, str]]:
    """The workspace's unrevoked attestations as (attestation id, framework), oldest first: the
    card page lists them for the reader's browser to check their signatures."""
    cur = await conn.execute(
        "SELECT attestation_id, framework_id FROM attestations WHERE workspace_id = %s AND NOT revoked"
        " ORDER BY seq, attestation_id",
        (workspace_id,),
    )
    return [(r[0], r[1]) for r in await cur.fetchall()]


async def slugs_like(conn: psycopg.AsyncConnection, base: str) -> set[str]:
    """Slugs in use that are ``base`` or ``base-<n>`` (what :func:`unique_slug` must avoid)."""
    cur = await conn.execute("SELECT slug FROM cards WHERE slug = %s OR slug LIKE %s", (base, base + "-%"))
    return {r[0] for r in await cur.fetchall()}


# ---- the projection's writes ----------------------------------------------------------------

_VERDICTS = frozenset({"reproduced", "drifted", "failed", "model_mismatch"})  # anything else: failed

_INSERT_RUN = (
    "INSERT INTO runs (run_id, workspace_id, run_hash, hash_verified, program_name, program_hash,"
    " backend_provider, backend_name, num_qubits, shots, calibration_taken_at, created_at, status,"
    " counts, seq, on_simulator) VALUES (%s,%s,%s,false,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
    " ON CONFLICT (run_id) DO NOTHING"
)


@dataclass(frozen=True)
class RunInsert:
    """A ``runs`` row as a ``run.ingested`` event gives it (``hash_verified`` is set on publish)."""

    run_id: str
    workspace_id: str
    run_hash: str
    facts: RunFacts
    seq: int

    def values(self) -> tuple[object, ...]:
        f = self.facts
        return (
            self.run_id,
            self.workspace_id,
            self.run_hash,
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
            self.seq,
            f.on_simulator,
        )


async def insert_runs(cur: psycopg.AsyncCursor, rows: Sequence[RunInsert]) -> None:
    """Insert runs; one pipelined round trip for a batch."""
    if len(rows) == 1:
        await cur.execute(_INSERT_RUN, rows[0].values())
    elif rows:
        await cur.executemany(_INSERT_RUN, [r.values() for r in rows])


async def run_to_verify(cur: psycopg.AsyncCursor, run_id: str) -> tuple[int, str] | None:
    """``(seq, run_hash)`` of a run whose document was not re-hashed yet; None otherwise."""
    await cur.execute("SELECT seq, run_hash, hash_verified FROM runs WHERE run_id = %s", (run_id,))
    row = await cur.fetchone()
    return None if row is None or row[2] else (int(row[0]), str(row[1]))


async def set_hash_verified(cur: psycopg.AsyncCursor, run_id: str, verified: bool) -> None:
    await cur.execute("UPDATE runs SET hash_verified = %s WHERE run_id = %s", (verified, run_id))


async def run_backend(cur: psycopg.AsyncCursor, run_id: str) -> tuple[str, str, int] | None:
    await cur.execute("SELECT backend_provider, backend_name, shots FROM runs WHERE run_id = %s", (run_id,))
    row = await cur.fetchone()
    return None if row is None else (str(row[0]), str(row[1]), int(row[2]))


async def run_origin(cur: psycopg.AsyncCursor, run_id: str) -> tuple[str, bool] | None:
    """A run's workspace and whether it was simulated (``on_simulator``)."""
    await cur.execute("SELECT workspace_id, on_simulator FROM runs WHERE run_id = %s", (run_id,))
    row = await cur.fetchone()
    return None if row is None else (str(row[0]), bool(row[1]))


async def insert_published(cur: psycopg.AsyncCursor, e: CardPublished, seq: int) -> None:
    """A first publish, a new version, or a restore (same version id, state back to published)."""
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


async def withdraw_card(cur: psycopg.AsyncCursor, e: CardUnpublished, seq: int) -> None:
    await cur.execute(
        "UPDATE cards SET state = 'withdrawn', withdrawn_at = %s, withdrawn_reason = %s, seq = %s"
        " WHERE concept_id = %s AND state <> 'withdrawn'",
        (e.occurred_at, e.reason, seq, e.concept_id),
    )


async def run_of_concept(cur: psycopg.AsyncCursor, concept_id: str) -> str | None:
    await cur.execute("SELECT run_id FROM cards WHERE concept_id = %s", (concept_id,))
    row = await cur.fetchone()
    return None if row is None else str(row[0])


async def slug_of_run(cur: psycopg.AsyncCursor, run_id: str) -> str | None:
    await cur.execute("SELECT slug FROM cards WHERE run_id = %s", (run_id,))
    row = await cur.fetchone()
    return None if row is None else str(row[0])


@dataclass(frozen=True)
class ReproductionInsert:
    reproduction_id: str
    target_run_id: str
    source: str  # submitted (to the card) | reproduce (the reproduce service's re-run)
    run_id: str
    run_hash: str
    workspace_id: str
    backend_provider: str
    backend_name: str
    shots: int
    hellinger_fidelity: float
    noise_floor: float
    verdict: str
    submitted_at: str
    seq: int
    kind: str  # independent | simulated
    by_owner: bool  # submitted by the workspace of the run it reproduces


async def insert_reproduction(cur: psycopg.AsyncCursor, r: ReproductionInsert) -> None:
    await cur.execute(
        "INSERT INTO reproductions (reproduction_id, target_run_id, source, run_id, run_hash, workspace_id,"
        " backend_provider, backend_name, shots, hellinger_fidelity, noise_floor, verdict, submitted_at, seq,"
        " kind, by_owner) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
        (
            r.reproduction_id,
            r.target_run_id,
            r.source,
            r.run_id,
            r.run_hash,
            r.workspace_id,
            r.backend_provider,
            r.backend_name,
            r.shots,
            r.hellinger_fidelity,
            r.noise_floor,
            r.verdict if r.verdict in _VERDICTS else "failed",
            r.submitted_at,
            r.seq,
            r.kind,
            r.by_owner,
        ),
    )


async def insert_attestation(cur: psycopg.AsyncCursor, e: AttestationIssued, seq: int) -> None:
    facts = attestation_facts(e.status, e.envelope)
    await cur.execute(
        "INSERT INTO attestations (attestation_id, workspace_id, framework_id, revoked, seq, status,"
        " passing_controls, total_controls, issued_seq) VALUES (%s, %s, %s, false, %s, %s, %s, %s, %s)"
        " ON CONFLICT (attestation_id) DO NOTHING",
        (
            e.attestation_id,
            e.workspace_id or "",
            e.framework_id,
            seq,
            facts.status,
            facts.passing_controls,
            facts.total_controls,
            seq,
        ),
    )


async def revoke_attestation(cur: psycopg.AsyncCursor, e: AttestationRevoked, seq: int) -> None:
    await cur.execute(
        "UPDATE attestations SET revoked = true, seq = %s WHERE attestation_id = %s", (seq, e.attestation_id)
    )
