"""Registration does the same expensive steps whether or not the address has an account (issue 11:
known addresses answered faster). Timing itself is measured in ``bench/registration_bench.py``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from qlcore.config import load_settings
from qlcore.events import Event

from services.gateway.domain.plans import default_catalog
from services.gateway.identity import accounts
from services.gateway.identity.accounts import REGISTERED, Register
from services.gateway.identity.timing import EqualTime


class _Cursor:
    def __init__(self, row: tuple[Any, ...] | None) -> None:
        self.row = row

    async def fetchone(self) -> tuple[Any, ...] | None:
        return self.row


@dataclass
class _Conn:
    account: tuple[Any, ...] | None
    statements: list[str] = field(default_factory=list)

    async def execute(self, sql: str, args: Any = None) -> _Cursor:
        self.statements.append(" ".join(sql.split()))
        return _Cursor(self.account if "FROM accounts" in sql else None)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield


@dataclass
class _Pool:
    conn: _Conn

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[_Conn]:
        yield self.conn


class _Pace(EqualTime):
    def __init__(self) -> None:
        super().__init__(sleep=self._sleep)
        self.recorded: list[float] = []
        self.padded: list[float] = []

    async def _sleep(self, seconds: float) -> None:
        return None

    def record(self, seconds: float) -> None:
        self.recorded.append(seconds)
        super().record(seconds)

    async def pad(self, spent: float) -> float:
        self.padded.append(spent)
        return await super().pad(spent)


@dataclass
class FakeIdentity:
    """The parts of ``IdentityRuntime`` registration uses, counting each expensive step."""

    pool: _Pool
    settings: Any = field(default_factory=lambda: load_settings(env={}, namespace="unit"))
    catalog: Any = field(default_factory=default_catalog)
    sender: str = "QuantumLedger <no-reply@quantumledger.dev>"
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    registration_time: _Pace = field(default_factory=_Pace)
    hashed: int = 0
    committed: list[list[Event]] = field(default_factory=list)
    sent: list[EmailMessage] = field(default_factory=list)

    async def hash_password(self, password: str) -> str:
        self.hashed += 1
        return "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"

    async def commit(self, *events: Event) -> int:
        self.committed.append(list(events))
        return len(events)

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


CMD = Register(email="Ada@Lab.Example", password="correct horse battery staple", name="Ada", org_name="Lab")
ROWS: dict[str, tuple[Any, ...] | None] = {
    "new": None,
    "known_verified": ("acc_1", "ada@lab.example", "Ada", "$argon2id$stored", True),
    "known_unverified": ("acc_1", "ada@lab.example", "Ada", "$argon2id$stored", False),
}


async def _register(path: str) -> tuple[FakeIdentity, _Conn]:
    conn = _Conn(ROWS[path])
    rt = FakeIdentity(_Pool(conn))
    assert await accounts.register(rt, CMD) == REGISTERED  # type: ignore[arg-type]
    return rt, conn


async def test_every_path_hashes_once_reads_the_same_and_sends_one_mail() -> None:
    runs = {path: await _register(path) for path in ROWS}
    for path, (rt, _) in runs.items():
        assert rt.hashed == 1, path
        assert len(rt.sent) == 1 and rt.sent[0]["To"] == "ada@lab.example", path
    statements = {path: conn.statements for path, (_, conn) in runs.items()}
    assert statements["known_verified"] == statements["new"] == statements["known_unverified"]
    assert any("FROM orgs WHERE slug" in s for s in statements["new"])  # the slug is read on every path


async def test_the_write_lasts_as_long_on_every_path() -> None:
    new, _ = await _register("new")
    assert [len(c) for c in new.committed] == [5] and len(new.registration_time.recorded) == 1
    assert new.registration_time.padded == []
    verified, _ = await _register("known_verified")
    assert verified.committed == [] and len(verified.registration_time.padded) == 1
    assert verified.registration_time.recorded == []
    unverified, _ = await _register("known_unverified")
    assert [len(c) for c in unverified.committed] == [1] and len(unverified.registration_time.padded) == 1


async def test_equal_time_draws_from_the_full_steps() -> None:
    waited: list[float] = []

    async def sleep(s: float) -> None:
        waited.append(s)

    pace = EqualTime(size=3, default=0.05, sleep=sleep)
    assert await pace.pad(0.01) == pytest.approx(0.04)  # nothing measured yet: the default
    for s in (0.10, 0.20, 0.30, 0.40):
        pace.record(s)
    drawn = {pace.draw() for _ in range(200)}
    assert drawn == {0.20, 0.30, 0.40}  # the last `size` only
    assert await pace.pad(1.0) == 0.0  # a lighter step that took longer waits no more
    assert waited == [pytest.approx(0.04)]
