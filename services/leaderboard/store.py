"""The leaderboard read model's table and every query on it.

``observations`` holds every calibration snapshot seen, one row per snapshot key
(``provider/backend@taken_at``); ``body`` is the observation as msgspec JSON without its
per-element calibration (the log keeps that). The table holds public data only (the
publication rules decide what a run adds), so no query can leak a tenant's runs.

Projection writes take the projection's cursor (one transaction with the checkpoint); handler
reads are single statements on the autocommit pool (``Runtime.statements``: one round trip).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec
import psycopg
from psycopg_pool import AsyncConnectionPool
from qlcore.corpus.model import Observation

__all__ = [
    "DDL",
    "ORIGIN_CORPUS",
    "ORIGIN_RUN",
    "TABLES",
    "corpus_keys",
    "device_observations",
    "held_keys",
    "insert_run_observation",
    "latest_observations",
    "upsert_corpus_observation",
]

ORIGIN_CORPUS, ORIGIN_RUN = "corpus", "run"

DDL = """
CREATE TABLE IF NOT EXISTS observations (
    key text PRIMARY KEY,
    provider text NOT NULL,
    backend text NOT NULL,
    num_qubits integer NOT NULL,
    taken_at timestamptz NOT NULL,
    stand_in boolean NOT NULL,
    origin text NOT NULL CHECK (origin IN ('corpus', 'run')),
    methodology text NOT NULL,
    seq bigint NOT NULL,
    body bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS observations_device_time ON observations (provider, backend, taken_at DESC, stand_in);
"""

TABLES: Sequence[tuple[str, str]] = (("observations", "key"),)

_INSERT = (
    "INSERT INTO observations (key, provider, backend, num_qubits, taken_at, stand_in, origin, methodology, seq, body)"
    " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (key) DO "
)
# The first observation of a snapshot wins, except that a corpus observation replaces one derived
# from a run: the vendor's published file is the better-attributed copy of the same snapshot.
_CORPUS_WINS = (
    "UPDATE SET num_qubits = EXCLUDED.num_qubits, stand_in = EXCLUDED.stand_in, origin = EXCLUDED.origin,"
    " methodology = EXCLUDED.methodology, seq = EXCLUDED.seq, body = EXCLUDED.body"
    " WHERE observations.origin = 'run'"
)

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Observation)


def _row(obs: Observation, origin: str, seq: int) -> tuple[object, ...]:
    body = _encoder.encode(msgspec.structs.replace(obs, calibration=None))
    return (
        obs.key,
        obs.provider,
        obs.backend,
        obs.num_qubits,
        obs.taken_at,
        obs.taken_at_is_stand_in,
        origin,
        obs.methodology,
        seq,
        body,
    )


def _decode(rows: Sequence[tuple[bytes, ...]]) -> list[Observation]:
    return [_decoder.decode(bytes(r[0])) for r in rows]


async def upsert_corpus_observation(cur: psycopg.AsyncCursor, obs: Observation, seq: int) -> None:
    """A corpus snapshot: inserted, or replacing the same snapshot taken from a run."""
    await cur.execute(_INSERT + _CORPUS_WINS, _row(obs, ORIGIN_CORPUS, seq))


async def insert_run_observation(cur: psycopg.AsyncCursor, obs: Observation, seq: int) -> None:
    """A run's snapshot, unless the snapshot is held already (first one wins)."""
    await cur.execute(_INSERT + "NOTHING", _row(obs, ORIGIN_RUN, seq))


async def held_keys(cur: psycopg.AsyncCursor, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` the read model holds, from any origin (one query for a batch of runs)."""
    await cur.execute("SELECT key FROM observations WHERE key = ANY(%s)", (list(keys),))
    return {str(r[0]) for r in await cur.fetchall()}


async def latest_observations(pool: AsyncConnectionPool, as_of: datetime | None) -> list[Observation]:
    """Each device's latest snapshot taken at or before ``as_of`` (a dated snapshot beats a stand-in
    date at the same instant, as :func:`~services.leaderboard.domain.ranking.latest_per_device`)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT DISTINCT ON (provider, backend) body FROM observations"
            " WHERE %(as_of)s::timestamptz IS NULL OR taken_at <= %(as_of)s::timestamptz"
            " ORDER BY provider, backend, taken_at DESC, stand_in, key",
            {"as_of": as_of},
        )
        return _decode(await cur.fetchall())


async def device_observations(pool: AsyncConnectionPool, provider: str, backend: str) -> list[Observation]:
    """Every snapshot of one device, oldest first (empty for a device never seen)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT body FROM observations WHERE provider = %s AND backend = %s ORDER BY taken_at, key",
            (provider, backend),
        )
        return _decode(await cur.fetchall())


async def corpus_keys(pool: AsyncConnectionPool, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` the corpus already supplied (the importer's durable idempotency index)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT key FROM observations WHERE key = ANY(%s) AND origin = 'corpus'", (list(keys),)
        )
        return {str(r[0]) for r in await cur.fetchall()}
