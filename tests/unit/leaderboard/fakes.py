"""Fakes of what the leaderboard's handlers get from the runtime: the read model behind the
autocommit pool, the projection runner's position, and the run log's append (with JetStream's
de-duplication by ``Nats-Msg-Id``). Enough to call a handler as the template intends, with a
``Deps`` of fakes and no servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import msgspec
from qlcore.bus import Appended
from qlcore.corpus.model import Observation
from qlcore.events import Event

from services.leaderboard.bootstrap import Deps
from services.leaderboard.config import LeaderboardConfig
from services.leaderboard.reply_cache import ReplyCache

__all__ = ["FakeReadModel", "FakeRuntime", "fake_deps"]


class _Cursor:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    async def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows


@dataclass
class FakeReadModel:
    """The ``observations`` table as the store's three handler queries see it."""

    rows: dict[str, tuple[Observation, str]] = field(default_factory=dict)  # key -> (observation, origin)
    queries: list[str] = field(default_factory=list)

    def hold(self, obs: Observation, origin: str = "corpus") -> None:
        self.rows[obs.key] = (obs, origin)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[FakeReadModel]:
        yield self

    async def execute(self, sql: str, params: Any = None) -> _Cursor:
        self.queries.append(sql)
        held = list(self.rows.values())
        if sql.startswith("SELECT DISTINCT ON"):  # latest per device (one snapshot each in these tests)
            return _Cursor([(msgspec.json.encode(o),) for o, _ in held])
        if sql.startswith("SELECT body FROM observations WHERE provider"):
            provider, backend = params
            return _Cursor(
                [(msgspec.json.encode(o),) for o, _ in held if (o.provider, o.backend) == (provider, backend)]
            )
        if sql.startswith("SELECT key FROM observations WHERE key = ANY") and "origin = 'corpus'" in sql:
            return _Cursor([(k,) for k in params[0] if self.rows.get(k, (None, ""))[1] == "corpus"])
        raise AssertionError(f"a query the fake does not know: {sql}")


@dataclass
class FakeRunner:
    position: int = 0
    leader: bool = True

    async def stored_position(self) -> int:
        return self.position


@dataclass
class FakeBus:
    appended: list[tuple[Event, str | None]] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)

    async def append(self, event: Event, *, msg_id: str | None = None) -> Appended:
        if msg_id is not None and msg_id in self.seen:  # JetStream's de-duplication window
            return Appended(self.seen[msg_id], True)
        self.appended.append((event, msg_id))
        seq = len(self.appended)
        if msg_id is not None:
            self.seen[msg_id] = seq
        return Appended(seq, False)


@dataclass
class FakeRuntime:
    statements: FakeReadModel
    runner: FakeRunner = field(default_factory=FakeRunner)
    bus: FakeBus = field(default_factory=FakeBus)
    waits: list[tuple[str, int | None, float]] = field(default_factory=list)

    async def applied(self, seq: int, timeout: float = 10.0) -> None:
        self.waits.append(("applied", seq, timeout))

    async def caught_up(self, timeout: float = 10.0) -> None:
        self.waits.append(("caught_up", None, timeout))


def fake_deps(read_model: FakeReadModel | None = None) -> tuple[Deps, FakeRuntime]:
    rt = FakeRuntime(read_model or FakeReadModel())
    config = LeaderboardConfig()
    return Deps(rt, config, ReplyCache(config.reply_cache_entries)), rt  # duck-typed: the fakes stand in for Runtime
