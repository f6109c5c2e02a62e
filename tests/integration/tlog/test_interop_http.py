"""A verifier that is not ours reads the log over HTTP: Go's ``golang.org/x/mod/sumdb``.

``tests/interop/tlog/main.go`` (HTTP mode) fetches ``/log/checkpoint`` and opens it with
``note.Open`` and the log's vkey, rebuilds the tree head and inclusion proofs from the tiles it
fetches with ``tlog.TileHashReader``, reads entries from the entry bundles, checks the server's
own JSON inclusion proofs with ``tlog.CheckRecord``, and a consistency proof from an older
checkpoint with ``tlog.CheckTree``. The tree is made large enough (an opted-in workspace's 300
runs) for full tiles, a level-1 tile and the gateway's tile cache to be on the path.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest
from qlprov.tlog.bundle import ProofBundle
from qlprov.tlog.tiles import Tile

from tests.fixtures import Stack
from tests.integration.attestation.helpers import run_document
from tests.integration.card.helpers import ingest, publish
from tests.integration.tlog.helpers import logs_of, signed_checkpoint, with_proof, within_checkpoint
from tests.unit.tlog.test_interop_go import GOPATH, SOURCE, require_go

pytestmark = pytest.mark.integration
RUNS = 300


@pytest.fixture(scope="module")
def go_exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go_bin = require_go()
    tmp = tmp_path_factory.mktemp("go-http")
    exe = tmp / "tlog-interop"
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": str(GOPATH), "GOCACHE": str(tmp / "cache")}
    env |= {"GOFLAGS": "", "GOPROXY": "off", "CGO_ENABLED": "0"}
    built = subprocess.run(
        [go_bin, "build", "-o", str(exe), "main.go"], cwd=SOURCE, env=env, capture_output=True, text=True, timeout=600
    )
    if built.returncode != 0:
        pytest.fail(f"building {SOURCE}/main.go failed:\n{built.stderr}")
    return exe


async def go(exe: Path, request: dict[str, Any]) -> dict[str, Any]:
    """Run the Go program beside the event loop (the stack keeps serving it)."""
    proc = await asyncio.create_subprocess_exec(
        str(exe), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(json.dumps(request).encode()), 300)
    assert proc.returncode == 0, err.decode()
    result: dict[str, Any] = json.loads(out)
    return result


async def test_go_verifies_checkpoint_tiles_entries_and_proofs_over_http(stack: Stack, go_exe: Path) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c, stack.client() as anon:
        slug = (await publish(c, await ingest(c, run_document()), title="Read by Go"))["slug"]
        card = await with_proof(anon, f"/api/v1/cards/{slug}")
        info, logs = await logs_of(anon)
        older = await signed_checkpoint(anon, logs)
        ws = f"/api/v1/workspaces/{t.workspace_id}/transparency"
        assert (await c.post(ws, json={"run_commitments": True})).status_code == 200
        lines = b"\n".join(orjson.dumps(run_document()) for _ in range(RUNS)) + b"\n"
        r = await c.post("/api/v1/ingest/runs:stream", content=lines)
        assert r.status_code == 200 and r.text.count('"run_id"') == RUNS, r.text[:500]
        newer = await within_checkpoint(anon, logs, older.checkpoint.size + RUNS)
        size = newer.checkpoint.size
        index = card["transparency"]["index"]
        indexes = sorted({0, index, 255, 256, size // 2, size - 1} - {-1})
        request = {"url": stack.base_url, "vkey": info["vkey"], "indexes": indexes}
        result = (await go(go_exe, {"http": {**request, "old_checkpoint": older.encoded.decode()}}))["http"]
    assert result["ok"], result.get("error")
    assert result["size"] >= size and result["old_size"] == older.checkpoint.size
    assert result["tiles_read"] > 2  # full level-0 tiles and the level-1 tile were on the path
    assert info["vkey"].split("+")[0] + "+" + info["vkey"].split("+")[1] in result["verified"]
    entries = dict(zip(indexes, (base64.b64decode(e) for e in result["entries"]), strict=True))
    assert entries[index] == ProofBundle.parse(card["transparency"]["bundle"]).extra


async def test_tiles_and_checkpoints_are_cached_as_c2sp_says(stack: Stack) -> None:
    from services.gateway.routes.tlog.files import FULL_TILE_CACHE, PARTIAL_TILE_CACHE

    async with stack.client() as anon:
        _, logs = await logs_of(anon)
        cp = await signed_checkpoint(anon, logs)
        size = cp.checkpoint.size
        if size < 256:  # this module's first test made the tree large enough; alone, make it so
            t = await stack.tenant()
            async with stack.client(t) as c:
                ws = f"/api/v1/workspaces/{t.workspace_id}/transparency"
                assert (await c.post(ws, json={"run_commitments": True})).status_code == 200
                lines = b"\n".join(orjson.dumps(run_document()) for _ in range(256 - size + 1)) + b"\n"
                assert (await c.post("/api/v1/ingest/runs:stream", content=lines)).status_code == 200
            cp = await within_checkpoint(anon, logs, 257)
            size = cp.checkpoint.size
        for path in ("/log/tile/0/000", "/log/tile/entries/000"):
            full = await anon.get(path)
            assert full.status_code == 200 and full.headers["cache-control"] == FULL_TILE_CACHE, full.text
            assert full.headers["content-type"] == "application/octet-stream" and full.headers["etag"]
            assert full.headers["access-control-allow-origin"] == "*"
            again = await anon.get(path, headers={"If-None-Match": full.headers["etag"]})
            assert again.status_code == 304 and again.content == b""
        assert len((await anon.get("/log/tile/0/000")).content) == 8192
        width = size % 256 or 256
        partial = await anon.get("/log/" + Tile(0, (size - 1) // 256, width).path())
        assert partial.status_code == 200 and len(partial.content) == 32 * width
        assert partial.headers["cache-control"] == (PARTIAL_TILE_CACHE if width < 256 else FULL_TILE_CACHE)
        checkpoint = await anon.get("/log/checkpoint")
        assert checkpoint.headers["cache-control"] == "no-cache"
        again = await anon.get("/log/checkpoint", headers={"If-None-Match": checkpoint.headers["etag"]})
        assert again.status_code == 304 or again.headers["etag"] != checkpoint.headers["etag"]  # or it moved on
