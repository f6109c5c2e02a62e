"""Queries on the leaderboard read model (the service's own schema, via its pool)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec
import psycopg
from qlcore.corpus.model import Observation

__all__ = ["checkpoint", "corpus_keys", "device_observations", "latest_observations"]

_decoder = msgspec.json.Decoder(Observation)


def _decode(rows: Sequence[tuple[bytes, ...]]) -> list[Observation]:
    return [_decoder.decode(bytes(r[0])) for r in rows]


async def latest_observations(conn: psycopg.AsyncConnection, as_of: datetime | None) -> list[Observation]:
    """Each device's latest snapshot taken at or before ``as_of`` (a dated snapshot beats a stand-in
    date at the same instant, as :func:`~services.leaderboard.domain.ranking.latest_per_device`)."""
    cur = await conn.execute(
        "SELECT DISTINCT ON (provider, backend) body FROM observations"
        " WHERE %(as_of)s::timestamptz IS NULL OR taken_at <= %(as_of)s::timestamptz"
        " ORDER BY provider, backend, taken_at DESC, stand_in, key",
        {"as_of": as_of},
    )
    return _decode(await cur.fetchall())


async def device_observations(conn: psycopg.AsyncConnection, provider: str, backend: str) -> list[Observation]:
    """Every snapshot of one device, oldest first (empty for a device never seen)."""
    cur = await conn.execute(
        "SELECT body FROM observations WHERE provider = %s AND backend = %s ORDER BY taken_at, key",
        (provider, backend),
    )
    return _decode(await cur.fetchall())


async def corpus_keys(conn: psycopg.AsyncConnection, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` the corpus already supplied (the importer's durable idempotency index)."""
    cur = await conn.execute("SELECT key FROM observations WHERE key = ANY(%s) AND origin = 'corpus'", (list(keys),))
    return {str(r[0]) for r in await cur.fetchall()}


async def checkpoint(conn: psycopg.AsyncConnection) -> int:
    row = await (await conn.execute("SELECT seq FROM _checkpoint WHERE id = 1")).fetchone()
    return int(row[0]) if row else 0
