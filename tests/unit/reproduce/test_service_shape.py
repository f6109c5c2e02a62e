"""The reproduce service on the service template: typed dependencies built once, module-level
handlers from one table, tasks of ``Deps``, no legacy context, no per-service read-your-writes
wrapper, no swallowed errors. What each catches: a return to ``ctx.state`` and closures, a
``suppress(Exception)`` that hides why a job could not be handed back, a report that lists every
reproduction a run ever had."""

from __future__ import annotations

import ast
import asyncio
import inspect
import pathlib
from typing import Any

import pytest
import structlog
from nats import errors as nats_errors
from qlcore.config import load_settings
from qlcore.errors import Unauthorized
from qlcore.rpc import RpcContext, RpcRequest
from qlcore.service import Runtime, ServiceSpec

import services.reproduce as package
from services.reproduce import worker
from services.reproduce.bootstrap import Deps, spec
from services.reproduce.config import load_config
from services.reproduce.handlers import OPERATIONS
from services.reproduce.report.model import MAX_EMBEDDED, build_report
from tests.unit.reproduce.test_service_parts import _inputs, _job

ROOT = pathlib.Path(package.__file__).parent


def test_spec_is_typed_with_module_level_handlers_and_tasks() -> None:
    s = spec()
    assert isinstance(s, ServiceSpec) and s.close is not None
    assert {op.name for op in s.operations} == {"reproductions.request", "reproductions.get", "runs.report"}
    for fn in [op.handler for op in s.operations]:
        assert fn.__qualname__ == fn.__name__ and list(inspect.signature(fn).parameters) == ["deps", "req"]
    for task in s.tasks:
        assert list(inspect.signature(task).parameters) == ["deps"]


def test_no_legacy_shape_and_no_swallowed_errors() -> None:
    for gone in ("consistency.py", "tables.py", "report/build.py", "jobs.py", "completions.py"):
        assert not (ROOT / gone).exists(), gone
    for path in ROOT.rglob("*.py"):
        text = path.read_text()
        assert "ServiceContext" not in text and "LegacySpec" not in text and "ctx.state" not in text, path
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "suppress":
                assert all(getattr(a, "id", "") != "Exception" for a in node.args), f"suppress(Exception) in {path}"


async def test_a_job_that_cannot_be_handed_back_is_logged_with_the_cause() -> None:
    class Msg:
        async def nak(self, delay: float | None = None) -> None:
            raise nats_errors.ConnectionClosedError()

    with structlog.testing.capture_logs() as logs:
        await worker._nak(Msg(), delay=1.0)  # type: ignore[arg-type]
    [entry] = [e for e in logs if e["event"] == "reproduce.nak_failed"]
    assert "ConnectionClosedError" in entry["error"]


async def test_operations_refuse_an_anonymous_caller_before_any_read() -> None:
    rt = Runtime("reproduce", load_settings(), None, None, None, asyncio.Event())  # type: ignore[arg-type]
    deps = Deps(rt, load_config({}), None, None)  # type: ignore[arg-type]
    for op in OPERATIONS:
        with pytest.raises(Unauthorized):
            await op.handler(deps, RpcRequest(RpcContext(), b'{"run_id": "r", "job_id": "j"}'))


def test_the_report_lists_one_page_and_links_the_older_ones() -> None:
    jobs = [_job(job_id=f"J{i:03}") for i in range(MAX_EMBEDDED)]
    r: dict[str, Any] = build_report(_inputs(jobs=jobs, older="J000"), "https://ql.example")
    assert len(r["reproductions"]) == MAX_EMBEDDED
    assert r["links"]["older"] == "https://ql.example/api/v1/runs/R1/report?before=J000"
    assert build_report(_inputs(), "")["links"]["older"] is None
