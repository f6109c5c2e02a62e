"""The run list on real PostgreSQL: every filter, paged by cursor to the end, against the rows
themselves; and each filter answered by an index in the list's order (no sort, no filtering
after the scan), which is what keeps a page's cost independent of the size of the workspace.

Runs go in through the provenance projection and come out through the ``runs.list`` handler, so
the head's mapping, the query, the cursor and the next-page header are all exercised.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import msgspec
import orjson
import pytest
from psycopg_pool import AsyncConnectionPool
from qlcore.db import META_DDL, make_pool
from qlcore.events import RunIngested
from qlcore.rpc import RpcContext, RpcRequest

from services.provenance import store
from services.provenance.bootstrap import Deps
from services.provenance.config import ProvenanceConfig
from services.provenance.domain import ListQuery, encode_cursor, run_filter
from services.provenance.handlers import list_runs
from services.provenance.projection import RunsProjection
from tests.fixtures import Infra

pytestmark = pytest.mark.integration

BACKENDS = ("ibm/ibm_kyiv", "ibm/ibm_torino", "quantinuum/h1-1")
STATUSES = ("completed", "failed", "cancelled")
FILTERS: list[dict[str, str]] = [
    {},
    *({"backend": b} for b in BACKENDS),
    *({"status": s} for s in STATUSES),
    *({"backend": b, "status": s} for b, s in itertools.product(BACKENDS, STATUSES)),
]
KINDS = ({}, {"kind": "simulated"})  # the default (original) and the simulated reproductions alone


def _event(ws: str, i: int) -> RunIngested:
    """Run ``i``: four runs share each ``created_at`` (ties cross page boundaries), in shuffled order."""
    provider, name = BACKENDS[i * 7 % 3].split("/")
    head = {
        "created_at": f"2025-03-{1 + (i * 37 % 150) // 24:02d}T{(i * 37 % 150) % 24:02d}:00:00Z",
        "backend": {"provider": provider, "name": name},
        "execution": {"shots": 100 + i, "status": STATUSES[(i // 3 + i) % 3]},
    }
    return RunIngested.new(
        actor="test",
        workspace_id=ws,
        run_id=f"R{ws}{i:04d}",
        run_hash=f"{i:064x}",
        head=msgspec.Raw(orjson.dumps(head)),
        received_at="2025-04-01T00:00:00Z",
        document_seq=2 * i + 1,
    )


@pytest.fixture
async def runs(infra: Infra) -> AsyncIterator[tuple[AsyncConnectionPool, list[dict[str, Any]]]]:
    settings = infra.settings()
    pool = await make_pool(settings.database_url, settings.schema("provenance"), max_size=2, autocommit=True)
    events = [_event("A", i) for i in range(600)] + [_event("B", i) for i in range(60)]
    try:
        async with pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(META_DDL)
            await cur.execute(store.DDL)
            await RunsProjection().apply_batch(cur, [(e, 2 * k + 2) for k, e in enumerate(events)])
            await cur.execute("ANALYZE runs")
        rows = [
            {"workspace": e.workspace_id, "run_id": e.run_id, **orjson.loads(bytes(e.head))}
            for e in events  # the oracle: every run, from the events themselves
        ]
        yield pool, rows
    finally:
        await pool.close()


def _expected(rows: list[dict[str, Any]], q: dict[str, str]) -> list[str]:
    mine = [
        r
        for r in rows
        if r["workspace"] == "A"
        and q.get("backend") in (None, f"{r['backend']['provider']}/{r['backend']['name']}")
        and q.get("status") in (None, r["execution"]["status"])
    ]
    mine.sort(key=lambda r: (r["created_at"], r["run_id"]), reverse=True)
    return [r["run_id"] for r in mine]


async def _walk(deps: Deps, q: dict[str, str], limit: int) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        body = orjson.dumps({**q, "limit": limit, **({"cursor": cursor} if cursor else {})})
        reply = await list_runs(deps, RpcRequest(RpcContext(workspace_id="A"), body))
        page = reply.json()
        assert reply.status == 200 and len(page) <= limit
        seen += [x["run_id"] for x in page]
        for x in page:
            assert q.get("backend") in (None, x["backend"]) and q.get("status") in (None, x["status"])
        cursor = reply.headers.get("X-Next-Cursor")
        if cursor is None:
            return seen
        assert len(page) == limit, "a page short of the limit has no next page"


async def test_every_filter_paged_to_the_end_matches_the_rows(
    runs: tuple[AsyncConnectionPool, list[dict[str, Any]]],
) -> None:
    pool, rows = runs
    deps = cast(Deps, SimpleNamespace(rt=SimpleNamespace(statements=pool), config=ProvenanceConfig()))
    for q in FILTERS:
        expected = _expected(rows, q)
        assert expected, q  # every combination has runs in workspace A
        for limit in (7, 50):
            assert await _walk(deps, q, limit) == expected, (q, limit)


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


async def test_each_filter_is_an_index_range_in_the_lists_order(
    runs: tuple[AsyncConnectionPool, list[dict[str, Any]]],
) -> None:
    """Without a matching index the planner can still avoid a sort, but only by scanning the
    workspace's runs and dropping those that do not match: cost that grows with the workspace."""
    pool, _ = runs
    cursor = encode_cursor(datetime(2025, 3, 3, 12, tzinfo=UTC), "RA0300")  # mid-list
    async with pool.connection() as conn:
        await conn.execute("SET enable_seqscan = off")  # 660 rows: a plain scan would win otherwise
        await conn.execute("SET enable_bitmapscan = off")
        for filters, kind, after in itertools.product(FILTERS, KINDS, (None, cursor)):
            q = {**filters, **kind}
            f = run_filter(ListQuery(limit=50, cursor=after, **q), default_page=50, max_page=200)
            sql, args = store.list_query("A", f)
            row = await (await conn.execute(f"EXPLAIN (FORMAT JSON) {sql}", args)).fetchone()
            assert row is not None
            nodes = _nodes(row[0][0]["Plan"])
            assert not any(n["Node Type"] in ("Sort", "Incremental Sort") for n in nodes), (q, after)
            scans = [n for n in nodes if "Index" in n["Node Type"] and "Scan" in n["Node Type"]]
            assert len(scans) == 1 and "Filter" not in scans[0], (q, after, scans)
            cond = scans[0]["Index Cond"]
            columns = [
                "workspace_id",
                "kind",
                *(["provider", "backend_name"] if "backend" in q else []),
                *q.keys() - {"backend", "kind"},
            ]
            assert all(c in cond for c in columns), (q, cond)
            assert ("created_at" in cond) == (after is not None), (q, cond)


async def test_every_kind_at_once_merges_two_index_ranges(
    runs: tuple[AsyncConnectionPool, list[dict[str, Any]]],
) -> None:
    """``kind=all``: the original runs and the simulated reproductions, each one range of its index,
    merged in the list's order (no sort, no scan of the workspace)."""
    pool, _ = runs
    cursor = encode_cursor(datetime(2025, 3, 3, 12, tzinfo=UTC), "RA0300")
    async with pool.connection() as conn:
        await conn.execute("SET enable_seqscan = off")
        await conn.execute("SET enable_bitmapscan = off")
        for q, after in itertools.product(FILTERS, (None, cursor)):
            f = run_filter(ListQuery(limit=50, cursor=after, kind="all", **q), default_page=50, max_page=200)
            sql, args = store.list_query("A", f)
            row = await (await conn.execute(f"EXPLAIN (FORMAT JSON) {sql}", args)).fetchone()
            assert row is not None
            nodes = _nodes(row[0][0]["Plan"])
            assert not any(n["Node Type"] in ("Sort", "Incremental Sort") for n in nodes), (q, after)
            assert any(n["Node Type"] == "Merge Append" for n in nodes), (q, after)
            scans = [n for n in nodes if "Index" in n["Node Type"] and "Scan" in n["Node Type"]]
            assert len(scans) == 2 and all("Filter" not in s for s in scans), (q, after, scans)
