"""A poison event never takes the ledger down (issue 11, item 2).

Events that no read model can apply (text holding NUL, which PostgreSQL cannot store) are
appended straight to the run log, as a bug at the edge once let them in. Every service
dead-letters its copy and goes on; /health says "degraded" (200) and the stack serves; a stack
started again on the same state starts and serves; the operator path (``ql ops dead-letters``)
lists, shows and skips them, the skip is recorded in the log, health is "up" again, and a replay
makes the same decision (same digest, no new dead letter).
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner
from qlcore.bus import Bus
from qlcore.busauth import OPERATOR, nats_env
from qlcore.config import SERVICES
from qlcore.embedded import free_port
from qlcore.events import RunIngested
from qlcore.events.identity import OrgCreated
from qlcore.events.transparency import WorkspaceLogOptedIn
from qlprov.hashing import canonical_body, digest_hex
from quantumledger.cli.main import cli

from tests.fixtures import Infra, Stack, stack_context
from tests.integration.platform.bundles import bundle

pytestmark = pytest.mark.integration


async def _poison(stack: Stack) -> None:
    """One run.ingested, one org.created and one workspace.log_opted_in carrying NUL, appended as if
    the edge had let them in (the last for the transparency log, which stores no run of a workspace
    that did not opt in)."""
    bus = Bus(stack.nc, stack.settings)
    doc = bundle("poison")
    doc["program"]["name"] = "Nul\u0000Name"
    doc["execution"]["status"] = "completed\u0000"
    doc["backend"]["name"] = "ibm_\u0000kyiv"
    body = canonical_body(doc)
    run_hash = digest_hex(body)
    entry = await bus.append_document(body, run_id="01POISONRUN", run_hash=run_hash)
    await bus.append(
        RunIngested.new(
            actor="attacker",
            workspace_id="ws\u0000",
            run_id="01POISONRUN",
            run_hash=run_hash,
            head=msgspec.Raw(body),
            received_at="2026-01-01T00:00:00Z",
            document_seq=entry.seq,
        )
    )
    await bus.append(
        OrgCreated.new(
            actor="attacker", workspace_id=None, org_id="org\u0000", slug="nul", name="Nul\u0000Org", plan="free"
        )
    )
    await bus.append(WorkspaceLogOptedIn.new(actor="attacker", workspace_id="ws\u0000"))


async def _dead_letters(stack: Stack) -> dict[str, list[dict[str, Any]]]:
    return {name: (await stack.call(name, "ops.dead_letters.list")).json() for name in SERVICES}


async def _settled(stack: Stack, timeout: float = 60.0) -> dict[str, list[dict[str, Any]]]:
    """Wait (bounded) until every read model has reached the end of the log, retries included."""
    async with asyncio.timeout(timeout):
        for name in SERVICES:
            await stack.wait_caught_up(name, timeout)
    return await _dead_letters(stack)


async def _health(stack: Stack, token: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with stack.client() as anon:
        r = await anon.get("/api/v1/health", headers=headers)
    return r.status_code, r.json()


async def _serves(stack: Stack, tag: str) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        r = await c.post("/api/v1/ingest/runs", json=bundle(tag))
        assert r.status_code == 201, r.text
        await stack.wait_caught_up("provenance")
        assert (await c.get(f"/api/v1/runs/{r.json()['run_id']}")).status_code == 200


def _ql(stack: Stack, *args: str) -> str:
    env = {**nats_env(stack.settings, OPERATOR), "QL_OPERATOR": "ada"}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


async def test_poison_is_dead_lettered_the_stack_restarts_and_the_operator_clears_it(infra: Infra) -> None:
    async for first in stack_context(infra):
        await _poison(first)
        letters = await _settled(first)
        assert all(letters[name] for name in SERVICES), letters  # every read model met what it cannot store
        assert all(d["event_id"] and d["attempts"] >= 1 and d["error"] for v in letters.values() for d in v)
        assert await _health(first) == (200, {"status": "degraded"})  # nothing more, publicly
        assert (await _health(first, "ql_op_wrong"))[1] == {"status": "degraded"}
        code, details = await _health(first, first.operator_token)
        assert code == 200 and details["services"]["provenance"]["dead_letters"] >= 1
        await _serves(first, "still-serving")
        settings = first.settings
        break  # stops the first stack

    async for again in stack_context(infra, settings=msgspec.structs.replace(settings, port=free_port())):
        assert await _health(again) == (200, {"status": "degraded"})  # started on the poisoned state
        await _serves(again, "after-restart")
        digest_before = (await again.call("provenance", "ops.digest")).json()["digest"]

        listed = await asyncio.to_thread(_ql, again, "ops", "dead-letters", "ls", "provenance")
        seq = (await _dead_letters(again))["provenance"][0]["seq"]
        assert str(seq) in listed and "run.ingested" in listed
        shown = await asyncio.to_thread(_ql, again, "ops", "dead-letters", "show", "provenance", str(seq))
        assert "01POISONRUN" in shown
        for name, items in (await _dead_letters(again)).items():
            for d in items:
                out = await asyncio.to_thread(
                    _ql, again, "ops", "dead-letters", "skip", name, str(d["seq"]), "--reason", "NUL from a past bug"
                )
                assert "skipped" in out
        assert await _dead_letters(again) == {name: [] for name in SERVICES}
        assert await _health(again) == (200, {"status": "up"})

        decisions = await _skip_decisions(again)
        assert {(e["service"], e["actor"], e["reason"]) for e in decisions} == {
            (name, "operator:ada", "NUL from a past bug") for name in SERVICES
        }

        replayed = (await again.call("provenance", "ops.replay", timeout=120)).json()
        assert replayed["digest"] == digest_before  # the replay made the same decision
        assert (await _dead_letters(again))["provenance"] == []
        break


async def _skip_decisions(stack: Stack) -> list[dict[str, Any]]:
    """The ops.dead_letter_skipped events in the log, read back with a plain JetStream consumer."""
    js = stack.nc.jetstream()
    sub = await js.subscribe(f"{stack.settings.log_subject_prefix}.ops.dead_letter_skipped.>", ordered_consumer=True)
    out: list[dict[str, Any]] = []
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=1.0)
            except TimeoutError:
                return out
            out.append(msgspec.json.decode(msg.data))
    finally:
        await sub.unsubscribe()
