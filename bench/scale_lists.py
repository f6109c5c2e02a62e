"""What the scale benchmark reads at each size: the run list (first, last and random-depth pages,
each filter) and ``GET /runs/{id}``, with the plan of every list query.

Cursors are made from rows of the read model with the service's own ``encode_cursor`` (the
page after a row), after checking that they equal the ``Link: rel="next"`` cursors the gateway
hands out; walking 10,000 pages over HTTP to reach the last one would measure nothing new.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import psycopg

from bench.common import RunningStack
from bench.scale_reads import explain, measure_paths
from bench.scale_runs import DEVICES, SmallRuns

__all__ = ["PAGE", "list_figures"]

PAGE = 100  # runs a page: page 10,000 is the last one at 1M
RANDOM_PATHS = 2000
# services.provenance.store's indexes for the filters: dropped (and restored) to show the plans without them
FILTER_INDEXES = ("runs_ws_backend_created", "runs_ws_status_created", "runs_ws_backend_status_created")


def _filters(small: SmallRuns) -> dict[str, dict[str, str]]:
    by_device = {d: t for (d, _), t in zip(DEVICES, small.templates, strict=True)}
    common, rare = by_device[DEVICES[0][0]], by_device[DEVICES[-1][0]]
    c, r = f"{common.provider}/{common.backend_name}", f"{rare.provider}/{rare.backend_name}"
    return {
        "backend_common": {"backend": c},
        "backend_rare": {"backend": r},
        "status_failed": {"status": "failed"},
        "status_cancelled": {"status": "cancelled"},
        "backend_common_status_rare": {"backend": c, "status": "cancelled"},
        "backend_rare_status_rare": {"backend": r, "status": "cancelled"},
    }


def _where(q: dict[str, str]) -> tuple[str, list[str]]:
    sql, args = "", []
    if "backend" in q:
        provider, _, name = q["backend"].partition("/")
        sql += " AND provider = %s AND backend_name = %s"
        args += [provider, name]
    if "status" in q:
        sql += " AND status = %s"
        args.append(q["status"])
    return sql, args


def _path(q: dict[str, str], cursor: str | None = None) -> str:
    return "/api/v1/runs?" + urlencode({"limit": PAGE, **q, **({"cursor": cursor} if cursor else {})})


def list_figures(s: RunningStack, small: SmallRuns, ws: str, idle: dict[str, float]) -> dict[str, Any]:
    """Latency of each read route and the plan of each list query, at the store's current size; a
    filter's plan also as it was with only the unfiltered index (``without_filter_indexes``)."""
    from services.provenance import store
    from services.provenance.domain import ListQuery, encode_cursor, run_filter

    schema = s.settings.schema("provenance")
    db = psycopg.connect(s.settings.database_url, autocommit=True, options=f"-c search_path={schema}")

    def cursors(q: dict[str, str], order: str, limit: int, offset: int = 0) -> list[str]:
        where, args = _where(q)
        rows = db.execute(
            f"SELECT created_at, run_id FROM runs WHERE workspace_id = %s{where} ORDER BY {order} LIMIT %s OFFSET %s",
            (ws, *args, limit, offset),
        ).fetchall()
        return [encode_cursor(created, run_id) for created, run_id in rows]

    def plan(q: dict[str, str], cursor: str | None = None) -> dict[str, Any]:
        f = run_filter(ListQuery(limit=PAGE, cursor=cursor, **q), default_page=PAGE, max_page=PAGE)
        return explain(db, *store.list_query(ws, f))

    def plan_before(q: dict[str, str]) -> dict[str, Any]:
        """The plan with the filter indexes dropped, in a transaction rolled back (it locks the table)."""
        with db.transaction(force_rollback=True):
            for name in FILTER_INDEXES:
                db.execute(f"DROP INDEX IF EXISTS {name}")
            return plan(q)

    newest = "created_at DESC, run_id DESC"
    try:
        runs = int(db.execute("SELECT count(*) FROM runs WHERE workspace_id = %s", (ws,)).fetchone()[0])  # type: ignore[index]
        _check_cursor(s, cursors({}, newest, 1, PAGE - 1)[0])
        last = cursors({}, newest, 1, (runs - 1) // PAGE * PAGE - 1)[0]
        deep = cursors({}, "random()", RANDOM_PATHS)
        out: dict[str, Any] = {
            "list_first_page": measure_paths(s, [_path({})], idle) | {"plan": plan({})},
            "list_last_page": measure_paths(s, [_path({}, last)], idle) | {"plan": plan({}, last)},
            "list_random_depth": measure_paths(s, [_path({}, c) for c in deep], idle) | {"plan": plan({}, deep[0])},
        }
        for name, q in _filters(small).items():
            where, args = _where(q)
            matches = db.execute(f"SELECT count(*) FROM runs WHERE workspace_id = %s{where}", (ws, *args)).fetchone()
            out[f"filter_{name}"] = measure_paths(s, [_path(q)], idle) | {
                "query": q,
                "matching_runs": matches[0] if matches else 0,
                "plan": plan(q),
                "plan_without_filter_indexes": plan_before(q),
            }
        q = _filters(small)["backend_common"]
        deep_filtered = cursors(q, "random()", RANDOM_PATHS)
        out["filter_backend_common_random_depth"] = measure_paths(s, [_path(q, c) for c in deep_filtered], idle) | {
            "query": q,
            "plan": plan(q, deep_filtered[0]),
        }
        small_ids = db.execute(
            "SELECT run_id FROM runs WHERE workspace_id = %s AND backend_name <> 'ibm_kyiv'"
            " ORDER BY random() LIMIT 5000",
            (ws,),
        ).fetchall()
        large_ids = db.execute(
            "SELECT run_id FROM runs WHERE workspace_id = %s AND backend_name = 'ibm_kyiv'", (ws,)
        ).fetchall()
        out["get_run_small"] = measure_paths(s, [f"/api/v1/runs/{r}" for (r,) in small_ids], idle)
        out["get_run_75kb"] = measure_paths(s, [f"/api/v1/runs/{r}" for (r,) in large_ids], idle)
    finally:
        db.close()
    return out


def _check_cursor(s: RunningStack, second_page: str) -> None:
    """The cursor made from the read model is the one the gateway's ``Link`` header gives, and the
    page it opens is the gateway's second page."""
    with httpx.Client(base_url=s.base_url, headers=s.headers, timeout=30) as c:
        first = c.get(_path({}))
        link = first.links.get("next", {}).get("url")
        if first.status_code != 200 or not link:
            raise RuntimeError(f"the first page has no next link: {first.status_code} {first.headers}")
        given = parse_qs(urlsplit(link).query)["cursor"][0]
        if given != second_page or c.get(link).json() != c.get(_path({}, second_page)).json():
            raise RuntimeError("the benchmark's cursors are not the gateway's")
