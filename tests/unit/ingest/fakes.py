"""In-memory stand-ins for what ingest's handlers use: the run log and the claims index."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from qlcore.bus import Appended
from qlcore.config import load_settings
from qlcore.events import Event
from qlcore.service import Runtime

from services.ingest.bootstrap import Deps
from services.ingest.claimer import Claim
from services.ingest.config import IngestConfig


@dataclass
class FakeLog:
    """A run log with JetStream's de-duplication by message id (no window: everything is inside)."""

    entries: list[tuple[str, Any]] = field(default_factory=list)  # (kind, payload); seq = index + 1
    ids: dict[str, int] = field(default_factory=dict)

    def _add(self, kind: str, payload: Any, msg_id: str | None) -> Appended:
        if msg_id is not None and msg_id in self.ids:
            return Appended(seq=self.ids[msg_id], duplicate=True)
        self.entries.append((kind, payload))
        seq = len(self.entries)
        if msg_id is not None:
            self.ids[msg_id] = seq
        return Appended(seq=seq, duplicate=False)

    async def append_document(self, body: bytes, *, run_id: str, run_hash: str, msg_id: str | None = None) -> Appended:
        return self._add("doc", body, msg_id)

    async def append(self, event: Event, *, msg_id: str | None = None) -> Appended:
        return self._add("event", event, msg_id)

    def events(self) -> list[Event]:
        return [p for k, p in self.entries if k == "event"]


@dataclass
class FakeClaims:
    """Claims keyed by (workspace, run_hash); ``logged`` marks those whose event a projection applied."""

    rows: dict[tuple[str, str], str] = field(default_factory=dict)
    logged: set[tuple[str, str]] = field(default_factory=set)
    counter: int = 0

    async def claim(self, workspace_id: str, run_hash: str) -> Claim:
        key = (workspace_id, run_hash)
        if key in self.rows:
            return Claim(self.rows[key], new=False, logged=key in self.logged)
        self.counter += 1
        self.rows[key] = f"R{self.counter}"
        return Claim(self.rows[key], new=True, logged=False)


def deps_of(log: FakeLog, claims: FakeClaims, **config: Any) -> Deps:
    settings = load_settings(env={}, max_bundle_bytes=64 * 1024)
    rt = Runtime("ingest", settings, log, None, None, asyncio.Event())  # type: ignore[arg-type]
    return Deps(rt, IngestConfig(**config), claims)  # type: ignore[arg-type]
