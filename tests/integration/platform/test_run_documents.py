"""``GET /runs/{id}`` reads the provenance service's copy of a document, and only a true one
(decision 0025): copied after the fact, served when the log's entry is gone, never served when
it does not hash to the run's ``run_hash``, untouched by a replay of the read model; a run whose
document is not copied yet is read from the log.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import psycopg
import pytest
from qlprov.hashing import canonical_body, digest_hex
from quantumledger.verify import verify

from services.provenance.store import pack_document, unpack_document
from tests.fixtures import Infra, Stack, Tenant, stack_context
from tests.integration.platform.bundles import bundle

pytestmark = pytest.mark.integration


@pytest.fixture
async def own_stack(infra: Infra) -> AsyncIterator[Stack]:
    """A stack of its own: this test deletes entries of its run log and edits its read model."""
    async for s in stack_context(infra):
        yield s


async def _copies(stack: Stack) -> dict[str, tuple[str, bytes]]:
    schema = stack.settings.schema("provenance")
    async with await psycopg.AsyncConnection.connect(stack.settings.database_url, autocommit=True) as conn:
        rows = await (await conn.execute(f"SELECT run_id, run_hash, body FROM {schema}.documents")).fetchall()
    return {r[0]: (r[1], unpack_document(r[2])) for r in rows}


async def _until_copied(stack: Stack, run_ids: set[str]) -> dict[str, tuple[str, bytes]]:
    for _ in range(400):
        copies = await _copies(stack)
        if run_ids <= copies.keys():
            return copies
        await asyncio.sleep(0.025)
    raise TimeoutError(f"not copied: {run_ids - copies.keys()}")


async def _document_seq(stack: Stack, run_id: str) -> int:
    schema = stack.settings.schema("provenance")
    async with await psycopg.AsyncConnection.connect(stack.settings.database_url, autocommit=True) as conn:
        row = await (
            await conn.execute(f"SELECT document_seq FROM {schema}.runs WHERE run_id = %s", (run_id,))
        ).fetchone()
    assert row is not None
    return int(row[0])


async def _ingest(stack: Stack, t: Tenant, seeds: range) -> dict[str, dict[str, object]]:
    sent = {}
    async with stack.client(t) as c:
        for i in seeds:
            doc = bundle(9000 + i)
            r = await c.post("/api/v1/ingest/runs", json=doc)
            assert r.status_code == 201, r.text
            sent[r.json()["run_id"]] = doc
    return sent


async def test_documents_are_copied_and_served_from_the_copy(own_stack: Stack) -> None:
    stack = own_stack
    t = await stack.tenant()
    sent = await _ingest(stack, t, range(6))
    copies = await _until_copied(stack, set(sent))
    for run_id, doc in sent.items():
        run_hash, body = copies[run_id]
        assert body == canonical_body(doc) and digest_hex(body) == run_hash  # the document, byte for byte

    # the log's entry of one document is gone: the copy still answers, whole and verifiable
    gone = next(iter(sent))
    await stack.nc.jetstream().delete_msg(stack.settings.stream, await _document_seq(stack, gone))
    async with stack.client(t) as c:
        r = await c.get(f"/api/v1/runs/{gone}")
        assert r.status_code == 200, r.text
        assert verify(r.json()).run_hash == copies[gone][0]
        assert r.headers["etag"] == f'"{copies[gone][0]}"'
        again = await c.get(f"/api/v1/runs/{gone}", headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == r.headers["etag"]

    # a replay of the read model rebuilds the runs, and leaves the copies be (nothing copied again)
    before = await _copies(stack)
    replay = (await stack.call("provenance", "ops.replay", timeout=120)).json()
    assert replay["events"] >= 6
    assert await _copies(stack) == before
    async with stack.client(t) as c:
        assert (await c.get(f"/api/v1/runs/{gone}")).status_code == 200
    # and the copier goes on after it: a run ingested since is copied
    later = await _ingest(stack, t, range(6, 7))
    await _until_copied(stack, set(later))


async def test_a_damaged_copy_is_never_served(own_stack: Stack) -> None:
    """A copy whose bytes are not the run's document (edited in the database) is passed over for
    the log's entry; with the log's entry gone too, the answer is an error, never other bytes."""
    stack = own_stack
    t = await stack.tenant()
    sent = await _ingest(stack, t, range(2))
    await _until_copied(stack, set(sent))
    damaged, other = list(sent)
    forged = {**sent[damaged], "forged": True}  # a valid document, not this run's
    schema = stack.settings.schema("provenance")
    async with await psycopg.AsyncConnection.connect(stack.settings.database_url, autocommit=True) as conn:
        await conn.execute(
            f"UPDATE {schema}.documents SET body = %s WHERE run_id = %s",
            (pack_document(canonical_body(forged)), damaged),
        )
    async with stack.client(t) as c:
        r = await c.get(f"/api/v1/runs/{damaged}")
        assert r.status_code == 200
        assert canonical_body(r.json()) == canonical_body(sent[damaged])  # the log's, not the forged copy

        await stack.nc.jetstream().delete_msg(stack.settings.stream, await _document_seq(stack, damaged))
        r = await c.get(f"/api/v1/runs/{damaged}")
        assert r.status_code == 500 and r.json()["type"].endswith("log-inconsistent")
        assert (await c.get(f"/api/v1/runs/{other}")).status_code == 200


async def test_a_run_not_copied_yet_is_read_from_the_log(own_stack: Stack) -> None:
    stack = own_stack
    t = await stack.tenant()
    sent = await _ingest(stack, t, range(3))
    await _until_copied(stack, set(sent))
    schema = stack.settings.schema("provenance")
    async with await psycopg.AsyncConnection.connect(stack.settings.database_url, autocommit=True) as conn:
        await conn.execute(f"DELETE FROM {schema}.documents")  # as before the copier reaches them
    async with stack.client(t) as c:
        for run_id, doc in sent.items():
            r = await c.get(f"/api/v1/runs/{run_id}")
            assert r.status_code == 200
            assert canonical_body(r.json()) == canonical_body(doc)
    # an operator who puts the copier back to the start (as after a restore) gets every copy again
    # (at the next run ingested, or within RECHECK_S), and ops.status says when it is through
    async with await psycopg.AsyncConnection.connect(stack.settings.database_url, autocommit=True) as conn:
        await conn.execute(f"UPDATE {schema}.documents_copied SET seq = 0")
    sent |= await _ingest(stack, t, range(3, 4))
    copies = await _until_copied(stack, set(sent))
    assert all(digest_hex(body) == run_hash for run_hash, body in copies.values())
    for _ in range(200):
        status = (await stack.call("provenance", "ops.status")).json()
        if status["documents"]["runs_behind"] == 0:
            break
        await asyncio.sleep(0.025)
    else:
        raise AssertionError(f"the copier never caught up: {status}")
    assert 0 < status["documents"]["copied_through_seq"] <= status["position"]
    # another workspace's run is a 404, copied or not
    async with stack.client(await stack.tenant()) as c:
        assert (await c.get(f"/api/v1/runs/{next(iter(sent))}")).status_code == 404
