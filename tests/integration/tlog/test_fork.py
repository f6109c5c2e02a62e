"""A log that rewrites its history is caught: by itself, by its witness, by ``ql witness check``
and by ``ql verify``.

On a stack of its own (the rewrite is destructive), after an honest checkpoint that the log's
witness and an outside monitor both hold, the tree's stored hashes are rewritten in PostgreSQL
(one entry forged, one appended), as a compromised server could:

* the log's own checkpoint task refuses to sign the rewritten tree (``signing: halted``);
* a forged checkpoint signed with the log's key (the compromise is complete) is refused by the
  witness: 422 for the new size with the rewritten tree's consistency proof, 422 for the old
  size with another root, 409 with its size for a stale old size;
* ``ql witness check`` reports the fork (exit 3) with evidence, and ``ql verify`` re-checks
  that evidence, and two checkpoints of one size, with the log's public key alone.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from qlprov.tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from qlprov.tlog.entry import Entry, EntryKind
from qlprov.tlog.memory import MemoryTree
from qlprov.tlog.merkle import consistency_proof, tree_hash
from qlprov.tlog.witness import SIZE_CONTENT_TYPE, format_add_checkpoint
from quantumledger.transparency import log_keys

from tests.fixtures import Infra
from tests.integration.attestation.helpers import run_document
from tests.integration.card.helpers import ingest, publish
from tests.integration.tlog.conftest import Witnessed, witnessed_stack
from tests.integration.tlog.helpers import eventually, run_ql, signed_checkpoint, with_proof

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def victim(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Witnessed]:
    async for w in witnessed_stack(infra, tmp_path_factory.mktemp("fork")):
        yield w


def _all_hashes(tree: MemoryTree) -> list[tuple[int, int, bytes]]:
    rows, level = [], 0
    while (1 << level) <= tree.size:
        rows += [(level, n, tree.read([(level, n)])[0]) for n in range(tree.size >> level)]
        level += 1
    return rows


async def _rewrite_history(w: Witnessed, forged_at: int) -> MemoryTree:
    """Forge entry ``forged_at``, append one more, store the new tree's hashes: a rewritten history."""
    schema = w.stack.settings.schema("tlog")
    async with await psycopg.AsyncConnection.connect(w.stack.settings.database_url) as conn:
        await conn.execute(f'SET search_path TO "{schema}"')
        entries = [bytes(r[0]) for r in await (await conn.execute("SELECT data FROM entries ORDER BY idx")).fetchall()]
        now = datetime.now(UTC)
        entries[forged_at] = Entry.for_document(EntryKind.CARD_PUBLISHED, "forged-card", now, b"forged").encode()
        entries.append(Entry.for_document(EntryKind.CARD_PUBLISHED, "another-forged-card", now, b"more").encode())
        tree = MemoryTree()
        for e in entries:
            tree.append(e)
        async with conn.transaction():
            await conn.execute("DELETE FROM hashes")
            async with conn.cursor() as cur, cur.copy("COPY hashes (level, n, hash) FROM STDIN") as copy:
                for row in _all_hashes(tree):
                    await copy.write_row(row)
            await conn.execute("UPDATE entries SET data = %s WHERE idx = %s", (entries[forged_at], forged_at))
            insert = "INSERT INTO entries (idx, kind, subject, ref, data, seq) VALUES (%s, %s, 'x', 'x', %s, 0)"
            await conn.execute(insert, (tree.size - 1, "card_published", entries[-1]))
            await conn.execute("UPDATE tree SET size = %s", (tree.size,))
    return tree


async def _serve_forged(w: Witnessed, note: bytes, size: int, root: bytes) -> None:
    schema = w.stack.settings.schema("tlog")
    async with await psycopg.AsyncConnection.connect(w.stack.settings.database_url, autocommit=True) as conn:
        await conn.execute(
            f'INSERT INTO "{schema}".checkpoints (origin, size, root, note) VALUES (%s, %s, %s, %s)',
            (w.log.name, size, root, note),
        )


async def test_a_rewritten_history_is_refused_and_reported(victim: Witnessed, tmp_path: Path) -> None:
    w = victim
    logs = log_keys([w.vkey])
    t = await w.stack.tenant()
    async with w.stack.client(t) as c, w.stack.client() as anon:
        for i in range(3):
            slug = (await publish(c, await ingest(c, run_document()), title=f"Honest {i}"))["slug"]
        last = (await with_proof(anon, f"/api/v1/cards/{slug}"))["transparency"]["index"]
        honest = await signed_checkpoint(anon, logs)
    assert honest.checkpoint.size > last
    n = honest.checkpoint.size
    monitor = ["witness", "check", w.stack.base_url, "--log", w.vkey, "--state", str(tmp_path / "monitor.json")]
    code, _, err = await run_ql(*monitor)
    assert code == 0 and err.startswith(("RECORDED", "CONSISTENT")), err

    async def witness_holds_it() -> bool:
        state = json.loads(w.witness.state.read_text())["checkpoints"]
        return open_checkpoint(state[w.log.name], logs).checkpoint.size == n

    await eventually(witness_holds_it, what="the witness holding the honest checkpoint")

    tree = await _rewrite_history(w, forged_at=1)

    async def halted() -> bool:
        async with w.stack.client() as anon:
            return str((await anon.get("/.well-known/quantumledger-log.json")).json()["signing"]).startswith("halted")

    await eventually(halted, what="the log refusing to sign the rewritten tree")

    forged_root = tree_hash(tree.size, tree.read)
    forged = sign_checkpoint(Checkpoint(w.log.name, tree.size, forged_root), [w.log])
    same_size = sign_checkpoint(Checkpoint(w.log.name, n, tree_hash(n, tree.read)), [w.log])
    await _serve_forged(w, forged, tree.size, forged_root)

    async with httpx.AsyncClient() as h, w.stack.client() as anon:
        served = (await anon.get("/api/v1/log/proof/consistency", params={"from": n, "to": tree.size})).json()
        assert served["proof"], served  # the server answers with a proof over its rewritten tree
        add = w.witness.url + "/add-checkpoint"
        grown = await h.post(add, content=format_add_checkpoint(n, consistency_proof(n, tree.size, tree.read), forged))
        same = await h.post(add, content=format_add_checkpoint(n, [], same_size))
        stale = await h.post(add, content=format_add_checkpoint(0, [], forged))
    assert grown.status_code == 422, grown.text
    assert same.status_code == 422, same.text
    assert stale.status_code == 409 and stale.text == f"{n}\n" and stale.headers["content-type"] == SIZE_CONTENT_TYPE
    refused = [json.loads(line) for line in w.witness.refusals.read_text().splitlines()]
    assert [r["status"] for r in refused] == [422, 422, 409]

    evidence = tmp_path / "fork.json"
    code, out, err = await run_ql(*monitor, "--evidence", str(evidence))
    assert code == 3 and err.startswith("FORK"), (code, err)
    assert json.loads(evidence.read_text())["origin"] == w.log.name
    code, out, _ = await run_ql("verify", "--log-key", w.vkey, str(evidence))
    assert code == 3 and "proven" in out, out

    (tmp_path / "honest.checkpoint").write_bytes(honest.encoded)
    (tmp_path / "same-size.checkpoint").write_bytes(same_size)
    (tmp_path / "forged.checkpoint").write_bytes(forged)
    files = [str(tmp_path / f) for f in ("honest.checkpoint", "same-size.checkpoint", "forged.checkpoint")]
    code, out, _ = await run_ql("verify", "--log-key", w.vkey, "--url", w.stack.base_url, *files)
    assert code == 3 and out.count("FORK") >= 1 and f"two roots for size {n}" in out, out
