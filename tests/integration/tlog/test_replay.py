"""The log's tree is a read model like any other: a replay from sequence 1 rebuilds it row for
row (``ops.digest``), so every root it signed before is the root of the rebuilt tree, and the
checkpoint task goes on signing after it."""

from __future__ import annotations

import pytest
from qlprov.tlog.merkle import tree_hash
from quantumledger.transparency import LogClient

from tests.fixtures import Stack
from tests.integration.attestation.helpers import run_document
from tests.integration.card.helpers import ingest, publish
from tests.integration.tlog.helpers import logs_of, signed_checkpoint, with_proof, within_checkpoint

pytestmark = pytest.mark.integration


async def test_replay_rebuilds_the_same_tree_and_signing_goes_on(stack: Stack) -> None:
    import asyncio

    t = await stack.tenant()
    async with stack.client(t) as c, stack.client() as anon:
        ws = f"/api/v1/workspaces/{t.workspace_id}/transparency"
        assert (await c.post(ws, json={"run_commitments": True})).status_code == 200
        await ingest(c, run_document())  # a committed run: replay reads its document back from the log
        slug = (await publish(c, await ingest(c, run_document()), title="Before the replay"))["slug"]
        await with_proof(anon, f"/api/v1/cards/{slug}")
        _, logs = await logs_of(anon)
        before = await signed_checkpoint(anon, logs)
        await stack.wait_caught_up("tlog")
        digest = (await stack.call("tlog", "ops.digest")).json()["digest"]

        replayed = (await stack.call("tlog", "ops.replay", timeout=120)).json()
        assert replayed["digest"] == digest
        assert (await stack.call("tlog", "ops.digest")).json()["digest"] == digest

        def root_from_tiles() -> bytes:
            with LogClient(stack.base_url) as client:
                return tree_hash(before.checkpoint.size, client.reader(before))

        assert await asyncio.to_thread(root_from_tiles) == before.checkpoint.root_hash
        slug = (await publish(c, await ingest(c, run_document()), title="After the replay"))["slug"]
        card = await with_proof(anon, f"/api/v1/cards/{slug}")
        after = await within_checkpoint(anon, logs, card["transparency"]["index"] + 1)
        info = (await anon.get("/.well-known/quantumledger-log.json")).json()
    assert after.checkpoint.size > before.checkpoint.size and info["signing"] == "ok"
