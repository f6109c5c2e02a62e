"""Listing runs (order, cursor pagination with Link, filters) and the SDK client against a real stack."""

from __future__ import annotations

import asyncio

import pytest
from qlprov.hashing import run_hash
from quantumledger import APIError, Client, verify
from quantumledger.examples import ghz_bundle

from tests.fixtures import Stack
from tests.integration.platform.bundles import bundle

pytestmark = pytest.mark.integration


async def test_list_most_recent_first_with_link_pagination_and_filters(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        for i in range(7):
            created = f"2025-03-0{i + 1}T12:00:00Z"
            backend = "ibm_kyiv" if i % 2 == 0 else "ibm_torino"
            status = "failed" if i == 3 else "completed"
            r = await c.post(
                "/api/v1/ingest/runs", json=bundle(900 + i, created_at=created, backend=backend, status=status)
            )
            assert r.status_code == 201
        await stack.wait_caught_up("provenance")
        seen, url = [], "/api/v1/runs?limit=3"
        while url:
            r = await c.get(url)
            page = r.json()
            assert len(page) <= 3
            seen += page
            url = r.links.get("next", {}).get("url")
        assert [x["created_at"] for x in seen] == [f"2025-03-0{i}T12:00:00Z" for i in range(7, 0, -1)]
        assert set(seen[0]) == {
            "run_id",
            "run_hash",
            "backend",
            "shots",
            "status",
            "created_at",
            "program",
            "reproduction_of",
            "kind",
        }
        assert {item["kind"] for item in seen} == {"original"}
        torino = (await c.get("/api/v1/runs", params={"backend": "ibm/ibm_torino"})).json()
        assert len(torino) == 3 and {x["backend"] for x in torino} == {"ibm/ibm_torino"}
        failed = (await c.get("/api/v1/runs", params={"status": "failed"})).json()
        assert [x["created_at"] for x in failed] == ["2025-03-04T12:00:00Z"]
        for bad in ({"limit": 0}, {"limit": 500}, {"cursor": "not-a-cursor"}, {"backend": "kyiv"}):
            r = await c.get("/api/v1/runs", params=bad)
            assert r.status_code in (400, 422), (bad, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")


async def test_sdk_client_ingest_stream_list_get_verify(stack: Stack) -> None:
    t = await stack.tenant()
    real = ghz_bundle(3)

    def use_sdk() -> None:
        with Client(stack.base_url, t.api_key) as ql:
            first = ql.ingest(real)
            assert first.deduplicated is False
            results = list(ql.ingest_stream([real, bundle(1), b"{oops", bundle(2)], progress=False))
            by_line = {r.line: r for r in results}
            assert by_line[1].run_id == first.run_id and by_line[1].deduplicated is True
            assert by_line[3].error is not None and by_line[3].error["status"] == 400  # not JSON
            assert ql.me().workspace.id == t.workspace_id
            with pytest.raises(APIError) as err:
                ql.runs.get("01JNOPE000000000000000000")
            assert err.value.status == 404

    await asyncio.to_thread(use_sdk)
    await stack.wait_caught_up("provenance")

    def read_back() -> None:
        with Client(stack.base_url, t.api_key) as ql:
            runs = list(ql.runs.iter())
            assert len(runs) == 3
            doc = ql.runs.get(next(r.run_id for r in runs if r.run_hash == verify(real).run_hash))
            assert verify(doc).run_hash == verify(real).run_hash

    await asyncio.to_thread(read_back)


async def test_run_document_etag_is_its_hash_and_revalidates_with_304(stack: Stack) -> None:
    t, other = await stack.tenant(), await stack.tenant()
    async with stack.client(t) as c:
        ingested = (await c.post("/api/v1/ingest/runs", json=bundle("etag"))).json()
        await stack.wait_caught_up("provenance")
        url = f"/api/v1/runs/{ingested['run_id']}"
        full = await c.get(url)
        etag = f'"{ingested["run_hash"]}"'
        assert full.status_code == 200 and full.headers["etag"] == etag
        assert "no-cache" in full.headers["cache-control"] and "private" in full.headers["cache-control"]
        again = await c.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        stale = await c.get(url, headers={"If-None-Match": '"00", W/"11"'})
        assert stale.status_code == 200 and run_hash(stale.json()) == ingested["run_hash"]
    async with stack.client(other) as c:  # a validator never reveals another workspace's run
        assert (await c.get(url, headers={"If-None-Match": etag})).status_code == 404
