"""In-memory stand-ins for what ingest's handlers use: the run log (with JetStream's de-duplication
by message id, and direct gets by sequence) and the claims index with its projection."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from qlcore.bus import HDR_TYPE, HDR_VERSION, Appended
from qlcore.config import Settings, load_settings
from qlcore.events import Event, RunIngested
from qlcore.events.registry import encode_event
from qlcore.service import Runtime

from services.ingest.bootstrap import Deps
from services.ingest.config import IngestConfig
from services.ingest.domain import Claim


@dataclass
class Entry:
    subject: str
    data: bytes
    headers: dict[str, str]
    seq: int
    event: Event | None = None


class FakeLog:
    """The run log: entries in order (seq = index + 1), message ids remembered for ever (every
    resend is inside the window), ``js.get_msg`` for ``qlcore.runlog``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.entries: list[Entry] = []
        self.ids: dict[str, int] = {}
        self.duplicates = 0
        self.js = self  # runlog reads with bus.js.get_msg(stream, seq=..., direct=True)

    def _add(
        self, subject: str, data: bytes, headers: dict[str, str], msg_id: str | None, event: Event | None = None
    ) -> Appended:
        if msg_id is not None and msg_id in self.ids:
            self.duplicates += 1
            return Appended(seq=self.ids[msg_id], duplicate=True)
        self.entries.append(Entry(subject, data, headers, len(self.entries) + 1, event))
        if msg_id is not None:
            self.ids[msg_id] = len(self.entries)
        return Appended(seq=len(self.entries), duplicate=False)

    async def append_document(self, body: bytes, *, run_id: str, run_hash: str, msg_id: str | None = None) -> Appended:
        return self._add(self.settings.document_subject, body, {}, msg_id, None)

    async def append(self, event: Event, *, msg_id: str | None = None) -> Appended:
        headers = {HDR_TYPE: event.type, HDR_VERSION: str(event.schema_version)}
        subject = f"{self.settings.log_subject_prefix}.{event.type}"
        return self._add(subject, encode_event(event), headers, msg_id, event)

    async def last_event_seq(self) -> int:
        return max((e.seq for e in self.entries if e.event is not None), default=0)

    async def get_msg(self, stream: str, *, seq: int, direct: bool = False) -> Any:
        return self.entries[seq - 1]

    def events(self) -> list[RunIngested]:
        return [e.event for e in self.entries if isinstance(e.event, RunIngested)]


@dataclass
class FakeClaims:
    """Claims ``{(workspace, run_hash): [run_id, logged_seq]}`` and their projection, which applies
    the log before each claim is read (the first ``run.ingested`` of a key wins, as in
    ``services.ingest.store``), except for the next ``lagging`` claims (a projection behind the log)."""

    log: FakeLog
    rows: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    checkpoint: int = 0
    lagging: int = 0
    counter: int = 0
    projection_lag_s: float | None = None  # how old the newest applied event is (None: unknown)

    async def claim(self, workspace_id: str, run_hash: str) -> Claim:
        if self.lagging > 0:
            self.lagging -= 1
        else:
            await self.apply()
        key, new = (workspace_id, run_hash), False
        if key not in self.rows:
            self.counter += 1
            self.rows[key], new = [f"R{self.counter}", None], True
        run_id, logged_seq = self.rows[key]
        now = asyncio.get_running_loop().time()
        return Claim(run_id, new, logged_seq is not None, self.checkpoint, now, self.projection_lag_s)

    async def record_logged(self, workspace_id: str, run_hash: str, run_id: str, seq: int) -> None:
        row = self.rows.setdefault((workspace_id, run_hash), [run_id, None])
        if row[1] is None or seq < row[1]:
            row[:] = [run_id, seq]

    async def apply(self) -> None:
        for e in self.log.entries:
            if e.seq > self.checkpoint and isinstance(e.event, RunIngested) and e.event.workspace_id:
                await self.record_logged(e.event.workspace_id, e.event.run_hash, e.event.run_id, e.seq)
        self.checkpoint = await self.log.last_event_seq()


def make(**config: Any) -> tuple[Deps, FakeLog, FakeClaims]:
    settings = load_settings(env={}, max_bundle_bytes=64 * 1024)
    log = FakeLog(settings)
    claims = FakeClaims(log)
    rt = Runtime("ingest", settings, log, None, None, asyncio.Event())  # type: ignore[arg-type]
    return Deps(rt, IngestConfig(**config), claims), log, claims  # type: ignore[arg-type]
