"""The gateway's operations are plain functions of (deps, request): called here with fakes, no NATS."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import pytest
from qlcore.config import load_settings
from qlcore.errors import Unprocessable
from qlcore.rpc import RpcContext, RpcRequest

from services.gateway.bootstrap import Deps, spec
from services.gateway.config import load_config
from services.gateway.domain.ratelimit import InMemoryThrottleStore, LoginThrottle, email_key
from services.gateway.handlers import OPERATIONS, admin


def request(body: Any) -> RpcRequest:
    return RpcRequest(RpcContext(actor="operator:test"), msgspec.json.encode(body))


@dataclass
class FakeIdentity:
    login_throttle: LoginThrottle = field(default_factory=lambda: LoginThrottle(InMemoryThrottleStore()))


def deps(tmp_path: Path, identity: Any) -> Deps:
    settings = load_settings(env={"QL_HOME": str(tmp_path)})
    return Deps(rt=None, config=load_config(settings, {}), identity=identity, http=None)  # type: ignore[arg-type]


def test_the_operations_come_from_one_table_of_module_level_functions() -> None:
    names = [op.name for op in OPERATIONS]
    assert names == ["admin.create_org", "admin.create_workspace", "admin.set_plan", "admin.dev_key", "admin.unlock"]
    assert all(op.handler.__module__ == "services.gateway.handlers.admin" for op in OPERATIONS)
    s = spec()
    assert s.name == "gateway" and s.operations is OPERATIONS and [t.__name__ for t in s.tasks] == ["serve_http"]


async def test_unlock_clears_the_accounts_counts(tmp_path: Path) -> None:
    identity = FakeIdentity()
    store = identity.login_throttle.store
    for i in range(3):
        await identity.login_throttle.record_failure("ada@lab.example", f"192.0.2.{i}")
    reply = await admin.unlock(deps(tmp_path, identity), request({"email": " Ada@Lab.Example ", "operator": "bo"}))
    assert reply.status == 200 and reply.json() == {"email": "ada@lab.example", "cleared": 4}
    assert await store.get(email_key("ada@lab.example")) is None


async def test_unlock_refuses_what_is_no_address(tmp_path: Path) -> None:
    for bad in ({"email": ""}, {"email": "a\x00@lab.example"}, {"email": "x" * 300}, {"mail": "a@b.c"}):
        with pytest.raises(Unprocessable):
            await admin.unlock(deps(tmp_path, FakeIdentity()), request(bad))
