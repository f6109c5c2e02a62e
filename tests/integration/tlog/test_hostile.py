"""Hostile input on every route of the log: a problem with a 4xx status, never a 500, never data."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.fixtures import Stack
from tests.integration.attestation.helpers import run_document
from tests.integration.card.helpers import ingest, publish
from tests.integration.tlog.helpers import with_proof

pytestmark = pytest.mark.integration

NUMBERS = [
    "-1",
    "+1",
    " 1",
    "1 ",
    "01",
    "1e3",
    "0x10",
    "1.0",
    "\x00",
    "1\x00",
    "\u0661\u0662",  # Arabic-Indic digits: int() would take them
    "1_000",
    "9223372036854775808",  # 2^63
    "18446744073709551616",  # 2^64
    "9" * 100,
    "",
    "abc",
]
TILE_PATHS = [
    "/log/",
    "/log/checkpoint/x",
    "/log/tile/0/000.p/0",
    "/log/tile/0/000.p/256",
    "/log/tile/0/000.p/01",
    "/log/tile/64/000",
    "/log/tile/00/000",
    "/log/tile/-1/000",
    "/log/tile/0/x000/001",
    "/log/tile/0/1",
    "/log/tile/0/0000",
    "/log/tile/0/x999/x999/x999/x999/x999/x999/x999/999",
    "/log/tile/entries/x001/000",
    "/log/tile/5/000",
    "/log/tile/0/%00",
    "/log/tile/data/000",
    "/log/" + "a" * 5000,
    "/logx",
]


def _problem(r: Any, allowed: tuple[int, ...]) -> None:
    assert r.status_code in allowed, (r.request.url, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json"), (r.request.url, r.headers)
    assert r.json()["status"] == r.status_code


@pytest.fixture(scope="module")
async def slug(stack: Stack) -> str:
    t = await stack.tenant()
    async with stack.client(t) as c, stack.client() as anon:
        made = await publish(c, await ingest(c, run_document()), title="Hostile inputs")
        await with_proof(anon, f"/api/v1/cards/{made['slug']}")
    return str(made["slug"])


async def test_numbers_in_every_log_query(stack: Stack, slug: str) -> None:
    async with stack.client() as anon:
        for n in NUMBERS:
            _problem(await anon.get(f"/api/v1/log/entries/{quote(n, safe='')}"), (422, 404))
            _problem(await anon.get("/api/v1/log/proof/inclusion", params={"index": n}), (422,))
            _problem(await anon.get("/api/v1/log/proof/inclusion", params={"index": "0", "size": n or "x"}), (422,))
            _problem(await anon.get("/api/v1/log/proof/consistency", params={"from": n}), (422,))
            _problem(await anon.get("/api/v1/log/proof/consistency", params={"from": "0", "to": n or "x"}), (422,))
            _problem(
                await anon.get("/api/v1/log/bundle", params={"kind": "card", "subject": slug, "size": n or "x"}), (422,)
            )
        big = str(2**62)
        _problem(await anon.get(f"/api/v1/log/entries/{big}"), (404,))
        _problem(await anon.get("/api/v1/log/proof/inclusion", params={"index": big}), (404,))
        _problem(await anon.get("/api/v1/log/proof/inclusion", params={"index": "0", "size": big}), (404,))
        _problem(await anon.get("/api/v1/log/proof/consistency", params={"from": "1", "to": "0"}), (422,))
        _problem(await anon.get("/api/v1/log/proof/consistency", params={"from": big}), (422, 404))
        _problem(await anon.get("/api/v1/log/proof/inclusion"), (422,))
        _problem(await anon.get("/api/v1/log/proof/consistency"), (422,))


async def test_kinds_and_subjects_of_bundles(stack: Stack, slug: str) -> None:
    async with stack.client() as anon:
        ok = await anon.get("/api/v1/log/bundle", params={"kind": "card", "subject": slug})
        assert ok.status_code == 200, ok.text
        for kind in ("", "cards", "CARD", "card\x00", "x" * 1000):
            _problem(await anon.get("/api/v1/log/bundle", params={"kind": kind, "subject": slug}), (422,))
        for subject in ("", " ", "-leading", "a b", "a\x00b", "é", "x" * 201, "../etc"):
            _problem(await anon.get("/api/v1/log/bundle", params={"kind": "card", "subject": subject}), (422,))
        _problem(await anon.get("/api/v1/log/bundle", params={"kind": "card", "subject": "no-such-card"}), (404,))
        _problem(await anon.get("/api/v1/log/bundle", params={"kind": "attestation", "subject": slug}), (404,))
        _problem(await anon.get("/api/v1/log/bundle", params={"subject": slug}), (422,))
        index = ok.json()["index"]  # a checkpoint that does not hold the entry yet cannot prove it
        below = {"kind": "card", "subject": slug, "size": str(index)}
        _problem(await anon.get("/api/v1/log/bundle", params=below), (404,))


async def test_junk_tile_paths_and_methods(stack: Stack, slug: str) -> None:
    async with stack.client() as anon:
        for path in TILE_PATHS:
            r = await anon.get(path)
            _problem(r, (400, 404))
            assert r.headers.get("access-control-allow-origin") == "*" or path == "/logx"
        r = await anon.post("/log/checkpoint", content=b"x")
        _problem(r, (405,))
        assert r.headers["allow"] == "GET, HEAD"
        head = await anon.head("/log/checkpoint")
        assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0


async def test_the_workspace_setting_refuses_what_is_not_one_boolean(stack: Stack) -> None:
    t = await stack.tenant()
    url = f"/api/v1/workspaces/{t.workspace_id}/transparency"
    bodies = [
        b"",
        b"null",
        b"[]",
        b"{}",
        b'{"run_commitments": "true"}',
        b'{"run_commitments": 1}',
        b'{"run_commitments": true, "run_commitments": false}',
        b'{"run_commitments": true, "more": 1}',
    ]
    not_json = [b'{"run_commitments": true', b"\xff\xfe", b'{"run_commitments": NaN}', b"[" * 10000]
    async with stack.client(t) as c:
        for body in bodies:  # JSON, but not one boolean (decision 0018-validation-400-422)
            _problem(await c.post(url, content=body, headers={"content-type": "application/json"}), (422,))
        for body in not_json:  # not JSON at all
            _problem(await c.post(url, content=body, headers={"content-type": "application/json"}), (400,))
        for ws in ("ws_nope", "\x00", "x" * 500, (await stack.tenant()).workspace_id):
            other = f"/api/v1/workspaces/{quote(ws, safe='')}/transparency"
            _problem(await c.post(other, json={"run_commitments": True}), (404,))
            _problem(await c.get(other), (404,))
        assert (await c.get(url)).json() == {"workspace_id": t.workspace_id, "run_commitments": False, "since": None}
    async with stack.client() as anon:
        _problem(await anon.post(url, json={"run_commitments": True}), (401,))
