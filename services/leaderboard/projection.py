"""The leaderboard read model: every calibration snapshot seen, one row per snapshot key.

Snapshots come from ``calibration.observed`` events (the corpus importer) and from the
``calibration`` of every ``run.ingested`` run that the publication rules admit
(:mod:`services.leaderboard.domain.publication`: public devices only, never a reproduction,
anonymous). The table holds public data only, so no query can leak a tenant's runs.

One row per key (``provider/backend@taken_at``): the first observation of a snapshot wins,
except that a corpus observation replaces one derived from a run (the vendor's published file
is the better-attributed copy of the same snapshot). Queries pick the latest row per device
(leaderboard) or a device's rows over time (trend). ``body`` is the observation as msgspec
JSON without its per-element calibration (the log keeps that).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import psycopg
from qlcore import runlog
from qlcore.bus import Bus
from qlcore.corpus.model import Observation
from qlcore.events import Event, RunIngested
from qlcore.events.corpus import CalibrationObserved
from qlcore.projection import apply_grouped

from services.leaderboard.domain.publication import public_observation_from_run, public_run_key
from services.leaderboard.observed import observation_from_event

__all__ = ["DDL", "ORIGIN_CORPUS", "ORIGIN_RUN", "ObservationsProjection", "RunHead", "RunView"]

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

_UPSERT = (
    "INSERT INTO observations (key, provider, backend, num_qubits, taken_at, stand_in, origin, methodology, seq, body)"
    " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (key) DO "
)
_CORPUS_WINS = (
    "UPDATE SET num_qubits = EXCLUDED.num_qubits, stand_in = EXCLUDED.stand_in, origin = EXCLUDED.origin,"
    " methodology = EXCLUDED.methodology, seq = EXCLUDED.seq, body = EXCLUDED.body"
    " WHERE observations.origin = 'run'"
)


class _TakenAt(msgspec.Struct):
    taken_at: str


class RunHead(msgspec.Struct):
    """Only what decides whether a run publishes a new snapshot. Decoding it skips the
    calibration's thousand gate entries (~0.1 ms instead of ~1 ms on a 127-qubit device), and
    most runs repeat a snapshot the read model already holds."""

    backend: dict[str, Any]
    calibration: _TakenAt
    lineage: dict[str, Any] | None = None
    reproduction: msgspec.Raw = msgspec.Raw()  # kept raw: only its presence matters

    def as_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "backend": self.backend,
            "calibration": {"taken_at": self.calibration.taken_at},
            "lineage": self.lineage,
        }
        if len(self.reproduction) and bytes(self.reproduction) != b"null":
            doc["reproduction"] = True
        return doc


class RunView(msgspec.Struct):
    """The members of a run document an observation is made of; msgspec skips the rest fast."""

    backend: dict[str, Any]
    calibration: dict[str, Any]
    environment: dict[str, Any] = {}
    lineage: dict[str, Any] | None = None

    def as_document(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "calibration": self.calibration,
            "environment": self.environment,
            "lineage": self.lineage,
        }


_run_head = msgspec.json.Decoder(RunHead)
_run_view = msgspec.json.Decoder(RunView)
_encoder = msgspec.json.Encoder()


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


def _key_of(event: RunIngested) -> str | None:
    """The snapshot key of a run the publication rules admit, else None; the head suffices."""
    return public_run_key(_run_head.decode(event.head).as_document(), event.received_at)


class ObservationsProjection:
    service: str = "leaderboard"
    ddl: str = DDL
    tables: Sequence[tuple[str, str]] = (("observations", "key"),)
    handles: frozenset[str] | None = frozenset({"calibration.observed", "run.ingested"})

    def __init__(self) -> None:
        self.bus: Bus | None = None

    def bind(self, bus: Bus) -> None:
        """The run log: a run's calibration tables are read back from it for a snapshot not seen before."""
        self.bus = bus

    async def apply(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        match event:
            case CalibrationObserved():
                obs = observation_from_event(event)
                await cur.execute(_UPSERT + _CORPUS_WINS, _row(obs, ORIGIN_CORPUS, seq))
            case RunIngested():
                await self._apply_run(cur, event, seq)

    async def apply_batch(self, cur: psycopg.AsyncCursor, items: list[tuple[Event, int]]) -> None:
        await apply_grouped(cur, items, RunIngested, self._ingested, self.apply)

    async def _ingested(self, cur: psycopg.AsyncCursor, group: list[tuple[Event, int]]) -> None:
        """Runs are most of the log, and most repeat a snapshot already held: one query for the group."""
        keyed = [(e, seq, key) for e, seq in group if isinstance(e, RunIngested) and (key := _key_of(e))]
        if not keyed:
            return
        await cur.execute("SELECT key FROM observations WHERE key = ANY(%s)", ([k for _, _, k in keyed],))
        held = {r[0] for r in await cur.fetchall()}
        for e, seq, key in keyed:
            if key not in held:  # first one wins, within the group too
                held.add(key)
                await self._observe(cur, e, seq)

    async def _apply_run(self, cur: psycopg.AsyncCursor, event: RunIngested, seq: int) -> None:
        key = _key_of(event)
        if key is None:
            return
        await cur.execute("SELECT 1 FROM observations WHERE key = %s", (key,))
        if await cur.fetchone() is not None:
            return  # a snapshot seen before (the corpus or an earlier run): first one wins
        await self._observe(cur, event, seq)

    async def _observe(self, cur: psycopg.AsyncCursor, event: RunIngested, seq: int) -> None:
        """A run's snapshot not held yet: its observation, from the whole document's calibration."""
        received_at = event.received_at
        if self.bus is None:
            raise RuntimeError("the leaderboard projection needs the run log to read calibration tables")
        else:  # a new snapshot: its calibration tables are in the whole document
            document = await runlog.document_of(self.bus, event)
        observation = public_observation_from_run(_run_view.decode(document).as_document(), received_at)
        if observation is not None:  # always, after public_run_key: the same rules decide
            await cur.execute(_UPSERT + "NOTHING", _row(observation, ORIGIN_RUN, seq))
