"""The facts frameworks are evaluated over: runs, cards, reproductions and API keys of a workspace.

The projection writes them (upserts: applying an event twice changes nothing); an evaluation
reads one workspace's facts at once as a :class:`WorkspaceSnapshot`.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import psycopg
from psycopg import AsyncConnection

from services.attestation.domain import ApiKeyFacts, Author, CardFacts, ReproductionFacts, RunFacts, WorkspaceSnapshot

__all__ = [
    "CardRow",
    "RunRow",
    "insert_api_key",
    "insert_reproduction",
    "insert_runs",
    "revoke_api_key",
    "snapshot",
    "upsert_card",
    "withdraw_card",
]

RunRow = tuple[str, str, str, str, int]  # run_id, workspace_id, run_hash, facts JSON, seq


class CardRow(msgspec.Struct, frozen=True, kw_only=True):
    concept_id: str
    workspace_id: str
    slug: str
    version: int
    run_id: str
    run_hash: str
    title: str
    authors_json: str
    license: str
    published_at: str
    seq: int


_INSERT_RUN = (
    "INSERT INTO runs (run_id, workspace_id, run_hash, facts, seq) VALUES (%s,%s,%s,%s,%s)"
    " ON CONFLICT (run_id) DO NOTHING"
)


async def insert_runs(cur: psycopg.AsyncCursor, rows: Sequence[RunRow]) -> None:
    """Runs are most of the log: one pipelined statement for a run of them."""
    if rows:
        await cur.executemany(_INSERT_RUN, rows)


async def upsert_card(cur: psycopg.AsyncCursor, card: CardRow) -> None:
    """A newer version replaces the concept's row (an older one applied late changes nothing);
    publishing again lifts a withdrawal."""
    await cur.execute(
        "INSERT INTO cards (concept_id, workspace_id, slug, version, run_id, run_hash, title, authors, license,"
        " published_at, withdrawn, seq) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,false,%s)"
        " ON CONFLICT (concept_id) DO UPDATE SET slug = EXCLUDED.slug, version = EXCLUDED.version,"
        " run_id = EXCLUDED.run_id, run_hash = EXCLUDED.run_hash, title = EXCLUDED.title,"
        " authors = EXCLUDED.authors, license = EXCLUDED.license, published_at = EXCLUDED.published_at,"
        " withdrawn = false, seq = EXCLUDED.seq WHERE cards.version <= EXCLUDED.version",
        (
            card.concept_id,
            card.workspace_id,
            card.slug,
            card.version,
            card.run_id,
            card.run_hash,
            card.title,
            card.authors_json,
            card.license,
            card.published_at,
            card.seq,
        ),
    )


async def withdraw_card(cur: psycopg.AsyncCursor, concept_id: str) -> None:
    await cur.execute("UPDATE cards SET withdrawn = true WHERE concept_id = %s", (concept_id,))


async def insert_reproduction(
    cur: psycopg.AsyncCursor,
    reproduction_id: str,
    concept_id: str | None,
    run_id: str,
    workspace_id: str,
    verdict: str,
    reproducing_run_id: str | None,
    seq: int,
    kind: str = "",
) -> None:
    await cur.execute(
        "INSERT INTO reproductions (reproduction_id, concept_id, run_id, workspace_id, verdict, reproducing_run_id,"
        " seq, kind) VALUES (%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (reproduction_id) DO NOTHING",
        (reproduction_id, concept_id, run_id, workspace_id, verdict, reproducing_run_id, seq, kind),
    )


async def insert_api_key(
    cur: psycopg.AsyncCursor,
    key_id: str,
    workspace_id: str,
    org_id: str,
    prefix: str,
    scopes_json: str,
    expires_at: str | None,
    created_at: str,
) -> None:
    await cur.execute(
        "INSERT INTO api_keys (key_id, workspace_id, org_id, prefix, scopes, expires_at, created_at, revoked)"
        " VALUES (%s,%s,%s,%s,%s,%s,%s,false) ON CONFLICT (key_id) DO NOTHING",
        (key_id, workspace_id, org_id, prefix, scopes_json, expires_at, created_at),
    )


async def revoke_api_key(cur: psycopg.AsyncCursor, key_id: str) -> None:
    await cur.execute("UPDATE api_keys SET revoked = true WHERE key_id = %s", (key_id,))


_runs = msgspec.json.Decoder(RunFacts)
_authors = msgspec.json.Decoder(list[Author])
_scopes = msgspec.json.Decoder(list[str])


async def snapshot(conn: AsyncConnection, workspace_id: str, as_of: str) -> WorkspaceSnapshot:
    """Every fact of one workspace the checks read, in a stable order."""
    runs = await (
        await conn.execute("SELECT facts FROM runs WHERE workspace_id = %s ORDER BY run_id", (workspace_id,))
    ).fetchall()
    cards = await (
        await conn.execute(
            "SELECT concept_id, slug, run_id, title, authors, license, published_at, withdrawn FROM cards"
            " WHERE workspace_id = %s ORDER BY slug, concept_id",
            (workspace_id,),
        )
    ).fetchall()
    repros = await (
        await conn.execute(
            "SELECT c.concept_id, r.verdict, r.workspace_id, COALESCE(r.reproducing_run_id, r.reproduction_id), r.kind"
            " FROM cards c JOIN reproductions r ON r.concept_id = c.concept_id"
            "   OR (r.concept_id IS NULL AND r.run_id = c.run_id)"
            " WHERE c.workspace_id = %s ORDER BY r.reproduction_id",
            (workspace_id,),
        )
    ).fetchall()
    keys = await (
        await conn.execute(
            "SELECT prefix, scopes, expires_at, revoked, created_at FROM api_keys WHERE workspace_id = %s"
            " ORDER BY key_id",
            (workspace_id,),
        )
    ).fetchall()
    by_card: dict[str, list[ReproductionFacts]] = {}
    for concept_id, verdict, ws, run_id, kind in repros:
        by_card.setdefault(concept_id, []).append(
            ReproductionFacts(verdict=verdict, workspace_id=ws, run_id=run_id, kind=kind)
        )
    return WorkspaceSnapshot(
        workspace_id=workspace_id,
        as_of=as_of,
        runs=[_runs.decode(r[0]) for r in runs],
        cards=[
            CardFacts(
                slug=c[1],
                run_id=c[2],
                title=c[3],
                authors=_authors.decode(c[4]),
                license=c[5],
                published_at=c[6],
                withdrawn=c[7],
                reproductions=by_card.get(c[0], []),
            )
            for c in cards
        ],
        api_keys=[
            ApiKeyFacts(prefix=k[0], scopes=_scopes.decode(k[1]), expires_at=k[2], revoked=k[3], created_at=k[4])
            for k in keys
        ],
    )
