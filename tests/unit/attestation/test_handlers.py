"""The operations as plain functions of ``(deps, request)``: a ``Deps`` of fakes, no NATS, no
PostgreSQL. What each catches: a catalogue answer that changed shape, a workspace operation that
touches the database or the log before refusing another workspace, a rotation that does not
publish both the new key and the retired one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
import pytest
from qlcore.bus import Appended
from qlcore.config import load_settings
from qlcore.errors import Conflict, NotFound, Unprocessable
from qlcore.events import Event
from qlcore.events.attestation import SigningKeyPublished
from qlcore.objects import ObjectRef, object_name
from qlcore.rpc import RpcContext, RpcRequest
from qlcore.service import Runtime

from services.attestation.adapters.keyring_files import KeyringDirectory
from services.attestation.bootstrap import Deps
from services.attestation.config import load_config
from services.attestation.domain import FrameworkCatalog, Keyring
from services.attestation.handlers import OPERATIONS

HANDLERS = {op.name: op.handler for op in OPERATIONS}
WS = "ws_lab"


class FakeBus:
    """Records appended events; sequences count up from 1."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def append(self, event: Event, *, msg_id: str | None = None, timeout: float = 5.0) -> Appended:
        self.events.append(event)
        return Appended(seq=len(self.events), duplicate=False)

    async def last_event_seq(self) -> int:
        return len(self.events)


class FakeObjects:
    """An object bucket in memory, named by digest like ``qlcore.objects.Objects``."""

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}

    async def put(self, data: bytes) -> ObjectRef:
        ref = ObjectRef(object_name(data), len(data))
        self.stored[ref.name] = data
        return ref

    async def get(self, name: str) -> bytes:
        return self.stored[name]


class _Result:
    async def fetchone(self) -> None:
        return None

    async def fetchall(self) -> list[Any]:
        return []


class _EmptyConnection:
    async def execute(self, *_: Any) -> _Result:
        return _Result()


class EmptyPool:
    """A read model with no rows."""

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[_EmptyConnection]:
        yield _EmptyConnection()


class UntouchablePool:
    """Fails the test if a handler reaches the database."""

    def connection(self) -> Any:
        raise AssertionError("the handler used the database")


def _deps(tmp_path: Path, catalog: FrameworkCatalog, keyring: Keyring, pool: Any, bus: Any) -> Deps:
    settings = load_settings(env={}, home=tmp_path)
    rt = Runtime("attestation", settings, bus, pool, None, asyncio.Event())
    return Deps(rt, load_config({}), catalog, keyring, asyncio.Semaphore(1), FakeObjects())


def _req(body: dict[str, Any], workspace_id: str | None = WS) -> RpcRequest:
    return RpcRequest(RpcContext(workspace_id=workspace_id, actor="user:ada"), msgspec.json.encode(body))


async def test_the_catalogue_is_public_and_cacheable(tmp_path: Path, catalog: FrameworkCatalog) -> None:
    deps = _deps(tmp_path, catalog, Keyring.from_private_key(bytes(32)), UntouchablePool(), FakeBus())
    listed = await HANDLERS["frameworks.list"](deps, _req({}, workspace_id=None))
    assert listed.headers["Cache-Control"].startswith("public")
    assert {f["id"] for f in listed.json()} == {"reproducibility-baseline", "fair-research-data"}
    one = await HANDLERS["frameworks.get"](deps, _req({"framework_id": "reproducibility-baseline"}, None))
    assert one.json()["version"] == "1.0.0" and len(one.json()["digest"]) == 64
    with pytest.raises(NotFound):
        await HANDLERS["frameworks.get"](deps, _req({"framework_id": "reproducibility-baseline", "version": "9.9.9"}))


@pytest.mark.parametrize(
    ("op", "body"),
    [
        ("frameworks.enable", {"workspace_id": "ws_other", "framework_id": "reproducibility-baseline"}),
        ("compliance.evaluate", {"workspace_id": "ws_other"}),
        ("compliance.status", {"workspace_id": "ws_other"}),
        ("compliance.gaps", {"workspace_id": "ws_other"}),
        ("attestations.issue", {"workspace_id": "ws_other", "framework_id": "reproducibility-baseline"}),
        ("attestations.list", {"workspace_id": "ws_other"}),
        ("attestations.revoke", {"workspace_id": "ws_other", "attestation_id": "01J", "reason": "x"}),
    ],
)
async def test_another_workspace_is_refused_before_any_io(
    tmp_path: Path, catalog: FrameworkCatalog, op: str, body: dict[str, Any]
) -> None:
    bus = FakeBus()
    deps = _deps(tmp_path, catalog, Keyring.from_private_key(bytes(32)), UntouchablePool(), bus)
    with pytest.raises(NotFound):
        await HANDLERS[op](deps, _req(body))
    assert bus.events == []


async def test_a_blank_reason_is_refused_before_any_io(tmp_path: Path, catalog: FrameworkCatalog) -> None:
    deps = _deps(tmp_path, catalog, Keyring.from_private_key(bytes(32)), UntouchablePool(), FakeBus())
    with pytest.raises(Unprocessable):
        await HANDLERS["attestations.revoke"](deps, _req({"workspace_id": WS, "attestation_id": "01J", "reason": " "}))


async def test_rotation_publishes_the_new_key_and_the_retired_one(tmp_path: Path, catalog: FrameworkCatalog) -> None:
    keyring = KeyringDirectory.open(tmp_path / "keys")
    old = keyring.keyid
    bus = FakeBus()
    deps = _deps(tmp_path, catalog, keyring, EmptyPool(), bus)
    reply = await HANDLERS["keys.rotate"](deps, _req({}, workspace_id=None))
    new = reply.json()["active"]
    assert reply.json()["retired"] == old and new != old and keyring.keyid == new
    published = [(e.kid, e.retired_at is not None) for e in bus.events if isinstance(e, SigningKeyPublished)]
    assert published == [(new, False), (old, True)]
    jwks = (await HANDLERS["keys.jwks"](deps, _req({}, workspace_id=None))).json()
    assert [k["kid"] for k in jwks["keys"]] == [new]  # the active key, even before the read model has it

    from_secret = _deps(tmp_path, catalog, Keyring.from_private_key(bytes(32)), EmptyPool(), FakeBus())
    with pytest.raises(Conflict, match="replacing the secret"):
        await HANDLERS["keys.rotate"](from_secret, _req({}, workspace_id=None))
