"""The card service on the service template: typed dependencies built once, module-level
handlers from one table (each callable alone with fakes), a projection that never drops an
event silently. What each catches: a return to the closure/``ctx.state`` shape, an undecodable
run that vanishes from the read model without a log line or a dead letter, a handler that needs
NATS or PostgreSQL to refuse bad input."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import msgspec
import pytest
import structlog
from qlcore.config import load_settings
from qlcore.events import RunIngested
from qlcore.rpc import RpcContext, RpcRequest
from qlcore.service import Runtime, ServiceSpec

from services.card import handlers as card_handlers
from services.card.adapters.changes import ChangeFeed
from services.card.bootstrap import Deps, spec
from services.card.config import load_config
from services.card.handlers import OPERATIONS
from services.card.projection import CardProjection, UndecodableRun

HANDLERS = {op.name: op.handler for op in OPERATIONS}


class _NoDatabase:
    """A pool that fails the test if a handler touches it."""

    def connection(self) -> Any:
        raise AssertionError("this request must be answered without the database")


def _deps() -> Deps:
    settings = load_settings()
    rt = Runtime("card", settings, bus=None, pool=_NoDatabase(), runner=None, stop=asyncio.Event())  # type: ignore[arg-type]
    return Deps(rt, load_config({}), "https://ql.example", ChangeFeed())


def test_spec_is_typed_and_handlers_are_module_functions() -> None:
    s = spec()
    assert isinstance(s, ServiceSpec)
    assert {op.name for op in s.operations} == {
        "cards.get",
        "cards.citation",
        "cards.embed",
        "cards.page",
        "cards.provenance",
        "cards.badge",
        "cards.publish",
        "cards.unpublish",
        "cards.reproduce",
        "cards.applied",
    }
    for op in s.operations:
        assert inspect.iscoroutinefunction(op.handler)
        assert op.handler.__qualname__ == op.handler.__name__, f"{op.name} is a closure"
        assert list(inspect.signature(op.handler).parameters) == ["deps", "req"]


def test_config_from_env_and_refused_when_invalid() -> None:
    assert load_config({"QL_CARD_APPLIED_TIMEOUT_S": "2.5"}).applied_timeout_s == 2.5
    with pytest.raises(ValueError):
        load_config({"QL_CARD_INGEST_TIMEOUT_S": "0"})


async def test_unknown_badge_type_needs_no_database() -> None:
    reply = await HANDLERS["cards.badge"](_deps(), RpcRequest(RpcContext(), b'{"slug":"x","badge":"nope.svg"}'))
    assert reply.status == 404
    assert b"unknown badge type" in reply.body


async def test_commands_refuse_an_anonymous_caller_before_any_read() -> None:
    from qlcore.errors import Unauthorized

    for name in ("cards.publish", "cards.unpublish", "cards.reproduce"):
        with pytest.raises(Unauthorized):
            await HANDLERS[name](_deps(), RpcRequest(RpcContext(), b'{"run_id":"r","slug":"s","submission":{}}'))


class _Cursor:
    def __init__(self) -> None:
        self.statements: list[str] = []

    async def execute(self, sql: str, params: Any = None) -> None:
        self.statements.append(sql)

    async def executemany(self, sql: str, params: Any) -> None:
        self.statements.append(sql)


def _ingested(head: bytes) -> RunIngested:
    return RunIngested.new(
        actor="t",
        workspace_id="ws",
        correlation_id=None,
        run_id="run_1",
        run_hash="0" * 64,
        head=msgspec.Raw(head),
        received_at="2026-01-01T00:00:00Z",
        document_seq=1,
    )


@pytest.mark.parametrize("batch", [False, True])
async def test_an_undecodable_run_is_logged_with_its_cause_and_raised(batch: bool) -> None:
    """Raised, the runner retries the event and then dead-letters it (an operator sees it);
    before, the run was dropped without a trace."""
    p, cur = CardProjection(), _Cursor()
    event = _ingested(b'{"program": {"name": "x"}}')
    with structlog.testing.capture_logs() as logs, pytest.raises(UndecodableRun, match="run_1"):
        if batch:
            await p.apply_batch(cur, [(event, 7)])  # type: ignore[arg-type]
        else:
            await p.apply(cur, event, 7)  # type: ignore[arg-type]
    assert cur.statements == []
    errors = [entry for entry in logs if entry["event"] == "card.undecodable_run"]
    assert errors and errors[0]["run_id"] == "run_1" and errors[0]["seq"] == 7
    assert "created_at" in errors[0]["error"] or "Object missing" in errors[0]["error"]


def test_no_legacy_shape_left_in_the_card_service() -> None:
    import pathlib

    root = pathlib.Path(card_handlers.__file__).parents[1]
    for path in root.rglob("*.py"):
        text = path.read_text()
        assert "qlcore.service.legacy" not in text and "ServiceContext" not in text and "LegacySpec" not in text, path
    for gone in (
        "commands.py",
        "queries.py",
        "tables.py",
        "consistency.py",
        "changes.py",
        "documents.py",
        "replies.py",
    ):
        assert not (root / gone).exists(), gone
