"""Reading the card read model into the domain's types (the handlers never write it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
import psycopg

from services.card.domain.model import Author, Card, Reproduction, RunSummary

__all__ = [
    "CardRow",
    "RunRow",
    "attestation_refs",
    "attested_frameworks",
    "card_by_run",
    "card_by_slug",
    "reproduction_of",
    "reproductions",
    "run",
    "run_ref",
    "slugs_like",
]

_RUN_COLUMNS = (
    "run_id, run_hash, hash_verified, program_name, program_hash, backend_provider, backend_name, num_qubits,"
    " shots, calibration_taken_at, created_at, status, workspace_id, counts"
)
_CARD_COLUMNS = (
    "c.slug, c.concept_id, c.version_id, c.version, c.title, c.authors, c.license, c.published_at,"
    " c.first_published_at, c.abstract, c.keywords, c.state, c.withdrawn_at, c.workspace_id, "
    + ", ".join(f"r.{col.strip()}" for col in _RUN_COLUMNS.split(","))
)
_REPRODUCTION_COLUMNS = (
    "reproduction_id, run_id, run_hash, workspace_id, backend_provider, backend_name, shots,"
    " hellinger_fidelity, noise_floor, verdict, submitted_at"
)


@dataclass(frozen=True)
class RunRow:
    summary: RunSummary
    workspace_id: str
    counts: dict[str, int]


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
    return RunRow(summary, r[12], dict(r[13]))


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


async def attested_frameworks(conn: psycopg.AsyncConnection, workspace_id: str) -> list[str]:
    """The frameworks a workspace holds an unrevoked attestation for."""
    cur = await conn.execute(
        "SELECT DISTINCT framework_id FROM attestations WHERE workspace_id = %s AND NOT revoked ORDER BY 1",
        (workspace_id,),
    )
    return [r[0] for r in await cur.fetchall()]


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
