"""The leaderboard read model from the log: every calibration snapshot seen, one row per key.

Snapshots come from ``calibration.observed`` events (the corpus importer) and from the
``calibration`` of every ``run.ingested`` run that the publication rules admit
(:mod:`services.leaderboard.domain.publication`: public devices only, never a reproduction,
anonymous). A run kept out by those rules is handled, not dropped: it is not the leaderboard's
to publish (counted in a debug line per batch). Which observation a key keeps is
:mod:`services.leaderboard.store`'s rule (first wins; the corpus replaces a run's copy).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import psycopg
import structlog
from qlcore import runlog
from qlcore.bus import Bus
from qlcore.events import Event, RunIngested
from qlcore.events.corpus import CalibrationObserved
from qlcore.projection import apply_grouped

from services.leaderboard import store
from services.leaderboard.domain.events import observation_from_event
from services.leaderboard.domain.publication import public_observation_from_run, public_run_key
from services.leaderboard.domain.runs import RunHead, RunView

__all__ = ["ObservationsProjection"]

log = structlog.get_logger("leaderboard")

_run_head = msgspec.json.Decoder(RunHead)
_run_view = msgspec.json.Decoder(RunView)


def _key_of(event: RunIngested) -> str | None:
    """The snapshot key of a run the publication rules admit, else None; the head suffices."""
    return public_run_key(_run_head.decode(event.head).as_document(), event.received_at)


class ObservationsProjection:
    service: str = "leaderboard"
    ddl: str = store.DDL
    tables: Sequence[tuple[str, str]] = store.TABLES
    handles: frozenset[str] | None = frozenset({"calibration.observed", "run.ingested"})

    def __init__(self) -> None:
        self.bus: Bus | None = None

    def bind(self, bus: Bus) -> None:
        """The run log: a run's calibration tables are read back from it for a snapshot not seen before."""
        self.bus = bus

    async def apply(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        match event:
            case CalibrationObserved():
                await store.upsert_corpus_observation(cur, observation_from_event(event), seq)
            case RunIngested():
                await self._runs(cur, [(event, seq)])

    async def apply_batch(self, cur: psycopg.AsyncCursor, items: list[tuple[Event, int]]) -> None:
        await apply_grouped(cur, items, RunIngested, self._runs, self.apply)

    async def _runs(self, cur: psycopg.AsyncCursor, group: list[tuple[Event, int]]) -> None:
        """Runs are most of the log, and most repeat a snapshot already held: one query for the group."""
        keyed = [(e, seq, key) for e, seq in group if isinstance(e, RunIngested) and (key := _key_of(e))]
        if len(keyed) < len(group):
            log.debug("leaderboard.runs_not_published", runs=len(group) - len(keyed))
        if not keyed:
            return
        held = await store.held_keys(cur, [k for _, _, k in keyed])
        for e, seq, key in keyed:
            if key not in held:  # first one wins, within the group too
                held.add(key)
                await self._observe(cur, e, seq)

    async def _observe(self, cur: psycopg.AsyncCursor, event: RunIngested, seq: int) -> None:
        """A run's snapshot not held yet: its observation, from the whole document's calibration."""
        if self.bus is None:
            raise RuntimeError("the leaderboard projection needs the run log to read calibration tables")
        document = await runlog.document_of(self.bus, event)
        observation = public_observation_from_run(_run_view.decode(document).as_document(), event.received_at)
        if observation is None:  # the head admitted it: the same rules over the whole document cannot refuse
            raise runlog.LogInconsistent(f"run {event.run_id}: its head and its document disagree on publication")
        await store.insert_run_observation(cur, observation, seq)
